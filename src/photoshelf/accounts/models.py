"""API tokens: named, revocable, stored only as a SHA-256 of the secret."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    # The secret is 256 random bits, so a plain SHA-256 (no salt, no stretching) cannot be
    # reversed, and it lets a request find its token with one indexed lookup.
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)  # the secret's first characters, to tell tokens apart
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class SharePasswordFailure(models.Model):
    """Wrong passwords sent for one share link from one address, counted as sign-ins are
    (accounts/shares.py): past PHOTOSHELF_LOGIN_ATTEMPTS, the link answers 429 to that
    address until PHOTOSHELF_LOGIN_COOLOFF_MINUTES have passed since the last one."""

    link = models.ForeignKey(
        "gallery.ShareLink", on_delete=models.CASCADE, related_name="password_failures"
    )
    address = models.CharField(max_length=45)  # IPv6 at most
    failures = models.PositiveIntegerField(default=0)
    last_failed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "accounts_share_password_failure"
        constraints = [
            models.UniqueConstraint(fields=["link", "address"], name="share_failure_once"),
        ]

    def __str__(self) -> str:
        return f"{self.failures} wrong password(s) for link {self.link_id} from {self.address}"
