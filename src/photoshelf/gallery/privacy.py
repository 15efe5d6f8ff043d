"""strip_gps(): an original's bytes without its GPS position, pixels untouched (not re-encoded).

The GPS IFD of every EXIF block is emptied in place (its entries, their values and its count
zeroed, so no other offset moves: maker notes stay valid), and GPS properties of the XMP packet
are overwritten with spaces. Covered: JPEG and MPO (every APP1 EXIF/XMP segment), PNG (eXIf and
XMP iTXt, CRCs recomputed), WebP (EXIF and XMP chunks), TIFF (its own IFD0 and XMP tag), HEIF/HEIC
and AVIF (the EXIF item and XMP packet found verbatim in the file). The result is checked by
reading it again; anything left (or a block too damaged to edit safely) raises CannotStrip, and
the original is then not served. Other formats (GIF, BMP, ...) carry no EXIF that Pillow reads
and are returned unchanged.
"""

from __future__ import annotations

import io
import re
import struct
import zlib

from PIL import ExifTags, Image

from photoshelf.ingest import decode, png  # noqa: F401  (decode registers the HEIF/AVIF openers)
from photoshelf.ingest.metadata import read_metadata

TAG_GPS_IFD = 0x8825
TIFF_TYPE_BYTES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}
MAX_IFD_ENTRIES = 1000
_XMP_GPS = re.compile(
    rb"\s[\w.-]+:GPS\w+\s*=\s*(\"[^\"]*\"|'[^']*')"  # an attribute
    rb"|<([\w.-]+:GPS\w+)[\s>].*?</\2\s*>"  # an element, with whatever it contains
    rb"|<[\w.-]+:GPS\w+[^>]*/>",  # an empty element
    re.DOTALL,
)
_JPEG_APP1_EXIF = re.compile(rb"\xff\xe1..Exif\x00\x00", re.DOTALL)
_JPEG_APP1_XMP = re.compile(rb"\xff\xe1..http://ns\.adobe\.com/xap/1\.0/\x00", re.DOTALL)


class CannotStrip(Exception):
    """The GPS position could not be removed without re-encoding the pixels."""


def strip_gps(data: bytes) -> bytes:
    """The same file without GPS; raises CannotStrip when some remains or it cannot be edited."""
    try:
        return _strip_gps(data)
    except CannotStrip:
        raise
    except Exception as exc:  # a structure too damaged to walk: never guess, never serve GPS
        raise CannotStrip(f"unreadable structure: {exc!r}") from None


def _strip_gps(data: bytes) -> bytes:
    buf = bytearray(data)
    with Image.open(io.BytesIO(data)) as image:
        fmt = image.format
        xmp = image.info.get("xmp")
        exif = image.info.get("exif")
    if fmt in {"JPEG", "MPO"}:
        _strip_jpeg(buf, data)
    elif fmt == "PNG":
        buf = _strip_png(buf)
    elif fmt == "WEBP":
        _strip_riff(buf)
    elif fmt == "TIFF":
        _blank_gps_ifd(buf, 0, len(buf))
        _blank_xmp_verbatim(buf, xmp)
    elif fmt in {"HEIF", "AVIF"}:
        _blank_exif_verbatim(buf, exif)
        _blank_xmp_packets(buf)
    # Other formats carry no EXIF block Pillow reads: the check below still refuses any GPS left.
    stripped = bytes(buf)
    _check(stripped)
    return stripped


def _check(data: bytes) -> None:
    with Image.open(io.BytesIO(data)) as image:
        facts = read_metadata(image)
        try:
            gps_ifd = image.getexif().get_ifd(ExifTags.IFD.GPSInfo) if image.format != "PNG" else {}
        except Exception:
            gps_ifd = {}
        xmp = image.info.get("xmp") or b""
    if facts.gps_latitude is not None or gps_ifd or b":GPS" in _as_bytes(xmp):
        raise CannotStrip("a GPS position is still there")


# --- TIFF structures (EXIF blocks) ----------------------------------------------------------


def _blank_gps_ifd(buf: bytearray, start: int, end: int) -> None:
    """Empty the GPS IFD of the TIFF structure in buf[start:end], in place."""
    order = {b"II": "<", b"MM": ">"}.get(bytes(buf[start : start + 2]))
    if order is None:
        raise CannotStrip("not a TIFF structure")
    u16, u32 = order + "H", order + "I"

    def read(fmt: str, offset: int) -> int:
        if not 0 <= offset <= end - start - struct.calcsize(fmt):
            raise CannotStrip("an offset points outside the EXIF block")
        return struct.unpack_from(fmt, buf, start + offset)[0]

    ifd0 = read(u32, 4)
    for index in range(min(read(u16, ifd0), MAX_IFD_ENTRIES)):
        entry = ifd0 + 2 + 12 * index
        if read(u16, entry) == TAG_GPS_IFD:
            _blank_ifd(buf, start, read, u16, u32, read(u32, entry + 8))
            return


