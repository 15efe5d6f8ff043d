"""Albums: making, changing and reading them, and their photos in keyset pages.

Who may do any of this is decided in accounts/permissions.py; these functions only keep the
rules of an album itself (a title of 1–200 characters, a photo at most once, a cover that is
in it). Photos are always read through `Image.objects`, so a photo the gallery hides is hidden
in every album too.
"""

from __future__ import annotations

import base64
import binascii
import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import cast

from django.db import transaction
from django.db.models import F, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.utils import timezone

from photoshelf.core.refusals import Refusal
from photoshelf.core.text import has_control

from . import activity, queries
from .models import Album, AlbumImage, Image
from .queries import ADDED, MAX_ID, MAX_PAGE_SIZE, Page, View

TITLE_MAX_CHARS = 200
DESCRIPTION_MAX_CHARS = 5000
MAX_IMAGES_PER_REQUEST = 500  # ids in one "add" request


def clean_title(title: str) -> str:
    text = unicodedata.normalize("NFC", title.strip())
    if not 1 <= len(text) <= TITLE_MAX_CHARS:
        raise Refusal(
            "invalid-request",
            f"An album's title is 1 to {TITLE_MAX_CHARS} characters long (this one: {len(text)}).",
            {"max_length": TITLE_MAX_CHARS},
        )
    if has_control(text):
        raise Refusal(
            "invalid-request", "An album's title cannot hold control characters (line breaks)."
        )
    return text


def clean_description(description: str | None) -> str:
    text = unicodedata.normalize("NFC", (description or "").strip())
    if len(text) > DESCRIPTION_MAX_CHARS:
        raise Refusal(
            "invalid-request",
            f"An album's description is at most {DESCRIPTION_MAX_CHARS} characters long.",
            {"max_length": DESCRIPTION_MAX_CHARS},
        )
    return text


def create(
    owner, title: str, description: str | None = None, actor: activity.Actor | None = None
) -> Album:
    """A new album; `actor` is who made it, for the activity log (default: its owner, CLI)."""
    title, description = clean_title(title), clean_description(description)
    with transaction.atomic():
        album = Album.objects.create(owner=owner, title=title, description=description)
        activity.record("album-create", None, actor or _owner(album), album=album)
    return album


def delete(album: Album, actor: activity.Actor | None = None) -> None:
    """Delete the album; its photos stay in the gallery. The log keeps its id and title."""
    with transaction.atomic():
        activity.record("album-delete", None, actor or _owner(album), album=album)
        album.delete()


def _owner(album: Album) -> activity.Actor:
    return activity.Actor(user=album.owner, via="cli")


def update(
    album: Album,
    *,
    title: str | None = None,
    description: str | None = None,
    cover_image_id: int | None = None,
    clear_cover: bool = False,
    actor: activity.Actor | None = None,
) -> Album:
    """Change what is given; the cover must be one of the album's (visible) photos."""
    if title is not None:
        album.title = clean_title(title)
    if description is not None:
        album.description = clean_description(description)
    if clear_cover:
        album.cover = None
    elif cover_image_id is not None:
        cover = Image.objects.filter(pk=cover_image_id, album_entries__album=album).first()
        if cover is None:
            raise Refusal(
                "invalid-request",
                f"The cover must be a photo of this album; image {cover_image_id} is not.",
            )
        album.cover = cover
    album.updated_at = timezone.now()
    with transaction.atomic():
        album.save()
        cover = album.cover if (clear_cover or cover_image_id is not None) else None
        activity.record("album-change", cover, actor or _owner(album), album=album)
    return album


