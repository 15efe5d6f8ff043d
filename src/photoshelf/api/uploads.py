"""/api/uploads: resumable uploads, tus 1.0.0 (core, creation, creation-with-upload,
termination, expiration, checksum), and GET of an upload's outcome as JSON.

Plain Django views rather than ninja operations: tus is defined by headers on HEAD, PATCH and
OPTIONS, a body of application/offset+octet-stream read as it streams, and statuses (412, 423,
460) the protocol fixes; uploads_openapi.py declares them for the OpenAPI document. This
module only parses headers and answers; gallery/resumable.py decides.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from email.utils import format_datetime

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from ninja.errors import HttpError

from photoshelf.accounts import actors, shares
from photoshelf.core.refusals import Refusal
from photoshelf.gallery import resumable
from photoshelf.gallery.activity import Actor
from photoshelf.gallery.models import ResumableUpload, ShareLink
from photoshelf.http.answers import problem_json, problem_response, unauthenticated

from . import shared
from .auth import SIGNED_IN
from .schemas import ImageOut

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,creation-with-upload,termination,expiration,checksum"
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
IMAGE_ID_HEADER = "Photoshelf-Image-Id"
REASONS = {460: "Checksum Mismatch"}
_DIGITS = re.compile(r"^[0-9]{1,19}$")
_METADATA_KEY = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # a token, without spaces or commas


@dataclass(frozen=True)
class _Caller:
    """Who sends an upload: an account (`owner`), or a guest through an upload `link`."""

    owner: object = None
    link: ShareLink | None = None
    share_token: str = ""

    def find(self, token: str) -> ResumableUpload:
        return resumable.find(token, self.owner, link=self.link)

    def location(self, upload: ResumableUpload) -> str:
        if self.link is not None:
            return reverse("shared-upload", args=[self.share_token, upload.token])
        return reverse("upload", args=[upload.token])

    def actor(self, request: HttpRequest, upload: ResumableUpload):
        if self.link is not None:
            address = request.META.get("REMOTE_ADDR") or None
            return Actor(via="guest link", address=address)
        return actors.of_request(request, upload.owner)


@csrf_exempt  # a session's CSRF token is checked by SessionWithCsrf, as for the API
def collection(request: HttpRequest) -> HttpResponse:
    """OPTIONS: what the server speaks; POST: a new upload (with its first bytes, maybe)."""
    return _answer(request, lambda method: _collection(request, method, _user))


@csrf_exempt
def resource(request: HttpRequest, token: str) -> HttpResponse:
    """HEAD: the offset; PATCH: more bytes; DELETE: give up; GET: the outcome as JSON."""
    return _answer(request, lambda method: _resource(request, method, token, _user))


@csrf_exempt  # no account, no session: the link's token (and password) is the credential
def guest_collection(request: HttpRequest, share_token: str) -> HttpResponse:
    """The same, for a guest on a share link that takes uploads."""
    return _answer(request, lambda method: _collection(request, method, _guest(share_token)))


@csrf_exempt
def guest_resource(request: HttpRequest, share_token: str, token: str) -> HttpResponse:
    return _answer(request, lambda method: _resource(request, method, token, _guest(share_token)))


def _collection(request: HttpRequest, method: str, caller) -> HttpResponse | None:
    return _create(request, caller(request)) if method == "POST" else None


def _resource(request: HttpRequest, method: str, token: str, caller) -> HttpResponse | None:
    handlers = {
        "HEAD": _head,
        "GET": _state,
        "PATCH": _patch,
        "DELETE": _delete,
    }
    handler = handlers.get(method)
    return None if handler is None else handler(request, token, caller(request))


def _guest(share_token: str):
    """The caller of a guest URL: the link, if this request may open it and it takes uploads."""

    def caller(request: HttpRequest) -> _Caller:
        link = shares.open_link(request, share_token)
        if link.album_id is None or not link.allow_upload:
            raise Refusal("forbidden", "This link does not take uploads.")
        return _Caller(link=link, share_token=share_token)

    return caller


def _answer(request: HttpRequest, handle) -> HttpResponse:
    method = _method(request)
    if method == "OPTIONS":
        response = HttpResponse(status=204)
        response["Tus-Version"] = TUS_VERSION
        response["Tus-Extension"] = EXTENSIONS
        response["Tus-Max-Size"] = str(settings.PHOTOSHELF_MAX_UPLOAD_BYTES)
        response["Tus-Checksum-Algorithm"] = ",".join(resumable.Checksum.ALGORITHMS)
        return _tus(response)
    try:
        if method != "GET" and request.headers.get("Tus-Resumable") != TUS_VERSION:
            raise Refusal(
                "tus-version-unsupported",
                f"Send `Tus-Resumable: {TUS_VERSION}`: the only version this server speaks.",
            )
        response = handle(method)
        if response is None:
            raise Refusal("invalid-request", f"{method} is not a method of this address.")
    except Refusal as refusal:
        response = problem_response(refusal)
        if refusal.code == "unauthenticated":
            response = unauthenticated(refusal.detail)
        if refusal.code == "tus-version-unsupported":
            response["Tus-Version"] = TUS_VERSION
        if "offset" in refusal.extra:
            response["Upload-Offset"] = str(refusal.extra["offset"])
    response.reason_phrase = REASONS.get(response.status_code, response.reason_phrase)
    return _tus(response)


def _method(request: HttpRequest) -> str:
    """The method, or the one X-HTTP-Method-Override names on a POST (clients behind proxies
    that pass only GET and POST)."""
    override = request.headers.get("X-HTTP-Method-Override", "").upper()
    if request.method == "POST" and override in ("PATCH", "DELETE", "HEAD"):
        return override
    return request.method or "GET"


def _tus(response: HttpResponse) -> HttpResponse:
    response["Tus-Resumable"] = TUS_VERSION
    response["Cache-Control"] = "no-store"
    return response


def _user(request: HttpRequest) -> _Caller:
    """The caller, as for the API: a Bearer token, or the session with its CSRF token."""
    for auth in SIGNED_IN:
        try:
            user = auth(request)
        except HttpError as exc:  # a session call without its CSRF token
            raise Refusal("forbidden", str(exc)) from None
        if user:
            return _Caller(owner=user)
    raise Refusal("unauthenticated", "Sign in, or send `Authorization: Bearer <token>`.")


def _create(request: HttpRequest, caller: _Caller) -> HttpResponse:
    length = _number(request, "Upload-Length")
    if length is None:
        raise _invalid("Upload-Length", "required (this server does not defer the length)")
    metadata = _metadata(request.headers.get("Upload-Metadata", ""))
    with_upload = _has_body(request)
    if with_upload:
        _refuse_content_type(request)
    upload = resumable.create(
        caller.owner,
        length,
        filename=metadata.get("filename", ""),
        name=metadata.get("name", ""),
        link=caller.link,
    )
    if with_upload:  # creation-with-upload
        upload = _receive(request, upload, 0, caller)
    response = _outcome(upload, created=True)
    response["Location"] = caller.location(upload)
    return response


def _head(request: HttpRequest, token: str, caller: _Caller) -> HttpResponse:
    upload = caller.find(token)
    resumable.refuse_if_expired(upload)
    response = HttpResponse(status=200)
    response["Upload-Offset"] = str(upload.offset)
    response["Upload-Length"] = str(upload.length)
    return _with_expiry(response, upload)


def _patch(request: HttpRequest, token: str, caller: _Caller) -> HttpResponse:
    upload = caller.find(token)
    _refuse_content_type(request)
    offset = _number(request, "Upload-Offset")
    if offset is None:
        raise _invalid("Upload-Offset", "required")
    upload = _receive(request, upload, offset, caller)
    return _outcome(upload, created=False)


def _refuse_content_type(request: HttpRequest) -> None:
    content_type = request.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type != OFFSET_CONTENT_TYPE:
        raise Refusal(
            "unsupported-media-type", f"An upload's bytes must be sent as `{OFFSET_CONTENT_TYPE}`."
        )


def _receive(
    request: HttpRequest, upload: ResumableUpload, offset: int, caller: _Caller
) -> ResumableUpload:
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    announced = None if chunked else int(request.META.get("CONTENT_LENGTH") or 0)
    return resumable.receive(
        upload,
        offset,
        request.read,
        announced=announced,
        checksum=_checksum(request.headers.get("Upload-Checksum")),
        actor=caller.actor(request, upload),
    )


def _outcome(upload: ResumableUpload, *, created: bool) -> HttpResponse:
    """204 (201 when created) with the offset; the image's id once stored, or its refusal."""
    if upload.state == ResumableUpload.State.REFUSED and upload.problem:
        response: HttpResponse = problem_json(upload.problem)
    else:
        response = HttpResponse(status=201 if created else 204)
        if upload.state == ResumableUpload.State.STORED and upload.image_id:
            response[IMAGE_ID_HEADER] = str(upload.image_id)
    response["Upload-Offset"] = str(upload.offset)
    return _with_expiry(response, upload)


