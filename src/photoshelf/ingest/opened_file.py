"""A path to the bytes an image was opened from, for decoders that read only from a path."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from typing import IO


@contextlib.contextmanager
def same_bytes(fp: IO[bytes] | None, path: str) -> Iterator[str]:
    """`path` itself while it still names the open file `fp`; else (moved, deleted or
    replaced since it was opened) a temporary copy of `fp`."""
    if fp is None:
        raise OSError("the file was closed before it was decoded")
    opened = os.fstat(fp.fileno())
    with contextlib.suppress(OSError):
        now = os.stat(path)
        if (now.st_dev, now.st_ino) == (opened.st_dev, opened.st_ino):
            yield path
            return
    with tempfile.NamedTemporaryFile() as copy:
        fp.seek(0)
        shutil.copyfileobj(fp, copy)
        copy.flush()
        yield copy.name
