"""Uploads of one photo at the same moment, through a real `photoshelf serve` with 2 workers:
the same bytes, and different versions of it (near-duplicates)."""

import threading

from tests.conftest import FILES_PER_PHOTO, stored_files
from tests.factories import photo, reencoded, scene
from tests.wire import get_json, post_image


def upload_at_once(server, payloads: list[bytes], filename: str) -> list[tuple[int, dict]]:
    """POST every payload from its own thread, all released by one barrier."""
    results: list[tuple[int, dict]] = []
    start = threading.Barrier(len(payloads))

    def upload(data: bytes):
        start.wait()
        results.append(post_image(server.url, data, filename=filename, headers=server.headers))

    threads = [threading.Thread(target=upload, args=(data,)) for data in payloads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def assert_exactly_one_stored(server, results, refusal_code: str) -> None:
    statuses = sorted(status for status, _ in results)
    assert statuses == [201, 409, 409, 409], results
    winner = next(body for status, body in results if status == 201)
    assert all(
        body["code"] == refusal_code and body["duplicate_of"] == winner["id"]
        for status, body in results
        if status == 409
    )
    listed = get_json(server.url + "/api/images", server.headers)[1]["items"]
    assert [item["id"] for item in listed] == [winner["id"]]
    assert len(stored_files(server.storage)) == FILES_PER_PHOTO


def test_concurrent_identical_uploads_store_exactly_one_image(server):
    data = photo(size=(3000, 2000))
    results = upload_at_once(server, [data] * 4, filename="same.jpg")
    assert_exactly_one_stored(server, results, "duplicate")


def test_concurrent_near_duplicate_uploads_store_exactly_one_image(server):
    # Versions that cost the same to ingest, so their first looks overlap and the lock decides.
    large = reencoded(scene(21), scale=2.5, quality=95)
    versions = [reencoded(large, quality=quality) for quality in (94, 90, 85, 80)]
    results = upload_at_once(server, versions, filename="version.img")
    assert_exactly_one_stored(server, results, "near-duplicate")
