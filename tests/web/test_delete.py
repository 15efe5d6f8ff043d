"""POST /images/<id>/delete: a confirmation step without JavaScript, then removal."""

import pytest

from photoshelf.gallery.models import Image
from tests.conftest import FILES_PER_PHOTO, stored_files
from tests.factories import photo, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def image(client) -> Image:
    response = client.post("/api/images", {"file": upload(photo()), "name": "Doomed"})
    return Image.objects.get(pk=response.json()["id"])


def test_the_first_post_only_asks_for_confirmation(client, image, media_dir):
    response = client.post(f"/images/{image.pk}/delete")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Delete “Doomed”?" in html and 'name="confirmed" value="yes"' in html
    assert (
        Image.objects.filter(pk=image.pk).exists()
        and len(stored_files(media_dir)) == FILES_PER_PHOTO
    )


def test_a_confirmed_post_moves_the_photo_to_the_trash(client, image, media_dir):
    response = client.post(f"/images/{image.pk}/delete", {"confirmed": "yes"}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    html = response.content.decode()
    assert "“Doomed” was moved to the trash." in html and f'id="image-{image.pk}"' not in html
    assert not Image.objects.exists() and Image.everything.in_trash().count() == 1
    assert len(stored_files(media_dir)) == FILES_PER_PHOTO  # restorable, files and all


def test_the_confirmation_says_where_the_photo_goes(client, image, settings):
    assert "restored for 30 days" in client.post(f"/images/{image.pk}/delete").content.decode()
    settings.PHOTOSHELF_TRASH_DAYS = 0
    assert "cannot be undone" in client.post(f"/images/{image.pk}/delete").content.decode()


def test_with_the_trash_off_a_confirmed_post_deletes_the_row_and_files(
    client, image, media_dir, settings
):
    settings.PHOTOSHELF_TRASH_DAYS = 0
    response = client.post(f"/images/{image.pk}/delete", {"confirmed": "yes"}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert "“Doomed” was deleted." in response.content.decode()
    assert not Image.objects.exists() and stored_files(media_dir) == []


def test_delete_is_post_only(client, image):
    assert client.get(f"/images/{image.pk}/delete").status_code == 405
    assert Image.objects.exists()


def test_a_cross_site_delete_without_csrf_token_is_refused(image, member):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member)  # the uploader's own browser, tricked by another site
    response = strict.post(f"/images/{image.pk}/delete", {"confirmed": "yes"})
    assert response.status_code == 403 and Image.objects.exists()
