"""A `photoshelf serve --workers 2` killed with SIGKILL while uploads write their files leaves
nothing behind once it is started again, and `photoshelf check` finds the gallery consistent.

The kill must land between an upload's first file and its row, so it is aimed: while uploads
run, the workers are frozen (SIGSTOP) at random moments until media/ shows a file no row
references (an upload midway); then the server is killed as it stands, frozen workers and all.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from photoshelf.storage.keys import sha256_of
from tests.conftest import Server, run_photoshelf
from tests.factories import scene
from tests.wire import post_image

pytestmark = [pytest.mark.backends("sqlite-local"), pytest.mark.skipif(
    not Path("/proc/self/task").exists(), reason="reads Linux's /proc")]  # fmt: skip

UPLOADERS = 6
ATTEMPTS = 300  # freezes tried before giving up on catching an upload midway
ENV = {"PHOTOSHELF_NEAR_DUPLICATE_DISTANCE": "-1"}  # every scene is stored: more writes


def children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as fh:
        return [int(child) for child in fh.read().split()]


def freeze(pids: list[int]) -> None:
    """SIGSTOP the processes and wait until every thread of them has stopped (a thread inside a
    system call, an fsync or a commit, stops only once it returns)."""
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        states = [
            Path(f"/proc/{pid}/task/{tid}/stat").read_text().rpartition(")")[2].split()[0]
            for pid in pids
            for tid in os.listdir(f"/proc/{pid}/task")
        ]
        if all(state in "Tt" for state in states):
            return
        time.sleep(0.001)
    raise AssertionError("the workers did not stop")


def midway(data_dir: Path) -> list[str]:
    """Files of media/ no committed row references: temporary ones, and keys of no row."""
    with sqlite3.connect(f"file:{data_dir / 'photoshelf.sqlite3'}?mode=ro", uri=True) as db:
        stored = {sha for (sha,) in db.execute("SELECT sha256 FROM gallery_image")}
    media = data_dir / "media"
    left = []
    for path in media.rglob("*") if media.is_dir() else []:
        key = path.relative_to(media).as_posix()
        if path.is_file() and (path.name.startswith(".incoming-") or sha256_of(key) not in stored):
            left.append(key)
    return sorted(left)


def keep_uploading(server: Server, first_seed: int, stop: threading.Event) -> None:
    seed = first_seed
    while not stop.is_set():
        try:
            post_image(server.url, scene(seed), f"scene-{seed}.jpg", server.headers)
        except OSError:  # the server was killed under this request
            return
        seed += UPLOADERS


def kill_midway(server: Server) -> list[str]:
    """Freeze the workers until an upload is caught midway, then SIGKILL the whole server;
    what that left in media/."""
    stop = threading.Event()
    uploaders = [
        threading.Thread(target=keep_uploading, args=(server, seed, stop), daemon=True)
        for seed in range(UPLOADERS)
    ]
    for uploader in uploaders:
        uploader.start()
    rng = random.Random(16)
    try:
        for _ in range(ATTEMPTS):
            time.sleep(rng.uniform(0.01, 0.2))
            workers = children(server.process.pid)  # read again: a worker may be replaced
            freeze(workers)
            left = midway(server.data_dir)
            if left:
                for pid in [server.process.pid, *workers]:
                    os.kill(pid, signal.SIGKILL)
                server.process.wait(timeout=30)
                return left
            for pid in workers:
                os.kill(pid, signal.SIGCONT)
        pytest.fail(f"no upload caught midway in {ATTEMPTS} tries")
    finally:
        stop.set()
        for uploader in uploaders:
            uploader.join(timeout=60)
        server.log.close()


def test_a_server_killed_during_uploads_leaves_nothing_once_restarted(tmp_path):
    data_dir = tmp_path / "data"
    left = kill_midway(Server(data_dir, workers=2, env=ENV))
    assert left  # the kill landed midway: files no row references

    restarted = Server(data_dir, workers=2, env=ENV, account=False)
    try:
        assert midway(data_dir) == []
        done = run_photoshelf(data_dir, "check", env=ENV)
        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stdout.strip().endswith("consistent")
    finally:
        restarted.stop()
