"""Share links: POST/GET /api/albums/{id}/links, POST /api/images/{id}/links, DELETE
/api/links/{id}, and what a link shows to programs: /api/shared/<token>[/images].

Hostile input throughout: guessed, truncated and overlong tokens, expired and revoked links,
wrong passwords (throttled), and a link asked for a photo it does not show.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from photoshelf.accounts.models import SharePasswordFailure
from photoshelf.gallery.models import Image, ShareLink
from photoshelf.gallery.sharing import hash_token
from tests.api.test_albums import make_album, make_images

pytestmark = pytest.mark.django_db


def album_with_photos(client, count=3, **link_fields):
    ids = make_images(client, count)
    album = make_album(client, "Wedding", description="Saturday")
    client.post(
        f"/api/albums/{album['id']}/images", {"image_ids": ids}, content_type="application/json"
    )
    link = make_link(client, f"/api/albums/{album['id']}/links", **link_fields)
    return album, ids, link


def make_link(client, url, **fields):
    response = client.post(url, fields, content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()


def token_of(link) -> str:
    return link["url"].removeprefix("/s/")


def problem(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code and body["detail"]
    return body


def test_a_link_is_shown_once_and_only_its_hash_is_stored(client):
    album, _, link = album_with_photos(client, 1)
    token = token_of(link)
    assert len(token) >= 32  # 192 bits, URL-safe base64
    assert set(link) == {
        "id", "kind", "url", "expires_at", "has_password", "allow_download", "allow_upload",
        "created_at",
    }  # fmt: skip
    assert link["allow_download"] is True and link["allow_upload"] is False
    row = ShareLink.objects.get(pk=link["id"])
    assert row.token_hash == hash_token(token) and token not in str(vars(row))
    listed = client.get(f"/api/albums/{album['id']}/links").json()
    assert [entry["id"] for entry in listed] == [link["id"]]
    assert "url" not in listed[0] and token not in str(listed)


def test_anyone_with_the_link_reads_the_album_and_its_photos_under_the_links_urls(
    client, anonymous
):
    album, ids, link = album_with_photos(client, 3)
    token = token_of(link)
    shared = anonymous.get(f"/api/shared/{token}")
    assert shared.status_code == 200
    assert shared.json() == {
        "kind": "album", "title": "Wedding", "description": "Saturday",
        "allow_download": True, "allow_upload": False, "expires_at": None,
    }  # fmt: skip
    page = anonymous.get(f"/api/shared/{token}/images", {"limit": 2}).json()
    rest = anonymous.get(
        f"/api/shared/{token}/images", {"limit": 2, "cursor": page["next_cursor"]}
    ).json()
    items = page["items"] + rest["items"]
    assert sorted(item["id"] for item in items) == sorted(ids) and rest["next_cursor"] is None
    for item in items:
        for key in (
            "original_url", "preview_url", "thumbnail_url", "thumbnail_webp_url"
        ):  # fmt: skip
            assert item[key].startswith(f"/s/{token}/images/{item['id']}/")
        webp = anonymous.get(item["thumbnail_webp_url"])
        assert webp.status_code == 200 and webp["Content-Type"] == "image/webp"
        assert "sha256" not in item and "uploaded_by" not in item and "gps" not in item
        assert anonymous.get(item["thumbnail_url"]).status_code == 200
        original = anonymous.get(item["original_url"])
        assert original.status_code == 200 and original["Cache-Control"] == "private, no-cache"


def test_a_link_never_reaches_another_photo(client, anonymous):
    album, ids, link = album_with_photos(client, 2)
    outside = make_images(client, 1)[0]
    token = token_of(link)
    for url in (
        f"/s/{token}/images/{outside}/original",
        f"/s/{token}/images/{outside}/thumbnail",
        f"/s/{token}/images/{outside}/preview",
        f"/s/{token}/images/{2**70}/original",
        f"/s/{token}/images/{ids[0]}/secret",
        f"/images/{ids[0]}/original",  # the site's own URLs stay closed
        f"/albums/{album['id']}",
    ):
        response = anonymous.get(url)
        assert response.status_code in (302, 404), (url, response.status_code)
        if response.status_code == 302:
            assert response["Location"].startswith("/login")


def test_an_image_link_shows_that_photo_alone(client, anonymous):
    ids = make_images(client, 2)
    link = make_link(client, f"/api/images/{ids[0]}/links", allow_download=False)
    token = token_of(link)
    assert link["kind"] == "image"
    shared = anonymous.get(f"/api/shared/{token}").json()
    assert shared["kind"] == "image" and shared["allow_download"] is False
    items = anonymous.get(f"/api/shared/{token}/images").json()["items"]
    assert [item["id"] for item in items] == [ids[0]] and items[0]["original_url"] is None
    assert anonymous.get(f"/s/{token}/images/{ids[0]}/preview").status_code == 200
    withheld = anonymous.get(f"/s/{token}/images/{ids[0]}/original")  # a page: says so in HTML
    assert withheld.status_code == 403 and b'data-code="original-withheld"' in withheld.content
    assert anonymous.get(f"/s/{token}/images/{ids[1]}/preview").status_code == 404
    assert anonymous.get(f"/s/{token}/download").status_code == 403


def test_an_image_link_cannot_take_uploads(client):
    ids = make_images(client, 1)
    response = client.post(
        f"/api/images/{ids[0]}/links", {"allow_upload": True}, content_type="application/json"
    )
    problem(response, 400, "invalid-request")


@pytest.mark.parametrize(
    "token",
    [
        "guess",
        "A" * 32,
        "A" * 10_000,
        "%00",
        "..%2F..%2Fetc",
        "' OR 1=1 --",
        "ünïcödé",
    ],
)
def test_a_guessed_or_mangled_token_is_not_found(client, anonymous, token):
    album_with_photos(client, 1)
    problem(anonymous.get(f"/api/shared/{token}"), 404, "not-found")
    problem(anonymous.get(f"/api/shared/{token}/images"), 404, "not-found")


def test_a_token_one_character_off_is_not_found(client, anonymous):
    _, ids, link = album_with_photos(client, 1)
    token = token_of(link)
    near = token[:-1] + ("A" if token[-1] != "A" else "B")
    problem(anonymous.get(f"/api/shared/{near}"), 404, "not-found")
    problem(anonymous.get(f"/api/shared/{token[:-1]}"), 404, "not-found")
    assert anonymous.get(f"/s/{near}/images/{ids[0]}/original").status_code == 404


def test_a_revoked_link_is_not_found_everywhere(client, anonymous):
    _, ids, link = album_with_photos(client, 1)
    token = token_of(link)
    assert client.delete(f"/api/links/{link['id']}").status_code == 204
    problem(anonymous.get(f"/api/shared/{token}"), 404, "not-found")
    assert anonymous.get(f"/s/{token}").status_code == 404
    assert anonymous.get(f"/s/{token}/images/{ids[0]}/thumbnail").status_code == 404
    assert client.delete(f"/api/links/{link['id']}").status_code == 404  # revoked already
    assert ShareLink.objects.get(pk=link["id"]).revoked_at is not None


def test_an_expired_link_is_gone(client, anonymous):
    _, ids, link = album_with_photos(
        client, 1, expires_at=(timezone.now() + timedelta(hours=1)).isoformat()
    )
    token = token_of(link)
    assert anonymous.get(f"/api/shared/{token}").status_code == 200
    ShareLink.objects.filter(pk=link["id"]).update(expires_at=timezone.now())
    problem(anonymous.get(f"/api/shared/{token}"), 410, "share-expired")
    assert anonymous.get(f"/s/{token}").status_code == 410
    assert anonymous.get(f"/s/{token}/images/{ids[0]}/thumbnail").status_code == 404


@pytest.mark.parametrize(
    "fields",
    [
        {"expires_at": "2001-01-01T00:00:00Z"},
        {"expires_at": "2999-01-01T00:00:00"},  # no time zone
        {"expires_at": "tomorrow"},
        {"password": ""},
        {"password": "x" * 201},
        {"allow_download": "perhaps"},
    ],
)
def test_a_link_outside_the_rules_is_refused(client, fields):
    album = make_album(client)
    response = client.post(
        f"/api/albums/{album['id']}/links", fields, content_type="application/json"
    )
    problem(response, 400, "invalid-request")
    assert not ShareLink.objects.exists()


def test_a_password_link_wants_its_password(client, settings):
    settings.PHOTOSHELF_LOGIN_ATTEMPTS = 3
    _, ids, link = album_with_photos(client, 1, password="confetti")
    assert link["has_password"] is True
    token, guest = token_of(link), Client()
    problem(guest.get(f"/api/shared/{token}"), 401, "share-password-required")
    right = guest.get(f"/api/shared/{token}", HTTP_X_SHARE_PASSWORD="confetti")
    assert right.status_code == 200
    problem(
        guest.get(f"/api/shared/{token}/images", HTTP_X_SHARE_PASSWORD="Confetti"),
        401,
        "share-password-wrong",
    )
    assert guest.get(f"/s/{token}/images/{ids[0]}/thumbnail").status_code == 404  # no cookie


def test_wrong_passwords_are_throttled_like_sign_ins(client, settings):
    settings.PHOTOSHELF_LOGIN_ATTEMPTS = 3
    _, _, link = album_with_photos(client, 1, password="confetti")
    token, guest = token_of(link), Client()
    for _ in range(3):
        problem(
            guest.get(f"/api/shared/{token}", HTTP_X_SHARE_PASSWORD="nope"),
            401,
            "share-password-wrong",
        )
    problem(guest.get(f"/api/shared/{token}", HTTP_X_SHARE_PASSWORD="nope"), 429, "share-locked")
    # Locked: even the right password waits for the cool-off.
    problem(
        guest.get(f"/api/shared/{token}", HTTP_X_SHARE_PASSWORD="confetti"), 429, "share-locked"
    )
    # Another address is not locked out by this one.
    other = Client(REMOTE_ADDR="192.0.2.7")
    assert other.get(f"/api/shared/{token}", HTTP_X_SHARE_PASSWORD="confetti").status_code == 200


def test_the_cool_off_ends_and_a_right_password_clears_the_count(client, settings):
    settings.PHOTOSHELF_LOGIN_ATTEMPTS = 1
    settings.PHOTOSHELF_LOGIN_COOLOFF_MINUTES = 15
    _, _, link = album_with_photos(client, 1, password="confetti")
    token, guest = token_of(link), Client()
    guest.get(f"/api/shared/{token}", HTTP_X_SHARE_PASSWORD="nope")
    problem(guest.get(f"/api/shared/{token}", HTTP_X_SHARE_PASSWORD="nope"), 429, "share-locked")
    SharePasswordFailure.objects.update(last_failed_at=timezone.now() - timedelta(minutes=16))
    assert guest.get(f"/api/shared/{token}", HTTP_X_SHARE_PASSWORD="confetti").status_code == 200
    assert not SharePasswordFailure.objects.exists()


def test_only_the_owner_or_an_administrator_makes_lists_and_revokes_links(
    client, uploader_client, administrator_client
):
    album, ids, link = album_with_photos(client, 1)
    url = f"/api/albums/{album['id']}/links"
    problem(uploader_client.post(url, {}, content_type="application/json"), 404, "not-found")
    problem(uploader_client.get(url), 404, "not-found")
    problem(uploader_client.delete(f"/api/links/{link['id']}"), 404, "not-found")
    problem(
        uploader_client.post(f"/api/images/{ids[0]}/links", {}, content_type="application/json"),
        403,
        "forbidden",
    )
    assert len(administrator_client.get(url).json()) == 1
    assert administrator_client.delete(f"/api/links/{link['id']}").status_code == 204
    assert client.get(url).json() == []


def test_an_unknown_link_id_is_not_found(client):
    problem(client.delete(f"/api/links/{2**70}"), 404, "not-found")
    problem(client.delete("/api/links/123456"), 404, "not-found")


def test_tokens_are_not_predictable(client):
    album = make_album(client)
    tokens = {token_of(make_link(client, f"/api/albums/{album['id']}/links")) for _ in range(20)}
    assert len(tokens) == 20
    assert len({t[:6] for t in tokens}) == 20  # no shared prefix or counter


def test_deleting_the_album_ends_its_links(client, anonymous):
    album, _, link = album_with_photos(client, 1)
    client.delete(f"/api/albums/{album['id']}")
    problem(anonymous.get(f"/api/shared/{token_of(link)}"), 404, "not-found")
    assert Image.objects.count() == 1
