"""/api/shared/<token>: what a share link shows, for programs; and guests' uploads through it.

No account is involved: the token is the credential, checked by accounts/shares.py on every
request (a password link wants `X-Share-Password`). Every URL handed out is the link's own.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from photoshelf.accounts import shares
from photoshelf.gallery import sharing
from photoshelf.gallery.models import Image, ShareLink
from photoshelf.http.links import shared_image_urls
from photoshelf.http.uploads import received_file

from .images import UPLOAD_REFUSALS
from .schemas import ANY_ERRORS, SharedImageOut, SharedImagePage, SharedOut, answers

router = Router(tags=["shared"])

# A link that is unknown or revoked (404), expired (410), without or with a wrong password
# (401), or locked after too many wrong ones (429).
LINK_ERRORS = (401, 404, 410, 429)


@router.get(
    "/{token}",
    auth=None,
    response=answers({200: SharedOut}, *ANY_ERRORS, *LINK_ERRORS),
    summary="What a share link shows",
)
def get_shared(request: HttpRequest, token: str):
    link = shares.open_link(request, token)
    return {
        "kind": link.kind,
        "title": sharing.title(link),
        "description": sharing.description(link),
        "allow_download": link.allow_download,
        "allow_upload": link.allow_upload,
        "expires_at": link.expires_at,
    }


@router.get(
    "/{token}/images",
    auth=None,
    response=answers({200: SharedImagePage}, *ANY_ERRORS, *LINK_ERRORS),
    summary="A share link's photos, newest added first, with the link's own URLs",
)
def list_shared_images(
    request: HttpRequest, token: str, limit: int = 48, cursor: str | None = None
):
    link = shares.open_link(request, token)
    page = sharing.images(link, limit=limit, cursor=cursor)
    return {
        "items": [shared_image(link, token, image) for image in page.items],
        "next_cursor": page.next_cursor,
    }


@router.post(
    "/{token}/images",
    auth=None,
    response=answers({201: SharedImageOut}, *ANY_ERRORS, *LINK_ERRORS, 403, *UPLOAD_REFUSALS),
    summary="Upload a photo into the album of an upload link",
)
def upload_shared_image(
    request: HttpRequest,
    token: str,
    file: UploadedFile | None = File(None, description="The image file"),
    name: str | None = Form(None, description="Display name; defaults to the file name"),
):
    """Every rule of an ordinary upload; a duplicate of a photo outside the album is refused
    without naming it."""
    link = shares.open_link(request, token)
    incoming = received_file(request, file, missing="The request has no file in its `file` field.")
    image = sharing.store_guest_upload(link, incoming, name, request.META.get("REMOTE_ADDR"))
    return Status(201, shared_image(link, token, image))


def shared_image(link: ShareLink, token: str, image: Image) -> dict:
    local = image.taken_at_local
    return {
        "id": image.pk,
        "name": image.name,
        "file_size": image.file_size,
        "width": image.width,
        "height": image.height,
        "camera": image.camera,
        "taken_at": local.isoformat() if local else None,
        "uploaded_at": image.uploaded_at,
        **shared_image_urls(
            token, image.pk, allow_download=link.allow_download, has_webp=image.has_webp
        ),
    }
