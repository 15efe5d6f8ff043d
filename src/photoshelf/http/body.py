"""The request body as the server hands it over (wsgi.input), guarded: a body that ends before
its Content-Length, or whose chunked coding is malformed, is an UnreadableBody, which Django and
the API answer with a 400 wherever the body is read (the form, the upload), never a 500.
"""

from __future__ import annotations

from django.conf import settings
from django.http.multipartparser import MultiPartParserError
from gunicorn.http.errors import ParseException

from .uploads import FORM_OVERHEAD_BYTES


class UnreadableBody(MultiPartParserError):
    """Django answers this family of errors with a 400 (problem+json under /api/)."""


def guard(environ: dict) -> None:
    """Wrap the body of a WSGI request so that reading it fails only with UnreadableBody."""
    if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        # Django reads no body without a length; this one lets it read up to the limit (the
        # stream's own end stops it sooner), never announcing "too large" before the bytes do.
        environ["CONTENT_LENGTH"] = str(settings.PHOTOSHELF_MAX_UPLOAD_BYTES + FORM_OVERHEAD_BYTES)
        environ["wsgi.input"] = GuardedInput(environ["wsgi.input"], None)
        return
    length = environ.get("CONTENT_LENGTH", "")
    if length.isdigit() and int(length) > 0:
        environ["wsgi.input"] = GuardedInput(environ["wsgi.input"], int(length))


class GuardedInput:
    """wsgi.input that raises UnreadableBody when the stream ends short of `length` (None: a
    chunked body, whose coding marks its end) or when the server cannot decode it."""

    def __init__(self, stream, length: int | None) -> None:
        self._stream = stream
        self._remaining = length

    def read(self, size=-1):
        return self._checked(self._stream.read, size)

    def readline(self, size=-1):
        return self._checked(self._stream.readline, size)

    def __iter__(self):
        return iter(self.readline, b"")

    def _checked(self, read, size) -> bytes:
        try:
            data = read(size)
        except ParseException as exc:  # gunicorn: a bad chunk size, extension or terminator
            raise UnreadableBody(f"The request body's chunked coding is malformed: {exc}") from exc
        except OSError as exc:  # the connection closed (or timed out) before the body's end
            raise UnreadableBody("The request body ended before it was complete.") from exc
        if self._remaining is not None:
            self._remaining -= len(data)
            if not data and self._remaining > 0 and size != 0:
                raise UnreadableBody(
                    f"The request body ended {self._remaining} bytes before its Content-Length."
                )
        return data
