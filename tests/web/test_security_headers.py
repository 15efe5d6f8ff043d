"""Security headers on every response: pages, API answers, files, errors, sign-in."""

import pytest

from tests.factories import photo, upload

pytestmark = pytest.mark.django_db


def assert_hardened(response):
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_every_kind_of_response_carries_the_headers(client, anonymous):
    image = client.post("/api/images", {"file": upload(photo())})
    assert_hardened(image)
    item = image.json()
    for response in (
        client.get("/"),
        client.get(item["original_url"]),
        client.get(item["thumbnail_url"]),
        client.get("/api/images"),
        client.get("/no/such/page"),
        client.get("/tokens"),
        anonymous.get("/"),
        anonymous.get("/login"),
        anonymous.get("/api/images"),
    ):
        assert_hardened(response)
        assert "Strict-Transport-Security" not in response  # only with PHOTOSHELF_HTTPS


def test_https_adds_hsts(client, settings):
    settings.PHOTOSHELF_HTTPS = True
    assert client.get("/")["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