def _with_expiry(response: HttpResponse, upload: ResumableUpload) -> HttpResponse:
    if upload.state == ResumableUpload.State.RECEIVING:
        response["Upload-Expires"] = format_datetime(upload.expires_at, usegmt=True)
    return response


def _delete(request: HttpRequest, token: str, caller: _Caller) -> HttpResponse:
    resumable.terminate(caller.find(token))
    return HttpResponse(status=204)


def _state(request: HttpRequest, token: str, caller: _Caller) -> HttpResponse:
    upload = caller.find(token)
    image = upload.image if upload.state == ResumableUpload.State.STORED else None
    shown = None
    if image is not None and caller.link is not None:  # the guest's own photo, the link's URLs
        shown = shared.shared_image(caller.link, caller.share_token, image)
    elif image is not None:
        shown = ImageOut.from_orm(image).model_dump(mode="json")
    return JsonResponse(
        {
            "offset": upload.offset,
            "length": upload.length,
            "state": upload.state,
            "image": shown,
            "problem": upload.problem if upload.state == ResumableUpload.State.REFUSED else None,
        }
    )


# --- Headers -------------------------------------------------------------------------------


def _invalid(header: str, message: str) -> Refusal:
    return Refusal(
        "invalid-request",
        f"{header}: {message}.",
        {"errors": [{"field": header, "message": message}]},
    )


