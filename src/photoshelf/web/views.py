"""Page views: each authorizes, calls one thing in gallery/ingest, and answers.

Every page needs a signed-in user (LoginRequiredMiddleware) unless marked otherwise here:
reading is `@viewable` (public gallery; files also take an API token).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, http_date, parse_http_date_safe
from django.views.decorators.http import require_POST, require_safe

from photoshelf.accounts import permissions
from photoshelf.accounts.access import viewable
from photoshelf.api.problems import problem_response
from photoshelf.gallery import queries
from photoshelf.gallery.models import Image
from photoshelf.ingest import pipeline, privacy
from photoshelf.ingest.errors import Refusal
from photoshelf.ingest.renditions import SIZES
from photoshelf.ingest.upload import IncomingFile, refuse_repeated_fields
from photoshelf.storage import get_storage
from photoshelf.web import cards

log = logging.getLogger(__name__)

# Stored bytes never change under an id (content-addressed), so they may be cached for a year.
IMMUTABLE = "private, max-age=31536000, immutable"
PRESIGNED_REDIRECT_MAX_AGE_SECONDS = 60  # well inside the presigned URL's own lifetime


@viewable()
@require_safe
def gallery(request: HttpRequest) -> HttpResponse:
    return _gallery_page(request)


@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    name = request.POST.get("name", "")
    try:
        refusal = getattr(request, "upload_refusal", None)
        if refusal is not None:
            raise refusal
        refuse_repeated_fields(request.POST)
        refuse_repeated_fields(request.FILES)
        upload = request.FILES.get("file")
        if upload is None:
            raise Refusal("file-missing", "Choose a photo to upload.")
        image = pipeline.ingest(IncomingFile.from_upload(upload), name, uploaded_by=request.user)
    except Refusal as refusal:
        return _gallery_page(request, refusal=refusal, name=name, status=refusal.status)
    messages.success(request, f"“{image.name}” was uploaded.")
    return redirect(f"{reverse('web:gallery')}#image-{image.pk}")


@viewable()
@require_safe
def image_page(request: HttpRequest, image_id: int) -> HttpResponse:
    image = get_object_or_404(Image, pk=image_id)
    return render(request, "photoshelf/image.html", {"image": image})


@viewable()
@require_safe
def card(request: HttpRequest, image_id: int) -> HttpResponse:
    """One gallery card, for the page to insert a photo it has just uploaded."""
    image = get_object_or_404(Image, pk=image_id)
    return render(request, "photoshelf/_card.html", {"card": cards.card(image, request.user)})


@require_POST
def delete(request: HttpRequest, image_id: int) -> HttpResponse:
    """Without `confirmed=yes` this only asks (the no-JavaScript confirmation step)."""
    image = get_object_or_404(Image, pk=image_id)
    if not permissions.can_delete(request.user, image):
        refusal = Refusal("forbidden", permissions.DELETE_RULE)
        return render(request, "photoshelf/error.html", {"refusal": refusal}, status=403)
    if request.POST.get("confirmed") != "yes":
        return render(request, "photoshelf/confirm_delete.html", {"image": image})
    name = image.name
    pipeline.delete(image)
    messages.success(request, f"“{name}” was deleted.")
    return redirect("web:gallery")


@viewable(tokens_allowed=True)
@require_safe
def original(request: HttpRequest, image_id: int) -> HttpResponse:
    image = get_object_or_404(Image, pk=image_id)
    strip = settings.PHOTOSHELF_STRIP_GPS_FROM_ORIGINALS
    return _stored_file(
        request,
        key=image.original_key,
        content_type=image.content_type,
        filename=_download_name(f"{image.name}.{image.extension}"),
        etag=f"{image.sha256}-nogps" if strip else image.sha256,
        transform=_without_gps if strip else None,
    )


def _download_name(name: str) -> str:
    """A name is any printable text; as a saved file's name, path separators become "_"."""
    return name.replace("/", "_").replace("\\", "_")


