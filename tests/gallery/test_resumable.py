"""gallery/resumable.py: what `photoshelf check` sees of resumable uploads, their expiry sweep,
and chunks a killed writer stored without recording them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from photoshelf import cli
from photoshelf.gallery import resumable
from photoshelf.gallery.consistency import check
from photoshelf.gallery.models import ResumableUpload, UploadChunk
from photoshelf.storage import get_storage
from tests.conftest import make_user, stored_files

pytestmark = pytest.mark.django_db


def started(owner, sent: bytes, length: int = 100) -> ResumableUpload:
    upload = resumable.create(owner, length)
    chunks = iter([sent, b""])
    return resumable.receive(upload, 0, lambda size: next(chunks), announced=len(sent))


@pytest.fixture
def owner():
    return make_user("owner")


def test_an_upload_under_way_is_consistent_and_its_chunks_are_not_orphans(owner, media_dir):
    started(owner, b"a" * 40)
    assert stored_files(media_dir) != []
    report = check()
    assert report.clean and report.orphans == []


def test_check_lists_expired_uploads_and_repair_removes_their_bytes(owner, media_dir, capsys):
    upload = started(owner, b"a" * 40)
    ResumableUpload.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert cli.main(["check"]) == 1
    out = capsys.readouterr().out
    assert f"expired upload: {upload.token}" in out and out.strip().endswith("inconsistent")
    assert stored_files(media_dir) != []  # check alone changes nothing

    assert cli.main(["check", "--repair"]) == 0
    assert stored_files(media_dir) == [] and UploadChunk.objects.count() == 0
    assert ResumableUpload.objects.get().state == "expired"
    assert cli.main(["check"]) == 0


def test_a_chunk_stored_but_never_recorded_is_an_orphan_the_repair_removes(owner, media_dir):
    upload = started(owner, b"a" * 40)
    stray = f"{resumable.KEY_PREFIX}{upload.token}/000000000000040-deadbeef"
    get_storage().put_bytes(stray, b"b" * 10)  # a writer killed between storing and recording
    assert check().orphans == [stray]
    report = check(repair=True, grace=timedelta(0))
    assert stray not in stored_files(media_dir) and f"orphan {stray} removed" in report.repaired
    assert check().clean
    assert resumable.find(upload.token, owner).offset == 40


def test_a_new_upload_sweeps_expired_ones(owner, media_dir):
    started(owner, b"a" * 40)
    ResumableUpload.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    resumable.create(owner, 10)
    assert stored_files(media_dir) == []
    assert ResumableUpload.objects.filter(state="expired").count() == 1


def test_an_upload_being_written_is_not_swept_even_past_its_expiry(owner, media_dir):
    upload = started(owner, b"a" * 40)
    with resumable.holding(upload):
        ResumableUpload.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
        assert resumable.sweep_expired() == 0
    assert stored_files(media_dir) != []


def test_writing_extends_the_expiry(owner, settings):
    settings.PHOTOSHELF_UPLOAD_EXPIRY_HOURS = 2
    upload = resumable.create(owner, 100)
    ResumableUpload.objects.update(expires_at=timezone.now() + timedelta(minutes=1))
    chunks = iter([b"a" * 10, b""])
    resumable.receive(upload, 0, lambda size: next(chunks), announced=10)
    left = ResumableUpload.objects.get().expires_at - timezone.now()
    assert timedelta(hours=1, minutes=59) < left <= timedelta(hours=2)
