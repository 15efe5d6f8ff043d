"""Request gates: the real client behind a trusted proxy, first-run setup, sign-in required."""

from __future__ import annotations

import ipaddress
from functools import cached_property

from django.conf import settings
from django.contrib.auth import middleware as auth_middleware
from django.contrib.auth.models import AnonymousUser
from django.db import InterfaceError, OperationalError
from django.shortcuts import redirect
from django.urls import reverse

from photoshelf.http.answers import unavailable_response, wants_json

from . import users

# Paths that stay reachable before the first user exists (setup itself, files it needs, probes).
FIRST_RUN_OPEN = ("/setup", "/static/", "/healthz")  # and the API


def client_address(request) -> str:
    """The client's address, as TrustedProxyMiddleware left it (django-axes reads this)."""
    return request.META.get("REMOTE_ADDR", "")


class TrustedProxyMiddleware:
    """Believe X-Forwarded-For / X-Forwarded-Proto only from PHOTOSHELF_TRUSTED_PROXIES.

    Anyone can send those headers; only a proxy we were told about sets them honestly. The
    client is the right-most address in X-Forwarded-For that is not itself a trusted proxy.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    @cached_property
    def networks(self):
        return [ipaddress.ip_network(entry) for entry in settings.PHOTOSHELF_TRUSTED_PROXIES]

    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address.strip())
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def __call__(self, request):
        if self.networks and self._trusted(request.META.get("REMOTE_ADDR", "")):
            hops = [
                hop.strip()
                for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
                if hop.strip()
            ]
            for hop in reversed(hops):
                if not self._trusted(hop):
                    request.META["REMOTE_ADDR"] = hop
                    break
            proto = request.META.get("HTTP_X_FORWARDED_PROTO", "").split(",")[0].strip().lower()
            if proto in ("http", "https"):
                request.META["wsgi.url_scheme"] = proto
        return self.get_response(request)


class FirstRunMiddleware:
    """While no user exists, every page leads to the one-time setup page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            # A signed-in request proves a user exists; only anonymous ones pay for the query.
            # Asking for request.user here also loads the session and user once for the
            # request, so a database outage is answered 503 here rather than as a 500 later.
            first_run = (
                not request.user.is_authenticated
                and not request.path_info.startswith(FIRST_RUN_OPEN)
                and not wants_json(request)
                and not users.exists()
            )
        except (OperationalError, InterfaceError) as outage:
            request.user = AnonymousUser()  # the error page must not ask the database again
            return unavailable_response(request, outage)
        if first_run:
            return redirect(reverse("accounts:setup"))
        return self.get_response(request)


class LoginRequiredMiddleware(auth_middleware.LoginRequiredMiddleware):
    """Every page needs a signed-in user unless its view says otherwise (closed by default).

    The JSON API is left to django-ninja's own auth classes (api/auth.py), which answer 401
    problem+json instead of redirecting to the sign-in page.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if wants_json(request):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