def _without_gps(data: bytes) -> bytes:
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
def rendition(request: HttpRequest, image_id: int, size_name: str) -> HttpResponse:
    size = SIZES.get(size_name)
    if size is None:
        raise Http404("no such rendition")
    image = get_object_or_404(Image, pk=image_id)
    return _stored_file(
        request,
        key=image.rendition_key(size_name),
        content_type=size.content_type,
        filename=_download_name(f"{image.name}-{size_name}.{size.extension}"),
        etag=f"{image.sha256}-{size_name}",
        last_modified=image.uploaded_at,
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
) -> HttpResponse:
    """The stored bytes (through `transform`, read whole, when given) with safe headers."""
    quoted_etag = f'"{etag}"'
    # Only decoded raster images are ever stored; anything a browser would not show
    # as an image is offered as a download instead.
    inline = content_type.startswith("image/") and content_type != "image/svg+xml"
    disposition = content_disposition_header(not inline, filename)
    if_none_match = request.headers.get("If-None-Match")
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    # RFC 9110: If-None-Match, when sent, decides alone; the bytes never change after upload.
    # Originals carry no Last-Modified: what is served of them depends on a setting (GPS
    # stripping) that may change after the upload; their ETag says which variant it is.
    unchanged = (
        quoted_etag in if_none_match
        if if_none_match
        else (
            since is not None
            and last_modified is not None
            and int(last_modified.timestamp()) <= since
        )
    )
    if unchanged:
        response = HttpResponse(status=304)
    elif transform is None and (
        url := get_storage().download_url(key, content_type=content_type, disposition=disposition)
    ):  # bytes that must be transformed (GPS removed) always pass through the server
        response = redirect(url)
        # The URL expires: the redirect may be reused only well within its lifetime.
        response["Cache-Control"] = f"private, max-age={PRESIGNED_REDIRECT_MAX_AGE_SECONDS}"
        return response
    else:
        try:
            stream = get_storage().open(key)
        except FileNotFoundError:
            log.error("files: %s is missing from storage (run `photoshelf check`)", key)
            raise Http404("file missing") from None
        if transform is None:
            response = FileResponse(stream, content_type=content_type)
        else:
            with stream:
                data = stream.read()
            try:
                response = HttpResponse(transform(data), content_type=content_type)
            except Refusal as refusal:
                return render(
                    request, "photoshelf/error.html", {"refusal": refusal}, status=refusal.status
                )
        response["Content-Disposition"] = disposition
    response["ETag"] = quoted_etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    response["Cache-Control"] = IMMUTABLE
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _gallery_page(
    request: HttpRequest, *, refusal: Refusal | None = None, name: str = "", status: int = 200
) -> HttpResponse:
    cursor = request.GET.get("cursor")
    try:
        view = queries.View.from_params(request.GET)
        page = queries.browse(view, limit=settings.PHOTOSHELF_PAGE_SIZE, cursor=cursor)
    except Refusal as bad_view:  # a mangled bookmark: say so, and show the first page
        refusal, status, cursor, view = bad_view, bad_view.status, None, queries.View()
        page = queries.browse(view, limit=settings.PHOTOSHELF_PAGE_SIZE)
    if request.GET.get("fragment") == "cards":  # "Load more" asks for the cards alone
        context = {"page": page, "cards": cards.cards(page.items, request.user)}
        return render(request, "photoshelf/_gallery_more.html", context, status=status)
    duplicate = None
    if refusal is not None and "duplicate_of" in refusal.extra:
        duplicate = Image.objects.filter(pk=refusal.extra["duplicate_of"]).first()
    context = {
        "page": page,
        "cards": cards.cards(page.items, request.user),
        "view": view,
        "cameras": queries.camera_choices(),
        "refusal": refusal,
        "duplicate": duplicate,
        "name_value": name,
        "max_upload_mb": settings.PHOTOSHELF_MAX_UPLOAD_BYTES // (1024 * 1024),
        "is_first_page": not cursor,
        "can_upload": permissions.can_upload(request.user),
    }
    return render(request, "photoshelf/gallery.html", context, status=status)


@login_not_required
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and readiness: the database answers and the storage can be listed."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        get_storage().exists("healthz")
        checks["storage"] = "ok"
    except Exception as exc:
        checks["storage"] = f"error: {exc.__class__.__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
    )


def _wants_problem_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    refusal = Refusal("invalid-request", "The request could not be understood.")
    if _wants_problem_json(request):
        return problem_response(refusal)
    return render(request, "photoshelf/error.html", {"refusal": refusal}, status=400)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    refusal = Refusal("not-found", "There is nothing at this address.")
    if _wants_problem_json(request):
        return problem_response(refusal)
    return render(request, "photoshelf/error.html", {"refusal": refusal}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    body = {
        "type": "about:blank",
        "title": "Server error",
        "status": 500,
        "detail": "Something went wrong on the server; nothing was stored. Please try again.",
        "code": "server-error",
    }
    if _wants_problem_json(request):
        return JsonResponse(body, status=500, content_type="application/problem+json")
    return HttpResponse(body["detail"], status=500, content_type="text/plain; charset=utf-8")
