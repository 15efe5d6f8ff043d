"""PNG's chunks, in one place: the eXIf and XMP iTXt chunks found without decoding pixels (for
metadata), and the iTXt layout parsed and rebuilt (privacy rewrites it without the position)."""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass, replace

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
