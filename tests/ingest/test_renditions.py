"""renditions.render(): every size from one decode, oriented, without metadata."""

import io
from pathlib import Path

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


def test_renditions_carry_no_exif(tmp_path):
    made = render_bytes(tmp_path, photo(make="Secret Camera"))
    for rendition in made.values():
        with Image.open(io.BytesIO(rendition.data)) as image:
            assert not image.getexif()
            assert b"Secret Camera" not in rendition.data


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
