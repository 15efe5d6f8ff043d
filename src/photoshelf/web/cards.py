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
from photoshelf.http.links import image_rendition_urls, image_url
from photoshelf.web.templatetags.photoshelf import iso, taken, utc_short


def facts(image: Image, urls: dict) -> dict:
    """What every card shows of a photo, with its pictures at these URLs (http.links'
    rendition URLs: the gallery's own, or a share link's)."""
    thumbnail, preview = urls["thumbnail_url"], urls["preview_url"]
    widths = f"{image.thumbnail_width}w", f"{image.preview_size[0]}w"
    webp_thumbnail = urls.get("thumbnail_webp_url")  # the preview is JPEG alone (core.sizes)
    return {
        "id": image.pk,
        "name": image.name,
        "thumbnail_url": thumbnail,
        "preview_url": preview,
        "srcset": f"{thumbnail} {widths[0]}, {preview} {widths[1]}",
        # "" while the photo has no WebP stored: the card then offers the JPEG alone
        "webp_srcset": f"{webp_thumbnail} {widths[0]}, {preview} {widths[1]}"
        if webp_thumbnail
        else "",
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
    return {
        **facts(image, image_rendition_urls(image.pk, has_webp=image.has_webp)),
        "page_url": image_url("web:image", image.pk),
        "original_url": image_url("web:original", image.pk),
        "delete_url": image_url("web:delete", image.pk),
        "deletable": permissions.can_delete(user, image),
    }


def cards(images, user) -> list[dict]:
    return [card(image, user) for image in images]
