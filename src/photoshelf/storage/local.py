"""Local-disk storage under one folder; writes go to a temporary file, then an atomic rename."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from .base import Live, write_failed

INCOMING_PREFIX = ".incoming-"


@contextmanager
def _into_place(key: str, tmp: Path, target: Path) -> Iterator[None]:
    """What the block puts in `tmp` becomes `target` in one rename, or `tmp` is removed."""
    try:
        yield
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except OSError as exc:  # full, read-only or unmounted: the request may be retried later
        tmp.unlink(missing_ok=True)
        raise write_failed(key, exc) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _flush(fd: int, *, cache: bool) -> None:
    """The file's bytes onto the disk; without `cache`, out of the kernel's page cache too (a
    hint, where the system has posix_fadvise)."""
    os.fsync(fd)
    if not cache and hasattr(os, "posix_fadvise"):
        with contextlib.suppress(OSError):  # a hint only
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"key {key!r} leaves the storage root")
        return path

    def put_file(self, key: str, path: Path, *, spooled: bool = False, tag: str = "") -> None:
        """An original: written once, read rarely (the gallery shows its renditions). Once on
        disk its bytes leave the page cache, so the cache keeps renditions and the next upload
        reuses those pages: memory a machine has not used yet is much slower to write to
        than reused memory, notably on virtual machines."""
        if spooled and self._link(key, path, tag):
            return
        with open(path, "rb") as src:
            copy = lambda dst: shutil.copyfileobj(src, dst, 1024 * 1024)  # noqa: E731
            self._write(key, copy, cache=False, tag=tag)

    def _link(self, key: str, path: Path, tag: str) -> bool:
        """Store a spool file by a second name for its bytes instead of a copy of them (an
        upload's original: megabytes not copied). False when the file system cannot (another
        file system than the spool's, or no hard links): the caller copies instead."""
        target = self._path(key)
        tmp = target.parent / f"{INCOMING_PREFIX}{tag}{secrets.token_hex(8)}"
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(path, tmp)
        except OSError:
            return False
        with _into_place(key, tmp, target):
            fd = os.open(tmp, os.O_RDONLY)
            try:
                _flush(fd, cache=False)  # the bytes are on disk before the row that names them
            finally:
                os.close(fd)
        return True

    def put_bytes(self, key: str, data: bytes, *, tag: str = "") -> None:
        self._write(key, lambda dst: dst.write(data), tag=tag)

    def _write(self, key: str, fill, *, cache: bool = True, tag: str = "") -> None:
        target = self._path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=INCOMING_PREFIX + tag)
        except OSError as exc:  # full, read-only or unmounted: the request may be retried later
            raise write_failed(key, exc) from exc
        with _into_place(key, Path(tmp), target), os.fdopen(fd, "wb") as dst:
            fill(dst)
            dst.flush()
            _flush(dst.fileno(), cache=cache)

    def open(self, key: str) -> BinaryIO:
        return open(self._path(key), "rb")

    def size(self, key: str) -> int:
        return self._path(key).stat().st_size

    def modified(self, key: str) -> datetime:
        return datetime.fromtimestamp(self._path(key).stat().st_mtime, tz=UTC)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def keys(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and not path.name.startswith(INCOMING_PREFIX):
                yield path.relative_to(self.root).as_posix()

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    def download_url(self, key: str, *, content_type: str, disposition: str) -> str | None:
        return None  # the server streams local files itself

    def download_origin(self) -> str | None:
        return None

    def abandoned(self, older_than_s: float, live: Live = ()) -> list[str]:
        """The temporary writes remove_abandoned would delete, by their paths in the folder."""
        return [str(path.relative_to(self.root)) for path in self._abandoned(older_than_s, live)]

    def remove_abandoned(self, older_than_s: float, live: Live = ()) -> int:
        """Delete temporary writes a killed process left behind; return how many."""
        removed = 0
        for path in self._abandoned(older_than_s, live):
            try:
                path.unlink()
            except FileNotFoundError:  # its writer finished (or another sweep ran) meanwhile
                continue
            removed += 1
        return removed

    def _abandoned(self, older_than_s: float, live: Live) -> list[Path]:
        """A write in progress touches its file at every chunk, so one untouched for
        `older_than_s` seconds belongs to a process that died before its rename (unless it
        carries the tag of a live upload, beside one of its keys)."""
        if not self.root.is_dir():
            return []
        cutoff = time.time() - older_than_s
        kept = {
            (self._path(key).parent, INCOMING_PREFIX + tag) for keys, tag in live for key in keys
        }
        found = []
        for path in self.root.rglob(INCOMING_PREFIX + "*"):
            if any(path.parent == folder and path.name.startswith(name) for folder, name in kept):
                continue
            try:
                if path.is_file() and path.stat().st_mtime < cutoff:
                    found.append(path)
            except FileNotFoundError:
                continue
        return found

    def remove_incoming(self, keys: list[str], tag: str) -> int:
        """Delete the temporary files written under `tag` for these keys; return how many."""
        removed = 0
        for folder in {self._path(key).parent for key in keys}:
            for path in folder.glob(INCOMING_PREFIX + tag + "*"):
                path.unlink(missing_ok=True)
                removed += 1
        return removed
