"""The trash: the managers, moving in and out, purges, the duplicate rules and the check."""

from datetime import timedelta

import pytest
from django.utils import timezone

from photoshelf.core.refusals import Refusal
from photoshelf.gallery import deletion, library, trash
from photoshelf.gallery.activity import Actor
from photoshelf.gallery.consistency import check
from photoshelf.gallery.models import Image
from photoshelf.ingest.incoming import IncomingFile
from tests.conftest import FILES_PER_PHOTO, make_user, stored_files
from tests.factories import photo, reencoded, scene

pytestmark = pytest.mark.django_db


def store(tmp_path, data: bytes, name: str, user=None) -> Image:
    path = tmp_path / f"{name}.jpg"
    path.write_bytes(data)
    return library.store(IncomingFile.from_path(path), name, uploaded_by=user)


# The bytes of the photo in the trash, made once (a photo's EXIF dates follow the clock).
BINNED = photo(color=(200, 10, 10))


@pytest.fixture
def owner():
    return make_user("owner")


@pytest.fixture
def trashed(tmp_path, owner) -> Image:
    image = store(tmp_path, BINNED, "binned", owner)
    assert trash.move(image, Actor(user=owner, via="page"))
    return image


def test_the_default_manager_hides_the_trash_and_everything_sees_it(tmp_path, trashed):
    kept = store(tmp_path, photo(color=(10, 200, 10)), "kept")
    assert list(Image.objects.all()) == [kept]
    assert set(Image.everything.all()) == {kept, trashed}
    assert list(Image.everything.in_trash()) == [trashed]
    assert Image._default_manager is Image.objects


def test_a_trashed_row_can_still_be_saved_refreshed_and_reached_through_relations(trashed):
    """save() and refresh_from_db() go through the base manager: a filtered one would make
    save() of a trashed row find nothing to update and try an INSERT of its primary key."""
    trashed.name = "renamed"
    trashed.save()
    trashed.refresh_from_db()
    assert trashed.name == "renamed" and trashed.in_trash
    assert Image._base_manager.filter(pk=trashed.pk).exists()


def test_restore_puts_it_back_as_it_was(trashed, media_dir):
    assert trash.restore(trashed)
    back = Image.objects.get(pk=trashed.pk)
    assert back.trashed_at is None and back.trashed_by is None and back.name == "binned"
    assert len(stored_files(media_dir)) == FILES_PER_PHOTO
    assert not trash.restore(back)  # not in the trash any more


def test_with_the_trash_off_a_delete_is_final(tmp_path, settings, media_dir):
    settings.PHOTOSHELF_TRASH_DAYS = 0
    image = store(tmp_path, photo(), "gone")
    assert not trash.move(image)
    assert not Image.everything.exists() and stored_files(media_dir) == []


def test_a_purge_removes_files_then_row_and_only_from_the_trash(tmp_path, trashed, media_dir):
    kept = store(tmp_path, photo(color=(10, 200, 10)), "kept")
    assert not trash.purge(kept)  # not in the trash: left alone
    assert trash.purge(trashed)
    assert not Image.everything.filter(pk=trashed.pk).exists()
    assert sorted(stored_files(media_dir)) == sorted(kept.storage_keys())
    assert not trash.purge(trashed)  # already gone


def test_a_purge_interrupted_after_the_files_finishes_on_the_next_purge(
    trashed, media_dir, monkeypatch
):
    """Files first, then the row: a crash between the two leaves the row, which the next purge
    removes (its files are gone already)."""

    def crash(self, *args, **kwargs):
        raise KeyboardInterrupt  # the process dies here

    monkeypatch.setattr(Image, "delete", crash)
    with pytest.raises(KeyboardInterrupt):
        trash.purge(trashed)
    monkeypatch.undo()
    assert Image.everything.filter(pk=trashed.pk).exists() and stored_files(media_dir) == []
    assert trash.purge(trashed)
    assert not Image.everything.exists()


