"""store(): from an incoming file to a stored Image, the checks in order, cheap ones first.

Nothing is written until every rule has passed; files are stored before the row that points at
them, and a refused or failed upload leaves neither behind (files it could not remove because the
storage went down are noted in PendingDeletion and removed once it answers). Between its first
file and its row an upload is noted in UploadInFlight, so what a killed process wrote is found
and swept (gallery/in_flight.py). The database's unique
constraint on sha256 closes the race between two identical uploads: exactly one row wins.
Near-duplicates (different bytes, same picture) are looked up once early, then again under a lock
held until the row is inserted, so of two arriving together the second sees the first.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from photoshelf.core import timing
from photoshelf.core.refusals import Refusal
from photoshelf.ingest import cpu, policy, steps
from photoshelf.ingest.incoming import IncomingFile
from photoshelf.ingest.renditions import Rendition
from photoshelf.storage import get_storage
from photoshelf.storage.keys import original_key, rendition_key

from . import activity, deletion, in_flight, near_duplicates
from .models import Camera, Image, UploadInFlight

log = logging.getLogger(__name__)


def store(
    incoming: IncomingFile,
    name: str | None = None,
    *,
    uploaded_by=None,
    uploaded_via=None,
    actor: activity.Actor | None = None,
    restoring: datetime | None = None,
) -> Image:
    """Run every check on one file and return the stored Image, or raise a Refusal.

    `uploaded_by` is the user who uploaded it (None only for callers outside a request, and
    for a guest's upload through a share link, which is `uploaded_via`).
    `actor` says how, for the activity log (default: that user, from the command line).
    `restoring` is the upload date of a photo brought back from an export: it was accepted
    once, so the date rules are not applied again (the other rules are).
    """
    actor = actor or activity.Actor(user=uploaded_by, via="cli")
    image, made, fingerprint = examine(
        incoming, name, uploaded_by=uploaded_by, date_rules=restoring is None
    )
    image.uploaded_via = uploaded_via
    if restoring is not None:
        image.uploaded_at = restoring
    note = in_flight.begin(image.sha256, image.storage_keys())  # committed before any file
    try:
        with timing.stage("store"):
            _store_files(incoming, image, made, note)
        with timing.stage("record"):
            recorded = _record(image, fingerprint, note, actor)  # ends the note with the row
    except BaseException:
        _end_after_failure(note)  # the files are gone (or noted for deletion) by now
        raise
    deletion.sweep_pending_deletions()
    return recorded


def examine(
    incoming: IncomingFile, name: str | None = None, *, uploaded_by=None, date_rules: bool = True
) -> tuple[Image, list[Rendition], int]:
    """Every check and the renditions, writing nothing: the unsaved Image store() would save,
    its renditions and its perceptual hash."""
    name = policy.clean_name(name, incoming.filename)
    _refuse_if_stored(incoming.sha256)
    if incoming.size == 0:
        raise Refusal("not-an-image", "The file is empty.")

    with timing.stage("pixels"):
        checked = threading.Event()  # set once the file decodes and passes the date rules
        pixels = cpu.submit(_process, incoming, checked, date_rules)
        pixels.add_done_callback(lambda _: checked.set())  # or once the pixel work ends, refused
        checked.wait()
        if not pixels.done() or pixels.exception() is None:
            incoming.settle()  # the disk takes the upload's bytes while a core renders them
        processed = pixels.result()
    _refuse_if_copy(incoming.sha256, processed.fingerprint)
    image = image_for(incoming, name, processed, uploaded_by=uploaded_by)
    return image, processed.made, processed.fingerprint


def image_for(
    incoming: IncomingFile, name: str, processed: steps.Processed, *, uploaded_by=None
) -> Image:
    """The unsaved row of a processed file: the one place metadata becomes model fields."""
    opened, facts, made = processed.opened, processed.facts, processed.made
    taken = facts.taken_at
    return Image(
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
        # the WebP renditions of the sizes that have one (the thumbnail: core.sizes)
        has_webp=any(
            encoding.extension == "webp" for rendition in made for encoding, _ in rendition.files
        ),
        animated=opened.animated,
        motion_video_start=processed.motion_video.start if processed.motion_video else None,
        motion_video_length=processed.motion_video.length if processed.motion_video else None,
        camera_make=facts.camera_make,
        camera_model=facts.camera_model,
        taken_at=taken.utc if taken else None,
        taken_at_offset=taken.offset_text if taken else "",
        taken_at_source=taken.source if taken else "",
        taken_at_offset_source=taken.offset_source if taken else "",
        lens_model=facts.lens_model,
        focal_length_mm=facts.focal_length_mm,
        f_number=facts.f_number,
        exposure_time_s=facts.exposure_time_s,
        iso=facts.iso,
        gps_latitude=facts.gps_latitude,
        gps_longitude=facts.gps_longitude,
        **near_duplicates.band_fields(processed.fingerprint),
        uploaded_by=uploaded_by if getattr(uploaded_by, "is_authenticated", False) else None,
    )


def _process(
    incoming: IncomingFile, checked: threading.Event, date_rules: bool = True
) -> steps.Processed:
    """The processing steps under this site's rules, on a pixel thread (see ingest/cpu.py)."""
    rules = (
        None
        if not date_rules
        else steps.DateRules(
            require=settings.PHOTOSHELF_REQUIRE_TAKEN_AT,
            max_age_days=settings.PHOTOSHELF_MAX_AGE_DAYS,
            now=timezone.now(),
        )
    )
    return steps.process(
        incoming.path,
        name=incoming.filename,
        max_pixels=settings.PHOTOSHELF_MAX_PIXELS,
        rules=rules,
        checked=checked,
    )


def _refuse_if_stored(sha256: str) -> None:
    # order_by() drops the model's default ordering: a unique lookup needs no sort.
    # Photos in the trash count: their row holds the bytes (the unique sha256) until purged.
    fields = ("id", "name", "trashed_at")
    existing = list(Image.everything.filter(sha256=sha256).order_by().only(*fields)[:1])
    if existing:
        raise _duplicate_of(existing[0])


def _duplicate_of(existing: Image) -> Refusal:
    if existing.in_trash:
        return Refusal(
            "duplicate-in-trash",
            f"This photo is in the trash as “{existing.name}”: restore it instead.",
            {"duplicate_of": existing.pk},
        )
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
    fields = ("id", "name", "sha256", "trashed_at")
    existing = Image.everything.filter(pk=match.image_id).only(*fields).first()
    if existing is None:  # purged since the lookup: nothing to be a copy of any more
        return
    if existing.sha256 == sha256:  # the same bytes, committed after the line above looked
        raise _duplicate_of(existing)
    if existing.in_trash:
        raise Refusal(
            "near-duplicate-in-trash",
            f"This photo looks like “{existing.name}”, which is in the trash (the same picture "
            f"re-encoded, resized or without its metadata: {match.distance} bits apart): "
            "restore it instead.",
            {"duplicate_of": existing.pk, "distance": match.distance},
        )
    raise Refusal(
        "near-duplicate",
        f"This photo looks like “{existing.name}”, already in the gallery (the same picture "
        f"re-encoded, resized or without its metadata: {match.distance} bits apart).",
        {"duplicate_of": existing.pk, "distance": match.distance},
    )


def _end_after_failure(note: UploadInFlight) -> None:
    try:
        in_flight.end(note)
    except DatabaseError:  # its lease expires, and a sweep finds nothing left to remove
        log.exception("library: cannot end %s", note)


def _store_files(
    incoming: IncomingFile, image: Image, made: list[Rendition], note: UploadInFlight
) -> None:
    storage = get_storage()
    deletion.claim(image.storage_keys())
    written: list[str] = []
    try:
        key = original_key(image.sha256, image.extension)
        storage.put_file(key, incoming.path, spooled=incoming.spooled, tag=note.tag)
        written.append(key)
        for rendition in made:
            for encoding, data in rendition.files:
                key = rendition_key(image.sha256, rendition.size.name, encoding.extension)
                storage.put_bytes(key, data, tag=note.tag)
                written.append(key)
    except BaseException:
        deletion.remove_unless_referenced(image.sha256, written)
        raise


def _record(image: Image, fingerprint: int, note: UploadInFlight, actor: activity.Actor) -> Image:
    try:
        with transaction.atomic():
            if settings.PHOTOSHELF_NEAR_DUPLICATE_DISTANCE >= 0:
                near_duplicates.lock_for_insert()
                _refuse_if_copy(image.sha256, fingerprint)  # committed since the first look
            Camera.remember([(image.camera_make, image.camera_model)])  # for the camera filter
            image.save(force_insert=True)
            in_flight.end(note)  # with the row: there is never a moment when neither exists
            activity.record("upload", image, actor)
    except IntegrityError:
        # Another upload of the same bytes committed first: its row owns these same files.
        existing = Image.everything.filter(sha256=image.sha256).first()
        if existing is not None:
            raise _duplicate_of(existing) from None
        deletion.remove_unless_referenced(image.sha256, image.storage_keys())
        raise
    except BaseException:
        deletion.remove_unless_referenced(image.sha256, image.storage_keys())
        raise
    log.info("library: stored %s as image %s (%s)", image.filename, image.pk, image.sha256[:12])
    return image
