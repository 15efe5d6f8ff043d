"""`photoshelf check`: every disagreement between the rows and the stored files, and its repair.

Missing originals cannot be repaired (the bytes are gone); missing renditions are made again
from the original (so photos stored before the WebP renditions gain them); files no row
references are removed. Works on any storage backend.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from photoshelf.core.refusals import Refusal
from photoshelf.ingest import steps
from photoshelf.storage import Storage, get_storage
from photoshelf.storage.keys import sha256_of

from . import in_flight, resumable
from .models import Image, PendingDeletion

log = logging.getLogger(__name__)

# Re-rendering reads images that were accepted once; the bound only guards against a
# tampered bucket.
REPAIR_MAX_PIXELS = 1_000_000_000
# An upload writes its files before its row: a file this young may be one in progress, so the
# repair leaves it (files noted in PendingDeletion are known leftovers and go at any age).
ORPHAN_GRACE = timedelta(minutes=10)


@dataclass
class Report:
    missing_originals: list[str] = field(default_factory=list)  # keys; the rows stay
    missing_renditions: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)  # what --repair fixed
    unrepairable: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # orphans too young to remove
    in_flight: list[str] = field(default_factory=list)  # keys of uploads still being written
    swept: int = 0  # notes of dead uploads whose files were removed
    expired_uploads: list[str] = field(default_factory=list)  # resumable ones, bytes left
    abandoned: list[str] = field(default_factory=list)  # partial writes of killed processes

    @property
    def clean(self) -> bool:
        return not (
            self.missing_originals
            or self.missing_renditions
            or self.orphans
            or self.expired_uploads
            or self.abandoned
        )

    def lines(self) -> list[str]:
        out = [f"swept: {self.swept} upload(s) killed midway"] if self.swept else []
        out += [f"missing original: {key}" for key in self.missing_originals]
        out += [f"missing rendition: {key}" for key in self.missing_renditions]
        out += [f"orphan file: {key}" for key in self.orphans]
        out += [f"expired upload: {token} (its bytes are left)" for token in self.expired_uploads]
        out += [f"abandoned write: {what}" for what in self.abandoned]
        out += [f"repaired: {what}" for what in self.repaired]
        out += [f"cannot repair: {what}" for what in self.unrepairable]
        out += [f"in flight: {key} (an upload in progress)" for key in self.in_flight]
        out += [
            f"kept: {key} is younger than the grace period (an upload in progress?)"
            for key in self.kept
        ]
        return out

    @property
    def repaired_all(self) -> bool:
        return not (self.missing_originals or self.unrepairable or self.kept)


def check(
    *, repair: bool = False, storage: Storage | None = None, grace: timedelta = ORPHAN_GRACE
) -> Report:
    """Compare every row with the stored keys; with repair, fix what can be fixed."""
    storage = storage or get_storage()
    report, expected = Report(swept=in_flight.sweep(storage)), set()
    if repair:
        resumable.sweep_expired(storage=storage)
    report.expired_uploads = [upload.token for upload in resumable.expired()]
    live = in_flight.live_writes()  # another server's upload in progress is not abandoned
    report.abandoned = storage.abandoned(grace.total_seconds(), live)
    if repair and report.abandoned:
        removed = storage.remove_abandoned(grace.total_seconds(), live)
        report.repaired.append(f"{removed} abandoned write(s) removed")
    stored = set(storage.keys())
    # Read after the keys and before the rows: a file listed above was written after its
    # upload's note was committed, and that note is deleted with the row, so the file is found
    # either here or among the rows below.
    writing = in_flight.live_keys() & stored
    # Resumable uploads' chunks, recorded as they are stored (expired ones are listed above).
    chunks = resumable.chunk_keys() & stored
    expected.update(chunks)
    for image in Image.everything.order_by("id").iterator():  # photos in the trash keep files
        keys = image.storage_keys()
        expected.update(keys)
        if keys[0] not in stored:
            report.missing_originals.append(keys[0])
            continue
        absent = [key for key in keys[1:] if key not in stored]
        report.missing_renditions += absent
        if absent and repair:
            absent = _rerender(image, storage, report, set(absent))
        if repair and not absent and not image.has_webp:  # every file there: pages may offer it
            Image.everything.filter(pk=image.pk).update(has_webp=True)
    report.in_flight = sorted(writing - expected)
    report.orphans = sorted(stored - expected - writing)
    if repair:
        _remove_orphans(report.orphans, storage, report, grace)
        # Noted deletions of files that are gone now (removed above, or never written).
        PendingDeletion.objects.exclude(key__in=stored - set(report.orphans)).delete()
    return report


def _rerender(image: Image, storage: Storage, report: Report, absent: set[str]) -> list[str]:
    """Make the absent renditions again (all of them, from one decode) and store those only: a
    photo stored before an encoding existed (WebP) gains it, and its JPEGs stay as served.
    Returns the keys still absent (all of them when the original cannot be rendered)."""
    with tempfile.TemporaryDirectory(prefix="photoshelf-check-") as folder:
        path = Path(folder) / "original"
        with storage.open(image.original_key) as src, open(path, "wb") as dst:
            while chunk := src.read(1024 * 1024):
                dst.write(chunk)
        try:
            # No date rules: the photo was accepted once, under whatever rules held then.
            processed = steps.process(
                path, name=image.filename, max_pixels=REPAIR_MAX_PIXELS, rules=None
            )
        except Refusal as refusal:
            report.unrepairable.append(f"image {image.pk}: {refusal.detail}")
            return sorted(absent)
    for rendition in processed.made:
        for encoding, data in rendition.files:
            key = image.rendition_key(rendition.size.name, encoding.extension)
            if key in absent:
                storage.put_bytes(key, data)
                absent.discard(key)
    report.repaired.append(f"renditions of image {image.pk} made again")
    return sorted(absent)


def _remove_orphans(orphans: list[str], storage: Storage, report: Report, grace: timedelta) -> None:
    noted = set(PendingDeletion.objects.filter(key__in=orphans).values_list("key", flat=True))
    young = timezone.now() - grace
    for key in orphans:
        # An upload may have written its files but not its row yet: look once more.
        sha256 = sha256_of(key)
        if sha256 and Image.everything.filter(sha256=sha256).exists():
            continue
        if key not in noted and storage.modified(key) > young:
            report.kept.append(key)
            continue
        storage.delete(key)
        report.repaired.append(f"orphan {key} removed")
