"""POST /upload of a photo already stored in another version: the stored one is shown beside."""

import pytest

from photoshelf.gallery.models import Image
from tests.factories import reencoded, scene, upload

pytestmark = pytest.mark.django_db


def submit(client, data: bytes, name: str = ""):
    return client.post("/upload", {"name": name, "file": upload(data)}, follow=True)


def test_a_near_duplicate_shows_the_existing_photo_beside_the_message(client):
    original = scene(11)
    submit(client, original, name="Harbour")
    response = submit(client, reencoded(original, scale=0.5, quality=70), name="Harbour again")
    assert response.status_code == 409
    html = response.content.decode()
    existing = Image.objects.get()
    assert 'data-code="near-duplicate"' in html
    assert f'<img src="/images/{existing.pk}/thumbnail"' in html
    assert "“Harbour”, already in the gallery" in html and "See “Harbour”" in html
    assert 'value="Harbour again"' in html
