"""Administrators add and remove users on a page and through the API; nobody else does."""

import json

import pytest
from django.contrib.auth import get_user_model

from photoshelf.gallery.models import Image
from tests.conftest import bearer
from tests.factories import photo, upload

pytestmark = pytest.mark.django_db
User = get_user_model()

NEW = {"username": "bob", "password": "lighthouse-keeper-7", "password2": "lighthouse-keeper-7"}


def test_an_administrator_adds_a_member_with_an_argon2_password(administrator_client):
    response = administrator_client.post("/users", NEW, follow=True)
    assert "“bob” was added." in response.content.decode()
    bob = User.objects.get(username="bob")
    assert not bob.is_superuser and bob.password.startswith("argon2$")


def test_an_administrator_adds_another_administrator(administrator_client):
    administrator_client.post("/users", {**NEW, "admin": "on"})
    assert User.objects.get(username="bob").is_superuser


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"username": "Member"}, "There is already a user named"),
        ({"password": "bob", "password2": "bob"}, "too short"),
    ],
)
def test_it_refuses_a_taken_name_or_a_weak_password(administrator_client, member, change, message):
    response = administrator_client.post("/users", {**NEW, **change})
    assert response.status_code == 400 and message in response.content.decode()
    assert User.objects.count() == 2


def test_removing_a_user_keeps_their_images_for_administrators_to_delete(
    administrator_client, member, client
):
    image_id = client.post("/api/images", {"file": upload(photo())}).json()["id"]
    response = administrator_client.post(f"/users/{member.pk}/remove", follow=True)
    assert "“member” was removed." in response.content.decode()
    assert Image.objects.get(pk=image_id).uploaded_by is None
    assert administrator_client.delete(f"/api/images/{image_id}").status_code == 204


def test_an_administrator_cannot_remove_themselves(administrator_client, administrator):
    response = administrator_client.post(f"/users/{administrator.pk}/remove", follow=True)
    assert "You cannot remove yourself." in response.content.decode()
    assert User.objects.filter(pk=administrator.pk).exists()


def test_a_member_can_neither_add_nor_remove_users(client, uploader):
    assert client.post("/users", NEW).status_code == 403
    assert client.post(f"/users/{uploader.pk}/remove").status_code == 403
    assert set(User.objects.values_list("username", flat=True)) == {"member", "uploader"}


def test_the_api_lists_adds_and_removes_users_for_an_administrator(administrator):
    from django.test import Client

    from photoshelf.accounts import tokens

    auth = bearer(tokens.create(administrator, "admin script")[1])
    api = Client(enforce_csrf_checks=True)
    created = api.post(
        "/api/users",
        json.dumps({"username": "carol", "password": "quiet-harbour-99"}),
        content_type="application/json",
        **auth,
    )
    assert created.status_code == 201 and created.json()["is_admin"] is False
    names = [user["username"] for user in api.get("/api/users", **auth).json()]
    assert names == ["administrator", "carol"]
    weak = api.post(
        "/api/users",
        json.dumps({"username": "dave", "password": "dave"}),
        content_type="application/json",
        **auth,
    )
    assert weak.status_code == 422 and weak.json()["code"] == "invalid-user"
    assert api.delete(f"/api/users/{created.json()['id']}", **auth).status_code == 204
    assert not User.objects.filter(username="carol").exists()


def test_images_from_before_accounts_can_be_deleted_only_by_administrators(
    client, administrator_client
):
    image_id = client.post("/api/images", {"file": upload(photo())}).json()["id"]
    Image.objects.filter(pk=image_id).update(uploaded_by=None)  # as the migration leaves them
    assert client.delete(f"/api/images/{image_id}").status_code == 403
    assert administrator_client.delete(f"/api/images/{image_id}").status_code == 204


def test_the_gallery_shows_delete_buttons_only_where_allowed(client, uploader_client, member):
    mine = client.post("/api/images", {"file": upload(photo())}).json()["id"]
    theirs = uploader_client.post("/api/images", {"file": upload(photo(color=(1, 2, 3)))}).json()[
        "id"
    ]
    html = client.get("/").content.decode()
    assert f'action="/images/{mine}/delete"' in html
    assert f'action="/images/{theirs}/delete"' not in html
