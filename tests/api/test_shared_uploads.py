"""POST /api/shared/<token>/images: a guest's upload through an upload link, under every rule
of an ordinary upload, that reveals nothing about photos outside the album."""

from __future__ import annotations

import pytest
from django.test import Client

from photoshelf.accounts import permissions
from photoshelf.gallery.models import AlbumImage, Image
from tests.api.test_albums import make_album
from tests.api.test_shared import make_link, problem, token_of
from tests.factories import flat_jpeg, photo, reencoded, scene, upload

pytestmark = pytest.mark.django_db


def upload_link(client, **fields):
    album = make_album(client, "Contest")
    link = make_link(client, f"/api/albums/{album['id']}/links", allow_upload=True, **fields)
    return album, token_of(link)


def test_a_guest_upload_is_stored_added_and_recorded_as_the_links(client, member):
    album, token = upload_link(client)
    guest = Client()
    response = guest.post(
        f"/api/shared/{token}/images", {"file": upload(scene(1)), "name": "My entry"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "My entry"
    assert body["original_url"].startswith(f"/s/{token}/images/{body['id']}/")
    image = Image.objects.get(pk=body["id"])
    assert image.uploaded_by is None and image.uploaded_via.album_id == album["id"]
    assert AlbumImage.objects.filter(album_id=album["id"], image=image).exists()
    # The album's owner may delete it (and so may administrators); other members may not.
    assert permissions.can_delete(member, image)
    assert guest.get(body["thumbnail_url"]).status_code == 200


def test_a_link_without_uploads_refuses_them(client):
    album = make_album(client)
    token = token_of(make_link(client, f"/api/albums/{album['id']}/links"))
    problem(
        Client().post(f"/api/shared/{token}/images", {"file": upload(scene(2))}), 403, "forbidden"
    )
    assert not Image.objects.exists()


def store_privately(client, data: bytes, name: str) -> int:
    response = client.post("/api/images", {"file": upload(data), "name": name})
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_a_duplicate_outside_the_album_reveals_nothing(client):
    data = scene(11)
    name = "Secret harbour"
    private = store_privately(client, data, name)
    _, token = upload_link(client)
    body = problem(
        Client().post(f"/api/shared/{token}/images", {"file": upload(data)}), 409, "duplicate"
    )
    assert "duplicate_of" not in body and name not in body["detail"]
    assert str(private) not in body["detail"]


def test_a_near_duplicate_outside_the_album_reveals_nothing(client):
    data = scene(12)
    store_privately(client, data, "Secret harbour")
    _, token = upload_link(client)
    body = problem(
        Client().post(f"/api/shared/{token}/images", {"file": upload(reencoded(data))}),
        409,
        "near-duplicate",
    )
    assert "duplicate_of" not in body and "distance" not in body
    assert "Secret" not in body["detail"]
    assert Image.objects.count() == 1


def test_a_duplicate_inside_the_album_may_be_named(client):
    _, token = upload_link(client)
    guest, data = Client(), scene(3)
    first = guest.post(f"/api/shared/{token}/images", {"file": upload(data), "name": "Mine"})
    assert first.status_code == 201
    again = problem(
        guest.post(f"/api/shared/{token}/images", {"file": upload(data)}), 409, "duplicate"
    )
    assert again["duplicate_of"] == first.json()["id"] and "Mine" in again["detail"]


def test_every_rule_of_an_upload_holds(client, settings):
    _, token = upload_link(client)
    guest, url = Client(), f"/api/shared/{token}/images"
    problem(guest.post(url, {"file": upload(b"not an image at all")}), 415, "not-an-image")
    problem(guest.post(url, {}), 400, "file-missing")
    settings.PHOTOSHELF_REQUIRE_TAKEN_AT = True
    problem(guest.post(url, {"file": upload(flat_jpeg())}), 422, "taken-at-missing")
    problem(guest.post(url, {"file": upload(scene(4)), "name": "a\nb"}), 422, "invalid-name")
    assert not Image.objects.exists()


def test_an_upload_link_with_a_password_wants_it(client):
    _, token = upload_link(client, password="entry")
    url = f"/api/shared/{token}/images"
    problem(Client().post(url, {"file": upload(photo())}), 401, "share-password-required")
    ok = Client().post(url, {"file": upload(scene(5))}, HTTP_X_SHARE_PASSWORD="entry")
    assert ok.status_code == 201


def test_a_revoked_upload_link_takes_nothing(client):
    album, token = upload_link(client)
    link_id = client.get(f"/api/albums/{album['id']}/links").json()[0]["id"]
    client.delete(f"/api/links/{link_id}")
    problem(
        Client().post(f"/api/shared/{token}/images", {"file": upload(scene(6))}), 404, "not-found"
    )
    assert not Image.objects.exists()
