"""The WSGI application that `photoshelf serve` runs.

One wrapper sits in front of Django: a request body that ends before its announced
Content-Length (a client lying about it, or cut off) is refused with a 400 instead of being
parsed as if it were complete; a chunked body (no length announced) is read up to the upload
limit, and the upload handler measures it while it streams.
"""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http.multipartparser import MultiPartParserError

from photoshelf.core import datadir
from photoshelf.http.uploads import FORM_OVERHEAD_BYTES

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "photoshelf.settings")
_django = get_wsgi_application()
datadir.prepare()  # for servers other than `photoshelf serve`, which has made it already


class BodyEndedEarly(MultiPartParserError):
    """Django answers this family of errors with a 400 (problem+json under /api/)."""


class _ExactLengthInput:
    """wsgi.input that raises BodyEndedEarly when the stream ends short of Content-Length."""

    def __init__(self, stream, length: int) -> None:
        self._stream = stream
        self._remaining = length

    def _count(self, data: bytes, size) -> bytes:
        self._remaining -= len(data)
        if not data and self._remaining > 0 and size != 0:
            raise BodyEndedEarly(
                f"The request body ended {self._remaining} bytes before its Content-Length."
            )
        return data

    def read(self, size=-1):
        return self._count(self._stream.read(size), size)

    def readline(self, size=-1):
        return self._count(self._stream.readline(size), size)

    def __iter__(self):
        return iter(self.readline, b"")


def application(environ, start_response):
    if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        # Django reads no body without a length; this one lets it read up to the limit (the
        # stream's own end stops it sooner), never announcing "too large" before the bytes do.
        environ["CONTENT_LENGTH"] = str(settings.PHOTOSHELF_MAX_UPLOAD_BYTES + FORM_OVERHEAD_BYTES)
        return _django(environ, start_response)
    length = environ.get("CONTENT_LENGTH", "")
    if length.isdigit() and int(length) > 0:
        environ["wsgi.input"] = _ExactLengthInput(environ["wsgi.input"], int(length))
    return _django(environ, start_response)
