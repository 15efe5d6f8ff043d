"""Resumable uploads interrupted as the real world interrupts them, each finished afterwards
from the offset the server reports, the stored original's SHA-256 equal to the file's: a
server killed (SIGKILL) in the middle of a PATCH and started again, and a connection cut
midway by a proxy between the client and the server."""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import socket
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from photoshelf.gallery.resumable import PIECE_BYTES
from tests.conftest import Server
from tests.factories import large_photo
from tests.scaling.test_killed_uploads import children
from tests.wire import get_json

pytestmark = pytest.mark.backends("sqlite-local")

TUS = {"Tus-Resumable": "1.0.0"}


def tus(
    server: Server, method: str, url: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, dict]:
    request = urllib.request.Request(
        url if url.startswith("http") else server.url + url,
        data=body if method in ("POST", "PATCH") else None,
        method=method,
        headers={**server.headers, **TUS, **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


def create(server: Server, length: int) -> str:
    status, headers = tus(server, "POST", "/api/uploads", headers={"Upload-Length": str(length)})
    assert status == 201, headers
    return headers["Location"]


def offset(server: Server, location: str) -> int:
    status, headers = tus(server, "HEAD", location)
    assert status == 200, (status, headers)
    return int(headers["Upload-Offset"])


def finish(server: Server, location: str, data: bytes) -> dict:
    """PATCH the rest from the reported offset; the stored image's JSON."""
    start = offset(server, location)
    status, headers = tus(
        server,
        "PATCH",
        location,
        data[start:],
        headers={"Upload-Offset": str(start), "Content-Type": "application/offset+octet-stream"},
    )
    assert status == 204, (status, headers)
    image_id = headers["Photoshelf-Image-Id"]
    return get_json(f"{server.url}/api/images/{image_id}", server.headers)[1]


def original_sha256(server: Server, image: dict) -> str:
    request = urllib.request.Request(server.url + image["original_url"], headers=server.headers)
    with urllib.request.urlopen(request, timeout=60) as response:
        return hashlib.sha256(response.read()).hexdigest()


def patch_head(server: Server, location: str, start: int, length: int) -> bytes:
    return (
        f"PATCH {location} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        f"Authorization: {server.headers['Authorization']}\r\nTus-Resumable: 1.0.0\r\n"
        f"Upload-Offset: {start}\r\nContent-Type: application/offset+octet-stream\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


def test_a_server_killed_mid_patch_resumes_from_what_it_had_stored(tmp_path):
    data = large_photo(3 * PIECE_BYTES, seed=11)
    sha256 = hashlib.sha256(data).hexdigest()
    data_dir = tmp_path / "data"
    server = Server(data_dir, workers=2)
    location = create(server, len(data))
    sent = 2 * PIECE_BYTES + PIECE_BYTES // 2  # two chunks and half of a third
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(patch_head(server, location, 0, len(data)) + data[:sent])
        deadline = time.monotonic() + 30
        while offset(server, location) < 2 * PIECE_BYTES and time.monotonic() < deadline:
            time.sleep(0.05)
        assert offset(server, location) == 2 * PIECE_BYTES  # the half chunk is not stored yet
        for pid in [server.process.pid, *children(server.process.pid)]:
            os.kill(pid, signal.SIGKILL)  # mid-PATCH: the rest of the body never comes
        server.process.wait(timeout=30)
    server.log.close()

    restarted = Server(data_dir, workers=2, account=False)
    restarted.token, restarted.username = server.token, server.username
    try:
        assert offset(restarted, location) == 2 * PIECE_BYTES  # durable, and no more
        image = finish(restarted, location, data)  # the dead writer's hold is taken over
        assert image["sha256"] == sha256 and original_sha256(restarted, image) == sha256
    finally:
        restarted.stop()


class CuttingProxy:
    """A TCP proxy to the server that cuts the first connection once `cut_after` bytes of the
    client's request have gone through, and passes later connections whole."""

    def __init__(self, port: int, cut_after: int) -> None:
        self.upstream, self.cut_after, self.cuts = port, cut_after, 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream))
            limit = self.cut_after if self.cuts == 0 else None
            self.cuts += 1
            threading.Thread(target=self._pipe, args=(client, upstream, limit), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, None), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket, limit: int | None) -> None:
        passed = 0
        try:
            while data := src.recv(65536):
                if limit is not None and passed + len(data) >= limit:
                    dst.sendall(data[: limit - passed])
                    break
                dst.sendall(data)
                passed += len(data)
        except OSError:
            pass
        for sock in (src, dst):  # both ways closed: the client and the server see it end
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        self.listener.close()


def test_a_connection_cut_mid_chunk_keeps_what_arrived_and_the_upload_resumes(server):
    data = large_photo(2 * PIECE_BYTES, seed=12)
    sha256 = hashlib.sha256(data).hexdigest()
    location = create(server, len(data))
    cut_at = PIECE_BYTES + 12345  # body bytes that get through: one chunk and a part
    head = patch_head(server, location, 0, len(data))
    proxy = CuttingProxy(server.port, cut_after=len(head) + cut_at)
    try:
        with socket.create_connection(("127.0.0.1", proxy.port)) as sock:
            try:
                sock.sendall(head + data)
                sock.recv(1024)
            except OSError:
                pass  # cut: the client never hears an answer
        deadline = time.monotonic() + 30
        while offset(server, location) < cut_at and time.monotonic() < deadline:
            time.sleep(0.05)
        assert offset(server, location) == cut_at  # what arrived was kept, all of it
        via_proxy = Server.__new__(Server)  # the same account, through the proxy this time
        via_proxy.url, via_proxy.port, via_proxy.token = proxy.url, proxy.port, server.token
        image = finish(via_proxy, location, data)
    finally:
        proxy.close()
    assert image["sha256"] == sha256 and original_sha256(server, image) == sha256


def test_nothing_is_left_in_the_spool_folder(server):
    data = large_photo(PIECE_BYTES // 2, seed=13)
    location = create(server, len(data))
    finish(server, location, data)
    spool = Path(server.data_dir) / "uploads"
    assert not spool.exists() or list(spool.iterdir()) == []
