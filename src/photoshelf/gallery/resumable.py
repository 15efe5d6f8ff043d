"""Resumable uploads (tus 1.0): bytes that arrive in any number of requests, at any server.

A request's bytes go into the storage (on a local disk, the upload's one file, written where
they belong; in a bucket, chunk objects of at most PIECE_BYTES), and the upload's offset
advances only in the transaction that records bytes already synced there: the offset the
protocol reports is always durably stored, whatever is killed when. With a checksum the
request's bytes count together once it matches, or not at all. One request writes at a time:
it holds the upload (`writer`, a lease renewed as it writes); another is refused
(upload-locked) unless the holder is proven dead or its lease ran out, and a holder that lost
the upload records and writes nothing more. Once every byte is in, library.store() runs on the
file (or on the chunks put together into one spool file), with the rules and refusals of any
upload.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import secrets
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from photoshelf.core import timing
from photoshelf.core.refusals import Refusal
from photoshelf.ingest import policy
from photoshelf.ingest.incoming import IncomingFile, clean_filename
from photoshelf.storage import Storage, get_storage, write_failed

from . import activity, in_flight, library, sharing
from .models import ResumableUpload, ShareLink, UploadChunk

log = logging.getLogger(__name__)

# A request's body is stored in chunks of at most this: what a cut connection can lose, and
# the spool one request holds on disk before the storage takes it (memory holds READ_BYTES).
PIECE_BYTES = 8 * 1024 * 1024
READ_BYTES = 256 * 1024
ASSEMBLY_READ_BYTES = 1024 * 1024
# A writer renews its hold on the upload at least this often while bytes arrive; one that
# stops renewing (a stalled client on a machine that cannot be checked) may be replaced.
LEASE = timedelta(seconds=60)
KEY_PREFIX = "uploads/"
_TOKEN = re.compile(r"^[0-9a-f]{32}\Z")
SWEEP_BATCH = 20  # expired uploads removed per new upload: the sweep stays in the background

Read = Callable[[int], bytes]


def too_large(limit_bytes: int) -> Refusal:
    mb = limit_bytes / (1024 * 1024)
    return Refusal(
        "too-large", f"The file is larger than the {mb:g} MB limit.", {"max_bytes": limit_bytes}
    )


def create(
    owner, length: int, *, filename: str = "", name: str = "", link: ShareLink | None = None
) -> ResumableUpload:
    """A new upload of `length` bytes, refused before any byte when too large or badly named.

    `owner` is the account sending it; a guest's upload has none, but the upload `link` it
    comes through (its album takes the photo, under sharing.store_guest_upload's rules)."""
    if link is not None and (link.album_id is None or not link.allow_upload):
        raise Refusal("forbidden", "This link does not take uploads.")
    limit = settings.PHOTOSHELF_MAX_UPLOAD_BYTES
    if length > limit:
        raise too_large(limit)
    filename = clean_filename(filename) if filename else ""
    if name:
        name = policy.clean_name(name, filename or "upload")  # invalid-name, now and not later
    sweep_expired(limit=SWEEP_BATCH)
    return ResumableUpload.objects.create(
        token=secrets.token_hex(16),
        owner=owner,
        link=link,
        length=length,
        filename=filename,
        name=name,
        expires_at=_new_expiry(),
    )


def _new_expiry():
    return timezone.now() + timedelta(hours=settings.PHOTOSHELF_UPLOAD_EXPIRY_HOURS)


def find(token: str, owner=None, *, link: ShareLink | None = None) -> ResumableUpload:
    """The owner's upload, or the one a guest sent through `link` (someone else's, or one sent
    through another link, is not found: its id reveals nothing)."""
    upload = None
    if _TOKEN.match(token):  # anything else names no upload (and may not even be text)
        mine = Q(owner__isnull=True, link_id=link.pk) if link is not None else Q(owner_id=owner.pk)
        upload = ResumableUpload.objects.filter(mine, token=token).first()
    if upload is None:
        raise Refusal("not-found", "There is no upload at this address.")
    if upload.state == ResumableUpload.State.RECEIVING and upload.expires_at <= timezone.now():
        upload.state = ResumableUpload.State.EXPIRED  # as the sweep will record it
    return upload


def refuse_if_expired(upload: ResumableUpload) -> None:
    if upload.state == ResumableUpload.State.EXPIRED:
        raise Refusal(
            "upload-expired",
            "This upload received no bytes for too long and was removed; start it again.",
        )


# --- Holding an upload while writing -------------------------------------------------------


def _me() -> str:
    host, pid, started = in_flight.this_process()
    return f"{host} {pid} {started or '-'} {secrets.token_hex(4)}"


def _ended(writer: str) -> bool:
    host, pid, started, _nonce = writer.rsplit(" ", 3)
    return pid.isdigit() and in_flight.process_ended(
        host, int(pid), "" if started == "-" else started
    )


@contextlib.contextmanager
def holding(upload: ResumableUpload) -> Iterator[str]:
    """Hold the upload for this request (upload-locked while another one holds it)."""
    me, now = _me(), timezone.now()
    mine = dict(writer=me, writer_until=now + LEASE)
    free = Q(writer="") | Q(writer_until__lte=now)
    taken = ResumableUpload.objects.filter(free, pk=upload.pk).update(**mine)
    if not taken:
        current = ResumableUpload.objects.filter(pk=upload.pk).values_list("writer", flat=True)
        holder = next(iter(current), None)
        if holder and _ended(holder):  # killed mid-request on this machine: take it over
            taken = ResumableUpload.objects.filter(pk=upload.pk, writer=holder).update(**mine)
    if not taken:
        raise Refusal(
            "upload-locked",
            "Another request is writing to this upload; try again once it has finished.",
        )
    try:
        yield me
    finally:
        ResumableUpload.objects.filter(pk=upload.pk, writer=me).update(writer="", writer_until=None)


def _lost() -> Refusal:
    return Refusal(
        "upload-locked",
        "Another request took over this upload while this one was writing; nothing of this "
        "request was kept after that point. Ask for the offset (HEAD) and go on from there.",
    )


# --- Receiving bytes -----------------------------------------------------------------------


@dataclass
class Checksum:
    """Upload-Checksum: the algorithm's name and the digest the client expects."""

    algorithm: str
    digest: bytes
    hasher: Any = field(init=False)

    ALGORITHMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256}

    def __post_init__(self) -> None:
        self.hasher = self.ALGORITHMS[self.algorithm]()


