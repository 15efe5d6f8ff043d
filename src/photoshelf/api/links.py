"""Share links of albums and photos: make one (its URL shown once), list, revoke."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Router, Status

from photoshelf.accounts import actors, permissions
from photoshelf.core.refusals import Refusal
from photoshelf.gallery import sharing
from photoshelf.gallery.models import Image, ShareLink

from .albums import album_for
from .auth import caller
from .schemas import ANY_ERRORS, SIGN_IN_ERRORS, LinkCreated, LinkIn, LinkOut, answers

router = Router(tags=["share links"])


def _actor(request: HttpRequest):
    return actors.of_request(request, caller(request))


def _created(link: ShareLink, token: str) -> Status:
    link.url = reverse("web:shared", args=[token])  # type: ignore[attr-defined]
    return Status(201, link)


@router.post(
    "/albums/{int:album_id}/links",
    response=answers({201: LinkCreated}, *ANY_ERRORS, *SIGN_IN_ERRORS, 404),
    summary="Make a share link to an album (its URL is shown this once)",
)
def create_album_link(request: HttpRequest, album_id: int, body: LinkIn):
    album = album_for(caller(request), album_id)
    link, token = sharing.create(
        album, created_by=caller(request), actor=_actor(request), **body.model_dump()
    )
    return _created(link, token)


@router.get(
    "/albums/{int:album_id}/links",
    response=answers({200: list[LinkOut]}, *ANY_ERRORS, *SIGN_IN_ERRORS, 404),
    summary="An album's live share links (without their URLs)",
)
def list_album_links(request: HttpRequest, album_id: int):
    return sharing.of_album(album_for(caller(request), album_id))


@router.post(
    "/images/{int:image_id}/links",
    response=answers({201: LinkCreated}, *ANY_ERRORS, *SIGN_IN_ERRORS, 404),
    summary="Make a share link to one photo (its uploader or an administrator)",
)
def create_image_link(request: HttpRequest, image_id: int, body: LinkIn):
    image = Image.objects.filter(pk=image_id).first()
    if image is None:
        raise Refusal("not-found", f"There is no image with id {image_id}.")
    if not permissions.can_share_image(caller(request), image):
        raise Refusal("forbidden", permissions.SHARE_IMAGE_RULE)
    link, token = sharing.create(
        image, created_by=caller(request), actor=_actor(request), **body.model_dump()
    )
    return _created(link, token)


@router.delete(
    "/links/{int:link_id}",
    response=answers({204: None}, *ANY_ERRORS, *SIGN_IN_ERRORS, 404),
    summary="Revoke a share link: its URL answers 404 from then on",
)
def revoke_link(request: HttpRequest, link_id: int):
    link = (
        ShareLink.objects.select_related("album", "image")
        .filter(pk=link_id, revoked_at__isnull=True)
        .first()
    )
    if link is None or not permissions.can_revoke(caller(request), link):
        raise Refusal("not-found", f"There is no live link with id {link_id} of yours.")
    sharing.revoke(link, _actor(request))
    return HttpResponse(status=204)
