"""GET /api/images (keyset pages), GET and DELETE /api/images/{id}."""

from datetime import timedelta

import pytest
from django.utils import timezone

from photoshelf.gallery.models import Image
from photoshelf.storage import get_storage
from tests.conftest import FILES_PER_PHOTO, stored_files
from tests.factories import photo, upload

pytestmark = pytest.mark.django_db


def make_images(client, count: int) -> list[int]:
    ids = []
    for i in range(count):
        response = client.post("/api/images", {"file": upload(photo(color=(i, 2 * i, 3 * i)))})
        assert response.status_code == 201
        ids.append(response.json()["id"])
    return ids


def test_it_lists_newest_first_in_keyset_pages(client):
    ids = make_images(client, 5)
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/images", params).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(ids))


def test_pages_are_stable_when_uploads_share_a_timestamp(client):
    ids = make_images(client, 4)
    Image.objects.update(uploaded_at=timezone.now() - timedelta(hours=1))
    first = client.get("/api/images", {"limit": 2}).json()
    second = client.get("/api/images", {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [i["id"] for i in first["items"] + second["items"]] == sorted(ids, reverse=True)
    assert second["next_cursor"] is None


def test_upload_times_keep_their_microseconds_so_the_order_is_the_same_everywhere(client):
    older_id, newer_id = make_images(client, 2)
    when = timezone.now().replace(microsecond=654321)
    # One microsecond apart, the later one with the smaller id: a database that dropped the
    # fraction (MySQL's plain DATETIME) would order them by id instead.
    Image.objects.filter(pk=older_id).update(uploaded_at=when)
    Image.objects.filter(pk=newer_id).update(uploaded_at=when - timedelta(microseconds=1))
    assert Image.objects.get(pk=older_id).uploaded_at == when
    first = client.get("/api/images", {"limit": 1}).json()
    second = client.get("/api/images", {"limit": 1, "cursor": first["next_cursor"]}).json()
    assert [first["items"][0]["id"], second["items"][0]["id"]] == [older_id, newer_id]


def test_an_empty_gallery_lists_nothing(client):
    assert client.get("/api/images").json() == {"items": [], "next_cursor": None}


def test_a_bad_cursor_is_a_400_problem(client):
    response = client.get("/api/images", {"cursor": "not-a-cursor!"})
    assert response.status_code == 400 and response.json()["code"] == "invalid-request"


def test_a_bad_limit_is_a_400_problem(client):
    response = client.get("/api/images", {"limit": "many"})
    assert response.status_code == 400 and response.json()["code"] == "invalid-request"


def test_it_reads_one_image(client):
    (image_id,) = make_images(client, 1)
    body = client.get(f"/api/images/{image_id}").json()
    assert body["id"] == image_id


def test_an_unknown_id_is_a_404_problem(client):
    for response in (client.get("/api/images/999"), client.delete("/api/images/999")):
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == "not-found"


def test_with_the_trash_off_delete_removes_the_row_and_its_files(client, media_dir, settings):
    settings.PHOTOSHELF_TRASH_DAYS = 0
    (image_id,) = make_images(client, 1)
    assert len(stored_files(media_dir)) == FILES_PER_PHOTO
    response = client.delete(f"/api/images/{image_id}")
    assert response.status_code == 204
    assert not Image.objects.exists()
    assert stored_files(media_dir) == []
    assert client.get(f"/api/images/{image_id}").status_code == 404


def test_an_identical_upload_during_a_delete_never_loses_its_files(
    client, media_dir, monkeypatch, settings
):
    """The same bytes uploaded again while a delete is removing their files (content-addressed:
    the same keys), between the delete's first and second file: the photo is still there until
    the delete ends, so the upload is refused as its duplicate; afterwards it is stored whole.
    (With the trash off; tests/api/test_trash.py has the same race with a purge.)"""
    settings.PHOTOSHELF_TRASH_DAYS = 0
    data = photo(color=(7, 70, 170))
    first = client.post("/api/images", {"file": upload(data)}).json()["id"]
    storage = get_storage()
    real_delete, again = storage.delete, []

    def delete_then_upload(key):
        real_delete(key)
        if not again:  # another person uploads the same photo, right now
            again.append(client.post("/api/images", {"file": upload(data, "again.jpg")}))

    monkeypatch.setattr(storage, "delete", delete_then_upload)
    assert client.delete(f"/api/images/{first}").status_code == 204
    assert again[0].status_code == 409 and again[0].json()["code"] == "duplicate"
    assert not Image.objects.exists() and stored_files(media_dir) == []

    monkeypatch.setattr(storage, "delete", real_delete)
    assert client.post("/api/images", {"file": upload(data, "again.jpg")}).status_code == 201
    (image,) = Image.objects.all()
    assert all(storage.exists(key) for key in image.storage_keys())
    assert len(stored_files(media_dir)) == FILES_PER_PHOTO


def test_the_openapi_document_describes_the_endpoints(client):
    schema = client.get("/api/openapi.json").json()
    assert {"/api/images", "/api/images/{image_id}"} <= set(schema["paths"])
    assert "post" in schema["paths"]["/api/images"]
    assert client.get("/api/docs").status_code == 200


def test_pages_cross_shared_and_distinct_timestamps_without_gaps_or_repeats(client):
    ids = make_images(client, 7)
    base = timezone.now() - timedelta(hours=1)
    for offset, pk in zip([0, 1, 1, 1, 2, 2, 3], ids, strict=False):
        Image.objects.filter(pk=pk).update(uploaded_at=base + timedelta(seconds=offset))
    expected = [pk for _, pk in sorted(zip([0, 1, 1, 1, 2, 2, 3], ids, strict=False), reverse=True)]
    seen, cursor = [], None
    for _ in range(len(ids)):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/images", params).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == expected
