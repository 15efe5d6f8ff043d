"""What the API returns, as django-ninja schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import ConfigDict

from photoshelf.core.refusals import REFUSALS
from photoshelf.gallery.models import Image
from photoshelf.http.links import image_url


class Position(Schema):
    latitude: float  # decimal degrees, north positive
    longitude: float  # decimal degrees, east positive


class CameraOut(Schema):
    make: str  # as stored: filter GET /api/images with it
    model: str
    camera: str  # as the gallery names it ("Nikon D70")


class ImageOut(Schema):
    id: int
    name: str
    filename: str
    format: str
    content_type: str
    file_size: int
    width: int
    height: int
    animated: bool  # GIF, WebP or APNG with frames: the thumbnail shows the first
    motion_photo: bool  # a still with its short video embedded (Motion Photo, MicroVideo)
    camera_make: str
    camera_model: str
    camera: str
    lens_model: str
    focal_length_mm: float | None
    f_number: float | None
    exposure_time_s: float | None
    iso: int | None
    gps: Position | None
    taken_at: str | None
    taken_at_source: str
    taken_at_offset_source: str
    uploaded_at: datetime
    uploaded_by: str | None
    sha256: str
    original_url: str
    preview_url: str
    thumbnail_url: str

    @staticmethod
    def resolve_taken_at(image: Image) -> str | None:
        local = image.taken_at_local
        return local.isoformat() if local else None

    @staticmethod
    def resolve_motion_photo(image: Image) -> bool:
        return image.is_motion_photo

    @staticmethod
    def resolve_gps(image: Image) -> dict | None:
        if not image.has_position:
            return None
        return {"latitude": image.gps_latitude, "longitude": image.gps_longitude}

    @staticmethod
    def resolve_uploaded_by(image: Image) -> str | None:
        return image.uploaded_by.get_username() if image.uploaded_by_id else None

    @staticmethod
    def resolve_original_url(image: Image) -> str:
        return image_url("web:original", image.pk)

    @staticmethod
    def resolve_preview_url(image: Image) -> str:
        return image_url("web:rendition", image.pk, "preview")

    @staticmethod
    def resolve_thumbnail_url(image: Image) -> str:
        return image_url("web:rendition", image.pk, "thumbnail")


class ImagePage(Schema):
    items: list[ImageOut]
    next_cursor: str | None


# The closed set of refusal codes, as the document's enum: a generated client can switch on it.
ProblemCode = Literal[tuple(REFUSALS)]  # type: ignore[valid-type]


class ProblemType(Schema):
    """One refusal code of the closed set, with its status and title."""

    code: ProblemCode  # type: ignore[valid-type]  # a Literal made from the catalogue
    status: int
    title: str
    type: str


class FieldError(Schema):
    field: str
    message: str


class Problem(Schema):
    """RFC 9457 problem details; the members after `code` come with the codes that name them
    (docs/api.md), and a problem may carry others: clients ignore what they do not know."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    code: ProblemCode  # type: ignore[valid-type]  # a Literal made from the catalogue
    errors: list[FieldError] | None = None  # invalid-request
    duplicate_of: int | None = None  # duplicate, near-duplicate
    distance: int | None = None  # near-duplicate: bits of 64
    max_bytes: int | None = None  # too-large
    max_pixels: int | None = None  # too-many-pixels
    width: int | None = None
    height: int | None = None
    max_scans: int | None = None  # not-an-image, for a JPEG of too many scans
    max_length: int | None = None  # invalid-name
    taken_at: str | None = None  # taken-at-too-old
    max_age_days: int | None = None
    oldest_allowed: str | None = None


# What any operation may answer: a request it cannot read (400), and a database or storage
# that did not answer, or a full disk (503, with Retry-After).
ANY_ERRORS = (400, 503)
# What any operation behind sign-in may answer besides: no credentials, or not allowed.
SIGN_IN_ERRORS = (401, 403)


def answers(success: dict[int, Any], *errors: int) -> dict[int, Any]:
    """An operation's `response=`: its success and every error status it can answer, each a
    Problem (served, and so documented, as application/problem+json: see urls.py)."""
    return success | {status: Problem for status in sorted(set(errors))}