def _number(request: HttpRequest, header: str) -> int | None:
    value = request.headers.get(header)
    if value is None:
        return None
    if not _DIGITS.match(value.strip()):
        raise _invalid(header, "not a non-negative whole number")
    return int(value.strip())


def _has_body(request: HttpRequest) -> bool:
    if "chunked" in request.headers.get("Transfer-Encoding", "").lower():
        return True
    return int(request.META.get("CONTENT_LENGTH") or 0) > 0


def _metadata(header: str) -> dict[str, str]:
    """Upload-Metadata: comma-separated `key base64value` (or a key alone) pairs."""
    pairs: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in header.split(","))):
        key, _, value = item.partition(" ")
        if not _METADATA_KEY.match(key) or key in pairs or " " in value.strip():
            raise _invalid("Upload-Metadata", f"malformed pair {item[:40]!r}")
        try:
            pairs[key] = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise _invalid("Upload-Metadata", f"{key}: not Base64 of UTF-8 text") from None
    return pairs


def _checksum(header: str | None) -> resumable.Checksum | None:
    if header is None:
        return None
    algorithm, _, encoded = header.strip().partition(" ")
    if algorithm not in resumable.Checksum.ALGORITHMS:
        raise _invalid("Upload-Checksum", f"unsupported algorithm {algorithm[:20]!r}")
    try:
        digest = base64.b64decode(encoded.strip(), validate=True)
    except binascii.Error:
        raise _invalid("Upload-Checksum", "the digest is not Base64") from None
    return resumable.Checksum(algorithm, digest)
