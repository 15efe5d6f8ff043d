"""The trash: Delete moves a photo here, out of every list; it is restored, or purged (files,
then row) once PHOTOSHELF_TRASH_DAYS have passed, by whichever process claims it first.

Image.objects hides the trash (models.py); this module and the others that must see trashed
rows use Image.everything. A purge is deletion.delete() of a row still in the trash, so a photo
restored meanwhile stays, and of many processes sweeping at once each photo is purged by one:
the sweep takes its rows with SELECT ... FOR UPDATE SKIP LOCKED where the database has it, and
SQLite's IMMEDIATE transactions let one writer at a time look anyway.
"""

from __future__ import annotations

import logging
import random
import threading
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from photoshelf.storage import StorageUnavailable

from . import activity, deletion
from .activity import CLI, Actor
from .models import Image, ImageQuerySet

log = logging.getLogger(__name__)

PURGE_BATCH = 20  # rows one purge transaction claims (and holds while their files go)


def enabled() -> bool:
    return settings.PHOTOSHELF_TRASH_DAYS > 0


def move(image: Image, actor: Actor = CLI) -> bool:
    """Delete a photo: into the trash (True), or at once when the trash is off (False)."""
    if not enabled():
        with transaction.atomic():
            if deletion.delete(image):
                activity.record("delete", image, actor)
        return False
    now, by = timezone.now(), actor.person
    with transaction.atomic():
        if Image.objects.filter(pk=image.pk).update(trashed_at=now, trashed_by=by):
            activity.record("delete", image, actor)
    image.trashed_at, image.trashed_by = now, by
    log.info("trash: image %s moved to the trash", image.pk)
    return True


def restore(image: Image, actor: Actor = CLI) -> bool:
    """Back into the gallery, as it was; False when it was not in the trash any more."""
    with transaction.atomic():
        rows = Image.everything.in_trash().filter(pk=image.pk)
        restored = rows.update(trashed_at=None, trashed_by=None)
        if restored:
            activity.record("restore", image, actor)
    if restored:
        image.trashed_at = image.trashed_by = None
        log.info("trash: image %s restored", image.pk)
    return bool(restored)


def purge(image: Image, actor: Actor = CLI) -> bool:
    """Delete forever a photo in the trash; False when it was purged or restored meanwhile.
    The log's entry is written with the row's deletion: one entry per photo purged."""
    with transaction.atomic():
        purged = deletion.delete(image, only_in_trash=True)
        if purged:
            activity.record("purge", image, actor)
    return purged


def visible_to(user) -> ImageQuerySet:
    """The trash a person sees: what they deleted; an administrator sees everyone's."""
    rows = Image.everything.in_trash().select_related("uploaded_by", "trashed_by")
    if user.is_superuser:
        return rows
    return rows.filter(trashed_by_id=user.pk)


def find(user, image_id: int) -> Image | None:
    """The photo with this id in `user`'s trash, or None."""
    return visible_to(user).filter(pk=image_id).first()


def purge_at(image: Image) -> datetime | None:
    """When the sweep will purge it (None: not in the trash)."""
    if image.trashed_at is None:
        return None
    return image.trashed_at + timedelta(days=settings.PHOTOSHELF_TRASH_DAYS)


def empty(user, actor: Actor = CLI) -> int:
    """Purge everything in `user`'s trash; how many photos this call purged."""
    return purge_rows(visible_to(user).order_by(), actor)


def purge_expired(older_than: timedelta | None = None, actor: Actor = CLI) -> int:
    """Purge the photos in the trash for longer than `older_than` (default
    PHOTOSHELF_TRASH_DAYS); how many this call purged."""
    if older_than is None:
        older_than = timedelta(days=settings.PHOTOSHELF_TRASH_DAYS)
    cutoff = timezone.now() - older_than
    return purge_rows(Image.everything.in_trash().filter(trashed_at__lte=cutoff), actor)


def purge_rows(rows: ImageQuerySet, actor: Actor = CLI) -> int:
    """Purge these trashed rows, a batch per transaction that holds the batch's rows: rows
    another process holds are skipped (it is purging them), so each is purged once."""
    skip = connection.features.has_select_for_update_skip_locked
    purged = 0
    while True:
        with transaction.atomic():
            claimed = (
                rows.in_trash()
                .select_related(None)  # only the images' rows are locked, not their users'
                .select_for_update(skip_locked=skip)
                .order_by("trashed_at", "id")
            )
            batch = list(claimed[:PURGE_BATCH])
            for image in batch:
                purged += purge(image, actor)
        if len(batch) < PURGE_BATCH:
            return purged


def start_sweeper() -> threading.Event:
    """In this process, purge expired photos every PHOTOSHELF_TRASH_SWEEP_MINUTES (the first
    time after a random part of that, so processes started together do not sweep together);
    set the returned event to stop."""
    stop = threading.Event()
    thread = threading.Thread(
        target=_sweep_forever, args=(stop,), name="trash-sweeper", daemon=True
    )
    thread.start()
    return stop


def _sweep_forever(stop: threading.Event) -> None:
    interval_s = settings.PHOTOSHELF_TRASH_SWEEP_MINUTES * 60
    wait_s = random.uniform(0, interval_s)  # noqa: S311 - spreading start times, not a secret
    while not stop.wait(wait_s):
        wait_s = interval_s
        try:
            purged = purge_expired(actor=activity.SWEEP)
            if purged:
                log.info("trash: purged %d photo(s) whose time in the trash was over", purged)
        except (DatabaseError, StorageUnavailable) as exc:  # tried again next time
            log.warning("trash: sweep failed, tried again later: %r", exc)
        except Exception:
            log.exception("trash: sweep failed")
        finally:
            connection.close()  # this thread's own connection: not kept between sweeps
