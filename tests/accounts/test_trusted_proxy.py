"""X-Forwarded-For/-Proto count only from PHOTOSHELF_TRUSTED_PROXIES."""

import pytest
from django.test import RequestFactory

from photoshelf.accounts.middleware import TrustedProxyMiddleware


def through(settings, proxies, remote, forwarded_for="", proto=""):
    settings.PHOTOSHELF_TRUSTED_PROXIES = proxies
    seen = {}

    def view(request):
        seen.update(address=request.META["REMOTE_ADDR"], secure=request.is_secure())

    request = RequestFactory().get(
        "/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded_for, HTTP_X_FORWARDED_PROTO=proto
    )
    TrustedProxyMiddleware(view)(request)
    return seen


def test_headers_from_anyone_else_are_ignored(settings):
    assert through(settings, [], "203.0.113.9", "10.9.9.9", "https") == {
        "address": "203.0.113.9",
        "secure": False,
    }
    assert through(settings, ["127.0.0.1"], "203.0.113.9", "10.9.9.9", "https") == {
        "address": "203.0.113.9",
        "secure": False,
    }


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "client"),
    [
        (["127.0.0.1"], "198.51.100.4", "198.51.100.4"),
        # A client can put anything at the left; the right-most untrusted hop is the real one.
        (["127.0.0.1"], "6.6.6.6, 198.51.100.4", "198.51.100.4"),
        (["127.0.0.1", "10.0.0.0/8"], "198.51.100.4, 10.1.2.3", "198.51.100.4"),
    ],
)
def test_a_trusted_proxy_names_the_client_and_the_scheme(settings, proxies, forwarded_for, client):
    assert through(settings, proxies, "127.0.0.1", forwarded_for, "https") == {
        "address": client,
        "secure": True,
    }
