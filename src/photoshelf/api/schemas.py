"""What the API returns, as django-ninja schemas."""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse
from ninja import Schema

from photoshelf.gallery.models import Image


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
    taken_at: str | None
    uploaded_at: datetime
    sha256: str
    original_url: str
    preview_url: str
    thumbnail_url: str

    @staticmethod
    def resolve_taken_at(image: Image) -> str | None:
        local = image.taken_at_local
        return local.isoformat() if local else None

    @staticmethod
    def resolve_original_url(image: Image) -> str:
        return reverse("web:original", args=[image.pk])

    @staticmethod
    def resolve_preview_url(image: Image) -> str:
        return reverse("web:rendition", args=[image.pk, "preview"])

    @staticmethod
    def resolve_thumbnail_url(image: Image) -> str:
        return reverse("web:rendition", args=[image.pk, "thumbnail"])


class ImagePage(Schema):
    items: list[ImageOut]
    next_cursor: str | None


class Problem(Schema):
    type: str
    title: str
    status: int
    detail: str
    code: str
