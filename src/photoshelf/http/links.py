"""An image's URLs without a full reverse() per link: a gallery page makes about 200 of them.

reverse() runs once per view and extra argument with a sentinel id; each link is then a string
join. The script prefix (a deployment under a sub-path) is read per call, never cached.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from django.urls import get_script_prefix, reverse

from photoshelf.core.sizes import RENDITIONS, url_name

_SENTINEL_ID = 987654321987654321


@lru_cache(maxsize=64)
def _around_id(view: str, extra: tuple[str, ...]) -> tuple[str, str]:
    prefix = get_script_prefix()
    path = reverse(view, args=[_SENTINEL_ID, *extra]).removeprefix(prefix)
    head, found, tail = path.partition(str(_SENTINEL_ID))
    if not found:
        raise ValueError(f"{view} does not put the image id in its path")
    return head, tail


def image_url(view: str, image_id: int, *extra: str) -> str:
    """Same result as reverse(view, args=[image_id, *extra])."""
    head, tail = _around_id(view, extra)
    return f"{get_script_prefix()}{head}{image_id}{tail}"


def rendition_urls(url_of: Callable[[str], str], *, has_webp: bool) -> dict[str, str | None]:
    """Every rendition's URL, from `url_of(name)` for each name core.sizes.lookup() knows:
    "thumbnail_url" (the JPEG), "thumbnail_webp_url", "preview_url" (core.sizes' encodings); the
    WebP ones None while the photo has none stored (Image.has_webp)."""
    urls: dict[str, str | None] = {}
    for size in RENDITIONS:
        for encoding in size.encodings:
            fallback = encoding is size.fallback
            key = size.name if fallback else f"{size.name}_{encoding.extension}"
            stored = fallback or has_webp
            urls[f"{key}_url"] = url_of(url_name(size, encoding)) if stored else None
    return urls


def image_rendition_urls(image_id: int, *, has_webp: bool) -> dict[str, str | None]:
    """A photo's rendition URLs in the gallery (/images/<id>/...)."""
    return rendition_urls(
        lambda name: image_url("web:rendition", image_id, name), has_webp=has_webp
    )


def shared_image_urls(
    token: str, image_id: int, *, allow_download: bool, has_webp: bool
) -> dict[str, str | None]:
    """A photo's URLs under a share link (/s/<token>/...): the only ones its page hands out."""
    return {
        **rendition_urls(
            lambda name: reverse("web:shared_rendition", args=[token, image_id, name]),
            has_webp=has_webp,
        ),
        "original_url": (
            reverse("web:shared_original", args=[token, image_id]) if allow_download else None
        ),
    }
