"""Hostile and odd uploads through Django's full request handling: each a 201 or a coded 4xx.

What the test client cannot send (bogus Content-Length, a body cut short) is in
test_hostile_http.py, against a real server.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib

import pytest
from django.utils.html import escape
from PIL import Image as PILImage

from photoshelf.gallery.models import Image
from tests.conftest import stored_files
from tests.factories import photo, upload

pytestmark = pytest.mark.django_db


def post(client, data: bytes, filename="photo.jpg", **fields):
    return client.post("/api/images", {"file": upload(data, filename), **fields})


def refused(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code and body["status"] == status and body["detail"]
    return body


# --- Decompression bombs: refused from the header, before any pixel is decoded ---------------

BOMB_SIDE = 40_000  # 40000 x 40000 = 1.6 gigapixels, declared by a file of a few hundred bytes


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb() -> bytes:
    header = struct.pack(">IIBBBBB", BOMB_SIDE, BOMB_SIDE, 8, 2, 0, 0, 0)
    # one tiny IDAT that could never fill the declared size: decoding it would fail, so a
    # too-many-pixels answer proves that nothing was decoded
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + _png_chunk(b"IEND", b"")
    )


def gif_bomb() -> bytes:
    screen = struct.pack("<HHBBB", BOMB_SIDE, BOMB_SIDE, 0x80, 0, 0)
    palette = b"\0\0\0\xff\xff\xff"
    descriptor = b"\x2c" + struct.pack("<HHHHB", 0, 0, BOMB_SIDE, BOMB_SIDE, 0)
    return b"GIF89a" + screen + palette + descriptor + b"\x02\x02\x44\x01\x00\x3b"


def tiff_bomb() -> bytes:
    entries = [
        (256, 4, 1, BOMB_SIDE),
        (257, 4, 1, BOMB_SIDE),
        (258, 3, 1, 8),
        (259, 3, 1, 1),
        (262, 3, 1, 1),
        (273, 4, 1, 8),
        (277, 3, 1, 1),
        (278, 4, 1, BOMB_SIDE),
        (279, 4, 1, 16),
    ]
    ifd = struct.pack("<H", len(entries)) + b"".join(
        struct.pack("<HHII", tag, kind, 1, value) for tag, kind, _, value in entries
    )
    body = b"\0" * 16
    return b"II*\0" + struct.pack("<I", 8 + len(body)) + body + ifd + b"\0\0\0\0"


@pytest.mark.parametrize("bomb", [png_bomb, gif_bomb, tiff_bomb], ids=["png", "gif", "tiff"])
def test_a_decompression_bomb_is_refused_before_any_pixel_is_decoded(client, media_dir, bomb):
    data = bomb()
    assert len(data) < 1024
    with PILImage.open(io.BytesIO(data)) as image:  # the premise: the header declares the bomb
        assert image.size == (BOMB_SIDE, BOMB_SIDE)
    body = refused(post(client, data, "tiny.img"), 413, "too-many-pixels")
    assert (body["width"], body["height"]) == (BOMB_SIDE, BOMB_SIDE)
    assert stored_files(media_dir) == []


# --- Empty, missing and repeated fields --------------------------------------------------------


def test_a_zero_byte_file_is_refused(client, media_dir):
    body = refused(post(client, b"", "empty.jpg"), 415, "not-an-image")
    assert "empty" in body["detail"]


def test_a_missing_file_field_is_refused(client):
    refused(client.post("/api/images", {"name": "where is it"}), 400, "file-missing")


def test_a_repeated_file_field_is_refused(client, media_dir):
    files = [upload(photo(color=(1, 2, 3)), "a.jpg"), upload(photo(color=(3, 2, 1)), "b.jpg")]
    refused(client.post("/api/images", {"file": files}), 400, "invalid-request")
    assert Image.objects.count() == 0


def test_a_repeated_name_field_is_refused(client, media_dir):
    response = client.post("/api/images", {"file": upload(photo()), "name": ["one", "two"]})
    refused(response, 400, "invalid-request")
    assert Image.objects.count() == 0 and stored_files(media_dir) == []


def test_the_upload_form_refuses_a_repeated_name_too(client):
    response = client.post("/upload", {"file": upload(photo()), "name": ["one", "two"]})
    assert response.status_code == 400
    assert 'data-code="invalid-request"' in response.content.decode()


@pytest.mark.parametrize(
    "body, content_type",
    [
        (b"file=abc", "application/x-www-form-urlencoded"),
        (b'{"file": "abc"}', "application/json"),
        (b"hello", "multipart/form-data"),  # no boundary
        (b"--xx\r\nbroken", "multipart/form-data; boundary=xx"),
        (b"\xff\xd8\xff\xe0", "image/jpeg"),  # the raw image, not a form
    ],
    ids=["urlencoded", "json", "no-boundary", "broken-multipart", "raw-jpeg"],
)
def test_a_body_that_is_not_a_multipart_form_is_a_clear_4xx(client, body, content_type):
    response = client.post("/api/images", body, content_type=content_type)
    assert response.status_code == 400
    assert response.json()["code"] in {"file-missing", "invalid-request"}


# --- Polyglots and disguises: only decoded raster images are accepted -------------------------

SVG_SCRIPT = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
SVG_PLAIN = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect/></svg>'


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("index.html", "<script>alert(1)</script>")
    return out.getvalue()


@pytest.mark.parametrize(
    "data, filename",
    [
        (SVG_SCRIPT, "a.svg"),
        (SVG_PLAIN, "plain.svg"),
        (SVG_SCRIPT, "disguised.jpg"),
        (b"<!doctype html><html><script>alert(1)</script></html>", "page.jpg"),
        (b"alert(document.cookie)//", "script.png"),
        (b"GIF89a=1;alert(1)//", "gifar.gif"),  # a GIF header that is really JavaScript
        (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "doc.jpg"),
        (_zip(), "archive.jpg"),
    ],
    ids=["svg-script", "svg", "svg-as-jpg", "html-as-jpg", "js-as-png", "gif-js", "pdf", "zip"],
)
def test_what_is_not_a_raster_image_is_refused(client, media_dir, data, filename):
    refused(post(client, data, filename), 415, "not-an-image")
    assert stored_files(media_dir) == []


def test_a_jpeg_with_html_in_its_comment_is_only_ever_served_as_a_jpeg(client):
    html = b"<html><body><script>alert(1)</script></body></html>"
    image = PILImage.new("RGB", (32, 32), (200, 10, 10))
    out = io.BytesIO()
    image.save(out, "JPEG", comment=html, exif=PILImage.open(io.BytesIO(photo())).getexif())
    data = out.getvalue()
    assert html in data
    created = post(client, data, "page.html")
    assert created.status_code == 201
    original = client.get(created.json()["original_url"])
    assert original["Content-Type"] == "image/jpeg"
    assert original["X-Content-Type-Options"] == "nosniff"
    assert original["Content-Disposition"].startswith("inline;")
    page = client.get(f"/images/{created.json()['id']}")
    policy = page["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "<script>alert" not in page.content.decode()


# --- Hostile names and file names ---------------------------------------------------------------

HOSTILE_NAMES = {
    "html": '<img src=x onerror="alert(1)">',
    "quotes": "\"double\" and 'single' \\ back",
    "path": "../../etc/passwd",
    "windows-path": "..\\..\\boot.ini",
    "dots": "..",
    "nul": "a\x00b",
    "control": "bell\x07tab\tend",
    "rtl-override": "photo\u202egnp.exe",
    "long": "n" * 10_000,
    "unicode": "Čeština – 写真 📷",
}
# what the name rule does with each: stored (and always shown escaped) or refused
REFUSED_NAMES = {"nul", "control", "rtl-override", "long"}

# RFC 6266: a token or quoted-string filename, and an RFC 5987 filename* for non-ASCII
_QUOTED = r'"(?:[^"\\\x00-\x1f\x7f]|\\[\x20-\x7e])*"'
_EXT_VALUE = r"utf-8''(?:[A-Za-z0-9!#$&+.^_`|~-]|%[0-9A-F]{2})+"
CONTENT_DISPOSITION = re.compile(
    rf"^(inline|attachment)(; filename={_QUOTED})?(; filename\*={_EXT_VALUE})?$"
)


def assert_well_formed_disposition(value: str) -> None:
    assert value.isascii() and "\r" not in value and "\n" not in value, value
    assert CONTENT_DISPOSITION.match(value), value
    assert "/" not in value and "%2F" not in value.upper(), value  # no path to save into


@pytest.mark.parametrize("key", HOSTILE_NAMES)
def test_a_hostile_name_is_stored_and_shown_escaped_or_refused(client, media_dir, key):
    name = HOSTILE_NAMES[key]
    response = post(client, photo(color=(len(key), 9, 9)), name=name)
    if key in REFUSED_NAMES:
        refused(response, 422, "invalid-name")
        assert stored_files(media_dir) == []
        return
    assert response.status_code == 201, response.content
    image = Image.objects.get()
    assert image.name == name.strip()
    for page in ("/", f"/images/{image.pk}"):
        html = client.get(page).content.decode()
        assert escape(image.name) in html
        if "<" in name:
            assert name not in html
    for url in (f"/images/{image.pk}/original", f"/images/{image.pk}/preview"):
        assert_well_formed_disposition(client.get(url)["Content-Disposition"])


@pytest.mark.parametrize("key", HOSTILE_NAMES)
def test_a_hostile_file_name_is_cleaned_and_never_becomes_a_path(client, media_dir, key):
    filename = HOSTILE_NAMES[key] + ".jpg"
    response = post(client, photo(color=(len(key), 7, 7)), filename=filename)
    assert response.status_code == 201, response.content
    body = response.json()
    assert len(body["filename"]) <= 255 and len(body["name"]) <= 200
    assert not any(ch in body["filename"] for ch in "/\\\x00\x07\t\u202e")
    assert all(path.startswith(("originals/", "renditions/")) for path in stored_files(media_dir))
    assert_well_formed_disposition(client.get(body["original_url"])["Content-Disposition"])
    html = client.get(f"/images/{body['id']}").content.decode()
    assert "<img src=x" not in html
