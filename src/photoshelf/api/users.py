"""/api/users: administrators list, add and remove users (the users page does the same)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status

from photoshelf.accounts import permissions, users
from photoshelf.core.refusals import Refusal

from .schemas import ANY_ERRORS, SIGN_IN_ERRORS, answers

router = Router(tags=["users"])


class UserOut(Schema):
    id: int
    username: str
    is_admin: bool
    date_joined: datetime

    @staticmethod
    def resolve_is_admin(user) -> bool:
        return user.is_superuser


class UserIn(Schema):
    username: str
    password: str
    is_admin: bool = False


def _require_admin(request: HttpRequest) -> None:
    if not permissions.can_manage_users(request.auth):
        raise Refusal("forbidden", "Only administrators manage users.")


@router.get(
    "", response=answers({200: list[UserOut]}, *ANY_ERRORS, *SIGN_IN_ERRORS), summary="List users"
)
def list_users(request: HttpRequest):
    _require_admin(request)
    return users.listed()


@router.post(
    "", response=answers({201: UserOut}, *ANY_ERRORS, *SIGN_IN_ERRORS, 422), summary="Add a user"
)
def create_user(request: HttpRequest, payload: UserIn):
    _require_admin(request)
    try:
        user = users.create(payload.username, payload.password, admin=payload.is_admin)
    except users.UserError as error:
        raise Refusal("invalid-user", str(error)) from None
    return Status(201, user)


@router.delete(
    "/{int:user_id}",
    response=answers({204: None}, *ANY_ERRORS, *SIGN_IN_ERRORS, 404, 422),
    summary="Remove a user (their images stay; only administrators may delete those)",
)
def remove_user(request: HttpRequest, user_id: int):
    _require_admin(request)
    try:
        users.remove(user_id, acting=request.auth)
    except users.UserError as error:
        raise Refusal("invalid-user", str(error)) from None
    return HttpResponse(status=204)
