"""Receiving an upload: the body streamed to a spool file while it is hashed and size-bounded,
and the checks every upload form shares (web page and API alike) before ingest starts.

Django calls StreamingUploadHandler chunk by chunk as the request body arrives, so the SHA-256
and the size limit are decided while the bytes stream in, and memory stays bounded whatever the
file's size. A file over the limit, or a spool write that fails (a full disk), stops the parse
at once; the error waits on the request (`request.upload_error`) for received_file() to raise.
Whether the upload was stored, refused or cut off midway, its spool file is removed as soon as
the answer is made (SpoolFileMiddleware), not when the garbage collector gets to it.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest

from photoshelf.core import timing
from photoshelf.core.refusals import Refusal
from photoshelf.ingest.fingerprint import CHUNK_BYTES
from photoshelf.ingest.incoming import IncomingFile
from photoshelf.storage import write_failed

# Room for the multipart boundaries and the small text fields besides the file itself.
FORM_OVERHEAD_BYTES = 64 * 1024


def received_file(request: HttpRequest, upload, *, missing: str) -> IncomingFile:
    """The upload of a form with one `file` (and one `name`), or the refusal to answer with:
    too large, a field sent twice, or no file (`missing` says where it was expected); or the
    StorageUnavailable (a 503) of a spool file the disk could not take."""
    error = getattr(request, "upload_error", None)
    if error is not None:
        raise error
    refuse_repeated_fields(request.POST)
    refuse_repeated_fields(request.FILES)
    if upload is None:
        raise Refusal("file-missing", missing)
    return IncomingFile.spooled_upload(
        Path(upload.temporary_file_path()),
        upload.size,
        upload.sha256,  # set by StreamingUploadHandler
        upload.name or "",
    )


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
            self._stop(too_large(self.limit_bytes))
        self.request.spooling_handler = self  # see SpoolFileMiddleware
        with self._spooling():
            self.file = HashedTemporaryUploadedFile(
                self.file_name, self.content_type, 0, self.charset, self.content_type_extra
            )
        self.hasher = hashlib.sha256()
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit_bytes:
            self._stop(too_large(self.limit_bytes))
        self.hasher.update(raw_data)
        with self._spooling():
            self.file.write(raw_data)
        return None

    def file_complete(self, file_size):
        with self._spooling():
            self.file.seek(0)  # writes out what is buffered: the disk may refuse it here
        self.file.size = file_size
        self.file.sha256 = self.hasher.hexdigest()
        # Reading the body: multipart parsing, hashing and spooling, as the bytes arrive.
        timing.add("receive", (time.perf_counter() - self.started) * 1000)
        return self.file

    def upload_interrupted(self):
        self.discard()

    def discard(self) -> None:
        """Close the spool file, which removes it (a stored original is a copy or a second name)."""
        file = self.__dict__.pop("file", None)  # Django closes any `file` left on a handler
        if file is not None:
            # A NamedTemporaryFile: closing removes it, even when writing out its buffer fails.
            with contextlib.suppress(OSError):
                file.close()

    @contextlib.contextmanager
    def _spooling(self):
        """A spool file the disk cannot take is the server's problem: a 503, never a 500."""
        try:
            yield
        except OSError as exc:
            self._stop(write_failed("the upload's spool file", exc))

    def _stop(self, error: Exception):
        self.discard()
        assert self.request is not None  # Django gives every upload handler its request
        self.request.upload_error = error  # type: ignore[attr-defined]  # received_file() raises it
        raise StopUpload(connection_reset=True)


class SpoolFileMiddleware:
    """Removes the request's spool file once the answer is made, whatever became of the upload.

    Django closes the spool files of a form it parsed when the response is closed, after it was
    sent, but not the one a parse error left open on its handler (a body cut off or malformed
    midway); as the handler and the request refer to each other, only a garbage collection would.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        finally:
            handler = getattr(request, "spooling_handler", None)
            if handler is not None:
                handler.discard()


# Django reads this to size the chunks it hands to receive_data_chunk.
StreamingUploadHandler.chunk_size = CHUNK_BYTES
