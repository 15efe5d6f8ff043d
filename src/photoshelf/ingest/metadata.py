"""EXIF and XMP facts of an opened image, as a plain dataclass. Never raises: bad metadata is none.

Date taken follows exiftool's DateTimeOriginal -> CreateDate: EXIF DateTimeOriginal, XMP
exif:DateTimeOriginal, EXIF DateTimeDigitized (exiftool's CreateDate), XMP xmp:CreateDate, XMP
photoshop:DateCreated; EXIF dates take their SubSec and OffsetTime companions, XMP dates carry
their own zone. IFD0 DateTime (tag 306) is the file's modification date and never counts.
Nothing here decodes pixels: PNG's eXIf chunk is read by walking the chunks (png.py), not via
getexif(); the XMP packet is parsed in xmp.py.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from PIL import ExifTags, Image

from . import png
from .decode import displayed_size
from .xmp import parse_xmp

log = logging.getLogger(__name__)

TAG_MAKE = 0x010F
TAG_MODEL = 0x0110
TAG_ORIENTATION = 0x0112
TAG_XMP = 0x02BC  # TIFF's XMP packet
TAG_EXPOSURE_TIME = 0x829A
TAG_F_NUMBER = 0x829D
TAG_ISO = 0x8827  # PhotographicSensitivity
TAG_DATETIME_ORIGINAL = 0x9003
TAG_DATETIME_DIGITIZED = 0x9004
TAG_OFFSET_TIME_ORIGINAL = 0x9011
TAG_OFFSET_TIME_DIGITIZED = 0x9012
TAG_FOCAL_LENGTH = 0x920A
TAG_SUBSEC_ORIGINAL = 0x9291
TAG_SUBSEC_DIGITIZED = 0x9292
TAG_LENS_MODEL = 0xA434
GPS_LATITUDE_REF, GPS_LATITUDE, GPS_LONGITUDE_REF, GPS_LONGITUDE = 1, 2, 3, 4


MAX_TEXT_CHARS = 255
_DATE_RE = re.compile(r"^\s*(\d{4})[:\-](\d{2})[:\-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_OFFSET_RE = re.compile(r"^\s*([+-])(\d{1,2}):?(\d{2})\s*$")
_XMP_DATE_RE = re.compile(
    r"^\s*(\d{4})[:\-](\d{2})[:\-](\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?(\.\d+)?)?"
    r"\s*(Z|[+-]\d{1,2}:?\d{2})?\s*$"
)
_XMP_GPS_RE = re.compile(r"^\s*(\d{1,3}),(\d{1,2}(?:\.\d+)?)(?:,(\d{1,2}(?:\.\d+)?))?([NSEW])\s*$")


@dataclass(frozen=True)
class TakenAt:
    """When the photo was taken: the camera's wall-clock time and, when recorded, its UTC offset."""

    local: datetime  # naive: the camera's clock
    offset: timedelta | None
    source: str  # the tag it came from: DateTimeOriginal, DateTimeDigitized, XMP:CreateDate, ...
    offset_source: str = ""  # the tag the offset came from; "" when there is none

    @property
    def utc(self) -> datetime:
        """The instant, assuming UTC when the camera recorded no offset."""
        return (self.local - (self.offset or timedelta(0))).replace(tzinfo=UTC)

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
    lens_model: str = ""
    focal_length_mm: float | None = None
    f_number: float | None = None
    exposure_time_s: float | None = None
    iso: int | None = None
    gps_latitude: float | None = None  # decimal degrees, north positive
    gps_longitude: float | None = None  # decimal degrees, east positive
    width: int = 0  # as displayed: EXIF orientation applied
    height: int = 0


