"""decode.open_image(): the format from the content, the pixel bound, nothing trusted from names."""

import io
import struct
import zlib

import pytest
from PIL import Image

from photoshelf.core.refusals import Refusal
from photoshelf.ingest import decode, jpeg, renditions
from tests.conftest import REPO
from tests.factories import FRAME_COLOURS, animation, flat_jpeg, photo, with_repeated_last_scan

MAX_PIXELS = 200_000_000
SAMPLES = REPO.parent / "shared" / "corpus" / "libvips-samples"


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


# --- The whole picture decodes: data that ends early in good order is not an image ----------


def noisy(fmt: str = "JPEG", size: tuple[int, int] = (640, 480), **options) -> bytes:
    """A picture whose compressed data grows with its rows (flat colour would be a few bytes)."""
    grain = Image.effect_noise(size, 60)
    image = Image.merge("RGB", [grain, Image.linear_gradient("L").resize(size), grain])
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def decoded(tmp_path, data: bytes):
    """Open and decode every pixel, as an upload does (renditions.render() decodes)."""
    opened = decode.open_image(write(tmp_path, data, "photo"), max_pixels=MAX_PIXELS)
    with opened.image:
        return renditions.render(opened, 1)


def cut_with_end_marker(data: bytes, fraction: float = 0.5) -> bytes:
    return data[: int(len(data) * fraction)] + b"\xff\xd9"


@pytest.mark.parametrize("options", [{}, {"progressive": True}, {"restart_marker_rows": 1}])
def test_it_refuses_a_jpeg_cut_short_with_an_end_marker_appended(tmp_path, options):
    with pytest.raises(Refusal) as refused:
        decoded(tmp_path, cut_with_end_marker(noisy(**options)))
    assert refused.value.code == "not-an-image"


def test_it_refuses_a_jpeg_cut_just_before_its_end(tmp_path):
    data = noisy()
    with pytest.raises(Refusal) as refused:
        decoded(tmp_path, data[:-200] + b"\xff\xd9")
    assert refused.value.code == "not-an-image"


@pytest.mark.parametrize("marker", [b"\xff\xc0", b"\xff\xc2"], ids=["baseline", "progressive"])
def test_it_refuses_a_small_jpeg_whose_header_claims_14000_by_14000(tmp_path, marker):
    data = bytearray(noisy(size=(16, 16), progressive=marker == b"\xff\xc2"))
    frame = data.find(marker)
    assert frame > 0
    data[frame + 5 : frame + 9] = struct.pack(">HH", 14_000, 14_000)
    with pytest.raises(Refusal) as refused:
        decoded(tmp_path, bytes(data))
    assert refused.value.code == "not-an-image"


def png_rows(width: int, height: int, rows: int) -> bytes:
    """An RGB PNG declaring width×height whose complete zlib stream holds `rows` rows."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    raw = b"".join(b"\x00" + bytes((x + y) % 256 for x in range(width * 3)) for y in range(rows))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def test_it_refuses_a_png_whose_complete_zlib_stream_holds_half_its_rows(tmp_path):
    assert decoded(tmp_path, png_rows(200, 100, 100))  # all rows: a picture
    with pytest.raises(Refusal) as refused:
        decoded(tmp_path, png_rows(200, 100, 50))
    assert refused.value.code == "not-an-image"


def test_it_refuses_a_small_png_declaring_14000_by_14000_before_decoding(tmp_path):
    with pytest.raises(Refusal) as refused:
        decode.open_image(write(tmp_path, png_declaring(14_000, 14_000)), max_pixels=MAX_PIXELS)
    assert refused.value.code == "not-an-image"


def with_intervals_dropped(data: bytes, dropped: int) -> bytes:
    """A JPEG with restart markers whose last `dropped` intervals are lost, as a camera's write
    error loses them: the data stops at a restart marker and the end marker follows."""
    end = len(data) - 2
    for _ in range(dropped):
        end = max(data.rfind(b"\xff%c" % code, 0, end) for code in range(0xD0, 0xD8))
    return data[:end] + b"\xff\xd9"


def test_it_accepts_a_jpeg_missing_a_few_restart_intervals_at_the_bottom(tmp_path):
    data = noisy(size=(64, 1600), restart_marker_rows=1)  # 100 intervals of one MCU row
    made = decoded(tmp_path, with_intervals_dropped(data, 2))
    assert (made[0].width, made[0].height) == (64, 1600)


def test_it_refuses_a_jpeg_missing_more_restart_intervals_than_that(tmp_path):
    data = noisy(size=(64, 1600), restart_marker_rows=1)
    with pytest.raises(Refusal) as refused:
        decoded(tmp_path, with_intervals_dropped(data, 3))
    assert refused.value.code == "not-an-image"


@pytest.mark.parametrize(
    "fmt, options",
    [
        ("JPEG", {}),
        ("JPEG", {"quality": 100, "subsampling": 0}),
        ("JPEG", {"optimize": True}),
        ("JPEG", {"progressive": True}),
        ("JPEG", {"restart_marker_blocks": 1}),
        ("MPO", {"save_all": True, "append_images": [Image.new("RGB", (8, 8))]}),
        ("PNG", {}),
        ("PNG", {"optimize": True}),
    ],
)
def test_it_decodes_complete_files_of_every_layout(tmp_path, fmt, options):
    for size in [(1, 1), (9, 17), (333, 211)]:
        assert decoded(tmp_path, noisy(fmt, size, **options))


@pytest.mark.parametrize("fmt", ["GIF", "WEBP", "PNG"])
def test_an_animation_is_known_as_animated(tmp_path, fmt):
    opened = decode.open_image(write(tmp_path, animation(fmt)), max_pixels=MAX_PIXELS)
    assert opened.animated and opened.format == fmt
    assert opened.image.tell() == 0  # counting the frames left it at the first


@pytest.mark.parametrize("fmt", ["GIF", "WEBP", "PNG"])
def test_a_single_frame_is_not_animated(tmp_path, fmt):
    opened = decode.open_image(write(tmp_path, animation(fmt, frames=1)), max_pixels=MAX_PIXELS)
    assert not opened.animated


def test_pages_of_a_tiff_are_not_an_animation(tmp_path):
    pages = [Image.new("RGB", (20, 10), colour) for colour in ("red", "blue")]
    out = io.BytesIO()
    pages[0].save(out, "TIFF", save_all=True, append_images=pages[1:])
    opened = decode.open_image(write(tmp_path, out.getvalue()), max_pixels=MAX_PIXELS)
    assert opened.image.n_frames == 2 and not opened.animated


def test_a_real_animated_gif_is_animated(tmp_path):
    data = (SAMPLES / "cogs.gif").read_bytes()
    opened = decode.open_image(write(tmp_path, data), max_pixels=MAX_PIXELS)
    assert opened.animated and opened.image.size == (85, 77)


def test_a_gif_cut_in_its_second_frame_is_still_its_first(tmp_path):
    data = animation("GIF", frames=2)
    second = data.rindex(b"\x2c")  # the last image descriptor
    opened = decode.open_image(write(tmp_path, data[: second + 12]), max_pixels=MAX_PIXELS)
    made = renditions.render(opened, 1)
    assert made[-1].pixels.getpixel((5, 5)) == FRAME_COLOURS[0]
