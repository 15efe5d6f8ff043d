"""Behind a real nginx that caps request bodies at 10 MB (client_max_body_size 10m), a 150 MB
photo cannot be sent as one multipart POST (nginx answers 413 itself), and goes through tus
in 5 MB chunks: stored, its original the file byte for byte."""

from __future__ import annotations

import hashlib
import io
import socket

import pytest
from tusclient import client as tus

from tests.conftest import Server
from tests.factories import large_photo
from tests.scaling.test_interrupted_uploads import original_sha256
from tests.servers import NginxServer
from tests.wire import get_json

pytestmark = pytest.mark.backends("sqlite-local")

MB = 1024 * 1024


@pytest.fixture
def behind_nginx(tmp_path):
    server = Server(tmp_path / "data", workers=2, env={"PHOTOSHELF_MAX_UPLOAD_MB": "200"})
    proxy = NginxServer(server.port, client_max_body_size="10m")
    yield server, proxy
    proxy.close()
    server.stop()


def multipart_status(proxy: NginxServer, server: Server, size: int) -> int:
    """The status of a multipart POST announcing `size` bytes (nginx decides from the header)."""
    boundary = "photoshelfboundary"
    head = (
        f"POST /api/images HTTP/1.1\r\nHost: 127.0.0.1:{proxy.port}\r\n"
        f"Authorization: {server.headers['Authorization']}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {size}\r\n\r\n"
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=30) as sock:
        sock.sendall(head + b"\0" * MB)
        answer = sock.recv(4096)
    return int(answer.split(b" ", 2)[1])


def test_a_150_mb_photo_is_refused_as_one_post_and_stored_through_tus(behind_nginx):
    server, proxy = behind_nginx
    data = large_photo(150 * MB, seed=41)
    assert len(data) >= 150 * MB
    assert multipart_status(proxy, server, len(data) + 300) == 413

    uploads = tus.TusClient(proxy.url + "/api/uploads", headers=server.headers)
    uploader = uploads.uploader(
        file_stream=io.BytesIO(data), chunk_size=5 * MB, metadata={"filename": "big.jpg"}
    )
    uploader.upload()
    image_id = uploader.request.response_headers["photoshelf-image-id"]
    image = get_json(f"{proxy.url}/api/images/{image_id}", server.headers)[1]
    assert image["sha256"] == hashlib.sha256(data).hexdigest()
    assert image["file_size"] == len(data)
    assert original_sha256(server, image) == hashlib.sha256(data).hexdigest()
