"""`photoshelf createuser`, `removeuser` and `token create`, run as a person would."""

import subprocess
import sys


def photoshelf(tmp_path, *args, input=None):
    env = {
        "PHOTOSHELF_DATA_DIR": str(tmp_path / "data"),
        "PHOTOSHELF_ENV_FILE": "",
        "PATH": "/usr/bin:/bin",
    }
    return subprocess.run(
        [sys.executable, "-m", "photoshelf.cli", *args],
        env=env,
        input=input,
        capture_output=True,
        text=True,
        timeout=120,
    )


def db_rows(tmp_path, sql):
    import sqlite3

    with sqlite3.connect(tmp_path / "data" / "photoshelf.sqlite3") as db:
        return db.execute(sql).fetchall()


def test_createuser_and_token_create(tmp_path):
    made = photoshelf(
        tmp_path, "createuser", "alice", "--admin", "--password-stdin", input="harbour-at-dusk-42\n"
    )
    assert made.returncode == 0 and made.stdout == "Created administrator alice.\n"
    [(password, superuser)] = db_rows(tmp_path, "SELECT password, is_superuser FROM auth_user")
    assert password.startswith("argon2$argon2id$") and superuser == 1

    token = photoshelf(tmp_path, "token", "create", "phone backup", "--user", "alice")
    assert token.returncode == 0 and "shown only once" in token.stderr
    secret = token.stdout.strip()
    assert secret.startswith("psh_") and len(secret) > 40
    [(name, key_hash)] = db_rows(tmp_path, "SELECT name, key_hash FROM accounts_apitoken")
    assert name == "phone backup" and secret not in key_hash and len(key_hash) == 64

    # Refusals (same data folder: one migration run for the whole test keeps it short).
    for args, stdin, message in [
        (["createuser", "ALICE", "--password-stdin"], "harbour-at-dusk-42\n", "already a user"),
        (["createuser", "bob", "--password-stdin"], "bob\n", "too short"),
        (["token", "create", "x", "--user", "nobody"], None, "no active user named 'nobody'"),
    ]:
        done = photoshelf(tmp_path, *args, input=stdin)
        assert done.returncode == 1 and message in done.stderr, (args, done.stderr)
    assert db_rows(tmp_path, "SELECT username FROM auth_user") == [("alice",)]

    removed = photoshelf(tmp_path, "removeuser", "alice")
    assert removed.returncode == 0 and removed.stdout.startswith("Removed alice;")
    assert db_rows(tmp_path, "SELECT count(*) FROM auth_user") == [(0,)]
    assert db_rows(tmp_path, "SELECT count(*) FROM accounts_apitoken") == [(0,)]


STORE_AND_TRASH = """
from datetime import timedelta
from pathlib import Path
from django.utils import timezone
from photoshelf.gallery import library, trash
from photoshelf.gallery.models import Image
from photoshelf.ingest.incoming import IncomingFile
from tests.factories import scene
for i, days_ago in enumerate((40, 31, 2)):
    path = Path(f"{i}.jpg")
    path.write_bytes(scene(700 + i))
    image = library.store(IncomingFile.from_path(path), f"p{i}")
    trash.move(image)
    Image.everything.filter(pk=image.pk).update(trashed_at=timezone.now() - timedelta(days=days_ago))
"""


def test_trash_purge_deletes_what_is_past_its_days_or_older_than_asked(tmp_path, monkeypatch):
    from tests.conftest import REPO

    monkeypatch.chdir(tmp_path)
    env = {
        "PHOTOSHELF_DATA_DIR": str(tmp_path / "data"),
        "PHOTOSHELF_ENV_FILE": "",
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(REPO),
    }

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "photoshelf.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert run("migrate").returncode == 0
    made = run("manage", "shell", "-c", STORE_AND_TRASH)
    assert made.returncode == 0, made.stderr
    first = run("trash", "purge")  # the default 30 days
    assert first.returncode == 0 and first.stdout == "purged 2 photo(s) from the trash\n"
    assert db_rows(tmp_path, "SELECT name FROM gallery_image") == [("p2",)]
    assert run("trash", "purge", "--older-than", "3").stdout.startswith("purged 0 ")
    assert run("trash", "purge", "--older-than", "1").stdout.startswith("purged 1 ")
    assert db_rows(tmp_path, "SELECT count(*) FROM gallery_image") == [(0,)]
    media = tmp_path / "data" / "media"
    assert not [p for p in media.rglob("*") if p.is_file()]
    wrong = run("trash", "purge", "--older-than", "-1")
    assert wrong.returncode == 2 and "--older-than" in wrong.stderr
