"""/api/shared/<token>/uploads: tus 1.0.0 for a guest on an upload link, under every rule of a
guest upload, and reachable only through the link it was made through."""

from __future__ import annotations

import pytest
from django.test import Client

from photoshelf.gallery import sharing
from photoshelf.gallery.models import AlbumImage, Image, ResumableUpload, ShareLink
from tests.api.test_albums import make_album
from tests.api.test_shared import make_link, problem, token_of
from tests.api.test_shared_uploads import store_privately, upload_link
from tests.api.test_uploads import OCTETS, TUS, b64, head, patch
from tests.factories import scene

pytestmark = pytest.mark.django_db


def create(guest, token: str, length: int, data: bytes = b"", **headers):
    extra = {**TUS, "HTTP_UPLOAD_LENGTH": str(length), **headers}
    if data:
        extra["CONTENT_TYPE"] = OCTETS
    return guest.generic("POST", f"/api/shared/{token}/uploads", data, **extra)


def location(guest, token: str, length: int, **headers) -> str:
    response = create(guest, token, length, **headers)
    assert response.status_code == 201, response.content
    assert response["Location"].startswith(f"/api/shared/{token}/uploads/")
    return response["Location"]


def test_a_guest_uploads_in_chunks_and_the_photo_goes_into_the_album(client):
    album, token = upload_link(client)
    guest, data = Client(), scene(21)
    url = location(guest, token, len(data), HTTP_UPLOAD_METADATA=f"name {b64('My entry')}")
    half = len(data) // 2
    assert patch(guest, url, 0, data[:half]).status_code == 204
    answer = head(guest, url)
    assert answer.status_code == 200 and answer["Upload-Offset"] == str(half)
    done = patch(guest, url, half, data[half:])
    assert done.status_code == 204, done.content
    image = Image.objects.get(pk=int(done["Photoshelf-Image-Id"]))
    assert image.name == "My entry" and image.uploaded_by is None
    assert image.uploaded_via.album_id == album["id"]
    assert AlbumImage.objects.filter(album_id=album["id"], image=image).exists()
    state = guest.get(url).json()
    assert state["state"] == "stored" and state["image"]["id"] == image.pk
    assert state["image"]["original_url"].startswith(f"/s/{token}/images/{image.pk}/")
    assert ResumableUpload.objects.get().owner is None


def test_options_answers_on_the_guest_url(client):
    _, token = upload_link(client)
    response = Client().options(f"/api/shared/{token}/uploads")
    assert response.status_code == 204 and response["Tus-Version"] == "1.0.0"


def test_an_upload_is_reachable_only_through_its_own_link(client):
    _, token = upload_link(client)
    _, other = upload_link(client)
    guest, data = Client(), scene(22)
    url = location(guest, token, len(data))
    upload_id = url.rsplit("/", 1)[1]
    problem(head_json(guest, f"/api/shared/{other}/uploads/{upload_id}"), 404, "not-found")
    problem(patch(guest, f"/api/shared/{other}/uploads/{upload_id}", 0, data), 404, "not-found")
    # Nor through /api/uploads, not even to the album's owner.
    problem(client.get(f"/api/uploads/{upload_id}"), 404, "not-found")
    problem(patch(client, f"/api/uploads/{upload_id}", 0, data), 404, "not-found")
    assert ResumableUpload.objects.get().offset == 0
    # And an owner's own upload is not reachable through a link.
    mine = client.generic("POST", "/api/uploads", b"", **TUS, HTTP_UPLOAD_LENGTH="10")
    mine_id = mine["Location"].rsplit("/", 1)[1]
    problem(guest.get(f"/api/shared/{token}/uploads/{mine_id}"), 404, "not-found")


def head_json(guest, url):
    """GET: HEAD has no body to show the problem in."""
    return guest.get(url)


def test_a_link_without_uploads_refuses_tus(client):
    album = make_album(client)
    token = token_of(make_link(client, f"/api/albums/{album['id']}/links"))
    problem(create(Client(), token, 100), 403, "forbidden")
    assert not ResumableUpload.objects.exists()


def test_an_image_link_refuses_tus(client):
    data = scene(23)
    image = store_privately(client, data, "One")
    token = token_of(make_link(client, f"/api/images/{image}/links"))
    problem(create(Client(), token, 100), 403, "forbidden")


