"""Two `photoshelf serve` processes on different ports sharing one PostgreSQL database and one
S3 bucket: no state lives in a process, so they behave as one service."""

import threading

from tests.conftest import FILES_PER_PHOTO, run_photoshelf, stored_files
from tests.factories import photo
from tests.wire import get_json, post_image

UPLOADS = 20


def upload_all(servers, files: list[bytes]) -> list[tuple[int, dict]]:
    """Every file at the same moment, spread over the servers in turn."""
    results: list[tuple[int, dict]] = []
    start = threading.Barrier(len(files))

    def send(i: int) -> None:
        start.wait()
        results.append(
            post_image(
                servers[i % len(servers)].url,
                files[i],
                f"p{i}.jpg",
                headers=servers[i % len(servers)].headers,
            )
        )

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(files))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def assert_check_is_clean(tmp_path, env):
    checked = run_photoshelf(tmp_path / "checker", "check", env=env)
    assert checked.returncode == 0 and checked.stdout.strip() == "consistent", checked


def test_identical_uploads_on_both_servers_store_exactly_one_image(two_servers, tmp_path):
    servers, storage, env = two_servers
    results = upload_all(servers, [photo(size=(1200, 900))] * UPLOADS)

    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * (UPLOADS - 1), results
    winner = next(body for status, body in results if status == 201)
    assert all(
        body["code"] == "duplicate" and body["duplicate_of"] == winner["id"]
        for status, body in results
        if status == 409
    )
    for server in servers:
        listed = get_json(server.url + "/api/images", server.headers)[1]["items"]
        assert [i["id"] for i in listed] == [winner["id"]]
    assert len(stored_files(storage)) == FILES_PER_PHOTO  # no orphan objects
    assert_check_is_clean(tmp_path, env)


def test_different_uploads_on_both_servers_are_all_stored_and_listed(two_servers, tmp_path):
    servers, storage, env = two_servers
    files = [photo(size=(800, 600), color=(i * 12, 255 - i * 12, 90)) for i in range(UPLOADS)]
    results = upload_all(servers, files)

    assert [status for status, _ in results] == [201] * UPLOADS, results
    created = {body["id"] for _, body in results}
    for server in servers:
        listed = get_json(server.url + f"/api/images?limit={UPLOADS + 5}", server.headers)[1][
            "items"
        ]
        assert {item["id"] for item in listed} == created
    assert len(stored_files(storage)) == FILES_PER_PHOTO * UPLOADS
    assert_check_is_clean(tmp_path, env)
