"""The permission matrix: every identity × every action, each cell one real request.

Statuses: "302 login" is a redirect to the sign-in page; "302 gallery" is the page's success
(a redirect back to the gallery). Pages take a session only; the API, originals and renditions
also take `Authorization: Bearer`. Anonymous visitors own no image, so their "own" and
"other's" targets are both someone else's image.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from photoshelf.gallery import albums, library, resumable, sharing, trash
from photoshelf.gallery.activity import Actor
from photoshelf.gallery.models import Album, Image, ResumableUpload, ShareLink
from photoshelf.ingest.incoming import IncomingFile
from tests.conftest import bearer, make_user, signed_in
from tests.factories import motion_photo, photo, scene, upload

pytestmark = pytest.mark.django_db

TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}

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
    # Resumable uploads (tus): only their owner reaches them; another's is not found.
    "start resumable upload": ["401", "401", "201", "201", "201", "201", "401"],
    "resume own upload": ["401", "401", "204", "204", "204", "204", "401"],
    "resume other's upload": ["401", "401", "404", "404", "404", "404", "401"],
    "read other's upload": ["401", "401", "404", "404", "404", "404", "401"],
    "cancel other's upload": ["401", "401", "404", "404", "404", "404", "401"],
    # The trash: "own" is a photo the identity deleted, "other's" one someone else deleted.
    # Another person's trash is not there for you (404), as a photo that does not exist.
    "list trash (API)": ["401", "401", "200", "200", "200", "200", "401"],
    "trash page": ["302 login", "302 login", "200", "200", "200", "302 login", "302 login"],
    "restore own (API)": ["401", "401", "200", "200", "200", "200", "401"],
    "restore other's (API)": ["401", "401", "404", "404", "200", "404", "401"],
    "restore own (page)": [
        "302 login",
        "302 login",
        "302 /trash",
        "302 /trash",
        "302 /trash",
        "302 login",
        "302 login",
    ],
    "restore other's (page)": [
        "302 login",
        "302 login",
        "404",
        "404",
        "302 /trash",
        "302 login",
        "302 login",
    ],
    "delete forever own (API)": ["401", "401", "204", "204", "204", "204", "401"],
    "delete forever other's (API)": ["401", "401", "404", "404", "204", "404", "401"],
    "delete forever own (page)": [
        "302 login",
        "302 login",
        "302 /trash",
        "302 /trash",
        "302 /trash",
        "302 login",
        "302 login",
    ],
    "delete forever other's (page)": [
        "302 login",
        "302 login",
        "404",
        "404",
        "302 /trash",
        "302 login",
        "302 login",
    ],
    "empty trash (API)": ["401", "401", "200", "200", "200", "200", "401"],
    "view own trashed original": ["302 login", "404", "200", "200", "200", "200", "401"],
    "view other's trashed rendition": ["302 login", "404", "404", "404", "200", "404", "401"],
    # The activity log: one's own for everyone signed in, another's for administrators only.
    "own activity (API)": ["401", "401", "200", "200", "200", "200", "401"],
    "another's activity (API)": ["401", "401", "403", "403", "200", "403", "401"],
    "activity page": ["302 login", "302 login", "200", "200", "200", "302 login", "302 login"],
    # Filtered to album and share-link actions: one's own, and what was done to one's albums.
    "album activity (API)": ["401", "401", "200", "200", "200", "200", "401"],
    "album activity page": [
        "302 login",
        "302 login",
        "200",
        "200",
        "200",
        "302 login",
        "302 login",
    ],
}

TRASH_ACTIONS = ("restore", "delete forever", "view own trashed", "view other's trashed")

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
        self.own_upload = resumable.create(owner, 10).token
        self.others_upload = resumable.create(other_owner, 10).token
        self.owner, self.other_owner = owner, other_owner

    def trash_both(self) -> None:
        """Each target deleted by its uploader: in their trash."""
        trash.move(self.own, Actor(user=self.owner, via="page"))
        trash.move(self.others, Actor(user=self.other_owner, via="page"))

    def get(self, url):
        return self.client.get(url, **self.headers)

    def post(self, url, data=None):
        return self.client.post(url, data or {}, **self.headers)

    def delete(self, url):
        return self.client.delete(url, **self.headers, **TUS)

    def tus(self, method: str, url: str, data: bytes = b"", **headers: str):
        extra: dict = {**self.headers, **TUS, **headers}
        return self.client.generic(method, url, data, **extra)


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
    if action == "start resumable upload":
        return acting.tus("POST", "/api/uploads", HTTP_UPLOAD_LENGTH="10")
    if action.endswith("upload") and action != "start resumable upload":
        token = acting.own_upload if "own" in action else acting.others_upload
        url = f"/api/uploads/{token}"
        if action.startswith("resume"):
            patch = {"CONTENT_TYPE": "application/offset+octet-stream", "HTTP_UPLOAD_OFFSET": "0"}
            return acting.tus("PATCH", url, b"12345", **patch)
        if action.startswith("read"):
            return acting.get(url)
        return acting.tus("DELETE", url)
    if action == "own activity (API)":
        return acting.get("/api/activity")
    if action == "another's activity (API)":
        return acting.get(f"/api/activity?user={acting.other_owner.get_username()}")
    if action == "activity page":
        return acting.get("/activity")
    if action == "album activity (API)":
        return acting.get("/api/activity?action=album-add")
    if action == "album activity page":
        return acting.get("/activity?action=link-create")
    if action == "list trash (API)":
        return acting.get("/api/trash")
    if action == "trash page":
        return acting.get("/trash")
    if action == "restore own (API)":
        return acting.post(f"/api/trash/{own}/restore")
    if action == "restore other's (API)":
        return acting.post(f"/api/trash/{others}/restore")
    if action == "restore own (page)":
        return acting.post(f"/trash/{own}/restore")
    if action == "restore other's (page)":
        return acting.post(f"/trash/{others}/restore")
    if action == "delete forever own (API)":
        return acting.delete(f"/api/trash/{own}")
    if action == "delete forever other's (API)":
        return acting.delete(f"/api/trash/{others}")
    if action == "delete forever own (page)":
        return acting.post(f"/trash/{own}/delete", {"confirmed": "yes"})
    if action == "delete forever other's (page)":
        return acting.post(f"/trash/{others}/delete", {"confirmed": "yes"})
    if action == "empty trash (API)":
        return acting.delete("/api/trash")
    if action == "view own trashed original":
        return acting.get(f"/images/{own}/original")
    if action == "view other's trashed rendition":
        return acting.get(f"/images/{others}/thumbnail")
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
    if action.startswith(TRASH_ACTIONS) or action == "empty trash (API)":
        acting.trash_both()
    images_before = Image.objects.count()
    response = perform(acting, action)
    assert answer(response) == expected, response.content[:300]

    succeeded = expected in ("200", "201", "204", "302 gallery")
    if action.startswith("upload"):
        assert Image.objects.count() == images_before + (1 if succeeded else 0)
    target = acting.own if "own" in action else acting.others
    if action.startswith("delete forever"):
        purged = expected in ("204", "302 /trash")
        assert Image.everything.filter(pk=target.pk).exists() is not purged
    elif action.startswith("delete"):
        assert Image.objects.filter(pk=target.pk).exists() is not succeeded
        assert Image.everything.filter(pk=target.pk, trashed_at__isnull=False).exists() is succeeded
    if action.startswith("restore"):
        back = expected in ("200", "302 /trash")
        assert Image.objects.filter(pk=target.pk).exists() is back
    if action == "own activity (API)" and succeeded:
        whose = {e["user"] for e in response.json()["items"]}
        everyone = {acting.owner.get_username(), acting.other_owner.get_username()}
        assert whose == (everyone if identity == "administrator" else {acting.owner.get_username()})
    if action == "empty trash (API)" and succeeded:
        assert response.json() == {"purged": 2 if identity == "administrator" else 1}
    if "upload" in action and action.endswith("upload"):
        upload = ResumableUpload.objects.filter(token=acting.others_upload).first()
        assert upload is not None and upload.offset == 0  # another's upload is untouched
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


# --- Albums and share links -------------------------------------------------------------
# The album belongs to `owner`; its link has the password "confetti" and takes uploads.
# "link" is an anonymous visitor holding that link (and its password); "expired_link" and
# "revoked_link" hold a link in that state (with its password); "wrong_password" holds the
# live link with a wrong password. Signed-in people hold the link without its password: an
# account does not open a password link.
SHARE_IDENTITIES = [
    "anonymous",
    "link",
    "expired_link",
    "revoked_link",
    "wrong_password",
    "member",
    "owner",
    "administrator",
]
_NONE = ["401"] * 5
SHARE_MATRIX = {
    # columns: anonymous, link, expired_link, revoked_link, wrong_password, member, owner, admin
    "view album (API)": [*_NONE, "404", "200", "200"],
    "change album (API)": [*_NONE, "404", "200", "200"],
    "add photos (API)": [*_NONE, "404", "200", "200"],
    "delete album (API)": [*_NONE, "404", "204", "204"],
    "make link (API)": [*_NONE, "404", "201", "201"],
    "list links (API)": [*_NONE, "404", "200", "200"],
    "revoke link (API)": [*_NONE, "404", "204", "204"],
    "view album (page)": [*["302 login"] * 5, "404", "200", "200"],
    "share dialog (page)": [*["302 login"] * 5, "404", "200", "200"],
    "share photo dialog (page)": [*["302 login"] * 5, "404", "200", "200"],
    "make photo link (API)": [*_NONE, "403", "201", "201"],
    "shared info (API)": ["401", "200", "410", "404", "401", "401", "401", "401"],
    "shared photos (API)": ["401", "200", "410", "404", "401", "401", "401", "401"],
    "shared page": ["401", "200", "410", "404", "401", "401", "401", "401"],
    "shared original": ["404", "200", "404", "404", "404", "404", "404", "404"],
    "shared card": ["404", "200", "404", "404", "404", "404", "404", "404"],
    "guest upload (API)": ["401", "201", "410", "404", "401", "401", "401", "401"],
    "guest resumable upload (tus)": ["401", "201", "410", "404", "401", "401", "401", "401"],
    "delete guest upload (API)": [*_NONE, "403", "204", "204"],
}
SHARE_CELLS = [
    (identity, action, expected[i])
    for action, expected in SHARE_MATRIX.items()
    for i, identity in enumerate(SHARE_IDENTITIES)
]
SHARE_PASSWORD = "confetti"


class Sharing:
    """One identity facing one album, its photo, its links and a guest's upload."""

    def __init__(self, identity: str, tmp_path):
        self.identity = identity
        member, owner = make_user("member"), make_user("owner")
        admin = make_user("administrator", admin=True)
        self.image = store(tmp_path, owner, "in-album")
        self.album = albums.create(owner, "Wedding")
        albums.add(self.album, [self.image.pk])
        options: dict[str, Any] = {"password": SHARE_PASSWORD, "allow_upload": True}
        self.link, self.token = sharing.create(self.album, created_by=owner, **options)
        if identity in ("expired_link", "revoked_link"):  # (argon2 is slow: only when held)
            held, self.token = sharing.create(self.album, created_by=owner, **options)
            if identity == "expired_link":
                ShareLink.objects.filter(pk=held.pk).update(expires_at=timezone.now())
            else:
                sharing.revoke(held)
        guest_file = tmp_path / "guest.jpg"
        guest_file.write_bytes(scene(4242))
        self.guest_upload = sharing.store_guest_upload(
            self.link, IncomingFile.from_path(guest_file), "guest"
        )
        users = {"member": member, "owner": owner, "administrator": admin}
        self.client = signed_in(users[identity]) if identity in users else Client()
        self.password = {
            "link": SHARE_PASSWORD,
            "expired_link": SHARE_PASSWORD,
            "revoked_link": SHARE_PASSWORD,
            "wrong_password": "not it",
        }.get(identity)
        if self.password is not None:  # as a browser does: the form first, then its cookie
            self.client.post(f"/s/{self.token}", {"password": self.password})
        self.headers: dict[str, Any] = (
            {} if self.password is None else {"HTTP_X_SHARE_PASSWORD": self.password}
        )