@dataclass
class _Piece:
    offset: int
    size: int
    key: str


def receive(
    upload: ResumableUpload,
    offset: int,
    read: Read,
    *,
    announced: int | None,
    checksum: Checksum | None = None,
    actor: activity.Actor | None = None,
) -> ResumableUpload:
    """Store the bytes `read` yields at `offset`, and once all are in, the image.

    `actor` is who sends them, for the activity log (default: the upload's owner, as a token
    would; the HTTP layer passes the request's).

    `announced`: the body's Content-Length, None when it is chunked. Bytes beyond the upload's
    length are refused (before any is read when announced). Without a checksum each stored
    chunk counts at once, so a body cut midway keeps what arrived; with one, nothing counts
    unless it matches. Returns the upload as it stands (state stored or refused when done).
    """
    refuse_if_expired(upload)
    if upload.state != ResumableUpload.State.RECEIVING:
        _refuse_offset(offset, upload.offset)
        return upload  # finished: the same outcome again, for a client that lost the answer
    _refuse_offset(offset, upload.offset)
    if announced is not None and offset + announced > upload.length:
        raise _beyond(upload)
    with holding(upload) as me:
        upload.refresh_from_db()
        _refuse_offset(offset, upload.offset)
        _receive_held(upload, me, read, checksum)
        if upload.offset == upload.length:
            finish(upload, actor)
    return upload


def _refuse_offset(sent: int, stored: int) -> None:
    if sent != stored:
        raise Refusal(
            "upload-offset-mismatch",
            f"Upload-Offset is {sent}, but the upload holds {stored} bytes: send from there.",
            {"offset": stored},
        )


def _beyond(upload: ResumableUpload) -> Refusal:
    return Refusal(
        "beyond-upload-length",
        f"The request holds more bytes than the upload's Upload-Length of {upload.length}.",
        {"length": upload.length},
    )