def test_a_revoked_link_ends_its_uploads(client):
    _, token = upload_link(client)
    guest, data = Client(), scene(24)
    url = location(guest, token, len(data))
    sharing.revoke(ShareLink.objects.get())
    problem(patch(guest, url, 0, data), 404, "not-found")
    problem(guest.get(url), 404, "not-found")


def test_a_password_link_wants_its_password_on_every_request(client):
    _, token = upload_link(client, password="confetti")
    guest, data = Client(), scene(25)
    problem(create(guest, token, len(data)), 401, "share-password-required")
    problem(
        create(guest, token, len(data), HTTP_X_SHARE_PASSWORD="nope"), 401, "share-password-wrong"
    )
    url = location(guest, token, len(data), HTTP_X_SHARE_PASSWORD="confetti")
    problem(patch(guest, url, 0, data), 401, "share-password-required")
    # The page's password form grants a cookie that the link's upload URLs receive too.
    browser = Client()
    assert browser.post(f"/s/{token}", {"password": "confetti"}).status_code == 302
    done = patch(browser, url, 0, data)
    assert done.status_code == 204 and done["Photoshelf-Image-Id"]


def test_a_refused_duplicate_outside_the_album_reveals_nothing_even_in_its_state(client):
    data, name = scene(26), "Secret harbour"
    private = store_privately(client, data, name)
    _, token = upload_link(client)
    guest = Client()
    response = create(guest, token, len(data), data)
    body = problem(response, 409, "duplicate")
    assert "duplicate_of" not in body and name not in body["detail"]
    state = guest.get(response["Location"]).json()
    assert state["state"] == "refused" and state["image"] is None
    shown = str(state)
    assert "duplicate_of" not in shown and name not in shown and f": {private}" not in shown
    assert Image.objects.count() == 1


def test_a_duplicate_inside_the_album_is_named(client):
    _, token = upload_link(client)
    guest, data = Client(), scene(27)
    assert create(guest, token, len(data), data).status_code == 201
    again = create(guest, token, len(data), data, HTTP_UPLOAD_METADATA=f"name {b64('Twice')}")
    body = problem(again, 409, "duplicate")
    assert "already in the album" in body["detail"]


@pytest.mark.parametrize(
    "token",
    ["x" * 65, "%00", "..%2F..%2Fapi%2Fuploads", "ü" * 10, "a" * 32],
)
def test_hostile_link_tokens_are_not_found(token):
    response = create(Client(), token, 10)
    assert response.status_code == 404 and response.json()["code"] == "not-found"


@pytest.mark.parametrize(
    "upload_id", ["0" * 32, "'; DROP TABLE x;--", "z" * 2000, "%00%00", "../" * 5]
)
def test_hostile_upload_ids_are_not_found(client, upload_id):
    _, token = upload_link(client)
    response = Client().get(f"/api/shared/{token}/uploads/{upload_id}")
    assert response.status_code == 404 and response.json()["code"] == "not-found"


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({"HTTP_UPLOAD_LENGTH": "-1"}, 400, "invalid-request"),
        ({"HTTP_UPLOAD_LENGTH": "1" * 30}, 400, "invalid-request"),
        ({"HTTP_UPLOAD_LENGTH": str(10**12)}, 413, "too-large"),
        ({"HTTP_UPLOAD_LENGTH": "10", "HTTP_UPLOAD_METADATA": "name ###"}, 400, "invalid-request"),
        ({"HTTP_UPLOAD_LENGTH": "10", "HTTP_TUS_RESUMABLE": "0.2"}, 412, "tus-version-unsupported"),
    ],
)
def test_hostile_creation_headers_are_refused(client, headers, status, code):
    _, token = upload_link(client)
    extra = {**TUS, **headers}
    response = Client().generic("POST", f"/api/shared/{token}/uploads", b"", **extra)
    problem(response, status, code)
    assert not ResumableUpload.objects.exists()


def test_bytes_beyond_the_length_and_a_wrong_offset_are_refused(client):
    _, token = upload_link(client)
    guest = Client()
    url = location(guest, token, 10)
    problem(patch(guest, url, 0, b"x" * 11), 413, "beyond-upload-length")
    problem(patch(guest, url, 5, b"x"), 409, "upload-offset-mismatch")
    problem(patch(guest, url, 0, b"x", CONTENT_TYPE="text/plain"), 415, "unsupported-media-type")


def test_a_guest_may_give_up_an_upload(client):
    _, token = upload_link(client)
    guest = Client()
    url = location(guest, token, 10)
    assert guest.delete(url, **TUS).status_code == 204
    assert not ResumableUpload.objects.exists()
