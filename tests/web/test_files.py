"""Originals and renditions as served: type, nosniff, disposition, caching."""

import io

import pytest
from PIL import Image as PILImage

from photoshelf.gallery.models import Image
from tests.factories import photo, upload

pytestmark = pytest.mark.django_db


def add(client, data: bytes, name: str, filename="p.jpg") -> Image:
    response = client.post("/api/images", {"file": upload(data, filename), "name": name})
    assert response.status_code == 201, response.content
    return Image.objects.get(pk=response.json()["id"])


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_original_is_served_as_uploaded_with_safe_headers(client):
    data = photo("PNG")
    image = add(client, data, "Beach", filename="beach.jpg")  # the name lies; the content rules
    response = client.get(f"/images/{image.pk}/original")
    assert response.status_code == 200 and body(response) == data
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == 'inline; filename="Beach.png"'
    assert "max-age=31536000" in response["Cache-Control"] and "immutable" in response["Cache-Control"]
    assert response["ETag"] == f'"{image.sha256}"'


def test_a_unicode_name_is_encoded_in_content_disposition(client):
    image = add(client, photo(), 'Été "quoted" 写真')
    disposition = client.get(f"/images/{image.pk}/original")["Content-Disposition"]
    assert disposition == "inline; filename*=utf-8''%C3%89t%C3%A9%20%22quoted%22%20%E5%86%99%E7%9C%9F.jpg"


def test_renditions_are_jpeg(client):
    image = add(client, photo(size=(2000, 1000)), "Wide")
    for size_name, width in (("thumbnail", 400), ("preview", 1600)):
        response = client.get(f"/images/{image.pk}/{size_name}")
        assert response["Content-Type"] == "image/jpeg"
        with PILImage.open(io.BytesIO(body(response))) as rendition:
            assert rendition.width == width


def test_a_matching_etag_is_answered_304(client):
    image = add(client, photo(), "Cached")
    response = client.get(f"/images/{image.pk}/original", HTTP_IF_NONE_MATCH=f'"{image.sha256}"')
    assert response.status_code == 304


def test_unknown_images_and_sizes_are_404(client):
    image = add(client, photo(), "Only")
    assert client.get("/images/999/original").status_code == 404
    assert client.get(f"/images/{image.pk}/huge").status_code == 404