def _receive_held(upload: ResumableUpload, me: str, read: Read, checksum: Checksum | None) -> None:
    storage = get_storage()
    path = storage.local_path(data_key(upload))
    if path is not None:
        _receive_into_file(upload, me, read, checksum, path)
        return
    pending: list[_Piece] = []
    ended = False
    try:
        while not ended and upload.offset + _size(pending) <= upload.length:
            start = upload.offset + _size(pending)
            piece, ended = _store_piece(upload, storage, start, read, checksum)
            if piece is None:
                break
            if piece.offset + piece.size > upload.length:
                storage.delete(piece.key)
                raise _beyond(upload)
            pending.append(piece)
            if checksum is None:
                _commit(upload, me, pending)
                pending = []
    except _CutShort as cut:
        # The body broke off: what arrived counts, unless a checksum was to vouch for it.
        if cut.piece is not None:
            pending.append(cut.piece)
        if checksum is None and pending:
            _commit(upload, me, pending)
            pending = []
        _remove(storage, pending)
        raise cut.error from None
    except BaseException:
        _remove(storage, pending)
        raise
    if checksum is not None:
        if checksum.hasher.digest() != checksum.digest:
            _remove(storage, pending)
            raise _mismatch(checksum)
        if pending:
            _commit(upload, me, pending)


def data_key(upload: ResumableUpload) -> str:
    """Where a local storage keeps the upload's bytes: one file, written where they belong."""
    return f"{KEY_PREFIX}{upload.token}/data"