def read_metadata(image: Image.Image, *, name: str = "") -> Metadata:
    """The EXIF/XMP facts of an opened image; empty facts when it has none or they are broken."""
    orientation, (width, height) = 1, image.size
    try:
        exif, xmp_bytes = _exif_and_xmp(image)
        xmp = parse_xmp(xmp_bytes, name)
        ifd0 = dict(exif)
        exif_ifd = _ifd(exif, ExifTags.IFD.Exif)
        gps = _gps(_ifd(exif, ExifTags.IFD.GPSInfo)) or _xmp_gps(xmp)
        orientation = _orientation(ifd0.get(TAG_ORIENTATION))
        width, height = displayed_size(image.size, orientation)
        return Metadata(
            camera_make=_text(ifd0.get(TAG_MAKE)) or _text(xmp.get("tiff:Make")),
            camera_model=_text(ifd0.get(TAG_MODEL)) or _text(xmp.get("tiff:Model")),
            orientation=orientation,
            taken_at=_taken_at(exif_ifd, ifd0, xmp),
            lens_model=_text(exif_ifd.get(TAG_LENS_MODEL))
            or _text(xmp.get("exifEX:LensModel") or xmp.get("aux:Lens")),
            focal_length_mm=_positive(exif_ifd.get(TAG_FOCAL_LENGTH)),
            f_number=_positive(exif_ifd.get(TAG_F_NUMBER)),
            exposure_time_s=_positive(exif_ifd.get(TAG_EXPOSURE_TIME)),
            iso=_iso(exif_ifd.get(TAG_ISO)),
            gps_latitude=gps[0] if gps else None,
            gps_longitude=gps[1] if gps else None,
            width=width,
            height=height,
        )
    except Exception as exc:  # a broken EXIF block must not cost the photo
        log.warning("metadata: unreadable EXIF in %s: %r", name or "upload", exc)
        return Metadata(orientation=orientation, width=width, height=height)


# --- Finding the blocks, without decoding pixels (PNG: png.metadata_chunks) --------------------


def _exif_and_xmp(image: Image.Image) -> tuple[Image.Exif, bytes | None]:
    if image.format == "PNG":
        exif_bytes, xmp = png.metadata_chunks(image)
        exif = Image.Exif()
        if exif_bytes:
            exif.load(exif_bytes)
        return exif, xmp or image.info.get("xmp")
    exif = image.getexif()  # reads the header's block; no pixel decode for these formats
    xmp = image.info.get("xmp")
    if not xmp and image.format == "TIFF":
        xmp = getattr(image, "tag_v2", {}).get(TAG_XMP)
    return exif, xmp


def _ifd(exif: Image.Exif, tag: int) -> dict:
    try:
        return dict(exif.get_ifd(tag))
    except Exception as exc:  # one broken sub-IFD must not hide the others
        log.info("metadata: unreadable IFD %#x: %r", tag, exc)
        return {}


# --- XMP values ------------------------------------------------------------------------------


def _xmp_taken_at(raw: str | None, source: str) -> TakenAt | None:
    match = _XMP_DATE_RE.match(raw or "")
    if not match or match.group(4) is None:  # a date alone says too little to order photos by
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        local = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
    except ValueError:
        return None
    if fraction:
        local = local.replace(microsecond=int(fraction[1:7].ljust(6, "0")))
    offset = timedelta(0) if zone == "Z" else parse_exif_offset(zone) if zone else None
    return TakenAt(local=local, offset=offset, source=source, offset_source=source if zone else "")


def _xmp_gps(xmp: dict[str, str]) -> tuple[float, float] | None:
    latitude = _xmp_coordinate(xmp.get("exif:GPSLatitude"))
    longitude = _xmp_coordinate(xmp.get("exif:GPSLongitude"))
    return _valid_position(latitude, longitude)


def _xmp_coordinate(raw: str | None) -> float | None:
    """XMP's "DDD,MM.mmk" or "DDD,MM,SSk" -> signed decimal degrees."""
    match = _XMP_GPS_RE.match(raw or "")
    if not match:
        return None
    degrees, minutes, seconds, ref = match.groups()
    value = int(degrees) + float(minutes) / 60 + float(seconds or 0) / 3600
    return -value if ref in "SW" else value


# --- EXIF values ----------------------------------------------------------------------------


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    # EXIF ASCII ends at the first NUL; what follows is padding or junk (as exiftool reads it)
    text = str(value).split("\x00", 1)[0].strip()
    text = "".join(ch for ch in text if ch.isprintable())
    return text[:MAX_TEXT_CHARS]


