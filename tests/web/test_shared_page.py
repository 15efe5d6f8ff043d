"""/s/<token>: the shared page, its password form and cookie, its files, the ZIP of all
originals and the guest's upload form; none of it shows the site's navigation."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from photoshelf.gallery import albums, sharing
from photoshelf.gallery.models import Image
from tests.api.test_albums import make_images
from tests.factories import scene, upload

pytestmark = pytest.mark.django_db


def shared_album(client, member, count=3, **link_fields):
    ids = make_images(client, count)
    album = albums.create(member, "Field trip", "Day one <b>bold</b>")
    albums.add(album, ids)
    link, token = sharing.create(album, created_by=member, **link_fields)
    return album, ids, link, token


def test_anyone_sees_the_album_and_nothing_of_the_site(client, member):
    _, ids, _, token = shared_album(client, member)
    response = Client().get(f"/s/{token}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Field trip" in html and "Day one &lt;b&gt;bold&lt;/b&gt;" in html
    for image_id in ids:
        assert f'id="image-{image_id}"' in html
        assert f"/s/{token}/images/{image_id}/thumbnail" in html
        assert f'srcset="/s/{token}/images/{image_id}/thumbnail.webp ' in html
        assert Client().get(f"/s/{token}/images/{image_id}/thumbnail.webp").status_code == 200
        assert Client().get(f"/s/{token}/images/{image_id}/preview.webp").status_code == 404
    for private in (
        'href="/"',
        "/login",
        "/albums",
        "/tokens",
        "Sign out",
        "/api/docs",
        "/images/",
    ):
        assert private not in html.replace(f"/s/{token}/images/", "")
    assert html.count('class="card"') == 3 and "Download all" in html
    assert "Delete" not in html and "Select" not in html


def test_a_password_link_asks_then_remembers_it_for_its_own_urls_only(client, member):
    _, ids, link, token = shared_album(client, member, 1, password="confetti")
    guest = Client()
    asked = guest.get(f"/s/{token}")
    assert asked.status_code == 401 and b'name="password"' in asked.content
    assert b"Field trip" not in asked.content
    wrong = guest.post(f"/s/{token}", {"password": "nope"})
    assert wrong.status_code == 401 and b'data-code="share-password-wrong"' in wrong.content
    right = guest.post(f"/s/{token}", {"password": "confetti"})
    assert right.status_code == 302 and right["Location"] == f"/s/{token}"
    cookie = right.cookies[f"share-{link.pk}"]
    assert cookie["path"] == f"/s/{token}" and cookie["httponly"]
    assert guest.get(f"/s/{token}").status_code == 200
    assert guest.get(f"/s/{token}/images/{ids[0]}/original").status_code == 200
    # The cookie of one link opens no other link.
    _, other_ids, _, other_token = shared_album(client, member, 1, password="other")
    guest.cookies[f"share-{link.pk}"]["path"] = "/"
    assert guest.get(f"/s/{other_token}").status_code == 401


def test_a_forged_cookie_opens_nothing(client, member):
    _, _, link, token = shared_album(client, member, 1, password="confetti")
    guest = Client()
    guest.cookies[f"share-{link.pk}"] = f"{link.pk}:forged"
    assert guest.get(f"/s/{token}").status_code == 401


def test_expired_and_revoked_links_have_their_own_pages(client, member):
    _, _, link, token = shared_album(
        client, member, 1, expires_at=timezone.now() + timedelta(minutes=5)
    )
    link.expires_at = timezone.now() - timedelta(seconds=1)
    link.save()
    expired = Client().get(f"/s/{token}")
    assert expired.status_code == 410 and b'data-code="share-expired"' in expired.content
    sharing.revoke(link)
    gone = Client().get(f"/s/{token}")
    assert gone.status_code == 404 and b'data-code="not-found"' in gone.content
    assert b"Sign in" not in gone.content


def test_download_all_streams_every_original_in_a_zip(client, member):
    _, ids, _, token = shared_album(client, member, 3)
    Image.objects.filter(pk=ids[1]).update(name=Image.objects.get(pk=ids[0]).name)  # same name
    response = Client().get(f"/s/{token}/download")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="Field trip.zip"'
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.testzip() is None
    names = archive.namelist()
    assert len(names) == 3 and len(set(names)) == 3
    stored = sorted(Image.objects.get(pk=pk).file_size for pk in ids)
    assert sorted(info.file_size for info in archive.infolist()) == stored


def test_download_all_is_refused_without_downloads(client, member):
    _, _, _, token = shared_album(client, member, 1, allow_download=False)
    response = Client().get(f"/s/{token}/download")
    assert response.status_code == 403 and b'data-code="original-withheld"' in response.content
    assert b"Download all" not in Client().get(f"/s/{token}").content


def test_a_guest_uploads_through_the_form(client, member):
    album, _, _, token = shared_album(client, member, 1, allow_upload=True)
    guest = Client()
    page = guest.get(f"/s/{token}")
    assert f'action="/s/{token}/upload"'.encode() in page.content
    response = guest.post(f"/s/{token}/upload", {"file": upload(scene(77)), "name": "Guest's"})
    assert response.status_code == 302, response.content
    image = Image.objects.get(name="Guest's")
    assert albums.contains(album, image.pk) and image.uploaded_by is None
    again = guest.post(f"/s/{token}/upload", {"file": upload(b"nope")})
    assert again.status_code == 415 and b'data-code="not-an-image"' in again.content


def test_a_link_without_uploads_has_no_form_and_takes_none(client, member):
    _, _, _, token = shared_album(client, member, 1)
    assert b"/upload" not in Client().get(f"/s/{token}").content
    response = Client().post(f"/s/{token}/upload", {"file": upload(scene(78))})
    assert response.status_code == 403
    assert not Image.objects.filter(name="photo", uploaded_by__isnull=True).exists()


def test_shared_pages_are_keyset_paged(client, member, settings):
    settings.PHOTOSHELF_PAGE_SIZE = 2
    _, ids, _, token = shared_album(client, member, 3)
    first = Client().get(f"/s/{token}").content.decode()
    assert first.count('class="card"') == 2 and 'rel="next"' in first
    bad = Client().get(f"/s/{token}", {"cursor": "garbage"})
    assert bad.status_code == 400 and bad.content.decode().count('class="card"') == 2


def test_an_upload_link_offers_the_uploader_through_the_link_only(client, member):
    _, _, _, token = shared_album(client, member, 1, allow_upload=True)
    html = Client().get(f"/s/{token}").content.decode()
    assert 'class="uploader" hidden data-guest="yes"' in html
    assert f'data-api="/api/shared/{token}/images"' in html
    assert f'data-uploads="/api/shared/{token}/uploads"' in html
    assert f'data-cards="/s/{token}/images/"' in html
    assert '"/api/images' not in html and '"/api/uploads' not in html


def test_a_shared_card_is_one_of_the_links_photos_for_those_who_may_open_it(client, member):
    _, ids, link, token = shared_album(client, member, 2, password="confetti")
    outside = make_images(client, 1)[0]
    guest = Client()
    assert guest.get(f"/s/{token}/images/{ids[0]}/card").status_code == 404  # no password yet
    guest.post(f"/s/{token}", {"password": "confetti"})
    card = guest.get(f"/s/{token}/images/{ids[0]}/card")
    assert card.status_code == 200
    html = card.content.decode()
    assert f'id="image-{ids[0]}"' in html and f"/s/{token}/images/{ids[0]}/thumbnail" in html
    assert "Delete" not in html and 'href="/images/' not in html
    assert guest.get(f"/s/{token}/images/{outside}/card").status_code == 404
    sharing.revoke(link)
    assert guest.get(f"/s/{token}/images/{ids[0]}/card").status_code == 404
