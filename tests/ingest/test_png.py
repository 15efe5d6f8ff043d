"""png.holds_every_row(): the image data counted against the rows the header declares."""

import io
import struct
import zlib

from PIL import Image

from photoshelf.ingest import png


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def interlaced_grey_3x3(data: bytes, stream: bytes | None = None) -> bytes:
    header = struct.pack(">IIBBBBB", 3, 3, 8, 0, 0, 0, 1)
    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            chunk(b"IHDR", header),
            chunk(b"IDAT", zlib.compress(data) if stream is None else stream),
            chunk(b"IEND", b""),
        ]
    )


def write(tmp_path, data: bytes):
    path = tmp_path / "upload.png"
    path.write_bytes(data)
    return path


def test_it_accepts_what_pillow_writes_in_every_mode(tmp_path):
    for mode in ["1", "L", "LA", "P", "RGB", "RGBA", "I;16"]:
        out = io.BytesIO()
        Image.new(mode, (13, 7)).save(out, "PNG")
        assert png.holds_every_row(write(tmp_path, out.getvalue())), mode


def test_it_counts_the_seven_passes_of_an_interlaced_image(tmp_path):
    # Adam7 on 3×3 grey: passes of 1×1, 1×1, 2×1, 1×2 and 3×1 pixels, each row a filter byte
    # and its samples: 2 + 2 + 3 + 4 + 4 = 15 bytes.
    complete = write(tmp_path, interlaced_grey_3x3(bytes(15)))
    with Image.open(complete) as image:
        image.load()  # Pillow reads the same layout
    assert png.holds_every_row(complete)
    assert not png.holds_every_row(write(tmp_path, interlaced_grey_3x3(bytes(14))))


def test_it_refuses_a_header_or_a_stream_it_cannot_read(tmp_path):
    assert not png.holds_every_row(write(tmp_path, b"\x89PNG\r\n\x1a\n"))
    broken = interlaced_grey_3x3(b"", stream=b"\x78\x9c\xff\xff\xff")  # not deflate data
    assert not png.holds_every_row(write(tmp_path, broken))
