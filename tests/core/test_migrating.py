"""Servers started together on a new database migrate one after another, and all come up."""

import subprocess
import sys
import threading
import urllib.request

import pytest

from tests.conftest import Server, photoshelf_environment

STARTED_TOGETHER = 4


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def new_database(request, tmp_path) -> str:
    """The URL of a database no process has migrated yet."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    return request.getfixturevalue(f"{request.param}_server").create_database()


def test_servers_started_at_once_on_a_new_database_all_come_up(new_database, tmp_path):
    env = {"PHOTOSHELF_DATABASE_URL": new_database, "PHOTOSHELF_SECRET_KEY": "one-for-all"}
    servers: list[Server] = []
    failures: list[str] = []
    together = threading.Barrier(STARTED_TOGETHER)

    def start(i: int) -> None:
        together.wait()
        try:
            servers.append(Server(tmp_path / f"server-{i}", env=env, account=False))
        except RuntimeError as failure:  # it exited, or never answered: its log says why
            failures.append(str(failure))

    threads = [threading.Thread(target=start, args=(i,)) for i in range(STARTED_TOGETHER)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        for server in servers:
            with urllib.request.urlopen(server.url + "/healthz", timeout=10) as answer:
                assert answer.status == 200
    finally:
        for server in servers:
            server.stop()


def test_a_command_waits_while_another_process_migrates(tmp_path):
    """`photoshelf migrate` does not start while the lock is held elsewhere, and then finds
    nothing left to do."""
    database = tmp_path / "photos.sqlite3"
    env = photoshelf_environment(
        tmp_path / "data", {"PHOTOSHELF_DATABASE_URL": f"sqlite:///{database}"}
    )
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import os, sys, django; os.environ['DJANGO_SETTINGS_MODULE'] = 'photoshelf.settings';"
            "django.setup();"
            "from django.db import connection;"
            "from photoshelf.core.migrating import migration_lock;"
            "lock = migration_lock(connection); lock.__enter__(); print('held', flush=True);"
            "sys.stdin.readline()",
        ],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    waiting = None
    try:
        assert holder.stdout.readline().strip() == "held"
        waiting = subprocess.Popen(
            [sys.executable, "-m", "photoshelf.cli", "migrate"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        with pytest.raises(subprocess.TimeoutExpired):
            waiting.wait(timeout=3)
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait(timeout=30)
        output, _ = waiting.communicate(timeout=120)
        assert waiting.returncode == 0, output
        assert "Applying" in output  # it migrated the new database once the lock was free
    finally:
        for process in (holder, waiting):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
