"""Browsing 120 photos: sort, filter, "load more", and the lightbox's keyboard navigation."""

from datetime import date, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from tests.conftest import Server
from tests.e2e.helpers import noisy_jpeg, post_image

pytestmark = pytest.mark.e2e

COUNT = 120  # 48 per page: two "load more" clicks
CAMERAS = [("Canon", "Canon EOS 40D"), ("NIKON CORPORATION", "NIKON D70"), ("Apple", "iPhone 15")]


@pytest.fixture(scope="module")
def gallery_server(tmp_path_factory, browser):
    """One server with 120 small photos: three cameras, dates taken shuffled against uploads."""
    data_dir = tmp_path_factory.mktemp("browsing") / "data"
    data_dir.mkdir()
    server = Server(data_dir, workers=2)
    now = datetime.now().replace(microsecond=0)
    context = browser.new_context()
    images = []
    try:
        for i in range(COUNT):
            make, model = CAMERAS[i % 3]
            taken = now - timedelta(days=(i * 37) % COUNT + 1)  # a permutation of 1..120 days
            # Random pixels: every photo looks different (never a near-duplicate of another).
            data = noisy_jpeg(size=(64, 48), seed=i, taken=taken, make=make, model=model)
            images.append(post_image(context.request, server, data, f"p{i}.jpg", f"photo {i:03}"))
        yield server, images
    finally:
        context.close()
        server.stop()


def names(images) -> list[str]:
    return [image["name"] for image in images]


def load_everything(page) -> list[str]:
    more = page.get_by_role("link", name="More photos")
    while more.count():
        shown = page.locator(".card").count()
        more.click()
        expect(page.locator(".card")).not_to_have_count(shown)
    return page.locator(".card .name").all_inner_texts()


def test_load_more_walks_all_uploads_newest_first(gallery_server, page):
    server, images = gallery_server
    page.goto(server.url)
    expect(page.locator(".card")).to_have_count(48)
    assert load_everything(page) == names(reversed(images))
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1


def test_sorting_by_date_taken_is_in_the_address_and_complete(gallery_server, page):
    server, images = gallery_server
    page.goto(server.url)
    page.get_by_label("Sort by").select_option(label="Date taken")
    page.wait_for_url("**/?sort=taken&order=desc")
    page.get_by_label("Order").select_option(label="Oldest first")
    page.wait_for_url("**/?sort=taken&order=asc")
    oldest_first = sorted(images, key=lambda image: image["taken_at"])
    assert load_everything(page) == names(oldest_first)

    page.goto(f"{server.url}/?sort=uploaded&order=asc")  # a bookmark
    expect(page.get_by_label("Order")).to_have_value("asc")
    assert load_everything(page) == names(images)


def test_filtering_by_camera_and_date_range(gallery_server, page):
    server, images = gallery_server
    today = date.today()
    start, end = today - timedelta(days=60), today - timedelta(days=20)
    page.goto(server.url)
    page.get_by_label("Camera").select_option(label="Nikon D70")
    page.wait_for_url("**/?sort=uploaded&order=desc&camera=NIKON*")
    page.get_by_label("Taken from").fill(start.isoformat())
    page.get_by_label("to", exact=True).fill(end.isoformat())
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**taken_to=*")
    query = parse_qs(urlparse(page.url).query)
    assert query == {
        "sort": ["uploaded"],
        "order": ["desc"],
        "camera": ["NIKON CORPORATION|NIKON D70"],
        "taken_from": [start.isoformat()],
        "taken_to": [end.isoformat()],
    }
    expected = [
        image
        for image in reversed(images)
        if image["camera_model"] == "NIKON D70"
        and start <= date.fromisoformat(image["taken_at"][:10]) <= end
    ]
    assert 5 < len(expected) < 40
    assert load_everything(page) == names(expected)

    page.reload()  # the address alone gives the same view, and the form says what it is
    expect(page.get_by_label("Camera")).to_have_value("NIKON CORPORATION|NIKON D70")
    expect(page.get_by_label("Taken from")).to_have_value(start.isoformat())
    assert page.locator(".card .name").all_inner_texts() == names(expected)
    page.get_by_role("link", name="Reset").click()
    expect(page.locator(".card")).to_have_count(48)


def test_the_lightbox_moves_with_the_arrow_keys_and_closes_with_escape(gallery_server, page):
    server, images = gallery_server
    newest = list(reversed(images))
    page.goto(server.url)
    page.locator(".card .thumb").nth(46).click()
    lightbox = page.get_by_role("dialog")
    title = lightbox.locator(".lightbox-title")
    expect(title).to_have_text(newest[46]["name"])
    expect(lightbox.locator(".lightbox-image")).to_have_attribute(
        "src", f"/images/{newest[46]['id']}/preview"
    )
    expect(lightbox.locator(".facts")).to_contain_text(newest[46]["sha256"])
    page.keyboard.press("ArrowRight")
    expect(title).to_have_text(newest[47]["name"])
    page.keyboard.press("ArrowRight")  # past the first page: the next one is loaded
    expect(title).to_have_text(newest[48]["name"])
    expect(page.locator(".card")).to_have_count(96)
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    expect(title).to_have_text(newest[46]["name"])
    expect(lightbox.get_by_role("link", name="Original file")).to_have_attribute(
        "href", f"/images/{newest[46]['id']}/original"
    )
    page.keyboard.press("Escape")
    expect(lightbox).to_be_hidden()
    focused = page.evaluate("document.activeElement.closest('.card').id")
    assert focused == f"image-{newest[46]['id']}"
