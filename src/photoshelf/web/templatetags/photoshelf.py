"""Template filters for how the pages say things: dates taken with their offset."""

from __future__ import annotations

from django import template
from django.utils.dateformat import format as format_date

from photoshelf.gallery.models import Image

register = template.Library()


@register.filter
def taken(image: Image) -> str:
    """"30 May 2008, 15:56" — the camera's clock — plus " (UTC+02:00)" when the offset is known."""
    local = image.taken_at_local
    if local is None:
        return ""
    text = format_date(local, "j M Y, H:i")
    if image.taken_at_offset:
        text += f" (UTC{image.taken_at_offset})"
    return text