def _orientation(value: object) -> int:
    try:
        orientation = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 1
    return orientation if 1 <= orientation <= 8 else 1


def _number(value: object) -> float | None:
    if isinstance(value, tuple) and value:
        value = value[0]
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _positive(value: object) -> float | None:
    number = _number(value)
    return number if number is not None and number > 0 else None


def _iso(value: object) -> int | None:
    number = _positive(value)
    return int(number) if number is not None and number < 10_000_000 else None


def _gps(gps_ifd: dict) -> tuple[float, float] | None:
    latitude = _dms(gps_ifd.get(GPS_LATITUDE), gps_ifd.get(GPS_LATITUDE_REF), "S")
    longitude = _dms(gps_ifd.get(GPS_LONGITUDE), gps_ifd.get(GPS_LONGITUDE_REF), "W")
    return _valid_position(latitude, longitude)


def _dms(value: object, ref: object, negative_ref: str) -> float | None:
    if not isinstance(value, tuple) or not value or len(value) > 3:
        return None
    parts = [_number(part) for part in value]
    if any(part is None or part < 0 for part in parts):
        return None
    degrees = sum(part / 60**index for index, part in enumerate(parts))  # type: ignore[operator]
    return -degrees if _text(ref).upper().startswith(negative_ref) else degrees


def _valid_position(latitude: float | None, longitude: float | None) -> tuple[float, float] | None:
    if latitude is None or longitude is None:
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    return round(latitude, 7), round(longitude, 7)


# --- Date taken -----------------------------------------------------------------------------


def _taken_at(exif_ifd: dict, ifd0: dict, xmp: dict[str, str]) -> TakenAt | None:
    # exiftool's DateTimeOriginal (EXIF, then XMP), then its CreateDate (EXIF, then XMP).
    return (
        _exif_taken_at(
            exif_ifd,
            ifd0,
            "DateTimeOriginal",
            TAG_DATETIME_ORIGINAL,
            TAG_SUBSEC_ORIGINAL,
            ("OffsetTimeOriginal", TAG_OFFSET_TIME_ORIGINAL),
        )
        or _xmp_taken_at(xmp.get("exif:DateTimeOriginal"), "XMP:DateTimeOriginal")
        or _exif_taken_at(
            exif_ifd,
            ifd0,
            "DateTimeDigitized",
            TAG_DATETIME_DIGITIZED,
            TAG_SUBSEC_DIGITIZED,
            ("OffsetTimeDigitized", TAG_OFFSET_TIME_DIGITIZED),
        )
        or _xmp_taken_at(xmp.get("xmp:CreateDate"), "XMP:CreateDate")
        or _xmp_taken_at(xmp.get("photoshop:DateCreated"), "XMP:DateCreated")
    )


def _exif_taken_at(
    exif_ifd: dict,
    ifd0: dict,
    source: str,
    date_tag: int,
    subsec_tag: int,
    offset: tuple[str, int],
) -> TakenAt | None:
    # Some old cameras wrote the Exif-IFD date tags into IFD0: accept them there too.
    local = parse_exif_datetime(exif_ifd.get(date_tag) or ifd0.get(date_tag))
    if local is None:
        return None
    local = local.replace(microsecond=_subsec_micros(exif_ifd.get(subsec_tag)))
    offset_name, offset_tag = offset
    delta = parse_exif_offset(exif_ifd.get(offset_tag))
    return TakenAt(
        local=local,
        offset=delta,
        source=source,
        offset_source=offset_name if delta is not None else "",
    )


def parse_exif_datetime(raw: object) -> datetime | None:
    """ "2008:05:30 15:56:01" (or with dashes) -> a naive datetime; None when blank or invalid."""
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
    if delta > timedelta(hours=14) or int(minutes) >= 60:
        return None
    return -delta if sign == "-" else delta


def _subsec_micros(raw: object) -> int:
    digits = re.sub(r"\D", "", _text(raw))[:6]
    return int(digits.ljust(6, "0")) if digits else 0