def add(album: Album, image_ids: Iterable[int], actor: activity.Actor | None = None) -> int:
    """Add photos (those already in it are not counted); unknown ids refuse the whole request.
    The log gets one entry per photo added."""
    wanted = sorted(set(image_ids))
    if len(wanted) > MAX_IMAGES_PER_REQUEST:
        raise Refusal(
            "invalid-request", f"Add at most {MAX_IMAGES_PER_REQUEST} photos per request."
        )
    in_range = [pk for pk in wanted if 0 < pk <= MAX_ID]
    found = set(Image.objects.filter(pk__in=in_range).values_list("pk", flat=True))
    unknown = [pk for pk in wanted if pk not in found]
    if unknown:
        raise Refusal(
            "unknown-images",
            f"No photo you may see has the id{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(map(str, unknown[:20]))}{' …' if len(unknown) > 20 else ''}; "
            "nothing was added.",
            {"image_ids": unknown},
        )
    with transaction.atomic():
        present = set(
            AlbumImage.objects.filter(album=album, image_id__in=wanted).values_list(
                "image_id", flat=True
            )
        )
        new = [pk for pk in wanted if pk not in present]
        now = timezone.now()
        AlbumImage.objects.bulk_create(
            [AlbumImage(album=album, image_id=pk, added_at=now) for pk in new],
            ignore_conflicts=True,  # added by a concurrent request: present, not an error
        )
        if new:
            Album.objects.filter(pk=album.pk).update(updated_at=now)
            added = list(Image.objects.filter(pk__in=new).only("pk", "name").order_by("pk"))
            activity.record_many("album-add", added, actor or _owner(album), album=album)
    return len(new)


def add_uploaded(album: Album, image: Image) -> None:
    """Put a photo just uploaded through one of the album's links into it (the upload's own
    entry, made by the guest link, names the album)."""
    AlbumImage.objects.get_or_create(album=album, image=image)


def remove(album: Album, image_id: int, actor: activity.Actor | None = None) -> bool:
    """Take a photo out of the album (the photo stays in the gallery); False if it was not in."""
    with transaction.atomic():
        image = Image.everything.filter(pk=image_id, album_entries__album=album).first()
        removed, _ = AlbumImage.objects.filter(album=album, image_id=image_id).delete()
        if removed:
            fields = {"updated_at": timezone.now()}
            Album.objects.filter(pk=album.pk, cover_id=image_id).update(cover=None, **fields)
            Album.objects.filter(pk=album.pk).update(**fields)
            activity.record("album-remove", image, actor or _owner(album), album=album)
    return bool(removed)


def contains(album: Album, image_id: int) -> bool:
    return Image.objects.filter(pk=image_id, album_entries__album=album).exists()


def image_count(album: Album) -> int:
    return Image.objects.filter(album_entries__album=album).count()


COUNT_SHOWN_UP_TO = 1000  # pages say "1000+ photos" beyond: counting 100k entries is not flat


def count_shown(album: Album) -> str:
    """The number of photos as a page shows it, at a cost that does not grow with the album."""
    # order_by(): without it the photos' default order is kept inside the LIMIT, and SQLite
    # sorts every photo of the album before it can stop counting.
    found = (
        Image.objects.filter(album_entries__album=album).order_by()[: COUNT_SHOWN_UP_TO + 1].count()
    )
    if found > COUNT_SHOWN_UP_TO:
        return f"{COUNT_SHOWN_UP_TO:,}+ photos"
    return f"{found} photo{'' if found == 1 else 's'}"


def cover_id(album: Album) -> int | None:
    """The chosen cover while it is a visible photo of the album, else the first photo added."""
    if album.cover_id is not None and contains(album, album.cover_id):
        return album.cover_id
    first = (
        Image.objects.filter(album_entries__album=album)
        .order_by("album_entries__added_at", "album_entries__id")
        .values_list("pk", flat=True)[:1]
    )
    return first[0] if first else None


def of_image(image: Image) -> QuerySet[Album]:
    """The albums a photo is in, by title."""
    return Album.objects.filter(entries__image=image).order_by("title", "id")


def owned_by(user) -> QuerySet[Album]:
    return Album.objects.filter(owner=user)


