"""What the API returns, as django-ninja schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import ConfigDict

from photoshelf.core.refusals import REFUSALS
from photoshelf.gallery import albums, trash
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
    preview_url: str  # JPEG
    thumbnail_url: str  # JPEG
    # The same pixels as WebP; null for a photo stored before them, until `photoshelf check
    # --repair` makes it.
    thumbnail_webp_url: str | None

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

    @staticmethod
    def resolve_thumbnail_webp_url(image: Image) -> str | None:
        return image_url("web:rendition", image.pk, "thumbnail.webp") if image.has_webp else None


class ImagePage(Schema):
    items: list[ImageOut]
    next_cursor: str | None


class TrashedImageOut(ImageOut):
    """An image in the trash: who moved it there and when, and when it will be purged."""

    trashed_at: datetime
    trashed_by: str | None
    purge_at: datetime

    @staticmethod
    def resolve_trashed_by(image: Image) -> str | None:
        by = image.trashed_by
        return by.get_username() if by is not None else None

    @staticmethod
    def resolve_purge_at(image: Image) -> datetime | None:
        return trash.purge_at(image)


class TrashPage(Schema):
    items: list[TrashedImageOut]
    next_cursor: str | None


class Purged(Schema):
    purged: int  # photos deleted forever by this request


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
    offset: int | None = None  # upload-offset-mismatch: the bytes the upload holds
    length: int | None = None  # beyond-upload-length: the upload's Upload-Length
    image_ids: list[int] | None = None  # unknown-images


# What any operation may answer: a request it cannot read (400), and a database or storage
# that did not answer, or a full disk (503, with Retry-After).
ANY_ERRORS = (400, 503)
# What any operation behind sign-in may answer besides: no credentials, or not allowed.
SIGN_IN_ERRORS = (401, 403)


def answers(success: dict[int, Any], *errors: int) -> dict[int, Any]:
    """An operation's `response=`: its success and every error status it can answer, each a
    Problem (served, and so documented, as application/problem+json: see urls.py)."""
    return success | {status: Problem for status in sorted(set(errors))}


class AlbumIn(Schema):
    title: str
    description: str | None = None


class AlbumPatch(Schema):
    title: str | None = None
    description: str | None = None
    cover_image_id: int | None = None  # null: back to the first photo added


class AlbumOut(Schema):
    id: int
    title: str
    description: str
    owner: str
    cover_image_id: int | None
    image_count: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_owner(album) -> str:
        return album.owner.get_username()

    @staticmethod
    def resolve_cover_image_id(album) -> int | None:
        return albums.cover_id(album)

    @staticmethod
    def resolve_image_count(album) -> int:
        return albums.image_count(album)


class AlbumPage(Schema):
    items: list[AlbumOut]
    next_cursor: str | None


class ImageIdsIn(Schema):
    image_ids: list[int]


class AddedOut(Schema):
    added: int


class LinkIn(Schema):
    expires_at: datetime | None = None
    password: str | None = None
    allow_download: bool = True
    allow_upload: bool = False  # albums only


class LinkOut(Schema):
    id: int
    kind: Literal["album", "image"]
    expires_at: datetime | None
    has_password: bool
    allow_download: bool
    allow_upload: bool
    created_at: datetime


class LinkCreated(LinkOut):
    url: str  # /s/<token>: the only time the token is shown


class SharedOut(Schema):
    kind: Literal["album", "image"]
    title: str
    description: str
    allow_download: bool
    allow_upload: bool
    expires_at: datetime | None


class SharedImageOut(Schema):
    """A photo as a share link shows it: what its card shows, and the link's own URLs."""

    id: int
    name: str
    file_size: int
    width: int
    height: int
    camera: str
    taken_at: str | None
    uploaded_at: datetime
    preview_url: str  # JPEG
    thumbnail_url: str  # JPEG
    thumbnail_webp_url: str | None  # null until the photo's WebP thumbnail is made
    original_url: str | None  # null when the link does not allow downloads


class SharedImagePage(Schema):
    items: list[SharedImageOut]
    next_cursor: str | None
