"""vips.load(): plain PNGs decoded by libvips into the very pixels Pillow would decode, once, and
everything else (or anything libvips refuses) left to Pillow."""

import io
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from photoshelf.core.refusals import Refusal
from photoshelf.ingest import decode, renditions, steps, vips
from tests.factories import scene


def png(tmp_path: Path, mode: str = "RGB", **options) -> Path:
    with Image.open(io.BytesIO(scene(7))) as photo:
        pixels = photo.convert("I").convert(mode) if mode == "I;16" else photo.convert(mode)
    if mode == "RGBA":
        pixels.putalpha(Image.linear_gradient("L").resize(pixels.size))
    path = tmp_path / f"upload-{mode}.png"
    pixels.save(path, "PNG", **options)
    return path


def pillows(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        image.load()
        return np.asarray(image)


@pytest.mark.parametrize(
    ("mode", "options"),
    [("RGB", {}), ("RGBA", {}), ("RGB", {"interlace": 1}), ("RGB", {"compress_level": 9})],
)
def test_it_decodes_the_same_pixels_as_pillow(tmp_path, mode, options):
    path = png(tmp_path, mode, **options)
    opened = decode.open_image(path, max_pixels=10**9)
    with opened.image:
        assert vips.decodes(opened.image, animated=opened.animated)
        pixels = vips.load(opened.image)
    assert pixels is not None and pixels.mode == mode
    assert np.array_equal(np.asarray(pixels), pillows(path))


def test_the_header_info_travels_with_the_pixels(tmp_path):
    info = PngImagePlugin.PngInfo()
    info.add_text("Title", "Harbour")
    path = png(tmp_path, icc_profile=b"not a real profile", pnginfo=info)
    opened = decode.open_image(path, max_pixels=10**9)
    with opened.image:
        pixels = vips.load(opened.image)
    assert pixels is not None and pixels.info["icc_profile"] == b"not a real profile"


def test_a_plain_png_upload_is_decoded_once_by_libvips_with_the_same_outcome(tmp_path, monkeypatch):
    path = png(tmp_path)
    expected = _pillow_renditions(path)
    loads = []
    original = PngImagePlugin.PngImageFile.load

    def counting_load(self):
        if getattr(self, "_im", None) is None:
            loads.append(self.size)
        return original(self)

    monkeypatch.setattr(PngImagePlugin.PngImageFile, "load", counting_load)
    processed = steps.process(path, name="upload.png", max_pixels=10**9, rules=None)
    assert loads == []  # Pillow read the header only
    assert processed.fingerprint == steps.fingerprint(expected[-1].pixels)
    for made, reference in zip(processed.made, expected, strict=True):
        assert np.array_equal(np.asarray(made.pixels), np.asarray(reference.pixels))
        assert made.files == reference.files  # the very same JPEG and WebP bytes


def _pillow_renditions(path: Path) -> list[renditions.Rendition]:
    """The renditions with Pillow decoding: the image is decoded before render() sees it."""
    opened = decode.open_image(path, max_pixels=10**9)
    with opened.image as image:
        image.load()
        assert not vips.decodes(image, animated=False)  # decoded already: nothing left to do
        return renditions.render(opened, 1)


@pytest.mark.parametrize(
    "mode_options",
    [("P", {}), ("L", {}), ("LA", {}), ("I;16", {}), ("RGB", {"transparency": (1, 2, 3)})],
)
def test_other_pngs_are_left_to_pillow(tmp_path, mode_options):
    mode, options = mode_options
    path = png(tmp_path, mode, **options)
    opened = decode.open_image(path, max_pixels=10**9)
    with opened.image:
        assert not vips.decodes(opened.image, animated=opened.animated)
        assert renditions.render(opened, 1)[0].pixels.mode == "RGB"


def _with_garbled_pixels(path: Path) -> bytes:
    """The PNG with its image data replaced by other bytes of the same length, CRC recomputed:
    complete in structure, no longer a valid zlib stream."""
    data = path.read_bytes()
    at = data.index(b"IDAT") - 4
    length = int.from_bytes(data[at : at + 4], "big")
    body = bytes((b * 7 + 3) % 256 for b in data[at + 8 : at + 8 + length])
    crc = zlib.crc32(b"IDAT" + body).to_bytes(4, "big")
    return data[: at + 8] + body + crc + data[at + 12 + length :]


def test_a_png_libvips_refuses_gets_pillows_verdict(tmp_path):
    path = tmp_path / "garbled.png"
    path.write_bytes(_with_garbled_pixels(png(tmp_path)))
    with pytest.raises(Refusal) as refused:
        steps.process(path, name="garbled.png", max_pixels=10**9, rules=None)
    assert refused.value.code == "not-an-image"
