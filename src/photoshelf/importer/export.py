"""`photoshelf export DIR`: every original under a safe, unique name, a JSON sidecar beside
each, and a manifest of them all, so the library can be taken anywhere and imported back.

Resumable: a file already in DIR with the right size and SHA-256 is kept, and every file is
written to a temporary name first and renamed once whole, so an interrupted run never leaves a
partial file that a second run would take for done. Reads through the storage protocol, so
local folders and S3 export alike. Each photo's entry lists the albums it is in (all of them,
also with --album), so an import recreates them and their membership (importer/albums.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from time import perf_counter
from typing import Any, TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from photoshelf.gallery.models import AlbumImage, Image
from photoshelf.storage import get_storage

FORMAT = "photoshelf-export"
VERSION = 1
MANIFEST = "manifest.json"
PHOTOS = "photos"  # the folder of originals and sidecars inside DIR
SIDECAR_SUFFIX = ".json"
NAME_MAX_CHARS = 120  # of a file's stem: well inside every file system's 255 bytes
COPY_CHUNK_BYTES = 1024 * 1024
# Characters no common file system takes in a name (Windows' list), and the control ones.
UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
RESERVED = {
    "con",
    "prn",
    "aux",
    "nul",
    *(f"com{i}" for i in range(10)),
    *(f"lpt{i}" for i in range(10)),
}


@dataclass
class Options:
    folder: Path
    user_id: int | None = None  # only the photos this user uploaded
    album_id: int | None = None  # only the photos of this album
    since: date | None = None  # only photos uploaded on or after this day (UTC)
    live: bool | None = None  # the progress bar; None: when stderr is a terminal


@dataclass
class Summary:
    exported: int = 0  # files copied by this run
    kept: int = 0  # already there from an earlier run
    seconds: float = 0.0

    def text(self) -> str:
        rate = (self.exported + self.kept) / self.seconds if self.seconds else 0.0
        return (
            f"exported {self.exported} photo(s), {self.kept} already there, "
            f"in {self.seconds:.1f} s ({rate:.1f} photos/s)"
        )


def safe_stem(name: str) -> str:
    """A display name as a file name's stem on any common file system ("photo" when empty)."""
    text = unicodedata.normalize("NFC", name)
    text = UNSAFE.sub("_", text).strip().strip(".")
    text = text[:NAME_MAX_CHARS].rstrip(" .")
    if not text or text.split(".")[0].lower() in RESERVED:
        text = f"photo {text}".strip()
    return text


def file_names(images: list[Image]) -> dict[int, str]:
    """Each image's file name in the export: its safe name, with its id added when an earlier
    image (by id) took the name already; compared without case, as macOS and Windows do."""
    taken: set[str] = set()
    names: dict[int, str] = {}
    for image in sorted(images, key=lambda i: i.pk):
        stem = safe_stem(image.name)
        candidate = f"{stem}.{image.extension}"
        if candidate.casefold() in taken:
            candidate = f"{stem}-{image.pk}.{image.extension}"
        taken.add(candidate.casefold())
        names[image.pk] = candidate
    return names


