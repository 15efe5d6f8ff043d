"""Two identical uploads at the same moment, through a real `photoshelf serve` with 2 workers."""

import json
import threading
import urllib.error
import urllib.request
import uuid

from tests.conftest import stored_files
from tests.factories import photo


def post_image(url: str, data: bytes, filename: str = "same.jpg") -> tuple[int, dict]:
    boundary = uuid.uuid4().hex
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n"
        f"Content-Type: image/jpeg\r\n\r\n"
    ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(
        url + "/api/images", data=body, method="POST",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_concurrent_identical_uploads_store_exactly_one_image(server):
    data = photo(size=(3000, 2000))
    results: list[tuple[int, dict]] = []
    start = threading.Barrier(4)

    def upload():
        start.wait()
        results.append(post_image(server.url, data))

    threads = [threading.Thread(target=upload) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    statuses = sorted(status for status, _ in results)
    assert statuses == [201, 409, 409, 409], results
    winner = next(body for status, body in results if status == 201)
    assert all(body["code"] == "duplicate" and body["duplicate_of"] == winner["id"]
               for status, body in results if status == 409)
    with urllib.request.urlopen(server.url + "/api/images") as response:
        listed = json.loads(response.read())["items"]
    assert [item["id"] for item in listed] == [winner["id"]]
    assert len(stored_files(server.data_dir / "media")) == 3
