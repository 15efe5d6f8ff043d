"""Motion photos: a JPEG whose file goes on with a short MP4 (Google's and Samsung's phones).

The XMP says where the video starts, counted from the end of the file: Google's Motion Photo
format (`Container:Directory`, the `MotionPhoto` item's `Item:Length`) or the older MicroVideo
(`GCamera:MicroVideoOffset`). It counts only when an MP4 really starts there (an `ftyp` box):
the still is accepted either way, and the file is stored whole.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from defusedxml import ElementTree as SafeET

from .xmp import MAX_XMP_BYTES

log = logging.getLogger(__name__)

GCAMERA = "{http://ns.google.com/photos/1.0/camera/}"
CONTAINER_ITEM = "{http://ns.google.com/photos/1.0/container/item/}"
MAX_FTYP_BOX_BYTES = 256


@dataclass(frozen=True)
class Video:
    start: int  # byte offset in the original
    length: int  # bytes, to the end of the file


def find_video(path: Path, xmp: bytes | str | None, *, name: str = "") -> Video | None:
    """The embedded MP4 the XMP points to, when one is really there; else None."""
    if not xmp:
        return None
    if isinstance(xmp, str):
        xmp = xmp.encode("utf-8", errors="replace")
    if len(xmp) > MAX_XMP_BYTES:
        return None
    try:
        from_end = _declared_length(xmp)
    except Exception as exc:  # malformed XML, entities, DTDs: not a motion photo
        log.info("motion: unreadable XMP in %s: %r", name or "upload", exc)
        return None
    if from_end is None:
        return None
    size = path.stat().st_size
    if not 16 <= from_end < size:
        return None
    start = size - from_end
    with path.open("rb") as fh:
        fh.seek(start)
        head = fh.read(8)
    box_size = int.from_bytes(head[:4], "big")
    if head[4:8] != b"ftyp" or not 8 <= box_size <= MAX_FTYP_BOX_BYTES:
        log.info("motion: %s declares a video that is not there", name or "upload")
        return None
    return Video(start, from_end)


def _declared_length(xmp: bytes) -> int | None:
    root = SafeET.fromstring(xmp.strip(b"\x00 \r\n\t"))
    for element in root.iter():
        attributes = {**element.attrib, **{child.tag: child.text for child in element}}
        if attributes.get(f"{CONTAINER_ITEM}Semantic") == "MotionPhoto":
            return _count(attributes.get(f"{CONTAINER_ITEM}Length"))
    for element in root.iter():
        attributes = {**element.attrib, **{child.tag: child.text for child in element}}
        if attributes.get(f"{GCAMERA}MicroVideo") == "1":
            return _count(attributes.get(f"{GCAMERA}MicroVideoOffset"))
    return None


def _count(text: str | None) -> int | None:
    try:
        value = int((text or "").strip())
    except ValueError:
        return None
    return value if value > 0 else None
