"""View decorators for reading the gallery: session, public gallery, or (for files) a token."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login

from photoshelf.http.answers import unauthenticated

from . import tokens


def viewable(*, tokens_allowed: bool = False):
    """Signed-in users read; anonymous visitors only with PHOTOSHELF_PUBLIC_GALLERY.

    With `tokens_allowed` (originals and renditions), `Authorization: Bearer` also counts, so
    an API client can download what it lists; a bad token is answered 401, never the page.
    """

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                secret = tokens.bearer_secret(request) if tokens_allowed else None
                if secret is not None:
                    user = tokens.user_for_secret(secret)
                    if user is None:
                        return unauthenticated(
                            "This token is unknown or revoked; sign in or use a live token."
                        )
                    request.user = user  # for this request only: no session is made
                elif not settings.PHOTOSHELF_PUBLIC_GALLERY:
                    return redirect_to_login(request.get_full_path())
            return view(request, *args, **kwargs)

        return login_not_required(wrapped)

    return decorate
