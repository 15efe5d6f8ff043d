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


TRASH_RULE = (
    "Only the person who deleted a photo, or an administrator, may see it in the trash, "
    "restore it or delete it forever."
)


def can_manage_trashed(user, image) -> bool:
    """A photo in the trash: the person who moved it there (so its uploader, or an
    administrator) or any administrator may see its files, restore it or purge it."""
    if not (user.is_authenticated and user.is_active):
        return False
    return is_admin(user) or (image.trashed_by_id is not None and image.trashed_by_id == user.pk)


ACTIVITY_RULE = "Only administrators see what others did; everyone sees their own activity."


def can_see_all_activity(user) -> bool:
    return is_admin(user)


def can_manage_users(user) -> bool:
    return is_admin(user)