def _blank_ifd(buf: bytearray, start: int, read, u16: str, u32: str, ifd: int) -> None:
    count = min(read(u16, ifd), MAX_IFD_ENTRIES)
    for index in range(count):
        entry = ifd + 2 + 12 * index
        kind, items = read(u16, entry + 2), read(u32, entry + 4)
        size = TIFF_TYPE_BYTES.get(kind, 1) * items
        if size > 4:  # the value lives elsewhere in the block: blank it too
            value = read(u32, entry + 8)
            read("B", value + size - 1)  # bounds check
            buf[start + value : start + value + size] = bytes(size)
    # count 0, then zeroed entries: the IFD is empty and its next-IFD pointer reads 0
    buf[start + ifd : start + ifd + 2 + 12 * count + 4] = bytes(2 + 12 * count + 4)


def _blank_exif_verbatim(buf: bytearray, exif: bytes | None) -> None:
    """Find the decoder's EXIF block in the file: pillow-heif hands it over with Orientation
    reset to 1, so the stored block may differ from it in those few bytes."""
    if not exif:
        return
    tiff = exif[6:] if exif.startswith(b"Exif\x00\x00") else exif
    at = buf.find(tiff[:8])
    while at >= 0:
        stored = buf[at : at + len(tiff)]
        if (
            len(stored) == len(tiff)
            and sum(a != b for a, b in zip(stored, tiff, strict=False)) <= 2
        ):
            _blank_gps_ifd(buf, at, at + len(tiff))
            return
        at = buf.find(tiff[:8], at + 1)
    raise CannotStrip("the EXIF block is not stored in one piece")


# --- XMP ------------------------------------------------------------------------------------


def _as_bytes(xmp: bytes | str) -> bytes:
    return xmp.encode("utf-8", errors="replace") if isinstance(xmp, str) else xmp


def _blanked_xmp(packet: bytes) -> bytes:
    """GPS properties replaced by as many spaces: same length, still valid XML."""
    return _XMP_GPS.sub(lambda match: b" " * len(match.group(0)), packet)


def _blank_xmp_verbatim(buf: bytearray, xmp: bytes | str | None) -> None:
    if not xmp:
        return
    packet = _as_bytes(xmp)
    at = buf.find(packet)
    if at < 0:
        if b":GPS" in packet:
            raise CannotStrip("the XMP packet is not stored in one piece")
        return
    buf[at : at + len(packet)] = _blanked_xmp(packet)


def _blank_xmp_packets(buf: bytearray) -> None:
    """Every <x:xmpmeta> packet stored as plain text in the file (HEIF keeps XMP as an item)."""
    at = buf.find(b"<x:xmpmeta")
    while at >= 0:
        end = buf.find(b"</x:xmpmeta>", at)
        if end < 0:
            return
        buf[at:end] = _blanked_xmp(bytes(buf[at:end]))
        at = buf.find(b"<x:xmpmeta", end)


# --- Containers -----------------------------------------------------------------------------


def _strip_jpeg(buf: bytearray, data: bytes) -> None:
    # FF E1 never occurs inside entropy-coded data (an FF there is followed by 00 or a restart
    # marker), so these finds only hit real APP1 segments, of every frame of an MPO file. The
    # edits keep every length, so the original bytes can be searched while buf is edited.
    for match in _JPEG_APP1_EXIF.finditer(data):
        length = struct.unpack_from(">H", buf, match.start() + 2)[0]
        _blank_gps_ifd(buf, match.end(), match.start() + 2 + length)
    for match in _JPEG_APP1_XMP.finditer(data):
        length = struct.unpack_from(">H", buf, match.start() + 2)[0]
        end = match.start() + 2 + length
        buf[match.end() : end] = _blanked_xmp(bytes(buf[match.end() : end]))


def _strip_png(buf: bytearray) -> bytearray:
    out = bytearray(buf[:8])
    at = 8
    while at + 12 <= len(buf):
        length, kind = struct.unpack_from(">I4s", buf, at)
        data = bytearray(buf[at + 8 : at + 8 + length])
        if kind == b"eXIf":
            _blank_gps_ifd(data, 6 if data.startswith(b"Exif\x00\x00") else 0, len(data))
        elif kind == b"iTXt" and png.is_xmp(data):
            data = _blanked_itxt(data)
        out += struct.pack(">I", len(data)) + kind + data
        out += struct.pack(">I", zlib.crc32(kind + data))
        at += 12 + length
        if kind == b"IEND":
            break
    return out


def _blanked_itxt(data: bytearray) -> bytearray:
    chunk = png.InternationalText.parse(bytes(data))
    text = _blanked_xmp(zlib.decompress(chunk.text) if chunk.compressed else chunk.text)
    if chunk.compressed:
        text = zlib.compress(text)
    return bytearray(chunk.with_text(text).to_bytes())


def _strip_riff(buf: bytearray) -> None:
    at = 12
    while at + 8 <= len(buf):
        kind, length = struct.unpack_from("<4sI", buf, at)
        start, end = at + 8, at + 8 + length
        if kind == b"EXIF":
            skip = 6 if buf[start : start + 6] == b"Exif\x00\x00" else 0
            _blank_gps_ifd(buf, start + skip, end)
        elif kind == b"XMP ":
            buf[start:end] = _blanked_xmp(bytes(buf[start:end]))
        at = end + (length & 1)
