"""renditions.render(): every size from one decode, oriented, without metadata."""

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from photoshelf.core.refusals import Refusal
from photoshelf.ingest import decode, renditions
from tests.factories import animation, photo


def render_bytes(tmp_path: Path, data: bytes, orientation: int = 1):
    path = tmp_path / "upload"
    path.write_bytes(data)
    opened = decode.open_image(path, max_pixels=10**9)
    with opened.image:
        return {r.size.name: r for r in renditions.render(opened, orientation)}


def test_it_makes_a_preview_and_a_thumbnail_bounded_by_their_longest_side(tmp_path):
    made = render_bytes(tmp_path, photo(size=(4000, 3000)))
    assert (made["preview"].width, made["preview"].height) == (1600, 1200)
    assert (made["thumbnail"].width, made["thumbnail"].height) == (400, 300)
    with Image.open(io.BytesIO(made["thumbnail"].data)) as thumb:
        assert thumb.format == "JPEG" and thumb.size == (400, 300)


def test_it_never_enlarges_a_small_image(tmp_path):
    made = render_bytes(tmp_path, photo(size=(300, 200)))
    assert (made["preview"].width, made["thumbnail"].width) == (300, 300)


def test_it_applies_the_exif_orientation(tmp_path):
    made = render_bytes(tmp_path, photo(size=(800, 600), orientation=6), orientation=6)
    assert (made["thumbnail"].width, made["thumbnail"].height) == (300, 400)


def test_the_thumbnail_is_made_as_a_jpeg_and_a_webp_of_the_same_pixels(tmp_path):
    made = render_bytes(tmp_path, photo(size=(4000, 3000), orientation=6), orientation=6)
    assert [encoding.format for encoding, _ in made["preview"].files] == ["JPEG"]
    for name, box, formats in (
        ("preview", (1200, 1600), ["JPEG"]),
        ("thumbnail", (300, 400), ["JPEG", "WEBP"]),
    ):
        rendition = made[name]
        assert [encoding.format for encoding, _ in rendition.files] == formats
        assert rendition.data == rendition.files[0][1]  # the fallback
        shown = np.asarray(rendition.pixels, dtype=np.int16)
        for encoding, data in rendition.files:
            with Image.open(io.BytesIO(data)) as image:
                assert (image.format, image.size, image.mode) == (encoding.format, box, "RGB")
                # the same picture in both: every pixel close to what was encoded
                assert np.abs(np.asarray(image, dtype=np.int16) - shown).mean() < 3


def test_renditions_carry_no_exif(tmp_path):
    made = render_bytes(tmp_path, photo(make="Secret Camera"))
    for rendition in made.values():
        for _, data in rendition.files:
            with Image.open(io.BytesIO(data)) as image:
                assert not image.getexif() and "xmp" not in image.info
                assert b"Secret Camera" not in data


@pytest.mark.parametrize("mode", ["RGBA", "L", "P", "CMYK", "I;16"])
def test_it_renders_every_pixel_mode_as_rgb(tmp_path, mode):
    source = Image.new("RGB", (64, 48), (200, 100, 50)).convert(mode if mode != "I;16" else "I")
    if mode == "I;16":
        source = source.convert("I;16")
    fmt = "JPEG" if mode in {"L", "CMYK"} else ("TIFF" if mode == "I;16" else "PNG")
    out = io.BytesIO()
    source.save(out, fmt)
    made = render_bytes(tmp_path, out.getvalue())
    with Image.open(io.BytesIO(made["thumbnail"].data)) as thumb:
        assert thumb.mode == "RGB"


