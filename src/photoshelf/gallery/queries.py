"""Reading the gallery: keyset pages in any of its sort orders, filtered, that never load all rows.

Every sort order walks one index (see Image.Meta.indexes) from the cursor onwards, so a page
costs the same whether it is the first or the ten-thousandth. Ascending orders walk the same
indexes backwards.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import unquote

from django.db.models import Exists, F, OuterRef, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan

from photoshelf.core.refusals import Refusal

from . import display
from .models import Camera, Image

MAX_PAGE_SIZE = 200
MAX_ID = 2**63 - 1  # ids are 64-bit signed on every backend
MAX_CAMERAS = 200  # cameras offered by the filter; beyond that a list is no help anyway
SORT_FIELDS = {"uploaded": "uploaded_at", "taken": "taken_at"}
ADDED = "added"  # an album's own order, by date added (gallery/albums.py walks it)
ORDERS = ("desc", "asc")
# Separates make and model in the web form's single camera choice ("Canon|Canon EOS 40D"); a
# make or model holding the separator (or "%") has it percent-escaped, see camera_value().
CAMERA_SEPARATOR = "|"


@dataclass(frozen=True)
class Page:
    items: list[Image]
    next_cursor: str | None


@dataclass(frozen=True)
class View:
    """What a person asked to see: one sort order and the filters, all optional."""

    sort: str = "uploaded"  # a key of SORT_FIELDS
    order: str = "desc"  # "desc" (newest first) or "asc"
    make: str | None = None  # exact camera make, as stored
    model: str | None = None  # exact camera model, as stored
    taken_from: date | None = None  # first day included (dates taken read as UTC)
    taken_to: date | None = None  # last day included

    def __post_init__(self) -> None:
        if self.sort not in (*SORT_FIELDS, ADDED):
            raise Refusal("invalid-request", f"sort must be one of {', '.join(SORT_FIELDS)}.")
        if self.order not in ORDERS:
            raise Refusal("invalid-request", f"order must be one of {', '.join(ORDERS)}.")
        if self.taken_from and self.taken_to and self.taken_from > self.taken_to:
            raise Refusal("invalid-request", "The date range ends before it starts.")
        for name in ("taken_from", "taken_to"):
            day = getattr(self, name)
            if day is not None and day >= date.max:  # its end, the next midnight, has no date
                raise Refusal("invalid-request", f"{name} must be a day before {date.max}.")

    @classmethod
    def from_params(cls, params: Mapping[str, str], *, default_sort: str = "uploaded") -> View:
        """A View from a page's query string (sort, order, camera, taken_from, taken_to)."""
        make = model = None
        if params.get("camera"):
            make, _, model = params["camera"].partition(CAMERA_SEPARATOR)
            make, model = unquote(make), unquote(model)
        return cls(
            sort=params.get("sort") or default_sort,
            order=params.get("order") or "desc",
            make=make,
            model=model,
            taken_from=parse_date(params.get("taken_from"), "taken_from"),
            taken_to=parse_date(params.get("taken_to"), "taken_to"),
        )

    @property
    def is_default(self) -> bool:
        return self == View()

    @property
    def is_filtered(self) -> bool:
        return any(v is not None for v in (self.make, self.model, self.taken_from, self.taken_to))

    @property
    def camera(self) -> str:
        """The web form's value for the camera filter."""
        if self.make is None and self.model is None:
            return ""
        return camera_value(self.make or "", self.model or "")


def browse(
    view: View, *, limit: int, cursor: str | None = None, album_id: int | None = None
) -> Page:
    """One page of `view`, starting after `cursor` (opaque, from the previous page); only the
    photos of one album with `album_id` (its order by date added: gallery/albums.py)."""
    if view.sort not in SORT_FIELDS:
        raise Refusal("invalid-request", f"sort must be one of {', '.join(SORT_FIELDS)}.")
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    after = decode_cursor(cursor, view) if cursor else None
    bound_kept = True
    if view.sort == "taken" and after is not None and after[0] is not None:
        after, bound_kept = _one_bound(view, after)
    rows = filtered(view, keep_far_bound=bound_kept)
    if album_id is not None:
        rows = rows.filter(album_entries__album_id=album_id)  # once per album: a unique pair
    if view.sort == "uploaded":
        items = _keyset(rows, "uploaded_at", view.order, after, limit + 1)
    else:
        items = _taken_order(rows, view, after, limit + 1)
    next_cursor = encode_cursor(items[limit - 1], view) if len(items) > limit else None
    return Page(items=items[:limit], next_cursor=next_cursor)