def perform_sharing(acting: Sharing, action: str):
    c, album, token, h = acting.client, acting.album.pk, acting.token, acting.headers
    json = "application/json"
    if action == "view album (API)":
        return c.get(f"/api/albums/{album}")
    if action == "change album (API)":
        return c.patch(f"/api/albums/{album}", {"title": "Mine"}, content_type=json)
    if action == "add photos (API)":
        ids = {"image_ids": [acting.guest_upload.pk]}
        return c.post(f"/api/albums/{album}/images", ids, content_type=json)
    if action == "delete album (API)":
        return c.delete(f"/api/albums/{album}")
    if action == "make link (API)":
        return c.post(f"/api/albums/{album}/links", {}, content_type=json)
    if action == "list links (API)":
        return c.get(f"/api/albums/{album}/links")
    if action == "revoke link (API)":
        return c.delete(f"/api/links/{acting.link.pk}")
    if action == "view album (page)":
        return c.get(f"/albums/{album}")
    if action == "share dialog (page)":
        return c.get(f"/albums/{album}/links")
    if action == "share photo dialog (page)":
        return c.get(f"/images/{acting.image.pk}/links")
    if action == "make photo link (API)":
        return c.post(f"/api/images/{acting.image.pk}/links", {}, content_type=json)
    if action == "shared info (API)":
        return c.get(f"/api/shared/{token}", **h)
    if action == "shared photos (API)":
        return c.get(f"/api/shared/{token}/images", **h)
    if action == "shared page":
        return c.get(f"/s/{token}")
    if action == "shared original":
        return c.get(f"/s/{token}/images/{acting.image.pk}/original")
    if action == "shared card":
        return c.get(f"/s/{token}/images/{acting.image.pk}/card")
    if action == "guest upload (API)":
        return c.post(f"/api/shared/{token}/images", {"file": upload(scene(4343))}, **h)
    if action == "guest resumable upload (tus)":  # the whole file in its creation request
        data = scene(4344)
        tus: dict[str, Any] = {
            "HTTP_TUS_RESUMABLE": "1.0.0",
            "HTTP_UPLOAD_LENGTH": str(len(data)),
            "content_type": "application/offset+octet-stream",
            **h,
        }
        return c.generic("POST", f"/api/shared/{token}/uploads", data, **tus)
    if action == "delete guest upload (API)":
        return c.delete(f"/api/images/{acting.guest_upload.pk}")
    raise AssertionError(action)


