"""Deleting asks first, in a dialog, then removes the photo in place (a card, or the lightbox)."""

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import post_image
from tests.factories import photo

pytestmark = pytest.mark.e2e


def test_delete_from_the_lightbox_and_from_a_card_after_confirmation(server, page):
    for i, name in enumerate(["first", "second", "third"]):
        post_image(page.context.request, server, photo(color=(i * 60, 90, 9)), f"{name}.jpg", name)
    page.goto(server.url)
    expect(page.locator(".card .name")).to_have_text(["third", "second", "first"])

    page.locator("#" + page.locator(".card").nth(1).get_attribute("id") + " .thumb").click()
    lightbox = page.locator("dialog.lightbox")
    expect(lightbox.locator(".lightbox-title")).to_have_text("second")
    lightbox.get_by_role("button", name="Delete").click()
    confirm = page.get_by_role("dialog", name="Delete “second”?")
    expect(confirm).to_contain_text("It moves to the trash, where it can be restored for 30 days.")
    confirm.get_by_role("button", name="Keep it").click()  # changed my mind
    expect(confirm).to_be_hidden()
    expect(page.locator(".card")).to_have_count(3)

    lightbox.get_by_role("button", name="Delete").click()
    page.get_by_role("dialog", name="Delete “second”?").get_by_role("button", name="Delete").click()
    expect(page.locator(".card .name")).to_have_text(["third", "first"])
    expect(lightbox.locator(".lightbox-title")).to_have_text("first")  # it moved on
    page.keyboard.press("Escape")
    expect(page.get_by_text("“second” moved to trash")).to_be_visible()

    page.locator(".card").first.get_by_role("button", name="Delete").click()
    page.get_by_role("dialog", name="Delete “third”?").get_by_role("button", name="Delete").click()
    expect(page.locator(".card .name")).to_have_text(["first"])
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    listed = page.context.request.get(f"{server.url}/api/images", headers=server.headers).json()
    assert [item["name"] for item in listed["items"]] == ["first"]


def test_the_image_page_deletes_after_confirmation(server, page):
    image = post_image(page.context.request, server, photo(), "alone.jpg", "alone")
    page.goto(f"{server.url}/images/{image['id']}")
    page.get_by_role("button", name="Delete").click()
    page.get_by_role("dialog", name="Delete “alone”?").get_by_role("button", name="Delete").click()
    expect(page.get_by_text("“alone” was moved to the trash.")).to_be_visible()
    expect(page.get_by_text("No photos yet")).to_be_visible()
