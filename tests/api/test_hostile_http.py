"""What Django's test client cannot send, sent by hand to a real `photoshelf serve`: bodies that
lie about their length, lengths that are not numbers, a body far over the limit. Each is a
clear 4xx, and the server keeps answering afterwards.
"""

from __future__ import annotations

import json
import socket
import urllib.request

import pytest

from tests.conftest import Server
from tests.factories import photo

# The module's own server (SQLite, a folder) is what these tests talk to: one run is enough.
pytestmark = pytest.mark.backends("sqlite-local")

BOUNDARY = "hostileboundary"
LIMIT_MB = 1


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = Server(
        tmp_path_factory.mktemp("hostile") / "data",
        workers=1,
        env={"PHOTOSHELF_MAX_UPLOAD_MB": str(LIMIT_MB)},
    )
    yield running
    running.stop()


def form_body(data: bytes, filename: str = "photo.jpg") -> bytes:
    return (
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"'
            f"\r\nContent-Type: image/jpeg\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )


def raw_request(
    server: Server,
    head: dict[str, str],
    body: bytes,
    *,
    close_write: bool = True,
    send: int | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """Send a request exactly as given (only `send` bytes of the body when set); read the answer."""
    lines = ["POST /api/images HTTP/1.1", f"Host: 127.0.0.1:{server.port}", "Connection: close"]
    lines += [f"{key}: {value}" for key, value in {**server.headers, **head}.items()]
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        try:
            sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
            sock.sendall(body if send is None else body[:send])
            if close_write:
                sock.shutdown(socket.SHUT_WR)
        except OSError:  # the server answered and closed before reading it all: fine
            pass
        answer = b""
        while (chunk := sock.recv(65536)) and not _complete(answer := answer + chunk):
            pass
    head_bytes, _, content = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head_bytes.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in header_lines)}
    if headers.get("transfer-encoding") == "chunked":
        content = _dechunk(content)
    return int(status_line.split()[1]), headers, content


def _dechunk(data: bytes) -> bytes:
    out = b""
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            break
        out, data = out + data[:size], data[size + 2 :]
    return out


def _complete(answer: bytes) -> bool:
    """A whole response has arrived (its Content-Length is met): no need to wait for EOF."""
    head, found, content = answer.partition(b"\r\n\r\n")
    if not found:
        return False
    if b"transfer-encoding: chunked" in head.lower():
        return content.endswith(b"0\r\n\r\n")
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(content) >= int(value)
    return False


def assert_clear_4xx(status: int, headers: dict[str, str], content: bytes) -> None:
    assert 400 <= status < 500, (status, content[:300])
    if headers.get("content-type") == "application/problem+json":
        assert json.loads(content)["code"]
    else:  # refused by the HTTP server itself, before Django: still a plain 400, not a crash
        assert status == 400, (status, headers, content[:300])


def still_healthy(server: Server) -> bool:
    with urllib.request.urlopen(server.url + "/healthz", timeout=10) as response:
        return response.status == 200


MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def test_a_body_shorter_than_its_content_length_is_a_clear_4xx(server):
    body = form_body(photo())
    status, headers, content = raw_request(
        server, {"Content-Type": MULTIPART, "Content-Length": str(len(body) + 5000)}, body
    )
    assert_clear_4xx(status, headers, content)
    assert json.loads(content)["code"] == "invalid-request"  # not stored as if it were whole
    assert still_healthy(server)


def test_a_body_longer_than_its_content_length_is_a_clear_4xx(server):
    body = form_body(photo())
    status, headers, content = raw_request(
        server, {"Content-Type": MULTIPART, "Content-Length": str(len(body) // 2)}, body
    )
    assert_clear_4xx(status, headers, content)
    assert still_healthy(server)


@pytest.mark.parametrize("length", ["abc", "-5", "1e6", "99999999999999999999999", "12, 12"])
def test_a_content_length_that_is_not_a_length_is_a_clear_4xx(server, length):
    body = form_body(photo())
    status, headers, content = raw_request(
        server, {"Content-Type": MULTIPART, "Content-Length": length}, body
    )
    assert_clear_4xx(status, headers, content)


def test_a_body_over_the_limit_is_refused_before_it_is_all_sent(server):
    # 50 MiB announced, 3 MiB sent, and the connection kept open: the answer comes anyway. (The
    # server reads the body 1 MiB at a time, so the refusal comes within a chunk or two.)
    announced = 50 * 1024 * 1024
    head = form_body(b"")[: -len(f"\r\n--{BOUNDARY}--\r\n")]
    sent = head + b"\xff\xd8" + b"\0" * (3 * 1024 * 1024)
    status, headers, content = raw_request(
        server,
        {"Content-Type": MULTIPART, "Content-Length": str(announced)},
        sent,
        close_write=False,
    )
    assert status == 413 and json.loads(content)["code"] == "too-large", content[:300]
    assert json.loads(content)["max_bytes"] == LIMIT_MB * 1024 * 1024
    assert still_healthy(server)


def chunked(body: bytes) -> bytes:
    parts = (body[i : i + 65536] for i in range(0, len(body), 65536))
    return b"".join(f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in parts) + b"0\r\n\r\n"


CHUNKED = {"Content-Type": MULTIPART, "Transfer-Encoding": "chunked"}


def test_a_chunked_body_without_a_length_is_measured_while_it_streams(server):
    # No announced length to judge by: the stream itself is counted as it arrives.
    data = b"\xff\xd8" + b"\0" * (LIMIT_MB * 1024 * 1024 + 100_000)
    status, headers, content = raw_request(server, CHUNKED, chunked(form_body(data)))
    assert status == 413 and json.loads(content)["code"] == "too-large", content[:300]


def test_a_chunked_upload_within_the_limit_is_stored(server):
    status, headers, content = raw_request(server, CHUNKED, chunked(form_body(photo())))
    assert status == 201, content[:300]
