"""The share dialog (web/links.py) of an album and of one photo: a link made and shown once
with its QR code, listed and revoked; only for whoever may change the album or share the photo."""

from __future__ import annotations

import pytest
from django.test import Client

from photoshelf.gallery import albums, sharing
from photoshelf.gallery.models import Image, ShareLink
from tests.api.test_albums import make_images

pytestmark = pytest.mark.django_db


def test_the_share_dialog_makes_a_link_once_with_its_qr_code_and_revokes_it(client, member):
    album = albums.create(member, "Wedding")
    response = client.post(
        f"/albums/{album.pk}/links",
        {"password": "confetti", "allow_download": "on", "expires_at": "2999-01-01T12:00"},
    )
    assert response.status_code == 201
    html = response.content.decode()
    link = ShareLink.objects.get()
    url = html.split('class="link-url" type="text" readonly value="')[1].split('"')[0]
    assert url.startswith("http://testserver/s/")
    assert sharing.find(url.rsplit("/", 1)[1]) == link
    assert "<svg" in html and "QR code of the link" in html
    assert link.has_password and link.allow_download and not link.allow_upload
    assert link.expires_at.year == 2999
    listed = client.get(f"/albums/{album.pk}/links").content.decode()
    assert f'data-link-id="{link.pk}"' in listed and url not in listed  # shown once only
    client.post(f"/albums/{album.pk}/links", {"revoke": link.pk})
    assert sharing.find(url.rsplit("/", 1)[1]) is None


def test_the_share_dialog_refuses_a_past_expiry(client, member):
    album = albums.create(member, "Wedding")
    response = client.post(f"/albums/{album.pk}/links", {"expires_at": "2001-01-01T00:00"})
    assert response.status_code == 400 and not ShareLink.objects.exists()
    bad = client.post(f"/albums/{album.pk}/links", {"expires_at": "soon"})
    assert bad.status_code == 400


def test_a_photos_share_dialog_makes_a_link_to_that_photo_alone(client, member):
    image_id, other = make_images(client, 2)
    page = client.get(f"/images/{image_id}").content.decode()
    assert f'href="/images/{image_id}/links"' in page
    dialog = client.get(f"/images/{image_id}/links").content.decode()
    assert "Let guests upload" not in dialog  # only an album's link takes uploads
    response = client.post(f"/images/{image_id}/links", {"allow_upload": "on"})
    assert response.status_code == 201
    link = ShareLink.objects.get()
    assert link.image_id == image_id and link.album_id is None and not link.allow_upload
    assert not link.allow_download  # the box was left unticked
    token = response.content.decode().split('class="link-url" type="text" readonly value="')[1]
    token = token.split('"')[0].rsplit("/", 1)[1]
    shared = Client().get(f"/s/{token}").content.decode()
    assert f'id="image-{image_id}"' in shared and f'id="image-{other}"' not in shared
    assert Client().get(f"/s/{token}/images/{other}/thumbnail").status_code == 404
    client.post(f"/images/{image_id}/links", {"revoke": link.pk})
    assert Client().get(f"/s/{token}").status_code == 404


def test_a_photo_only_its_uploader_or_an_administrator_may_share(client, member, uploader):
    theirs = Image.objects.get(pk=make_images(client, 1)[0])
    Image.objects.filter(pk=theirs.pk).update(uploaded_by=uploader)
    assert b"/links" not in client.get(f"/images/{theirs.pk}").content
    for response in (
        client.get(f"/images/{theirs.pk}/links"),
        client.post(f"/images/{theirs.pk}/links", {}),
        client.get("/images/999999/links"),
    ):
        assert response.status_code == 404
    link, _ = sharing.create(theirs, created_by=uploader)
    client.post(f"/images/{theirs.pk}/links", {"revoke": link.pk})
    assert ShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).exists()
