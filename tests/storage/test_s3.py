"""S3Storage against moto's S3 server over real HTTP: the protocol, prefixes, presigned URLs,
and what an unreachable server looks like."""

import os
import subprocess
import sys
import time
import urllib.request

import pytest

from photoshelf.storage import StorageUnavailable, get_storage
from photoshelf.storage.s3 import S3Storage
from tests.servers import S3Server


@pytest.fixture
def storage(s3_server) -> S3Storage:
    return S3Storage(s3_server.create_bucket(), "shelf", endpoint_url=s3_server.endpoint_url)


def test_put_open_size_delete_and_keys(storage, tmp_path):
    source = tmp_path / "source"
    source.write_bytes(b"original bytes")
    storage.put_file("originals/a.jpg", source)
    storage.put_bytes("renditions/a/thumbnail.jpg", b"thumb")
    with storage.open("originals/a.jpg") as fh:
        assert fh.read() == b"original bytes"
    assert storage.size("renditions/a/thumbnail.jpg") == 5
    assert storage.exists("originals/a.jpg") and not storage.exists("originals/b.jpg")
    assert sorted(storage.keys()) == ["originals/a.jpg", "renditions/a/thumbnail.jpg"]
    storage.delete("originals/a.jpg")
    storage.delete("originals/a.jpg")  # already gone: no error
    assert list(storage.keys()) == ["renditions/a/thumbnail.jpg"]


def test_keys_live_under_the_prefix_and_other_objects_are_not_listed(storage, s3_server):
    storage.put_bytes("x/y.jpg", b"1")
    s3_server.client().put_object(Bucket=storage.bucket, Key="elsewhere/z.jpg", Body=b"2")
    assert s3_server.client().head_object(Bucket=storage.bucket, Key="shelf/x/y.jpg")
    assert list(storage.keys()) == ["x/y.jpg"]


def test_a_missing_key_is_file_not_found(storage):
    with pytest.raises(FileNotFoundError):
        storage.open("nothing/here.jpg")
    with pytest.raises(FileNotFoundError):
        storage.size("nothing/here.jpg")


def test_keys_that_climb_out_are_refused(storage):
    with pytest.raises(ValueError):
        storage.put_bytes("../other/x", b"1")


def test_get_storage_reads_the_storage_url(settings, s3_server):
    bucket = s3_server.create_bucket()
    settings.PHOTOSHELF_STORAGE_URL = f"s3://{bucket}/some/prefix"
    settings.PHOTOSHELF_S3_ENDPOINT_URL = s3_server.endpoint_url
    get_storage.cache_clear()
    storage = get_storage()
    assert isinstance(storage, S3Storage)
    assert (storage.bucket, storage.prefix) == (bucket, "some/prefix/")


def test_a_presigned_url_serves_the_bytes_with_the_given_headers(s3_server):
    storage = S3Storage(
        s3_server.create_bucket(), endpoint_url=s3_server.endpoint_url, presign=True
    )
    storage.put_bytes("a/b.png", b"\x89PNG fake")
    url = storage.download_url(
        "a/b.png", content_type="image/png", disposition='inline; filename="b.png"'
    )
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=300" in url
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == b"\x89PNG fake"
        assert response.headers["Content-Type"] == "image/png"
        assert response.headers["Content-Disposition"] == 'inline; filename="b.png"'


def test_without_presign_there_is_no_url_and_the_server_streams(storage):
    assert storage.download_url("a", content_type="image/png", disposition="inline") is None


def test_an_unreachable_server_is_storage_unavailable(tmp_path):
    stopped = S3Server()
    storage = S3Storage(stopped.create_bucket(), endpoint_url=stopped.endpoint_url)
    stopped.close()
    (tmp_path / "f").write_bytes(b"1")
    for attempt in (
        lambda: storage.put_bytes("k", b"1"),
        lambda: storage.open("k"),
        lambda: storage.put_file("k", tmp_path / "f"),
        lambda: list(storage.keys()),
        lambda: storage.delete("k"),
        lambda: storage.exists("k"),
    ):
        with pytest.raises(StorageUnavailable):
            attempt()


@pytest.mark.parametrize(
    "url, presign, ids",
    [
        ("", False, []),
        ("s3://photos/media", False, []),
        ("s3://photos", True, []),
        ("/srv/photoshelf/media", False, []),
        ("gs://photos/media", False, ["photoshelf.E001"]),
        ("s3://", False, ["photoshelf.E002"]),
        ("s3://Bad_Bucket/x", False, ["photoshelf.E002"]),
        ("", True, ["photoshelf.W001"]),
    ],
)
def test_start_up_checks_catch_a_mistyped_storage_url(settings, url, presign, ids):
    from photoshelf.storage.checks import check_storage_settings

    settings.PHOTOSHELF_STORAGE_URL = url
    settings.PHOTOSHELF_S3_PRESIGN = presign
    assert [problem.id for problem in check_storage_settings()] == ids


def test_a_server_with_a_mistyped_storage_url_refuses_to_start(tmp_path):
    from tests.conftest import run_photoshelf

    done = run_photoshelf(tmp_path, "migrate", env={"PHOTOSHELF_STORAGE_URL": "s3:/photos"})
    assert done.returncode != 0 and "photoshelf.E001" in done.stderr


def test_a_put_killed_midway_leaves_parts_that_abandoned_lists_and_remove_aborts(
    storage, s3_server, tmp_path
):
    """boto3 puts a large file as a multipart upload: a process killed -9 midway leaves its
    parts stored, though no key shows them. Once untouched for the given age they are listed,
    and remove_abandoned aborts the upload."""
    source = tmp_path / "large"
    source.write_bytes(os.urandom(64 * 1024 * 1024))
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from photoshelf.storage.s3 import S3Storage; "
            "S3Storage(sys.argv[1], 'shelf', endpoint_url=sys.argv[2])"
            ".put_file('originals/large.jpg', __import__('pathlib').Path(sys.argv[3]))",
            storage.bucket,
            s3_server.endpoint_url,
            str(source),
        ],
        env={**os.environ},
    )
    client = s3_server.client()

    def parts_stored() -> bool:
        for upload in client.list_multipart_uploads(Bucket=storage.bucket).get("Uploads", []):
            listed = client.list_parts(
                Bucket=storage.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
            )
            if listed.get("Parts"):
                return True
        return False

    try:
        while not parts_stored():
            assert writer.poll() is None, "the put finished before it could be killed"
            time.sleep(0.01)
    finally:
        writer.kill()
        writer.wait()
    assert list(storage.keys()) == []
    assert storage.abandoned(3600) == []  # touched a moment ago: a writer may be alive
    (found,) = storage.abandoned(0)
    assert found.startswith("originals/large.jpg (unfinished multipart upload, ")
    assert storage.remove_abandoned(0) == 1
    assert client.list_multipart_uploads(Bucket=storage.bucket).get("Uploads", []) == []
    assert storage.abandoned(0) == []
