"""PNG's chunks, in one place: the eXIf and XMP iTXt chunks found without decoding pixels (for
metadata), the iTXt layout parsed and rebuilt (privacy rewrites it without the position), and
the image data counted against the rows the header declares (for decode)."""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image

from .xmp import MAX_XMP_BYTES

XMP_KEYWORD = b"XML:com.adobe.xmp"
MAX_CHUNKS = 10_000  # chunks walked looking for eXIf/iTXt before giving up
MAX_METADATA_CHUNK_BYTES = 4 * 1024 * 1024


def is_xmp(data: bytes | bytearray) -> bool:
    """An iTXt chunk's data that carries the XMP packet."""
    return data.startswith(XMP_KEYWORD + b"\x00")


@dataclass(frozen=True)
class InternationalText:
    keyword: bytes
    compressed: bool
    method: int
    language: bytes
    translated_keyword: bytes
    text: bytes  # as stored: zlib-compressed when `compressed`

    @classmethod
    def parse(cls, data: bytes) -> InternationalText:
        """Raises ValueError or IndexError on a chunk that does not have iTXt's layout."""
        keyword, rest = data.split(b"\x00", 1)
        compressed, method, rest = rest[0], rest[1], rest[2:]
        language, translated, text = rest.split(b"\x00", 2)
        return cls(keyword, bool(compressed), method, language, translated, text)

    def with_text(self, text: bytes) -> InternationalText:
        return replace(self, text=text)

    def to_bytes(self) -> bytes:
        flags = bytes([int(self.compressed), self.method])
        return b"\x00".join(
            [self.keyword, flags + self.language, self.translated_keyword, self.text]
        )


def metadata_chunks(image: Image.Image) -> tuple[bytes | None, bytes | None]:
    """eXIf and XMP iTXt by walking PNG chunks (skipping IDAT by seeking): Pillow's getexif()
    on PNG decodes the whole image first when eXIf comes after the pixel data."""
    exif, xmp = image.info.get("exif"), image.info.get("xmp")
    fp = getattr(image, "fp", None)
    if exif or fp is None:
        return exif, xmp
    position = fp.tell()
    try:
        fp.seek(8)  # after the signature
        for _ in range(MAX_CHUNKS):
            header = fp.read(8)
            if len(header) < 8:
                break
            length, kind = struct.unpack(">I4s", header)
            if kind == b"IEND":
                break
            if kind in (b"eXIf", b"iTXt") and length <= MAX_METADATA_CHUNK_BYTES:
                data = fp.read(length)
                fp.seek(4, io.SEEK_CUR)  # CRC
                if kind == b"eXIf":
                    exif = exif or data
                elif is_xmp(data):
                    xmp = xmp or _xmp_text(data)
            else:
                fp.seek(length + 4, io.SEEK_CUR)
    finally:
        fp.seek(position)
    return exif, xmp


def _xmp_text(data: bytes) -> bytes:
    chunk = InternationalText.parse(data)
    if chunk.compressed:  # inflated no further than an XMP packet may be
        return zlib.decompressobj().decompress(chunk.text, MAX_XMP_BYTES)
    return chunk.text


# Samples per pixel of each IHDR colour type (grey, RGB, palette, grey+alpha, RGBA).
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
# Adam7: (first column, first row, column step, row step) of each of the seven passes.
_ADAM7 = (
    (0, 0, 8, 8),
    (4, 0, 8, 8),
    (0, 4, 4, 8),
    (2, 0, 4, 4),
    (0, 2, 2, 4),
    (1, 0, 2, 2),
    (0, 1, 1, 2),
)
_INFLATE_STEP = 1024 * 1024  # bytes inflated at a time while counting: memory stays flat
# Chunks walked counting image data. libpng writes 8 KiB IDAT chunks: a million is 8 GiB, far
# past any upload, and bounds the walk of a file made of empty chunks.
MAX_IMAGE_CHUNKS = 1_000_000


def holds_every_row(path: Path) -> bool:
    """Whether the IDAT chunks inflate to every row the header declares.

    Pillow's decoder stops without an error when the zlib stream ends early (and leaves the rows
    it never got black), so the count is made here, before decoding: inflating costs a fraction
    of the decode and keeps nothing, and a header that declares far more rows than the data holds
    is refused without allocating its pixels. False too for a header this walk cannot read."""
    with path.open("rb") as file:
        file.seek(8)
        header = file.read(8 + 13)
        if len(header) < 21 or header[4:8] != b"IHDR":
            return False
        width, height, depth, colour, _, _, interlaced = struct.unpack(">IIBBBBB", header[8:])
        if colour not in _CHANNELS:
            return False
        expected = _data_bytes(width, height, depth * _CHANNELS[colour], interlaced == 1)
        file.seek(4, io.SEEK_CUR)  # IHDR's CRC
        inflater = zlib.decompressobj()
        inflated, in_data = 0, False
        for _ in range(MAX_IMAGE_CHUNKS):
            chunk = file.read(8)
            if len(chunk) < 8:
                break
            length, kind = struct.unpack(">I4s", chunk)
            if kind != b"IDAT":
                if in_data or kind == b"IEND":
                    break  # the image data is one run of IDAT chunks, as Pillow reads it
                file.seek(length + 4, io.SEEK_CUR)
                continue
            in_data = True
            pending = file.read(length)
            file.seek(4, io.SEEK_CUR)  # CRC
            try:
                while pending and inflated < expected:
                    inflated += len(inflater.decompress(pending, _INFLATE_STEP))
                    pending = inflater.unconsumed_tail
            except zlib.error:
                return False
            if inflated >= expected or inflater.eof:
                break
        return inflated >= expected


def _data_bytes(width: int, height: int, bits_per_pixel: int, interlaced: bool) -> int:
    """Inflated size of the image data: each row is a filter byte and its packed samples."""

    def rows(columns: int, count: int) -> int:
        return (
            0 if columns == 0 or count == 0 else count * (1 + (columns * bits_per_pixel + 7) // 8)
        )

    if not interlaced:
        return rows(width, height)
    return sum(
        rows(
            (width - x + dx - 1) // dx if width > x else 0,
            (height - y + dy - 1) // dy if height > y else 0,
        )
        for x, y, dx, dy in _ADAM7
    )
