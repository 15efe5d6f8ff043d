"""GET /api/images with sort, filters and sha256: the query parameters of the list endpoint."""

import hashlib
from datetime import datetime

import pytest
from django.test import Client

from tests.factories import scene, upload

pytestmark = pytest.mark.django_db


def add(client, color=(0, 0, 0), **kwargs) -> dict:
    """A distinct photo-like image per colour (gradients alone would be near-duplicates)."""
    seed = color[0] * 65536 + color[1] * 256 + color[2]
    response = client.post("/api/images", {"file": upload(scene(seed, **kwargs))})
    assert response.status_code == 201, response.content
    return response.json()


def ids(client, **params) -> list[int]:
    return [item["id"] for item in client.get("/api/images", params).json()["items"]]


def test_it_finds_an_image_by_the_sha256_of_its_bytes(client):
    data = scene(7)
    image = client.post("/api/images", {"file": upload(data)}).json()
    answer = client.get("/api/images", {"sha256": hashlib.sha256(data).hexdigest().upper()}).json()
    assert [item["id"] for item in answer["items"]] == [image["id"]]
    assert answer["next_cursor"] is None
    assert client.get("/api/images", {"sha256": "0" * 64}).json()["items"] == []


def test_a_malformed_sha256_is_a_400_problem(client):
    response = client.get("/api/images", {"sha256": "abc"})
    assert response.status_code == 400 and response.json()["code"] == "invalid-request"


def test_it_sorts_by_date_taken_both_ways(client):
    middle = add(client, color=(1, 0, 0), taken=datetime(2026, 5, 2, 10, 0))
    newest = add(client, color=(2, 0, 0), taken=datetime(2026, 5, 3, 10, 0))
    oldest = add(client, color=(3, 0, 0), taken=datetime(2026, 5, 1, 10, 0))
    expected = [newest["id"], middle["id"], oldest["id"]]
    assert ids(client, sort="taken") == expected
    assert ids(client, sort="taken", order="asc") == expected[::-1]
    assert ids(client, order="asc") == [middle["id"], newest["id"], oldest["id"]]


def test_it_filters_by_camera_and_by_date_taken(client):
    canon = add(
        client,
        color=(1, 0, 0),
        make="Canon",
        model="Canon EOS 40D",
        taken=datetime(2026, 5, 2, 10, 0),
    )
    add(
        client,
        color=(2, 0, 0),
        make="NIKON CORPORATION",
        model="NIKON D70",
        taken=datetime(2026, 5, 2, 11, 0),
    )
    add(
        client,
        color=(3, 0, 0),
        make="Canon",
        model="Canon EOS 40D",
        taken=datetime(2026, 6, 1, 10, 0),
    )
    assert ids(
        client, make="Canon", model="Canon EOS 40D", taken_from="2026-05-01", taken_to="2026-05-31"
    ) == [canon["id"]]
    assert len(ids(client, make="Canon")) == 2


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "name"},
        {"order": "up"},
        {"taken_from": "May"},
        {"taken_from": "2026-05-02", "taken_to": "2026-05-01"},
    ],
)
def test_bad_sort_or_filter_parameters_are_400_problems(client, params):
    response = client.get("/api/images", params)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid-request"


def test_a_cursor_from_another_order_is_refused(client):
    for i in range(3):
        add(client, color=(i, 9, 9))
    cursor = client.get("/api/images", {"limit": 1, "sort": "taken"}).json()["next_cursor"]
    response = client.get("/api/images", {"limit": 1, "cursor": cursor})
    assert response.status_code == 400


def test_the_cameras_of_the_stored_photos_are_listed_for_the_filter(client):
    add(client, color=(1, 0, 0), make="NIKON CORPORATION", model="NIKON D70")
    canon = add(client, color=(2, 0, 0), make="Canon", model="Canon EOS 40D")
    add(client, color=(3, 0, 0), make="Canon", model="Canon EOS 40D")
    add(client, color=(4, 0, 0), make=None, model=None)
    assert client.get("/api/cameras").json() == [
        {"make": "Canon", "model": "Canon EOS 40D", "camera": "Canon EOS 40D"},
        {"make": "NIKON CORPORATION", "model": "NIKON D70", "camera": "Nikon D70"},
    ]
    nikon = ids(client, make="NIKON CORPORATION", model="NIKON D70")
    assert client.delete(f"/api/images/{nikon[0]}").status_code == 204
    assert [c["make"] for c in client.get("/api/cameras").json()] == ["Canon"]
    assert canon["camera"] == "Canon EOS 40D"
    assert Client().get("/api/cameras").status_code == 401  # like the photos: signed-in readers
