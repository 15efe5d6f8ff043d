"""Uploads of one photo at the same moment, through a real `photoshelf serve` with 2 workers:
the same bytes, and different versions of it (near-duplicates)."""

import threading

from tests.conftest import stored_files
from tests.factories import photo, reencoded, scene
from tests.http import get_json, post_image


def test_concurrent_identical_uploads_store_exactly_one_image(server):
    data = photo(size=(3000, 2000))
    results: list[tuple[int, dict]] = []
    start = threading.Barrier(4)

    def upload():
        start.wait()
        results.append(post_image(server.url, data, headers=server.headers))

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
    listed = get_json(server.url + "/api/images", server.headers)[1]["items"]
    assert [item["id"] for item in listed] == [winner["id"]]
    assert len(stored_files(server.storage)) == 3


def test_concurrent_near_duplicate_uploads_store_exactly_one_image(server):
    # Versions that cost the same to ingest, so their first looks overlap and the lock decides.
    large = reencoded(scene(21), scale=2.5, quality=95)
    versions = [reencoded(large, quality=quality) for quality in (94, 90, 85, 80)]
    results: list[tuple[int, dict]] = []
    start = threading.Barrier(len(versions))

    def upload(data: bytes):
        start.wait()
        results.append(post_image(server.url, data, filename="version.img", headers=server.headers))

    threads = [threading.Thread(target=upload, args=(data,)) for data in versions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    statuses = sorted(status for status, _ in results)
    assert statuses == [201, 409, 409, 409], results
    winner = next(body for status, body in results if status == 201)
    assert all(body["code"] == "near-duplicate" and body["duplicate_of"] == winner["id"]
               for status, body in results if status == 409)
    listed = get_json(server.url + "/api/images", server.headers)[1]["items"]
    assert [item["id"] for item in listed] == [winner["id"]]
    assert len(stored_files(server.storage)) == 3
