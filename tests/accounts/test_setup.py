"""First run: while no user exists every page leads to the one-time setup page."""

import pytest
from django.contrib.auth import get_user_model

from tests.conftest import make_user

pytestmark = pytest.mark.django_db

GOOD = {"username": "alice", "password": "harbour-at-dusk-42", "password2": "harbour-at-dusk-42"}


@pytest.mark.parametrize("path", ["/", "/login", "/images/1/original", "/users", "/tokens"])
def test_it_sends_every_page_to_setup_while_no_user_exists(anonymous, path):
    response = anonymous.get(path)
    assert (response.status_code, response["Location"]) == (302, "/setup")


def test_the_api_answers_401_not_a_setup_page(anonymous):
    assert anonymous.get("/api/images").status_code == 401


def test_setup_creates_the_first_administrator_with_an_argon2_hash_and_signs_in(anonymous):
    assert anonymous.get("/setup").status_code == 200
    response = anonymous.post("/setup", GOOD)
    assert (response.status_code, response["Location"]) == (302, "/")
    admin = get_user_model().objects.get()
    assert admin.username == "alice" and admin.is_superuser
    assert admin.password.startswith("argon2$argon2id$")
    assert anonymous.get("/").status_code == 200  # signed in by the setup itself


def test_setup_is_gone_once_a_user_exists(anonymous):
    make_user("someone")
    assert anonymous.get("/setup")["Location"] == "/"
    response = anonymous.post("/setup", {**GOOD, "username": "intruder"})
    assert response.status_code == 302
    assert not get_user_model().objects.filter(username="intruder").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"password": "short", "password2": "short"}, "too short"),
        ({"password": "password123", "password2": "password123"}, "too common"),
        ({"password2": "something-else-entirely"}, "The two passwords differ."),
        ({"username": "no spaces allowed"}, "Enter a valid username"),
    ],
)
def test_setup_refuses_weak_or_mistyped_passwords(anonymous, change, message):
    response = anonymous.post("/setup", {**GOOD, **change})
    assert response.status_code == 400 and message in response.content.decode()
    assert not get_user_model().objects.exists()
