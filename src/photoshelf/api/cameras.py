"""/api/cameras: the cameras the gallery's photos were taken with, as the camera filter lists them."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from photoshelf.gallery import queries
from photoshelf.gallery.models import Image

from .auth import READERS
from .schemas import AUTH_RESPONSES, CameraOut

router = Router(tags=["images"])


@router.get(
    "",
    response={200: list[CameraOut], **AUTH_RESPONSES},
    auth=READERS,
    summary="List the cameras of the stored photos",
)
def list_cameras(request: HttpRequest):
    """Each (make, model) pair that at least one stored photo has, by make then model; pass
    them as `make` and `model` to `GET /api/images` to list that camera's photos."""
    return [
        {"make": make, "model": model, "camera": Image(camera_make=make, camera_model=model).camera}
        for make, model in queries.cameras()
    ]
