"""Refusal(code, detail): the closed set of reasons a request or an upload is turned away.

Codes are stable, machine-readable identifiers; the sentence a person reads is made where the
refusal is raised, from the code and its facts, and shown alike by the web page and the API,
which names each code by its problem type (RFC 9457) and lists them all at /api/problems.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# code -> (HTTP status, short title)
REFUSALS: dict[str, tuple[int, str]] = {
    "not-an-image": (415, "Not an image"),
    "duplicate": (409, "Already uploaded"),
    "near-duplicate": (409, "Already uploaded, in another version"),
    "duplicate-in-trash": (409, "Already uploaded, now in the trash"),
    "near-duplicate-in-trash": (409, "Already uploaded in another version, now in the trash"),
    "taken-at-missing": (422, "No date taken"),
    "taken-at-too-old": (422, "Taken too long ago"),
    "too-large": (413, "File too large"),
    "too-many-pixels": (413, "Too many pixels"),
    "invalid-name": (422, "Invalid name"),
    "file-missing": (400, "No file"),
    "invalid-request": (400, "Invalid request"),
    "not-found": (404, "Not found"),
    "original-withheld": (403, "Original withheld"),
    # Not the upload's fault: the server's storage or database did not answer; retry later.
    "storage-unavailable": (503, "Storage unavailable"),
    "storage-full": (503, "Storage full"),
    "database-unavailable": (503, "Database unavailable"),
    "unauthenticated": (401, "Sign-in needed"),
    "forbidden": (403, "Not allowed"),
    "invalid-user": (422, "User not accepted"),
    # The resumable upload protocol (tus 1.0, /api/uploads): the statuses it prescribes.
    "tus-version-unsupported": (412, "Unsupported tus version"),
    "upload-offset-mismatch": (409, "Wrong Upload-Offset"),
    "upload-locked": (423, "Upload busy"),
    "upload-expired": (410, "Upload expired"),
    "beyond-upload-length": (413, "More bytes than Upload-Length"),
    "unsupported-media-type": (415, "Wrong Content-Type"),
    "checksum-mismatch": (460, "Checksum mismatch"),
    "unknown-images": (422, "Unknown photos"),
    # Share links (/s/<token>, /api/shared/<token>): a revoked or unknown one is not-found.
    "share-password-required": (401, "Password needed"),
    "share-password-wrong": (401, "Wrong password"),
    "share-locked": (429, "Too many wrong passwords"),
    "share-expired": (410, "Link expired"),
}


@dataclass
class Refusal(Exception):
    """An upload (or request) refused for a reason the person can fix or understand."""

    code: str
    detail: str
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.code not in REFUSALS:
            raise ValueError(f"unknown refusal code {self.code!r}")
        super().__init__(self.detail)

    @property
    def status(self) -> int:
        return REFUSALS[self.code][0]

    @property
    def title(self) -> str:
        return REFUSALS[self.code][1]

    def problem(self) -> dict[str, Any]:
        """The RFC 9457 problem details of this refusal, as the API answers them."""
        return {
            "type": problem_type(self.code),
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
            **self.extra,
        }


PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem_type(code: str) -> str:
    return f"/api/problems/{code}"


def catalogue() -> list[dict[str, Any]]:
    """Every refusal code with its status, title and problem type."""
    return [
        {"code": code, "status": status, "title": title, "type": problem_type(code)}
        for code, (status, title) in REFUSALS.items()
    ]
