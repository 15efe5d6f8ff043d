"""Dropping many files at once: a row each, a progress bar each, a result each, no reload."""

import re
from datetime import datetime

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.helpers import drop_files, noisy_jpeg, post_image
from tests.factories import photo, recently

pytestmark = pytest.mark.e2e

# Records every value each row's progress bar takes, and the most rows ever sending at once.
RECORD_PROGRESS = """
window.progressSeen = {};
window.mostAtOnce = 0;
new MutationObserver((records) => {
  const sending = document.querySelectorAll(
    '.queue-row[data-state=uploading], .queue-row[data-state=processing]').length;
  window.mostAtOnce = Math.max(window.mostAtOnce, sending);
  for (const record of records) {
    const row = record.target.closest && record.target.closest(".queue-row");
    if (!row || record.attributeName !== "value" || !record.target.matches("progress")) continue;
    (window.progressSeen[row.dataset.file] ||= []).push(Number(record.target.value));
  }
}).observe(document, { subtree: true, attributes: true, attributeFilter: ["value", "data-state"] });
"""


def row(page, filename):
    return page.locator(f'.queue-row[data-file="{filename}"]')


def test_dropping_five_mixed_files_gives_each_its_own_result(server, page):
    stored = photo(color=(10, 200, 30))
    existing = post_image(page.context.request, server, stored, "stored.jpg", "Already here")
    good = [
        noisy_jpeg(seed=1, taken=recently(2), model="Canon EOS 40D"),
        noisy_jpeg(seed=2, taken=recently(3), make="NIKON CORPORATION", model="NIKON D70"),
    ]
    files = [
        ("harbour.jpg", "image/jpeg", good[0]),
        ("copy of stored.jpg", "image/jpeg", stored),
        ("old.jpg", "image/jpeg", photo(color=(1, 1, 1), taken=datetime(2015, 6, 1, 12, 0))),
        ("notes.txt", "text/plain", b"not a photo at all\n" * 100),
        ("dunes.jpg", "image/jpeg", good[1]),
    ]
    page.add_init_script(RECORD_PROGRESS)
    posts = []
    page.on(
        "request",
        lambda r: r.method == "POST" and r.url.endswith("/api/uploads") and posts.append(r),
    )
    page.goto(server.url)
    expect(page.locator(".card")).to_have_count(1)
    # Slow the uploads down (about 1 MB/s) so each progress bar really moves.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 1_000_000},
    )

    drop_files(page, ".dropzone", files)
    expect(page.locator(".queue-row")).to_have_count(5)
    # The duplicate is known from its SHA-256 before anything is sent.
    duplicate = row(page, "copy of stored.jpg")
    expect(duplicate).to_have_attribute("data-state", "refused")
    expect(duplicate.locator(".row-result")).to_contain_text("Already uploaded")
    expect(duplicate.get_by_role("link", name="See the stored photo")).to_have_attribute(
        "href", f"/images/{existing['id']}"
    )
    expect(row(page, "harbour.jpg").get_by_label("Name for harbour.jpg")).to_have_value("harbour")
    row(page, "harbour.jpg").get_by_label("Name for harbour.jpg").fill("Harbour at dusk")
    page.get_by_role("button", name="Upload 4 photos").click()

    expect(page.locator(".queue-summary")).to_have_text(
        "2 of 5 uploaded · 3 refused", timeout=60_000
    )
    screenshot(page, "upload-five-files")
    for filename in ("harbour.jpg", "dunes.jpg"):
        expect(row(page, filename)).to_have_attribute("data-state", "done")
        expect(row(page, filename).locator(".row-thumb img")).to_have_attribute(
            "src", re.compile(r"^/images/\d+/thumbnail$")
        )
    harbour = row(page, "harbour.jpg").locator(".row-result")
    expect(harbour).to_have_text("Uploaded as Harbour at dusk")
    old = row(page, "old.jpg").locator(".row-result")
    expect(old).to_contain_text("Taken too long ago. The photo was taken on 2015-06-01")
    expect(old).to_contain_text("last 365 days")
    expect(row(page, "notes.txt").locator(".row-result")).to_contain_text("Not an image")

    # Four files were sent, never the duplicate; each sent one showed its bytes going out.
    assert len(posts) == 4
    assert page.evaluate("window.mostAtOnce") == 3  # four to send, three at a time
    seen = page.evaluate("window.progressSeen")
    for filename in ("harbour.jpg", "dunes.jpg"):
        values = seen[filename]
        assert values[-1] == 100 and any(0 < v < 100 for v in values), (filename, values)
        assert values == sorted(values[1:]) or values[0] == 0, values

    # The accepted photos joined the grid, newest first, without a reload.
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    expect(page.locator(".card .name")).to_have_text(
        [re.compile("Harbour at dusk|dunes"), re.compile("Harbour at dusk|dunes"), "Already here"]
    )


def test_a_network_error_is_retried_by_itself_from_where_it_stopped(server, page):
    attempts = []

    def fail_first(route):
        attempts.append(route.request)
        if len(attempts) == 1:
            route.abort("connectionreset")
        else:
            route.continue_()

    page.goto(server.url)
    page.route(
        re.compile(r"/api/uploads/[0-9a-f]+$"),
        lambda route: fail_first(route) if route.request.method == "PATCH" else route.continue_(),
    )
    drop_files(page, ".dropzone", [("pier.jpg", "image/jpeg", photo(color=(5, 50, 250)))])
    page.get_by_role("button", name="Upload 1 photo").click()
    sent = row(page, "pier.jpg")
    expect(sent).to_have_attribute("data-state", "done")
    expect(page.locator(".card .name")).to_have_text(["pier"])
    assert len(attempts) == 2  # the cut PATCH, then the same bytes again after a HEAD
