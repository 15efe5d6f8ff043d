"""/api/albums: make, list, read, change, delete; photos in and out, in keyset pages."""

from __future__ import annotations

import itertools

import pytest

from photoshelf.gallery.models import Album, AlbumImage, Image
from tests.factories import scene, upload

pytestmark = pytest.mark.django_db

_seeds = itertools.count(1000)


def make_images(client, count: int) -> list[int]:
    """`count` photos, each a different picture (never a near-duplicate of another)."""
    ids = []
    for _ in range(count):
        response = client.post("/api/images", {"file": upload(scene(next(_seeds)))})
        assert response.status_code == 201, response.content
        ids.append(response.json()["id"])
    return ids


def make_album(client, title="Wedding", **fields) -> dict:
    response = client.post(
        "/api/albums", {"title": title, **fields}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_it_makes_an_album_and_answers_its_json(client):
    album = make_album(client, "  Field trip  ", description="Day one")
    assert album["title"] == "Field trip" and album["description"] == "Day one"
    assert album["owner"] == "member" and album["image_count"] == 0
    assert album["cover_image_id"] is None
    assert set(album) == {
        "id", "title", "description", "owner", "cover_image_id", "image_count",
        "created_at", "updated_at",
    }  # fmt: skip
    assert client.get(f"/api/albums/{album['id']}").json() == album


@pytest.mark.parametrize("title", ["", "   ", "x" * 201, "two\nlines"])
def test_a_title_outside_its_rules_is_refused(client, title):
    response = client.post("/api/albums", {"title": title}, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "invalid-request"
    assert not Album.objects.exists()


def test_photos_are_added_once_and_listed_newest_added_first(client):
    ids = make_images(client, 3)
    album = make_album(client)
    url = f"/api/albums/{album['id']}/images"
    add = client.post(url, {"image_ids": [ids[0], ids[1]]}, content_type="application/json")
    assert add.status_code == 200 and add.json() == {"added": 2}
    again = client.post(url, {"image_ids": [ids[1], ids[2]]}, content_type="application/json")
    assert again.json() == {"added": 1}  # the one already there is not counted
    seen, cursor = [], None
    while True:
        page = client.get(url, {"limit": 1, **({"cursor": cursor} if cursor else {})}).json()
        seen += [item["id"] for item in page["items"]]
        assert set(page) == {"items", "next_cursor"}
        cursor = page["next_cursor"]
        if cursor is None:
            break
    # ids[2] was added last; ids[0] and ids[1] together (same instant: by entry, newest first).
    assert seen[0] == ids[2] and sorted(seen) == sorted(ids) and len(seen) == 3
    read = client.get(f"/api/albums/{album['id']}").json()
    assert read["image_count"] == 3
    assert read["cover_image_id"] in (ids[0], ids[1])  # the first added


def test_unknown_ids_refuse_the_whole_request_and_list_them(client):
    ids = make_images(client, 1)
    album = make_album(client)
    response = client.post(
        f"/api/albums/{album['id']}/images",
        {"image_ids": [ids[0], 999999, 2**70]},
        content_type="application/json",
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "unknown-images" and body["image_ids"] == [999999, 2**70]
    assert not AlbumImage.objects.exists()


def test_a_photo_leaves_an_album_and_stays_in_the_gallery(client):
    ids = make_images(client, 2)
    album = make_album(client)
    client.post(
        f"/api/albums/{album['id']}/images", {"image_ids": ids}, content_type="application/json"
    )
    assert client.delete(f"/api/albums/{album['id']}/images/{ids[0]}").status_code == 204
    assert client.delete(f"/api/albums/{album['id']}/images/{ids[0]}").status_code == 404
    assert Image.objects.filter(pk=ids[0]).exists()
    assert client.get(f"/api/albums/{album['id']}").json()["image_count"] == 1


def test_the_cover_is_chosen_among_the_albums_photos_and_can_be_cleared(client):
    ids = make_images(client, 3)
    album = make_album(client)
    url = f"/api/albums/{album['id']}"
    client.post(f"{url}/images", {"image_ids": ids[:2]}, content_type="application/json")
    outside = client.patch(url, {"cover_image_id": ids[2]}, content_type="application/json")
    assert outside.status_code == 400 and outside.json()["code"] == "invalid-request"
    chosen = client.patch(
        url, {"cover_image_id": ids[1], "title": "Renamed"}, content_type="application/json"
    )
    assert chosen.status_code == 200
    assert chosen.json()["cover_image_id"] == ids[1] and chosen.json()["title"] == "Renamed"
    cleared = client.patch(url, {"cover_image_id": None}, content_type="application/json")
    assert cleared.json()["cover_image_id"] in ids[:2]
    assert Album.objects.get(pk=album["id"]).cover_id is None


def test_deleting_an_album_keeps_its_photos_and_deleting_a_photo_leaves_its_albums(client):
    ids = make_images(client, 2)
    first, second = make_album(client, "One"), make_album(client, "Two")
    for album in (first, second):
        client.post(
            f"/api/albums/{album['id']}/images", {"image_ids": ids}, content_type="application/json"
        )
    assert client.delete(f"/api/images/{ids[0]}").status_code == 204
    assert client.get(f"/api/albums/{second['id']}").json()["image_count"] == 1
    assert client.delete(f"/api/albums/{first['id']}").status_code == 204
    assert client.get(f"/api/albums/{first['id']}").status_code == 404
    assert Image.objects.filter(pk=ids[1]).exists()
    # In the trash the photo keeps its place in the album (a restore puts it back there);
    # deleted for good, it leaves the album.
    assert AlbumImage.objects.filter(album_id=second["id"]).count() == 2
    assert client.post(f"/api/trash/{ids[0]}/restore").status_code == 200
    assert client.get(f"/api/albums/{second['id']}").json()["image_count"] == 2
    assert client.delete(f"/api/images/{ids[0]}").status_code == 204
    assert client.delete(f"/api/trash/{ids[0]}").status_code == 204
    assert AlbumImage.objects.filter(album_id=second["id"]).count() == 1
    assert client.get(f"/api/albums/{second['id']}").json()["image_count"] == 1


def test_the_list_is_the_callers_and_every_album_for_administrators(
    client, uploader_client, administrator_client
):
    mine = make_album(client, "Mine")
    theirs = make_album(uploader_client, "Theirs")
    assert [a["id"] for a in client.get("/api/albums").json()["items"]] == [mine["id"]]
    everything = administrator_client.get("/api/albums").json()["items"]
    assert [a["id"] for a in everything] == [theirs["id"], mine["id"]]
    page = administrator_client.get("/api/albums", {"limit": 1}).json()
    rest = administrator_client.get("/api/albums", {"limit": 1, "cursor": page["next_cursor"]})
    assert [a["id"] for a in rest.json()["items"]] == [mine["id"]]


def test_another_members_album_does_not_exist_for_them(client, uploader_client):
    theirs = make_album(uploader_client, "Theirs")
    ids = make_images(client, 1)
    url = f"/api/albums/{theirs['id']}"
    for response in (
        client.get(url),
        client.patch(url, {"title": "Mine now"}, content_type="application/json"),
        client.delete(url),
        client.get(f"{url}/images"),
        client.post(f"{url}/images", {"image_ids": ids}, content_type="application/json"),
        client.delete(f"{url}/images/{ids[0]}"),
    ):
        assert response.status_code == 404, response.content
        assert response.json()["code"] == "not-found"
    assert Album.objects.get(pk=theirs["id"]).title == "Theirs"
    assert not AlbumImage.objects.exists()


@pytest.mark.parametrize(
    "cursor", ["nonsense", "YWxidW18eHx5", "aW1hZ2V8MjAyNi0wMS0wMVQwMDowMDowMCswMDowMHwx"]
)
def test_a_mangled_cursor_is_a_400_problem(client, cursor):
    album = make_album(client)
    response = client.get(f"/api/albums/{album['id']}/images", {"cursor": cursor})
    assert response.status_code == 400 and response.json()["code"] == "invalid-request"
    assert client.get("/api/albums", {"cursor": cursor}).status_code == 400


def test_the_oldest_added_come_first_when_asked_and_cursors_keep_their_order(client):
    ids = make_images(client, 3)
    album = make_album(client)
    url = f"/api/albums/{album['id']}/images"
    for image_id in ids:  # one at a time: three instants
        client.post(url, {"image_ids": [image_id]}, content_type="application/json")
    first = client.get(url, {"order": "asc", "limit": 2}).json()
    rest = client.get(url, {"order": "asc", "limit": 2, "cursor": first["next_cursor"]}).json()
    assert [i["id"] for i in first["items"] + rest["items"]] == ids
    newest = client.get(url, {"limit": 2}).json()
    assert [i["id"] for i in newest["items"]] == ids[:0:-1]
    mixed = client.get(url, {"order": "asc", "cursor": newest["next_cursor"]})
    assert mixed.status_code == 400 and mixed.json()["code"] == "invalid-request"
    assert client.get(url, {"order": "sideways"}).status_code == 400


def test_an_albums_photos_sort_and_filter_as_the_gallerys_do(client):
    ids = make_images(client, 3)
    album = make_album(client)
    url = f"/api/albums/{album['id']}/images"
    client.post(url, {"image_ids": ids[:2]}, content_type="application/json")
    Image.objects.filter(pk=ids[0]).update(camera_make="Canon", camera_model="EOS")
    Image.objects.exclude(pk=ids[0]).update(camera_make="Apple", camera_model="iPhone")
    by_upload = client.get(url, {"sort": "uploaded", "order": "asc", "limit": 1}).json()
    rest = client.get(
        url, {"sort": "uploaded", "order": "asc", "limit": 1, "cursor": by_upload["next_cursor"]}
    ).json()
    assert [i["id"] for i in by_upload["items"] + rest["items"]] == ids[:2]
    assert rest["next_cursor"] is None  # the third photo is not in the album
    canon = client.get(url, {"make": "Canon", "sort": "taken"}).json()
    assert [i["id"] for i in canon["items"]] == [ids[0]]
    added = client.get(url, {"make": "Canon"}).json()  # the album's own order, filtered
    assert [i["id"] for i in added["items"]] == [ids[0]]
    assert client.get(url, {"sort": "name"}).status_code == 400
