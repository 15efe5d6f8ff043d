"""/api/uploads (tus 1.0.0): each request of the protocol, its refusals, and what is stored."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from photoshelf.gallery import resumable
from photoshelf.gallery.models import Image, ResumableUpload, UploadChunk
from photoshelf.storage import get_storage
from photoshelf.storage.keys import original_key
from tests.conftest import FILES_PER_PHOTO, stored_files
from tests.factories import photo, recently

pytestmark = pytest.mark.django_db

TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}
OCTETS = "application/offset+octet-stream"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def create(client, length: int, metadata: str | None = None, **headers):
    extra = {**TUS, "HTTP_UPLOAD_LENGTH": str(length), **headers}
    if metadata is not None:
        extra["HTTP_UPLOAD_METADATA"] = metadata
    return client.generic("POST", "/api/uploads", b"", **extra)


def location(client, length: int, **kwargs) -> str:
    response = create(client, length, **kwargs)
    assert response.status_code == 201, response.content
    return response["Location"]


def patch(client, url: str, offset: int, data: bytes, **headers):
    headers = {**TUS, "HTTP_UPLOAD_OFFSET": str(offset), "CONTENT_TYPE": OCTETS, **headers}
    return client.generic("PATCH", url, data, **headers)


def head(client, url: str):
    return client.head(url, **TUS)


def image_bytes() -> bytes:
    return photo(size=(900, 600), taken=recently(days=2))


def test_options_advertises_the_protocol_and_its_limits(anonymous, settings):
    response = anonymous.options("/api/uploads")
    assert response.status_code == 204
    assert response["Tus-Resumable"] == "1.0.0"
    assert response["Tus-Version"] == "1.0.0"
    assert set(response["Tus-Extension"].split(",")) == {
        "creation",
        "creation-with-upload",
        "termination",
        "expiration",
        "checksum",
    }
    assert response["Tus-Max-Size"] == str(settings.PHOTOSHELF_MAX_UPLOAD_BYTES)
    assert response["Tus-Checksum-Algorithm"] == "sha1,sha256"


def test_an_upload_in_three_patches_is_stored_as_the_same_image_a_post_would_store(
    client, media_dir, settings
):
    data = image_bytes()
    url = location(client, len(data), metadata=f"filename {b64('IMG_7.JPG')},name {b64('Dusk')}")
    assert url.startswith("/api/uploads/")
    third = len(data) // 3
    for start, end in ((0, third), (third, 2 * third)):
        answer = patch(client, url, start, data[start:end])
        assert answer.status_code == 204, answer.content
        assert answer["Upload-Offset"] == str(end)
        assert "Photoshelf-Image-Id" not in answer
        assert head(client, url)["Upload-Offset"] == str(end)
    last = patch(client, url, 2 * third, data[2 * third :])
    assert last.status_code == 204, last.content
    image = Image.objects.get()
    assert last["Photoshelf-Image-Id"] == str(image.pk)
    assert (image.name, image.filename) == ("Dusk", "IMG_7.JPG")
    assert image.sha256 == hashlib.sha256(data).hexdigest()
    assert image.uploaded_by.username == "member"
    with get_storage().open(original_key(image.sha256, image.extension)) as fh:
        assert fh.read() == data
    # The chunks are gone: the storage holds the image's files only, the spool is empty.
    assert UploadChunk.objects.count() == 0
    assert len(stored_files(media_dir)) == FILES_PER_PHOTO
    assert list(Path(settings.FILE_UPLOAD_TEMP_DIR).iterdir()) == []
    state = client.get(url).json()
    assert state["state"] == "stored" and state["image"]["id"] == image.pk
    assert (state["offset"], state["length"], state["problem"]) == (len(data), len(data), None)


def test_creation_with_upload_stores_the_whole_file_in_the_post(client):
    data = image_bytes()
    response = client.post(
        "/api/uploads", data, content_type=OCTETS, **TUS, HTTP_UPLOAD_LENGTH=str(len(data))
    )
    assert response.status_code == 201, response.content
    assert response["Upload-Offset"] == str(len(data))
    assert response["Photoshelf-Image-Id"] == str(Image.objects.get().pk)


def test_a_refused_upload_answers_the_refusal_and_keeps_it_for_get(client, media_dir):
    data = b"plain text, not a picture " * 100
    url = location(client, len(data))
    answer = patch(client, url, 0, data)
    assert answer.status_code == 415
    assert answer["Content-Type"] == "application/problem+json"
    assert answer.json()["code"] == "not-an-image"
    state = client.get(url).json()
    assert state["state"] == "refused" and state["problem"]["code"] == "not-an-image"
    assert state["image"] is None
    assert Image.objects.count() == 0 and stored_files(media_dir) == []
    # The same answer again for a client that lost it.
    assert patch(client, url, len(data), b"").json()["code"] == "not-an-image"


def test_a_duplicate_is_refused_as_a_post_refuses_it(client):
    data = image_bytes()
    first, second = location(client, len(data)), location(client, len(data))
    assert patch(client, first, 0, data).status_code == 204
    answer = patch(client, second, 0, data)
    assert answer.status_code == 409
    assert answer.json()["duplicate_of"] == Image.objects.get().pk


def test_a_checksum_that_matches_keeps_the_bytes_and_one_that_does_not_keeps_none(client):
    data = image_bytes()
    url = location(client, len(data))
    half = len(data) // 2
    good = base64.b64encode(hashlib.sha1(data[:half]).digest()).decode()
    answer = patch(client, url, 0, data[:half], HTTP_UPLOAD_CHECKSUM=f"sha1 {good}")
    assert answer.status_code == 204 and answer["Upload-Offset"] == str(half)
    wrong = base64.b64encode(hashlib.sha256(b"other bytes").digest()).decode()
    answer = patch(client, url, half, data[half:], HTTP_UPLOAD_CHECKSUM=f"sha256 {wrong}")
    assert answer.status_code == 460 and answer.json()["code"] == "checksum-mismatch"
    assert answer.reason_phrase == "Checksum Mismatch"
    assert head(client, url)["Upload-Offset"] == str(half)
    assert UploadChunk.objects.count() == 1
    right = base64.b64encode(hashlib.sha256(data[half:]).digest()).decode()
    answer = patch(client, url, half, data[half:], HTTP_UPLOAD_CHECKSUM=f"sha256 {right}")
    assert answer.status_code == 204 and "Photoshelf-Image-Id" in answer


def test_an_upload_length_above_the_limit_is_413_before_any_byte(client, settings):
    settings.PHOTOSHELF_MAX_UPLOAD_BYTES = 1000
    response = create(client, 1001)
    assert response.status_code == 413 and response.json()["code"] == "too-large"
    assert response.json()["max_bytes"] == 1000
    assert ResumableUpload.objects.count() == 0


def test_bytes_beyond_the_upload_length_are_refused_and_the_offset_stays(client):
    url = location(client, 10)
    answer = patch(client, url, 0, b"x" * 11)
    assert answer.status_code == 413 and answer.json()["code"] == "beyond-upload-length"
    assert head(client, url)["Upload-Offset"] == "0"
    assert UploadChunk.objects.count() == 0


def test_a_wrong_offset_is_409_and_names_the_right_one(client):
    url = location(client, 100)
    assert patch(client, url, 0, b"a" * 10).status_code == 204
    answer = patch(client, url, 5, b"b" * 10)
    assert answer.status_code == 409 and answer.json()["code"] == "upload-offset-mismatch"
    assert answer["Upload-Offset"] == "10" and answer.json()["offset"] == 10
    assert head(client, url)["Upload-Offset"] == "10"


def test_an_unknown_or_someone_elses_upload_is_not_found(client, uploader_client):
    url = location(client, 100)
    for who, where in ((client, "/api/uploads/" + "0" * 32), (uploader_client, url)):
        assert head(who, where).status_code == 404
        assert patch(who, where, 0, b"x").json()["code"] == "not-found"
        assert who.get(where).status_code == 404
        assert who.delete(where, **TUS).status_code == 404


def test_termination_removes_the_bytes_and_the_upload(client, media_dir):
    url = location(client, 100)
    assert patch(client, url, 0, b"a" * 40).status_code == 204
    assert stored_files(media_dir) != []
    assert client.delete(url, **TUS).status_code == 204
    assert head(client, url).status_code == 404
    assert stored_files(media_dir) == [] and ResumableUpload.objects.count() == 0


def test_an_expired_upload_is_gone_and_its_bytes_are_swept(client, media_dir, settings):
    url = location(client, 100)
    response = patch(client, url, 0, b"a" * 40)
    assert "GMT" in response["Upload-Expires"]
    ResumableUpload.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert head(client, url).status_code == 410
    assert patch(client, url, 40, b"a").json()["code"] == "upload-expired"
    assert client.get(url).json()["state"] == "expired"
    assert resumable.sweep_expired() == 1
    assert stored_files(media_dir) == []
    assert ResumableUpload.objects.get().state == "expired"


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({"HTTP_TUS_RESUMABLE": "0.2.2"}, 412, "tus-version-unsupported"),
        ({"HTTP_UPLOAD_OFFSET": "-1"}, 400, "invalid-request"),
        ({"HTTP_UPLOAD_OFFSET": "1e3"}, 400, "invalid-request"),
        ({"HTTP_UPLOAD_OFFSET": "9" * 30}, 400, "invalid-request"),
        ({"HTTP_UPLOAD_CHECKSUM": "md5 AAAA"}, 400, "invalid-request"),
        ({"HTTP_UPLOAD_CHECKSUM": "sha1 not*base64"}, 400, "invalid-request"),
        ({"CONTENT_TYPE": "image/jpeg"}, 415, "unsupported-media-type"),
    ],
)
def test_malformed_patches_are_refused_with_a_problem(client, headers, status, code):
    url = location(client, 100)
    answer = patch(client, url, 0, b"a" * 10, **headers)
    assert answer.status_code == status, answer.content
    assert answer["Content-Type"] == "application/problem+json"
    assert answer.json()["code"] == code
    assert head(client, url)["Upload-Offset"] == "0"


@pytest.mark.parametrize(
    "metadata",
    [
        "filename",
        "filename a b",
        "fi le YQ==",
        "filename YQ==,filename YQ==",
        "name %%%",
        "name /w==",
    ],
)
def test_malformed_metadata_is_400(client, metadata):
    if metadata == "filename":  # a key without a value is allowed
        assert create(client, 10, metadata=metadata).status_code == 201
        return
    response = create(client, 10, metadata=metadata)
    assert response.status_code == 400 and response.json()["code"] == "invalid-request"


@pytest.mark.parametrize("length", ["", "abc", "-5", "1.5"])
def test_a_missing_or_malformed_upload_length_is_400(client, length):
    headers = {} if length == "" else {"HTTP_UPLOAD_LENGTH": length}
    response = client.generic("POST", "/api/uploads", b"", **TUS, **headers)
    assert response.status_code == 400 and response.json()["code"] == "invalid-request"


def test_a_creation_body_of_another_type_is_415(client):
    response = client.post("/api/uploads", {"file": "x"}, **TUS, HTTP_UPLOAD_LENGTH="10")
    assert response.status_code == 415 and response.json()["code"] == "unsupported-media-type"
    assert ResumableUpload.objects.count() == 0


def test_an_invalid_name_is_refused_at_creation(client):
    response = create(client, 10, metadata=f"name {b64('x' * 500)}")
    assert response.status_code == 422 and response.json()["code"] == "invalid-name"


def test_a_second_request_while_one_writes_is_locked(client, member):
    url = location(client, 100)
    upload = ResumableUpload.objects.get()
    with resumable.holding(upload):
        answer = patch(client, url, 0, b"a" * 10)
        assert answer.status_code == 423 and answer.json()["code"] == "upload-locked"
        assert client.delete(url, **TUS).status_code == 423
    assert patch(client, url, 0, b"a" * 10).status_code == 204


def test_a_holder_past_its_lease_is_replaced_and_records_nothing(client):
    url = location(client, 100)
    upload = ResumableUpload.objects.get()
    with resumable.holding(upload) as me:
        ResumableUpload.objects.update(writer_until=timezone.now() - timedelta(seconds=1))
        assert patch(client, url, 0, b"a" * 10).status_code == 204  # took it over
        stale = ResumableUpload.objects.get()
        assert stale.writer == ""
        with pytest.raises(resumable.Refusal) as refused:
            resumable._commit(stale, me, [resumable._Piece(0, 5, "uploads/x/0")])
        assert refused.value.code == "upload-locked"
    assert head(client, url)["Upload-Offset"] == "10"


def test_a_method_override_reaches_patch(client):
    url = location(client, 10)
    answer = client.post(
        url, b"abc", content_type=OCTETS, **TUS, HTTP_UPLOAD_OFFSET="0",
        HTTP_X_HTTP_METHOD_OVERRIDE="PATCH",
    )  # fmt: skip
    assert answer.status_code == 204 and answer["Upload-Offset"] == "3"


def test_while_it_receives_the_storage_holds_its_bytes_once(client, settings):
    """Chunk objects (a bucket) or the one file (a disk) add up to the offset, and nothing
    else is kept: no spool of the request, no copy (docs/api.md, "Bounded")."""
    data = image_bytes()
    url = location(client, len(data))
    half = len(data) // 2
    assert patch(client, url, 0, data[:half]).status_code == 204
    storage = get_storage()
    keys = list(storage.keys())
    assert keys and all(key.startswith(resumable.KEY_PREFIX) for key in keys)
    assert sum(storage.size(key) for key in keys) == half
    assert list(Path(settings.FILE_UPLOAD_TEMP_DIR).iterdir()) == []


def test_a_large_patch_is_stored_in_bounded_chunks(client, monkeypatch, media_dir):
    monkeypatch.setattr(resumable, "PIECE_BYTES", 1000)
    data = image_bytes()
    url = location(client, len(data))
    half = len(data) // 2
    assert patch(client, url, 0, data[:half]).status_code == 204
    sizes = list(UploadChunk.objects.order_by("offset").values_list("size", flat=True))
    if get_storage().local_path("x") is None:  # a bucket: chunks of at most PIECE_BYTES
        assert max(sizes) <= 1000 and sum(sizes) == half
    else:  # a local disk: one file, its recorded size the offset
        assert sizes == [half]
    answer = patch(client, url, half, data[half:])
    assert answer.status_code == 204 and "Photoshelf-Image-Id" in answer
    assert Image.objects.get().sha256 == hashlib.sha256(data).hexdigest()