def entry(
    image: Image, file_name: str, in_albums: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The sidecar (and manifest entry) of one photo: what an import needs to restore it."""
    local = image.taken_at_local
    return {
        "file": f"{PHOTOS}/{file_name}",
        "id": image.pk,
        "name": image.name,
        "filename": image.filename,
        "sha256": image.sha256,
        "format": image.format,
        "file_size": image.file_size,
        "camera": image.camera,
        "camera_make": image.camera_make,
        "camera_model": image.camera_model,
        "taken_at": local.isoformat() if local else None,
        "taken_at_utc": image.taken_at.astimezone(UTC).isoformat() if image.taken_at else None,
        "taken_at_offset": image.taken_at_offset,
        "taken_at_source": image.taken_at_source,
        "taken_at_offset_source": image.taken_at_offset_source,
        "uploaded_at": image.uploaded_at.astimezone(UTC).isoformat(),
        "uploader": image.uploaded_by.get_username() if image.uploaded_by else None,
        "albums": in_albums or [],
    }


def memberships(images: list[Image]) -> dict[int, list[dict[str, Any]]]:
    """Each photo's albums, by title: the album (its id here, title, description, owner, when
    made, its chosen cover's SHA-256 or None for "the first photo added") and when the photo
    was added to it."""
    found: dict[int, list[dict[str, Any]]] = {}
    ids = [image.pk for image in images]
    for start in range(0, len(ids), 500):  # bounded IN lists, for every database
        rows = (
            AlbumImage.objects.filter(image_id__in=ids[start : start + 500])
            .select_related("album__owner", "album__cover")
            .order_by("album__title", "album_id")
        )
        for member in rows:
            album = member.album
            cover = album.cover
            found.setdefault(member.image_id, []).append(
                {
                    "id": album.pk,
                    "title": album.title,
                    "description": album.description,
                    "owner": album.owner.get_username(),
                    "created_at": album.created_at.astimezone(UTC).isoformat(),
                    "added_at": member.added_at.astimezone(UTC).isoformat(),
                    "cover_sha256": cover.sha256 if cover is not None else None,
                }
            )
    return found


def selected(options: Options) -> list[Image]:
    """The photos of the gallery (not the trash) the options pick, oldest upload first."""
    rows = Image.objects.select_related("uploaded_by").order_by("uploaded_at", "id")
    if options.user_id is not None:
        rows = rows.filter(uploaded_by_id=options.user_id)
    if options.album_id is not None:
        rows = rows.filter(album_entries__album_id=options.album_id)
    if options.since is not None:
        rows = rows.filter(uploaded_at__gte=datetime.combine(options.since, time.min, tzinfo=UTC))
    return list(rows)


def run_export(options: Options, out: TextIO = sys.stdout) -> Summary:
    start = perf_counter()
    photos_dir = options.folder / PHOTOS
    photos_dir.mkdir(parents=True, exist_ok=True)
    images = selected(options)
    names = file_names(images)
    in_albums = memberships(images)
    summary, entries = Summary(), []
    with _progress(len(images), options.live) as advance:
        for image in images:
            record = entry(image, names[image.pk], in_albums.get(image.pk))
            target = options.folder / record["file"]
            if _complete(target, image):
                summary.kept += 1
            else:
                _copy(image.original_key, target)
                summary.exported += 1
            _write_json(target.with_name(target.name + SIDECAR_SUFFIX), record)
            entries.append(record)
            advance()
    manifest = {"format": FORMAT, "version": VERSION, "photos": entries}
    _write_json(options.folder / MANIFEST, manifest)
    summary.seconds = perf_counter() - start
    print(summary.text(), file=out)
    return summary


def _complete(target: Path, image: Image) -> bool:
    """Copied by an earlier run: the right size, and the right bytes."""
    try:
        if target.stat().st_size != image.file_size:
            return False
    except FileNotFoundError:
        return False
    digest = hashlib.sha256()
    with open(target, "rb") as fh:
        while chunk := fh.read(COPY_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest() == image.sha256


def _copy(key: str, target: Path) -> None:
    partial = target.with_name(f".{target.name}.partial")
    with get_storage().open(key) as src, open(partial, "wb") as dst:
        while chunk := src.read(COPY_CHUNK_BYTES):
            dst.write(chunk)
        dst.flush()
        os.fsync(dst.fileno())
    os.replace(partial, target)


def _write_json(path: Path, data: Any) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(partial, path)


class _progress:
    """A bar on a terminal (rich, on stderr), nothing elsewhere; yields advance()."""

    def __init__(self, total: int, live: bool | None) -> None:
        console = Console(file=sys.stderr)
        self.bar = None
        if console.is_terminal if live is None else live:
            self.bar = Progress(
                TextColumn("exporting"),
                BarColumn(bar_width=20),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=console,
            )
            self.task = self.bar.add_task("export", total=total)

    def __enter__(self):
        if self.bar is not None:
            self.bar.start()
        return self.advance

    def advance(self) -> None:
        if self.bar is not None:
            self.bar.advance(self.task)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()


def read_manifest(folder: Path) -> list[dict[str, Any]] | None:
    """The photos of an export folder, or None when `folder` is not one."""
    path = folder / MANIFEST
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        return None
    photos = manifest.get("photos")
    return [p for p in photos if isinstance(p, dict)] if isinstance(photos, list) else []


def instant(text) -> datetime | None:
    """An export's ISO 8601 instant; None when missing or not one (the import's time then)."""
    try:
        value = datetime.fromisoformat(text) if isinstance(text, str) else None
    except (ValueError, OverflowError):
        return None
    return value if value is not None and value.tzinfo is not None else None


def entries_of(folder: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    """(file, its entry) for each photo of an export folder whose file is inside it."""
    root = folder.resolve()
    for photo in read_manifest(folder) or []:
        relative = photo.get("file")
        if not isinstance(relative, str):
            continue
        path = (folder / relative).resolve()
        if root in path.parents:  # a tampered manifest names nothing outside the folder
            yield path, photo
