"""The data folder (PHOTOSHELF_DATA_DIR) is made, with the secret key in it, when photoshelf starts
(`photoshelf` commands, the WSGI application), never when its settings are imported: reading the
settings (a test, a tool, a system check) writes nothing.

What cannot be made is left for the system check below to explain, before the server listens.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.checks import Error, register


def prepare() -> None:
    """Make the data folder and the upload spool folder; keep a generated secret key."""
    with contextlib.suppress(OSError):  # the system check says what is wrong
        Path(settings.FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)
    if settings.SECRET_KEY_FILE is not None:
        with contextlib.suppress(OSError):
            settings.SECRET_KEY = _kept_secret_key(settings.SECRET_KEY_FILE, settings.SECRET_KEY)


def _kept_secret_key(path: Path, generated: str) -> str:
    """The key in `path`: the one generated here, unless another process kept one first.

    Written under a temporary name and linked into place, so no process ever reads it half
    written; readable by its owner only (0600)."""
    if path.exists():
        return path.read_text().strip()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".secret_key-")  # mode 0600
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(generated)
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        os.unlink(tmp)
    return path.read_text().strip()


# Tagged, so commands can run it before the checks that open the database (the SQLite file
# lives in the data folder: Django's JSONField check connects to find out what it supports).
CHECK_TAG = "photoshelf-data-folder"


@register(CHECK_TAG)
def check_data_dir(app_configs=None, **kwargs) -> list:
    folder = Path(settings.DATA_DIR)
    if folder.is_dir() and os.access(folder, os.W_OK | os.X_OK):
        return []
    if folder.exists() and not folder.is_dir():
        problem = "is not a folder"
    elif folder.exists():
        problem = "is not writable by this user"
    else:
        problem = "does not exist and cannot be made here"
    return [
        Error(
            f"The data folder {folder} {problem}: photoshelf keeps its uploads in progress, "
            "its secret key and (by default) its database and photos there.",
            hint="Set PHOTOSHELF_DATA_DIR to a folder this user may write, or create this one.",
            id="photoshelf.E010",
        )
    ]
