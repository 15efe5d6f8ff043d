"""Removing a photo's files: now, or once the storage answers again (PendingDeletion).

The keys are content-addressed: an upload of the same bytes writes the same files, so a file
is removed only while no row references its bytes, and a deletion the storage could not do is
noted and swept later (after each successful upload, and by `photoshelf check --repair`).
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, transaction

from photoshelf.storage import StorageUnavailable, get_storage

from .models import Image, PendingDeletion, UploadInFlight

log = logging.getLogger(__name__)

SWEEP_BATCH = 20  # pending deletions retried after each successful upload


def delete(image: Image, *, only_in_trash: bool = False) -> bool:
    """Remove a photo's files, then its row, in one transaction that holds the row; whether
    this call removed it (False: removed meanwhile, or restored when `only_in_trash`).

    While the files go, the row is still there for everyone else, so an upload of the same
    bytes meanwhile is refused as a duplicate; once the row is gone, the files are too, and an
    upload stores them afresh. The other order would let an upload in between store its files
    and then lose them to this deletion. A crash between the two leaves the row, and the next
    deletion of it (a purge of the trash, say) finds its files gone and removes the row.
    """
    keys = image.storage_keys()
    with transaction.atomic():
        rows = Image.everything.select_for_update().filter(pk=image.pk).order_by()
        if only_in_trash:
            rows = rows.in_trash()
        held = rows.first()
        if held is None:  # deleted meanwhile, files and all (or taken out of the trash)
            return False
        delete_or_defer(image.sha256, keys)
        held.delete()
    return True


def sweep_pending_deletions(limit: int = SWEEP_BATCH) -> int:
    """Delete files noted while the storage was down; how many were handled (0 if it still is)."""
    if not PendingDeletion.objects.exists():
        return 0
    storage, handled = get_storage(), 0
    try:
        # Locked rows are being swept elsewhere; an upload of the same bytes waits in claim()
        # until this transaction ends, so it never writes a file that is being deleted.
        with transaction.atomic():
            for pending in PendingDeletion.objects.select_for_update(skip_locked=True)[:limit]:
                if not _in_use(pending.sha256):
                    storage.delete(pending.key)
                pending.delete()
                handled += 1
    except (StorageUnavailable, DatabaseError) as exc:  # the upload itself has succeeded
        log.warning("deletion: pending deletions kept for later: %r", exc)
        return 0
    return handled


def _in_use(sha256: str) -> bool:
    """A row references these bytes, or an upload of them is writing the same files now (it
    noted itself before its claim() below, which waits for this sweep's locks)."""
    return (
        Image.everything.filter(sha256=sha256).exists()
        or UploadInFlight.objects.filter(sha256=sha256).exists()
    )


def claim(keys: list[str]) -> None:
    """These files are about to be written: they are no longer pending deletion."""
    PendingDeletion.objects.filter(key__in=keys).delete()


def remove_unless_referenced(sha256: str, keys: list[str]) -> None:
    """Undo written files, unless a committed row (a concurrent identical upload) uses them."""
    try:
        if Image.everything.filter(sha256=sha256).exists():  # a photo in the trash keeps its files
            return
    except DatabaseError:  # the database is gone too: better an orphan (check --repair) than a loss
        log.exception("deletion: cannot tell whether %s is referenced; keeping its files", sha256)
        return
    delete_or_defer(sha256, keys)


def delete_or_defer(sha256: str, keys: list[str]) -> None:
    """Delete files now, or note them in PendingDeletion when the storage does not answer."""
    storage, left = get_storage(), []
    for key in keys:
        try:
            storage.delete(key)
        except StorageUnavailable:
            left.append(key)
    if not left:
        return
    log.warning("deletion: storage unavailable, %d file(s) of %s left for later", len(left), sha256)
    try:
        PendingDeletion.objects.bulk_create(
            [PendingDeletion(key=key, sha256=sha256) for key in left], ignore_conflicts=True
        )
    except DatabaseError:
        log.exception("deletion: cannot note pending deletions of %s (check --repair)", sha256)
