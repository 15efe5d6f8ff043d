"""A person uploads through the form, sees the card, opens the original, deletes it."""

import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.factories import photo, recently, scene

pytestmark = pytest.mark.e2e


def write_photo(tmp_path, name: str, **kwargs):
    path = tmp_path / name
    path.write_bytes(photo(**kwargs))
    return path


def test_upload_view_open_original_and_delete(server, page, tmp_path):
    taken = (datetime.now() - timedelta(days=2)).replace(second=0, microsecond=0)
    file = write_photo(
        tmp_path,
        "harbour.jpg",
        size=(2400, 1600),
        taken=taken,
        offset="+02:00",
        make="NIKON CORPORATION",
        model="NIKON D70",
    )

    page.goto(server.url)
    expect(page.get_by_text("No photos yet")).to_be_visible()
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Choose photos").click()
    chooser.value.set_files(str(file))
    page.get_by_label("Name for harbour.jpg").fill("Harbour <at> dusk")
    page.get_by_role("button", name="Upload 1 photo").click()
    expect(page.locator(".queue-row")).to_have_attribute("data-state", "done")

    card = page.locator(".card").first
    expect(card.locator(".name")).to_have_text("Harbour <at> dusk")
    expect(card.locator(".camera")).to_have_text("Nikon D70")  # as people say it
    expect(card.locator(".taken-at")).to_have_text(
        taken.strftime("%-d %b %Y, %H:%M") + " (UTC+02:00)"
    )
    expect(card.locator(".file-size")).to_have_attribute("title", f"{file.stat().st_size} bytes")
    expect(card.locator(".file-size")).to_have_text(re.compile(r"^\d+(\.\d)?\s(KB|MB|bytes)$"))
    expect(card.locator(".uploaded-at")).to_contain_text(datetime.utcnow().strftime("%-d %b %Y"))
    thumbnail = card.locator(".thumb img")
    expect(thumbnail).to_have_attribute("alt", "Harbour <at> dusk")
    # srcset: the 400 px thumbnail suffices for a card, so the preview is not fetched; the
    # browser takes the WebP of the <picture>'s <source> over the JPEG fallback.
    assert thumbnail.evaluate("img => img.complete && new URL(img.currentSrc).pathname").endswith(
        "/thumbnail.webp"
    )
    screenshot(page, "gallery-one-photo")

    card.locator(".thumb").click()  # opens the lightbox, which links to the original
    with page.expect_response(re.compile(r"/images/\d+/original$")) as original:
        page.get_by_role("dialog").get_by_role("link", name="Original file").click()
    assert original.value.status == 200
    assert original.value.headers["content-type"] == "image/jpeg"
    assert original.value.body() == file.read_bytes()

    # Back to the gallery by its address: what "back" restores depends on the browser's
    # back/forward cache (the card was added without a reload), which is not under test here.
    page.goto(server.url)
    page.locator(".card").first.get_by_role("button", name="Delete").click()
    confirm = page.get_by_role("dialog", name="Delete “Harbour <at> dusk”?")
    confirm.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("“Harbour <at> dusk” moved to trash")).to_be_visible()
    expect(page.locator(".card")).to_have_count(0)
    page.reload()
    expect(page.get_by_text("No photos yet")).to_be_visible()


def test_without_javascript_refusals_are_shown_in_the_page(server, page_without_js, tmp_path):
    page = page_without_js
    old = write_photo(tmp_path, "old.jpg", taken=datetime(2015, 6, 1, 12, 0, 0))
    page.goto(server.url)
    page.locator("input[name=file]").set_input_files(str(old))
    page.get_by_role("button", name="Upload").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Taken too long ago")
    expect(alert).to_contain_text("2015-06-01")
    expect(page.locator(".card")).to_have_count(0)


def test_without_javascript_upload_and_delete_still_work(server, page_without_js, tmp_path):
    page = page_without_js
    file = write_photo(tmp_path, "plain.jpg")
    page.goto(server.url)
    page.locator("input[name=file]").set_input_files(str(file))
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".card")).to_have_count(1)
    expect(page.locator(".card .name")).to_have_text("plain")

    page.locator(".card").get_by_role("button", name="Delete").click()
    expect(page.get_by_role("heading", name="Delete “plain”?")).to_be_visible()
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("“plain” was moved to the trash.")).to_be_visible()
    expect(page.locator(".card")).to_have_count(0)


def test_without_javascript_sorting_and_filtering_still_work(server, page_without_js, tmp_path):
    page = page_without_js
    for name, model, days in (("older", "NIKON D70", 5), ("newer", "Canon EOS 40D", 1)):
        page.goto(server.url)
        page.get_by_label("Name").fill(name)
        path = tmp_path / f"{name}.jpg"  # distinct scenes: gradients would be near-duplicates
        path.write_bytes(scene(days, model=model, taken=recently(days)))
        page.locator("input[name=file]").set_input_files(str(path))
        page.get_by_role("button", name="Upload").click()
    expect(page.locator(".card .name")).to_have_text(["newer", "older"])
    page.get_by_label("Sort by").select_option("taken")
    page.get_by_label("Order").select_option("asc")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".card .name")).to_have_text(["older", "newer"])
    assert "sort=taken&order=asc" in page.url
    page.get_by_label("Camera").select_option(label="Canon EOS 40D")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".card .name")).to_have_text(["newer"])
