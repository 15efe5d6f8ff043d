"""Sign in and out, the session cookie, and throttling of password guessing (django-axes)."""

import pytest

from tests.conftest import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "harbour-at-dusk-42"


@pytest.fixture
def alice(db):
    return make_user("alice", password=PASSWORD)


def sign_in(client, password, username="alice", address="192.0.2.10"):
    return client.post("/login", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_it_signs_in_with_the_right_password_and_sets_a_safe_session_cookie(anonymous, alice):
    response = sign_in(anonymous, PASSWORD)
    assert (response.status_code, response["Location"]) == (302, "/")
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and not cookie["secure"]
    assert anonymous.get("/").status_code == 200


def test_it_returns_to_the_page_asked_for(anonymous, alice):
    assert anonymous.get("/tokens")["Location"] == "/login?next=/tokens"
    response = anonymous.post(
        "/login?next=/tokens", {"username": "alice", "password": PASSWORD, "next": "/tokens"}
    )
    assert response["Location"] == "/tokens"


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(anonymous, alice):
    response = sign_in(anonymous, "not-it")
    assert response.status_code == 200
    assert "Wrong user name or password." in response.content.decode()
    assert anonymous.get("/").status_code == 302


def test_the_attempt_after_n_wrong_passwords_in_a_row_is_throttled(anonymous, alice, settings):
    attempts = settings.PHOTOSHELF_LOGIN_ATTEMPTS
    for _ in range(attempts):
        assert sign_in(anonymous, "guess").status_code == 200
    locked = sign_in(anonymous, "guess")
    assert locked.status_code == 429
    assert "Too many wrong passwords" in locked.content.decode()
    # Locked out means the right password does not help either, until the cool-off ends ...
    assert sign_in(anonymous, PASSWORD).status_code == 429
    assert anonymous.get("/").status_code == 302
    # ... while the same user from another address is not locked out by the guesser.
    assert sign_in(anonymous, PASSWORD, address="198.51.100.7").status_code == 302


def test_a_success_resets_the_count_of_wrong_passwords(anonymous, alice, settings):
    settings.AXES_FAILURE_LIMIT = 3  # two wrong passwords allowed: keeps argon2 work short
    for _ in range(2):
        sign_in(anonymous, "guess")
    assert sign_in(anonymous, PASSWORD).status_code == 302
    anonymous.post("/logout")
    assert sign_in(anonymous, "guess").status_code == 200  # would be the 3rd in a row: 429


def test_sign_out_is_a_post_and_closes_the_gallery(client):
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200
    response = client.post("/logout")
    assert (response.status_code, response["Location"]) == (302, "/login")
    assert client.get("/")["Location"] == "/login?next=/"