def test_purge_expired_takes_only_what_is_past_its_days(tmp_path, owner, settings):
    settings.PHOTOSHELF_TRASH_DAYS = 30
    images = [store(tmp_path, photo(color=(i * 40, 9, 9)), f"p{i}", owner) for i in range(4)]
    for image, days_ago in zip(images, (31, 29, 45, 0), strict=True):
        trash.move(image, Actor(user=owner, via="page"))
        Image.everything.filter(pk=image.pk).update(
            trashed_at=timezone.now() - timedelta(days=days_ago)
        )
    assert trash.purge_expired() == 2
    assert sorted(Image.everything.values_list("name", flat=True)) == ["p1", "p3"]
    assert trash.purge_expired(timedelta(days=10)) == 1
    assert trash.purge_expired(timedelta(0)) == 1
    assert not Image.everything.exists()


def test_purges_in_batches_purge_every_row_once(tmp_path, owner, monkeypatch):
    monkeypatch.setattr(trash, "PURGE_BATCH", 2)
    for i in range(5):
        trash.move(
            store(tmp_path, photo(color=(i * 40, 99, 9)), f"p{i}", owner),
            Actor(user=owner, via="page"),
        )
    assert trash.empty(owner) == 5 and not Image.everything.exists()


def test_each_person_sees_their_own_trash_and_administrators_everyones(tmp_path, trashed, owner):
    other, admin = make_user("other"), make_user("admin", admin=True)
    theirs = store(tmp_path, photo(color=(9, 9, 200)), "theirs", other)
    trash.move(theirs, Actor(user=other, via="page"))
    assert list(trash.visible_to(owner)) == [trashed]
    assert list(trash.visible_to(other)) == [theirs]
    assert set(trash.visible_to(admin)) == {trashed, theirs}
    assert trash.find(other, trashed.pk) is None
    assert trash.empty(other) == 1 and Image.everything.filter(pk=trashed.pk).exists()


def test_the_same_bytes_as_a_trashed_photo_are_refused_as_in_the_trash(tmp_path, trashed):
    with pytest.raises(Refusal) as refused:
        store(tmp_path, BINNED, "again")
    assert refused.value.code == "duplicate-in-trash" and refused.value.status == 409
    assert refused.value.extra == {"duplicate_of": trashed.pk}
    assert "in the trash as “binned”" in refused.value.detail


def test_after_a_purge_the_same_photo_uploads_again(tmp_path, trashed, media_dir):
    trash.purge(trashed)
    again = store(tmp_path, BINNED, "again")
    assert again.sha256 == trashed.sha256 and not again.in_trash
    assert all(get in stored_files(media_dir) for get in again.storage_keys())


def test_another_version_of_a_trashed_photo_is_refused_as_in_the_trash(tmp_path, owner):
    picture = scene(41)
    original = store(tmp_path, picture, "original", owner)
    trash.move(original, Actor(user=owner, via="page"))
    with pytest.raises(Refusal) as refused:
        store(tmp_path, reencoded(picture, quality=70), "version")
    assert refused.value.code == "near-duplicate-in-trash"
    assert refused.value.extra["duplicate_of"] == original.pk


def test_the_check_counts_trashed_photos_files_as_theirs(trashed, media_dir):
    report = check(repair=True)
    assert report.clean and report.orphans == []
    assert len(stored_files(media_dir)) == FILES_PER_PHOTO


def test_deletion_keeps_files_a_trashed_row_still_references(trashed, media_dir):
    deletion.remove_unless_referenced(trashed.sha256, trashed.storage_keys())
    assert len(stored_files(media_dir)) == FILES_PER_PHOTO


def test_purge_at_is_the_deletion_plus_the_days(trashed, settings):
    settings.PHOTOSHELF_TRASH_DAYS = 7
    assert trash.purge_at(trashed) == trashed.trashed_at + timedelta(days=7)


def test_removing_an_account_lets_go_of_its_trashed_photos_too(trashed, owner):
    """The deletion collector sets the foreign keys to NULL through the base manager: were it
    the default one, the trashed row would keep a reference to a user that is gone."""
    owner.delete()
    trashed = Image.everything.get(pk=trashed.pk)
    assert trashed.in_trash and trashed.uploaded_by_id is None and trashed.trashed_by_id is None
