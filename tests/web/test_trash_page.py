"""/trash: what a person deleted, with Restore, Delete forever and Empty trash (no JavaScript
needed: the destructive ones ask on a page first)."""

import pytest

from photoshelf.gallery.models import Image
from tests.conftest import stored_files
from tests.factories import scene, upload

pytestmark = pytest.mark.django_db


def add_and_delete(client, seed: int | bytes, name: str) -> int:
    data = seed if isinstance(seed, bytes) else scene(seed)
    image_id = client.post("/api/images", {"file": upload(data), "name": name}).json()["id"]
    assert client.post(f"/images/{image_id}/delete", {"confirmed": "yes"}).status_code == 302
    return image_id


def test_the_trash_lists_what_you_deleted_with_its_buttons(client, uploader_client):
    mine = add_and_delete(client, 1, "Harbour <b>")
    theirs = add_and_delete(uploader_client, 2, "Not yours")
    html = client.get("/trash").content.decode()
    assert f'id="trashed-{mine}"' in html and f'id="trashed-{theirs}"' not in html
    assert "Harbour &lt;b&gt;" in html and "Harbour <b>" not in html
    assert f'action="/trash/{mine}/restore"' in html and f'action="/trash/{mine}/delete"' in html
    assert 'action="/trash/empty"' in html and "30 days after it was deleted" in html
    assert client.get(f"/images/{mine}/thumbnail").status_code == 200
    assert client.get("/").content.decode().count('class="card"') == 0


def test_an_empty_trash_says_so(client):
    html = client.get("/trash").content.decode()
    assert "The trash is empty." in html and 'action="/trash/empty"' not in html


def test_restore_from_the_page_puts_it_back_in_the_gallery(client):
    image_id = add_and_delete(client, 3, "Back")
    response = client.post(f"/trash/{image_id}/restore", follow=True)
    assert response.redirect_chain[-1][0] == "/trash"
    assert "“Back” is back in the gallery." in response.content.decode()
    assert f'id="image-{image_id}"' in client.get("/").content.decode()


def test_delete_forever_asks_first_then_removes_files_and_row(client, media_dir):
    image_id = add_and_delete(client, 4, "Gone")
    asked = client.post(f"/trash/{image_id}/delete")
    assert asked.status_code == 200 and "Delete “Gone” forever?" in asked.content.decode()
    assert Image.everything.filter(pk=image_id).exists()
    done = client.post(f"/trash/{image_id}/delete", {"confirmed": "yes"}, follow=True)
    assert "“Gone” was deleted forever." in done.content.decode()
    assert not Image.everything.exists() and stored_files(media_dir) == []


def test_empty_trash_asks_first_then_purges_yours(client, uploader_client):
    for seed in (5, 6):
        add_and_delete(client, seed, f"p{seed}")
    theirs = add_and_delete(uploader_client, 7, "theirs")
    assert "Empty the trash?" in client.post("/trash/empty").content.decode()
    done = client.post("/trash/empty", {"confirmed": "yes"}, follow=True)
    assert "2 photo(s) deleted forever" in done.content.decode()
    assert list(Image.everything.values_list("id", flat=True)) == [theirs]


def test_the_trash_buttons_are_post_only_and_need_the_csrf_token(client, member):
    from django.test import Client

    image_id = add_and_delete(client, 8, "Kept")
    assert client.get(f"/trash/{image_id}/restore").status_code == 405
    assert client.get(f"/trash/{image_id}/delete").status_code == 405
    assert client.get("/trash/empty").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member)
    assert strict.post(f"/trash/{image_id}/delete", {"confirmed": "yes"}).status_code == 403
    assert strict.post("/trash/empty", {"confirmed": "yes"}).status_code == 403
    assert Image.everything.filter(pk=image_id).exists()


def test_a_mangled_trash_cursor_shows_the_first_page(client):
    response = client.get("/trash?cursor=not-a-cursor", follow=True)
    assert response.redirect_chain[-1][0] == "/trash"
    assert "The page cursor is not valid." in response.content.decode()


def test_an_upload_of_a_photo_in_your_trash_offers_to_restore_it(client):
    data = scene(9)
    image_id = add_and_delete(client, data, "Binned")
    response = client.post("/upload", {"file": upload(data)})
    html = response.content.decode()
    assert response.status_code == 409 and 'data-code="duplicate-in-trash"' in html
    assert f'action="/trash/{image_id}/restore"' in html and "Restore “Binned”" in html
    back = client.post(f"/trash/{image_id}/restore", {"next": "gallery"})
    assert back["Location"] == f"/#image-{image_id}"
    assert Image.objects.filter(pk=image_id).exists()


def test_a_photo_in_someone_elses_trash_is_refused_without_showing_it(client, uploader_client):
    data = scene(10)
    image_id = add_and_delete(uploader_client, data, "Private")
    response = client.post("/upload", {"file": upload(data)})
    html = response.content.decode()
    assert response.status_code == 409 and 'data-code="duplicate-in-trash"' in html
    assert f"/trash/{image_id}/restore" not in html and f"/images/{image_id}/thumbnail" not in html


def test_the_uploader_still_sees_the_files_of_a_photo_an_administrator_trashed(
    client, uploader_client, administrator_client
):
    image_id = client.post("/api/images", {"file": upload(scene(31)), "name": "mine"}).json()["id"]
    assert administrator_client.delete(f"/api/images/{image_id}").status_code == 204
    assert client.get(f"/images/{image_id}/thumbnail").status_code == 200
    assert client.get(f"/images/{image_id}/original").status_code == 200
    assert uploader_client.get(f"/images/{image_id}/thumbnail").status_code == 404
    assert client.post(f"/api/trash/{image_id}/restore").status_code == 404  # not theirs to undo
