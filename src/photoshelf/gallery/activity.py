"""The activity log: every upload, delete, restore and purge, with who did it and how.

An entry is written in the transaction that does the thing, so there is one exactly when the
thing happened. `Actor` says who: a person (and through what: the pages, an API token, a guest
link) or the command line or the trash's sweep; the HTTP layers make it from the request
(accounts/actors.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet

from photoshelf.core.refusals import Refusal

from . import queries
from .models import Activity, Image

# Actions recorded here; albums and share links add theirs when they exist.
ACTIONS = ("upload", "delete", "restore", "purge")
# How the actor reached the library.
VIAS = ("page", "token", "guest link", "cli", "sweep")


@dataclass(frozen=True)
class Actor:
    user: Any = None  # a user, or None (the command line, the sweep, an anonymous guest)
    via: str = "cli"
    token_name: str = ""
    address: str | None = None

    def __post_init__(self) -> None:
        if self.via not in VIAS:
            raise ValueError(f"unknown way in {self.via!r}")

    @property
    def person(self):
        """The user to record: signed in, or None."""
        return self.user if getattr(self.user, "is_authenticated", False) else None


CLI = Actor(via="cli")
SWEEP = Actor(via="sweep")


def record(action: str, image: Image, actor: Actor) -> Activity:
    """Note that `actor` did `action` to `image`; call it inside the transaction doing it."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    person = actor.person
    return Activity.objects.create(
        action=action,
        user=person,
        username=person.get_username() if person is not None else "",
        via=actor.via,
        token_name=actor.token_name,
        address=actor.address or None,
        image_id=image.pk,
        image_name=image.name,
    )


@dataclass(frozen=True)
class Filter:
    """Which entries to show; all optional. Days are UTC, both included."""

    user_id: int | None = None  # one account's entries
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
        rows = rows.filter(user_id=shown.user_id)
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
