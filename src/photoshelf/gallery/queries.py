"""Reading the gallery: keyset pages, newest upload first, that never load all rows."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleLessThan

from photoshelf.ingest.errors import Refusal

from .models import Image

MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class Page:
    items: list[Image]
    next_cursor: str | None


def newest_first(*, limit: int, cursor: str | None = None) -> Page:
    """One page of images, newest upload first, starting after `cursor` (opaque, from a page)."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    items = list(page_rows(limit=limit, cursor=cursor))
    next_cursor = encode_cursor(items[limit - 1]) if len(items) > limit else None
    return Page(items=items[:limit], next_cursor=next_cursor)


def page_rows(*, limit: int, cursor: str | None = None) -> QuerySet[Image]:
    """The one query behind a page: limit + 1 rows (the extra one tells whether more follow)."""
    rows = Image.objects.select_related("uploaded_by").order_by("-uploaded_at", "-id")
    if cursor:
        uploaded_at, last_id = decode_cursor(cursor)
        # (uploaded_at, id) < cursor as a row value: PostgreSQL seeks the index to it (an OR of
        # the two conditions made it sort); the plain bound is the seek SQLite can use.
        rows = rows.filter(
            TupleLessThan(Tuple(F("uploaded_at"), F("id")), (uploaded_at, last_id)),
            uploaded_at__lte=uploaded_at,
        )
    return rows[: limit + 1]


def encode_cursor(image: Image) -> str:
    raw = f"{image.uploaded_at.isoformat()}|{image.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, _, pk = raw.partition("|")
        uploaded_at = datetime.fromisoformat(when)
        if uploaded_at.tzinfo is None:
            raise ValueError("naive")
        return uploaded_at, int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise Refusal("invalid-request", "The page cursor is not valid.") from None
