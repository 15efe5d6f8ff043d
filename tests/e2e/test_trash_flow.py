"""Delete, then Undo in place; restore, delete forever and empty from /trash."""

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import drop_files, post_image
from tests.factories import scene

pytestmark = pytest.mark.e2e


def listed(page, server, path="/api/images") -> list[str]:
    answer = page.context.request.get(f"{server.url}{path}", headers=server.headers).json()
    return [item["name"] for item in answer["items"]]


def test_delete_then_undo_puts_the_card_back_in_its_place(server, page):
    for i, name in enumerate(["first", "second", "third"]):
        post_image(page.context.request, server, scene(60 + i), f"{name}.jpg", name)
    page.goto(server.url)
    expect(page.locator(".card .name")).to_have_text(["third", "second", "first"])

    page.locator(".card").nth(1).get_by_role("button", name="Delete").click()
    page.get_by_role("dialog", name="Delete “second”?").get_by_role("button", name="Delete").click()
    expect(page.locator(".card .name")).to_have_text(["third", "first"])
    notice = page.locator(".notice-undo")
    expect(notice).to_contain_text("“second” moved to trash — Undo")
    assert listed(page, server, "/api/trash") == ["second"]

    notice.get_by_role("button", name="Undo").click()
    expect(page.locator(".card .name")).to_have_text(["third", "second", "first"])
    expect(page.get_by_text("“second” is back.")).to_be_visible()
    expect(notice).to_have_count(0)
    assert listed(page, server) == ["third", "second", "first"]
    assert listed(page, server, "/api/trash") == []
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1

    # Undo lasts a few seconds, then the photo stays in the trash.
    page.locator(".card").first.get_by_role("button", name="Delete").click()
    page.get_by_role("dialog", name="Delete “third”?").get_by_role("button", name="Delete").click()
    expect(page.locator(".notice-undo")).to_have_count(1)
    expect(page.locator(".notice-undo")).to_have_count(0, timeout=15_000)
    assert listed(page, server, "/api/trash") == ["third"]


def test_restore_delete_forever_and_empty_from_the_trash_page(server, page):
    for i, name in enumerate(["keep", "drop", "old", "older"]):
        image = post_image(page.context.request, server, scene(80 + i), f"{name}.jpg", name)
        response = page.context.request.delete(
            f"{server.url}/api/images/{image['id']}", headers=server.headers
        )
        assert response.status == 204
    page.goto(server.url)
    expect(page.get_by_text("No photos yet")).to_be_visible()

    page.get_by_role("link", name="Trash").click()
    cards = page.locator(".trash-cards .card .name")
    expect(cards).to_have_text(["older", "old", "drop", "keep"])
    expect(page.locator(".trash-cards .card img").first).to_have_js_property("complete", True)
    assert page.locator(".trash-cards .card img").first.evaluate("img => img.naturalWidth") > 0

    page.get_by_role("button", name="Restore keep").click()
    expect(page.get_by_text("“keep” is back in the gallery.")).to_be_visible()
    expect(cards).to_have_text(["older", "old", "drop"])

    page.get_by_role("button", name="Delete drop forever").click()
    confirm = page.get_by_role("dialog", name="Delete “drop” forever?")
    expect(confirm).to_contain_text("This cannot be undone.")
    confirm.get_by_role("button", name="Keep it").click()
    expect(cards).to_have_text(["older", "old", "drop"])
    page.get_by_role("button", name="Delete drop forever").click()
    page.get_by_role("dialog", name="Delete “drop” forever?").get_by_role(
        "button", name="Delete forever"
    ).click()
    expect(page.get_by_text("“drop” was deleted forever.")).to_be_visible()
    expect(cards).to_have_text(["older", "old"])

    page.get_by_role("button", name="Empty trash").click()
    page.get_by_role("dialog", name="Empty the trash?").get_by_role(
        "button", name="Delete forever"
    ).click()
    expect(page.get_by_text("2 photo(s) deleted forever")).to_be_visible()
    expect(page.get_by_text("The trash is empty.")).to_be_visible()

    page.goto(server.url)
    expect(page.locator(".card .name")).to_have_text(["keep"])
    assert listed(page, server, "/api/trash") == []


def test_dropping_a_photo_that_is_in_the_trash_offers_to_restore_it(server, page):
    data = scene(99)
    image = post_image(page.context.request, server, data, "pier.jpg", "Pier")
    page.context.request.delete(f"{server.url}/api/images/{image['id']}", headers=server.headers)
    page.goto(server.url)
    expect(page.get_by_text("No photos yet")).to_be_visible()

    drop_files(page, ".dropzone", [("pier-again.jpg", "image/jpeg", data)])
    page.get_by_role("button", name="Upload 1 photo").click()
    refused = page.locator('.queue-row[data-file="pier-again.jpg"]')
    expect(refused).to_have_attribute("data-code", "duplicate-in-trash")
    expect(refused).to_contain_text("in the trash as “Pier”")
    refused.get_by_role("button", name="Restore it").click()
    expect(refused).to_contain_text("“Pier” is back in the gallery.")
    expect(page.locator(".card .name")).to_have_text(["Pier"])
    assert listed(page, server) == ["Pier"] and listed(page, server, "/api/trash") == []
