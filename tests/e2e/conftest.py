"""A real Chromium (Debian's, driven by Playwright) against a real `photoshelf serve`.

`page` and `page_without_js` are signed in when the test also uses a server with an account.
"""

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import REPO

# How long an expectation waits for the page to get there. Playwright's 5 s is not enough for
# a 12 MP HEIC upload to be decoded, rendered and stored by a server sharing two busy cores
# with the rest of the suite; what is expected stays the same, only the patience grows.
expect.set_options(timeout=20_000)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = REPO / "tests-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (make test installs Debian's chromium as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def _signed_in_if_served(request, page) -> None:
    """A test with a server (a fixture named `server` or `..._server`) that has an account gets
    its page signed in there, as the server's administrator, through the login form."""
    from tests.conftest import Server

    for name in request.fixturenames:
        if name.endswith("server"):
            running = request.getfixturevalue(name)
            if isinstance(running, tuple) and running:  # (server, what it holds)
                running = running[0]
            if isinstance(running, Server) and running.password:
                running.sign_in(page)
                return


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _signed_in_if_served(request, page)
    yield page
    context.close()


@pytest.fixture
def page_without_js(browser, request):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    _signed_in_if_served(request, page)
    yield page
    context.close()


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
