"""Headers the pages need beyond Django's own (a Content-Security-Policy, Server-Timing), and
503 answers when the storage or the database does not answer."""

from __future__ import annotations

import logging
import time

from django.db import InterfaceError, OperationalError
from django.shortcuts import render

from photoshelf.api.problems import problem_response
from photoshelf.ingest.errors import Refusal
from photoshelf.storage import StorageUnavailable, get_storage

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30

# No inline script or style anywhere: every script and stylesheet is a static file of ours.
# Images may also come from the bucket when files are redirected to presigned URLs.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data: blob:{storage}",
        "script-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def content_security_policy() -> str:
    origin = get_storage().download_origin()
    return CONTENT_SECURITY_POLICY.format(storage=f" {origin}" if origin else "")


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", content_security_policy())
        return response


class UnavailableMiddleware:
    """A storage or database outage is a 503 problem (API) or page, never a 500 or a hang."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, StorageUnavailable):
            refusal = Refusal(
                "storage-unavailable",
                "The file storage is not answering; nothing was stored. Please try again.",
            )
        elif isinstance(exception, (OperationalError, InterfaceError)):
            refusal = Refusal(
                "database-unavailable",
                "The database is not answering; nothing was stored. Please try again.",
            )
        else:
            return None
        log.error("%s: %s", refusal.code, exception)
        if request.path.startswith("/api/"):
            response = problem_response(refusal)
        else:
            response = render(
                request, "photoshelf/error.html", {"refusal": refusal}, status=refusal.status
            )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


class ServerTimingMiddleware:
    """`Server-Timing: app;dur=<ms>`: the time Django spent on the request, body reading included.

    Outermost in MIDDLEWARE so it counts every other middleware; `make bench` reads it to tell
    server time from network time, and browsers show it in their developer tools.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        start = time.perf_counter()
        response = self.get_response(request)
        elapsed_ms = (time.perf_counter() - start) * 1000
        response.headers["Server-Timing"] = f"app;dur={elapsed_ms:.1f}"
        return response
