"""The permission matrix: every identity × every action, each cell one real request.

Statuses: "302 login" is a redirect to the sign-in page; "302 gallery" is the page's success
(a redirect back to the gallery). Pages take a session only; the API, originals and renditions
also take `Authorization: Bearer`. Anonymous visitors own no image, so their "own" and
"other's" targets are both someone else's image.
"""

from __future__ import annotations

import pytest
from django.test import Client

from photoshelf.gallery import library
from photoshelf.gallery.models import Image
from photoshelf.ingest.incoming import IncomingFile
from tests.conftest import bearer, make_user, signed_in
from tests.factories import motion_photo, photo, upload

pytestmark = pytest.mark.django_db

IDENTITIES = [
    "anonymous",
    "public",
    "member",
    "uploader",
    "administrator",
    "member_token",
    "revoked_token",
]

# column -> expected answer for each identity, in the order of IDENTITIES
MATRIX = {
    # columns: anonymous, public, member, uploader, administrator, member_token, revoked_token
    "view gallery": ["302 login", "200", "200", "200", "200", "302 login", "302 login"],
    "view original": ["302 login", "200", "200", "200", "200", "200", "401"],
    "view rendition": ["302 login", "200", "200", "200", "200", "200", "401"],
    "view motion video": ["302 login", "200", "200", "200", "200", "200", "401"],
    "upload (API)": ["401", "401", "201", "201", "201", "201", "401"],
    "upload (page)": [
        "302 login",
        "302 login",
        "302 gallery",
        "302 gallery",
        "302 gallery",
        "302 login",
        "302 login",
    ],
    "delete own (API)": ["401", "401", "204", "204", "204", "204", "401"],
    "delete own (page)": [
        "302 login",
        "302 login",
        "302 gallery",
        "302 gallery",
        "302 gallery",
        "302 login",
        "302 login",
    ],
    "delete other's (API)": ["401", "401", "403", "403", "204", "403", "401"],
    "delete other's (page)": [
        "302 login",
        "302 login",
        "403",
        "403",
        "302 gallery",
        "302 login",
        "302 login",
    ],
    "list via API": ["401", "200", "200", "200", "200", "200", "401"],
    "manage users (page)": [
        "302 login",
        "302 login",
        "403",
        "403",
        "200",
        "302 login",
        "302 login",
    ],
    "manage users (API)": ["401", "401", "403", "403", "200", "403", "401"],
}

CELLS = [
    (identity, action, expected[i])
    for action, expected in MATRIX.items()
    for i, identity in enumerate(IDENTITIES)
]


def store(tmp_path, user, name: str) -> Image:
    path = tmp_path / f"{name}.jpg"
    # Motion photos, so that their videos are there to ask for.
    path.write_bytes(motion_photo(size=(48, 32), color=(len(name) * 9 % 256, 80, 120)))
    return library.store(IncomingFile.from_path(path), name, uploaded_by=user)


class Acting:
    """One identity: a client, headers to send, and whose images count as its own and other's."""

    def __init__(self, identity: str, settings, tmp_path):
        member, uploader = make_user("member"), make_user("uploader")
        admin = make_user("administrator", admin=True)
        self.client, self.headers = Client(), {}
        owner, other_owner = member, uploader
        if identity == "public":
            settings.PHOTOSHELF_PUBLIC_GALLERY = True
        elif identity in ("member", "uploader", "administrator"):
            acting = {"member": member, "uploader": uploader, "administrator": admin}[identity]
            self.client = signed_in(acting)
            owner, other_owner = acting, (member if identity == "uploader" else uploader)
        elif identity.endswith("_token"):
            from photoshelf.accounts import tokens

            token, secret = tokens.create(member, identity)
            if identity == "revoked_token":
                tokens.revoke(member, token.pk)
            self.headers = bearer(secret)
        self.own = store(tmp_path, owner, "own")
        self.others = store(tmp_path, other_owner, "others")

    def get(self, url):
        return self.client.get(url, **self.headers)

    def post(self, url, data=None):
        return self.client.post(url, data or {}, **self.headers)

    def delete(self, url):
        return self.client.delete(url, **self.headers)


def perform(acting: Acting, action: str):
    own, others = acting.own.pk, acting.others.pk
    if action == "view gallery":
        return acting.get("/")
    if action == "view original":
        return acting.get(f"/images/{others}/original")
    if action == "view rendition":
        return acting.get(f"/images/{others}/thumbnail")
    if action == "view motion video":
        return acting.get(f"/images/{others}/motion-video")
    if action == "upload (API)":
        return acting.post("/api/images", {"file": upload(photo(size=(40, 30)))})
    if action == "upload (page)":
        return acting.post("/upload", {"file": upload(photo(size=(40, 30)))})
    if action == "delete own (API)":
        return acting.delete(f"/api/images/{own}")
    if action == "delete own (page)":
        return acting.post(f"/images/{own}/delete", {"confirmed": "yes"})
    if action == "delete other's (API)":
        return acting.delete(f"/api/images/{others}")
    if action == "delete other's (page)":
        return acting.post(f"/images/{others}/delete", {"confirmed": "yes"})
    if action == "list via API":
        return acting.get("/api/images")
    if action == "manage users (page)":
        return acting.get("/users")
    if action == "manage users (API)":
        return acting.get("/api/users")
    raise AssertionError(action)


def answer(response) -> str:
    if response.status_code != 302:
        return str(response.status_code)
    location = response["Location"]
    return (
        "302 login"
        if location.startswith("/login")
        else "302 gallery"
        if (location.split("#")[0] == "/")
        else f"302 {location}"
    )


@pytest.mark.parametrize(
    ("identity", "action", "expected"), CELLS, ids=[f"{i}-{a}" for i, a, _ in CELLS]
)
def test_it_answers_each_identity_and_action_exactly(
    identity, action, expected, settings, tmp_path
):
    acting = Acting(identity, settings, tmp_path)
    images_before = Image.objects.count()
    response = perform(acting, action)
    assert answer(response) == expected, response.content[:300]

    succeeded = expected in ("200", "201", "204", "302 gallery")
    if action.startswith("upload"):
        assert Image.objects.count() == images_before + (1 if succeeded else 0)
    if action.startswith("delete"):
        target = acting.own if "own" in action else acting.others
        assert Image.objects.filter(pk=target.pk).exists() is not succeeded
    if expected in ("401", "403") and "API" in action or expected == "401":
        body = response.json()
        assert response["Content-Type"] == "application/problem+json"
        assert body["code"] == {"401": "unauthenticated", "403": "forbidden"}[expected]
    if expected == "401":
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_public_gallery_shows_anonymous_visitors_no_upload_form_or_delete_button(
    anonymous, settings, member, tmp_path
):
    settings.PHOTOSHELF_PUBLIC_GALLERY = True
    image = store(tmp_path, member, "harbour")
    html = anonymous.get("/").content.decode()
    assert f'id="image-{image.pk}"' in html and 'href="/login"' in html
    assert 'action="/upload"' not in html and "/delete" not in html
    assert anonymous.get(f"/images/{image.pk}").status_code == 200


def test_the_openapi_schema_declares_both_ways_to_authenticate(anonymous):
    schemes = anonymous.get("/api/openapi.json").json()["components"]["securitySchemes"]
    assert {"BearerToken": {"type": "http", "scheme": "bearer"}}.items() <= schemes.items()
    assert schemes["SessionWithCsrf"] == {"type": "apiKey", "in": "cookie", "name": "sessionid"}
