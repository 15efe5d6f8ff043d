"""`photoshelf export` then `photoshelf import` of the export: the sample corpus goes from an
instance on SQLite and a local folder to a fresh one on PostgreSQL and S3 and back out, and
every photo keeps its name, bytes, date taken and upload date, and its uploader."""

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
    "'uploader': i.uploaded_by.username if i.uploaded_by else None} for i in "
    "Image.objects.select_related('uploaded_by')], key=lambda r: r['sha256'])))"
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
    before = rows(source)
    assert len(before) > 50 and {r["uploader"] for r in before} == {"alice"}

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
    assert rows(target) == before, restored.stdout
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
