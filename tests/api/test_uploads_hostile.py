"""Hostile input to /api/uploads: headers that are not what they claim, names that try to be
paths, ids that try to leave their folder, bodies sent chunked or broken. Every answer is a
success or a problem with a code, never a 500, and nothing lands outside the upload."""

from __future__ import annotations

import base64

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from photoshelf.core.refusals import REFUSALS
from photoshelf.gallery.models import Image, ResumableUpload
from photoshelf.storage.keys import sha256_of
from tests.api.test_uploads import TUS, b64, create, head, location, patch
from tests.conftest import stored_files
from tests.factories import photo, recently

pytestmark = pytest.mark.django_db

LATIN1 = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=80)


def assert_answered(response) -> None:
    assert response.status_code < 500, response.content[:300]
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/problem+json"
        body = response.json()
        assert body["code"] in REFUSALS and body["detail"]


@pytest.mark.parametrize(
    "filename",
    ["../../../etc/passwd", "..\\..\\boot.ini", "a\x00b.jpg", "\u202egpj.exe", "x" * 1000, "/"],
)
def test_a_hostile_filename_is_cleaned_and_never_becomes_a_path(client, media_dir, filename):
    data = photo(size=(200, 150), taken=recently(days=1))
    url = location(client, len(data), metadata=f"filename {b64(filename)}")
    assert patch(client, url, 0, data).status_code == 204
    image = Image.objects.get()
    assert "/" not in image.filename and "\\" not in image.filename and "\x00" not in image.filename
    assert len(image.filename) <= 255
    keys = stored_files(media_dir)
    assert keys and all(sha256_of(key) == image.sha256 for key in keys)  # no name in a path


@pytest.mark.parametrize(
    "token",
    ["..%2F..%2Fetc%2Fpasswd", "%00", "x" * 5000, "ＡＢＣ", "0" * 32 + "%0d%0aSet-Cookie:x=1"],
)
def test_an_id_that_is_not_one_is_a_404_problem(client, token):
    for response in (
        head(client, f"/api/uploads/{token}"),
        patch(client, f"/api/uploads/{token}", 0, b"x"),
        client.get(f"/api/uploads/{token}"),
    ):
        assert response.status_code == 404
        assert "Set-Cookie" not in response or "x=1" not in response["Set-Cookie"]


def test_many_metadata_pairs_are_read_and_the_unknown_ones_ignored(client):
    pairs = ",".join(f"key{i} {b64(str(i))}" for i in range(500))
    response = create(client, 10, metadata=f"{pairs},filename {b64('a.jpg')}")
    assert response.status_code == 201
    assert ResumableUpload.objects.get().filename == "a.jpg"


def test_an_empty_upload_is_refused_as_an_empty_file(client):
    url = location(client, 0)
    answer = patch(client, url, 0, b"")
    assert answer.status_code == 415 and answer.json()["code"] == "not-an-image"


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(length=LATIN1, metadata=LATIN1, offset=LATIN1, checksum=LATIN1, body=st.binary(max_size=64))
def test_any_header_values_are_answered_never_a_500(
    client, length, metadata, offset, checksum, body
):
    created = client.generic(
        "POST",
        "/api/uploads",
        b"",
        **TUS,
        HTTP_UPLOAD_LENGTH=length,
        HTTP_UPLOAD_METADATA=metadata,
    )
    assert_answered(created)
    url = created["Location"] if created.status_code == 201 else location(client, 32)
    answered = patch(client, url, 0, body, HTTP_UPLOAD_OFFSET=offset, HTTP_UPLOAD_CHECKSUM=checksum)
    assert_answered(answered)
    assert_answered(head(client, url))
    assert_answered(client.generic("DELETE", url, **TUS))


def test_a_checksum_header_without_a_digest_is_400(client):
    url = location(client, 10)
    answer = patch(client, url, 0, b"a" * 10, HTTP_UPLOAD_CHECKSUM="sha1")
    assert answer.status_code in (400, 460)
    assert head(client, url)["Upload-Offset"] == "0"


def test_a_digest_of_the_wrong_length_is_a_mismatch(client):
    url = location(client, 10)
    short = base64.b64encode(b"abc").decode()
    answer = patch(client, url, 0, b"a" * 10, HTTP_UPLOAD_CHECKSUM=f"sha256 {short}")
    assert answer.status_code == 460


def test_a_session_without_its_csrf_token_is_forbidden(member):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    response = browser.generic("POST", "/api/uploads", b"", **TUS, HTTP_UPLOAD_LENGTH="10")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert ResumableUpload.objects.count() == 0


def test_a_patch_body_of_another_type_keeps_no_byte(client):
    url = location(client, 10)
    answer = client.generic(
        "PATCH", url, b"a" * 10, content_type="application/json", **TUS, HTTP_UPLOAD_OFFSET="0"
    )
    assert answer.status_code == 415
    assert head(client, url)["Upload-Offset"] == "0"
