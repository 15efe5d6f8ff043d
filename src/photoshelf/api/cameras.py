"""/api/cameras: the cameras the gallery's photos were taken with, as the camera filter lists them."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from photoshelf.gallery import display, queries

from .auth import READERS
from .schemas import ANY_ERRORS, SIGN_IN_ERRORS, CameraOut, answers

router = Router(tags=["images"])


@router.get(
    "",
    response=answers({200: list[CameraOut]}, *ANY_ERRORS, *SIGN_IN_ERRORS),
    auth=READERS,
    summary="List the cameras of the stored photos",
)
def list_cameras(request: HttpRequest):
    """Each (make, model) pair that at least one stored photo has, by make then model; pass
    them as `make` and `model` to `GET /api/images` to list that camera's photos."""
    return [
        {"make": make, "model": model, "camera": display.camera(make, model)}
        for make, model in queries.cameras()
    ]
