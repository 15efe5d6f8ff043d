"""Who may do what: the one place the rules live; pages and the API both ask here."""

from __future__ import annotations

DELETE_RULE = "Only the person who uploaded a photo, or an administrator, may delete it."


def is_admin(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def can_upload(user) -> bool:
    return bool(user.is_authenticated and user.is_active)


def can_delete(user, image) -> bool:
    """Its uploader or an administrator; images from before accounts (no uploader): admins."""
    if not (user.is_authenticated and user.is_active):
        return False
    return is_admin(user) or (image.uploaded_by_id is not None and image.uploaded_by_id == user.pk)


def can_manage_users(user) -> bool:
    return is_admin(user)
