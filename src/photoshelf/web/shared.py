"""The shared page (/s/<token>) and everything reachable through it: its photos' files, the
ZIP of all originals and, on an upload link, guests' uploads. No account is involved; every
request is checked against the link (accounts/shares.py) before anything is read.
"""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Iterator
from typing import IO, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from photoshelf.accounts import shares
from photoshelf.core.refusals import Refusal
from photoshelf.gallery import privacy, sharing
from photoshelf.gallery.models import Image, ShareLink
from photoshelf.http.links import shared_image_urls
from photoshelf.http.uploads import received_file
from photoshelf.storage import get_storage
from photoshelf.web import cards, files

log = logging.getLogger(__name__)

# Every use of a shared file asks again (a revoked link must stop working at once); the
# ETag makes the answer a 304 when the browser has the bytes already.
SHARED_CACHE = "private, no-cache"
ZIP_CHUNK_BYTES = 256 * 1024


@login_not_required
@require_http_methods(["GET", "HEAD", "POST"])
def page(request: HttpRequest, token: str) -> HttpResponse:
    """The link's album or photo; a password link shows its password form until it comes."""
    password = request.POST.get("password") if request.method == "POST" else None
    try:
        link = shares.open_link(request, token, password=password)
    except Refusal as refusal:
        if refusal.code in ("share-password-required", "share-password-wrong"):
            context = {"refusal": refusal if refusal.code == "share-password-wrong" else None}
            return render(request, "photoshelf/shared_password.html", context, status=401)
        return _refused(request, refusal)
    if request.method == "POST":  # the right password: remember it for this link's URLs only
        response = redirect(_page_url(token))
        shares.grant_cookie(response, link, token, path=_page_url(token))
        return response
    return _page(request, link, token)


@login_not_required
@require_POST
def upload(request: HttpRequest, token: str) -> HttpResponse:
    """A guest's photo through an upload link (the form; programs use /api/shared/...)."""
    try:
        link = shares.open_link(request, token)
    except Refusal as refusal:
        return _refused(request, refusal)
    name = request.POST.get("name", "")
    try:
        incoming = received_file(
            request, request.FILES.get("file"), missing="Choose a photo to upload."
        )
        image = sharing.store_guest_upload(link, incoming, name, request.META.get("REMOTE_ADDR"))
    except Refusal as refusal:
        return _page(request, link, token, refusal=refusal, status=refusal.status)
    messages.success(request, f"“{image.name}” was uploaded. Thank you!")
    return redirect(f"{_page_url(token)}#image-{image.pk}")


@login_not_required
@require_safe
def original(request: HttpRequest, token: str, image_id: int) -> HttpResponseBase:
    link, image = _opened(request, token, image_id)
    if not link.allow_download:
        return _refused(
            request, Refusal("original-withheld", "This link shows previews only, not originals.")
        )
    return files.original_of(request, image, cache_control=SHARED_CACHE)


@login_not_required
@require_safe
def rendition(request: HttpRequest, token: str, image_id: int, size_name: str) -> HttpResponseBase:
    _, image = _opened(request, token, image_id)
    return files.rendition_of(request, image, size_name, cache_control=SHARED_CACHE)


@login_not_required
@require_safe
def card(request: HttpRequest, token: str, image_id: int) -> HttpResponse:
    """One card of the shared page, for its uploader to show a guest's photo just stored."""
    link, image = _opened(request, token, image_id)
    return render(request, "photoshelf/_card.html", {"card": _card(link, token, image)})


@login_not_required
@require_safe
def download_all(request: HttpRequest, token: str) -> HttpResponseBase:
    """Every original the link shows, as one ZIP streamed while it is made (no temporary file)."""
    try:
        link = shares.open_link(request, token)
    except Refusal as refusal:
        return _refused(request, refusal)
    if not link.allow_download:
        return _refused(
            request, Refusal("original-withheld", "This link shows previews only, not originals.")
        )
    response = StreamingHttpResponse(_zip_stream(link), content_type="application/zip")
    name = files.download_name(f"{sharing.title(link) or 'photos'}.zip")
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["Cache-Control"] = "private, no-store"
    return response


def _opened(request: HttpRequest, token: str, image_id: int) -> tuple[ShareLink, Image]:
    """The link and one photo it shows; anything else is not found (a Refusal becomes a 404)."""
    try:
        link = shares.open_link(request, token)
    except Refusal:
        raise Http404("no such shared photo") from None
    image = sharing.image_of(link, image_id)
    if image is None:
        raise Http404("no such shared photo")
    return link, image


def _refused(request: HttpRequest, refusal: Refusal) -> HttpResponse:
    """The refusal on a page of its own, without the site's navigation (no way further in)."""
    return render(
        request, "photoshelf/shared_error.html", {"refusal": refusal}, status=refusal.status
    )


