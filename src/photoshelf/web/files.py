"""An image's stored files: the original and its renditions, with conditional GET, presigned
redirects (S3) and, when the site shares no positions, the original without its GPS.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import BinaryIO

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import content_disposition_header, http_date, parse_http_date_safe
from django.views.decorators.http import require_safe

from photoshelf.accounts import permissions
from photoshelf.accounts.access import viewable
from photoshelf.core import sizes
from photoshelf.core.refusals import Refusal
from photoshelf.gallery import privacy
from photoshelf.gallery.models import Image
from photoshelf.http.answers import refusal_response
from photoshelf.storage import get_storage

log = logging.getLogger(__name__)

# Stored bytes never change under an id (content-addressed), so they may be cached for a year.
IMMUTABLE = "private, max-age=31536000, immutable"
PRESIGNED_REDIRECT_MAX_AGE_SECONDS = 60  # well inside the presigned URL's own lifetime


@viewable(tokens_allowed=True)
@require_safe
def original(request: HttpRequest, image_id: int) -> HttpResponseBase:
    return original_of(request, _image_or_404(request, image_id))


def original_of(
    request: HttpRequest, image: Image, *, cache_control: str = IMMUTABLE
) -> HttpResponseBase:
    """The image's original file (without its GPS position when the site shares none)."""
    strip = settings.PHOTOSHELF_STRIP_GPS_FROM_ORIGINALS
    return _stored_file(
        request,
        key=image.original_key,
        content_type=image.content_type,
        filename=download_name(f"{image.name}.{image.extension}"),
        etag=f"{image.sha256}-nogps" if strip else image.sha256,
        transform=without_gps if strip else None,
        cache_control=cache_control,
    )


def _image_or_404(request: HttpRequest, image_id: int) -> Image:
    """The image; one in the trash only for those who may see it there (the trash page)."""
    image = get_object_or_404(Image.everything, pk=image_id)
    if image.in_trash and not permissions.can_see_trashed_files(request.user, image):
        raise Http404("no such image")
    return image


@viewable(tokens_allowed=True)
@require_safe
def motion_video(request: HttpRequest, image_id: int) -> HttpResponseBase:
    """A motion photo's embedded MP4: its byte range of the original, served as video/mp4."""
    image = _image_or_404(request, image_id)
    if image.motion_video_start is None or image.motion_video_length is None:
        raise Http404("not a motion photo")
    if settings.PHOTOSHELF_STRIP_GPS_FROM_ORIGINALS:
        # The video carries its own metadata (an MP4 may hold the position): not served.
        return refusal_response(
            request,
            Refusal(
                "original-withheld",
                "This site does not share positions, and a motion photo's video may carry one. "
                "The photo itself is available.",
            ),
        )
    quoted_etag = f'"{image.sha256}-motion"'
    if _unchanged(request, quoted_etag, None):
        response: HttpResponseBase = HttpResponse(status=304)
    else:
        try:
            stream = get_storage().open(image.original_key)
        except FileNotFoundError:
            log.error("files: %s is missing from storage", image.original_key)
            raise Http404("file missing") from None
        with stream:
            _skip(stream, image.motion_video_start)
            data = stream.read(image.motion_video_length)
        response = HttpResponse(data, content_type="video/mp4")
        response["Content-Disposition"] = (
            content_disposition_header(False, download_name(f"{image.name}.mp4")) or "inline"
        )
    response["ETag"] = quoted_etag
    response["Cache-Control"] = IMMUTABLE
    return response


SKIP_CHUNK_BYTES = 1024 * 1024


def _skip(stream: BinaryIO, count: int) -> None:
    """Move `count` bytes on: a seek where the storage's stream allows it (a local file), else
    reading past them (an S3 object's body streams forward only)."""
    try:
        stream.seek(count)
        return
    except (OSError, AttributeError):  # io.UnsupportedOperation is an OSError
        pass
    while count > 0:
        chunk = stream.read(min(count, SKIP_CHUNK_BYTES))
        if not chunk:
            raise Http404("file shorter than recorded")
        count -= len(chunk)


