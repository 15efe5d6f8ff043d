"""Uploads in flight: what a dead upload wrote is swept, a live upload's files are never touched."""

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from photoshelf import cli
from photoshelf.gallery import in_flight
from photoshelf.gallery.consistency import check
from photoshelf.gallery.models import Image, UploadInFlight
from photoshelf.storage import get_storage
from photoshelf.storage.keys import original_key, rendition_key
from photoshelf.storage.s3 import S3Storage
from tests.conftest import stored_files
from tests.factories import photo, upload

pytestmark = pytest.mark.django_db

SHA = "ab" * 32
KEYS = [original_key(SHA, "jpg"), rendition_key(SHA, "thumbnail", "webp")]


def a_dead_pid() -> int:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], text=True,
                           capture_output=True, check=True)  # fmt: skip
    return int(child.stdout)


def half_written(note: UploadInFlight, media_dir) -> None:
    """The state a kill leaves: the note, the original stored, a rendition's temporary file
    (in a bucket, the parts of its unfinished multipart upload)."""
    storage = get_storage()
    storage.put_bytes(KEYS[0], b"an original", tag=note.tag)
    if isinstance(media_dir, Path):
        partial = media_dir / Path(KEYS[1]).parent / f".incoming-{note.tag}partial"
        partial.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(b"half a rendit")
    else:
        assert isinstance(storage, S3Storage)
        key = storage.prefix + KEYS[1]
        started = storage.client.create_multipart_upload(Bucket=storage.bucket, Key=key)
        storage.client.upload_part(
            Bucket=storage.bucket,
            Key=key,
            UploadId=started["UploadId"],
            PartNumber=1,
            Body=b"half a rendit",
        )


def note_by(host: str, pid: int, started: str = "", lease=timedelta(hours=1)) -> UploadInFlight:
    return UploadInFlight.objects.create(
        sha256=SHA,
        keys="\n".join(KEYS),
        host=host,
        pid=pid,
        started=started,
        lease_expires_at=timezone.now() + lease,
    )


def test_it_sweeps_an_upload_whose_process_on_this_host_is_dead(media_dir, capsys):
    note = note_by(in_flight._host(), a_dead_pid())
    half_written(note, media_dir)

    assert cli.main(["check"]) == 0
    assert capsys.readouterr().out.strip().endswith("consistent")
    assert stored_files(media_dir) == []
    assert not UploadInFlight.objects.exists()


def test_it_sweeps_an_upload_whose_pid_now_names_another_process(media_dir):
    note = note_by(in_flight._host(), a_dead_pid())
    note.pid, note.started = 1, "not the start time of pid 1"  # a pid reused after a reboot
    note.save()
    half_written(note, media_dir)

    assert in_flight.sweep() == 1
    assert stored_files(media_dir) == []


def test_it_never_touches_a_live_upload_on_another_host(media_dir, capsys):
    note = note_by("another-machine", 12345)
    half_written(note, media_dir)
    before = stored_files(media_dir)

    assert in_flight.sweep() == 0
    report = check(repair=True, grace=timedelta(0))
    assert report.clean and report.in_flight == [KEYS[0]] and report.orphans == []
    assert report.abandoned == []  # its partial write is its own, not a dead process's
    assert cli.main(["check", "--repair", "--grace-minutes", "0"]) == 0
    assert stored_files(media_dir) == before
    assert UploadInFlight.objects.filter(pk=note.pk).exists()
    if not isinstance(media_dir, Path):  # nor the parts it is putting
        storage = get_storage()
        assert isinstance(storage, S3Storage)
        uploads = storage.client.list_multipart_uploads(Bucket=storage.bucket)["Uploads"]
        assert [upload["Key"] for upload in uploads] == [storage.prefix + KEYS[1]]


def test_it_never_touches_a_live_upload_of_this_process(media_dir):
    note = in_flight.begin(SHA, KEYS)
    half_written(note, media_dir)
    before = stored_files(media_dir)

    assert in_flight.sweep() == 0
    assert stored_files(media_dir) == before


def test_it_sweeps_an_upload_whose_lease_expired(media_dir):
    note = note_by("another-machine", 12345, lease=-timedelta(seconds=1))
    half_written(note, media_dir)

    assert in_flight.sweep() == 1
    assert check().clean
    assert stored_files(media_dir) == []


def test_a_dead_upload_of_bytes_a_live_one_is_writing_leaves_the_files(media_dir):
    dead = note_by(in_flight._host(), a_dead_pid())
    note_by("another-machine", 12345)  # the same photo, uploaded again elsewhere
    half_written(dead, media_dir)

    assert in_flight.sweep() == 1
    assert get_storage().exists(KEYS[0])


def test_a_dead_upload_of_a_stored_photo_leaves_the_photos_files(client, media_dir):
    response = client.post("/api/images", {"file": upload(photo())})
    image = Image.objects.get(pk=response.json()["id"])
    before = stored_files(media_dir)
    UploadInFlight.objects.create(
        sha256=image.sha256,
        keys="\n".join(image.storage_keys()),
        host=in_flight._host(),
        pid=a_dead_pid(),
        lease_expires_at=timezone.now() + timedelta(hours=1),
    )

    assert in_flight.sweep() == 1
    assert stored_files(media_dir) == before and check().clean


def test_an_upload_leaves_no_note_whether_stored_or_refused(client):
    data = photo()
    assert client.post("/api/images", {"file": upload(data)}).status_code == 201
    assert client.post("/api/images", {"file": upload(data)}).status_code == 409
    assert not UploadInFlight.objects.exists()
