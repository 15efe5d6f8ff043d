"""LocalStorage and the content-addressed keys."""

import errno
import os
import shutil
import subprocess

import pytest

from photoshelf.storage import StorageFull, StorageUnavailable
from photoshelf.storage.keys import original_key, rendition_key, sha256_of
from photoshelf.storage.local import LocalStorage

SHA = "ab" * 32


def test_keys_are_content_addressed_and_fanned_out():
    assert original_key(SHA, "jpg") == f"originals/ab/ab/{SHA}.jpg"
    assert rendition_key(SHA, "thumbnail", "jpg") == f"renditions/ab/ab/{SHA}/thumbnail.jpg"


def test_a_key_tells_which_bytes_it_belongs_to():
    assert sha256_of(original_key(SHA, "jpg")) == SHA
    assert sha256_of(rendition_key(SHA, "preview", "jpg")) == SHA
    assert sha256_of("elsewhere/file.jpg") is None


@pytest.mark.parametrize("bad", ["../../etc/passwd", "ABC", "g" * 64])
def test_keys_refuse_anything_but_a_sha256(bad):
    with pytest.raises(ValueError):
        original_key(bad, "jpg")


def test_keys_refuse_odd_extensions():
    with pytest.raises(ValueError):
        original_key(SHA, "../x")


def test_put_open_size_delete(tmp_path):
    storage = LocalStorage(tmp_path)
    source = tmp_path / "source"
    source.write_bytes(b"x" * 5000)
    storage.put_file("a/b/c.jpg", source)
    storage.put_bytes("a/b/d.jpg", b"hello")
    assert storage.exists("a/b/c.jpg") and storage.size("a/b/c.jpg") == 5000
    with storage.open("a/b/d.jpg") as fh:
        assert fh.read() == b"hello"
    assert list(storage.keys()) == ["a/b/c.jpg", "a/b/d.jpg", "source"]
    storage.delete("a/b/c.jpg")
    storage.delete("a/b/c.jpg")  # already gone: no error
    assert not storage.exists("a/b/c.jpg")


def test_a_failed_write_leaves_nothing_behind_and_says_storage_is_unavailable(tmp_path):
    storage = LocalStorage(tmp_path)

    def explode(dst):
        dst.write(b"partial")
        raise OSError("disk full")

    with pytest.raises(StorageUnavailable):
        storage._write("x/y.jpg", explode)
    assert list(storage.keys()) == []
    assert list((tmp_path / "x").iterdir()) == []


def test_a_write_the_disk_has_no_room_for_says_the_storage_is_full(tmp_path):
    storage = LocalStorage(tmp_path)

    def no_room(dst):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.raises(StorageFull):
        storage._write("x/y.jpg", no_room)
    assert list((tmp_path / "x").iterdir()) == []


def test_a_key_cannot_leave_the_root(tmp_path):
    with pytest.raises(ValueError):
        LocalStorage(tmp_path / "root").put_bytes("../escape", b"x")


def test_a_spool_file_is_stored_under_a_second_name_not_copied(tmp_path):
    storage = LocalStorage(tmp_path / "media")
    spool = tmp_path / "tmp1234.upload.jpg"
    spool.write_bytes(b"y" * 5000)
    storage.put_file("a/b/c.jpg", spool, spooled=True)
    stored = tmp_path / "media" / "a" / "b" / "c.jpg"
    assert stored.stat().st_ino == spool.stat().st_ino  # the same bytes on disk, no copy
    spool.unlink()  # as Django does once the request ends
    with storage.open("a/b/c.jpg") as fh:
        assert fh.read() == b"y" * 5000
    assert oct(stored.stat().st_mode & 0o777) == "0o644"
    assert list(storage.keys()) == ["a/b/c.jpg"]  # no temporary name left beside it


def test_a_spool_file_is_copied_where_it_cannot_be_linked(tmp_path, monkeypatch):
    import errno
    import os

    def cross_device(src, dst):
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", cross_device)
    storage = LocalStorage(tmp_path / "media")
    spool = tmp_path / "tmp1234.upload.jpg"
    spool.write_bytes(b"z" * 5000)
    storage.put_file("a/c.jpg", spool, spooled=True)
    assert (tmp_path / "media" / "a" / "c.jpg").stat().st_ino != spool.stat().st_ino
    assert storage.size("a/c.jpg") == 5000
    assert list(storage.keys()) == ["a/c.jpg"]


def test_a_file_that_is_not_a_spool_file_is_always_copied(tmp_path):
    storage = LocalStorage(tmp_path / "media")
    owned = tmp_path / "IMG_0001.jpg"  # e.g. a file `photoshelf import` reads: its owner's
    owned.write_bytes(b"w" * 100)
    storage.put_file("a/d.jpg", owned)
    owned.write_bytes(b"changed")  # the owner edits their file: the stored copy stays as it was
    assert storage.size("a/d.jpg") == 100


@pytest.mark.skipif(
    not hasattr(os, "posix_fadvise") or not shutil.which("fincore"),
    reason="needs posix_fadvise and util-linux's fincore (Linux)",
)
@pytest.mark.parametrize("spooled", [True, False], ids=["linked", "copied"])
def test_a_stored_original_leaves_the_page_cache_and_a_rendition_stays(tmp_path, spooled):
    storage = LocalStorage(tmp_path / "media")
    source = tmp_path / "tmp1234.upload.jpg"
    source.write_bytes(os.urandom(2_000_000))  # in the page cache, dirty: as an upload arrives
    assert resident_bytes(source) > 1_000_000
    storage.put_file("a/e.jpg", source, spooled=spooled)
    storage.put_bytes("a/e-thumb.jpg", os.urandom(200_000))
    assert resident_bytes(tmp_path / "media" / "a" / "e.jpg") == 0
    assert resident_bytes(tmp_path / "media" / "a" / "e-thumb.jpg") >= 200_000
    with storage.open("a/e.jpg") as fh:  # read back from the disk, whole
        assert fh.read() == source.read_bytes()


def resident_bytes(path) -> int:
    """How much of a file is in the kernel's page cache (util-linux's fincore)."""
    done = subprocess.run(
        ["fincore", "--bytes", "--noheadings", "--output", "RES", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout.strip())
