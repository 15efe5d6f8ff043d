"""The incoming file: one upload, spooled to a temporary file while it is hashed and size-bounded.

Django calls StreamingUploadHandler chunk by chunk as the request body arrives, so the SHA-256
and the size limit are decided while the bytes stream in, and memory stays bounded whatever the
file's size. A file over the limit stops the parse at once; the refusal waits on the request
(`request.upload_refusal`) for the view to answer with.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from photoshelf import timing

from .errors import Refusal
from .fingerprint import CHUNK_BYTES, sha256_file

log = logging.getLogger(__name__)

# A spool file untouched this long belongs to a server process that was killed mid-upload.
STALE_SPOOL_SECONDS = 24 * 3600

# Room for the multipart boundaries and the small text fields besides the file itself.
FORM_OVERHEAD_BYTES = 64 * 1024
MAX_FILENAME_CHARS = 255


@dataclass(frozen=True)
class IncomingFile:
    """A file to ingest: where its bytes are, how many, their SHA-256 and the name it came with.

    `spooled`: the file is the upload's own temporary copy, which storage may take over (an
    imported file is the owner's and is always copied)."""

    path: Path
    size: int
    sha256: str
    filename: str
    spooled: bool = False

    @classmethod
    def from_upload(cls, upload: TemporaryUploadedFile) -> IncomingFile:
        return cls(
            path=Path(upload.temporary_file_path()),
            size=upload.size,
            sha256=upload.sha256,  # set by StreamingUploadHandler
            filename=clean_filename(upload.name or ""),
            spooled=True,
        )

    def settle(self) -> None:
        """Put a spooled upload's bytes on disk now, so that storing it later (a second name for
        the spool file) waits for no disk write: called while the pixels are worked on."""
        if not self.spooled:
            return
        try:
            fd = os.open(self.path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError:  # storing it will try again, and say so if the disk fails
            log.debug("upload: cannot flush %s early", self.path, exc_info=True)

    @classmethod
    def from_path(cls, path: Path) -> IncomingFile:
        return cls(
            path=path,
            size=path.stat().st_size,
            sha256=sha256_file(path),
            filename=clean_filename(path.name),
        )


def clean_filename(raw: str) -> str:
    """The client's file name without directories or control characters, at most 255 chars."""
    base = raw.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = unicodedata.normalize("NFC", base).strip()
    if base in {"", ".", ".."}:
        return "upload"
    return base[:MAX_FILENAME_CHARS]


def refuse_repeated_fields(fields, names: tuple[str, ...] = ("name", "file")) -> None:
    """A form that sends one of its fields twice is ambiguous: refuse it rather than pick one."""
    for name in names:
        if len(fields.getlist(name)) > 1:
            raise Refusal(
                "invalid-request",
                f"The form has more than one `{name}` field.",
                {"errors": [{"field": name, "message": "repeated"}]},
            )


def too_large(limit_bytes: int) -> Refusal:
    mb = limit_bytes / (1024 * 1024)
    return Refusal(
        "too-large",
        f"The file is larger than the {mb:g} MB limit.",
        {"max_bytes": limit_bytes},
    )


class HashedTemporaryUploadedFile(TemporaryUploadedFile):
    sha256: str = ""


class StreamingUploadHandler(FileUploadHandler):
    """Spools each file to disk, hashing it and refusing it once it passes the size limit."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.started = time.perf_counter()
        self.limit_bytes = settings.PHOTOSHELF_MAX_UPLOAD_BYTES
        # A body that announces more than the limit is refused when its file part starts,
        # after the small fields before it (the CSRF token) were read, not after all of it.
        self.announced_too_large = content_length > self.limit_bytes + FORM_OVERHEAD_BYTES
        return None

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        if self.announced_too_large:
            self._refuse()
        self.file = HashedTemporaryUploadedFile(
            self.file_name, self.content_type, 0, self.charset, self.content_type_extra
        )
        self.hasher = hashlib.sha256()
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit_bytes:
            self._refuse()
        self.hasher.update(raw_data)
        self.file.write(raw_data)
        return None

    def file_complete(self, file_size):
        self.file.seek(0)
        self.file.size = file_size
        self.file.sha256 = self.hasher.hexdigest()
        # Reading the body: multipart parsing, hashing and spooling, as the bytes arrive.
        timing.add("receive", (time.perf_counter() - self.started) * 1000)
        return self.file

    def upload_interrupted(self):
        self._discard()

    def _refuse(self):
        self._discard()
        self.request.upload_refusal = too_large(self.limit_bytes)
        raise StopUpload(connection_reset=True)

    def _discard(self):
        file = self.__dict__.pop("file", None)  # Django closes any `file` left on a handler
        if file is not None:
            with contextlib.suppress(FileNotFoundError):
                file.close()  # a NamedTemporaryFile: closing removes it


def remove_stale_spool_files(folder: Path, older_than_s: float = STALE_SPOOL_SECONDS) -> int:
    """Delete the spool files of uploads whose process died (`photoshelf serve` at start)."""
    cutoff, removed = time.time() - older_than_s, 0
    for path in folder.glob("*.upload*"):  # Django's names: tmpXXXX.upload.jpg
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # finished meanwhile
            continue
    return removed


# Django reads this to size the chunks it hands to receive_data_chunk.
StreamingUploadHandler.chunk_size = CHUNK_BYTES

__all__ = [
    "IncomingFile",
    "StreamingUploadHandler",
    "clean_filename",
    "remove_stale_spool_files",
    "refuse_repeated_fields",
    "too_large",
]
