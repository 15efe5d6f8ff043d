"""ingest(): from an incoming file to a stored Image, the stages in order, cheap checks first.

Nothing is written until every rule has passed; files are stored before the row that points at
them, and a refused or failed upload leaves neither behind (files it could not remove because the
storage went down are noted in PendingDeletion and removed once it answers). The database's unique
constraint on sha256 closes the race between two identical uploads: exactly one row wins.
Near-duplicates (different bytes, same picture) are looked up once early, then again under a lock
held until the row is inserted, so of two arriving together the second sees the first.
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from photoshelf import timing
from photoshelf.gallery import near_duplicates
from photoshelf.gallery.models import Camera, Image, PendingDeletion
from photoshelf.storage import StorageUnavailable, get_storage
from photoshelf.storage.keys import original_key, rendition_key

from . import cpu, decode, metadata, policy, renditions
from .errors import Refusal
from .fingerprint import perceptual_hash
from .upload import IncomingFile

log = logging.getLogger(__name__)

SWEEP_BATCH = 20  # pending deletions retried after each successful upload


def ingest(incoming: IncomingFile, name: str | None = None, *, uploaded_by=None) -> Image:
    """Run every stage on one file and return the stored Image, or raise a Refusal.

    `uploaded_by` is the user who uploaded it (None only for callers outside a request).
    """
    image, made, fingerprint = examine(incoming, name, uploaded_by=uploaded_by)
    with timing.stage("store"):
        _store_files(incoming, image, made)
    with timing.stage("record"):
        recorded = _record(image, fingerprint)
    sweep_pending_deletions()
    return recorded


def examine(
    incoming: IncomingFile, name: str | None = None, *, uploaded_by=None
) -> tuple[Image, list[renditions.Rendition], int]:
    """Every check and the renditions, writing nothing: the unsaved Image ingest() would store,
    its renditions and its perceptual hash."""
    name = policy.clean_name(name, incoming.filename)
    _refuse_if_stored(incoming.sha256)
    if incoming.size == 0:
        raise Refusal("not-an-image", "The file is empty.")

    with timing.stage("pixels"):
        checked = threading.Event()  # set once the file decodes and passes the date rules
        pixels = cpu.submit(_pixel_work, incoming, checked)
        pixels.add_done_callback(lambda _: checked.set())  # or once the pixel work ends, refused
        checked.wait()
        if not pixels.done() or pixels.exception() is None:
            incoming.settle()  # the disk takes the upload's bytes while a core renders them
        opened, facts, made, fingerprint = pixels.result()
    _refuse_if_copy(incoming.sha256, fingerprint)

    image = Image(
        name=name,
        filename=incoming.filename,
        sha256=incoming.sha256,
        format=opened.format,
        content_type=opened.content_type,
        extension=opened.extension,
        file_size=incoming.size,
        width=facts.width,
        height=facts.height,
        thumbnail_width=made[-1].width,
        thumbnail_height=made[-1].height,
        camera_make=facts.camera_make,
        camera_model=facts.camera_model,
        taken_at=facts.taken_at.utc if facts.taken_at else None,
        taken_at_offset=facts.taken_at.offset_text if facts.taken_at else "",
        taken_at_source=facts.taken_at.source if facts.taken_at else "",
        taken_at_offset_source=facts.taken_at.offset_source if facts.taken_at else "",
        lens_model=facts.lens_model,
        focal_length_mm=facts.focal_length_mm,
        f_number=facts.f_number,
        exposure_time_s=facts.exposure_time_s,
        iso=facts.iso,
        gps_latitude=facts.gps_latitude,
        gps_longitude=facts.gps_longitude,
        **near_duplicates.band_fields(fingerprint),
        uploaded_by=uploaded_by if getattr(uploaded_by, "is_authenticated", False) else None,
    )
    return image, made, fingerprint


def _pixel_work(incoming: IncomingFile, checked: threading.Event):
    """Decode, metadata, the date rules and the renditions: the pixel work, on a pixel thread.
    `checked` is set when the rules have passed and only the renditions remain."""
    opened = decode.open_image(incoming.path, max_pixels=settings.PHOTOSHELF_MAX_PIXELS)
    with opened.image:
        facts = metadata.read_metadata(opened.image, name=incoming.filename)
        policy.check_taken_at(
            facts.taken_at,
            require=settings.PHOTOSHELF_REQUIRE_TAKEN_AT,
            max_age_days=settings.PHOTOSHELF_MAX_AGE_DAYS,
            now=timezone.now(),
        )
        checked.set()
        made = renditions.render(opened, facts.orientation, name=incoming.filename)
    fingerprint = perceptual_hash(made[-1].pixels)  # the thumbnail: displayed, already small
    return opened, facts, made, fingerprint


def delete(image: Image) -> None:
    """Remove a photo's files, then its row, in one transaction that holds the row.

    The keys are content-addressed: an upload of the same bytes writes the same files. While
    the files go, the row is still there for everyone else, so such an upload is refused as a
    duplicate; once the row is gone, the files are too, and an upload stores them afresh. (Row
    first, files after, as before, let an upload in between store its files and lose them.)
    """
    keys = image.storage_keys()
    with transaction.atomic():
        held = Image.objects.select_for_update().filter(pk=image.pk).order_by().first()
        if held is None:  # deleted meanwhile, files and all
            return
        _delete_or_defer(image.sha256, keys)
        held.delete()


def sweep_pending_deletions(limit: int = SWEEP_BATCH) -> int:
    """Delete files noted while the storage was down; how many were handled (0 if it still is)."""
    if not PendingDeletion.objects.exists():
        return 0
    storage, handled = get_storage(), 0
    try:
        # Locked rows are being swept elsewhere; an upload of the same bytes waits in _claim()
        # until this transaction ends, so it never writes a file that is being deleted.
        with transaction.atomic():
            for pending in PendingDeletion.objects.select_for_update(skip_locked=True)[:limit]:
                if not Image.objects.filter(sha256=pending.sha256).exists():
                    storage.delete(pending.key)
                pending.delete()
                handled += 1
    except (StorageUnavailable, DatabaseError) as exc:  # the upload itself has succeeded
        log.warning("ingest: pending deletions kept for later: %r", exc)
        return 0
    return handled


def _refuse_if_stored(sha256: str) -> None:
    # order_by() drops the model's default ordering: a unique lookup needs no sort.
    existing = Image.objects.filter(sha256=sha256).order_by().only("id", "name")[:1]
    if existing:
        raise _duplicate_of(existing[0])


def _duplicate_of(existing: Image) -> Refusal:
    return Refusal(
        "duplicate",
        f"This photo is already in the gallery as “{existing.name}”.",
        {"duplicate_of": existing.pk},
    )


def _refuse_if_copy(sha256: str, fingerprint: int) -> None:
    """Refuse an upload already stored: as the same bytes first, else as the same picture."""
    _refuse_if_stored(sha256)
    _refuse_if_near(sha256, fingerprint)


def _refuse_if_near(sha256: str, fingerprint: int) -> None:
    max_distance = settings.PHOTOSHELF_NEAR_DUPLICATE_DISTANCE
    if max_distance < 0:
        return
    match = near_duplicates.nearest(fingerprint, max_distance)
    if match is None:
        return
    existing = Image.objects.filter(pk=match.image_id).only("id", "name", "sha256").first()
    if existing is None:  # deleted since the lookup: nothing to be a copy of any more
        return
    if existing.sha256 == sha256:  # the same bytes, committed after the line above looked
        raise _duplicate_of(existing)
    raise Refusal(
        "near-duplicate",
        f"This photo looks like “{existing.name}”, already in the gallery (the same picture "
        f"re-encoded, resized or without its metadata: {match.distance} bits apart).",
        {"duplicate_of": existing.pk, "distance": match.distance},
    )


def _store_files(incoming: IncomingFile, image: Image, made: list[renditions.Rendition]) -> None:
    storage = get_storage()
    _claim(image.storage_keys())
    written: list[str] = []
    try:
        key = original_key(image.sha256, image.extension)
        storage.put_file(key, incoming.path, spooled=incoming.spooled)
        written.append(key)
        for rendition in made:
            key = rendition_key(image.sha256, rendition.size.name, rendition.size.extension)
            storage.put_bytes(key, rendition.data)
            written.append(key)
    except BaseException:
        _remove_unless_referenced(image.sha256, written)
        raise


def _record(image: Image, fingerprint: int) -> Image:
    try:
        with transaction.atomic():
            if settings.PHOTOSHELF_NEAR_DUPLICATE_DISTANCE >= 0:
                near_duplicates.lock_for_insert()
                _refuse_if_copy(image.sha256, fingerprint)  # committed since the first look
            Camera.remember([(image.camera_make, image.camera_model)])  # for the camera filter
            image.save(force_insert=True)
    except IntegrityError:
        # Another upload of the same bytes committed first: its row owns these same files.
        existing = Image.objects.filter(sha256=image.sha256).first()
        if existing is not None:
            raise _duplicate_of(existing) from None
        _remove_unless_referenced(image.sha256, image.storage_keys())
        raise
    except BaseException:
        _remove_unless_referenced(image.sha256, image.storage_keys())
        raise
    log.info("ingest: stored %s as image %s (%s)", image.filename, image.pk, image.sha256[:12])
    return image


def _claim(keys: list[str]) -> None:
    """These files are about to be written: they are no longer pending deletion."""
    PendingDeletion.objects.filter(key__in=keys).delete()


def _remove_unless_referenced(sha256: str, keys: list[str]) -> None:
    """Undo written files, unless a committed row (a concurrent identical upload) uses them."""
    try:
        if Image.objects.filter(sha256=sha256).exists():
            return
    except DatabaseError:  # the database is gone too: better an orphan (check --repair) than a loss
        log.exception("ingest: cannot tell whether %s is referenced; keeping its files", sha256)
        return
    _delete_or_defer(sha256, keys)


def _delete_or_defer(sha256: str, keys: list[str]) -> None:
    """Delete files now, or note them in PendingDeletion when the storage does not answer."""
    storage, left = get_storage(), []
    for key in keys:
        try:
            storage.delete(key)
        except StorageUnavailable:
            left.append(key)
    if not left:
        return
    log.warning("ingest: storage unavailable, %d file(s) of %s left for later", len(left), sha256)
    try:
        PendingDeletion.objects.bulk_create(
            [PendingDeletion(key=key, sha256=sha256) for key in left], ignore_conflicts=True
        )
    except DatabaseError:
        log.exception("ingest: cannot note pending deletions of %s (check --repair)", sha256)
