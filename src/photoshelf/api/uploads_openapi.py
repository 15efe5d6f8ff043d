"""The tus endpoints (api/uploads.py) as OpenAPI path items, for /api/openapi.json.

They stay plain Django views (headers on HEAD, PATCH and OPTIONS, a raw body read as it
streams), so ninja cannot describe them from their signatures: this module declares what they
take and answer, from the same constants and status sets the views and the ninja operations
use, and urls.PhotoshelfAPI merges it into the document ninja makes.
"""

from __future__ import annotations

from typing import Any

from photoshelf.accounts.shares import PASSWORD_HEADER
from photoshelf.gallery.models import ResumableUpload

from . import uploads
from .images import UPLOAD_REFUSALS
from .schemas import ANY_ERRORS, SIGN_IN_ERRORS
from .shared import LINK_ERRORS

SIGNED_IN_SECURITY: list[dict[str, list[str]]] = [{"BearerToken": []}, {"SessionWithCsrf": []}]
_PROBLEM = {"$ref": "#/components/schemas/Problem"}
# What every tus request but OPTIONS and GET may be refused with besides: no Tus-Resumable.
_TUS_ERRORS = (412,)
# What writing bytes may be refused with: wrong offset, busy, bytes past the length (413),
# wrong Content-Type, expired, checksum mismatch; and, from the PATCH that completes the file,
# whatever POST /api/images refuses.
_WRITE_ERRORS = (404, 409, 410, 413, 415, 423, 460, *UPLOAD_REFUSALS)
_DIGITS = {"type": "integer", "minimum": 0}


def _header(name: str, schema: dict, description: str, *, required: bool = False) -> dict:
    return {
        "in": "header",
        "name": name,
        "required": required,
        "schema": schema,
        "description": description,
    }


_TUS_RESUMABLE = _header(
    "Tus-Resumable",
    {"type": "string", "enum": [uploads.TUS_VERSION]},
    "The protocol version; another, or none, is `412 tus-version-unsupported`.",
    required=True,
)
_UPLOAD_ID = {
    "in": "path",
    "name": "upload_id",
    "required": True,
    "schema": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
    "description": "The last part of the `Location` the creation answered.",
}
_SHARE_TOKEN = {
    "in": "path",
    "name": "token",
    "required": True,
    "schema": {"type": "string"},
    "description": "The share link's token.",
}
_SHARE_PASSWORD = _header(
    PASSWORD_HEADER, {"type": "string"}, "The link's password, for a link that has one."
)


def _answer_header(schema: dict, description: str) -> dict:
    return {"schema": schema, "description": description}


_OFFSET_OUT = _answer_header(_DIGITS, "The bytes durably stored: send the rest from there.")
_EXPIRES_OUT = _answer_header(
    {"type": "string"}, "When an unfinished upload expires (an HTTP date)."
)
_TUS_OUT = _answer_header({"type": "string", "enum": [uploads.TUS_VERSION]}, "The version.")
_IMAGE_ID_OUT = _answer_header(
    {"type": "integer"}, "The stored image's id, once the last byte is in and it is stored."
)
_BYTES_BODY = {
    "content": {uploads.OFFSET_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}}
}


def _problems(*statuses: int) -> dict[int, dict]:
    return {
        status: {
            "description": "A refusal (problem+json with its `code`).",
            "content": {"application/problem+json": {"schema": _PROBLEM}},
            "headers": {"Tus-Resumable": _TUS_OUT, "Upload-Offset": _OFFSET_OUT},
        }
        for status in sorted(set(statuses))
    }


def _state_schema(image_schema: str) -> dict:
    return {
        "type": "object",
        "title": "UploadState",
        "required": ["offset", "length", "state", "image", "problem"],
        "properties": {
            "offset": _DIGITS,
            "length": _DIGITS,
            "state": {"type": "string", "enum": [str(s) for s in ResumableUpload.State.values]},
            "image": {
                "anyOf": [{"$ref": f"#/components/schemas/{image_schema}"}, {"type": "null"}]
            },
            "problem": {"anyOf": [_PROBLEM, {"type": "null"}]},
        },
    }


def _options(tag: str) -> dict:
    headers = {
        "Tus-Resumable": _TUS_OUT,
        "Tus-Version": _answer_header({"type": "string"}, "The versions spoken."),
        "Tus-Extension": _answer_header({"type": "string"}, uploads.EXTENSIONS),
        "Tus-Max-Size": _answer_header(_DIGITS, "The largest Upload-Length, in bytes."),
        "Tus-Checksum-Algorithm": _answer_header(
            {"type": "string"}, "The algorithms Upload-Checksum may name."
        ),
    }
    return {
        "operationId": f"photoshelf_api_{tag}_options",
        "summary": "What the server speaks of tus (no sign-in)",
        "tags": [tag],
        "security": [],
        "responses": {204: {"description": "The protocol's capabilities", "headers": headers}},
    }


