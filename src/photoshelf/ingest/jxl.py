"""JPEG XL without decoding: the declared size and orientation, and the Exif and XMP boxes.

pillow-jxl-plugin decodes the whole image as soon as it opens a file, so the pixel bound is
checked here first, from the codestream's SizeHeader (ISO/IEC 18181-1, 9.2), and the metadata
it does not read (XMP) is taken from the container's boxes (18181-2). Brotli-compressed boxes
(`brob`) are not read.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import pillow_jxl  # noqa: F401  registers the JXL format with Pillow
from PIL import Image

CODESTREAM = b"\xff\x0a"
CONTAINER = b"\x00\x00\x00\x0cJXL \r\n\x87\n"
# Bytes read to find the boxes before the codestream and its header (metadata comes first).
MAX_HEADER_BYTES = 4 * 1024 * 1024
MAX_BOXES = 64
_RATIOS = {1: (1, 1), 2: (12, 10), 3: (4, 3), 4: (3, 2), 5: (16, 9), 6: (5, 4), 7: (2, 1)}


class NotJxl(ValueError):
    """The bytes are not a readable JPEG XL header."""


@dataclass(frozen=True)
class Header:
    width: int  # as coded, before the orientation
    height: int
    orientation: int  # the codestream's (1-8); libjxl hands out pixels already turned
    exif: bytes | None
    xmp: bytes | None
    jpeg_reconstruction: bool  # a recompressed JPEG (`jbrd`): decoded back to that JPEG


def is_jxl(prefix: bytes) -> bool:
    return prefix.startswith(CODESTREAM) or prefix.startswith(CONTAINER)


def read_header(path: Path) -> Header:
    with path.open("rb") as fh:
        data = fh.read(MAX_HEADER_BYTES)
    if data.startswith(CODESTREAM):
        width, height, orientation = _size_header(data)
        return Header(width, height, orientation, None, None, False)
    if not data.startswith(CONTAINER):
        raise NotJxl("no JPEG XL signature")
    exif = xmp = codestream = None
    jpeg_reconstruction = False
    at = len(CONTAINER)
    for _ in range(MAX_BOXES):
        if at + 8 > len(data):
            break
        size, kind = struct.unpack(">I4s", data[at : at + 8])
        start = at + 8
        if size == 1:
            if at + 16 > len(data):
                break
            (size,) = struct.unpack(">Q", data[at + 8 : at + 16])
            start = at + 16
        end = len(data) if size == 0 else at + size
        if end < start:
            raise NotJxl(f"a box of {size} bytes")
        body = data[start:end]
        if kind == b"Exif" and exif is None and len(body) > 4:
            (skip,) = struct.unpack(">I", body[:4])  # offset of the TIFF header in the box
            exif = body[4 + skip :] if 4 + skip < len(body) else None
        elif kind == b"xml " and xmp is None:
            xmp = body
        elif kind == b"jbrd":
            jpeg_reconstruction = True
        elif kind in {b"jxlc", b"jxlp"} and codestream is None:
            codestream = body[4:] if kind == b"jxlp" else body  # jxlp starts with an index
        if size == 0 or end >= len(data):
            break
        at = end
    if codestream is None:
        raise NotJxl("no codestream box")
    width, height, orientation = _size_header(codestream)
    return Header(width, height, orientation, exif, xmp, jpeg_reconstruction)


class _Bits:
    """LSB-first bit reader, as JPEG XL codes its headers."""

    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def read(self, count: int) -> int:
        value = 0
        for i in range(count):
            byte = self.at >> 3
            if byte >= len(self.data):
                raise NotJxl("the header ends early")
            value |= ((self.data[byte] >> (self.at & 7)) & 1) << i
            self.at += 1
        return value

    def u32_size(self) -> int:
        return self.read((9, 13, 18, 30)[self.read(2)]) + 1


def _size_header(codestream: bytes) -> tuple[int, int, int]:
    if not codestream.startswith(CODESTREAM):
        raise NotJxl("the codestream lacks its signature")
    bits = _Bits(codestream[2:66])
    small = bits.read(1)
    height = (bits.read(5) + 1) * 8 if small else bits.u32_size()
    ratio = bits.read(3)
    if ratio:
        numerator, denominator = _RATIOS[ratio]
        width = height * numerator // denominator
    else:
        width = (bits.read(5) + 1) * 8 if small else bits.u32_size()
    orientation = 1
    if not bits.read(1) and bits.read(1):  # ImageMetadata: not all_default, extra_fields
        orientation = bits.read(3) + 1
    return width, height, orientation


def complete_info(image: Image.Image, header: Header) -> None:
    """What pillow-jxl-plugin leaves out: the XMP box; and an Exif orientation dropped where
    libjxl has already turned the pixels by the codestream's (which the format says wins)."""
    if header.xmp and "xmp" not in image.info:
        image.info["xmp"] = header.xmp
    if header.jpeg_reconstruction or "exif" not in image.info:
        return
    try:
        exif = image.getexif()
    except Exception:  # a broken Exif box: no metadata, as for any format (metadata.py)
        del image.info["exif"]
        return
    if exif.get(0x0112, 1) != 1:
        del exif[0x0112]
        image.info["exif"] = exif.tobytes()