SHARED_401_CODES = {"wrong_password": "share-password-wrong"}


@pytest.mark.parametrize(
    ("identity", "action", "expected"),
    SHARE_CELLS,
    ids=[f"{i}-{a}" for i, a, _ in SHARE_CELLS],
)
def test_it_answers_each_identity_and_album_or_link_action_exactly(
    identity, action, expected, tmp_path
):
    acting = Sharing(identity, tmp_path)
    images_before = Image.objects.count()
    response = perform_sharing(acting, action)
    assert answer(response) == expected, response.content[:300]

    succeeded = expected in ("200", "201", "204")
    if action in ("guest upload (API)", "guest resumable upload (tus)"):
        assert Image.objects.count() == images_before + (1 if succeeded else 0)
    if action == "delete guest upload (API)":
        assert Image.objects.filter(pk=acting.guest_upload.pk).exists() is not succeeded
    if action == "delete album (API)":
        assert Album.objects.filter(pk=acting.album.pk).exists() is not succeeded
    if action == "revoke link (API)":
        acting.link.refresh_from_db()
        assert (acting.link.revoked_at is not None) is succeeded
    if action == "change album (API)":
        assert (Album.objects.get(pk=acting.album.pk).title == "Mine") is succeeded
    if ("API" in action or "tus" in action) and not succeeded:
        assert response["Content-Type"] == "application/problem+json"
        code = response.json()["code"]
        if action.startswith("shared") or action.startswith("guest") and "delete" not in action:
            assert (
                code
                == {
                    "401": SHARED_401_CODES.get(identity, "share-password-required"),
                    "404": "not-found",
                    "410": "share-expired",
                }[expected]
            )
        else:
            assert (
                code == {"401": "unauthenticated", "403": "forbidden", "404": "not-found"}[expected]
            )
