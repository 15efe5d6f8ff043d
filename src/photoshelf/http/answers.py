"""Every answer that is not a page of its own: RFC 9457 problems for the API, the error page for
people, and the one rule that tells them apart (wants_json).

The API lives under /api/ of wherever photoshelf is mounted: path_info, not path, so a script
prefix (a deployment under a sub-path) changes nothing.
"""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from photoshelf.core.refusals import PROBLEM_CONTENT_TYPE, Refusal
from photoshelf.storage import StorageFull, StorageUnavailable

from .body import UnreadableBody

log = logging.getLogger(__name__)

API_PREFIX = "/api/"
RETRY_AFTER_SECONDS = 30
BEARER_CHALLENGE = 'Bearer realm="photoshelf"'


def wants_json(request: HttpRequest) -> bool:
    """A request to the JSON API: answered with problem+json, never a page or a redirect."""
    return request.path_info.startswith(API_PREFIX)


def problem_response(refusal: Refusal) -> JsonResponse:
    return problem_json(refusal.problem())


def problem_json(problem: dict) -> JsonResponse:
    """A problem's details (Refusal.problem(), or one kept since) as the answer."""
    return JsonResponse(problem, status=problem["status"], content_type=PROBLEM_CONTENT_TYPE)


def refusal_response(request: HttpRequest, refusal: Refusal) -> HttpResponse:
    """The refusal as a problem (API) or as the error page (people), with its status."""
    if wants_json(request):
        return problem_response(refusal)
    return render(request, "photoshelf/error.html", {"refusal": refusal}, status=refusal.status)


def unauthenticated(detail: str) -> JsonResponse:
    response = problem_response(Refusal("unauthenticated", detail))
    response["WWW-Authenticate"] = BEARER_CHALLENGE
    return response


def unavailable_response(request: HttpRequest, exception: Exception) -> HttpResponse | None:
    """The 503 for a storage or database outage, or None when the exception is another one."""
    if isinstance(exception, StorageFull):
        refusal = Refusal(
            "storage-full",
            "The server's disk is full; nothing was stored. Please try again later.",
        )
    elif isinstance(exception, StorageUnavailable):
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
    response = refusal_response(request, refusal)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


# Django's handler400/404/500 (see urls.py).


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if isinstance(exception, UnreadableBody):  # says what was wrong with the body
        return refusal_response(request, Refusal("invalid-request", str(exception)))
    return refusal_response(
        request, Refusal("invalid-request", "The request could not be understood.")
    )


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return refusal_response(request, Refusal("not-found", "There is nothing at this address."))


def server_error(request: HttpRequest) -> HttpResponse:
    # Not a Refusal: nothing the client did, and the template machinery may be what failed.
    body = {
        "type": "about:blank",
        "title": "Server error",
        "status": 500,
        "detail": "Something went wrong on the server; nothing was stored. Please try again.",
        "code": "server-error",
    }
    if wants_json(request):
        return JsonResponse(body, status=500, content_type=PROBLEM_CONTENT_TYPE)
    return HttpResponse(body["detail"], status=500, content_type="text/plain; charset=utf-8")