def _receive_into_file(
    upload: ResumableUpload, me: str, read: Read, checksum: Checksum | None, path: Path
) -> None:
    """On a local disk the bytes go straight to their place in one file (no chunk files to put
    together at the end: the file becomes the original under a second name). Bytes written
    past the recorded offset count only once synced and recorded, every PIECE_BYTES; bytes a
    killed writer left past it are overwritten by the next. Before each write the hold is
    renewed if a third of its lease has passed, so a writer that lost it writes nothing more."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    except OSError as exc:
        raise write_failed(data_key(upload), exc) from exc
    committed = position = upload.offset
    renewed = time.monotonic()
    try:
        while True:
            try:
                data = read(min(READ_BYTES, upload.length - position + 1))
            except Exception as exc:  # the client went away, or the coding broke
                if checksum is None and position > committed:  # what arrived counts
                    _sync_and_record(upload, me, fd, position)
                raise exc from None
            if not data:
                break
            if position + len(data) > upload.length:
                raise _beyond(upload)
            if time.monotonic() - renewed > LEASE.total_seconds() / 3:
                _renew(upload, me)
                renewed = time.monotonic()
            if checksum is not None:
                checksum.hasher.update(data)
            _write_at(fd, data, position, data_key(upload))
            position += len(data)
            if checksum is None and position - committed >= PIECE_BYTES:
                _sync_and_record(upload, me, fd, position)
                committed, renewed = position, time.monotonic()
        if checksum is not None and checksum.hasher.digest() != checksum.digest:
            raise _mismatch(checksum)
        if position > committed:
            _sync_and_record(upload, me, fd, position)
    finally:
        os.close(fd)


def _write_at(fd: int, data: bytes, position: int, key: str) -> None:
    try:
        view = memoryview(data)
        while view:
            written = os.pwrite(fd, view, position)
            view, position = view[written:], position + written
    except OSError as exc:
        raise write_failed(key, exc) from exc


def _sync_and_record(upload: ResumableUpload, me: str, fd: int, end: int) -> None:
    try:
        os.fsync(fd)  # on the disk before the offset says so
    except OSError as exc:
        raise write_failed(data_key(upload), exc) from exc
    _advance(upload, me, end, lambda: _record_file(upload, end))


def _record_file(upload: ResumableUpload, end: int) -> None:
    UploadChunk.objects.update_or_create(
        upload=upload, offset=0, defaults={"size": end, "key": data_key(upload)}
    )


def _renew(upload: ResumableUpload, me: str) -> None:
    held = ResumableUpload.objects.filter(pk=upload.pk, writer=me, offset=upload.offset).update(
        writer_until=timezone.now() + LEASE
    )
    if not held:
        raise _lost()


def _mismatch(checksum: Checksum) -> Refusal:
    return Refusal(
        "checksum-mismatch",
        f"The request's bytes do not match its Upload-Checksum ({checksum.algorithm}); "
        "none of them were kept.",
    )


def _size(pieces: list[_Piece]) -> int:
    return sum(piece.size for piece in pieces)


class _CutShort(Exception):
    """The body could not be read to its end: `error` to raise, after keeping `piece`."""

    def __init__(self, error: Exception, piece: _Piece | None) -> None:
        self.error, self.piece = error, piece


def _store_piece(
    upload: ResumableUpload, storage: Storage, offset: int, read: Read, checksum: Checksum | None
) -> tuple[_Piece | None, bool]:
    """Read up to PIECE_BYTES (one more than the upload still needs, to catch excess) into a
    spool file and store it as a chunk: the piece (None when no byte came) and whether the body
    has ended."""
    folder = Path(settings.FILE_UPLOAD_TEMP_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    want = min(PIECE_BYTES, upload.length - offset + 1)
    fd, name = tempfile.mkstemp(dir=folder, prefix="tus-", suffix=".upload")
    path, size, ended, error = Path(name), 0, False, None
    try:
        with os.fdopen(fd, "wb") as spool:
            while size < want:
                try:
                    data = read(min(READ_BYTES, want - size))
                except Exception as exc:  # the client went away, or the coding broke
                    error = exc
                    break
                if not data:
                    ended = True
                    break
                size += len(data)
                if checksum is not None:
                    checksum.hasher.update(data)
                spool.write(data)
        piece = None
        if size:
            key = f"{KEY_PREFIX}{upload.token}/{offset:015d}-{secrets.token_hex(4)}"
            storage.put_file(key, path, spooled=True)
            piece = _Piece(offset, size, key)
        if error is not None:
            raise _CutShort(error, piece)
        return piece, ended
    finally:
        path.unlink(missing_ok=True)


def _commit(upload: ResumableUpload, me: str, pieces: list[_Piece]) -> None:
    """Record stored chunks and advance the offset past them; if this request lost the upload
    meanwhile, remove them and refuse (upload-locked)."""
    end = pieces[-1].offset + pieces[-1].size
    rows = [UploadChunk(upload=upload, offset=p.offset, size=p.size, key=p.key) for p in pieces]
    try:
        _advance(upload, me, end, lambda: UploadChunk.objects.bulk_create(rows))
    except Refusal:
        _remove(get_storage(), pieces)
        raise


def _advance(upload: ResumableUpload, me: str, end: int, record: Callable[[], object]) -> None:
    """Move the offset to `end` and `record` what holds the bytes, in one transaction, if this
    request still holds the upload at the offset it wrote from; else upload-locked."""
    now = timezone.now()
    with transaction.atomic():
        moved = ResumableUpload.objects.filter(
            pk=upload.pk, writer=me, offset=upload.offset
        ).update(
            offset=end,
            writer_until=now + LEASE,
            expires_at=now + timedelta(hours=settings.PHOTOSHELF_UPLOAD_EXPIRY_HOURS),
        )
        if moved:
            record()
    if not moved:
        raise _lost()
    upload.offset = end


def _remove(storage: Storage, pieces: list[_Piece]) -> None:
    for piece in pieces:
        try:
            storage.delete(piece.key)
        except Exception:  # an orphan chunk: `photoshelf check --repair` removes it
            log.warning("resumable: cannot remove %s", piece.key, exc_info=True)


# --- Finishing -----------------------------------------------------------------------------


def finish(upload: ResumableUpload, actor: activity.Actor | None = None) -> None:
    """Store the image from the upload's bytes (call while holding the upload). A refusal is
    recorded with the upload; an outage (503) leaves it to be finished by a later request."""
    storage = get_storage()
    path = storage.local_path(data_key(upload))
    if path is not None:
        with timing.stage("assemble"):
            incoming = _whole_file(upload, path)
        _store(upload, incoming, actor)
    else:
        folder = Path(settings.FILE_UPLOAD_TEMP_DIR)
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=folder, prefix="tus-", suffix=".upload")
        spooled = Path(name)
        try:
            with timing.stage("assemble"), os.fdopen(fd, "wb") as spool:
                sha256 = _assemble(upload, storage, spool)
            incoming = IncomingFile.spooled_upload(spooled, upload.length, sha256, upload.filename)
            _store(upload, incoming, actor)
        finally:
            spooled.unlink(missing_ok=True)
    with timing.stage("chunks"):
        remove_chunks(upload, storage)


def _whole_file(upload: ResumableUpload, path: Path) -> IncomingFile:
    """The upload's one file, cut to its length (a killed writer may have left bytes past the
    recorded offset), with its SHA-256: the incoming file itself, no copy made."""
    hasher = hashlib.sha256()
    try:
        os.truncate(path, upload.length)
    except FileNotFoundError:  # an empty upload wrote nothing
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    with open(path, "rb") as src:
        while data := src.read(ASSEMBLY_READ_BYTES):
            hasher.update(data)
    return IncomingFile.spooled_upload(path, upload.length, hasher.hexdigest(), upload.filename)


def _store(upload: ResumableUpload, incoming: IncomingFile, actor: activity.Actor | None) -> None:
    name = upload.name or None
    try:
        if upload.link is not None:  # a guest's: into the link's album, revealing nothing more
            address = actor.address if actor is not None else None
            image = sharing.store_guest_upload(upload.link, incoming, name, address)
        else:
            actor = actor or activity.Actor(user=upload.owner, via="token")
            image = library.store(incoming, name, uploaded_by=upload.owner, actor=actor)
    except Refusal as refusal:
        upload.state, upload.problem = ResumableUpload.State.REFUSED, refusal.problem()
    else:
        upload.state, upload.image = ResumableUpload.State.STORED, image
    upload.save(update_fields=["state", "problem", "image"])


def _assemble(upload: ResumableUpload, storage: Storage, spool: BinaryIO) -> str:
    """Copy the chunks (objects of a bucket) in order into `spool`; their SHA-256."""
    hasher, expected = hashlib.sha256(), 0
    for chunk in upload.chunks.order_by("offset"):
        if chunk.offset != expected:  # recorded only as the offset advanced: cannot happen
            raise RuntimeError(f"{upload}: a gap at {expected}")
        with storage.open(chunk.key) as src:
            while data := src.read(ASSEMBLY_READ_BYTES):
                spool.write(data)
                hasher.update(data)
        expected += chunk.size
    return hasher.hexdigest()


def remove_chunks(upload: ResumableUpload, storage: Storage | None = None) -> int:
    """Delete the upload's bytes: its chunks (rows go with the objects removed) and, on a local
    disk, its one file; how many chunks."""
    storage = storage or get_storage()
    removed: list[int] = []
    for chunk in list(upload.chunks.all()):
        try:
            storage.delete(chunk.key)
        except Exception:  # the row stays; the next sweep or check tries again
            log.warning("resumable: cannot remove %s", chunk.key, exc_info=True)
            continue
        removed.append(chunk.pk)
    UploadChunk.objects.filter(pk__in=removed).delete()
    path = storage.local_path(data_key(upload))
    if path is not None:
        path.unlink(missing_ok=True)  # written before its first row, or with none at all
        with contextlib.suppress(OSError):
            path.parent.rmdir()
    return len(removed)


def terminate(upload: ResumableUpload) -> None:
    """The client gave up (DELETE): its bytes and its record go."""
    with holding(upload):
        remove_chunks(upload)
        upload.delete()


# --- Expiry --------------------------------------------------------------------------------


def expired(limit: int | None = None) -> list[ResumableUpload]:
    """Unfinished uploads past their expiry (no request writing them), oldest first."""
    now = timezone.now()
    found = (
        ResumableUpload.objects.filter(state=ResumableUpload.State.RECEIVING, expires_at__lte=now)
        .exclude(writer_until__gt=now)
        .order_by("expires_at")
    )
    return list(found if limit is None else found[:limit])


def sweep_expired(limit: int | None = None, storage: Storage | None = None) -> int:
    """Remove the bytes of expired uploads and record them as expired; how many."""
    swept = 0
    for upload in expired(limit):
        try:
            with holding(upload):
                remove_chunks(upload, storage)
                upload.state = ResumableUpload.State.EXPIRED
                upload.save(update_fields=["state"])
        except Refusal:  # a request took it up meanwhile: not expired after all
            continue
        log.info("resumable: %s expired", upload)
        swept += 1
    return swept


def chunk_keys() -> set[str]:
    """The keys of every recorded chunk, and the file of every upload still receiving (its
    bytes land before the row that counts them)."""
    keys = set(UploadChunk.objects.values_list("key", flat=True))
    receiving = ResumableUpload.objects.filter(state=ResumableUpload.State.RECEIVING)
    keys.update(f"{KEY_PREFIX}{token}/data" for token in receiving.values_list("token", flat=True))
    return keys
