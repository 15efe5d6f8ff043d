"""/api/images: upload, list, read and delete images."""

from __future__ import annotations

from datetime import date
from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from photoshelf.accounts import actors, permissions
from photoshelf.core.refusals import Refusal
from photoshelf.gallery import library, queries, trash
from photoshelf.gallery.models import Image
from photoshelf.http.uploads import received_file

from .auth import READERS, caller
from .schemas import ANY_ERRORS, SIGN_IN_ERRORS, ImageOut, ImagePage, answers

router = Router(tags=["images"])

# What an upload may be refused for, besides: duplicate (409), too large (413), not an image
# (415), and the date rules or the name (422).
UPLOAD_REFUSALS = (409, 413, 415, 422)


@router.post(
    "",
    response=answers({201: ImageOut}, *ANY_ERRORS, *SIGN_IN_ERRORS, *UPLOAD_REFUSALS),
    summary="Upload an image",
)
def create_image(
    request: HttpRequest,
    file: UploadedFile | None = File(None, description="The image file"),
    name: str | None = Form(None, description="Display name; defaults to the file name"),
):
    """Upload one image as multipart/form-data. Refusals are problem+json with a `code`."""
    incoming = received_file(request, file, missing="The request has no file in its `file` field.")
    user = caller(request)
    image = library.store(incoming, name, uploaded_by=user, actor=actors.of_request(request, user))
    return Status(201, image)


@router.get(
    "",
    response=answers({200: ImagePage}, *ANY_ERRORS, *SIGN_IN_ERRORS),
    auth=READERS,
    summary="List, sort and filter images",
)
def list_images(
    request: HttpRequest,
    limit: int = 48,
    cursor: str | None = None,
    sort: Literal["uploaded", "taken"] = Query("uploaded", description="Upload date or date taken"),
    order: Literal["desc", "asc"] = Query("desc", description="desc: newest first; asc: oldest"),
    make: str | None = Query(None, description="Only this camera make (exact)"),
    model: str | None = Query(None, description="Only this camera model (exact)"),
    taken_from: date | None = Query(None, description="Taken on or after this day (UTC)"),
    taken_to: date | None = Query(None, description="Taken on or before this day (UTC)"),
    sha256: str | None = Query(None, description="Only the image with exactly these bytes"),
):
    """One page of images; pass `next_cursor` back as `cursor` (with the same sort and filters)
    for the next page. Photos without a date taken come last when sorting by date taken.
    With `sha256`, the answer holds the stored image with those bytes, or nothing: a client can
    skip uploading a duplicate."""
    if sha256 is not None:
        return queries.by_sha256(sha256)
    view = queries.View(
        sort=sort, order=order, make=make, model=model, taken_from=taken_from, taken_to=taken_to
    )
    return queries.browse(view, limit=limit, cursor=cursor)


@router.get(
    "/{int:image_id}",
    response=answers({200: ImageOut}, *ANY_ERRORS, *SIGN_IN_ERRORS, 404),
    auth=READERS,
    summary="Read one image",
)
def get_image(request: HttpRequest, image_id: int):
    return _get_or_404(image_id)


@router.delete(
    "/{int:image_id}",
    response=answers({204: None}, *ANY_ERRORS, *SIGN_IN_ERRORS, 404),
    summary="Delete an image (its uploader or an administrator): it moves to the trash",
)
def delete_image(request: HttpRequest, image_id: int):
    """The photo moves to the trash, restorable for PHOTOSHELF_TRASH_DAYS (see /api/trash);
    with the trash off (0 days) it is deleted at once."""
    image = _get_or_404(image_id)
    if not permissions.can_delete(request.auth, image):
        raise Refusal("forbidden", permissions.DELETE_RULE)
    trash.move(image, actors.of_request(request, caller(request)))
    return HttpResponse(status=204)


def _get_or_404(image_id: int) -> Image:
    image = Image.objects.filter(pk=image_id).first()
    if image is None:
        raise Refusal("not-found", f"There is no image with id {image_id}.")
    return image
