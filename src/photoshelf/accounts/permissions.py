"""Who may do what: the one place the rules live; pages and the API both ask here."""

from __future__ import annotations

DELETE_RULE = "Only the person who uploaded a photo, or an administrator, may delete it."
ALBUM_RULE = "Only an album's owner, or an administrator, may change it or share it."
SHARE_IMAGE_RULE = "Only the person who uploaded a photo, or an administrator, may share it."


def is_admin(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def can_upload(user) -> bool:
    return bool(user.is_authenticated and user.is_active)


def can_delete(user, image) -> bool:
    """Its uploader or an administrator; images from before accounts (no uploader): admins.

    A guest's upload through a share link (no uploader) may also be deleted by the owner of
    the album the link belongs to."""
    if not (user.is_authenticated and user.is_active):
        return False
    if is_admin(user) or (image.uploaded_by_id is not None and image.uploaded_by_id == user.pk):
        return True
    link = image.uploaded_via if image.uploaded_via_id is not None else None
    return link is not None and link.album is not None and link.album.owner_id == user.pk


def can_make_albums(user) -> bool:
    return bool(user.is_authenticated and user.is_active)


def can_change_album(user, album) -> bool:
    """Its owner or an administrator: they alone see it, change it, fill it and share it."""
    if not (user.is_authenticated and user.is_active):
        return False
    return is_admin(user) or album.owner_id == user.pk


def can_share_image(user, image) -> bool:
    """A link to one photo: made by its uploader or an administrator."""
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


def can_see_trashed_files(user, image) -> bool:
    """A photo in the trash's files: whoever may manage it there, and its uploader too (an
    administrator may have deleted it; it is still theirs to look at until it is purged)."""
    if can_manage_trashed(user, image):
        return True
    return bool(user.is_authenticated and user.is_active and image.uploaded_by_id == user.pk)


ACTIVITY_RULE = "Only administrators see what others did; everyone sees their own activity."


def can_see_all_activity(user) -> bool:
    return is_admin(user)


def can_revoke(user, link) -> bool:
    """Who may make a link may list and revoke it."""
    if link.album is not None:
        return can_change_album(user, link.album)
    return link.image is not None and can_share_image(user, link.image)


def can_manage_users(user) -> bool:
    return is_admin(user)
