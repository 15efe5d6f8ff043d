"""POST /api/images: every success and every refusal, and what each leaves behind."""

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from photoshelf.gallery.models import Image
from tests.conftest import FILES_PER_PHOTO, stored_files
from tests.factories import photo, recently, upload

pytestmark = pytest.mark.django_db


def post(client, data: bytes, filename="photo.jpg", **fields):
    return client.post("/api/images", {"file": upload(data, filename), **fields})


def test_it_stores_an_image_and_answers_201_with_its_json(client, media_dir):
    taken = recently(days=3)
    response = post(
        client,
        photo(size=(1200, 800), taken=taken, offset="+02:00"),
        filename="IMG_0042.JPG",
        name="  Harbour at dusk ",
    )
    assert response.status_code == 201
    body = response.json()
    image = Image.objects.get()
    assert body["id"] == image.pk
    assert body["name"] == "Harbour at dusk"
    assert body["filename"] == "IMG_0042.JPG"
    assert (body["format"], body["content_type"]) == ("JPEG", "image/jpeg")
    assert (body["width"], body["height"]) == (1200, 800)
    assert (body["camera_make"], body["camera_model"]) == ("Canon", "Canon EOS 40D")
    assert body["taken_at"] == taken.isoformat() + "+02:00"
    assert body["uploaded_at"].endswith("Z") or body["uploaded_at"].endswith("+00:00")
    assert len(body["sha256"]) == 64 and body["file_size"] == image.file_size
    assert body["original_url"] == f"/images/{image.pk}/original"
    assert body["preview_url"] == f"/images/{image.pk}/preview"
    assert body["thumbnail_url"] == f"/images/{image.pk}/thumbnail"
    assert "preview_webp_url" not in body  # the preview is JPEG alone (core.sizes)
    assert body["thumbnail_webp_url"] == f"/images/{image.pk}/thumbnail.webp"
    assert client.get(body["thumbnail_webp_url"])["Content-Type"] == "image/webp"
    assert len(stored_files(media_dir)) == 4  # original; preview; thumbnail, JPEG and WebP


def test_the_stored_original_is_the_upload_byte_for_byte_and_no_spool_file_is_left(
    client, media_dir, settings
):
    data = photo(size=(640, 480), taken=recently(days=1))
    assert post(client, data).status_code == 201
    from photoshelf.storage import get_storage
    from photoshelf.storage.keys import original_key

    image = Image.objects.get()
    with get_storage().open(original_key(image.sha256, image.extension)) as fh:
        assert fh.read() == data
    assert list(Path(settings.FILE_UPLOAD_TEMP_DIR).iterdir()) == []


def test_an_upload_says_how_long_each_of_its_stages_took(client):
    response = post(client, photo(size=(640, 480), taken=recently(days=1)))
    assert response.status_code == 201
    metrics = {}
    for part in response["Server-Timing"].split(","):
        name, duration = part.strip().split(";dur=")
        metrics[name] = float(duration)
    assert list(metrics) == ["app", "receive", "pixels", "store", "record"]
    assert metrics["app"] >= sum(ms for name, ms in metrics.items() if name != "app")
    assert metrics["pixels"] > 0


def test_only_an_upload_that_passed_the_rules_is_flushed_to_disk_early(client, monkeypatch):
    from photoshelf.ingest.incoming import IncomingFile

    flushed = []
    monkeypatch.setattr(IncomingFile, "settle", lambda self: flushed.append(self.filename))
    assert post(client, photo(taken=None), filename="undated.jpg").status_code == 422
    assert post(client, b"not an image", filename="notes.jpg").status_code == 415
    assert post(client, photo(taken=recently(days=1)), filename="fine.jpg").status_code == 201
    assert flushed == ["fine.jpg"]


def test_the_name_defaults_to_the_file_name_without_extension(client):
    response = post(client, photo(), filename="holiday.2026.jpg")
    assert response.json()["name"] == "holiday.2026"


def test_a_date_without_offset_is_returned_without_one(client):
    taken = recently(days=2)
    assert post(client, photo(taken=taken)).json()["taken_at"] == taken.isoformat()


def assert_refused(response, status: int, code: str, media_dir):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code and body["status"] == status
    assert body["type"] == f"/api/problems/{code}"
    assert body["title"] and body["detail"]
    assert Image.objects.count() == 0 or code == "duplicate"
    return body


def test_the_same_bytes_twice_is_a_duplicate_with_the_first_ones_id(client, media_dir):
    data = photo()
    first = post(client, data).json()
    body = assert_refused(post(client, data, filename="other.jpg"), 409, "duplicate", media_dir)
    assert body["duplicate_of"] == first["id"]
    assert Image.objects.count() == 1 and len(stored_files(media_dir)) == FILES_PER_PHOTO


@pytest.mark.parametrize(
    "data, filename",
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "a.svg"),
        (b"<html><script>alert(1)</script></html>", "photo.jpg"),
        (b"%PDF-1.4 not an image", "photo.jpg"),
        (b"", "empty.jpg"),
    ],
    ids=["svg", "html-as-jpg", "pdf", "empty"],
)
def test_what_is_not_an_image_is_refused(client, media_dir, data, filename):
    assert_refused(post(client, data, filename=filename), 415, "not-an-image", media_dir)
    assert stored_files(media_dir) == []


