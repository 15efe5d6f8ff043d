"""DELETE /api/images/{id} into the trash; GET /api/trash, restore, delete forever, empty."""

import pytest
from django.test import Client

from photoshelf.gallery.models import Image
from photoshelf.storage import get_storage
from tests.conftest import FILES_PER_PHOTO, stored_files
from tests.factories import photo, scene, upload

pytestmark = pytest.mark.django_db


def add(client, seed: int, name="photo") -> dict:
    """A photo of its own picture (flat colours would be near-duplicates of each other)."""
    response = client.post("/api/images", {"file": upload(scene(seed)), "name": name})
    assert response.status_code == 201, response.content
    return response.json()


def problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code and body["detail"]
    return body


def test_a_deleted_photo_leaves_every_list_and_waits_in_the_trash(client, media_dir):
    kept, binned = add(client, 101, "kept"), add(client, 102, "binned")
    assert client.delete(f"/api/images/{binned['id']}").status_code == 204
    assert [i["id"] for i in client.get("/api/images").json()["items"]] == [kept["id"]]
    assert client.get(f"/api/images/{binned['id']}").status_code == 404
    assert client.get(f"/api/images?sha256={binned['sha256']}").json()["items"] == []
    assert client.delete(f"/api/images/{binned['id']}").status_code == 404  # not twice
    listed = client.get("/api/trash").json()
    assert listed["next_cursor"] is None
    (item,) = listed["items"]
    assert item["id"] == binned["id"] and item["name"] == "binned"
    assert item["trashed_by"] == "member" and item["trashed_at"] and item["purge_at"]
    assert len(stored_files(media_dir)) == 2 * FILES_PER_PHOTO  # nothing removed yet


def test_restore_answers_the_image_and_puts_it_back(client):
    image = add(client, 103, "back")
    client.delete(f"/api/images/{image['id']}")
    response = client.post(f"/api/trash/{image['id']}/restore")
    assert response.status_code == 200
    assert {k: response.json()[k] for k in ("id", "name", "sha256")} == {
        k: image[k] for k in ("id", "name", "sha256")
    }
    assert client.get(f"/api/images/{image['id']}").status_code == 200
    assert client.get("/api/trash").json()["items"] == []
    problem(client.post(f"/api/trash/{image['id']}/restore"), 404, "not-found")


def test_delete_forever_removes_files_and_row(client, media_dir):
    image = add(client, 104)
    client.delete(f"/api/images/{image['id']}")
    assert client.delete(f"/api/trash/{image['id']}").status_code == 204
    assert not Image.everything.exists() and stored_files(media_dir) == []
    problem(client.delete(f"/api/trash/{image['id']}"), 404, "not-found")


def test_only_photos_in_the_trash_can_be_deleted_forever_there(client, media_dir):
    image = add(client, 105)
    problem(client.delete(f"/api/trash/{image['id']}"), 404, "not-found")
    assert Image.objects.filter(pk=image["id"]).exists()


def test_empty_trash_purges_yours_and_says_how_many(client, uploader_client, media_dir):
    mine = [add(client, 10 + i, f"m{i}") for i in range(3)]
    theirs = add(uploader_client, 107, "theirs")
    for image in mine:
        client.delete(f"/api/images/{image['id']}")
    uploader_client.delete(f"/api/images/{theirs['id']}")
    response = client.delete("/api/trash")
    assert response.status_code == 200 and response.json() == {"purged": 3}
    assert list(Image.everything.values_list("id", flat=True)) == [theirs["id"]]
    assert client.delete("/api/trash").json() == {"purged": 0}


def test_administrators_see_and_handle_everyones_trash(client, administrator_client):
    image = add(client, 108)
    client.delete(f"/api/images/{image['id']}")
    listed = administrator_client.get("/api/trash").json()["items"]
    assert [i["id"] for i in listed] == [image["id"]]
    assert administrator_client.post(f"/api/trash/{image['id']}/restore").status_code == 200


