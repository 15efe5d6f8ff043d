"""Who is calling the API: a Bearer token, the page's session (with CSRF), or nobody.

Each class returns the user (ninja keeps it as `request.auth`) or None to let the next try.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from photoshelf.accounts import tokens


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>`: no cookie is involved, so no CSRF check is needed.

    The header is read by tokens.bearer_secret(), as for file URLs, so both accept the same
    spellings; HttpBearer is kept for what it declares in the OpenAPI document."""

    def __call__(self, request):
        secret = tokens.bearer_secret(request)
        return None if secret is None else self.authenticate(request, secret)

    def authenticate(self, request, token: str):
        found = tokens.token_for_secret(token)
        if found is None:
            return None
        request.api_token_name = found.name  # for the activity log (accounts/actors.py)
        return found.user


class SessionWithCsrf(APIKeyCookie):
    """The signed-in page's session cookie; unsafe methods must carry the CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request):
        # Only a signed-in session is checked for CSRF: an anonymous call is simply
        # unauthenticated (401), not a CSRF failure.
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)

    def authenticate(self, request, key):
        return request.user


class PublicGallery:
    """Anonymous reading, only when PHOTOSHELF_PUBLIC_GALLERY=true."""

    def __call__(self, request):
        return AnonymousUser() if settings.PHOTOSHELF_PUBLIC_GALLERY else None


def caller(request: HttpRequest):
    """Who ninja's auth classes found (`request.auth`, which HttpRequest's type does not know)."""
    return request.auth  # type: ignore[attr-defined]


SIGNED_IN = [BearerToken(), SessionWithCsrf()]
READERS = [*SIGNED_IN, PublicGallery()]
