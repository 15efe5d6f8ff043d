"""A person opens a photo's page: the large preview and every metadata fact, readable."""

import pytest
from playwright.sync_api import expect

from tests.conftest import Server
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e


@pytest.fixture
def old_photos_server(tmp_path):
    running = Server(tmp_path / "data", workers=1, env={"PHOTOSHELF_MAX_AGE_DAYS": "0"})
    yield running
    running.stop()


def test_the_image_page_shows_the_preview_and_all_metadata(old_photos_server, page, corpus):
    errors, failed = [], []
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and "Failed to load resource" not in message.text
            else None
        ),
    )
    page.on(
        "response",
        lambda response: (
            failed.append(response.url)
            if response.status >= 400 and not response.url.endswith("/favicon.ico")
            else None
        ),
    )
    page.goto(old_photos_server.url)
    page.locator(".choose-input").set_input_files(str(corpus / "heic" / "IMG_5195.HEIC"))
    page.get_by_role("button", name="Upload 1 photo").click()
    expect(page.locator(".queue-row")).to_have_attribute("data-state", "done")
    page.locator(".card .name a").first.click()

    expect(page.locator(".exposure")).to_have_text(
        "Apple iPhone 11 Pro Max · iPhone 11 Pro Max back triple camera 4.25mm f/1.8 · "
        "1/391 s · f/1.8 · ISO 32 · 4.25 mm"
    )
    expect(page.locator(".taken-at")).to_contain_text("11 Apr 2021, 15:47 (UTC-05:00)")
    expect(page.locator(".position .coordinates")).to_have_text("39.051344° N, 94.288772° W")
    preview = page.locator("img.preview")
    longest = "img => img.complete && Math.max(img.naturalWidth, img.naturalHeight)"
    assert preview.evaluate(longest) == 1600
    screenshot(page, "image-page")
    assert errors == [] and failed == []  # no CSP violation, nothing failed to load
