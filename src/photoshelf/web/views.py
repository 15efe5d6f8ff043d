"""Page views: each authorizes, calls one thing in the gallery, and answers (files: files.py).

Every page needs a signed-in user (LoginRequiredMiddleware) unless marked otherwise here:
reading is `@viewable` (public gallery).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from photoshelf.accounts import actors, permissions
from photoshelf.accounts.access import viewable
from photoshelf.core.refusals import Refusal
from photoshelf.gallery import activity, albums, library, queries, trash
from photoshelf.gallery.models import Image
from photoshelf.http.answers import refusal_response
from photoshelf.http.uploads import received_file
from photoshelf.storage import get_storage
from photoshelf.web import cards

log = logging.getLogger(__name__)


@viewable()
@require_safe
def gallery(request: HttpRequest) -> HttpResponse:
    return _gallery_page(request)


@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    name = request.POST.get("name", "")
    try:
        incoming = received_file(
            request, request.FILES.get("file"), missing="Choose a photo to upload."
        )
        actor = actors.of_request(request)
        image = library.store(incoming, name, uploaded_by=request.user, actor=actor)
    except Refusal as refusal:
        return _gallery_page(request, refusal=refusal, name=name, status=refusal.status)
    messages.success(request, f"“{image.name}” was uploaded.")
    return redirect(f"{reverse('web:gallery')}#image-{image.pk}")


@viewable()
@require_safe
def image_page(request: HttpRequest, image_id: int) -> HttpResponse:
    image = get_object_or_404(Image, pk=image_id)
    context = {
        "image": image,
        "in_albums": [
            album
            for album in albums.of_image(image).select_related("owner")
            if permissions.can_change_album(request.user, album)
        ],
        "my_albums": _my_albums(request.user),
        "single_image_id": image.pk,
        "can_share": permissions.can_share_image(request.user, image),
    }
    return render(request, "photoshelf/image.html", context)


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
        return refusal_response(request, Refusal("forbidden", permissions.DELETE_RULE))
    if request.POST.get("confirmed") != "yes":
        context = {"image": image, "trash_days": settings.PHOTOSHELF_TRASH_DAYS}
        return render(request, "photoshelf/confirm_delete.html", context)
    if trash.move(image, actors.of_request(request)):
        messages.success(request, f"“{image.name}” was moved to the trash.")
    else:
        messages.success(request, f"“{image.name}” was deleted.")
    return redirect("web:gallery")


@require_safe
def trash_page(request: HttpRequest) -> HttpResponse:
    """What this person deleted (an administrator: everyone's), newest first."""
    cursor = request.GET.get("cursor")
    rows = trash.visible_to(request.user)
    try:
        page = queries.trash_page(rows, limit=settings.PHOTOSHELF_PAGE_SIZE, cursor=cursor)
    except Refusal as refusal:  # a mangled bookmark: the first page
        messages.error(request, refusal.detail)
        return redirect("web:trash")
    context = {
        "page": page,
        "entries": [(image, trash.purge_at(image)) for image in page.items],
        "is_first_page": not cursor,
        "trash_days": settings.PHOTOSHELF_TRASH_DAYS,
    }
    return render(request, "photoshelf/trash.html", context)


@require_POST
def restore(request: HttpRequest, image_id: int) -> HttpResponse:
    image = _in_trash_or_404(request, image_id)
    if trash.restore(image, actors.of_request(request)):
        messages.success(request, f"“{image.name}” is back in the gallery.")
    back = request.POST.get("next") == "gallery"
    return redirect(f"{reverse('web:gallery')}#image-{image.pk}" if back else "web:trash")


@require_POST
def purge(request: HttpRequest, image_id: int) -> HttpResponse:
    """Without `confirmed=yes` this only asks (the no-JavaScript confirmation step)."""
    image = _in_trash_or_404(request, image_id)
    if request.POST.get("confirmed") != "yes":
        return render(request, "photoshelf/confirm_purge.html", {"image": image})
    if trash.purge(image, actors.of_request(request)):
        messages.success(request, f"“{image.name}” was deleted forever.")
    return redirect("web:trash")


@require_POST
def empty_trash(request: HttpRequest) -> HttpResponse:
    if request.POST.get("confirmed") != "yes":
        return render(request, "photoshelf/confirm_purge.html", {"image": None})
    purged = trash.empty(request.user, actors.of_request(request))
    messages.success(request, f"The trash was emptied: {purged} photo(s) deleted forever.")
    return redirect("web:trash")


@require_safe
def activity_page(request: HttpRequest) -> HttpResponse:
    """The activity log: everyone's for administrators (filter by user), else one's own."""
    params, everyone = request.GET, permissions.can_see_all_activity(request.user)
    try:
        whose = (
            {"username": params.get("user") or None} if everyone else {"user_id": request.user.pk}
        )
        shown = activity.Filter(
            **whose,
            action=params.get("action") or None,
            since=queries.parse_date(params.get("since"), "since"),
            until=queries.parse_date(params.get("until"), "until"),
        )
        page = activity.page(
            shown, limit=settings.PHOTOSHELF_PAGE_SIZE, cursor=params.get("cursor")
        )
    except Refusal as refusal:  # a mangled address: say so, and show the first page of all
        messages.error(request, refusal.detail)
        return redirect("web:activity")
    query = params.copy()
    query.pop("cursor", None)
    context = {
        "page": page,
        "everyone": everyone,
        "actions": activity.ACTIONS,
        "params": params,
        "filters": query.urlencode(),
    }
    return render(request, "photoshelf/activity.html", context)


def _in_trash_or_404(request: HttpRequest, image_id: int) -> Image:
    image = trash.find(request.user, image_id)
    if image is None:
        raise Http404("not in your trash")
    return image


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
    page_cards = cards.cards(page.items, request.user)
    selectable = permissions.can_make_albums(request.user)
    for card in page_cards:
        card["selectable"] = selectable
    if request.GET.get("fragment") == "cards":  # "Load more" asks for the cards alone
        context = {"page": page, "cards": page_cards}
        return render(request, "photoshelf/_gallery_more.html", context, status=status)
    duplicate, restorable = None, False
    if refusal is not None and "duplicate_of" in refusal.extra:
        duplicate = Image.everything.filter(pk=refusal.extra["duplicate_of"]).first()
        if duplicate is not None and duplicate.in_trash:  # offered back, to those who may
            restorable = permissions.can_manage_trashed(request.user, duplicate)
            duplicate = duplicate if restorable else None
    context = {
        "page": page,
        "cards": page_cards,
        "my_albums": _my_albums(request.user) if selectable else None,
        "view": view,
        "cameras": queries.camera_choices(),
        "refusal": refusal,
        "duplicate": duplicate,
        "restorable": restorable,
        "name_value": name,
        "max_upload_mb": settings.PHOTOSHELF_MAX_UPLOAD_BYTES // (1024 * 1024),
        "is_first_page": not cursor,
        "can_upload": permissions.can_upload(request.user),
    }
    return render(request, "photoshelf/gallery.html", context, status=status)


def _my_albums(user) -> list:
    """The albums "Add to album" offers: the person's own, by title (at most a page of them)."""
    if not permissions.can_make_albums(user):
        return []
    return list(albums.owned_by(user).order_by("title", "id")[: settings.PHOTOSHELF_PAGE_SIZE])


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
