"""The page's uploader sends files through tus (/api/uploads) with the vendored tus-js-client:
in 5 MB chunks, with a pause/resume button per file, and resumed after a page reload from the
offset the server holds. The stored original is the file, byte for byte."""

from __future__ import annotations

import hashlib

import pytest
from playwright.sync_api import expect

from tests.factories import large_photo
from tests.servers import NginxServer
from tests.wire import get_json

pytestmark = pytest.mark.e2e

CHUNK = 5 * 1024 * 1024


def row(page, filename):
    return page.locator(f'.queue-row[data-file="{filename}"]')


def throttle(page, bytes_per_second: int) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 0,
            "downloadThroughput": -1,
            "uploadThroughput": bytes_per_second,
        },
    )


def patches(page) -> list[dict]:
    """Every PATCH the page sends to /api/uploads, with its Upload-Offset, as they leave."""
    sent: list[dict] = []

    def record(request) -> None:
        if request.method == "PATCH" and "/api/uploads/" in request.url:
            sent.append({"url": request.url, "offset": int(request.headers["upload-offset"])})

    page.on("request", record)
    return sent


def stored_sha256(server, data: bytes) -> str | None:
    sha256 = hashlib.sha256(data).hexdigest()
    items = get_json(f"{server.url}/api/images?sha256={sha256}", server.headers)[1]["items"]
    return items[0]["sha256"] if items else None


def test_a_file_is_sent_in_chunks_and_can_be_paused_and_resumed(server, page, tmp_path):
    data = large_photo(12 * 1024 * 1024, seed=31)
    path = tmp_path / "pier.jpg"
    path.write_bytes(data)
    sent = patches(page)
    page.goto(server.url)
    throttle(page, 4_000_000)
    page.locator(".choose-input").set_input_files(str(path))
    page.get_by_role("button", name="Upload 1 photo").click()
    upload = row(page, "pier.jpg")
    expect(upload).to_have_attribute("data-state", "uploading")
    page.wait_for_function("() => document.querySelector('.row-progress').value > 5")
    upload.get_by_role("button", name="Pause pier.jpg").click()
    expect(upload).to_have_attribute("data-state", "paused")
    paused_at = upload.locator(".row-progress").evaluate("p => p.value")
    page.wait_for_timeout(1500)
    assert upload.locator(".row-progress").evaluate("p => p.value") == paused_at
    upload.get_by_role("button", name="Resume pier.jpg").click()
    expect(upload).to_have_attribute("data-state", "done", timeout=120_000)
    expect(upload.locator(".row-result")).to_have_text("Uploaded as pier")
    assert stored_sha256(server, data) == hashlib.sha256(data).hexdigest()
    # Chunks of 5 MB at most, each from where the last one stopped (a pause cuts one short).
    offsets = [patch["offset"] for patch in sent]
    assert offsets == sorted(offsets) and len(offsets) >= 3
    assert all(b - a <= CHUNK for a, b in zip(offsets, offsets[1:], strict=False))


def test_an_upload_resumes_after_the_page_is_reloaded(server, page, tmp_path):
    data = large_photo(12 * 1024 * 1024, seed=32)
    path = tmp_path / "dunes.jpg"
    path.write_bytes(data)
    sent = patches(page)
    page.goto(server.url)
    throttle(page, 4_000_000)
    page.locator(".choose-input").set_input_files(str(path))
    page.get_by_role("button", name="Upload 1 photo").click()
    # Once the first chunk is stored (the second PATCH starts from it), leave the page.
    page.wait_for_function(
        "() => document.querySelector('.row-progress').value > 50", timeout=60_000
    )
    assert any(patch["offset"] >= CHUNK for patch in sent)
    page.reload()
    before = len(sent)
    page.locator(".choose-input").set_input_files(str(path))  # the same file, chosen again
    page.get_by_role("button", name="Upload 1 photo").click()
    upload = row(page, "dunes.jpg")
    expect(upload).to_have_attribute("data-state", "done", timeout=120_000)
    after_reload = sent[before:]
    assert after_reload and after_reload[0]["offset"] >= CHUNK  # resumed, not started again
    assert after_reload[0]["url"] in {patch["url"] for patch in sent[:before]}
    assert stored_sha256(server, data) == hashlib.sha256(data).hexdigest()


@pytest.fixture
def nginx(server):
    """nginx in front of the test's server, capping request bodies at 10 MB."""
    proxy = NginxServer(server.port, client_max_body_size="10m")
    yield proxy
    proxy.close()


def test_the_page_uploads_40_mb_through_an_nginx_that_caps_bodies_at_10_mb(
    server, nginx, page, tmp_path
):
    data = large_photo(40 * 1024 * 1024, seed=33)
    path = tmp_path / "panorama.jpg"
    path.write_bytes(data)
    sent = patches(page)
    page.goto(nginx.url)  # signed in already: the session cookie is the host's, any port
    page.locator(".choose-input").set_input_files(str(path))
    page.get_by_role("button", name="Upload 1 photo").click()
    upload = row(page, "panorama.jpg")
    expect(upload).to_have_attribute("data-state", "done", timeout=180_000)
    assert len(sent) >= 8 and all(patch["url"].startswith(nginx.url) for patch in sent)
    assert stored_sha256(server, data) == hashlib.sha256(data).hexdigest()
