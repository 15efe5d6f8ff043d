"""The share dialog of an album or of one photo: make a link (shown once, with its QR code),
list and revoke its links. Who may: whoever may change the album, or share the photo."""

from __future__ import annotations

from datetime import UTC

import segno
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_http_methods

from photoshelf.accounts import actors, permissions
from photoshelf.core.refusals import Refusal
from photoshelf.gallery import sharing
from photoshelf.gallery.models import Album, Image
from photoshelf.http.answers import refusal_response
from photoshelf.web.albums import album_or_refusal


@require_http_methods(["GET", "HEAD", "POST"])
def album_links(request: HttpRequest, album_id: int) -> HttpResponse:
    album = album_or_refusal(request, album_id)
    if isinstance(album, HttpResponse):
        return album
    return _dialog(request, album)


@require_http_methods(["GET", "HEAD", "POST"])
def image_links(request: HttpRequest, image_id: int) -> HttpResponse:
    image = Image.objects.select_related("uploaded_by").filter(pk=image_id).first()
    if image is None or not permissions.can_share_image(request.user, image):
        return refusal_response(
            request, Refusal("not-found", f"There is no photo with id {image_id} of yours.")
        )
    return _dialog(request, image)


def _dialog(request: HttpRequest, target: Album | Image) -> HttpResponse:
    is_album = isinstance(target, Album)
    here = reverse("web:album_links" if is_album else "web:image_links", args=[target.pk])
    live = sharing.of_album(target) if isinstance(target, Album) else sharing.of_image(target)
    made, refusal, status = None, None, 200
    if request.method == "POST" and request.POST.get("revoke", "").isdigit():
        link = next((link for link in live if link.pk == int(request.POST["revoke"])), None)
        if link is not None:
            sharing.revoke(link, actors.of_request(request))
            messages.success(request, "The link was revoked: it leads nowhere now.")
        return redirect(here)
    if request.method == "POST":
        try:
            link, token = sharing.create(
                target,
                created_by=request.user,
                expires_at=_expiry(request.POST.get("expires_at", "")),
                password=request.POST.get("password") or None,
                allow_download=request.POST.get("allow_download") == "on",
                allow_upload=is_album and request.POST.get("allow_upload") == "on",
                actor=actors.of_request(request),
            )
        except Refusal as refused:
            refusal, status = refused, refused.status
        else:
            url = request.build_absolute_uri(reverse("web:shared", args=[token]))
            made = {"link": link, "url": url, "qr_svg": _qr_svg(url)}
            live = [link, *live]
            status = 201
    context = {
        "title": target.title if isinstance(target, Album) else target.name,
        "target_url": reverse("web:album" if is_album else "web:image", args=[target.pk]),
        "here": here,
        "is_album": is_album,
        "links": live,
        "made": made,
        "refusal": refusal,
    }
    return render(request, "photoshelf/share_links.html", context, status=status)


def _qr_svg(url: str) -> str:
    """The link as a QR code, an inline SVG made here (no image service sees the link)."""
    return segno.make(url, error="m").svg_inline(scale=4, border=2, title="QR code of the link")


def _expiry(text: str):
    """The form's expiry: empty for none, else a date and time (a datetime-local field, UTC)."""
    text = text.strip()
    if not text:
        return None
    try:
        moment = parse_datetime(text)
    except ValueError:
        moment = None
    if moment is None:
        raise Refusal("invalid-request", "The expiry must be a date and time.")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment
