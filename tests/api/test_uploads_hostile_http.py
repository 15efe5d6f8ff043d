"""What Django's test client cannot send to /api/uploads, sent by hand to a real
`photoshelf serve`: chunked bodies (no Content-Length to judge them by), a chunked coding that
breaks midway, a Content-Length that lies. Each is a success or a clear 4xx, the offset counts
only what was stored, and the server keeps answering."""

from __future__ import annotations

import socket

import pytest

from tests.conftest import Server
from tests.scaling.test_interrupted_uploads import create, offset, tus

pytestmark = pytest.mark.backends("sqlite-local")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = Server(tmp_path_factory.mktemp("hostile-tus") / "data", workers=1)
    yield running
    running.stop()


def raw_patch(server: Server, location: str, start: int, head: dict[str, str], body: bytes) -> int:
    lines = [
        f"PATCH {location} HTTP/1.1",
        f"Host: 127.0.0.1:{server.port}",
        "Connection: close",
        "Tus-Resumable: 1.0.0",
        f"Upload-Offset: {start}",
        "Content-Type: application/offset+octet-stream",
        f"Authorization: {server.headers['Authorization']}",
    ]
    lines += [f"{key}: {value}" for key, value in head.items()]
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return int(answer.split(b" ", 2)[1])


def chunked(*parts: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in parts) + b"0\r\n\r\n"


def test_a_chunked_patch_is_stored_to_its_end(server):
    location = create(server, 100)
    body = chunked(b"a" * 30, b"b" * 20)
    assert raw_patch(server, location, 0, {"Transfer-Encoding": "chunked"}, body) == 204
    assert offset(server, location) == 50


def test_a_chunked_patch_beyond_the_length_is_413_and_keeps_nothing_of_it(server):
    location = create(server, 40)
    body = chunked(b"a" * 30, b"b" * 30)
    assert raw_patch(server, location, 0, {"Transfer-Encoding": "chunked"}, body) == 413
    assert offset(server, location) == 0


def test_a_content_length_beyond_the_length_is_413_before_the_body_is_read(server):
    location = create(server, 40)
    assert raw_patch(server, location, 0, {"Content-Length": "41"}, b"a" * 41) == 413
    assert offset(server, location) == 0


def test_a_chunked_coding_broken_midway_is_a_400_and_the_server_goes_on(server):
    location = create(server, 100)
    body = b"a\r\n" + b"x" * 10 + b"\r\nzz-not-hex\r\n"
    assert raw_patch(server, location, 0, {"Transfer-Encoding": "chunked"}, body) == 400
    assert offset(server, location) in (0, 10)  # what arrived whole may count, no more
    status, _ = tus(server, "HEAD", location)
    assert status == 200


def test_a_body_shorter_than_its_content_length_keeps_what_came(server):
    location = create(server, 100)
    assert raw_patch(server, location, 0, {"Content-Length": "60"}, b"a" * 25) == 400
    assert offset(server, location) == 25
