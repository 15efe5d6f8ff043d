"""Values at the edges of their types are refused with a 400 problem, never a 500 (issue 16, 3)."""

import base64

import pytest

pytestmark = pytest.mark.django_db


def cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def assert_problem(response, code="invalid-request"):
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == code


@pytest.mark.parametrize("field", ["taken_to", "taken_from"])
def test_the_last_representable_day_is_refused(client, field):
    assert_problem(client.get("/api/images", {field: "9999-12-31"}))


@pytest.mark.parametrize(
    "raw",
    [
        "uploaded|desc|0001-01-01T00:00:00+14:00|1",  # before year 1 in UTC
        "taken|desc|0001-01-01T00:00:00+05:00|1",
        "uploaded|desc|9999-12-31T23:59:59-05:00|1",  # after year 9999 in UTC
        f"uploaded|desc|2026-01-01T00:00:00+00:00|{2**64}",  # an id beyond 64 bits
        "uploaded|desc|2026-01-01T00:00:00+00:00|0",
        "uploaded|desc|2026-01-01T00:00:00+00:00|-5",
    ],
)
def test_cursors_that_overflow_are_refused(client, raw):
    sort = raw.split("|")[0]
    assert_problem(client.get("/api/images", {"sort": sort, "cursor": cursor(raw)}))


def test_the_gallery_page_says_so_and_shows_the_first_page(client):
    response = client.get("/", {"taken_to": "9999-12-31"})
    assert response.status_code == 400
    assert b'data-code="invalid-request"' in response.content
    response = client.get("/", {"cursor": cursor("uploaded|desc|0001-01-01T00:00:00+14:00|1")})
    assert response.status_code == 400
