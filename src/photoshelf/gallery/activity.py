"""The activity log: every upload, delete, restore and purge, every album change and every
share link made or revoked, with who did it and how.

An entry is written in the transaction that does the thing, so there is one exactly when the
thing happened. `Actor` says who: a person (and through what: the pages, an API token, a guest
link) or the command line or the trash's sweep; the HTTP layers make it from the request
(accounts/actors.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import Q, QuerySet

from photoshelf.core.refusals import Refusal

from . import queries
from .models import Activity, Album, Image, ShareLink

# Actions recorded here: on photos, on albums (naming the album), on share links.
PHOTO_ACTIONS = ("upload", "delete", "restore", "purge")
ALBUM_ACTIONS = (
    "album-create",
    "album-change",  # its title, description or cover
    "album-delete",
    "album-add",  # one photo put into it (one entry per photo)
    "album-remove",  # one photo taken out of it
    "link-create",  # a share link to an album or a photo
    "link-revoke",
)
ACTIONS = PHOTO_ACTIONS + ALBUM_ACTIONS
# How the actor reached the library.
VIAS = ("page", "token", "guest link", "cli", "sweep")


@dataclass(frozen=True)
class Actor:
    user: Any = None  # a user, or None (the command line, the sweep, an anonymous guest)
    via: str = "cli"
    token_name: str = ""  # the API token's name, or the guest link's (link_name())
    address: str | None = None
    link: ShareLink | None = None  # the guest link it came through: its album is named

    def __post_init__(self) -> None:
        if self.via not in VIAS:
            raise ValueError(f"unknown way in {self.via!r}")

    @property
    def person(self):
        """The user to record: signed in, or None."""
        return self.user if getattr(self.user, "is_authenticated", False) else None


CLI = Actor(via="cli")
SWEEP = Actor(via="sweep")


def link_name(link: ShareLink) -> str:
    """How the log names a share link (links have no name of their own)."""
    return f"link {link.pk}"


def guest(link: ShareLink, address: str | None = None) -> Actor:
    """A guest without an account, coming through a share link."""
    return Actor(via="guest link", token_name=link_name(link), address=address, link=link)


def record(
    action: str,
    image: Image | None,
    actor: Actor,
    *,
    album: Album | None = None,
    link: ShareLink | None = None,
) -> Activity:
    """Note that `actor` did `action` to `image` (and/or `album`, `link`); call it inside the
    transaction doing it. A guest's entries name the album of the link they came through."""
    return Activity.objects.create(**_fields(action, image, actor, album, link))


def record_many(action: str, images: list[Image], actor: Actor, *, album: Album) -> None:
    """One entry per photo (photos put into or taken out of an album), in one statement."""
    Activity.objects.bulk_create(
        [Activity(**_fields(action, image, actor, album, None)) for image in images]
    )


def _fields(action, image, actor, album, link) -> dict[str, Any]:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    person = actor.person
    if album is None and link is not None:
        album = link.album
    if album is None and actor.link is not None:
        album = actor.link.album
    if image is None and link is not None:
        image = link.image
    return {
        "action": action,
        "user": person,
        "username": person.get_username() if person is not None else "",
        "via": actor.via,
        "token_name": actor.token_name,
        "address": actor.address or None,
        "image_id": image.pk if image is not None else None,
        "image_name": image.name if image is not None else "",
        "album_id": album.pk if album is not None else None,
        "album_title": album.title if album is not None else "",
        "album_owner_id": album.owner_id if album is not None else None,
        "link_id": link.pk if link is not None else None,
    }


@dataclass(frozen=True)
class Filter:
    """Which entries to show; all optional. Days are UTC, both included."""

    user_id: int | None = None  # one account's entries, and those about their albums
    username: str | None = None  # entries recorded under this name (kept after removal)
    action: str | None = None
    since: date | None = None
    until: date | None = None

    def __post_init__(self) -> None:
        if self.action is not None and self.action not in ACTIONS:
            raise Refusal("invalid-request", f"action must be one of {', '.join(ACTIONS)}.")
        if self.since and self.until and self.since > self.until:
            raise Refusal("invalid-request", "The date range ends before it starts.")
        for name in ("since", "until"):
            day = getattr(self, name)
            if day is not None and day >= date.max:
                raise Refusal("invalid-request", f"{name} must be a day before {date.max}.")


def entries(shown: Filter) -> QuerySet[Activity]:
    rows = Activity.objects.all()
    if shown.user_id is not None:
        # What they did, and what was done to their albums (a guest's upload, an admin's edit).
        rows = rows.filter(Q(user_id=shown.user_id) | Q(album_owner_id=shown.user_id))
    if shown.username is not None:
        rows = rows.filter(username=shown.username)
    if shown.action is not None:
        rows = rows.filter(action=shown.action)
    if shown.since is not None:
        rows = rows.filter(at__gte=_day_start(shown.since))
    if shown.until is not None:
        rows = rows.filter(at__lt=_day_start(shown.until + timedelta(days=1)))
    return rows


def page(shown: Filter, *, limit: int, cursor: str | None = None) -> queries.Page:
    """One keyset page of the entries `shown` picks, newest first."""
    return queries.newest_first_page(entries(shown), "at", limit=limit, cursor=cursor)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)
