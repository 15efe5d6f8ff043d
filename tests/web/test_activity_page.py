"""/activity: the log as a page, one's own, or everyone's for administrators."""

import pytest

from tests.factories import scene, upload

pytestmark = pytest.mark.django_db


def test_the_page_lists_your_entries_newest_first(client, uploader_client):
    image_id = client.post("/api/images", {"file": upload(scene(1)), "name": "Pier <i>"}).json()[
        "id"
    ]
    client.post(f"/images/{image_id}/delete", {"confirmed": "yes"})
    uploader_client.post("/api/images", {"file": upload(scene(2)), "name": "Someone else's"})
    html = client.get("/activity").content.decode()
    assert html.count('class="entry"') == 2 and "Someone else" not in html
    assert html.index('data-action="delete"') < html.index('data-action="upload"')
    assert "Pier &lt;i&gt;" in html and "Pier <i>" not in html
    assert 'name="user"' not in html  # members cannot ask for others'


def test_administrators_see_everyone_and_filter(administrator_client, client, uploader_client):
    client.post("/api/images", {"file": upload(scene(3)), "name": "a"})
    uploader_client.post("/api/images", {"file": upload(scene(4)), "name": "b"})
    html = administrator_client.get("/activity").content.decode()
    assert html.count('class="entry"') == 2 and 'name="user"' in html
    only = administrator_client.get("/activity?user=uploader&action=upload").content.decode()
    assert only.count('class="entry"') == 1


def test_a_mangled_filter_shows_the_first_page_with_the_reason(client):
    response = client.get("/activity?since=yesterday", follow=True)
    assert response.redirect_chain[-1][0] == "/activity"
    assert "since must be a date" in response.content.decode()
    response = client.get("/activity?action=explode", follow=True)
    assert "action must be one of" in response.content.decode()


def test_album_changes_are_listed_with_the_album_and_filtered_by_action(client):
    image_id = client.post("/api/images", {"file": upload(scene(5)), "name": "Dune"}).json()["id"]
    made = client.post("/albums", {"title": "Desert <b>"})
    assert made.status_code == 302
    album_id = int(made["Location"].rstrip("/").rsplit("/", 1)[1])
    client.post("/albums/add", {"album": str(album_id), "image_id": [str(image_id)]})
    client.post(f"/albums/{album_id}/links", {"allow_download": "on"})
    client.post(f"/albums/{album_id}/delete", {"confirmed": "yes"})
    html = client.get("/activity").content.decode()
    for action in ("album-create", "album-add", "link-create", "album-delete"):
        assert f'data-action="{action}"' in html, action
    assert "Desert &lt;b&gt;" in html and "Desert <b>" not in html
    assert f"(#{album_id})" in html
    only = client.get("/activity?action=album-add").content.decode()
    assert only.count('class="entry"') == 1 and "Dune" in only
    assert '<option value="link-revoke"' in only  # every action can be picked
