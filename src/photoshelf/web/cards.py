"""What a gallery card shows, worked out in Python once per image, for the card template.

A page has 48 cards; the template engine resolves each `{{ }}` by trying a dict lookup, an
attribute, an index in turn, and calls filters through its own machinery. Giving it a plain dict
of finished strings keeps the card template simple and the page's rendering cheap (the gallery
table of `make bench` shows the page's cost).
"""

from __future__ import annotations

from django.template.defaultfilters import filesizeformat

from photoshelf.accounts import permissions
from photoshelf.gallery.models import Image
from photoshelf.http.links import image_url
from photoshelf.web.templatetags.photoshelf import iso, taken, utc_short


def facts(image: Image, thumbnail: str, preview: str) -> dict:
    """What every card shows of a photo, with its pictures at these URLs (the gallery's own,
    or a share link's)."""
    return {
        "id": image.pk,
        "name": image.name,
        "thumbnail_url": thumbnail,
        "preview_url": preview,
        "srcset": f"{thumbnail} {image.thumbnail_width}w, {preview} {image.preview_size[0]}w",
        "thumbnail_width": image.thumbnail_width,
        "thumbnail_height": image.thumbnail_height,
        "file_size": image.file_size,
        "file_size_text": filesizeformat(image.file_size),
        "camera": image.camera or "—",
        "taken": taken(image) or "—",
        "uploaded_iso": iso(image.uploaded_at),
        "uploaded": utc_short(image.uploaded_at),
    }


def card(image: Image, user) -> dict:
    thumbnail = image_url("web:rendition", image.pk, "thumbnail")
    preview = image_url("web:rendition", image.pk, "preview")
    return {
        **facts(image, thumbnail, preview),
        "page_url": image_url("web:image", image.pk),
        "original_url": image_url("web:original", image.pk),
        "delete_url": image_url("web:delete", image.pk),
        "deletable": permissions.can_delete(user, image),
    }


def cards(images, user) -> list[dict]:
    return [card(image, user) for image in images]
