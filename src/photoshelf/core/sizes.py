"""The sizes made of every upload, in one table: ingest makes them, the gallery serves them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Size:
    name: str
    longest_side: int  # pixels
    format: str  # Pillow encoder
    quality: int
    content_type: str
    extension: str


# Largest first: each size is made from the one before it.
RENDITIONS: tuple[Size, ...] = (
    Size("preview", 1600, "JPEG", 85, "image/jpeg", "jpg"),
    Size("thumbnail", 400, "JPEG", 80, "image/jpeg", "jpg"),
)
SIZES = {size.name: size for size in RENDITIONS}
