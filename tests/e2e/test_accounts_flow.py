"""First run in a real browser: setup → sign in → upload → sign out → the gallery is closed."""

import pytest
from playwright.sync_api import expect

from tests.conftest import Server
from tests.e2e.conftest import screenshot
from tests.factories import photo

pytestmark = pytest.mark.e2e

PASSWORD = "harbour-at-dusk-42"


@pytest.fixture
def fresh_server(tmp_path):
    """A server as `make run` leaves it on a new machine: no user yet."""
    running = Server(tmp_path / "data", account=False)
    yield running
    running.stop()


def test_first_run_setup_sign_in_upload_sign_out(fresh_server, page, tmp_path):
    url = fresh_server.url
    page.goto(url)
    expect(page).to_have_url(url + "/setup")
    page.get_by_label("User name").fill("alice")
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    screenshot(page, "first-run-setup")
    page.get_by_role("button", name="Create administrator").click()
    expect(page.get_by_text("Welcome, alice: you are the administrator.")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(url + "/login")
    page.get_by_label("User name").fill("alice")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong user name or password.")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(url + "/")

    file = tmp_path / "harbour.jpg"
    file.write_bytes(photo())
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Choose photos").click()
    chooser.value.set_files(str(file))
    page.get_by_role("button", name="Upload 1 photo").click()
    expect(page.locator(".queue-row")).to_have_attribute("data-state", "done")
    expect(page.locator(".card .name")).to_have_text("harbour")
    original = page.locator(".card .thumb").get_attribute("href")
    screenshot(page, "signed-in-gallery")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(url + "/login")
    page.goto(url)
    expect(page).to_have_url(url + "/login?next=/")
    expect(page.locator(".card")).to_have_count(0)
    response = page.goto(url + original)
    assert page.url == url + "/login?next=" + original and response.status == 200
    assert response.headers["content-type"].startswith("text/html")
    screenshot(page, "signed-out")
