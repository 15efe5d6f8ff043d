"""Outages: the storage or the database stops answering. Each is a quick 503 problem, leaves
nothing half-stored behind, and the service recovers by itself when the server returns."""

import pytest

from photoshelf.gallery.consistency import check
from photoshelf.gallery.models import Image, PendingDeletion
from photoshelf.storage import get_storage
from tests.conftest import FILES_PER_PHOTO, Server, stored_files
from tests.factories import photo, upload
from tests.servers import MariaDBServer, PostgresServer, S3Server
from tests.wire import get, get_json, post_image


@pytest.fixture
def own_s3(settings):
    """An S3 server of this test's own, so stopping it disturbs no other test."""
    s3 = S3Server()
    settings.PHOTOSHELF_STORAGE_URL = f"s3://{s3.create_bucket()}/media"
    settings.PHOTOSHELF_S3_ENDPOINT_URL = s3.endpoint_url
    get_storage.cache_clear()
    yield s3
    s3.close()
    get_storage.cache_clear()


def stop_after_first_put(storage, s3: S3Server) -> None:
    """Stop the S3 server as soon as the upload's first object (the original) is stored."""

    def stop(**_):
        storage.client.meta.events.unregister("after-call.s3.PutObject", stop)
        s3.stop()

    storage.client.meta.events.register("after-call.s3.PutObject", stop)


@pytest.mark.django_db
def test_the_storage_stopping_mid_upload_is_a_503_and_leaves_no_orphan_once_it_returns(
    client, own_s3
):
    storage = get_storage()
    stop_after_first_put(storage, own_s3)
    response = client.post("/api/images", {"file": upload(photo())})

    assert response.status_code == 503, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "storage-unavailable" and response["Retry-After"]
    assert not Image.objects.exists()
    noted = list(PendingDeletion.objects.values_list("key", flat=True))
    assert len(noted) == 1 and noted[0].startswith("originals/")

    own_s3.start()
    assert stored_files(storage) == noted  # the original that got in before the stop
    second = client.post("/api/images", {"file": upload(photo(color=(10, 20, 30)))})
    assert second.status_code == 201
    sha256 = second.json()["sha256"]
    assert len(stored_files(storage)) == FILES_PER_PHOTO and all(
        sha256 in key for key in stored_files(storage)
    )
    assert not PendingDeletion.objects.exists() and check().clean


@pytest.mark.django_db
def test_a_delete_while_the_storage_is_down_removes_the_files_once_it_returns(
    client, own_s3, settings
):
    settings.PHOTOSHELF_TRASH_DAYS = 0  # deleted at once (a purge of the trash is the same call)
    image_id = client.post("/api/images", {"file": upload(photo())}).json()["id"]
    own_s3.stop()
    assert client.delete(f"/api/images/{image_id}").status_code == 204
    assert not Image.objects.exists() and PendingDeletion.objects.count() == FILES_PER_PHOTO

    own_s3.start()
    assert client.post("/api/images", {"file": upload(photo(color=(5, 5, 5)))}).status_code == 201
    assert (
        len(stored_files(get_storage())) == FILES_PER_PHOTO and not PendingDeletion.objects.exists()
    )


@pytest.mark.django_db
def test_files_are_a_503_page_while_the_storage_is_down_and_the_list_still_works(client, own_s3):
    image_id = client.post("/api/images", {"file": upload(photo())}).json()["id"]
    own_s3.stop()
    page = client.get(f"/images/{image_id}/original")
    assert page.status_code == 503 and 'data-code="storage-unavailable"' in page.content.decode()
    assert client.get("/api/images").json()["items"][0]["id"] == image_id
    assert client.get("/healthz").status_code == 503
    own_s3.start()
    assert client.get(f"/images/{image_id}/original").status_code == 200


@pytest.mark.parametrize("database", [PostgresServer, MariaDBServer], ids=["postgresql", "mariadb"])
def test_the_database_going_away_is_a_503_not_a_hang_and_the_server_recovers(tmp_path, database):
    db = database()  # of this test's own, so stopping it disturbs no other test
    server = None
    try:
        server = Server(tmp_path / "data", env={"PHOTOSHELF_DATABASE_URL": db.create_database()})
        assert post_image(server.url, photo(), headers=server.headers)[0] == 201
        db.stop()

        status, body = post_image(server.url, photo(color=(1, 2, 3)), headers=server.headers)
        assert (status, body["code"]) == (503, "database-unavailable")
        status, body = get_json(server.url + "/api/images", server.headers)
        assert (status, body["code"]) == (503, "database-unavailable")
        status, content_type, page = get(server.url + "/")
        assert status == 503 and content_type.startswith("text/html")
        assert b'data-code="database-unavailable"' in page
        status, health = get_json(server.url + "/healthz")
        assert status == 503 and health["database"].startswith("error")

        db.start()
        assert get_json(server.url + "/healthz")[0] == 200
        status, body = post_image(server.url, photo(color=(1, 2, 3)), headers=server.headers)
        assert status == 201, body
        listed = get_json(server.url + "/api/images", server.headers)[1]["items"]
        assert len(listed) == 2, (body, listed)
        assert not list((tmp_path / "data" / "media").rglob(".incoming-*"))
    finally:
        if server is not None:
            server.stop()
        db.close()