def test_a_truncated_image_is_not_an_image(tmp_path):
    data = photo(size=(1200, 900))
    with pytest.raises(Refusal) as refused:
        render_bytes(tmp_path, data[: len(data) // 2])
    assert refused.value.code == "not-an-image"


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_orientation_turns_both_sizes_and_keeps_the_aspect_ratio(tmp_path, orientation):
    made = render_bytes(tmp_path, photo(size=(2000, 1500), orientation=orientation), orientation)
    turned = orientation >= 5
    assert (made["preview"].width, made["preview"].height) == (
        (1200, 1600) if turned else (1600, 1200)
    )
    assert (made["thumbnail"].width, made["thumbnail"].height) == (
        (300, 400) if turned else (400, 300)
    )
    with Image.open(io.BytesIO(made["thumbnail"].data)) as thumb:
        assert thumb.size == (made["thumbnail"].width, made["thumbnail"].height)


def test_a_jpeg_is_decoded_once_at_a_reduced_scale(tmp_path, monkeypatch):
    from PIL import JpegImagePlugin

    decoded = []
    load = JpegImagePlugin.JpegImageFile.load

    def counting_load(self):
        if getattr(self, "_im", None) is None:
            decoded.append(self.size)
        return load(self)

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "load", counting_load)
    render_bytes(tmp_path, photo(size=(4000, 3000)))
    assert decoded == [(2000, 1500)]  # draft() asked for 1600×1200: DCT scaling gave 1/2


@pytest.mark.parametrize("fmt", ["GIF", "WEBP", "PNG"])
def test_the_renditions_of_an_animation_are_its_first_frame(tmp_path, fmt):
    path = tmp_path / "animation.bin"
    path.write_bytes(animation(fmt, size=(2000, 1000)))
    opened = decode.open_image(path, max_pixels=200_000_000)
    preview, thumbnail = renditions.render(opened, 1)
    assert (preview.width, thumbnail.width) == (1600, 400)
    for rendition in (preview, thumbnail):
        red, green, blue = rendition.pixels.getpixel((10, 10))
        assert red > 200 and green < 60 and blue < 60  # the first frame is red


# HDR photos: an SDR base image and a gain map that brightens it on HDR screens. The renditions
# are the base (what every SDR screen shows); the gain map stays in the original, untouched.
HDR_SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


def _mean_difference(a: Image.Image, b: Image.Image) -> float:
    a, b = a.convert("RGB"), b.convert("RGB").resize(a.size, Image.Resampling.BOX)
    return float(np.abs(np.asarray(a, dtype=np.int16) - np.asarray(b, dtype=np.int16)).mean())


def test_an_ultra_hdr_jpeg_renders_its_sdr_base(tmp_path):
    source = HDR_SAMPLES / "libvips-samples" / "ultra-hdr.jpg"
    data = source.read_bytes()
    assert b"hdrgm" in data  # it carries a gain map (Ultra HDR's XMP namespace)
    path = tmp_path / "hdr.jpg"
    path.write_bytes(data)
    opened = decode.open_image(path, max_pixels=200_000_000)
    preview, thumbnail = renditions.render(opened, 1)
    with Image.open(io.BytesIO(data)) as base:  # the primary image: the SDR rendition
        assert _mean_difference(preview.pixels, base) < 3
    mean = np.asarray(thumbnail.pixels).mean()
    assert 30 < mean < 220  # neither black nor washed out
    assert path.read_bytes() == data  # the original keeps its gain map


def test_an_iphone_heic_with_a_gain_map_renders_its_sdr_base(tmp_path):
    import pillow_heif

    source = HDR_SAMPLES / "exif-samples" / "heic" / "mobile" / "iphone_13_pro_max.HEIC"
    heif = pillow_heif.open_heif(source)
    gain_map_ids = heif.info["aux"]["urn:com:apple:photo:2020:aux:hdrgainmap"]
    gain_map = heif.get_aux_image(gain_map_ids[0]).to_pillow()
    base = heif.to_pillow()
    opened = decode.open_image(source, max_pixels=200_000_000)
    preview = renditions.render(opened, 1)[0].pixels  # the sample records no rotation
    # The base, colour-managed from Display P3 (a few levels off), never the grey gain map.
    assert _mean_difference(preview, base) < 8
    assert _mean_difference(preview, gain_map.convert("RGB")) > 3 * _mean_difference(preview, base)
    assert 30 < np.asarray(preview).mean() < 220
