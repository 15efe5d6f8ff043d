"""How the pages look and read: axe-core finds nothing serious, and screenshots in four sizes."""

import gzip
import re
import urllib.request
from datetime import datetime

import pytest
from playwright.sync_api import expect

from tests.conftest import Server
from tests.e2e.conftest import screenshot
from tests.e2e.helpers import (
    drop_files,
    post_image,
    scenic_jpeg,
    serious_violations,
    signed_in_context,
)
from tests.factories import photo, recently

pytestmark = pytest.mark.e2e

PHOTOS = [
    ("Harbour at dusk", "Canon", "Canon EOS 40D"),
    ("Morning meadow", "Apple", "iPhone 15"),
    ("Night ridge", "NIKON CORPORATION", "NIKON D70"),
    ("Desert road", "Canon", "Canon EOS 40D"),
    ("Fog over the lake", "FUJIFILM", "X-T5"),
    ("Evening hills", "Apple", "iPhone 15"),
    ("Meadow, later", "NIKON CORPORATION", "NIKON D70"),
    ("Blue hour", "FUJIFILM", "X-T5"),
]
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def shelf(tmp_path_factory, browser):
    data_dir = tmp_path_factory.mktemp("looks") / "data"
    data_dir.mkdir()
    server = Server(data_dir, workers=2)
    context = browser.new_context()
    try:
        for i, (name, make, model) in enumerate(PHOTOS):
            data = scenic_jpeg(i, taken=recently(3 * i + 1), make=make, model=model)
            post_image(context.request, server, data, f"IMG_{4200 + i}.jpg", name)
            server.last_photo = data  # for the duplicate check
        yield server
    finally:
        context.close()
        server.stop()


@pytest.fixture(params=["light", "dark"])
def scheme(request):
    return request.param


def open_page(browser, shelf, scheme, size="desktop", javascript=True):
    context = signed_in_context(
        browser, shelf, viewport=SIZES[size], color_scheme=scheme, java_script_enabled=javascript
    )
    return context, context.pages[0]


def assert_no_serious_violations(page):
    violations = serious_violations(page)
    assert violations == [], violations


def test_the_gallery_and_its_lightbox_have_no_serious_accessibility_violations(
    shelf, browser, scheme
):
    context, page = open_page(browser, shelf, scheme)
    try:
        page.goto(shelf.url)
        expect(page.locator(".card")).to_have_count(len(PHOTOS))
        assert_no_serious_violations(page)
        page.locator(".card .thumb").first.click()
        expect(page.locator(".lightbox .facts")).to_be_visible()
        assert_no_serious_violations(page)
    finally:
        context.close()


def test_the_upload_area_with_results_has_no_serious_accessibility_violations(
    shelf, browser, scheme
):
    context, page = open_page(browser, shelf, scheme)
    try:
        page.goto(shelf.url)
        drop_files(
            page,
            ".dropzone",
            [
                ("again.jpg", "image/jpeg", shelf.last_photo),
                ("old.jpg", "image/jpeg", photo(taken=datetime(2015, 6, 1, 12, 0))),
                ("readme.txt", "text/plain", b"hello"),
            ],
        )
        expect(page.locator(".queue-row")).to_have_count(3)
        expect(page.get_by_role("button", name="Upload 2 photos")).to_be_visible()
        assert_no_serious_violations(page)  # rows waiting, names editable
        page.get_by_role("button", name="Upload 2 photos").click()
        expect(page.locator(".queue-summary")).to_have_text("0 of 3 uploaded · 3 refused")
        assert_no_serious_violations(page)  # every refusal shown
        if scheme == "light":
            screenshot(page, "upload-refusals")
    finally:
        context.close()


