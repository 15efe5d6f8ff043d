"""/api/activity: the activity log. Administrators see everyone's; everyone sees their own."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema

from photoshelf.accounts import permissions
from photoshelf.core.refusals import Refusal
from photoshelf.gallery import activity

from .auth import caller
from .schemas import ANY_ERRORS, SIGN_IN_ERRORS, answers

router = Router(tags=["activity"])

Action = Literal[
    "upload",
    "delete",
    "restore",
    "purge",
    "album-create",
    "album-change",
    "album-delete",
    "album-add",
    "album-remove",
    "link-create",
    "link-revoke",
]


class ActivityOut(Schema):
    id: int
    at: datetime
    action: str
    user: str | None  # the user name (kept when the account is removed); null: not a person
    via: str  # page, token, guest link, cli, sweep
    token_name: str  # the API token's (or guest link's) name, "" otherwise
    address: str | None  # the client's address, for requests
    image_id: int | None
    image_name: str
    album_id: int | None  # the album the entry is about (kept when the album is deleted)
    album_title: str  # its title then, "" when the entry is about no album
    link_id: int | None  # the share link made or revoked

    @staticmethod
    def resolve_user(entry) -> str | None:
        return entry.username or None


class ActivityPage(Schema):
    items: list[ActivityOut]
    next_cursor: str | None


@router.get(
    "",
    response=answers({200: ActivityPage}, *ANY_ERRORS, *SIGN_IN_ERRORS),
    summary="The activity log, newest first",
)
def list_activity(
    request: HttpRequest,
    limit: int = 48,
    cursor: str | None = None,
    user: str | None = Query(None, description="Only this user name's (others': administrators)"),
    action: Action | None = Query(None, description="Only this action"),
    since: date | None = Query(None, description="On or after this day (UTC)"),
    until: date | None = Query(None, description="On or before this day (UTC)"),
):
    """Who uploaded, deleted, restored or purged which photo, who made, changed or deleted
    which album, put photos into it or took them out, made or revoked which share link; when,
    and how (the pages, an API token, a guest link, the command line, the trash's sweep).
    Everyone sees what they did and what was done to their albums. Pass `next_cursor` back as `cursor`, with
    the same filters, for the next page."""
    me = caller(request)
    if permissions.can_see_all_activity(me):
        mine: dict = {"username": user}
    elif user is None or user == me.get_username():
        mine = {"user_id": me.pk}
    else:
        raise Refusal("forbidden", permissions.ACTIVITY_RULE)
    shown = activity.Filter(**mine, action=action, since=since, until=until)
    return activity.page(shown, limit=limit, cursor=cursor)
