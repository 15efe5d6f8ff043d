"""docs/backup.md, step by step, on SQLite and on PostgreSQL: back up a real instance, wipe
it, restore it, and find every photo whole (`photoshelf check`) with the same rows."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import scene
from tests.importer.conftest import import_env

pytestmark = pytest.mark.backends("sqlite-local")

DUMP = (
    "import json; from photoshelf.gallery.models import Image; print(json.dumps(sorted("
    "[[i.id, i.name, i.sha256, str(i.taken_at), str(i.uploaded_at), i.trashed_at is not None, "
    "i.uploaded_by.username if i.uploaded_by else None] for i in Image.everything.all()])))"
)
TRASH_ONE = (
    "from photoshelf.gallery import trash; from photoshelf.gallery.models import Image; "
    "trash.move(Image.objects.order_by('id').first())"
)


def photoshelf(env, *args, input=None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "photoshelf.cli", *map(str, args)],
        env=env,
        input=input,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"photoshelf {args}: {done.stdout[-1000:]} {done.stderr[-2000:]}"
    return done.stdout


def run(*command) -> None:
    done = subprocess.run(list(map(str, command)), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{command}: {done.stderr}"


def rows(env) -> list:
    return json.loads(photoshelf(env, "manage", "shell", "-c", DUMP).splitlines()[-1])


def populate(env, tmp_path: Path) -> list:
    photoshelf(env, "createuser", "alice", "--password-stdin", input="harbour-at-dusk-42\n")
    folder = tmp_path / "incoming"
    folder.mkdir()
    for i in range(5):
        (folder / f"p{i}.jpg").write_bytes(scene(900 + i))
    photoshelf(env, "import", "--user", "alice", folder)
    photoshelf(env, "manage", "shell", "-c", TRASH_ONE)  # the trash is backed up too
    before = rows(env)
    assert len(before) == 5 and sum(r[5] for r in before) == 1
    return before


def test_a_sqlite_instance_is_restored_from_its_backup(tmp_path):
    data = tmp_path / "data"
    env = import_env(data, PHOTOSHELF_MAX_AGE_DAYS="365")
    before = populate(env, tmp_path)
    backups = tmp_path / "backups"
    backups.mkdir()
    database = data / "photoshelf.sqlite3"
    run("sqlite3", database, f".backup '{backups / 'photoshelf.sqlite3'}'")
    shutil.copytree(data / "media", backups / "media")

    for path in (database, data / "photoshelf.sqlite3-wal", data / "photoshelf.sqlite3-shm"):
        path.unlink(missing_ok=True)
    shutil.rmtree(data / "media")  # the disk is lost
    shutil.copy(backups / "photoshelf.sqlite3", database)
    shutil.copytree(backups / "media", data / "media")
    assert photoshelf(env, "check").strip().endswith("consistent")
    assert rows(env) == before


def test_a_postgresql_instance_is_restored_from_its_dump(tmp_path, postgresql_server):
    url = postgresql_server.create_database()
    env = import_env(tmp_path / "data", PHOTOSHELF_DATABASE_URL=url, PHOTOSHELF_MAX_AGE_DAYS="365")
    before = populate(env, tmp_path)
    dump = tmp_path / "photoshelf.dump"
    run("pg_dump", "--format=custom", f"--file={dump}", url)
    media = tmp_path / "data" / "media"
    shutil.copytree(media, tmp_path / "media-backup")

    fresh = postgresql_server.create_database()  # the old server is gone: an empty database
    run("pg_restore", "--no-owner", f"--dbname={fresh}", dump)
    shutil.rmtree(media)
    shutil.copytree(tmp_path / "media-backup", media)
    env["PHOTOSHELF_DATABASE_URL"] = fresh
    assert photoshelf(env, "check").strip().endswith("consistent")
    assert rows(env) == before


def test_an_export_of_a_postgresql_instance_imports_into_a_fresh_sqlite_one(
    tmp_path, postgresql_server
):
    url = postgresql_server.create_database()
    source = import_env(tmp_path / "a", PHOTOSHELF_DATABASE_URL=url)
    before = [r for r in populate(source, tmp_path) if not r[5]]  # the trash is not exported
    photoshelf(source, "export", tmp_path / "photos")
    target = import_env(tmp_path / "b", PHOTOSHELF_MAX_AGE_DAYS="365")
    photoshelf(target, "createuser", "alice", "--password-stdin", input="harbour-at-dusk-42\n")
    photoshelf(target, "import", tmp_path / "photos")
    after = rows(target)
    assert sorted(r[1:] for r in after) == sorted(r[1:] for r in before)  # all but the ids
    assert photoshelf(target, "check").strip().endswith("consistent")
