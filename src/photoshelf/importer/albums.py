"""Albums back from an export folder: each album its photos name, with its owner, title,
description, date made, chosen cover and every photo's date of adding.

Run after the photos are imported. An album is the same album on a second run when it has the
same owner, title and date made: nothing is made twice and only missing photos are put in.
The owner is the account of that name here; else the `--user` of the import; else the oldest
administrator; with none of them, the album is skipped (and counted so).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from photoshelf.core.refusals import Refusal
from photoshelf.gallery import activity
from photoshelf.gallery import albums as gallery_albums
from photoshelf.gallery.models import Album, AlbumImage, Image

from . import export


@dataclass
class _Wanted:
    title: str
    description: str
    owner: str | None
    created_at: datetime | None
    cover_sha256: str | None
    members: dict[str, datetime | None] = field(default_factory=dict)  # sha256 → added_at


@dataclass
class Restored:
    made: int = 0
    kept: int = 0  # already there from an earlier run
    added: int = 0  # photos put into albums
    skipped: int = 0  # no owner to give them

    def text(self) -> str:
        line = f"albums: {self.made} made, {self.kept} already there, {self.added} photo(s) added"
        if self.skipped:
            line += f", {self.skipped} skipped (no such user, no --user, no administrator)"
        return line


def restore(folders: list[Path], fallback_user_id: int | None) -> Restored:
    done = Restored()
    wanted = _wanted(folders)
    if not wanted:
        return done
    users = get_user_model().objects
    fallback = users.filter(pk=fallback_user_id).first() if fallback_user_id else None
    if fallback is None:
        fallback = users.filter(is_superuser=True, is_active=True).order_by("pk").first()
    shas = {sha for album in wanted.values() for sha in album.members}
    shas |= {a.cover_sha256 for a in wanted.values() if a.cover_sha256}
    ids = _ids_of(shas)
    for album in wanted.values():
        owner = users.filter(username=album.owner, is_active=True).first() if album.owner else None
        owner = owner or fallback
        if owner is None:
            done.skipped += 1
            continue
        try:
            _restore_one(album, owner, ids, done)
        except Refusal:  # a tampered title: not an album
            done.skipped += 1
    return done


def _restore_one(wanted: _Wanted, owner, ids: dict[str, int], done: Restored) -> None:
    title = gallery_albums.clean_title(wanted.title)
    description = gallery_albums.clean_description(wanted.description)
    created_at = wanted.created_at or timezone.now()
    with transaction.atomic():
        album = Album.objects.filter(owner=owner, title=title, created_at=created_at).first()
        if album is None:
            album = Album.objects.create(
                owner=owner,
                title=title,
                description=description,
                created_at=created_at,
                updated_at=created_at,
            )
            activity.record("album-create", None, activity.CLI, album=album)
            done.made += 1
        else:
            done.kept += 1
        present = set(AlbumImage.objects.filter(album=album).values_list("image_id", flat=True))
        new = [
            AlbumImage(album=album, image_id=ids[sha], added_at=added_at or timezone.now())
            for sha, added_at in wanted.members.items()
            if sha in ids and ids[sha] not in present
        ]
        AlbumImage.objects.bulk_create(new, ignore_conflicts=True)
        if new:
            images = list(Image.objects.filter(pk__in=[m.image_id for m in new]).order_by("pk"))
            activity.record_many("album-add", images, activity.CLI, album=album)
            done.added += len(new)
        cover = ids.get(wanted.cover_sha256 or "")
        if (
            album.cover_id is None
            and cover is not None
            and cover in present | {m.image_id for m in new}
        ):
            Album.objects.filter(pk=album.pk).update(cover_id=cover)


def _wanted(folders: list[Path]) -> dict[tuple[str, Any], _Wanted]:
    """The albums the folders' photos name, by (folder, album id in the export)."""
    found: dict[tuple[str, Any], _Wanted] = {}
    for folder in folders:
        for _, photo in export.entries_of(folder):
            sha = photo.get("sha256")
            listed = photo.get("albums")
            if not isinstance(sha, str) or not isinstance(listed, list):
                continue
            for item in listed:
                if not isinstance(item, dict) or not isinstance(item.get("title"), str):
                    continue
                key = (str(folder), item.get("id") if isinstance(item.get("id"), int) else None)
                album = found.get(key)
                if album is None:
                    album = found[key] = _Wanted(
                        title=item["title"],
                        description=_text(item.get("description")),
                        owner=item["owner"] if isinstance(item.get("owner"), str) else None,
                        created_at=export.instant(item.get("created_at")),
                        cover_sha256=_text(item.get("cover_sha256")) or None,
                    )
                album.members[sha] = export.instant(item.get("added_at"))
    return found


def _ids_of(shas: set[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    listed = sorted(shas)
    for start in range(0, len(listed), 500):
        chunk = listed[start : start + 500]
        found.update(Image.objects.filter(sha256__in=chunk).values_list("sha256", "pk"))
    return found


def _text(value) -> str:
    return value if isinstance(value, str) else ""