def _page_url(token: str) -> str:
    return reverse("web:shared", args=[token])


def _page(
    request: HttpRequest,
    link: ShareLink,
    token: str,
    *,
    refusal: Refusal | None = None,
    status: int = 200,
) -> HttpResponse:
    cursor = request.GET.get("cursor")
    try:
        page = sharing.images(link, limit=settings.PHOTOSHELF_PAGE_SIZE, cursor=cursor)
    except Refusal as bad_cursor:
        refusal, status, cursor = bad_cursor, bad_cursor.status, None
        page = sharing.images(link, limit=settings.PHOTOSHELF_PAGE_SIZE)
    context = {
        "link": link,
        "token": token,
        "title": sharing.title(link),
        "description": sharing.description(link),
        "page": page,
        "cards": [_card(link, token, image) for image in page.items],
        "refusal": refusal,
        "is_first_page": not cursor,
        "upload_url": reverse("web:shared_upload", args=[token]),
        "uploader": _guest_uploader(link, token),
        "download_url": reverse("web:shared_download", args=[token]),
        "max_upload_mb": settings.PHOTOSHELF_MAX_UPLOAD_BYTES // (1024 * 1024),
    }
    return render(request, "photoshelf/shared.html", context, status=status)


def _guest_uploader(link: ShareLink, token: str) -> dict | None:
    """Where the page's drop-zone uploader sends a guest's photos (tus, through the link) and
    finds their cards; None when the link takes no uploads."""
    if not (link.allow_upload and link.album_id):
        return None
    return {
        "api": reverse("api:upload_shared_image", args=[token]),
        "uploads": reverse("shared-uploads", args=[token]),
        "cards": f"{_page_url(token)}/images/",
    }


def _card(link: ShareLink, token: str, image: Image) -> dict:
    """A card of the shared page: the gallery card's facts, the link's URLs, no actions."""
    urls = shared_image_urls(
        token, image.pk, allow_download=link.allow_download, has_webp=image.has_webp
    )
    return {
        **cards.facts(image, urls),
        "page_url": "",  # no image page: the lightbox shows the card's facts
        "original_url": urls["original_url"] or urls["preview_url"],
        "deletable": False,
    }


class _Sink:
    """What zipfile writes into: bytes collected until the response takes them."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.offset = 0  # bytes written in all: zipfile records where each entry starts
        self.pending = 0  # bytes not yet taken

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.offset += len(data)
        self.pending += len(data)
        return len(data)

    def tell(self) -> int:
        return self.offset

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self.parts, self.pending = b"".join(self.parts), [], 0
        return data


def _zip_stream(link: ShareLink) -> Iterator[bytes]:
    """A ZIP of the originals, one chunk at a time: photos are stored, not deflated (JPEG and
    HEIF do not shrink), and each entry's sizes follow it in a data descriptor."""
    sink, storage = _Sink(), get_storage()
    strip = settings.PHOTOSHELF_STRIP_GPS_FROM_ORIGINALS
    used: set[str] = set()
    with zipfile.ZipFile(cast(IO[bytes], sink), "w", compression=zipfile.ZIP_STORED) as archive:
        for image in sharing.all_images(link):
            name = _unique(files.download_name(f"{image.name}.{image.extension}"), used)
            try:
                stream = storage.open(image.original_key)
            except FileNotFoundError:
                log.error("shared: %s is missing from storage", image.original_key)
                continue
            with stream:
                if strip:
                    try:
                        data = privacy.strip_gps(stream.read())
                    except privacy.CannotStrip:
                        continue  # withheld, as its own download would be
                    archive.writestr(_entry(name, image), data)
                else:
                    with archive.open(_entry(name, image), "w", force_zip64=True) as entry:
                        while chunk := stream.read(ZIP_CHUNK_BYTES):
                            entry.write(chunk)
                            if sink.pending >= ZIP_CHUNK_BYTES:
                                yield sink.take()
            yield sink.take()
    yield sink.take()


def _entry(name: str, image: Image) -> zipfile.ZipInfo:
    when = image.uploaded_at.timetuple()[:6]
    info = zipfile.ZipInfo(name, date_time=max(when, (1980, 1, 1, 0, 0, 0)))
    info.compress_type = zipfile.ZIP_STORED
    return info


def _unique(name: str, used: set[str]) -> str:
    """Two photos may share a name; in a ZIP each entry needs its own."""
    candidate, number = name, 1
    stem, dot, extension = name.rpartition(".")
    while candidate in used:
        number += 1
        candidate = f"{stem} ({number}).{extension}" if dot else f"{name} ({number})"
    used.add(candidate)
    return candidate