def _create(tag: str, extra: tuple[int, ...], parameters: list[dict], security: list) -> dict:
    return {
        "operationId": f"photoshelf_api_{tag}_create",
        "summary": "Start a resumable upload (tus creation, creation-with-upload)",
        "description": (
            "`Upload-Length` is required (no deferred length); `Upload-Metadata` may carry "
            "`filename` and `name`, Base64-encoded. A body of "
            f"`{uploads.OFFSET_CONTENT_TYPE}` is the first bytes. `X-HTTP-Method-Override` "
            "on a POST to the upload's address is honoured as PATCH, DELETE or HEAD."
        ),
        "tags": [tag],
        "security": security,
        "parameters": [
            _TUS_RESUMABLE,
            _header("Upload-Length", _DIGITS, "The file's size in bytes.", required=True),
            _header(
                "Upload-Metadata",
                {"type": "string"},
                "Comma-separated `key base64(value)` pairs: `filename`, `name`.",
            ),
            *parameters,
        ],
        "requestBody": {"required": False, **_BYTES_BODY},
        "responses": {
            201: {
                "description": "Created: send the bytes to `Location`",
                "headers": {
                    "Location": _answer_header({"type": "string"}, "The upload's address."),
                    "Upload-Offset": _OFFSET_OUT,
                    "Upload-Expires": _EXPIRES_OUT,
                    "Tus-Resumable": _TUS_OUT,
                    uploads.IMAGE_ID_HEADER: _IMAGE_ID_OUT,
                },
            },
            **_problems(*ANY_ERRORS, *_TUS_ERRORS, *extra, *_WRITE_ERRORS),
        },
    }


def _resource(tag: str, extra: tuple[int, ...], parameters: list[dict], security: list, state):
    def operation(method: str, summary: str, **fields: Any) -> dict:
        return {
            "operationId": f"photoshelf_api_{tag}_{method}",
            "summary": summary,
            "tags": [tag],
            "security": security,
            **fields,
        }

    tus = [_TUS_RESUMABLE, *parameters]
    return {
        "head": operation(
            "offset",
            "The bytes durably stored (never more)",
            parameters=tus,
            responses={
                200: {
                    "description": "The offset and length",
                    "headers": {
                        "Upload-Offset": _OFFSET_OUT,
                        "Upload-Length": _answer_header(_DIGITS, "The file's size in bytes."),
                        "Upload-Expires": _EXPIRES_OUT,
                        "Tus-Resumable": _TUS_OUT,
                    },
                },
                **_problems(*ANY_ERRORS, *_TUS_ERRORS, *extra, 404, 410),
            },
        ),
        "patch": operation(
            "append",
            "Append bytes at Upload-Offset; the PATCH that completes the file stores the image",
            parameters=[
                *tus,
                _header("Upload-Offset", _DIGITS, "Where these bytes go.", required=True),
                _header(
                    "Upload-Checksum",
                    {"type": "string"},
                    "`sha1 <base64>` or `sha256 <base64>` of this request's bytes: they count "
                    "only if it matches (else `460 checksum-mismatch`).",
                ),
            ],
            requestBody={"required": True, **_BYTES_BODY},
            responses={
                204: {
                    "description": "Stored; the upload's offset after them",
                    "headers": {
                        "Upload-Offset": _OFFSET_OUT,
                        "Upload-Expires": _EXPIRES_OUT,
                        "Tus-Resumable": _TUS_OUT,
                        uploads.IMAGE_ID_HEADER: _IMAGE_ID_OUT,
                    },
                },
                **_problems(*ANY_ERRORS, *_TUS_ERRORS, *extra, *_WRITE_ERRORS),
            },
        ),
        "delete": operation(
            "terminate",
            "Give the upload up: it and its bytes are removed (tus termination)",
            parameters=tus,
            responses={
                204: {"description": "Removed", "headers": {"Tus-Resumable": _TUS_OUT}},
                **_problems(*ANY_ERRORS, *_TUS_ERRORS, *extra, 404, 423),
            },
        ),
        "get": operation(
            "state",
            "What became of the upload (no Tus-Resumable needed)",
            parameters=list(parameters),
            responses={
                200: {
                    "description": "The upload's state; its image once stored",
                    "content": {"application/json": {"schema": state}},
                },
                **_problems(*ANY_ERRORS, *extra, 404),
            },
        ),
    }


def paths() -> dict[str, dict]:
    """The path items of /api/uploads and /api/shared/{token}/uploads, keyed as ninja keys
    its own (the API is mounted at /api/)."""
    mine = (*SIGN_IN_ERRORS,)
    guest = (*LINK_ERRORS, 403)
    password = [_SHARE_PASSWORD]
    return {
        "/api/uploads": {
            "options": _options("uploads"),
            "post": _create("uploads", mine, [], SIGNED_IN_SECURITY),
        },
        "/api/uploads/{upload_id}": {
            "parameters": [_UPLOAD_ID],
            **_resource("uploads", mine, [], SIGNED_IN_SECURITY, _state_schema("ImageOut")),
        },
        "/api/shared/{token}/uploads": {
            "parameters": [_SHARE_TOKEN],
            "options": _options("shared_uploads"),
            "post": _create("shared_uploads", guest, password, []),
        },
        "/api/shared/{token}/uploads/{upload_id}": {
            "parameters": [_SHARE_TOKEN, _UPLOAD_ID],
            **_resource("shared_uploads", guest, password, [], _state_schema("SharedImageOut")),
        },
    }