def test_the_image_page_and_the_plain_pages_have_no_serious_accessibility_violations(
    shelf, browser, scheme
):
    context, page = open_page(browser, shelf, scheme)
    try:
        page.goto(shelf.url)
        page.locator(".card .name a").first.click()
        expect(page.locator(".image-page")).to_be_visible()
        assert_no_serious_violations(page)
    finally:
        context.close()
    context, page = open_page(browser, shelf, scheme)
    # The plain pages, as without JavaScript: photoshelf's scripts are not loaded. (axe itself
    # needs script execution, so the context keeps JavaScript on.)
    page.route(re.compile(r"/static/.*\.js$"), lambda route: route.abort())
    try:
        page.goto(shelf.url)
        expect(page.locator(".upload-form")).to_be_visible()
        page.locator("input[name=file]").set_input_files(
            files=[
                {
                    "name": "old.jpg",
                    "mimeType": "image/jpeg",
                    "buffer": photo(taken=datetime(2015, 6, 1, 12, 0)),
                }
            ]
        )
        page.get_by_role("button", name="Upload").click()
        expect(page.get_by_role("alert")).to_contain_text("Taken too long ago")
        assert_no_serious_violations(page)
        page.locator(".card").first.get_by_role("button", name="Delete").click()
        expect(page.get_by_role("heading", name="Delete")).to_be_visible()
        assert_no_serious_violations(page)
    finally:
        context.close()


def test_the_trash_and_activity_pages_have_no_serious_accessibility_violations(
    shelf, browser, scheme
):
    context, page = open_page(browser, shelf, scheme)
    try:
        for path, heading in (("/trash", "Trash"), ("/activity", "Activity")):
            page.goto(shelf.url + path)
            expect(page.get_by_role("heading", name=heading)).to_be_visible()
            assert_no_serious_violations(page)
    finally:
        context.close()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_screenshots_of_the_gallery(shelf, browser, scheme, size):
    context, page = open_page(browser, shelf, scheme, size)
    try:
        page.goto(shelf.url)
        expect(page.locator(".card")).to_have_count(len(PHOTOS))
        page.wait_for_function("""() => [...document.images]
            .filter(img => img.checkVisibility() && img.getBoundingClientRect().top < innerHeight)
            .every(img => img.complete && img.naturalWidth > 0)""")
        path = screenshot(page, f"gallery-{scheme}-{size}", full_page=False)
        assert path.stat().st_size > 10_000
        if size == "desktop":
            page.locator(".card .thumb").nth(2).click()
            expect(page.locator(".lightbox .facts")).to_be_visible()
            page.wait_for_function("() => document.querySelector('.lightbox-image').complete")
            screenshot(page, f"lightbox-{scheme}-{size}", full_page=False)
    finally:
        context.close()


def test_static_files_are_fingerprinted_compressed_and_cached_for_good(shelf, browser):
    context = signed_in_context(browser, shelf)
    html = context.pages[0].content()
    context.close()
    imports = 0
    for path in re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html):
        assert re.search(r"\.[0-9a-f]{12}\.(css|js)$", path), path  # a hashed name
        request = urllib.request.Request(shelf.url + path, headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request) as response:
            assert response.headers["Content-Encoding"] == "gzip", path
            assert "immutable" in response.headers["Cache-Control"], path
            body = gzip.decompress(response.read()).decode()
        # Modules import each other by their hashed names too (unhashed files are not kept).
        for imported in re.findall(r'from "\./([^"]+)"', body):
            assert re.search(r"\.[0-9a-f]{12}\.js$", imported), imported
            imports += 1
    assert imports >= 3


@pytest.mark.parametrize("path", ["/", "/images/1", "/tokens", "/users", "/trash", "/activity"])
def test_no_page_is_wider_than_a_phone(shelf, browser, path):
    """An administrator's header (API, Tokens, Users, a long name, Sign out) wraps on a phone
    instead of making every page scroll sideways."""
    context, page = open_page(browser, shelf, "light", "phone")
    try:
        page.goto(shelf.url + path)
        widths = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert widths[0] <= widths[1], widths
    finally:
        context.close()
