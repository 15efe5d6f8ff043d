"""Template filters for how the pages say things: dates, exposure, place.

The gallery renders some of these hundreds of times per page, so dates are formatted with
plain Python rather than Django's `date` filter, the most expensive part of a page once.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django import template
from django.conf import settings

from photoshelf.accounts import permissions
from photoshelf.gallery import display
from photoshelf.gallery.models import Image

register = template.Library()

# taken_at_source -> the words the image page uses for it
DATE_SOURCES = {
    "DateTimeOriginal": "EXIF DateTimeOriginal",
    "DateTimeDigitized": "EXIF DateTimeDigitized",
    "XMP:DateTimeOriginal": "XMP exif:DateTimeOriginal",
    "XMP:CreateDate": "XMP xmp:CreateDate",
    "XMP:DateCreated": "XMP photoshop:DateCreated",
}

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def short_date(moment: datetime) -> str:
    """ "30 May 2008, 15:56", like Django's "j M Y, H:i"."""
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}, {moment:%H:%M}"


@register.filter
def utc_short(moment: datetime) -> str:
    return short_date(moment.astimezone(UTC)) if moment else ""


@register.filter
def iso(moment: datetime) -> str:
    return moment.isoformat() if moment else ""


@register.filter
def taken(image: Image) -> str:
    """ "30 May 2008, 15:56" — the camera's clock — plus " (UTC+02:00)" when the offset is known."""
    local = image.taken_at_local
    if local is None:
        return ""
    text = short_date(local)
    if image.taken_at_offset:
        text += f" (UTC{image.taken_at_offset})"
    return text


@register.filter
def taken_source(image: Image) -> str:
    """Where the date and its offset came from, e.g. "EXIF DateTimeOriginal, offset from ..."."""
    if not image.taken_at_source:
        return ""
    text = "from " + DATE_SOURCES.get(image.taken_at_source, image.taken_at_source)
    if image.taken_at_offset_source and image.taken_at_offset_source != image.taken_at_source:
        text += f", offset from {image.taken_at_offset_source}"
    elif not image.taken_at_offset_source:
        text += "; no time zone recorded"
    return text


@register.filter
def exposure(image: Image) -> str:
    """ "Canon EOS 40D · EF-S 18-55 · 1/160 s · f/7.1 · ISO 100 · 23 mm"."""
    return display.summary(
        image.camera,
        image.lens_model,
        display.exposure_time(image.exposure_time_s),
        display.aperture(image.f_number),
        display.iso(image.iso),
        display.focal_length(image.focal_length_mm),
    )


@register.filter
def position(image: Image) -> str:
    return display.position(image.gps_latitude, image.gps_longitude)


register.filter("exposure_time", display.exposure_time)
register.filter("aperture", display.aperture)
register.filter("focal_length", display.focal_length)


@register.filter
def deletable_by(image: Image, user) -> bool:
    return permissions.can_delete(user, image)


@register.simple_tag
def trash_days() -> int:
    """Days a deleted photo stays in the trash (0: Delete is final), for the page's scripts."""
    return settings.PHOTOSHELF_TRASH_DAYS
