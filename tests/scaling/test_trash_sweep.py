"""The trash sweep inside `photoshelf serve`: two servers of two workers each, sharing one
PostgreSQL database and one S3 bucket, all sweeping at once, purge each expired photo once."""

import re
import time
import urllib.request

import pytest

from tests.conftest import FILES_PER_PHOTO, Server, run_photoshelf, stored_files
from tests.factories import scene
from tests.servers import AWS_ENV
from tests.wire import get_json, post_image

PHOTOS = 12
BACKDATE = (
    "from datetime import timedelta; from django.db.models import F; "
    "from photoshelf.gallery.models import Image; "
    "print(Image.everything.in_trash().update(trashed_at=F('trashed_at') - timedelta(days=2)))"
)


@pytest.fixture
def two_sweeping_servers(tmp_path, postgresql_server, s3_server):
    from photoshelf.storage.s3 import S3Storage

    bucket = s3_server.create_bucket()
    env = {
        **AWS_ENV,
        "PHOTOSHELF_DATABASE_URL": postgresql_server.create_database(),
        "PHOTOSHELF_STORAGE_URL": f"s3://{bucket}/photos",
        "PHOTOSHELF_S3_ENDPOINT_URL": s3_server.endpoint_url,
        "PHOTOSHELF_SECRET_KEY": "shared-by-every-process-of-the-service",
        "PHOTOSHELF_TRASH_DAYS": "1",
        "PHOTOSHELF_TRASH_SWEEP_MINUTES": "0.01",  # every 0.6 s, in each of the 4 workers
    }
    servers = []
    try:
        for name in ("a", "b"):
            servers.append(Server(tmp_path / name, workers=2, env=env))
        yield servers, S3Storage(bucket, "photos", endpoint_url=s3_server.endpoint_url), env
    finally:
        for server in servers:
            server.stop()


def delete(server, image_id: int) -> int:
    request = urllib.request.Request(
        f"{server.url}/api/images/{image_id}", method="DELETE", headers=server.headers
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status


def purged_in_logs(servers) -> int:
    return sum(
        int(count)
        for server in servers
        for count in re.findall(r"trash: purged (\d+) photo", server.read_log())
    )


def test_every_expired_photo_is_purged_once_by_one_of_many_sweeping_processes(
    two_sweeping_servers,
):
    servers, storage, env = two_sweeping_servers
    a, b = servers
    ids = []
    for i in range(PHOTOS):
        status, body = post_image(a.url, scene(300 + i), f"p{i}.jpg", headers=a.headers)
        assert status == 201, body
        ids.append(body["id"])
    for i, image_id in enumerate(ids):
        assert delete(servers[i % 2], image_id) == 204
    time.sleep(2)  # several sweeps pass: nothing is old enough yet
    assert len(get_json(f"{b.url}/api/trash?limit=200", b.headers)[1]["items"]) == PHOTOS
    assert len(stored_files(storage)) == FILES_PER_PHOTO * PHOTOS and purged_in_logs(servers) == 0

    done = run_photoshelf(a.data_dir, "manage", "shell", "-c", BACKDATE, env=env)
    assert done.returncode == 0 and done.stdout.split()[-1] == str(PHOTOS), done.stderr
    deadline = time.monotonic() + 60
    while get_json(f"{a.url}/api/trash?limit=200", a.headers)[1]["items"]:
        assert time.monotonic() < deadline, "the sweep did not purge the trash"
        time.sleep(0.5)
    assert stored_files(storage) == []
    time.sleep(2)  # any sweep still running has logged by now
    assert purged_in_logs(servers) == PHOTOS  # each photo counted by the one that purged it
    status, log = get_json(f"{b.url}/api/activity?action=purge&limit=200", b.headers)
    assert status == 200 and len(log["items"]) == PHOTOS  # one entry per photo, not per sweep
    assert sorted(e["image_id"] for e in log["items"]) == sorted(ids)
    assert {(e["via"], e["user"]) for e in log["items"]} == {("sweep", None)}
    assert get_json(f"{a.url}/api/images", a.headers)[1]["items"] == []
    status, again = post_image(b.url, scene(300), "p0.jpg", headers=b.headers)
    assert status == 201, again  # purged: the same photo uploads again
