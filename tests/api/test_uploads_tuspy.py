"""A third-party tus client, tuspy, against a real `photoshelf serve`: whole uploads in
chunks, with checksums, and an upload resumed by a second client from the stored URL."""

from __future__ import annotations

import hashlib
import io

import pytest
from tusclient import client as tus
from tusclient.exceptions import TusCommunicationError
from tusclient.storage.filestorage import FileStorage

from tests.factories import large_photo
from tests.wire import get_json

pytestmark = pytest.mark.backends("sqlite-local", "postgresql-s3")

CHUNK = 512 * 1024


def stored(server, data: bytes) -> dict | None:
    sha256 = hashlib.sha256(data).hexdigest()
    items = get_json(f"{server.url}/api/images?sha256={sha256}", server.headers)[1]["items"]
    return items[0] if items else None


def uploader(server, data: bytes, path=None, **options):
    """tuspy's uploader of `data` (read from `path` when given: its fingerprint for store_url
    reads a file, and closes a stream)."""
    client = tus.TusClient(server.url + "/api/uploads", headers=server.headers)
    source = {"file_path": str(path)} if path else {"file_stream": io.BytesIO(data)}
    return client.uploader(
        **source,
        chunk_size=CHUNK,
        metadata={"filename": "IMG_0001.JPG", "name": "Harbour"},
        **options,
    )


def test_tuspy_uploads_a_file_in_chunks_and_the_image_is_stored(server):
    data = large_photo(2_500_000, seed=1)
    upload = uploader(server, data)
    upload.upload()
    image = stored(server, data)
    assert image is not None and (image["name"], image["filename"]) == ("Harbour", "IMG_0001.JPG")
    assert upload.request.response_headers["photoshelf-image-id"] == str(image["id"])
    status, state = get_json(upload.url, server.headers)
    assert status == 200 and state["state"] == "stored" and state["image"]["id"] == image["id"]


def test_tuspy_with_sha1_checksums_on_every_chunk(server):
    data = large_photo(1_500_000, seed=2)
    upload = uploader(server, data, upload_checksum=True)
    upload.upload()
    assert stored(server, data)["sha256"] == hashlib.sha256(data).hexdigest()


def test_a_second_tuspy_client_resumes_from_the_stored_url(server, tmp_path):
    data = large_photo(2_500_000, seed=3)
    urls = FileStorage(str(tmp_path / "tus-urls.json"))
    path = tmp_path / "IMG_0001.JPG"
    path.write_bytes(data)
    first = uploader(server, data, path, store_url=True, url_storage=urls)
    first.upload(stop_at=2 * CHUNK)  # then the client goes away
    assert first.offset == 2 * CHUNK and stored(server, data) is None

    second = uploader(server, data, path, store_url=True, url_storage=urls)
    assert second.url == first.url and second.offset == 2 * CHUNK  # asked with HEAD
    second.upload()
    assert stored(server, data)["sha256"] == hashlib.sha256(data).hexdigest()


def test_tuspy_hears_a_refusal_as_a_failed_upload(server):
    data = b"not a picture at all " * 50_000
    upload = uploader(server, data)
    with pytest.raises(TusCommunicationError) as failed:
        upload.upload()
    assert failed.value.status_code == 415
    status, state = get_json(upload.url, server.headers)
    assert state["state"] == "refused" and state["problem"]["code"] == "not-an-image"