def download_name(name: str) -> str:
    """A name is any printable text; as a saved file's name, path separators become "_"."""
    return name.replace("/", "_").replace("\\", "_")


def without_gps(data: bytes) -> bytes:
    try:
        return privacy.strip_gps(data)
    except privacy.CannotStrip as exc:
        log.warning("files: original withheld, its GPS position cannot be removed: %s", exc)
        raise Refusal(
            "original-withheld",
            "This original carries a GPS position that cannot be removed without re-encoding "
            "it, and this site does not share positions. The preview is available.",
        ) from None


@viewable(tokens_allowed=True)
@require_safe
def rendition(request: HttpRequest, image_id: int, size_name: str) -> HttpResponseBase:
    if sizes.lookup(size_name) is None:
        raise Http404("no such rendition")
    return rendition_of(request, _image_or_404(request, image_id), size_name)


def rendition_of(
    request: HttpRequest, image: Image, size_name: str, *, cache_control: str = IMMUTABLE
) -> HttpResponseBase:
    """One size in one encoding: "thumbnail" is the JPEG, "thumbnail.webp" the WebP."""
    found = sizes.lookup(size_name)
    if found is None:
        raise Http404("no such rendition")
    size, encoding = found
    return _stored_file(
        request,
        key=image.rendition_key(size.name, encoding.extension),
        content_type=encoding.content_type,
        filename=download_name(f"{image.name}-{size.name}.{encoding.extension}"),
        etag=f"{image.sha256}-{size_name}",  # the JPEG's as before the WebP ones existed
        last_modified=image.uploaded_at,
        cache_control=cache_control,
    )


def _stored_file(
    request: HttpRequest,
    *,
    key: str,
    content_type: str,
    filename: str,
    etag: str,
    transform: Callable[[bytes], bytes] | None = None,
    last_modified: datetime | None = None,
    cache_control: str = IMMUTABLE,
) -> HttpResponseBase:
    """The stored bytes (through `transform`, read whole, when given) with safe headers."""
    quoted_etag = f'"{etag}"'
    # Only decoded raster images are ever stored; anything a browser would not show
    # as an image is offered as a download instead.
    inline = content_type.startswith("image/") and content_type != "image/svg+xml"
    disposition = content_disposition_header(not inline, filename) or "inline"  # None: no name
    if _unchanged(request, quoted_etag, last_modified):
        response: HttpResponseBase = HttpResponse(status=304)
    elif transform is None and (
        url := get_storage().download_url(key, content_type=content_type, disposition=disposition)
    ):  # bytes that must be transformed (GPS removed) always pass through the server
        response = redirect(url)
        # The URL expires: the redirect may be reused only well within its lifetime.
        response["Cache-Control"] = f"private, max-age={PRESIGNED_REDIRECT_MAX_AGE_SECONDS}"
        return response
    else:
        try:
            response = _file_response(key, content_type, transform)
        except Refusal as refusal:
            return refusal_response(request, refusal)
        response["Content-Disposition"] = disposition
    response["ETag"] = quoted_etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    response["Cache-Control"] = cache_control
    return response


def _unchanged(request: HttpRequest, quoted_etag: str, last_modified: datetime | None) -> bool:
    """RFC 9110: If-None-Match, when sent, decides alone; the bytes never change after upload.

    Originals carry no Last-Modified: what is served of them depends on a setting (GPS
    stripping) that may change after the upload; their ETag says which variant it is."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match:
        return quoted_etag in if_none_match
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    return (
        since is not None and last_modified is not None and int(last_modified.timestamp()) <= since
    )


def _file_response(
    key: str, content_type: str, transform: Callable[[bytes], bytes] | None
) -> HttpResponseBase:
    try:
        stream = get_storage().open(key)
    except FileNotFoundError:
        log.error("files: %s is missing from storage (run `photoshelf check`)", key)
        raise Http404("file missing") from None
    if transform is None:
        return FileResponse(stream, content_type=content_type)
    with stream:
        data = stream.read()
    return HttpResponse(transform(data), content_type=content_type)
