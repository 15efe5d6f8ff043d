"""Album pages: the list, one album's grid and "Add to album" from the gallery and the image
page (the share dialog is in web/links.py)."""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from photoshelf.accounts import actors, permissions
from photoshelf.core.refusals import Refusal
from photoshelf.gallery import albums, queries
from photoshelf.gallery.models import Album
from photoshelf.http.answers import refusal_response
from photoshelf.web import cards


@require_http_methods(["GET", "HEAD", "POST"])
def album_list(request: HttpRequest) -> HttpResponse:
    """Your albums (every album, for administrators), and the form that makes one."""
    refusal, status = None, 200
    if request.method == "POST":
        if not permissions.can_make_albums(request.user):
            return refusal_response(request, Refusal("forbidden", "Sign in to make albums."))
        try:
            album = albums.create(
                request.user,
                request.POST.get("title", ""),
                request.POST.get("description"),
                actors.of_request(request),
            )
        except Refusal as refused:
            refusal, status = refused, refused.status
        else:
            messages.success(request, f"Album “{album.title}” was made.")
            return redirect("web:album", album.pk)
    rows = Album.objects.all() if permissions.is_admin(request.user) else None
    if rows is None:
        rows = albums.owned_by(request.user)
    try:
        page = albums.browse_albums(
            rows, limit=settings.PHOTOSHELF_PAGE_SIZE, cursor=request.GET.get("cursor")
        )
    except Refusal as bad_cursor:
        refusal, status = bad_cursor, bad_cursor.status
        page = albums.browse_albums(rows, limit=settings.PHOTOSHELF_PAGE_SIZE)
    listed = cast(list[Album], page.items)
    entries = [
        {"album": album, "cover_id": albums.cover_id(album), "count": albums.count_shown(album)}
        for album in listed
    ]
    context = {
        "entries": entries,
        "page": page,
        "refusal": refusal,
        "is_first_page": not request.GET.get("cursor"),
    }
    return render(request, "photoshelf/albums.html", context, status=status)


@require_safe
def album_page(request: HttpRequest, album_id: int) -> HttpResponse:
    album = album_or_refusal(request, album_id)
    if isinstance(album, HttpResponse):
        return album
    cursor = request.GET.get("cursor")
    refusal, status = None, 200
    try:
        view = queries.View.from_params(request.GET, default_sort=queries.ADDED)
        page = albums.browse(album, limit=settings.PHOTOSHELF_PAGE_SIZE, cursor=cursor, view=view)
    except Refusal as bad_view:  # a mangled bookmark: say so, and show the first page
        refusal, status, cursor, view = bad_view, bad_view.status, None, albums.NEWEST_ADDED
        page = albums.browse(album, limit=settings.PHOTOSHELF_PAGE_SIZE)
    album_cards = cards.cards(page.items, request.user)
    for card in album_cards:
        card["remove_url"] = reverse("web:album_remove", args=[album.pk, card["id"]])
    if request.GET.get("fragment") == "cards":
        context = {"page": page, "cards": album_cards}
        return render(request, "photoshelf/_gallery_more.html", context, status=status)
    context = {
        "album": album,
        "page": page,
        "cards": album_cards,
        "count": albums.count_shown(album),
        "view": view,
        "cameras": queries.camera_choices(),
        "refusal": refusal,
        "is_first_page": not cursor,
    }
    return render(request, "photoshelf/album.html", context, status=status)


@require_POST
def add_images(request: HttpRequest) -> HttpResponse:
    """The selected photos (`image_id`, repeated) into a chosen album, or into a new one."""
    back = _back(request)
    ids = []
    for value in request.POST.getlist("image_id"):
        if not value.isdigit():
            return refusal_response(request, Refusal("invalid-request", "Bad photo id."))
        ids.append(int(value))
    if not ids:
        messages.error(request, "Select the photos to add first.")
        return redirect(back)
    try:
        new_title = request.POST.get("new_title", "").strip()
        if new_title:
            album: Album | HttpResponse = albums.create(
                request.user, new_title, actor=actors.of_request(request)
            )
        else:
            choice = request.POST.get("album", "")
            if not choice.isdigit():
                raise Refusal("invalid-request", "Choose an album, or give a new one's title.")
            album = album_or_refusal(request, int(choice))
            if isinstance(album, HttpResponse):
                return album
        added = albums.add(album, ids, actors.of_request(request))  # type: ignore[arg-type]
    except Refusal as refusal:
        return refusal_response(request, refusal)
    assert isinstance(album, Album)
    messages.success(request, f"{added} photo{'s' if added != 1 else ''} added to “{album.title}”.")
    return redirect(back)


@require_POST
def remove_image(request: HttpRequest, album_id: int, image_id: int) -> HttpResponse:
    album = album_or_refusal(request, album_id)
    if isinstance(album, HttpResponse):
        return album
    albums.remove(album, image_id, actors.of_request(request))
    messages.success(request, "The photo was taken out of the album (it stays in the gallery).")
    return redirect("web:album", album.pk)


@require_POST
def delete_album(request: HttpRequest, album_id: int) -> HttpResponse:
    album = album_or_refusal(request, album_id)
    if isinstance(album, HttpResponse):
        return album
    if request.POST.get("confirmed") != "yes":
        return render(request, "photoshelf/confirm_delete_album.html", {"album": album})
    title = album.title
    albums.delete(album, actors.of_request(request))
    messages.success(request, f"Album “{title}” was deleted; its photos stay in the gallery.")
    return redirect("web:albums")


def album_or_refusal(request: HttpRequest, album_id: int) -> Album | HttpResponse:
    album = Album.objects.select_related("owner").filter(pk=album_id).first()
    if album is None or not permissions.can_change_album(request.user, album):
        return refusal_response(
            request, Refusal("not-found", f"There is no album with id {album_id} of yours.")
        )
    return album


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("web:gallery")
