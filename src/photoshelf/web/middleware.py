"""Security headers on every response (CSP, nosniff, frame and referrer rules, HSTS),
Server-Timing, and 503 answers when the storage or the database does not answer.

Django's SecurityMiddleware sets some of these headers too, but only on responses that pass
through it and HSTS only on requests it sees as secure; the headers middleware runs first, so
static files and error pages get them as well, and HSTS follows PHOTOSHELF_HTTPS (a proxy may
end TLS before us).
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.shortcuts import render

from photoshelf import timing
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
        headers = response.headers
        headers.setdefault("Content-Security-Policy", content_security_policy())
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", settings.SECURE_REFERRER_POLICY)
        if settings.PHOTOSHELF_HTTPS:
            headers.setdefault(
                "Strict-Transport-Security",
                f"max-age={settings.PHOTOSHELF_HSTS_SECONDS}; includeSubDomains",
            )
        return response


class UnavailableMiddleware:
    """A storage or database outage is a 503 problem (API) or page, never a 500 or a hang."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return unavailable_response(request, exception)


def unavailable_response(request, exception):
    """The 503 for an outage (problem+json under /api/, else the page), or None for others."""
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
    """`Server-Timing: app;dur=<ms>`: the time Django spent on the request, body reading included,
    followed by the stages it went through (an upload's `receive`, `pixels`, `store`, `record`).

    Outermost in MIDDLEWARE so it counts every other middleware; `make bench` reads it to tell
    server time from network time, and browsers show it in their developer tools.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        start = time.perf_counter()
        with timing.recording() as stages:
            response = self.get_response(request)
        elapsed_ms = (time.perf_counter() - start) * 1000
        metrics = [f"app;dur={elapsed_ms:.1f}"]
        metrics += [f"{name};dur={ms:.1f}" for name, ms in stages.items()]
        response.headers["Server-Timing"] = ", ".join(metrics)
        return response
