"""The storage protocol every backend implements, and the one error they all raise (with its
special case, a full disk)."""

from __future__ import annotations

import errno
from collections.abc import Collection, Iterator
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Protocol

# Uploads still being written: each one's keys and the tag its temporary files carry.
Live = Collection[tuple[list[str], str]]


class StorageUnavailable(Exception):
    """The storage backend could not be reached or failed; the request may be retried."""


class StorageFull(StorageUnavailable):
    """The file system has no room left (or the quota is used up): retried once room is made."""


def write_failed(what: str, exc: OSError) -> StorageUnavailable:
    """The error for a write the file system refused: StorageFull when it is out of room."""
    kind = StorageFull if exc.errno in (errno.ENOSPC, errno.EDQUOT) else StorageUnavailable
    error = kind(f"cannot write {what}: {exc}")
    error.__cause__ = exc
    return error


class Storage(Protocol):
    def put_file(self, key: str, path: Path, *, spooled: bool = False, tag: str = "") -> None:
        """Store a file's bytes under key, atomically: readers see all of it or nothing.

        tag: put in the names of any temporary files, so remove_incoming(keys, tag) finds
        those a killed writer left behind.

        spooled: the file is a temporary copy nobody will write to again (an upload's spool
        file), so a backend may take it over rather than copy its bytes.
        """

    def put_bytes(self, key: str, data: bytes, *, tag: str = "") -> None:
        """Store bytes under key, atomically."""

    def open(self, key: str) -> BinaryIO:
        """A readable binary file; FileNotFoundError when there is nothing under key."""

    def size(self, key: str) -> int:
        """The stored object's size in bytes; FileNotFoundError when missing."""

    def exists(self, key: str) -> bool: ...

    def modified(self, key: str) -> datetime:
        """When the object was stored (aware, UTC); FileNotFoundError when missing."""

    def delete(self, key: str) -> None:
        """Remove key; nothing happens when it is already gone."""

    def keys(self) -> Iterator[str]:
        """Every stored key."""

    def download_url(self, key: str, *, content_type: str, disposition: str) -> str | None:
        """A short-lived URL the client may fetch key from directly, or None: stream it."""

    def download_origin(self) -> str | None:
        """The scheme://host[:port] of download_url's URLs (for the pages' CSP), or None."""

    def abandoned(self, older_than_s: float, live: Live = ()) -> list[str]:
        """Partial writes of processes killed mid-write, untouched for `older_than_s`, but
        those of the `live` uploads (their keys and tag): what remove_abandoned deletes, each
        named for a person (`photoshelf check` lists them)."""

    def remove_abandoned(self, older_than_s: float, live: Live = ()) -> int:
        """Delete partial writes of processes killed mid-write (never at a key); how many."""

    def remove_incoming(self, keys: list[str], tag: str) -> int:
        """Delete the temporary files written with `tag` for keys (a dead writer's); how many."""

    def local_path(self, key: str) -> Path | None:
        """The file that holds key on this machine's file system, or None (a bucket): a reader
        may copy it inside the kernel rather than through a stream."""
