"""API tokens: made on the page or the CLI, shown once, stored hashed, revocable."""

import hashlib

import pytest
from django.test import Client

from photoshelf.accounts import tokens
from photoshelf.accounts.models import ApiToken
from photoshelf.gallery.models import Image
from tests.conftest import bearer, make_user
from tests.factories import photo, upload

pytestmark = pytest.mark.django_db


def test_the_page_shows_a_new_token_once_and_stores_only_its_hash(client, member):
    response = client.post("/tokens", {"name": "phone backup"})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    html = response.content.decode()
    secret = html.split('<code class="secret">')[1].split("</code>")[0]
    token = ApiToken.objects.get(user=member)
    assert token.name == "phone backup"
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert all(secret not in str(value) for value in ApiToken.objects.values().get().values())
    listing = client.get("/tokens").content.decode()
    assert "phone backup" in listing and token.prefix in listing and secret not in listing


def test_a_token_works_for_the_api_without_csrf_and_records_its_use(member, member_token):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/api/images", {"file": upload(photo())}, **bearer(member_token))
    assert response.status_code == 201
    image = Image.objects.get()
    assert image.uploaded_by == member and response.json()["uploaded_by"] == "member"
    assert ApiToken.objects.get().last_used_at is not None


def test_the_same_token_downloads_what_the_api_lists(anonymous, member_token):
    anonymous.post("/api/images", {"file": upload(photo())}, **bearer(member_token))
    item = anonymous.get("/api/images", **bearer(member_token)).json()["items"][0]
    for url in (item["original_url"], item["preview_url"], item["thumbnail_url"]):
        response = anonymous.get(url, **bearer(member_token))
        assert response.status_code == 200 and response["Content-Type"] == ("image/jpeg")
        assert anonymous.get(url).status_code == 302  # and nothing without it


def test_revoking_on_the_page_stops_the_token_at_once(client, member, member_token):
    token = ApiToken.objects.get()
    response = client.post(f"/tokens/{token.pk}/revoke", follow=True)
    assert "The token was revoked." in response.content.decode()
    assert Client().get("/api/images", **bearer(member_token)).status_code == 401
    assert "revoked" in client.get("/tokens").content.decode()


def test_nobody_revokes_another_persons_token(uploader_client, member_token):
    token = ApiToken.objects.get()
    response = uploader_client.post(f"/tokens/{token.pk}/revoke", follow=True)
    assert "There is no such live token of yours." in response.content.decode()
    assert Client().get("/api/images", **bearer(member_token)).status_code == 200


@pytest.mark.parametrize(
    "header", ["Bearer psh_not-a-real-token", "Bearer ", "Basic abc", "Bearer not-even-the-prefix"]
)
def test_malformed_or_unknown_tokens_are_401(anonymous, member, header):
    response = anonymous.get("/api/images", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


def test_a_disabled_users_tokens_stop_working(member, member_token):
    member.is_active = False
    member.save()
    assert tokens.user_for_secret(member_token) is None
    assert Client().get("/api/images", **bearer(member_token)).status_code == 401


def test_a_session_api_call_without_csrf_token_is_refused(member):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member)
    response = strict.post("/api/images", {"file": upload(photo())})
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert strict.get("/api/images").status_code == 200  # reading needs no CSRF token
    assert not Image.objects.exists()


def test_a_removed_users_tokens_go_with_them(administrator_client, member, member_token):
    administrator_client.post(f"/users/{member.pk}/remove")
    assert not ApiToken.objects.exists()
    assert Client().get("/api/images", **bearer(member_token)).status_code == 401


def test_each_user_lists_only_their_own_tokens(client, member):
    tokens.create(make_user("someone"), "someone's secret script")
    tokens.create(member, "mine")
    html = client.get("/tokens").content.decode()
    assert "mine" in html and "someone&#x27;s secret script" not in html


@pytest.mark.parametrize("form", ["Bearer {}", "BEARER  {}", "bearer {} "])
def test_the_api_and_the_file_urls_read_the_authorization_header_alike(
    anonymous, member_token, form
):
    anonymous.post("/api/images", {"file": upload(photo())}, **bearer(member_token))
    header = form.format(member_token)
    listed = anonymous.get("/api/images", HTTP_AUTHORIZATION=header)
    thumbnail = Image.objects.get().pk
    served = anonymous.get(f"/images/{thumbnail}/thumbnail", HTTP_AUTHORIZATION=header)
    assert listed.status_code == served.status_code == 200, header
