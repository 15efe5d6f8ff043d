"""decode.open_image(): the format from the content, the pixel bound, nothing trusted from names."""

import io
import struct
import zlib

import pytest
from PIL import Image

from photoshelf.core.refusals import Refusal
from photoshelf.ingest import decode, jpeg
from tests.factories import flat_jpeg, photo, with_repeated_last_scan

MAX_PIXELS = 200_000_000


def write(tmp_path, data: bytes, name: str = "upload.bin"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "fmt, content_type, extension",
    [
        ("JPEG", "image/jpeg", "jpg"),
        ("PNG", "image/png", "png"),
        ("WEBP", "image/webp", "webp"),
        ("TIFF", "image/tiff", "tiff"),
        ("GIF", "image/gif", "gif"),
        ("BMP", "image/bmp", "bmp"),
        ("HEIF", "image/heic", "heic"),
        ("AVIF", "image/avif", "avif"),
    ],
)
def test_it_identifies_each_format_by_content(tmp_path, fmt, content_type, extension):
    data = photo(fmt, exif=None) if fmt in {"GIF", "BMP"} else photo(fmt)
    opened = decode.open_image(write(tmp_path, data, "misleading.txt"), max_pixels=MAX_PIXELS)
    assert (opened.format, opened.content_type, opened.extension) == (fmt, content_type, extension)


@pytest.mark.parametrize(
    "data",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b"<html><body>hello</body></html>",
        b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF",
        b"PK\x03\x04" + b"\x00" * 100,
        b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n",
        b"",
        b"\xff\xd8\xff",  # a JPEG signature and nothing after it
    ],
    ids=["svg", "html", "pdf", "zip", "eps", "empty", "jpeg-signature-only"],
)
def test_it_refuses_what_is_not_a_raster_image(tmp_path, data):
    with pytest.raises(Refusal) as refused:
        decode.open_image(write(tmp_path, data, "photo.jpg"), max_pixels=MAX_PIXELS)
    assert refused.value.code == "not-an-image"


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width×height pixels: a decompression bomb's shape."""
    real = io.BytesIO()
    Image.new("L", (1, 1)).save(real, "PNG")
    data = bytearray(real.getvalue())
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


def test_it_refuses_too_many_pixels_before_decoding(tmp_path):
    with pytest.raises(Refusal) as refused:
        decode.open_image(write(tmp_path, png_declaring(40_000, 40_000)), max_pixels=MAX_PIXELS)
    assert refused.value.code == "too-many-pixels"
    assert refused.value.extra["width"] == 40_000


def test_it_refuses_beyond_pillows_own_bomb_limit_with_the_same_code(tmp_path):
    with pytest.raises(Refusal) as refused:
        decode.open_image(write(tmp_path, png_declaring(60_000, 60_000)), max_pixels=1000)
    assert refused.value.code == "too-many-pixels"


def test_it_accepts_an_image_at_the_pixel_limit(tmp_path):
    opened = decode.open_image(write(tmp_path, photo(size=(100, 50))), max_pixels=5000)
    assert opened.pixels == 5000


@pytest.mark.parametrize("orientation, expected", [(1, (40, 30)), (6, (30, 40)), (8, (30, 40))])
def test_displayed_size_swaps_for_rotated_orientations(orientation, expected):
    assert decode.displayed_size((40, 30), orientation) == expected


def test_it_refuses_a_jpeg_with_more_scans_than_real_files_have(tmp_path):
    hostile = with_repeated_last_scan(flat_jpeg("L", progressive=True), jpeg.MAX_SCANS + 1)
    with pytest.raises(Refusal) as refused:
        decode.open_image(write(tmp_path, hostile, "photo.jpg"), max_pixels=MAX_PIXELS)
    assert refused.value.code == "not-an-image"
    assert refused.value.extra == {"max_scans": jpeg.MAX_SCANS}


def test_it_accepts_a_jpeg_with_as_many_scans_as_the_bound(tmp_path):
    many = with_repeated_last_scan(flat_jpeg("L", progressive=True), jpeg.MAX_SCANS)
    opened = decode.open_image(write(tmp_path, many, "photo.jpg"), max_pixels=MAX_PIXELS)
    opened.image.load()
    assert opened.format == "JPEG"
