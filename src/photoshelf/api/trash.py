"""/api/trash: what a person deleted (administrators: everyone's), restored or deleted forever."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router

from photoshelf.accounts import actors
from photoshelf.core.refusals import Refusal
from photoshelf.gallery import queries, trash
from photoshelf.gallery.models import Image

from .auth import caller
from .schemas import ANY_ERRORS, SIGN_IN_ERRORS, ImageOut, Purged, TrashPage, answers

router = Router(tags=["trash"])


@router.get(
    "",
    response=answers({200: TrashPage}, *ANY_ERRORS, *SIGN_IN_ERRORS),
    summary="List the trash, the most recently deleted first",
)
def list_trash(request: HttpRequest, limit: int = 48, cursor: str | None = None):
    """Photos you deleted (an administrator: everyone's), each with `purge_at`, when it goes
    for good. Pass `next_cursor` back as `cursor` for the next page."""
    return queries.trash_page(trash.visible_to(caller(request)), limit=limit, cursor=cursor)


@router.post(
    "/{int:image_id}/restore",
    response=answers({200: ImageOut}, *ANY_ERRORS, *SIGN_IN_ERRORS, 404),
    summary="Put a photo back into the gallery",
)
def restore(request: HttpRequest, image_id: int):
    image = _in_trash_or_404(request, image_id)
    if not trash.restore(image, _actor(request)):  # purged or restored meanwhile
        raise _not_in_trash(image_id)
    return Image.objects.select_related("uploaded_by").get(pk=image.pk)


@router.delete(
    "/{int:image_id}",
    response=answers({204: None}, *ANY_ERRORS, *SIGN_IN_ERRORS, 404),
    summary="Delete a photo in the trash forever",
)
def purge(request: HttpRequest, image_id: int):
    image = _in_trash_or_404(request, image_id)
    if not trash.purge(image, _actor(request)):
        raise _not_in_trash(image_id)
    return HttpResponse(status=204)


@router.delete(
    "",
    response=answers({200: Purged}, *ANY_ERRORS, *SIGN_IN_ERRORS),
    summary="Empty the trash (yours; an administrator's: everyone's)",
)
def empty(request: HttpRequest):
    return {"purged": trash.empty(caller(request), _actor(request))}


def _actor(request: HttpRequest):
    return actors.of_request(request, caller(request))


def _in_trash_or_404(request: HttpRequest, image_id: int) -> Image:
    # Another person's trash is not there for you: the same answer as no such photo.
    image = trash.find(caller(request), image_id)
    if image is None:
        raise _not_in_trash(image_id)
    return image


def _not_in_trash(image_id: int) -> Refusal:
    return Refusal("not-found", f"There is no photo with id {image_id} in your trash.")
