"""Whether a request may open a share link: live, not expired, and its password if it has one.

The one place this is decided, for the shared page, its files and /api/shared alike. A password
comes as a form (then a signed cookie scoped to the link's own path stands for it) or, for
programs, as the `X-Share-Password` header. Wrong passwords are throttled like sign-ins: past
PHOTOSHELF_LOGIN_ATTEMPTS from one address, every attempt (even a right one) is answered 429
until PHOTOSHELF_LOGIN_COOLOFF_MINUTES have passed since the last wrong one.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone

from photoshelf.core.refusals import Refusal
from photoshelf.gallery import sharing
from photoshelf.gallery.models import ShareLink

from .models import SharePasswordFailure

PASSWORD_HEADER = "X-Share-Password"
COOKIE_SALT = "photoshelf.share-password"
COOKIE_MAX_AGE_SECONDS = 7 * 24 * 3600


def open_link(request: HttpRequest, token: str, password: str | None = None) -> ShareLink:
    """The link `token` names, if this request may open it; else a Refusal saying why."""
    link = sharing.find(token)
    if link is None:
        raise Refusal("not-found", "There is no such link, or it has been revoked.")
    if sharing.is_expired(link):
        raise Refusal("share-expired", "This link has expired.")
    if not link.has_password or _cookie_grants(request, link):
        return link
    if password is None:
        password = request.headers.get(PASSWORD_HEADER)
    if password is None:
        raise Refusal("share-password-required", "This link needs its password.")
    check_password(request, link, password)
    return link


def check_password(request: HttpRequest, link: ShareLink, password: str) -> None:
    """Refuse a wrong password (401) and, past the limit, every attempt for a while (429)."""
    # TrustedProxyMiddleware has put the real client's address here already.
    address = request.META.get("REMOTE_ADDR", "")[:45]
    cooloff = timedelta(minutes=settings.PHOTOSHELF_LOGIN_COOLOFF_MINUTES)
    limit = settings.PHOTOSHELF_LOGIN_ATTEMPTS
    record = SharePasswordFailure.objects.filter(link=link, address=address).first()
    now = timezone.now()
    if record is not None and now - record.last_failed_at >= cooloff:
        record.delete()
        record = None
    if record is not None and record.failures >= limit:
        raise _locked(cooloff)
    if sharing.password_matches(link, password):
        if record is not None:
            record.delete()
        return
    with transaction.atomic():
        record, _ = SharePasswordFailure.objects.get_or_create(link=link, address=address)
        SharePasswordFailure.objects.filter(pk=record.pk).update(
            failures=F("failures") + 1, last_failed_at=now
        )
        record.refresh_from_db()
    if record.failures > limit:
        raise _locked(cooloff)
    raise Refusal("share-password-wrong", "That is not this link's password.")


def _locked(cooloff: timedelta) -> Refusal:
    minutes = int(cooloff.total_seconds() // 60)
    return Refusal(
        "share-locked",
        f"Too many wrong passwords for this link; try again in {minutes} minutes.",
    )


def grant_cookie(response: HttpResponse, link: ShareLink, token: str, path: str) -> None:
    """Remember a right password for this link, in a cookie only its own URLs receive: the
    page's (`path`), and a twin for the link's resumable uploads (the page's uploader)."""
    uploads_path = reverse("shared-uploads", args=[token])
    for name, scope in (
        (_cookie_name(link), path),
        (_cookie_name(link) + "-uploads", uploads_path),
    ):
        response.set_signed_cookie(
            name,
            _fingerprint(link),
            salt=COOKIE_SALT,
            max_age=COOKIE_MAX_AGE_SECONDS,
            path=scope,
            httponly=True,
            samesite="Lax",
            secure=settings.PHOTOSHELF_HTTPS,
        )


def _cookie_grants(request: HttpRequest, link: ShareLink) -> bool:
    for name in (_cookie_name(link), _cookie_name(link) + "-uploads"):
        try:
            value = request.get_signed_cookie(
                name, salt=COOKIE_SALT, max_age=COOKIE_MAX_AGE_SECONDS
            )
        except (KeyError, signing.BadSignature):
            continue
        if value == _fingerprint(link):
            return True
    return False


def _cookie_name(link: ShareLink) -> str:
    return f"share-{link.pk}"


def _fingerprint(link: ShareLink) -> str:
    # Bound to the link and its password hash: a cookie of one link never opens another.
    return f"{link.pk}:{link.token_hash[:16]}:{link.password_hash[-16:]}"
