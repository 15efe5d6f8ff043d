"""A signed-in person's browser tricked by another site into posting: refused, nothing changes."""

import pytest
from django.test import Client

from photoshelf.gallery.models import Image
from tests.factories import photo, upload

pytestmark = pytest.mark.django_db

EVIL = {"HTTP_ORIGIN": "https://evil.example", "HTTP_REFERER": "https://evil.example/trap"}


@pytest.fixture
def victim(member) -> Client:
    """A signed-in browser that, like a real one, sends cookies but no CSRF token of ours."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    return browser


@pytest.fixture
def image(client) -> Image:
    return Image.objects.get(pk=client.post("/api/images", {"file": upload(photo())}).json()["id"])


def test_a_cross_site_upload_form_post_is_refused(victim):
    response = victim.post("/upload", {"file": upload(photo())}, **EVIL)
    assert response.status_code == 403 and not Image.objects.exists()


def test_a_cross_site_delete_form_post_is_refused(victim, image):
    response = victim.post(f"/images/{image.pk}/delete", {"confirmed": "yes"}, **EVIL)
    assert response.status_code == 403 and Image.objects.filter(pk=image.pk).exists()


def test_a_cross_site_api_upload_with_the_session_is_refused(victim):
    response = victim.post("/api/images", {"file": upload(photo())}, **EVIL)
    assert response.status_code == 403 and not Image.objects.exists()


def test_a_cross_site_api_delete_with_the_session_is_refused(victim, image):
    response = victim.delete(f"/api/images/{image.pk}", **EVIL)
    assert response.status_code == 403 and Image.objects.filter(pk=image.pk).exists()


def test_the_same_site_form_with_its_token_is_accepted(victim):
    victim.get("/")  # the page sets the CSRF cookie that its form echoes
    token = victim.cookies["csrftoken"].value
    response = victim.post("/upload", {"file": upload(photo()), "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and Image.objects.count() == 1


BROKEN_FORM = {
    "content_type": "multipart/form-data; boundary=x",
    "data": b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"',
}


@pytest.mark.parametrize(("path", "status"), [("/upload", 302), ("/api/images", 401)])
def test_an_anonymous_upload_is_turned_away_before_its_body_is_read(member, path, status):
    # Parsing this body fails (400), so being refused instead shows it was never read, even
    # though the visitor holds a CSRF cookie (the check would read the form for its token).
    visitor = Client(enforce_csrf_checks=True)
    visitor.get("/login")
    assert "csrftoken" in visitor.cookies
    assert visitor.generic("POST", path, **BROKEN_FORM).status_code == status
    signed_in = Client()
    signed_in.force_login(member)
    assert signed_in.generic("POST", path, **BROKEN_FORM).status_code == 400