def test_another_persons_trash_is_not_there_for_you(client, uploader_client, media_dir):
    image = add(client, 109)
    client.delete(f"/api/images/{image['id']}")
    assert uploader_client.get("/api/trash").json()["items"] == []
    problem(uploader_client.post(f"/api/trash/{image['id']}/restore"), 404, "not-found")
    problem(uploader_client.delete(f"/api/trash/{image['id']}"), 404, "not-found")
    assert uploader_client.delete("/api/trash").json() == {"purged": 0}
    assert uploader_client.get(f"/images/{image['id']}/thumbnail").status_code == 404
    assert uploader_client.get(f"/images/{image['id']}/original").status_code == 404
    assert client.get(f"/images/{image['id']}/thumbnail").status_code == 200  # who deleted it
    assert Image.everything.in_trash().count() == 1


def test_the_trash_is_listed_in_keyset_pages(client):
    ids = [add(client, 20 + i, f"p{i}")["id"] for i in range(5)]
    for image_id in ids:
        client.delete(f"/api/images/{image_id}")
    seen, cursor = [], None
    while True:
        page = client.get("/api/trash", {"limit": 2, **({"cursor": cursor} if cursor else {})})
        body = page.json()
        seen += [i["id"] for i in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == ids[::-1]  # the most recently deleted first


@pytest.mark.parametrize(
    "cursor", ["x", "%%%", "dXBsb2FkZWR8ZGVzY3wyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwfDE", "A" * 5000]
)
def test_a_mangled_trash_cursor_is_a_400_problem(client, cursor):
    problem(client.get("/api/trash", {"cursor": cursor}), 400, "invalid-request")


@pytest.mark.parametrize("path", ["/api/trash/0/restore", "/api/trash/99999999999999999999"])
def test_ids_out_of_range_are_problems_not_errors(client, path):
    response = client.post(path) if path.endswith("restore") else client.delete(path)
    assert response.status_code in (400, 404)
    assert response["Content-Type"] == "application/problem+json"


def test_the_trash_needs_sign_in(db):
    anonymous = Client()
    for response in (
        anonymous.get("/api/trash"),
        anonymous.delete("/api/trash"),
        anonymous.post("/api/trash/1/restore"),
        anonymous.delete("/api/trash/1"),
    ):
        problem(response, 401, "unauthenticated")


def test_an_upload_of_a_trashed_photo_is_refused_with_its_id(client):
    data = scene(5)
    image = client.post("/api/images", {"file": upload(data), "name": "binned"}).json()
    client.delete(f"/api/images/{image['id']}")
    body = problem(
        client.post("/api/images", {"file": upload(data)}),
        409,
        "duplicate-in-trash",
    )
    assert (
        body["duplicate_of"] == image["id"] and body["type"] == "/api/problems/duplicate-in-trash"
    )
    assert client.get("/api/problems/duplicate-in-trash").json()["status"] == 409
    assert client.get("/api/problems/near-duplicate-in-trash").json()["status"] == 409
    client.delete(f"/api/trash/{image['id']}")
    assert client.post("/api/images", {"file": upload(data)}).status_code == 201


def test_an_identical_upload_during_a_purge_never_loses_its_files(client, media_dir, monkeypatch):
    """The same bytes uploaded while a purge removes their files: the row is still there until
    the purge ends, so the upload is refused; afterwards it is stored whole."""
    data = photo(color=(7, 70, 171))
    first = client.post("/api/images", {"file": upload(data)}).json()["id"]
    client.delete(f"/api/images/{first}")
    storage = get_storage()
    real_delete, again = storage.delete, []

    def delete_then_upload(key):
        real_delete(key)
        if not again:
            again.append(client.post("/api/images", {"file": upload(data, "again.jpg")}))

    monkeypatch.setattr(storage, "delete", delete_then_upload)
    assert client.delete(f"/api/trash/{first}").status_code == 204
    assert again[0].status_code == 409 and again[0].json()["code"] == "duplicate-in-trash"
    assert not Image.everything.exists() and stored_files(media_dir) == []
    monkeypatch.setattr(storage, "delete", real_delete)
    assert client.post("/api/images", {"file": upload(data, "again.jpg")}).status_code == 201
    (image,) = Image.objects.all()
    assert all(storage.exists(key) for key in image.storage_keys())


def test_the_openapi_document_lists_the_trash_operations(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"get", "delete"} <= set(paths["/api/trash"])
    assert "post" in paths["/api/trash/{image_id}/restore"]
    assert "delete" in paths["/api/trash/{image_id}"]
