"""Shared fixtures: a fresh media folder per test, API helpers, and a real `photoshelf serve`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from photoshelf.storage import get_storage

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus" / "exif-samples"


@pytest.fixture(autouse=True)
def media_dir(settings, tmp_path):
    """Every test stores files in its own empty folder."""
    settings.MEDIA_DIR = tmp_path / "media"
    get_storage.cache_clear()
    yield settings.MEDIA_DIR
    get_storage.cache_clear()


def stored_files(media: Path) -> list[str]:
    if not media.exists():
        return []
    return sorted(p.relative_to(media).as_posix() for p in media.rglob("*") if p.is_file())


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"the sample corpus is not at {CORPUS} (it lives in the shared/ folder)")
    return CORPUS


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A real `photoshelf serve` process on a loopback port, with its own data folder."""

    def __init__(self, data_dir: Path, *, workers: int = 1, env: dict[str, str] | None = None):
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        clean = {k: v for k, v in os.environ.items()
                 if not k.startswith("PHOTOSHELF_") and k != "DJANGO_SETTINGS_MODULE"}
        clean.update({"PHOTOSHELF_DATA_DIR": str(data_dir), "PHOTOSHELF_ENV_FILE": ""})
        clean.update(env or {})
        self.log = open(data_dir.parent / f"server-{self.port}.log", "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "photoshelf.cli", "serve", "--port", str(self.port),
             "--workers", str(workers)],
            env=clean, stdout=self.log, stderr=subprocess.STDOUT,
        )
        self._wait_until_up()

    def _wait_until_up(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"photoshelf serve exited: {self.read_log()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"photoshelf serve did not come up: {self.read_log()}")

    def read_log(self) -> str:
        self.log.flush()
        return (self.data_dir.parent / f"server-{self.port}.log").read_text(errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


@pytest.fixture
def server(tmp_path):
    """`photoshelf serve --workers 2` on a free port, stopped after the test."""
    running = Server(tmp_path / "data", workers=2)
    yield running
    running.stop()
