"""A resumable upload whose PATCHes alternate between two `photoshelf serve` processes that
share only a PostgreSQL database and an S3 bucket: either server takes the next chunk, and
the stored original is the file, byte for byte."""

from __future__ import annotations

import hashlib

from photoshelf.gallery.resumable import KEY_PREFIX
from tests.conftest import stored_files
from tests.factories import large_photo
from tests.scaling.test_interrupted_uploads import create, offset, original_sha256, tus
from tests.scaling.test_shared_backends import assert_check_is_clean
from tests.wire import get_json

CHUNK = 3 * 1024 * 1024


def test_chunks_alternating_between_two_servers_make_the_exact_file(two_servers, tmp_path):
    servers, storage, env = two_servers
    a, b = servers
    b.token = a.token  # one account: the upload is its owner's on either server
    data = large_photo(5 * CHUNK, seed=21)
    sha256 = hashlib.sha256(data).hexdigest()
    location = create(a, len(data))
    status, headers, start, turn = 0, {}, 0, 0
    while start < len(data):
        server = servers[turn % 2]
        assert offset(server, location) == start  # each sees what the other stored
        status, headers = tus(
            server,
            "PATCH",
            location,
            data[start : start + CHUNK],
            headers={
                "Upload-Offset": str(start),
                "Content-Type": "application/offset+octet-stream",
            },
        )
        assert status == 204, (status, headers)
        start, turn = int(headers["Upload-Offset"]), turn + 1
    assert turn >= 5 and "Photoshelf-Image-Id" in headers
    for server in servers:
        body = get_json(f"{server.url}/api/images/{headers['Photoshelf-Image-Id']}", a.headers)[1]
        assert body["sha256"] == sha256 and original_sha256(server, body) == sha256
    assert not [key for key in stored_files(storage) if key.startswith(KEY_PREFIX)]
    state = get_json(b.url + location, a.headers)[1]
    assert state["state"] == "stored" and state["image"]["sha256"] == sha256
    assert_check_is_clean(tmp_path, env)
