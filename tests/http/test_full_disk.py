"""A full disk, for real: a `photoshelf serve --workers 2` whose data folder is a small tmpfs,
filled to leave less room than an upload needs. Whether the spool cannot take the body or the
storage cannot take the renditions, the answer is a 503 `storage-full` with Retry-After, the
upload's spool file is closed and gone by the answer, and uploads work again once there is room.

Mounting a tmpfs needs root (CAP_SYS_ADMIN); elsewhere these tests are skipped, and
tests/api/test_images_create.py makes the spool's writes fail instead.
"""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import Server, stored_files
from tests.factories import exif_block
from tests.wire import post_image, signed_in_browser

pytestmark = pytest.mark.backends("sqlite-local")

DISK = "64m"  # the collected static files take about 11 MB of it


@pytest.fixture(scope="module")
def disk(tmp_path_factory):
    mount_point = tmp_path_factory.mktemp("disk")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK}", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"a small tmpfs cannot be mounted here: {mounted.stderr.strip()}")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=True)


@pytest.fixture(scope="module")
def server(disk):
    running = Server(disk / "data", workers=2)
    yield running
    running.stop()


@pytest.fixture
def filler(server):
    """Fill the disk to leave `free` bytes (about: tmpfs counts whole pages); emptied after."""
    path = server.data_dir.parent / "filler"

    def leave(free: int) -> None:
        path.unlink(missing_ok=True)
        stat = os.statvfs(path.parent)
        path.write_bytes(b"\0" * max(0, stat.f_bavail * stat.f_frsize - free))

    yield leave
    path.unlink(missing_ok=True)


def noisy_photo(seed: int) -> bytes:
    """A 1200×900 JPEG of noise (about 1 MB), so its renditions are large too."""
    pixels = random.Random(seed).randbytes(1200 * 900 * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (1200, 900), pixels).save(out, "JPEG", quality=90, exif=exif_block())
    return out.getvalue()


def spool_files(server: Server) -> list[str]:
    return sorted(path.name for path in (server.data_dir / "uploads").iterdir())


def open_spool_files(server: Server) -> list[str]:
    """The spool files the server's processes (gunicorn's master and its workers) hold open."""
    spool = str(server.data_dir / "uploads")
    pids = [server.process.pid]
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
    pids += [int(pid) for pid in children.read_text().split()]
    held = []
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:  # closed meanwhile
                continue
            if target.startswith(spool):
                held.append(target)
    return held


def assert_storage_full(status: int, headers, content: bytes, server: Server) -> None:
    assert status == 503, content[:300]
    assert int(headers["Retry-After"]) > 0
    assert spool_files(server) == [] and open_spool_files(server) == []


def test_it_answers_503_when_the_spool_cannot_take_the_upload(server, filler):
    data = noisy_photo(1)
    filler(len(data) // 3)
    stored_before = stored_files(server.data_dir / "media")
    status, headers, content = _send(_api_upload(server, data))
    assert headers["Content-Type"] == "application/problem+json"
    assert json.loads(content)["code"] == "storage-full", content[:300]
    assert_storage_full(status, headers, content, server)
    assert stored_files(server.data_dir / "media") == stored_before


def test_it_answers_503_when_the_renditions_do_not_fit(server, filler):
    data = noisy_photo(2)
    filler(len(data) + 96 * 1024)  # room for the spool file, not for the renditions
    stored_before = stored_files(server.data_dir / "media")
    status, headers, content = _send(_api_upload(server, data))
    assert json.loads(content)["code"] == "storage-full", content[:300]
    assert_storage_full(status, headers, content, server)
    assert stored_files(server.data_dir / "media") == stored_before  # nothing half-stored


def test_the_upload_form_shows_a_503_page_when_the_spool_cannot_take_the_upload(server, filler):
    head, token = signed_in_browser(server)
    data = noisy_photo(3)
    filler(len(data) // 3)
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
            f"{token}\r\n--{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="noise.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        server.url + "/upload",
        data=body,
        method="POST",
        headers={**head, "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    status, headers, content = _send(request)
    assert headers["Content-Type"].startswith("text/html")
    assert 'data-code="storage-full"' in content.decode()
    assert_storage_full(status, headers, content, server)


def test_uploads_work_again_once_there_is_room(server, filler):
    filler(len(noisy_photo(4)) // 3)
    assert post_image(server.url, noisy_photo(4), headers=server.headers)[0] == 503
    filler(32 * 1024 * 1024)
    status, body = post_image(server.url, noisy_photo(4), headers=server.headers)
    assert status == 201, body


def _api_upload(server: Server, data: bytes) -> urllib.request.Request:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="noise.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return urllib.request.Request(
        server.url + "/api/images",
        data=body,
        method="POST",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}", **server.headers},
    )


def _send(request: urllib.request.Request):
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()
