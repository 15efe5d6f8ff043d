"""Account pages: first-run setup, sign in/out, the users page (admins), API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from photoshelf.core.refusals import Refusal

from . import permissions, tokens, users
from .forms import AddUserForm, NewUserForm, TokenForm

FIRST_ADMIN_BACKEND = "django.contrib.auth.backends.ModelBackend"


@login_not_required
@require_http_methods(["GET", "HEAD", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """The one-time page that creates the first administrator; gone once any user exists."""
    if users.exists():
        return redirect("web:gallery")
    form = NewUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            admin = users.create_first_admin(
                form.cleaned_data["username"], form.cleaned_data["password"]
            )
        except users.UserError as error:
            form.add_error(None, str(error))
        else:
            login(request, admin, backend=FIRST_ADMIN_BACKEND)
            messages.success(
                request, f"Welcome, {admin.get_username()}: you are the administrator."
            )
            return redirect("web:gallery")
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "accounts/setup.html", {"form": form}, status=status)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


@require_http_methods(["GET", "HEAD", "POST"])
def user_list(request: HttpRequest) -> HttpResponse:
    if not permissions.can_manage_users(request.user):
        return _forbidden(request, "Only administrators manage users.")
    form = AddUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = users.create(data["username"], data["password"], admin=data["admin"])
        except users.UserError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"“{created.get_username()}” was added.")
            return redirect("accounts:users")
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request, "accounts/users.html", {"form": form, "users": users.listed()}, status=status
    )


@require_POST
def user_remove(request: HttpRequest, user_id: int) -> HttpResponse:
    if not permissions.can_manage_users(request.user):
        return _forbidden(request, "Only administrators manage users.")
    try:
        name = users.remove(user_id, acting=request.user)
    except users.UserError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"“{name}” was removed.")
    return redirect("accounts:users")


@require_http_methods(["GET", "HEAD", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    """The signed-in user's tokens; a new token's secret is shown in this answer only."""
    form = TokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        token, secret = tokens.create(request.user, form.cleaned_data["name"])
        form = TokenForm()
    response = render(
        request,
        "accounts/tokens.html",
        {"form": form, "tokens": tokens.of(request.user), "new_secret": secret},
        status=400 if form.is_bound and form.errors else 200,
    )
    if secret:
        response["Cache-Control"] = "no-store"  # the secret must not linger in any cache
    return response


@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    if tokens.revoke(request.user, token_id):
        messages.success(request, "The token was revoked.")
    else:
        messages.error(request, "There is no such live token of yours.")
    return redirect("accounts:tokens")


def _forbidden(request: HttpRequest, detail: str) -> HttpResponse:
    refusal = Refusal("forbidden", detail)
    return render(request, "photoshelf/error.html", {"refusal": refusal}, status=403)
