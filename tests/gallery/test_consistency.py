"""`photoshelf check [--repair]`: rows whose files are missing, files no row references, missing
renditions; the repair makes renditions again from the original and removes orphans."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image as PILImage

from photoshelf import cli
from photoshelf.gallery.consistency import check
from photoshelf.gallery.models import Image, PendingDeletion
from photoshelf.storage import get_storage
from photoshelf.storage.local import INCOMING_PREFIX
from tests.conftest import stored_files
from tests.factories import photo, upload

pytestmark = pytest.mark.django_db

ORPHAN = "originals/ee/ee/" + "ee" * 32 + ".jpg"


def add(client, **kwargs) -> Image:
    response = client.post("/api/images", {"file": upload(photo(**kwargs))})
    assert response.status_code == 201, response.content
    return Image.objects.get(pk=response.json()["id"])


def test_a_consistent_gallery_is_reported_clean(client, capsys):
    add(client)
    assert check().clean
    assert cli.main(["check"]) == 0
    assert capsys.readouterr().out.strip() == "consistent"


def test_every_kind_of_problem_is_reported_and_nothing_is_changed(client, media_dir, capsys):
    lost, thin = add(client, color=(1, 1, 1)), add(client, color=(2, 2, 2))
    storage = get_storage()
    storage.delete(lost.original_key)
    storage.delete(thin.rendition_key("thumbnail"))
    storage.put_bytes(ORPHAN, b"left behind")
    before = stored_files(media_dir)

    report = check()
    assert report.missing_originals == [lost.original_key]
    assert report.missing_renditions == [thin.rendition_key("thumbnail")]
    assert report.orphans == [ORPHAN]
    assert cli.main(["check"]) == 1
    out = capsys.readouterr().out
    assert f"missing original: {lost.original_key}" in out and f"orphan file: {ORPHAN}" in out
    assert out.strip().endswith("inconsistent")
    assert stored_files(media_dir) == before


def test_repair_makes_renditions_again_and_removes_orphans(client, media_dir, capsys):
    image = add(client, size=(2000, 1000))
    storage = get_storage()
    storage.delete(image.rendition_key("preview"))
    storage.delete(image.rendition_key("thumbnail"))
    storage.put_bytes(ORPHAN, b"left behind")

    assert cli.main(["check", "--repair", "--grace-minutes", "0"]) == 0
    assert capsys.readouterr().out.strip().endswith("repaired")
    assert stored_files(media_dir) == sorted(image.storage_keys())
    with storage.open(image.rendition_key("thumbnail")) as fh:
        assert PILImage.open(io.BytesIO(fh.read())).size == (400, 200)
    assert client.get(f"/images/{image.pk}/preview").status_code == 200
    assert check().clean


def test_repair_leaves_young_unreferenced_files_which_may_be_an_upload_in_progress(
    client, media_dir, capsys
):
    storage = get_storage()
    storage.put_bytes(ORPHAN, b"written a moment ago")
    assert cli.main(["check", "--repair"]) == 1
    assert "is younger than the grace period" in capsys.readouterr().out
    assert stored_files(media_dir) == [ORPHAN]
    assert storage.modified(ORPHAN) > timezone.now() - timedelta(minutes=1)


def test_repair_removes_noted_leftovers_of_a_failed_upload_at_any_age(client, media_dir):
    get_storage().put_bytes(ORPHAN, b"left by an upload the storage failed")
    PendingDeletion.objects.create(key=ORPHAN, sha256="ee" * 32)
    assert check(repair=True).repaired_all
    assert stored_files(media_dir) == [] and not PendingDeletion.objects.exists()


def test_a_missing_original_cannot_be_repaired_and_says_so(client):
    image = add(client)
    get_storage().delete(image.original_key)
    assert cli.main(["check", "--repair"]) == 1
    assert check().missing_originals == [image.original_key]
    assert Image.objects.filter(pk=image.pk).exists()  # the row stays: a person decides


def _partial_write(storage) -> str:
    """What a process killed while storing a large original leaves: on a local disk a
    temporary file beside the key; in a bucket an unfinished multipart upload (boto3 puts a
    large file in parts), invisible among the keys. The key it was for."""
    key = "originals/ab/cd/" + "ab" * 32 + ".jpg"
    path = storage.local_path(key)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        (path.parent / f"{INCOMING_PREFIX}deadbeef").write_bytes(b"half a photo")
        return key
    s3 = storage.client
    started = s3.create_multipart_upload(Bucket=storage.bucket, Key=storage.prefix + key)
    s3.upload_part(
        Bucket=storage.bucket,
        Key=storage.prefix + key,
        UploadId=started["UploadId"],
        PartNumber=1,
        Body=b"x" * 5 * 1024 * 1024,
    )
    return key


def test_a_partial_write_of_a_killed_process_is_listed_and_repair_removes_it(client, capsys):
    storage = get_storage()
    key = _partial_write(storage)
    assert check().clean  # younger than the grace period: its writer may still be at it
    assert list(storage.keys()) == []

    assert cli.main(["check", "--grace-minutes", "0"]) == 1
    line, verdict = capsys.readouterr().out.strip().splitlines()
    assert line.startswith("abandoned write: " + key.rsplit("/", 1)[0])
    assert verdict == "inconsistent"
    assert cli.main(["check", "--repair", "--grace-minutes", "0"]) == 0
    assert "1 abandoned write(s) removed" in capsys.readouterr().out
    assert storage.abandoned(0) == []
    assert check(grace=timedelta(0)).clean
    if storage.local_path(key) is None:  # the bucket no longer keeps the parts
        uploads = storage.client.list_multipart_uploads(Bucket=storage.bucket)
        assert uploads.get("Uploads", []) == []


def test_repair_gives_a_photo_stored_before_webp_its_webp_renditions_and_keeps_its_jpegs(
    client, media_dir
):
    image = add(client, size=(2000, 1000))
    assert image.has_webp
    storage = get_storage()
    jpegs = {}
    for size in ("preview", "thumbnail"):
        with storage.open(image.rendition_key(size)) as fh:
            jpegs[size] = fh.read()
    storage.delete(image.rendition_key("thumbnail", "webp"))  # as a photo stored before it
    Image.everything.filter(pk=image.pk).update(has_webp=False)  # as migration 0019 left it
    # Until then its pages offer the JPEG alone: a <source> without its file is a broken picture.
    assert ".webp" not in client.get("/").content.decode()
    assert ".webp" not in client.get(f"/images/{image.pk}").content.decode()
    answer = client.get(f"/api/images/{image.pk}").json()
    assert answer["thumbnail_webp_url"] is None and "preview_webp_url" not in answer

    report = check()
    assert report.missing_renditions == [image.rendition_key("thumbnail", "webp")]
    assert cli.main(["check", "--repair"]) == 0
    assert stored_files(media_dir) == sorted(image.storage_keys())
    with storage.open(image.rendition_key("thumbnail", "webp")) as fh, PILImage.open(fh) as webp:
        assert (webp.format, webp.width) == ("WEBP", 400)
    for size in ("preview", "thumbnail"):
        with storage.open(image.rendition_key(size)) as fh:
            assert fh.read() == jpegs[size]  # what browsers cached stays as it was
    assert client.get(f"/images/{image.pk}/thumbnail.webp")["Content-Type"] == "image/webp"
    image.refresh_from_db()
    assert (
        image.has_webp
        and f"/images/{image.pk}/thumbnail.webp 400w" in client.get("/").content.decode()
    )
    assert client.get(f"/api/images/{image.pk}").json()["thumbnail_webp_url"] is not None
    assert check().clean
