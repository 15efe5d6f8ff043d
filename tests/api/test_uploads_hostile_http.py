"""What Django's test client cannot send to /api/uploads, sent by hand to a real
`photoshelf serve`: chunked bodies (no Content-Length to judge them by), a chunked coding that
breaks midway, a Content-Length that lies. Each is a success or a clear 4xx, the offset counts
only what was stored, and the server keeps answering."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from tests.conftest import Server
from tests.factories import large_photo
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


def test_two_patches_at_once_one_wins_and_the_other_is_refused(server):
    """Two requests send the same bytes at the same offset at the same moment: one is stored,
    the other is 423 (it arrived while the first held the upload) or 409 (after it moved on),
    and the offset counts the bytes once."""
    data = large_photo(1_000_000, seed=51)
    location = create(server, len(data))
    head = (
        f"PATCH {location} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nConnection: close\r\n"
        f"Authorization: {server.headers['Authorization']}\r\nTus-Resumable: 1.0.0\r\n"
        "Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\n"
        f"Content-Length: {len(data)}\r\n\r\n"
    ).encode()
    statuses: list[int] = []

    def send(pause: float) -> None:
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
            sock.sendall(head + data[:1000])
            time.sleep(pause)  # the first holds the upload while the second arrives
            sock.sendall(data[1000:])
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        statuses.append(int(answer.split(b" ", 2)[1]))

    first = threading.Thread(target=send, args=(1.0,))
    first.start()
    time.sleep(0.3)
    send(0.0)
    first.join()
    assert sorted(statuses) in ([204, 409], [204, 423]), statuses
    assert offset(server, location) == len(data)
