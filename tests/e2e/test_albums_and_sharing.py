"""A person makes an album, fills it from the gallery and shares it; people without an account
open the link in fresh browsers: a password, three cards and nothing else, an original; a guest
uploads through an upload link; a revoked link leads nowhere. And the header fits a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.helpers import noisy_jpeg, post_image, serious_violations

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


def make_link(page, *, password: str = "", upload: bool = False) -> str:
    if password:
        page.get_by_label("Password").fill(password)
    if upload:
        page.get_by_label("Let guests upload photos into this album").check()
    page.get_by_role("button", name="Make link").click()
    expect(page.locator(".qr svg")).to_be_visible()
    return page.locator(".link-url").input_value()


def test_an_album_is_shared_with_people_without_an_account(server, page, browser):
    ids = [
        post_image(page.request, server, noisy_jpeg((360, 270), seed=s), f"p{s}.jpg", f"Photo {s}")[
            "id"
        ]
        for s in (1, 2, 3)
    ]
    not_shared = noisy_jpeg((360, 270), seed=9)
    post_image(page.request, server, not_shared, "other.jpg", "Not shared")

    # Select three cards in the gallery and add them to a new album.
    page.goto(server.url)
    for image_id in ids:
        page.locator(f"#image-{image_id} .select input").check()
    page.get_by_label("New album's title").fill("Wedding")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator(".notice")).to_contain_text("3 photos added to “Wedding”")
    page.get_by_role("link", name="Albums").click()
    page.get_by_role("link", name="Wedding").click()
    expect(page.locator(".cards .card")).to_have_count(3)
    screenshot(page, "album-light-desktop")

    # A password link, opened in a fresh browser: the form, then the three cards only.
    page.get_by_role("link", name="Share").click()
    url = make_link(page, password="confetti")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == url
    screenshot(page, "share-dialog-light-desktop")
    guest = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        visitor = guest.new_page()
        visitor.goto(url)
        expect(visitor.get_by_role("heading", name="This link has a password")).to_be_visible()
        visitor.get_by_role("textbox", name="Password").fill("wrong one")
        visitor.get_by_role("button", name="Open").click()
        expect(visitor.locator(".refusal")).to_have_attribute("data-code", "share-password-wrong")
        visitor.get_by_role("textbox", name="Password").fill("confetti")
        visitor.get_by_role("button", name="Open").click()
        expect(visitor.locator(".cards .card")).to_have_count(3)
        expect(visitor.get_by_role("heading", name="Wedding")).to_be_visible()
        assert visitor.locator(".site-header nav, .site-header a").count() == 0
        assert visitor.get_by_text("Not shared").count() == 0
        hrefs = visitor.eval_on_selector_all(
            "a[href], img[src]", "els => els.map(e => e.href || e.src)"
        )
        token_path = url.removeprefix(server.url)
        assert all(h.removeprefix(server.url).startswith(token_path) for h in hrefs), hrefs
        assert serious_violations(visitor) == []
        screenshot(visitor, "shared-album-light-desktop")
        # One original, with the cookie the password left (scoped to this link's URLs).
        original = visitor.locator(".card .thumb").first.get_attribute("href")
        answer = guest.request.get(server.url + original)
        assert answer.status == 200 and answer.headers["content-type"] == "image/jpeg"
        assert len(answer.body()) > 10_000
        # The lightbox works here too, and offers no Delete.
        visitor.locator(".card .thumb").first.click()
        expect(visitor.locator("dialog.lightbox")).to_be_visible()
        assert visitor.locator(".lightbox-delete").count() == 0
    finally:
        guest.close()

    # An upload link with a password: a guest drops photos into the page's uploader, which
    # sends them through the link by tus; a new one joins the album, a duplicate of a photo
    # outside it is refused without a word about that photo.
    page.goto(f"{server.url}{page.url.removeprefix(server.url)}")
    upload_url = make_link(page, password="rice", upload=True)
    token_path = upload_url.removeprefix(server.url)
    guest = browser.new_context()
    try:
        visitor = guest.new_page()
        visitor.goto(upload_url)
        visitor.get_by_role("textbox", name="Password").fill("rice")
        visitor.get_by_role("button", name="Open").click()
        expect(visitor.locator(".uploader")).to_be_visible()
        expect(visitor.locator(".guest-upload")).to_be_hidden()
        sent = []
        visitor.on("request", lambda r: sent.append((r.method, r.url.removeprefix(server.url))))
        visitor.locator(".choose-input").set_input_files(
            files=[
                {"name": n, "mimeType": "image/jpeg", "buffer": data}
                for n, data in (
                    ("guest.jpg", noisy_jpeg((360, 270), seed=42)),
                    ("outside.jpg", not_shared),
                )
            ]
        )
        visitor.get_by_label("Name for guest.jpg").fill("From a guest")
        visitor.get_by_role("button", name="Upload 2 photos").click()
        done = visitor.locator('.queue-row[data-file="guest.jpg"]')
        expect(done).to_have_attribute("data-state", "done")
        expect(done.get_by_role("link", name="From a guest")).to_have_attribute(
            "href", re.compile(r"^#image-\d+$")
        )
        refused = visitor.locator('.queue-row[data-file="outside.jpg"]')
        expect(refused).to_have_attribute("data-state", "refused")
        assert refused.get_attribute("data-code") == "duplicate"
        assert "Not shared" not in refused.inner_text()
        assert refused.locator("a").count() == 0
        # The new photo's card joined the grid, with the link's own URLs.
        expect(visitor.locator(".cards .card")).to_have_count(4)
        card = visitor.locator(".cards .card").first
        expect(card).to_contain_text("From a guest")
        assert card.locator(".thumb").get_attribute("href").startswith(token_path)
        patched = [url for method, url in sent if method == "PATCH"]
        created = [url for method, url in sent if method == "POST"]
        assert created == [f"/api/shared/{token_path.removeprefix('/s/')}/uploads"] * 2, sent
        assert patched and all(url.startswith(created[0] + "/") for url in patched), sent
        assert not [url for _, url in sent if url.startswith("/api/images")], sent
        assert serious_violations(visitor) == []
        screenshot(visitor, "shared-upload-light-desktop")
    finally:
        guest.close()
    album_page = page.url.replace("/links", "")
    page.goto(album_page)
    expect(page.locator(".cards .card")).to_have_count(4)

    # Revoke the password link: a fresh browser gets the not-found page.
    page.goto(album_page + "/links")
    page.locator(".links tbody tr").last.get_by_role("button", name="Revoke").click()
    expect(page.locator(".notice")).to_contain_text("revoked")
    gone = browser.new_context()
    try:
        visitor = gone.new_page()
        response = visitor.goto(url)
        assert response is not None and response.status == 404
        expect(visitor.locator(".refusal")).to_have_attribute("data-code", "not-found")
        assert visitor.locator(".site-header a").count() == 0
    finally:
        gone.close()


def test_the_header_fits_a_phone_on_one_line(server, browser):
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        server.sign_in(page)  # the administrator: the longest header (with Users in its menu)
        page.goto(server.url)
        tops = page.eval_on_selector_all(
            ".site-header .brand, .site-header nav > *:not([hidden])",
            "els => els.filter(e => e.offsetParent !== null)"
            ".map(e => { const r = e.getBoundingClientRect(); return Math.round((r.top + r.bottom) / 2); })",
        )
        # One line: every item's middle at the same height (a wrapped one is a line lower).
        assert len(tops) >= 5 and max(tops) - min(tops) <= 6, tops
        widths = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert widths[0] <= widths[1], widths
        for name in ("Albums", "Trash"):
            expect(page.get_by_role("link", name=name)).to_be_visible()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        # The rest is one tap away, in a menu that stays inside the screen.
        page.locator(".nav-more summary").click()
        for name in ("Activity", "Tokens", "Users", "API"):
            expect(page.get_by_role("link", name=name)).to_be_visible()
        left, right = page.eval_on_selector(
            ".nav-menu", "e => { const r = e.getBoundingClientRect(); return [r.left, r.right]; }"
        )
        assert left >= 0 and right <= PHONE["width"], (left, right)
        screenshot(page, "header-light-phone", full_page=False)
    finally:
        context.close()
