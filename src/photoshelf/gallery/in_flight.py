"""Uploads in flight: a durable note of the files an upload is writing, so a crash leaves nothing.

store() commits an UploadInFlight before its first file and deletes it with the row it inserts.
A note still here belongs to a process that died midway (kill -9, power loss) or is still
writing. sweep() removes the notes of provably dead writers (this host, and the pid gone or
reused) and of expired leases (any host), with what they wrote; notes of live writers on other
machines sharing the database and the bucket are never touched.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta
from functools import cache

from django.db import transaction
from django.utils import timezone

from photoshelf.storage import Storage, get_storage

from . import deletion
from .models import PendingDeletion, UploadInFlight

log = logging.getLogger(__name__)

# From the note to the row an upload writes its files only (the body is received and the
# pixels are checked before): seconds, even for the largest original to a slow bucket. The
# lease is not renewed, so it is long enough for the slowest write; a writer on another
# machine that died is swept once it ends.
LEASE = timedelta(hours=1)


@cache
def _host() -> str:
    return socket.gethostname()


def _started(pid: int) -> str:
    """The process's start time in clock ticks since boot (Linux /proc), "" where unknown: with
    the pid it names one process, as a pid alone may be reused after a restart."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            text = stat.read().decode(errors="replace")
    except OSError:
        return ""
    # The second field (the command) is in parentheses and may hold spaces: split after it.
    return text.rpartition(")")[2].split()[19]


def begin(sha256: str, keys: list[str]) -> UploadInFlight:
    """Note, in a transaction of its own, that this process is about to write these files."""
    pid = os.getpid()
    with transaction.atomic():
        return UploadInFlight.objects.create(
            sha256=sha256,
            keys="\n".join(keys),
            host=_host(),
            pid=pid,
            started=_started(pid),
            lease_expires_at=timezone.now() + LEASE,
        )


def end(note: UploadInFlight) -> None:
    """The upload is recorded (call inside the row's transaction) or its files are gone."""
    UploadInFlight.objects.filter(pk=note.pk).delete()


def is_dead(note: UploadInFlight, now=None) -> bool:
    """Whether the note's writer is gone: its lease expired, or it ran here and has ended."""
    if note.lease_expires_at <= (now or timezone.now()):
        return True
    return process_ended(note.host, note.pid, note.started)


def this_process() -> tuple[str, int, str]:
    """(host, pid, start time): what names this process, as a note records it."""
    pid = os.getpid()
    return _host(), pid, _started(pid)


def process_ended(host: str, pid: int, started: str) -> bool:
    """Whether the process so named ran on this machine and has ended (False for another
    machine's: only a lease can tell)."""
    if host != _host():
        return False
    if pid == os.getpid():
        return started != _started(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        pass
    return started != _started(pid)


def sweep(storage: Storage | None = None) -> int:
    """Remove what dead uploads wrote, then their notes; return how many notes were swept.

    A dead note's temporary files carry its id and are removed at once; its keys become
    PendingDeletion rows in the transaction that deletes it, and the deletion sweep removes
    them unless a row or a live upload of the same bytes uses them (see deletion.py).
    """
    storage = storage or get_storage()
    now, swept = timezone.now(), 0
    for note in UploadInFlight.objects.order_by("id"):
        if not is_dead(note, now):
            continue
        storage.remove_incoming(note.key_list, note.tag)
        with transaction.atomic():
            if not UploadInFlight.objects.filter(pk=note.pk).delete()[0]:
                continue  # swept meanwhile by another process
            PendingDeletion.objects.bulk_create(
                [PendingDeletion(key=key, sha256=note.sha256) for key in note.key_list],
                ignore_conflicts=True,
            )
        log.warning("in flight: swept %s (its writer is gone)", note)
        swept += 1
    if swept:
        while deletion.sweep_pending_deletions() == deletion.SWEEP_BATCH:
            pass
    return swept


def live_writes() -> list[tuple[list[str], str]]:
    """The keys and temporary files' tag of each upload still in flight (call after sweep)."""
    return [(note.key_list, note.tag) for note in UploadInFlight.objects.all()]


def live_keys() -> set[str]:
    """The keys of uploads still in flight (call after sweep): not orphans, not yet rows."""
    keys: set[str] = set()
    for note in UploadInFlight.objects.only("keys"):
        keys.update(note.key_list)
    return keys
