"""ingest() and near-duplicates: the second look under the lock, and the backfill of old rows."""

import pytest

from photoshelf.core.refusals import Refusal
from photoshelf.gallery import library, near_duplicates
from photoshelf.gallery.models import Image
from photoshelf.ingest.fingerprint import hamming
from photoshelf.ingest.incoming import IncomingFile
from tests.conftest import FILES_PER_PHOTO, stored_files
from tests.factories import reencoded, scene

# Library behaviour, not a backend matrix: the six backends are covered by tests/api and tests/web.
pytestmark = [pytest.mark.django_db, pytest.mark.backends("sqlite-local")]


def incoming(tmp_path, data: bytes, name: str) -> IncomingFile:
    path = tmp_path / name
    path.write_bytes(data)
    return IncomingFile.from_path(path)


def test_a_version_committed_after_the_first_look_is_caught_before_the_insert(
    tmp_path, media_dir, monkeypatch
):
    original = scene(31)
    real_store = library._store_files

    def store_while_another_version_commits(*args):
        real_store(*args)
        # Another upload of the same photo passes every stage and commits right now: after this
        # upload's first look found nothing, before its row is inserted.
        monkeypatch.setattr(library, "_store_files", real_store)
        library.store(incoming(tmp_path, reencoded(original, quality=75), "other.jpg"))

    monkeypatch.setattr(library, "_store_files", store_while_another_version_commits)
    with pytest.raises(Refusal) as refused:
        library.store(incoming(tmp_path, original, "first.jpg"))
    other = Image.objects.get()
    assert refused.value.code == "near-duplicate"
    assert refused.value.extra["duplicate_of"] == other.pk
    assert len(stored_files(media_dir)) == FILES_PER_PHOTO  # the loser's files were removed


def test_the_same_bytes_committed_during_the_lookup_are_still_a_duplicate(tmp_path, monkeypatch):
    data = scene(32)
    real_nearest = near_duplicates.nearest

    def nearest_after_the_same_bytes_commit(*args):
        # The same file, uploaded at the same moment, commits after this upload's SHA-256 look.
        monkeypatch.setattr(near_duplicates, "nearest", real_nearest)
        library.store(incoming(tmp_path, data, "twin.jpg"))
        return real_nearest(*args)

    monkeypatch.setattr(near_duplicates, "nearest", nearest_after_the_same_bytes_commit)
    with pytest.raises(Refusal) as refused:
        library.store(incoming(tmp_path, data, "first.jpg"))
    assert refused.value.code == "duplicate"
    assert refused.value.extra == {"duplicate_of": Image.objects.get().pk}


def test_the_backfill_fingerprints_rows_stored_before_fingerprints(tmp_path):
    for seed in (41, 42):
        library.store(incoming(tmp_path, scene(seed), f"{seed}.jpg"))
    at_upload = {image.pk: near_duplicates.join(image.phash_bands) for image in Image.objects.all()}
    Image.objects.update(phash_band_0=None, phash_band_1=None, phash_band_2=None)

    assert near_duplicates.backfill() == (2, 0)
    for image in Image.objects.all():
        # Read back from the stored JPEG thumbnail, not its pixels: a bit or two may move.
        assert hamming(near_duplicates.join(image.phash_bands), at_upload[image.pk]) <= 2


def test_the_backfill_skips_a_row_whose_thumbnail_is_gone(tmp_path, media_dir):
    image = library.store(incoming(tmp_path, scene(43), "43.jpg"))
    Image.objects.update(phash_band_0=None, phash_band_1=None, phash_band_2=None)
    (media_dir / image.rendition_key("thumbnail")).unlink()
    assert near_duplicates.backfill() == (0, 1)
    assert Image.objects.get().phash_bands == (None, None, None)
