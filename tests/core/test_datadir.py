"""The data folder is made when photoshelf starts, never when its settings are imported."""

import os
import stat
import subprocess
import sys

import pytest

from tests.test_cli import photoshelf


def settings_imported(tmp_path, data_dir):
    env = {
        "PHOTOSHELF_DATA_DIR": str(data_dir),
        "PHOTOSHELF_ENV_FILE": "",
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "photoshelf.settings",
    }
    code = (
        "import django; django.setup(); from django.conf import settings; print(settings.DATA_DIR)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )


def test_importing_the_settings_writes_nothing(tmp_path):
    data_dir = tmp_path / "data"
    done = settings_imported(tmp_path, data_dir)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(data_dir)
    assert not data_dir.exists()


def test_migrate_makes_the_folder_and_keeps_one_secret_key_for_its_owner_only(tmp_path):
    assert photoshelf(tmp_path, "migrate").returncode == 0
    key_file = tmp_path / "data" / "secret_key"
    assert (tmp_path / "data" / "uploads").is_dir()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text()
    assert len(key) >= 50
    assert photoshelf(tmp_path, "migrate").returncode == 0
    assert key_file.read_text() == key  # sessions and tokens' signatures survive a restart
    assert [p.name for p in key_file.parent.iterdir() if p.name.startswith(".secret_key")] == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into any folder")
def test_an_unwritable_data_folder_is_explained_before_anything_runs(tmp_path):
    (tmp_path / "data").mkdir(mode=0o500)
    done = photoshelf(tmp_path, "migrate")
    assert done.returncode != 0
    assert "photoshelf.E010" in done.stderr and "is not writable" in done.stderr


def test_a_data_folder_that_cannot_be_made_is_explained_before_anything_runs(tmp_path):
    (tmp_path / "data").write_text("a file where the folder should be")
    done = photoshelf(tmp_path, "migrate")
    assert done.returncode != 0
    assert "photoshelf.E010" in done.stderr and "is not a folder" in done.stderr
