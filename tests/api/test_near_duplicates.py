"""POST /api/images with a photo already stored in another version: 409 `near-duplicate`."""

import pytest

from photoshelf.gallery import near_duplicates
from photoshelf.gallery.models import Image
from tests.conftest import FILES_PER_PHOTO, stored_files
from tests.factories import reencoded, scene, upload

pytestmark = pytest.mark.django_db


def post(client, data: bytes, filename="photo.jpg"):
    return client.post("/api/images", {"file": upload(data, filename)})


@pytest.mark.parametrize(
    "variant",
    [
        {"quality": 55},
        {"fmt": "PNG"},
        {"fmt": "WEBP", "quality": 80},
        {"scale": 0.5, "quality": 85},
        {"scale": 0.25, "keep_exif": False},
    ],
)
def test_the_same_photo_saved_again_is_refused_with_the_stored_one(
    client, media_dir, settings, variant
):
    settings.PHOTOSHELF_REQUIRE_TAKEN_AT = False  # so that the copy without EXIF gets this far
    original = scene(7)
    first = post(client, original).json()
    response = post(client, reencoded(original, **variant), filename="again.img")
    assert response.status_code == 409, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "near-duplicate" and body["type"] == "/api/problems/near-duplicate"
    assert body["duplicate_of"] == first["id"]
    assert 0 <= body["distance"] <= 8 and f"{body['distance']} bits apart" in body["detail"]
    assert list(Image.objects.values_list("pk", flat=True)) == [first["id"]]
    assert len(stored_files(media_dir)) == FILES_PER_PHOTO  # only the first photo's files


def test_a_different_photo_is_accepted(client):
    assert post(client, scene(7)).status_code == 201
    assert post(client, scene(8)).status_code == 201


def test_the_same_bytes_are_still_an_exact_duplicate(client):
    data = scene(7)
    post(client, data)
    assert post(client, data).json()["code"] == "duplicate"


def test_distance_minus_one_turns_the_check_off(client, settings):
    settings.PHOTOSHELF_NEAR_DUPLICATE_DISTANCE = -1
    original = scene(7)
    assert post(client, original).status_code == 201
    assert post(client, reencoded(original, quality=60)).status_code == 201
    assert Image.objects.count() == 2


def test_distance_zero_refuses_only_identical_fingerprints(client, settings):
    settings.PHOTOSHELF_NEAR_DUPLICATE_DISTANCE = 0
    original = scene(9)
    post(client, original)
    assert post(client, reencoded(original, fmt="PNG")).status_code == 409  # same pixels


def test_the_stored_image_carries_its_fingerprint(client):
    post(client, scene(7))
    image = Image.objects.get()
    assert None not in image.phash_bands
    fingerprint = near_duplicates.join(image.phash_bands)
    assert near_duplicates.nearest(fingerprint, 0) == near_duplicates.Match(image.pk, 0)


def test_the_problem_catalogue_lists_the_new_code(client):
    codes = {entry["code"]: entry["status"] for entry in client.get("/api/problems").json()}
    assert codes["near-duplicate"] == 409
