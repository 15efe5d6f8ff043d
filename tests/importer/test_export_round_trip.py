"""`photoshelf export` then `photoshelf import` of the export: the sample corpus goes from an
instance on SQLite and a local folder to a fresh one on PostgreSQL and S3 and back out, and
every photo keeps its name, bytes, date taken and upload date, its uploader and the albums it
is in (with their titles, descriptions, owners, covers and dates of adding)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import pytest

from tests.conftest import CORPUS
from tests.servers import AWS_ENV

from .conftest import import_env

pytestmark = [pytest.mark.slow, pytest.mark.backends("sqlite-local")]

DUMP = (
    "import json; from photoshelf.gallery.models import Image; print(json.dumps(sorted("
    "[{'name': i.name, 'sha256': i.sha256, 'taken_at': i.taken_at.isoformat() if i.taken_at "
    "else None, 'taken_at_offset': i.taken_at_offset, 'uploaded_at': i.uploaded_at.isoformat(), "
    "'uploader': i.uploaded_by.username if i.uploaded_by else None, "
    "'albums': sorted([e.album.title, e.album.description, e.album.owner.username, "
    "e.added_at.isoformat(), e.album.created_at.isoformat(), "
    "e.album.cover.sha256 if e.album.cover else None] "
    "for e in i.album_entries.select_related('album__owner', 'album__cover'))} for i in "
    "Image.objects.select_related('uploaded_by')], key=lambda r: r['sha256'])))"
)
# Three albums: two of alice's (one with a chosen cover, sharing a photo with the other) and
# one of bob's, who has no account on the instance it is restored to.
ALBUMS = (
    "from django.contrib.auth import get_user_model; "
    "from photoshelf.gallery import albums; from photoshelf.gallery.models import Image; "
    "alice = get_user_model().objects.get(username='alice'); "
    "bob = get_user_model().objects.get(username='bob'); "
    "ids = list(Image.objects.order_by('id').values_list('id', flat=True)); "
    "coast = albums.create(alice, 'Coast', 'Along the shore'); albums.add(coast, ids[:12]); "
    "albums.update(coast, cover_image_id=ids[5]); "
    "walks = albums.create(alice, 'Walks'); albums.add(walks, ids[10:20]); "
    "night = albums.create(bob, 'Night <b>'); albums.add(night, ids[30:33])"
)
ALBUM_COUNTS = (
    "from photoshelf.gallery.models import Album, AlbumImage; "
    "print(Album.objects.count(), AlbumImage.objects.count())"
)
BACKDATE = (
    "from datetime import timedelta; from django.db.models import F; "
    "from photoshelf.gallery.models import Image; "
    "Image.objects.filter(id__lte=20).update(uploaded_at=F('uploaded_at') - timedelta(days=400))"
)


def photoshelf(env: dict[str, str], *args, input: str | None = None):
    done = subprocess.run(
        [sys.executable, "-m", "photoshelf.cli", *map(str, args)],
        env=env,
        input=input,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, f"photoshelf {args}: {done.stderr[-2000:]}"
    return done


def rows(env: dict[str, str]) -> list[dict]:
    return json.loads(photoshelf(env, "manage", "shell", "-c", DUMP).stdout.splitlines()[-1])


def rate(text: str, unit: str) -> float:
    found = re.search(rf"\(([\d.]+) {unit}/s\)", text)
    assert found, text
    return float(found.group(1))


def test_the_corpus_survives_an_export_and_an_import_on_other_backends(
    tmp_path, postgresql_server, s3_server
):
    if not CORPUS.is_dir():
        pytest.skip(f"the sample corpus is not at {CORPUS}")
    source = import_env(tmp_path / "a")  # SQLite, a local folder; the corpus' old dates allowed
    photoshelf(source, "createuser", "alice", "--password-stdin", input="harbour-at-dusk-42\n")
    photoshelf(source, "import", "--recursive", "--user", "alice", CORPUS)
    photoshelf(source, "manage", "shell", "-c", BACKDATE)  # upload dates a year ago
    photoshelf(source, "createuser", "bob", "--password-stdin", input="lantern-by-night-77\n")
    photoshelf(source, "manage", "shell", "-c", ALBUMS)
    before = rows(source)
    assert len(before) > 50 and {r["uploader"] for r in before} == {"alice"}
    assert sum(len(r["albums"]) for r in before) == 12 + 10 + 3

    folder = tmp_path / "export"
    first = photoshelf(source, "export", folder)
    assert f"exported {len(before)} photo(s), 0 already there" in first.stdout
    export_rate = rate(first.stdout, "photos")
    again = photoshelf(source, "export", folder)  # resumable: nothing left to copy
    assert f"exported 0 photo(s), {len(before)} already there" in again.stdout
    manifest = json.loads((folder / "manifest.json").read_text())
    (folder / manifest["photos"][0]["file"]).unlink()
    assert "exported 1 photo(s)" in photoshelf(source, "export", folder).stdout
    sidecar = json.loads((folder / (manifest["photos"][0]["file"] + ".json")).read_text())
    assert sidecar == manifest["photos"][0] and sidecar["uploader"] == "alice"
    in_coast = [p for p in manifest["photos"] if any(a["title"] == "Coast" for a in p["albums"])]
    assert len(in_coast) == 12
    (coast,) = [a for a in in_coast[0]["albums"] if a["title"] == "Coast"]
    assert (coast["description"], coast["owner"]) == ("Along the shore", "alice")
    assert coast["cover_sha256"] in {p["sha256"] for p in in_coast} and coast["added_at"]
    one_album = photoshelf(source, "export", tmp_path / "walks", "--album", "Walks")
    assert "exported 10 photo(s)" in one_album.stdout
    assert {
        "name",
        "filename",
        "sha256",
        "format",
        "camera",
        "taken_at",
        "taken_at_source",
        "uploaded_at",
        "uploader",
        "albums",
    } <= sidecar.keys()

    bucket = s3_server.create_bucket()
    target = import_env(
        tmp_path / "b",
        PHOTOSHELF_DATABASE_URL=postgresql_server.create_database(),
        PHOTOSHELF_STORAGE_URL=f"s3://{bucket}/media",
        PHOTOSHELF_S3_ENDPOINT_URL=s3_server.endpoint_url,
        PHOTOSHELF_MAX_AGE_DAYS="365",  # the default: a restore does not apply the date rules
        **AWS_ENV,
    )
    photoshelf(target, "createuser", "alice", "--password-stdin", input="harbour-at-dusk-42\n")
    start = time.perf_counter()
    restored = photoshelf(target, "import", folder)
    import_seconds = time.perf_counter() - start
    after = rows(target)
    # bob has no account there: his album is the importing administrator's (--user none, so
    # the oldest administrator); everything else is as it was.
    photoshelf(
        target, "createuser", "root", "--admin", "--password-stdin", input="orchard-in-april-93\n"
    )
    assert [{**r, "albums": []} for r in after] == [{**r, "albums": []} for r in before]
    assert "albums: 2 made, 0 already there" in restored.stdout, restored.stdout
    assert "1 skipped" in restored.stdout  # bob's: no account, no --user, no administrator yet
    again = photoshelf(target, "import", folder)  # now with an administrator for bob's album
    assert "albums: 1 made, 2 already there, 3 photo(s) added" in again.stdout, again.stdout
    third = photoshelf(target, "import", folder)  # idempotent
    assert "albums: 0 made, 3 already there, 0 photo(s) added" in third.stdout, third.stdout
    root_for_bob = [
        [a if a[2] != "bob" else [*a[:2], "root", *a[3:]] for a in r["albums"]] for r in before
    ]
    assert [r["albums"] for r in rows(target)] == root_for_bob
    counts = photoshelf(target, "manage", "shell", "-c", ALBUM_COUNTS).stdout.splitlines()[-1]
    assert counts.split() == ["3", str(12 + 10 + 3)]
    assert "0 refused" in restored.stdout or "refused" not in restored.stdout

    back = tmp_path / "export-from-s3"
    from_s3 = photoshelf(target, "export", back)
    exported_again = json.loads((back / "manifest.json").read_text())["photos"]
    assert sorted(p["sha256"] for p in exported_again) == sorted(r["sha256"] for r in before)
    for photo in exported_again:
        assert (back / photo["file"]).read_bytes() == (
            folder / _file_of(manifest, photo)
        ).read_bytes()

    print(
        f"\nround trip of {len(before)} photos: export {export_rate:.1f} photos/s "
        f"(SQLite, local), import {rate(restored.stdout, 'images'):.1f} photos/s by its own "
        f"count, {len(before) / import_seconds:.1f} photos/s for the whole command "
        f"(PostgreSQL, S3); export from PostgreSQL and S3 {rate(from_s3.stdout, 'photos'):.1f} "
        "photos/s"
    )


def _file_of(manifest: dict, photo: dict) -> str:
    return next(p["file"] for p in manifest["photos"] if p["sha256"] == photo["sha256"])