def test_a_truncated_image_is_refused_and_leaves_nothing(client, media_dir):
    data = photo(size=(1600, 1200))
    assert_refused(post(client, data[: len(data) // 2]), 415, "not-an-image", media_dir)
    assert stored_files(media_dir) == []


def test_a_photo_without_a_date_taken_is_refused(client, media_dir):
    assert_refused(post(client, photo(taken=None)), 422, "taken-at-missing", media_dir)
    assert stored_files(media_dir) == []


def test_a_photo_without_a_date_is_accepted_when_the_setting_relaxes_it(client, settings):
    settings.PHOTOSHELF_REQUIRE_TAKEN_AT = False
    response = post(client, photo(taken=None))
    assert response.status_code == 201 and response.json()["taken_at"] is None


def test_a_photo_taken_too_long_ago_is_refused_with_the_date_and_the_limit(client, media_dir):
    taken = datetime.now() - timedelta(days=400)
    body = assert_refused(post(client, photo(taken=taken)), 422, "taken-at-too-old", media_dir)
    assert body["taken_at"].startswith(taken.date().isoformat())
    assert body["max_age_days"] == 365
    assert stored_files(media_dir) == []


def test_an_old_photo_is_accepted_when_the_age_limit_is_off(client, settings):
    settings.PHOTOSHELF_MAX_AGE_DAYS = 0
    assert post(client, photo(taken=datetime(1999, 1, 1))).status_code == 201


def test_a_file_over_the_size_limit_is_refused(client, settings, media_dir):
    settings.PHOTOSHELF_MAX_UPLOAD_BYTES = 100_000
    body = assert_refused(
        post(client, photo(size=(2000, 2000)) + b"\0" * 200_000), 413, "too-large", media_dir
    )
    assert body["max_bytes"] == 100_000
    assert stored_files(media_dir) == []


def test_a_file_over_the_size_limit_is_refused_while_streaming(client, settings, media_dir):
    # Content just over the limit, within the form's overhead allowance: the handler, not the
    # announced length, notices it chunk by chunk.
    settings.PHOTOSHELF_MAX_UPLOAD_BYTES = 100_000
    assert_refused(post(client, b"\xff\xd8" + b"\0" * 100_100), 413, "too-large", media_dir)


def test_a_spool_file_the_disk_cannot_take_is_a_503_and_removed_at_once(
    client, full_spool, media_dir
):
    response = post(client, photo())
    assert response.status_code == 503, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "storage-full" and int(response["Retry-After"]) > 0
    assert full_spool and not any(path.exists() for path in full_spool)
    assert not Image.objects.exists() and stored_files(media_dir) == []


def test_an_image_with_too_many_pixels_is_refused(client, settings, media_dir):
    settings.PHOTOSHELF_MAX_PIXELS = 1000 * 1000
    body = assert_refused(post(client, photo(size=(1200, 1000))), 413, "too-many-pixels", media_dir)
    assert body["max_pixels"] == 1_000_000


@pytest.mark.parametrize("name", ["x" * 201, "two\nlines"])
def test_an_invalid_name_is_refused(client, media_dir, name):
    assert_refused(post(client, photo(), name=name), 422, "invalid-name", media_dir)


def test_a_request_without_a_file_is_refused(client, media_dir):
    response = client.post("/api/images", {"name": "no file"})
    assert_refused(response, 400, "file-missing", media_dir)


def test_a_body_that_is_not_multipart_is_refused(client, media_dir):
    response = client.post("/api/images", b"\x00\x01garbage", content_type="application/json")
    assert response.status_code in {400, 415}
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] in {"file-missing", "invalid-request"}


def test_the_json_carries_every_metadata_field_and_the_display_camera(client, corpus, settings):
    settings.PHOTOSHELF_MAX_AGE_DAYS = 0
    response = post(client, (corpus / "heic" / "IMG_5195.HEIC").read_bytes(), "IMG_5195.HEIC")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["camera_make"], body["camera_model"], body["camera"]) == (
        "Apple",
        "iPhone 11 Pro Max",
        "Apple iPhone 11 Pro Max",
    )
    assert body["lens_model"] == "iPhone 11 Pro Max back triple camera 4.25mm f/1.8"
    assert (body["focal_length_mm"], body["f_number"], body["iso"]) == (4.25, 1.8, 32)
    assert body["exposure_time_s"] == pytest.approx(1 / 391, rel=1e-3)
    assert body["gps"] == {
        "latitude": pytest.approx(39.0513444),
        "longitude": pytest.approx(-94.2887722),
    }
    assert body["taken_at"] == "2021-04-11T15:47:53.054000-05:00"
    assert (body["taken_at_source"], body["taken_at_offset_source"]) == (
        "DateTimeOriginal",
        "OffsetTimeOriginal",
    )


def test_a_nikon_is_named_as_people_say_it_and_kept_as_recorded(client, corpus, settings):
    settings.PHOTOSHELF_MAX_AGE_DAYS = 0
    body = post(client, (corpus / "jpg" / "Nikon_D70.jpg").read_bytes(), "Nikon_D70.jpg").json()
    assert (body["camera_make"], body["camera_model"], body["camera"]) == (
        "NIKON CORPORATION",
        "NIKON D70",
        "Nikon D70",
    )
    assert (body["gps"], body["taken_at_offset_source"]) == (None, "")