def browse_albums(albums: QuerySet[Album], *, limit: int, cursor: str | None = None) -> Page:
    """A keyset page of albums, newest made first."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    rows = albums.select_related("owner").order_by("-created_at", "-id")
    if cursor:
        value, last_id = _decode(cursor, "albums")
        pair = Tuple(F("created_at"), F("id"))
        rows = rows.filter(TupleLessThan(pair, (value, last_id)), created_at__lte=value)
    items = list(rows[: limit + 1])
    next_cursor = (
        _encode("albums", items[limit - 1].created_at, items[limit - 1].pk)
        if len(items) > limit
        else None
    )
    return Page(items=items[:limit], next_cursor=next_cursor)  # type: ignore[arg-type]  # albums


ORDERS = ("desc", "asc")  # newest added first, oldest added first
NEWEST_ADDED = View(sort=ADDED)  # an album's page unless asked otherwise


def browse(
    album: Album, *, limit: int, cursor: str | None = None, view: View = NEWEST_ADDED
) -> Page:
    """One page of an album's photos in `view`: by date added (its own order), or in any of
    the gallery's orders and filters (gallery/queries.py, within the album)."""
    if view.sort != ADDED:
        return queries.browse(view, limit=limit, cursor=cursor, album_id=album.pk)
    return _browse_added(album, limit=limit, cursor=cursor, view=view)


def _browse_added(album: Album, *, limit: int, cursor: str | None, view: View) -> Page:
    """Newest (or oldest) added first: one range of the album's index, walked backwards for
    the oldest first.

    The filter, the cursor and the order name the same join (one filter() call, annotations
    read from it), so the database walks album_image_newest_added and looks each photo up by
    id; the view's filters (camera, dates taken) are checked on each photo so looked up.
    """
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    rows = queries.filtered(view, page_rows(album, cursor, view.order))
    items = cast(list[Image], list(rows[: limit + 1]))
    order = view.order
    next_cursor = None
    if len(items) > limit:
        last = items[limit - 1]
        next_cursor = _encode(_kind(order), last.added_at, last.entry_id)  # type: ignore[attr-defined]
    return Page(items=items[:limit], next_cursor=next_cursor)


def page_rows(album: Album, cursor: str | None = None, order: str = "desc") -> QuerySet[Image]:
    """The album's photos from the cursor on, in `order` of adding (the query behind browse())."""
    if order not in ORDERS:
        raise Refusal("invalid-request", f"order must be one of {', '.join(ORDERS)}.")
    sign = "-" if order == "desc" else ""
    rows = (
        Image.objects.filter(album_entries__album=album)
        .annotate(added_at=F("album_entries__added_at"), entry_id=F("album_entries__id"))
        .select_related("uploaded_by")
        .order_by(f"{sign}added_at", f"{sign}entry_id")
    )
    if cursor:
        value, last_id = _decode(cursor, _kind(order))
        pair = Tuple(F("added_at"), F("entry_id"))
        if order == "desc":
            rows = rows.filter(TupleLessThan(pair, (value, last_id)), added_at__lte=value)
        else:
            rows = rows.filter(TupleGreaterThan(pair, (value, last_id)), added_at__gte=value)
    return rows


def _kind(order: str) -> str:
    return "album" if order == "desc" else "album-asc"  # a cursor is valid in its own order


def cursor_after(entry: AlbumImage) -> str:
    """The cursor of the page that starts after this entry."""
    return _encode("album", entry.added_at, entry.pk)


def _encode(kind: str, value: datetime, pk: int) -> str:
    raw = f"{kind}|{value.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, kind: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        found_kind, when, pk = raw.split("|")
        if found_kind != kind:
            raise ValueError("a cursor of another list")
        value = datetime.fromisoformat(when)
        if value.tzinfo is None:
            raise ValueError("naive")
        last_id = int(pk)
        if not 0 < last_id <= MAX_ID:
            raise ValueError("id out of range")
        return value.astimezone(UTC), last_id
    except (ValueError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise Refusal("invalid-request", "The page cursor is not valid.") from None
