"""Which files an import covers: a lazy, sorted walk, so memory stays flat for any folder."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from photoshelf.ingest.policy import MAX_NAME_CHARS


@dataclass(frozen=True)
class Found:
    """A file to import, the PATH argument it was found under, or why a folder could not be read."""

    path: Path
    root: Path
    problem: str = ""

    def name(self, name_from: str) -> str | None:
        """The display name: None (the upload rule: the file name's stem) or the relative path."""
        if name_from == "stem" or self.root == self.path:
            return None
        relative = PurePosixPath(self.path.relative_to(self.root).as_posix())
        # A name longer than the upload limit would be refused; the end of a path says most.
        return str(relative.with_suffix(""))[-MAX_NAME_CHARS:]


def discover(paths: list[Path], *, recursive: bool) -> Iterator[Found]:
    """Every file named or inside the given folders (sub-folders only when recursive), in order.

    Hidden entries (a leading dot: .DS_Store, AppleDouble ._ files, .thumbnails) are skipped;
    symbolic links to files are followed, links to folders are not (no cycles).
    """
    for path in paths:
        if path.is_dir():
            yield from _walk(path, path, recursive)
        else:
            yield Found(path, path)


def survey(paths: list[Path], *, recursive: bool) -> tuple[int, int]:
    """How many files and bytes discover() will yield, without holding them."""
    files = size = 0
    for found in discover(paths, recursive=recursive):
        files += 1
        with contextlib.suppress(OSError):  # reported as an error when its turn comes
            size += found.path.stat().st_size if not found.problem else 0
    return files, size


def _walk(folder: Path, root: Path, recursive: bool) -> Iterator[Found]:
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError as exc:
        yield Found(folder, root, f"cannot list the folder: {exc.strerror or exc}")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            if entry.is_file():
                yield Found(Path(entry.path), root)
            elif recursive and entry.is_dir(follow_symlinks=False):
                yield from _walk(Path(entry.path), root, recursive)
        except OSError as exc:
            yield Found(Path(entry.path), root, f"cannot read: {exc.strerror or exc}")
