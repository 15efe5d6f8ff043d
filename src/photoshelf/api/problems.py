"""The one error shape of the API: RFC 9457 problem details, with photoshelf's stable `code`."""

from __future__ import annotations

from django.http import JsonResponse

from photoshelf.ingest.errors import REFUSALS, Refusal

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem_type(code: str) -> str:
    return f"/api/problems/{code}"


def problem_response(refusal: Refusal) -> JsonResponse:
    body = {
        "type": problem_type(refusal.code),
        "title": refusal.title,
        "status": refusal.status,
        "detail": refusal.detail,
        "code": refusal.code,
        **refusal.extra,
    }
    return JsonResponse(body, status=refusal.status, content_type=PROBLEM_CONTENT_TYPE)


def catalogue() -> list[dict]:
    return [
        {"code": code, "status": status, "title": title, "type": problem_type(code)}
        for code, (status, title) in REFUSALS.items()
    ]
