"""Resumable uploads (tus 1.0): bytes that arrive in any number of requests, at any server.

A request's bytes are stored as chunks (objects of the storage, at most PIECE_BYTES each), and
the upload's offset advances only in the transaction that records a stored chunk: the offset
the protocol reports is always durably stored, whatever is killed when. With a checksum the
request's chunks are recorded together once it matches, or removed. One request writes at a
time: it holds the upload (`writer`, a lease renewed as it writes); another is refused
(upload-locked) unless the holder is proven dead or its lease ran out, and a holder that lost
the upload records nothing. Once every byte is in, the chunks are put together into one spool
file and library.store() runs on it, with the rules and refusals of any upload.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import secrets
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from photoshelf.core.refusals import Refusal
from photoshelf.ingest import policy
from photoshelf.ingest.incoming import IncomingFile, clean_filename
from photoshelf.storage import Storage, get_storage

from . import in_flight, library
from .models import ResumableUpload, UploadChunk

log = logging.getLogger(__name__)

# A request's body is stored in chunks of at most this: what a cut connection can lose, and
# the spool one request holds on disk before the storage takes it (memory holds READ_BYTES).
PIECE_BYTES = 8 * 1024 * 1024
READ_BYTES = 256 * 1024
# A writer renews its hold on the upload at least this often while bytes arrive; one that
# stops renewing (a stalled client on a machine that cannot be checked) may be replaced.
LEASE = timedelta(seconds=60)
KEY_PREFIX = "uploads/"
SWEEP_BATCH = 20  # expired uploads removed per new upload: the sweep stays in the background

Read = Callable[[int], bytes]


def too_large(limit_bytes: int) -> Refusal:
    mb = limit_bytes / (1024 * 1024)
    return Refusal(
        "too-large", f"The file is larger than the {mb:g} MB limit.", {"max_bytes": limit_bytes}
    )


def create(owner, length: int, *, filename: str = "", name: str = "") -> ResumableUpload:
    """A new upload of `length` bytes, refused before any byte when too large or badly named."""
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
        length=length,
        filename=filename,
        name=name,
        expires_at=_new_expiry(),
    )


def _new_expiry():
    return timezone.now() + timedelta(hours=settings.PHOTOSHELF_UPLOAD_EXPIRY_HOURS)


def find(token: str, owner) -> ResumableUpload:
    """The owner's upload (someone else's is not found: its id reveals nothing)."""
    upload = ResumableUpload.objects.filter(token=token, owner_id=owner.pk).first()
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
) -> ResumableUpload:
    """Store the bytes `read` yields at `offset`, and once all are in, the image.

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
            finish(upload)
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
            raise Refusal(
                "checksum-mismatch",
                f"The request's bytes do not match its Upload-Checksum ({checksum.algorithm}); "
                "none of them were kept.",
            )
        if pending:
            _commit(upload, me, pending)


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
    """Record stored chunks and advance the offset past them, if this request still holds the
    upload at the offset it started from; else remove them and refuse (upload-locked)."""
    end = pieces[-1].offset + pieces[-1].size
    now = timezone.now()
    with transaction.atomic():
        moved = ResumableUpload.objects.filter(
            pk=upload.pk, writer=me, offset=pieces[0].offset
        ).update(
            offset=end,
            writer_until=now + LEASE,
            expires_at=now + timedelta(hours=settings.PHOTOSHELF_UPLOAD_EXPIRY_HOURS),
        )
        if moved:
            UploadChunk.objects.bulk_create(
                [
                    UploadChunk(upload=upload, offset=p.offset, size=p.size, key=p.key)
                    for p in pieces
                ]
            )
    if not moved:
        _remove(get_storage(), pieces)
        raise _lost()
    upload.offset = end


def _remove(storage: Storage, pieces: list[_Piece]) -> None:
    for piece in pieces:
        try:
            storage.delete(piece.key)
        except Exception:  # an orphan chunk: `photoshelf check --repair` removes it
            log.warning("resumable: cannot remove %s", piece.key, exc_info=True)


# --- Finishing -----------------------------------------------------------------------------


def finish(upload: ResumableUpload) -> None:
    """Put the chunks together and store the image (call while holding the upload). A refusal
    is recorded with the upload; an outage (503) leaves it to be finished by a later request."""
    storage = get_storage()
    folder = Path(settings.FILE_UPLOAD_TEMP_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=folder, prefix="tus-", suffix=".upload")
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as spool:
            sha256 = _assemble(upload, storage, spool)
        incoming = IncomingFile.spooled_upload(path, upload.length, sha256, upload.filename)
        try:
            image = library.store(incoming, upload.name or None, uploaded_by=upload.owner)
        except Refusal as refusal:
            upload.state, upload.problem = ResumableUpload.State.REFUSED, refusal.problem()
        else:
            upload.state, upload.image = ResumableUpload.State.STORED, image
    finally:
        path.unlink(missing_ok=True)
    upload.save(update_fields=["state", "problem", "image"])
    remove_chunks(upload, storage)


def _assemble(upload: ResumableUpload, storage: Storage, spool: BinaryIO) -> str:
    """Copy the chunks in order into `spool`; their SHA-256."""
    hasher, expected = hashlib.sha256(), 0
    for chunk in upload.chunks.order_by("offset"):
        if chunk.offset != expected:  # recorded only as the offset advanced: cannot happen
            raise RuntimeError(f"{upload}: a gap at {expected}")
        with storage.open(chunk.key) as src:
            while data := src.read(1024 * 1024):
                hasher.update(data)
                spool.write(data)
        expected += chunk.size
    return hasher.hexdigest()


def remove_chunks(upload: ResumableUpload, storage: Storage | None = None) -> int:
    """Delete the upload's chunks (rows go with the objects removed); how many."""
    storage = storage or get_storage()
    removed = 0
    for chunk in list(upload.chunks.all()):
        try:
            storage.delete(chunk.key)
        except Exception:  # the row stays; the next sweep or check tries again
            log.warning("resumable: cannot remove %s", chunk.key, exc_info=True)
            continue
        chunk.delete()
        removed += 1
    return removed


def terminate(upload: ResumableUpload) -> None:
    """The client gave up (DELETE): its bytes and its record go."""
    with holding(upload):
        remove_chunks(upload)
        upload.delete()


# --- Expiry --------------------------------------------------------------------------------


def expired() -> list[ResumableUpload]:
    """Unfinished uploads past their expiry (no request writing them)."""
    now = timezone.now()
    return list(
        ResumableUpload.objects.filter(state=ResumableUpload.State.RECEIVING, expires_at__lte=now)
        .exclude(writer_until__gt=now)
        .order_by("expires_at")
    )


def sweep_expired(limit: int | None = None, storage: Storage | None = None) -> int:
    """Remove the bytes of expired uploads and record them as expired; how many."""
    swept = 0
    for upload in expired()[:limit]:
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
    """The keys of every recorded chunk (of uploads receiving or expired not yet swept)."""
    return set(UploadChunk.objects.values_list("key", flat=True))
