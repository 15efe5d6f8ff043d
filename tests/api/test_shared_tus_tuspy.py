"""tuspy, a third-party tus client, as a guest through an upload link of a real
`photoshelf serve`: chunks, a resumed upload, and a refusal that reveals nothing."""

from __future__ import annotations

import hashlib
import io
import json
import urllib.request

import pytest
from tusclient import client as tus
from tusclient.exceptions import TusCommunicationError

from tests.factories import large_photo
from tests.wire import get_json

pytestmark = pytest.mark.backends("sqlite-local", "postgresql-s3")

CHUNK = 512 * 1024


def post(server, path: str, body: dict) -> dict:
    request = urllib.request.Request(
        server.url + path,
        data=json.dumps(body).encode(),
        headers={**server.headers, "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)


def upload_link(server, **options) -> tuple[int, str]:
    album = post(server, "/api/albums", {"title": "Field trip"})
    link = post(server, f"/api/albums/{album['id']}/links", {"allow_upload": True, **options})
    return album["id"], link["url"].removeprefix("/s/")


def guest_uploader(server, token: str, data: bytes, headers=None, **options):
    client = tus.TusClient(f"{server.url}/api/shared/{token}/uploads", headers=headers or {})
    return client.uploader(
        file_stream=io.BytesIO(data),
        chunk_size=CHUNK,
        metadata={"filename": "IMG_0002.JPG", "name": "Guest entry"},
        **options,
    )


def album_ids(server, album: int) -> list[int]:
    items = get_json(f"{server.url}/api/albums/{album}/images", server.headers)[1]["items"]
    return [item["id"] for item in items]


def test_tuspy_as_a_guest_puts_the_photo_into_the_album(server):
    album, token = upload_link(server, password="confetti")
    data = large_photo(2_000_000, seed=31)
    upload = guest_uploader(
        server, token, data, headers={"X-Share-Password": "confetti"}, upload_checksum=True
    )
    upload.upload(stop_at=2 * CHUNK)
    assert upload.offset == 2 * CHUNK and album_ids(server, album) == []
    upload.upload()  # the rest, resumed
    image_id = int(upload.request.response_headers["photoshelf-image-id"])
    assert album_ids(server, album) == [image_id]
    status, state = get_json(upload.url, {"X-Share-Password": "confetti"})
    assert status == 200 and state["state"] == "stored" and state["image"]["id"] == image_id
    stored = get_json(f"{server.url}/api/images/{image_id}", server.headers)[1]
    assert stored["sha256"] == hashlib.sha256(data).hexdigest()
    # The upload is the link's: /api/uploads does not know it, even for the album's owner.
    problem = get_json(server.url + "/api/uploads/" + upload.url.rsplit("/", 1)[1], server.headers)
    assert problem[0] == 404


def test_tuspy_hears_a_link_without_uploads_as_refused(server):
    album = post(server, "/api/albums", {"title": "Look only"})
    token = post(server, f"/api/albums/{album['id']}/links", {})["url"].removeprefix("/s/")
    with pytest.raises(TusCommunicationError) as failed:
        guest_uploader(server, token, large_photo(300_000, seed=32)).upload()
    assert failed.value.status_code == 403
