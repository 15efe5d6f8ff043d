"""IncomingFile: a file to ingest (an upload's spool file, or an imported file), its size, its
SHA-256 and the name it came with; and the cleaning-up of spool files whose process died.
"""

from __future__ import annotations

import logging
import os
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from photoshelf.core.text import without_control

from .fingerprint import sha256_file

log = logging.getLogger(__name__)

# A spool file untouched this long belongs to a server process that was killed mid-upload.
STALE_SPOOL_SECONDS = 24 * 3600

MAX_FILENAME_CHARS = 255


@dataclass(frozen=True)
class IncomingFile:
    """A file to ingest: where its bytes are, how many, their SHA-256 and the name it came with.

    `spooled`: the file is the upload's own temporary copy, which storage may take over (an
    imported file is the owner's and is always copied)."""

    path: Path
    size: int
    sha256: str
    filename: str
    spooled: bool = False

    @classmethod
    def spooled_upload(cls, path: Path, size: int, sha256: str, filename: str) -> IncomingFile:
        """An upload spooled to `path` while it was hashed (see http/uploads.py)."""
        return cls(path, size, sha256, clean_filename(filename), spooled=True)

    def settle(self) -> None:
        """Put a spooled upload's bytes on disk now, so that storing it later (a second name for
        the spool file) waits for no disk write: called while the pixels are worked on."""
        if not self.spooled:
            return
        try:
            fd = os.open(self.path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError:  # storing it will try again, and say so if the disk fails
            log.debug("upload: cannot flush %s early", self.path, exc_info=True)

    @classmethod
    def from_path(cls, path: Path) -> IncomingFile:
        return cls(
            path=path,
            size=path.stat().st_size,
            sha256=sha256_file(path),
            filename=clean_filename(path.name),
        )


def clean_filename(raw: str) -> str:
    """The client's file name without directories or control characters, at most 255 chars."""
    base = raw.replace("\\", "/").rsplit("/", 1)[-1]
    base = without_control(base)
    base = unicodedata.normalize("NFC", base).strip()
    if base in {"", ".", ".."}:
        return "upload"
    return base[:MAX_FILENAME_CHARS]


def remove_stale_spool_files(folder: Path, older_than_s: float = STALE_SPOOL_SECONDS) -> int:
    """Delete the spool files of uploads whose process died (`photoshelf serve` at start)."""
    cutoff, removed = time.time() - older_than_s, 0
    for path in folder.glob("*.upload*"):  # Django's names: tmpXXXX.upload.jpg
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # finished meanwhile
            continue
    return removed
