"""Share links: making, finding and revoking them, and what each one shows.

A link's token is 192 random bits, returned once by create(); only its SHA-256 is stored, so
finding a link is one indexed lookup and the table cannot be turned back into links. Whether a
request may open a link (expiry, password, throttling) is decided in accounts/shares.py; this
module keeps the link's reach: an album link shows that album's photos, an image link that one
photo, and nothing else.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone

from photoshelf.core.refusals import Refusal
from photoshelf.ingest.incoming import IncomingFile

from . import activity, albums, library
from .models import Album, Image, ShareLink
from .queries import MAX_ID, Page

TOKEN_BYTES = 24  # 192 bits
TOKEN_MAX_CHARS = 64  # a token is 32 characters; anything longer is not one
PASSWORD_MAX_CHARS = 200


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(
    target: Album | Image,
    *,
    created_by,
    expires_at: datetime | None = None,
    password: str | None = None,
    allow_download: bool = True,
    allow_upload: bool = False,
    actor: activity.Actor | None = None,
) -> tuple[ShareLink, str]:
    """A new link to an album or one photo; returns it and its token (shown this once only).
    `actor`: who made it, for the activity log (default: `created_by`, from the command line)."""
    album = target if isinstance(target, Album) else None
    image = target if isinstance(target, Image) else None
    if allow_upload and album is None:
        raise Refusal("invalid-request", "Only an album's link can take uploads.")
    if expires_at is not None:
        if timezone.is_naive(expires_at):
            raise Refusal("invalid-request", "expires_at needs a time zone (…Z or +02:00).")
        if expires_at <= timezone.now():
            raise Refusal("invalid-request", "expires_at must be in the future.")
    if password is not None and not 1 <= len(password) <= PASSWORD_MAX_CHARS:
        raise Refusal(
            "invalid-request", f"A link's password is 1 to {PASSWORD_MAX_CHARS} characters long."
        )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    actor = actor or activity.Actor(user=created_by, via="cli")
    with transaction.atomic():
        link = ShareLink.objects.create(
            token_hash=hash_token(token),
            album=album,
            image=image,
            created_by=created_by if getattr(created_by, "is_authenticated", False) else None,
            expires_at=expires_at,
            password_hash=make_password(password) if password else "",
            allow_download=allow_download,
            allow_upload=allow_upload,
        )
        activity.record("link-create", None, actor, link=link)
    return link, token


def find(token: str) -> ShareLink | None:
    """The live (not revoked) link with this token, expired or not; None for any other text."""
    if not token or len(token) > TOKEN_MAX_CHARS:
        return None
    return (
        ShareLink.objects.select_related("album", "image")
        .filter(token_hash=hash_token(token), revoked_at__isnull=True)
        .first()
    )


def is_expired(link: ShareLink) -> bool:
    return link.expires_at is not None and link.expires_at <= timezone.now()


def password_matches(link: ShareLink, password: str) -> bool:
    return bool(link.password_hash) and check_password(
        password[:PASSWORD_MAX_CHARS], link.password_hash
    )


def revoke(link: ShareLink, actor: activity.Actor | None = None) -> None:
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        with transaction.atomic():
            link.save(update_fields=["revoked_at"])
            activity.record("link-revoke", None, actor or activity.CLI, link=link)


def of_album(album: Album) -> list[ShareLink]:
    """An album's live links, newest first (revoked ones are gone from every list)."""
    return list(ShareLink.objects.filter(album=album, revoked_at__isnull=True))


def of_image(image: Image) -> list[ShareLink]:
    return list(ShareLink.objects.filter(image=image, revoked_at__isnull=True))


def title(link: ShareLink) -> str:
    if link.album is not None:
        return link.album.title
    return link.image.name if link.image is not None else ""


def description(link: ShareLink) -> str:
    return link.album.description if link.album is not None else ""


def images(link: ShareLink, *, limit: int, cursor: str | None = None) -> Page:
    """What the link shows, a keyset page: the album's photos (newest added first), or its one."""
    if link.album is not None:
        return albums.browse(link.album, limit=limit, cursor=cursor)
    if cursor:
        raise Refusal("invalid-request", "The page cursor is not valid.")
    return Page(items=list(Image.objects.filter(pk=link.image_id or 0)), next_cursor=None)


def image_of(link: ShareLink, image_id: int) -> Image | None:
    """One photo through the link: only one the link shows (and the gallery still has)."""
    if not 0 < image_id <= MAX_ID:
        return None
    if link.album is not None:
        return Image.objects.filter(pk=image_id, album_entries__album=link.album).first()
    if image_id != link.image_id:
        return None
    return Image.objects.filter(pk=image_id).first()


def all_images(link: ShareLink):
    """Every photo the link shows, oldest added first, read in chunks (the ZIP download)."""
    if link.album is None:
        return Image.objects.filter(pk=link.image_id or 0).iterator()
    return (
        Image.objects.filter(album_entries__album=link.album)
        .order_by("album_entries__added_at", "album_entries__id")
        .iterator(chunk_size=200)
    )


def store_guest_upload(
    link: ShareLink, incoming: IncomingFile, name: str | None, address: str | None = None
) -> Image:
    """A guest's photo through an upload link: every rule of an upload, then into the album.

    A duplicate of a photo the link does not show is refused without a word about that photo
    (no id, no name): a guest learns only what the link already shows them.
    """
    if link.album is None or not link.allow_upload:
        raise Refusal("forbidden", "This link does not take uploads.")
    try:
        actor = activity.guest(link, address)  # the log: "guest link", naming link and album
        image = library.store(incoming, name, uploaded_by=None, uploaded_via=link, actor=actor)
    except Refusal as refusal:
        raise _for_guest(link, refusal) from None
    albums.add_uploaded(link.album, image)
    return image


def _for_guest(link: ShareLink, refusal: Refusal) -> Refusal:
    existing = refusal.extra.get("duplicate_of")
    if existing is None:
        return refusal
    if link.album is not None and albums.contains(link.album, existing):
        shown = Image.objects.filter(pk=existing).only("name").first()
        name = shown.name if shown else ""
        return Refusal(
            refusal.code, f"This photo is already in the album as “{name}”.", refusal.extra
        )
    return Refusal(refusal.code, "This photo, or a version of it, has already been uploaded.")
