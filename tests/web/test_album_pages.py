"""The album pages: the list, making one, Add to album from the gallery and the image page,
an album's grid, taking a photo out and deleting an album (the share dialog: test_links)."""

from __future__ import annotations

import pytest

from photoshelf.gallery import albums
from photoshelf.gallery.models import Album, AlbumImage, Image, ShareLink
from tests.api.test_albums import make_images

pytestmark = pytest.mark.django_db


def test_an_album_is_made_from_the_list_page(client):
    response = client.post("/albums", {"title": "Wedding", "description": "June"})
    album = Album.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/albums/{album.pk}"
    page = client.get("/albums").content.decode()
    assert "Wedding" in page and f'href="/albums/{album.pk}"' in page
    refused = client.post("/albums", {"title": " "})
    assert refused.status_code == 400 and b'data-code="invalid-request"' in refused.content


def test_selected_gallery_cards_go_into_an_album(client, member):
    ids = make_images(client, 3)
    album = albums.create(member, "Wedding")
    gallery = client.get("/").content.decode()
    assert 'form="add-to-album"' in gallery and f'<option value="{album.pk}">Wedding' in gallery
    response = client.post(
        "/albums/add", {"album": album.pk, "image_id": ids[:2], "next": "/?sort=taken"}
    )
    assert response.status_code == 302 and response["Location"] == "/?sort=taken"
    assert set(AlbumImage.objects.values_list("image_id", flat=True)) == set(ids[:2])
    page = client.get(f"/albums/{album.pk}").content.decode()
    assert page.count('class="card"') == 2 and f'id="image-{ids[2]}"' not in page
    assert f'<source type="image/webp" srcset="/images/{ids[0]}/thumbnail.webp ' in page
    assert f'action="/albums/{album.pk}/remove/{ids[0]}"' in page


def test_a_photo_goes_into_a_new_album_from_its_own_page(client, member):
    [image_id] = make_images(client, 1)
    page = client.get(f"/images/{image_id}").content.decode()
    assert "In none of your albums" in page
    client.post(
        "/albums/add",
        {
            "album": "",
            "new_title": "Harbour",
            "image_id": image_id,
            "next": "https://evil.example/",
        },
    )
    album = Album.objects.get(title="Harbour")
    assert album.owner == member and albums.contains(album, image_id)
    page = client.get(f"/images/{image_id}").content.decode()
    assert f'<a href="/albums/{album.pk}">Harbour</a>' in page


def test_add_to_album_refuses_others_albums_and_bad_ids(client, uploader):
    ids = make_images(client, 1)
    theirs = albums.create(uploader, "Theirs")
    assert client.post("/albums/add", {"album": theirs.pk, "image_id": ids}).status_code == 404
    assert client.post("/albums/add", {"album": "x", "image_id": ids}).status_code == 400
    assert client.post("/albums/add", {"album": "1", "image_id": ["1; DROP"]}).status_code == 400
    unknown = client.post("/albums/add", {"new_title": "New", "image_id": [987654]})
    assert unknown.status_code == 422 and b'data-code="unknown-images"' in unknown.content
    assert not AlbumImage.objects.exists()


def test_a_photo_is_taken_out_and_an_album_deleted_keeping_its_photos(client, member):
    ids = make_images(client, 2)
    album = albums.create(member, "Wedding")
    albums.add(album, ids)
    client.post(f"/albums/{album.pk}/remove/{ids[0]}")
    assert not albums.contains(album, ids[0])
    asked = client.post(f"/albums/{album.pk}/delete")
    assert asked.status_code == 200 and Album.objects.exists()
    done = client.post(f"/albums/{album.pk}/delete", {"confirmed": "yes"})
    assert done.status_code == 302 and not Album.objects.exists()
    assert Image.objects.count() == 2


def test_another_members_album_pages_are_not_found(client, uploader):
    theirs = albums.create(uploader, "Theirs")
    for response in (
        client.get(f"/albums/{theirs.pk}"),
        client.get(f"/albums/{theirs.pk}/links"),
        client.post(f"/albums/{theirs.pk}/links", {}),
        client.post(f"/albums/{theirs.pk}/delete", {"confirmed": "yes"}),
    ):
        assert response.status_code == 404
    assert Album.objects.filter(pk=theirs.pk).exists() and not ShareLink.objects.exists()


def test_the_album_page_sorts_by_when_photos_were_added(client, member):
    ids = make_images(client, 2)
    album = albums.create(member, "Wedding")
    for image_id in ids:
        albums.add(album, [image_id])
    newest = client.get(f"/albums/{album.pk}").content.decode()
    oldest = client.get(f"/albums/{album.pk}", {"order": "asc"}).content.decode()
    assert newest.index(f'id="image-{ids[1]}"') < newest.index(f'id="image-{ids[0]}"')
    assert oldest.index(f'id="image-{ids[0]}"') < oldest.index(f'id="image-{ids[1]}"')
    assert '<option value="asc" selected>' in oldest
    bad = client.get(f"/albums/{album.pk}", {"order": "sideways"})
    assert bad.status_code == 400 and b'data-code="invalid-request"' in bad.content


def test_the_album_page_sorts_and_filters_as_the_gallery_does(client, member):
    ids = make_images(client, 3)
    album = albums.create(member, "Wedding")
    albums.add(album, ids[:2])
    Image.objects.filter(pk=ids[0]).update(camera_make="Canon", camera_model="EOS")
    Image.objects.filter(pk=ids[1]).update(camera_make="Apple", camera_model="iPhone")
    page = client.get(f"/albums/{album.pk}").content.decode()
    # The gallery's form, aimed at this album, with its own order first.
    assert f'action="/albums/{album.pk}"' in page
    assert '<option value="added" selected>Date added</option>' in page
    assert '<option value="taken">Date taken</option>' in page and "browse-reset" not in page
    canon = client.get(f"/albums/{album.pk}", {"camera": "Canon|EOS", "sort": "uploaded"})
    shown = canon.content.decode()
    assert canon.status_code == 200 and shown.count('class="card"') == 1
    assert f'id="image-{ids[0]}"' in shown and f'href="/albums/{album.pk}">Reset' in shown
    none = client.get(f"/albums/{album.pk}", {"camera": "Nikon|D1"}).content.decode()
    assert "No photos of this album match these filters" in none
    bad = client.get(f"/albums/{album.pk}", {"sort": "sideways"})
    assert bad.status_code == 400 and b'data-code="invalid-request"' in bad.content
