"""Helpers for the import tests: run the real `photoshelf import`, read what it left behind."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from tests.factories import photo

# What an imported row says about its photo (everything but the id and the upload time).
ROW_FIELDS = (
    "sha256",
    "name",
    "filename",
    "format",
    "content_type",
    "extension",
    "file_size",
    "width",
    "height",
    "thumbnail_width",
    "thumbnail_height",
    "camera_make",
    "camera_model",
    "taken_at",
    "taken_at_offset",
    "taken_at_source",
    "taken_at_offset_source",
    "lens_model",
    "focal_length_mm",
    "f_number",
    "exposure_time_s",
    "iso",
    "gps_latitude",
    "gps_longitude",
)


def import_env(data_dir: Path, **settings: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PHOTOSHELF_") and k != "DJANGO_SETTINGS_MODULE"
    }
    env.update(
        {
            "PHOTOSHELF_DATA_DIR": str(data_dir),
            "PHOTOSHELF_ENV_FILE": "",
            "PHOTOSHELF_MAX_AGE_DAYS": "0",
            **settings,
        }
    )
    return env


def import_command(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "photoshelf.cli", "import", *map(str, args)]


def photoshelf_import(data_dir: Path, *args: str | Path, **settings: str):
    """`photoshelf import ARGS` as a separate process, with its own data folder."""
    return subprocess.run(
        import_command(*args),
        env=import_env(data_dir, **settings),
        capture_output=True,
        text=True,
        timeout=600,
    )


def read_report(path: Path) -> dict[str, dict]:
    """A JSON lines report, by path."""
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    return {line["path"]: line for line in lines}


def rows(data_dir: Path) -> dict[str, tuple]:
    """The gallery_image rows of an import's database, by sha256 (read directly, not via Django)."""
    with sqlite3.connect(data_dir / "photoshelf.sqlite3") as db:
        found = db.execute(f"SELECT {', '.join(ROW_FIELDS)} FROM gallery_image").fetchall()
    return {row[0]: tuple(_plain(value) for value in row) for row in found}


def _plain(value):
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == " ":
        return datetime.fromisoformat(value).replace(tzinfo=None)  # a stored datetime
    return value


def files(data_dir: Path) -> dict[str, str]:
    """Every file under media/ (temporary ones included), with the SHA-256 of its bytes."""
    media = data_dir / "media"
    return {
        p.relative_to(media).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(media.rglob("*"))
        if p.is_file()
    }


def camera_folder(folder: Path, count: int, *, size=(1600, 1200)) -> Path:
    """`count` distinct dated photos, plus one file that is not an image and one with no date."""
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        colour = ((index * 37) % 256, (index * 91) % 256, (index * 53) % 256)
        (folder / f"IMG_{index:03d}.jpg").write_bytes(photo(size=size, color=colour))
    (folder / "notes.txt").write_text("not a photo")
    (folder / "undated.jpg").write_bytes(photo(size=(320, 240), taken=None))
    return folder
