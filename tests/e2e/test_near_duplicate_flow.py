"""A person uploads a photo, then a smaller re-saved copy of it: the page shows the stored one."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.factories import reencoded, scene

pytestmark = pytest.mark.e2e


def test_a_resaved_copy_is_refused_with_the_stored_photo_beside_the_message(
    server, page_without_js, tmp_path
):
    page = page_without_js  # the plain form's page (with JavaScript, the uploader's row says it)
    original = tmp_path / "harbour.jpg"
    original.write_bytes(scene(61))
    copy = tmp_path / "harbour-from-chat.webp"
    copy.write_bytes(reencoded(original.read_bytes(), fmt="WEBP", scale=0.5, quality=70))

    page.goto(server.url)
    page.get_by_label("Name").fill("Harbour")
    page.locator("input[name=file]").set_input_files(str(original))
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".card")).to_have_count(1)

    page.locator("input[name=file]").set_input_files(str(copy))
    page.get_by_role("button", name="Upload").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Already uploaded, in another version")
    expect(alert).to_contain_text("looks like “Harbour”")
    existing = alert.locator(".existing img")
    expect(existing).to_be_visible()
    assert existing.evaluate("img => img.complete && img.naturalWidth") == 400
    expect(page.locator(".card")).to_have_count(1)
    screenshot(page, "near-duplicate-refused")
