"""GET /api/activity: every upload, delete, restore and purge, with who, when and how."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from photoshelf.accounts import tokens
from photoshelf.gallery.models import Activity
from tests.conftest import bearer
from tests.factories import scene, upload

pytestmark = pytest.mark.django_db


def add(client, seed: int, name: str, **headers) -> int:
    response = client.post("/api/images", {"file": upload(scene(seed)), "name": name}, **headers)
    assert response.status_code == 201, response.content
    return response.json()["id"]


def actions(client, query: str = "", **headers) -> list[tuple]:
    body = client.get(f"/api/activity{query}", **headers).json()
    return [(e["action"], e["image_name"], e["user"], e["via"]) for e in body["items"]]


def test_every_upload_delete_restore_and_purge_is_recorded(client):
    image_id = add(client, 1, "harbour")
    client.delete(f"/api/images/{image_id}")
    client.post(f"/api/trash/{image_id}/restore")
    client.delete(f"/api/images/{image_id}")
    client.delete(f"/api/trash/{image_id}")
    assert actions(client) == [
        ("purge", "harbour", "member", "page"),
        ("delete", "harbour", "member", "page"),
        ("restore", "harbour", "member", "page"),
        ("delete", "harbour", "member", "page"),
        ("upload", "harbour", "member", "page"),
    ]
    entry = client.get("/api/activity").json()["items"][0]
    assert entry["image_id"] == image_id and entry["address"] == "127.0.0.1" and entry["at"]


def test_a_token_is_named_in_what_it_did(member, client):
    _, secret = tokens.create(member, "phone backup")
    image_id = add(client, 2, "by token", **bearer(secret))
    (entry,) = client.get("/api/activity").json()["items"]
    assert entry["image_id"] == image_id
    assert (entry["via"], entry["token_name"], entry["user"]) == ("token", "phone backup", "member")


def test_everyone_sees_their_own_and_administrators_everyones(
    client, uploader_client, administrator_client
):
    add(client, 3, "mine")
    add(uploader_client, 4, "theirs")
    assert [a[1] for a in actions(client)] == ["mine"]
    assert [a[1] for a in actions(uploader_client)] == ["theirs"]
    assert [a[1] for a in actions(administrator_client)] == ["theirs", "mine"]
    assert [a[1] for a in actions(administrator_client, "?user=member")] == ["mine"]
    assert [a[1] for a in actions(client, "?user=member")] == ["mine"]
    refused = client.get("/api/activity?user=uploader")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"


def test_filters_by_action_and_days(client):
    image_id = add(client, 5, "dated")
    client.delete(f"/api/images/{image_id}")
    assert actions(client, "?action=delete") == [("delete", "dated", "member", "page")]
    Activity.objects.filter(action="upload").update(at=timezone.now() - timedelta(days=10))
    today = timezone.now().date()
    assert [a[0] for a in actions(client, f"?since={today}")] == ["delete"]
    assert [a[0] for a in actions(client, f"?until={today - timedelta(days=5)}")] == ["upload"]


def test_pages_are_keyset_pages(client):
    for seed in range(6, 11):
        add(client, seed, f"p{seed}")
    seen, cursor = [], None
    while True:
        body = client.get("/api/activity", {"limit": 2, **({"cursor": cursor} if cursor else {})})
        seen += [e["image_name"] for e in body.json()["items"]]
        cursor = body.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == ["p10", "p9", "p8", "p7", "p6"]


@pytest.mark.parametrize(
    "query",
    [
        "?action=explode",
        "?since=2026-13-01",
        "?since=2026-05-02&until=2026-05-01",
        "?cursor=%%",
        "?until=9999-12-31",
        "?limit=x",
    ],
)
def test_bad_filters_are_400_problems(client, query):
    response = client.get(f"/api/activity{query}")
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "invalid-request"


def test_an_entry_outlives_its_photo_and_its_person(client, administrator_client, member):
    image_id = add(client, 11, "kept in the log")
    client.delete(f"/api/images/{image_id}")
    client.delete(f"/api/trash/{image_id}")
    member.delete()
    names = actions(administrator_client, "?user=member")
    assert [(a[0], a[1], a[2]) for a in names] == [
        ("purge", "kept in the log", "member"),
        ("delete", "kept in the log", "member"),
        ("upload", "kept in the log", "member"),
    ]


def test_a_refused_upload_records_nothing(client):
    data = scene(12)
    client.post("/api/images", {"file": upload(data)})
    assert client.post("/api/images", {"file": upload(data)}).status_code == 409
    assert [a[0] for a in actions(client)] == ["upload"]


def test_a_resumable_upload_is_recorded_with_the_token_that_finished_it(member, client):
    _, secret = tokens.create(member, "tus client")
    data = scene(7)
    response = client.post(
        "/api/uploads",
        data,
        content_type="application/offset+octet-stream",
        HTTP_TUS_RESUMABLE="1.0.0",
        HTTP_UPLOAD_LENGTH=str(len(data)),
        **bearer(secret),
    )
    assert response.status_code == 201, response.content
    (entry,) = client.get("/api/activity").json()["items"]
    assert entry["image_id"] == int(response["Photoshelf-Image-Id"])
    assert (entry["action"], entry["via"], entry["token_name"], entry["user"]) == (
        "upload",
        "token",
        "tus client",
        "member",
    )


# Albums and share links: every change is an entry naming the album.


def album_entries(client, query: str = "") -> list[tuple]:
    body = client.get(f"/api/activity{query}").json()
    return [
        (e["action"], e["album_title"], e["image_name"], e["user"], e["via"]) for e in body["items"]
    ]


def test_every_album_change_is_recorded_naming_the_album(client):
    first, second = add(client, 13, "first"), add(client, 14, "second")
    album = client.post("/api/albums", {"title": "Trip"}, content_type="application/json").json()
    url = f"/api/albums/{album['id']}"
    added = client.post(f"{url}/images", {"image_ids": [first, second]}, "application/json")
    assert added.json() == {"added": 2}
    client.post(f"{url}/images", {"image_ids": [first]}, "application/json")  # nothing new
    client.patch(url, {"title": "Trip 2026", "cover_image_id": second}, "application/json")
    assert client.delete(f"{url}/images/{first}").status_code == 204
    assert client.delete(url).status_code == 204
    assert album_entries(client, "?action=album-create") == [
        ("album-create", "Trip", "", "member", "page")
    ]
    log = [e for e in album_entries(client) if e[0] != "upload"]
    assert log == [
        ("album-delete", "Trip 2026", "", "member", "page"),
        ("album-remove", "Trip 2026", "first", "member", "page"),
        ("album-change", "Trip 2026", "second", "member", "page"),  # the new cover
        ("album-add", "Trip", "second", "member", "page"),
        ("album-add", "Trip", "first", "member", "page"),
        ("album-create", "Trip", "", "member", "page"),
    ]
    ids = {e["album_id"] for e in client.get("/api/activity").json()["items"] if e["album_id"]}
    assert ids == {album["id"]}  # kept after the album is gone


def test_a_refused_album_change_records_nothing(client):
    album = client.post("/api/albums", {"title": "Kept"}, content_type="application/json").json()
    url = f"/api/albums/{album['id']}"
    assert client.patch(url, {"title": ""}, "application/json").status_code == 400
    refused = client.post(f"{url}/images", {"image_ids": [999_999]}, "application/json")
    assert refused.status_code == 422
    assert client.delete(f"{url}/images/12345").status_code == 404
    assert [e[0] for e in album_entries(client)] == ["album-create"]


def test_share_links_made_and_revoked_are_recorded(client):
    image_id = add(client, 15, "shared alone")
    album = client.post("/api/albums", {"title": "Wedding"}, content_type="application/json").json()
    made = client.post(f"/api/albums/{album['id']}/links", {}, "application/json").json()
    one = client.post(f"/api/images/{image_id}/links", {}, "application/json").json()
    assert client.delete(f"/api/links/{made['id']}").status_code == 204
    items = client.get("/api/activity?action=link-create").json()["items"]
    assert [(e["link_id"], e["album_title"], e["image_name"]) for e in items] == [
        (one["id"], "", "shared alone"),
        (made["id"], "Wedding", ""),
    ]
    (revoked,) = client.get("/api/activity?action=link-revoke").json()["items"]
    assert (revoked["link_id"], revoked["album_id"], revoked["user"]) == (
        made["id"],
        album["id"],
        "member",
    )


def test_a_guest_upload_is_recorded_through_the_link_and_shown_to_the_albums_owner(
    client, uploader_client, administrator_client
):
    album = client.post("/api/albums", {"title": "Contest"}, content_type="application/json")
    album_id = album.json()["id"]
    link = client.post(
        f"/api/albums/{album_id}/links", {"allow_upload": True}, "application/json"
    ).json()
    token = link["url"].rsplit("/", 1)[1]
    guest = Client()
    stored = guest.post(f"/api/shared/{token}/images", {"file": upload(scene(16)), "name": "g"})
    assert stored.status_code == 201, stored.content
    (entry,) = client.get("/api/activity?action=upload").json()["items"]
    assert (entry["user"], entry["via"], entry["token_name"]) == (
        None,
        "guest link",
        f"link {link['id']}",
    )
    assert (entry["album_id"], entry["album_title"], entry["image_name"]) == (
        album_id,
        "Contest",
        "g",
    )
    assert entry["image_id"] == stored.json()["id"] and entry["address"] == "127.0.0.1"
    # The album's owner sees it; another member does not; administrators see everyone's.
    assert client.get("/api/activity?action=upload").json()["items"]
    assert not uploader_client.get("/api/activity?action=upload").json()["items"]
    assert administrator_client.get("/api/activity?action=upload").json()["items"]


def test_an_administrators_change_to_a_members_album_is_the_owners_to_see(
    client, uploader_client, administrator_client
):
    album = client.post("/api/albums", {"title": "Mine"}, content_type="application/json").json()
    url = f"/api/albums/{album['id']}"
    assert (
        administrator_client.patch(url, {"title": "Renamed"}, "application/json").status_code == 200
    )
    assert album_entries(client, "?action=album-change") == [
        ("album-change", "Renamed", "", "administrator", "page")
    ]
    assert album_entries(uploader_client) == []
    assert [e[0] for e in album_entries(administrator_client, "?user=member")] == ["album-create"]


@pytest.mark.parametrize("action", ["album", "album-", "link", "link-create ", "ALBUM-CREATE"])
def test_unknown_album_actions_are_400_problems(client, action):
    response = client.get("/api/activity", {"action": action})
    assert response.status_code == 400 and response.json()["code"] == "invalid-request"