def by_sha256(sha256: str) -> Page:
    """The image with exactly these bytes, if stored: a page of zero or one (unique index)."""
    sha256 = sha256.strip().lower()
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise Refusal("invalid-request", "sha256 must be 64 hexadecimal digits.")
    return Page(items=list(Image.objects.filter(sha256=sha256)[:1]), next_cursor=None)


def cameras() -> list[tuple[str, str]]:
    """Every stored (make, model) pair that still has photos, for the camera filter.

    One query over the small Camera table, each pair checked by one seek into the camera index
    of the images (EXISTS): its cost follows the number of cameras, not of photos.
    """
    photos = Image.objects.filter(camera_make=OuterRef("make"), camera_model=OuterRef("model"))
    pairs = Camera.objects.filter(Exists(photos)).order_by("make", "model")
    return list(pairs.values_list("make", "model")[:MAX_CAMERAS])


def camera_choices() -> list[tuple[str, str]]:
    """(form value, label) for each stored camera, labelled as the cards name cameras."""
    return [(camera_value(make, model), display.camera(make, model)) for make, model in cameras()]


def camera_value(make: str, model: str) -> str:
    """The camera filter's one form value for a make and model: "Canon|Canon EOS 40D". Only
    "%" and the separator are escaped, so every other make reads as it is stored."""
    return f"{_escape(make)}{CAMERA_SEPARATOR}{_escape(model)}"


def _escape(part: str) -> str:
    return part.replace("%", "%25").replace(CAMERA_SEPARATOR, "%7C")


def _one_bound(view: View, after: tuple[datetime, int]):
    """(cursor, keep the range's far end?) so that one bound, not two, limits the walk's far end.

    Walking by date taken within a date range, the cursor and the range's end bound the walk
    on the same side; SQLite uses only one of two such bounds for the index range, so when it
    picked the range's end a deep page read every row from there to the cursor. Whichever
    bound is tighter implies the other, so only that one is sent.
    """
    value = after[0]
    if view.order == "desc" and view.taken_to:
        end = _day_start(view.taken_to + timedelta(days=1))
        return (after, False) if value < end else (None, True)
    if view.order == "asc" and view.taken_from:
        start = _day_start(view.taken_from)
        return (after, False) if value >= start else (None, True)
    return after, True


def filtered(
    view: View, rows: QuerySet[Image] | None = None, *, keep_far_bound: bool = True
) -> QuerySet[Image]:
    """The view's filters on `rows` (every photo by default); without the range's end in the
    walking direction if told so."""
    if rows is None:
        rows = Image.objects.select_related("uploaded_by")  # the cards' Delete button asks who
    if view.make is not None:
        rows = rows.filter(camera_make=view.make)
    if view.model is not None:
        rows = rows.filter(camera_model=view.model)
    if view.taken_from and (keep_far_bound or view.order == "desc"):
        rows = rows.filter(taken_at__gte=_day_start(view.taken_from))
    if view.taken_to and (keep_far_bound or view.order == "asc"):
        rows = rows.filter(taken_at__lt=_day_start(view.taken_to + timedelta(days=1)))
    return rows


def _keyset(rows: QuerySet[Image], field: str, order: str, after, count: int) -> list[Image]:
    """Rows ordered by (field, id) in `order`, strictly after the `after` = (value, id) pair."""
    return list(_keyset_query(rows, field, order, after)[:count])


