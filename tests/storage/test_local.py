"""LocalStorage and the content-addressed keys."""

import pytest

from photoshelf.storage.keys import original_key, rendition_key, sha256_of
from photoshelf.storage import StorageUnavailable
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


def test_a_key_cannot_leave_the_root(tmp_path):
    with pytest.raises(ValueError):
        LocalStorage(tmp_path / "root").put_bytes("../escape", b"x")
