"""Who is acting in a request, for the activity log: the person, and through what."""

from __future__ import annotations

from django.http import HttpRequest

from photoshelf.gallery.activity import Actor


def of_request(request: HttpRequest, user=None) -> Actor:
    """The pages' signed-in user, or the API's caller (`user`) with the token it came with."""
    token_name = getattr(request, "api_token_name", "")
    return Actor(
        user=user if user is not None else request.user,
        via="token" if token_name else "page",
        token_name=token_name,
        address=request.META.get("REMOTE_ADDR") or None,
    )
