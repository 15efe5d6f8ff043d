"""Request bodies whose chunked coding is malformed, sent over a real socket to a real
`photoshelf serve --workers 2` (Django's test client cannot send them): each is a 400 (a problem
for the API, the error page for the form), and the upload's spool file is gone by the answer.
"""

from __future__ import annotations

import json
import socket
import urllib.request

import pytest

from tests.conftest import Server
from tests.factories import photo
from tests.wire import signed_in_browser

pytestmark = pytest.mark.backends("sqlite-local")

BOUNDARY = "chunkboundary"
# Past the first chunk the upload handler writes (1 MiB): the spool file exists when it breaks.
FILE_BYTES = 3 * 1024 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = Server(tmp_path_factory.mktemp("body") / "data", workers=2)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def session(server) -> tuple[dict[str, str], str]:
    return signed_in_browser(server)


def form_body(fields: dict[str, str]) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    file_head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="p.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    )
    data = photo()
    data += b"\0" * (FILE_BYTES - len(data))
    return "".join(parts).encode() + file_head.encode() + data + f"\r\n--{BOUNDARY}--\r\n".encode()


def first_chunk(body: bytes) -> tuple[bytes, bytes]:
    """A well-formed first chunk of two thirds of the body, and the rest of the body."""
    cut = len(body) * 2 // 3
    return f"{cut:x}\r\n".encode() + body[:cut] + b"\r\n", body[cut:]


def invalid_size(body: bytes) -> bytes:
    head, rest = first_chunk(body)
    return head + b"zz\r\n" + rest + b"\r\n0\r\n\r\n"


def missing_terminator(body: bytes) -> bytes:
    head, rest = first_chunk(body)
    return head + f"{len(rest):x}\r\n".encode() + rest + b"XX0\r\n\r\n"


def bad_extension(body: bytes) -> bytes:
    head, rest = first_chunk(body)
    return head + f'{len(rest):x};a="\x01"\r\n'.encode() + rest + b"\r\n0\r\n\r\n"


def no_last_chunk(body: bytes) -> bytes:
    return first_chunk(body)[0]  # then the client closes its side


MALFORMED = [invalid_size, missing_terminator, bad_extension, no_last_chunk]


def send(server: Server, path: str, head: dict[str, str], body: bytes):
    """POST `body` as given, chunked, then close the sending side; the status, head and body."""
    lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{server.port}", "Connection: close"]
    head = {
        **head,
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
        "Transfer-Encoding": "chunked",
    }
    lines += [f"{name}: {value}" for name, value in head.items()]
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head_bytes, _, content = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head_bytes.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in header_lines)}
    return int(status_line.split()[1]), headers, content


def spool_files(server: Server) -> list[str]:
    return sorted(path.name for path in (server.data_dir / "uploads").iterdir())


@pytest.mark.parametrize("malformed", MALFORMED, ids=lambda f: f.__name__)
def test_it_answers_a_malformed_chunked_upload_with_a_400_problem(server, malformed):
    body = malformed(form_body({"name": "broken"}))
    status, headers, content = send(server, "/api/images", server.headers, body)
    assert status == 400, content[:300]
    assert headers["content-type"] == "application/problem+json"
    assert json.loads(content)["code"] == "invalid-request"
    assert spool_files(server) == []


@pytest.mark.parametrize("malformed", MALFORMED, ids=lambda f: f.__name__)
def test_it_shows_the_upload_form_a_400_page_for_a_malformed_chunked_body(
    server, session, malformed
):
    head, token = session
    body = malformed(form_body({"csrfmiddlewaretoken": token, "name": "broken"}))
    status, headers, content = send(server, "/upload", head, body)
    assert status == 400, content[:300]
    assert headers["content-type"].startswith("text/html")
    assert 'data-code="invalid-request"' in content.decode()
    assert spool_files(server) == []


def test_it_keeps_answering_after_malformed_bodies(server):
    with urllib.request.urlopen(server.url + "/healthz", timeout=10) as response:
        assert response.status == 200