def _keyset_query(rows: QuerySet[Image], field: str, order: str, after) -> QuerySet[Image]:
    sign = "-" if order == "desc" else ""
    rows = rows.order_by(f"{sign}{field}", f"{sign}id")
    if after is not None:
        value, last_id = after
        # (field, id) past the cursor as a row value: PostgreSQL seeks the index to it (an OR
        # of the two conditions made it sort); the plain bound is the seek SQLite can use.
        pair = Tuple(F(field), F("id"))
        if order == "desc":
            rows = rows.filter(TupleLessThan(pair, (value, last_id)), **{f"{field}__lte": value})
        else:
            rows = rows.filter(TupleGreaterThan(pair, (value, last_id)), **{f"{field}__gte": value})
    return rows


def _taken_order(rows: QuerySet[Image], view: View, after, count: int) -> list[Image]:
    """Dated photos in `view.order`, then (in either order) the undated ones by id.

    Two keyset walks of the same (taken_at, id) index instead of one `ORDER BY taken_at IS NULL`
    that no index serves; only a page that spans the boundary runs both.
    """
    items: list[Image] = []
    if after is None or after[0] is not None:
        dated = rows.filter(taken_at__isnull=False)
        items = _keyset(dated, "taken_at", view.order, after, count)
    if len(items) < count and not (view.taken_from or view.taken_to):
        undated = rows.filter(taken_at__isnull=True)
        after_id = after[1] if after is not None and after[0] is None else None
        if after_id is not None:
            undated = (
                undated.filter(id__lt=after_id)
                if view.order == "desc"
                else undated.filter(id__gt=after_id)
            )
        sign = "-" if view.order == "desc" else ""
        items += list(undated.order_by(f"{sign}id")[: count - len(items)])
    return items


def encode_cursor(image: Image, view: View) -> str:
    return _encode(f"{view.sort}|{view.order}", getattr(image, SORT_FIELDS[view.sort]), image.pk)


def decode_cursor(cursor: str, view: View) -> tuple[datetime | None, int]:
    """The (sort value, id) a page ends on; a cursor is only valid in the order that made it."""
    return _decode(cursor, f"{view.sort}|{view.order}", value_required=view.sort == "uploaded")


def trash_page(rows: QuerySet[Image], *, limit: int, cursor: str | None = None) -> Page:
    """One page of photos in the trash (`rows`), the most recently deleted first."""
    return newest_first_page(rows.in_trash(), "trashed_at", limit=limit, cursor=cursor)  # type: ignore[attr-defined]


def newest_first_page(rows: QuerySet, field: str, *, limit: int, cursor: str | None = None) -> Page:
    """One keyset page of `rows` by (`field`, id), newest first: the trash, the activity log.
    `field` is never null in `rows`; a cursor is valid only for the field that made it."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    order = f"{field}|desc"
    after = _decode(cursor, order, value_required=True) if cursor else None
    items = _keyset(rows, field, "desc", after, limit + 1)
    last = items[limit - 1] if len(items) > limit else None
    next_cursor = _encode(order, getattr(last, field), last.pk) if last else None
    return Page(items=items[:limit], next_cursor=next_cursor)


def _encode(order: str, value: datetime | None, pk: int) -> str:
    raw = f"{order}|{value.isoformat() if value else ''}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, order: str, *, value_required: bool) -> tuple[datetime | None, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        sort, direction, when, pk = raw.rsplit("|", 3)
        if f"{sort}|{direction}" != order:
            raise ValueError("cursor of another order")
        value = datetime.fromisoformat(when) if when else None
        if value is None and value_required or value is not None and value.tzinfo is None:
            raise ValueError("naive or missing")
        if value is not None:
            value = value.astimezone(UTC)  # the database compares in UTC: it must exist there
        last_id = int(pk)
        if not 0 < last_id <= MAX_ID:
            raise ValueError("id out of range")
        return value, last_id
    except (ValueError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise Refusal("invalid-request", "The page cursor is not valid.") from None


def parse_date(text: str | None, field: str) -> date | None:
    """A YYYY-MM-DD form field, or None when empty; a Refusal when it is not a date."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Refusal("invalid-request", f"{field} must be a date like 2026-11-25.") from None


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)
