"""/api/albums: make, list, read, change and delete albums, and put photos in and out."""

from __future__ import annotations

from datetime import date
from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from photoshelf.accounts import actors, permissions
from photoshelf.core.refusals import Refusal
from photoshelf.gallery import albums, queries
from photoshelf.gallery.models import Album

from .auth import caller
from .schemas import (
    ANY_ERRORS,
    SIGN_IN_ERRORS,
    AddedOut,
    AlbumIn,
    AlbumOut,
    AlbumPage,
    AlbumPatch,
    ImageIdsIn,
    ImagePage,
    answers,
)

router = Router(tags=["albums"])


@router.post(
    "",
    response=answers({201: AlbumOut}, *ANY_ERRORS, *SIGN_IN_ERRORS),
    summary="Make an album",
)
def create_album(request: HttpRequest, body: AlbumIn):
    if not permissions.can_make_albums(caller(request)):
        raise Refusal("forbidden", "Sign in to make albums.")
    me = caller(request)
    return Status(201, albums.create(me, body.title, body.description, _actor(request)))


@router.get(
    "",
    response=answers({200: AlbumPage}, *ANY_ERRORS, *SIGN_IN_ERRORS),
    summary="List your albums (every album, for administrators)",
)
def list_albums(request: HttpRequest, limit: int = 48, cursor: str | None = None):
    rows = Album.objects.all() if permissions.is_admin(caller(request)) else None
    if rows is None:
        rows = albums.owned_by(caller(request))
    return albums.browse_albums(rows, limit=limit, cursor=cursor)


@router.get(
    "/{int:album_id}",
    response=answers({200: AlbumOut}, *ANY_ERRORS, *SIGN_IN_ERRORS, 404),
    summary="Read one album",
)
def get_album(request: HttpRequest, album_id: int):
    return album_for(caller(request), album_id)


@router.patch(
    "/{int:album_id}",
    response=answers({200: AlbumOut}, *ANY_ERRORS, *SIGN_IN_ERRORS, 404),
    summary="Change an album's title, description or cover",
)
def update_album(request: HttpRequest, album_id: int, body: AlbumPatch):
    album = album_for(caller(request), album_id)
    clear_cover = "cover_image_id" in body.model_fields_set and body.cover_image_id is None
    return albums.update(
        album,
        title=body.title,
        description=body.description,
        cover_image_id=body.cover_image_id,
        clear_cover=clear_cover,
        actor=_actor(request),
    )


@router.delete(
    "/{int:album_id}",
    response=answers({204: None}, *ANY_ERRORS, *SIGN_IN_ERRORS, 404),
    summary="Delete an album (its photos stay in the gallery)",
)
def delete_album(request: HttpRequest, album_id: int):
    albums.delete(album_for(caller(request), album_id), _actor(request))
    return HttpResponse(status=204)


@router.post(
    "/{int:album_id}/images",
    response=answers({200: AddedOut}, *ANY_ERRORS, *SIGN_IN_ERRORS, 404, 422),
    summary="Add photos to an album",
)
def add_images(request: HttpRequest, album_id: int, body: ImageIdsIn):
    """Photos already in it are not counted; an unknown id refuses all (422 unknown-images)."""
    album = album_for(caller(request), album_id)
    return {"added": albums.add(album, body.image_ids, _actor(request))}


@router.get(
    "/{int:album_id}/images",
    response=answers({200: ImagePage}, *ANY_ERRORS, *SIGN_IN_ERRORS, 404),
    summary="An album's photos: newest added first, or sorted and filtered",
)
def list_album_images(
    request: HttpRequest,
    album_id: int,
    limit: int = 48,
    cursor: str | None = None,
    sort: Literal["added", "uploaded", "taken"] = Query(
        "added", description="Date added to the album, upload date or date taken"
    ),
    order: Literal["desc", "asc"] = Query("desc", description="desc: newest first; asc: oldest"),
    make: str | None = Query(None, description="Only this camera make (exact)"),
    model: str | None = Query(None, description="Only this camera model (exact)"),
    taken_from: date | None = Query(None, description="Taken on or after this day (UTC)"),
    taken_to: date | None = Query(None, description="Taken on or before this day (UTC)"),
):
    """One page of the album's photos, newest added first unless sorted otherwise; the sort
    orders and filters of `GET /api/images`, within the album. Pass `next_cursor` back as
    `cursor` with the same sort and filters."""
    album = album_for(caller(request), album_id)
    view = queries.View(
        sort=sort, order=order, make=make, model=model, taken_from=taken_from, taken_to=taken_to
    )
    return albums.browse(album, limit=limit, cursor=cursor, view=view)


@router.delete(
    "/{int:album_id}/images/{int:image_id}",
    response=answers({204: None}, *ANY_ERRORS, *SIGN_IN_ERRORS, 404),
    summary="Take a photo out of an album (it stays in the gallery)",
)
def remove_image(request: HttpRequest, album_id: int, image_id: int):
    album = album_for(caller(request), album_id)
    if not albums.remove(album, image_id, _actor(request)):
        raise Refusal("not-found", f"Image {image_id} is not in this album.")
    return HttpResponse(status=204)


def _actor(request: HttpRequest):
    return actors.of_request(request, caller(request))


def album_for(user, album_id: int) -> Album:
    """The album, if this caller may see and change it; others' albums do not exist for them."""
    album = Album.objects.select_related("owner").filter(pk=album_id).first()
    if album is None or not permissions.can_change_album(user, album):
        raise Refusal("not-found", f"There is no album with id {album_id} of yours.")
    return album
