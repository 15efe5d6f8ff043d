"""Adding and removing people: the first administrator, more users, and their removal."""

from __future__ import annotations

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import transaction


class UserError(Exception):
    """A user cannot be created or removed; the message says why, for a person."""


def exists() -> bool:
    return get_user_model().objects.exists()


def create(username: str, password: str, *, admin: bool = False):
    """A new active user with an argon2-hashed password; raises UserError when refused."""
    User = get_user_model()
    username = username.strip()
    if not username:
        raise UserError("A user name is needed.")
    try:
        User.username_validator(username)
    except ValidationError as error:
        raise UserError(" ".join(error.messages)) from None
    candidate = User(username=username)
    try:
        password_validation.validate_password(password, candidate)
    except ValidationError as error:
        raise UserError(" ".join(error.messages)) from None
    with transaction.atomic():
        if User.objects.filter(username__iexact=username).exists():
            raise UserError(f"There is already a user named “{username}”.")
        if admin:
            return User.objects.create_superuser(username=username, password=password)
        return User.objects.create_user(username=username, password=password)


def create_first_admin(username: str, password: str):
    """The setup page's one administrator; UserError once any user exists."""
    with transaction.atomic():
        if exists():
            raise UserError("Setup is already done: sign in instead.")
        return create(username, password, admin=True)


def named(username: str):
    """The user of this exact name, or None."""
    return get_user_model().objects.filter(username=username).first()


def remove(user_id: int, *, acting=None) -> str:
    """Remove a user (their tokens go with them; their images stay, owned by nobody).

    `acting`: the administrator asking, who may not remove themselves (None: the command line).
    """
    User = get_user_model()
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise UserError("There is no such user.")
    if acting is not None and user.pk == acting.pk:
        raise UserError("You cannot remove yourself.")
    name = user.get_username()
    user.delete()
    return name


def listed():
    return list(get_user_model().objects.order_by("username"))
