"""POST /upload: the form without JavaScript, accepted or refused with a sentence."""

from datetime import datetime, timedelta

import pytest

from photoshelf.gallery.models import Image
from tests.conftest import stored_files
from tests.factories import photo, upload

pytestmark = pytest.mark.django_db


def submit(client, data: bytes, name: str = "", filename: str = "photo.jpg"):
    return client.post("/upload", {"name": name, "file": upload(data, filename)}, follow=True)


def test_an_accepted_photo_redirects_to_the_gallery_with_a_notice(client):
    response = submit(client, photo(), name="Morning")
    image = Image.objects.get()
    assert response.redirect_chain == [(f"/#image-{image.pk}", 302)]
    html = response.content.decode()
    assert "“Morning” was uploaded." in html and f'id="image-{image.pk}"' in html


def test_a_duplicate_links_to_the_existing_photo(client):
    data = photo()
    submit(client, data, name="First")
    response = submit(client, data, name="Again")
    assert response.status_code == 409
    html = response.content.decode()
    existing = Image.objects.get()
    assert 'data-code="duplicate"' in html
    assert f'href="/images/{existing.pk}"' in html and "See “First”" in html
    assert 'value="Again"' in html  # the typed name is kept


@pytest.mark.parametrize(
    "data, status, code, sentence",
    [
        (b"GIF89a not really", 415, "not-an-image", "not an image"),
        (photo(taken=None), 422, "taken-at-missing", "no date taken"),
        (
            photo(taken=datetime.now() - timedelta(days=800)),
            422,
            "taken-at-too-old",
            "only photos taken in the last 365 days",
        ),
    ],
)
def test_each_refusal_is_explained(client, media_dir, data, status, code, sentence):
    response = submit(client, data)
    assert response.status_code == status
    html = response.content.decode()
    assert f'data-code="{code}"' in html and sentence in html
    assert not Image.objects.exists() and stored_files(media_dir) == []


def test_too_old_shows_the_date_found_and_the_limit(client):
    taken = datetime.now() - timedelta(days=800)
    html = submit(client, photo(taken=taken)).content.decode()
    assert taken.date().isoformat() in html and "365 days" in html


def test_too_large_is_explained(client, settings):
    settings.PHOTOSHELF_MAX_UPLOAD_BYTES = 50_000
    response = submit(client, photo(size=(1500, 1500)) + b"\0" * 100_000)
    assert response.status_code == 413
    assert "larger than the" in response.content.decode()


def test_a_full_disk_is_a_503_page_and_leaves_no_spool_file(client, full_spool):
    response = submit(client, photo())
    assert response.status_code == 503 and int(response["Retry-After"]) > 0
    assert 'data-code="storage-full"' in response.content.decode()
    assert full_spool and not any(path.exists() for path in full_spool)
    assert not Image.objects.exists()


def test_a_missing_file_is_explained(client):
    response = client.post("/upload", {"name": "nothing"})
    assert response.status_code == 400 and 'data-code="file-missing"' in response.content.decode()


def test_the_form_needs_its_csrf_token(member, media_dir):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member)
    response = strict.post("/upload", {"file": upload(photo())})
    assert response.status_code == 403 and not Image.objects.exists()
