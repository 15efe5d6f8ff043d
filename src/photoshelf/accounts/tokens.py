"""Creating, finding and revoking API tokens; the secret is shown once and never stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from django.utils import timezone

from .models import ApiToken

SECRET_PREFIX = "psh_"
SECRET_BYTES = 32  # 256 bits
NAME_MAX_CHARS = 100
# A token's last use is recorded at most this often, so reads do not all become writes.
LAST_USED_RESOLUTION = timedelta(minutes=5)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create(user: AbstractBaseUser, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`; returns it and its secret (the only time the secret exists)."""
    name = " ".join(name.split())[:NAME_MAX_CHARS] or "token"
    secret = SECRET_PREFIX + secrets.token_urlsafe(SECRET_BYTES)
    token = ApiToken.objects.create(
        user=user, name=name, key_hash=_hash(secret), prefix=secret[: len(SECRET_PREFIX) + 6]
    )
    return token, secret


def user_for_secret(secret: str) -> AbstractBaseUser | None:
    """The active user a live token belongs to, or None (unknown, revoked, user disabled)."""
    token = token_for_secret(secret)
    return None if token is None else token.user


def token_for_secret(secret: str) -> ApiToken | None:
    """The live token of an active user with this secret (its user loaded), or None."""
    if not secret.startswith(SECRET_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def bearer_secret(request: HttpRequest) -> str | None:
    """The secret of an `Authorization: Bearer <secret>` header, or None without one."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return secret.strip()


def revoke(user: AbstractBaseUser, token_id: int) -> bool:
    """Revoke one of `user`'s tokens; False when it is not theirs or already revoked."""
    return bool(
        ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    )


def of(user: AbstractBaseUser) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=user))
