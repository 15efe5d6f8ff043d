"""What the API returns, as django-ninja schemas."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema

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


class Problem(Schema):
    type: str
    title: str
    status: int
    detail: str
    code: str


# Every endpoint behind sign-in may answer these two.
AUTH_RESPONSES: dict[int, type[Schema]] = {status: Problem for status in (401, 403)}
