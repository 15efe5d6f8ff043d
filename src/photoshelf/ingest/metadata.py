"""EXIF facts of an opened image, as a plain dataclass. Never raises: bad metadata is no metadata.

Date taken is EXIF DateTimeOriginal, falling back to DateTimeDigitized (exiftool's CreateDate),
with their SubSec and OffsetTime companions. IFD0 DateTime (tag 306) is the file's modification
date and is never used as the date taken.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from PIL import ExifTags, Image

log = logging.getLogger(__name__)

TAG_MAKE = 0x010F
TAG_MODEL = 0x0110
TAG_ORIENTATION = 0x0112
TAG_DATETIME_ORIGINAL = 0x9003
TAG_DATETIME_DIGITIZED = 0x9004
TAG_OFFSET_TIME_ORIGINAL = 0x9011
TAG_OFFSET_TIME_DIGITIZED = 0x9012
TAG_SUBSEC_ORIGINAL = 0x9291
TAG_SUBSEC_DIGITIZED = 0x9292

# (source name, date tag, its sub-second tag, its offset tag), in order of preference
DATE_TAKEN_SOURCES = (
    ("DateTimeOriginal", TAG_DATETIME_ORIGINAL, TAG_SUBSEC_ORIGINAL, TAG_OFFSET_TIME_ORIGINAL),
    ("DateTimeDigitized", TAG_DATETIME_DIGITIZED, TAG_SUBSEC_DIGITIZED, TAG_OFFSET_TIME_DIGITIZED),
)

MAX_TEXT_CHARS = 255
_DATE_RE = re.compile(r"^\s*(\d{4})[:\-](\d{2})[:\-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_OFFSET_RE = re.compile(r"^\s*([+-])(\d{2}):(\d{2})\s*$")


@dataclass(frozen=True)
class TakenAt:
    """When the photo was taken: the camera's wall-clock time and, when recorded, its UTC offset."""

    local: datetime  # naive: the camera's clock
    offset: timedelta | None
    source: str  # the EXIF tag it came from

    @property
    def utc(self) -> datetime:
        """The instant, assuming UTC when the camera recorded no offset."""
        return (self.local - (self.offset or timedelta(0))).replace(tzinfo=timezone.utc)

    @property
    def offset_text(self) -> str:
        """The offset as "+02:00", or "" when unknown."""
        if self.offset is None:
            return ""
        minutes = int(self.offset.total_seconds() // 60)
        sign = "-" if minutes < 0 else "+"
        return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


@dataclass(frozen=True)
class Metadata:
    camera_make: str = ""
    camera_model: str = ""
    orientation: int = 1
    taken_at: TakenAt | None = None


def read_metadata(image: Image.Image, *, name: str = "") -> Metadata:
    """The EXIF facts of an opened image; empty facts when it has none or they are unreadable."""
    try:
        exif = image.getexif()
        exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
        return Metadata(
            camera_make=_text(exif.get(TAG_MAKE)),
            camera_model=_text(exif.get(TAG_MODEL)),
            orientation=_orientation(exif.get(TAG_ORIENTATION)),
            taken_at=_taken_at(exif_ifd, exif),
        )
    except Exception as exc:  # a broken EXIF block must not cost the photo
        log.warning("metadata: unreadable EXIF in %s: %r", name or "upload", exc)
        return Metadata()


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    text = str(value).replace("\x00", " ").strip()
    text = "".join(ch for ch in text if ch.isprintable())
    return text[:MAX_TEXT_CHARS]


def _orientation(value: object) -> int:
    try:
        orientation = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 1
    return orientation if 1 <= orientation <= 8 else 1


def _taken_at(exif_ifd: dict, ifd0: dict) -> TakenAt | None:
    for source, date_tag, subsec_tag, offset_tag in DATE_TAKEN_SOURCES:
        # Some old cameras wrote the Exif-IFD date tags into IFD0: accept them there too.
        raw = exif_ifd.get(date_tag) or ifd0.get(date_tag)
        local = parse_exif_datetime(raw)
        if local is None:
            continue
        local = local.replace(microsecond=_subsec_micros(exif_ifd.get(subsec_tag)))
        return TakenAt(local=local, offset=parse_exif_offset(exif_ifd.get(offset_tag)), source=source)
    return None


def parse_exif_datetime(raw: object) -> datetime | None:
    """"2008:05:30 15:56:01" (or with dashes) -> a naive datetime; None when blank or invalid."""
    match = _DATE_RE.match(_text(raw))
    if not match:
        return None
    try:
        return datetime(*(int(part) for part in match.groups()))
    except ValueError:  # "0000:00:00 00:00:00", month 13, ...
        return None


def parse_exif_offset(raw: object) -> timedelta | None:
    match = _OFFSET_RE.match(_text(raw))
    if not match:
        return None
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    if delta > timedelta(hours=14):
        return None
    return -delta if sign == "-" else delta


def _subsec_micros(raw: object) -> int:
    digits = re.sub(r"\D", "", _text(raw))[:6]
    return int(digits.ljust(6, "0")) if digits else 0
