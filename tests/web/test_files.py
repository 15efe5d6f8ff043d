"""Originals and renditions as served: type, nosniff, disposition, caching."""

import io
import urllib.request

import pytest
from PIL import Image as PILImage

from photoshelf.gallery.models import Image
from tests.factories import motion_photo, mp4, photo, recently, upload

pytestmark = pytest.mark.django_db


def add(client, data: bytes, name: str, filename="p.jpg") -> Image:
    response = client.post("/api/images", {"file": upload(data, filename), "name": name})
    assert response.status_code == 201, response.content
    return Image.objects.get(pk=response.json()["id"])


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_original_is_served_as_uploaded_with_safe_headers(client):
    data = photo("PNG")
    image = add(client, data, "Beach", filename="beach.jpg")  # the name lies; the content rules
    response = client.get(f"/images/{image.pk}/original")
    assert response.status_code == 200 and body(response) == data
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == 'inline; filename="Beach.png"'
    assert (
        "max-age=31536000" in response["Cache-Control"] and "immutable" in response["Cache-Control"]
    )
    assert response["ETag"] == f'"{image.sha256}"'


def test_a_unicode_name_is_encoded_in_content_disposition(client):
    image = add(client, photo(), 'Été "quoted" 写真')
    disposition = client.get(f"/images/{image.pk}/original")["Content-Disposition"]
    assert (
        disposition
        == "inline; filename*=utf-8''%C3%89t%C3%A9%20%22quoted%22%20%E5%86%99%E7%9C%9F.jpg"
    )


def test_renditions_are_jpeg(client):
    image = add(client, photo(size=(2000, 1000)), "Wide")
    for size_name, width in (("thumbnail", 400), ("preview", 1600)):
        response = client.get(f"/images/{image.pk}/{size_name}")
        assert response["Content-Type"] == "image/jpeg"
        with PILImage.open(io.BytesIO(body(response))) as rendition:
            assert rendition.width == width


def test_the_thumbnail_is_also_webp_with_its_own_etag(client):
    image = add(client, photo(size=(2000, 1000)), "Wide")
    assert client.get(f"/images/{image.pk}/preview.webp").status_code == 404  # JPEG alone
    for size_name, width in (("thumbnail", 400),):
        response = client.get(f"/images/{image.pk}/{size_name}.webp")
        assert response.status_code == 200 and response["Content-Type"] == "image/webp"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"] == f'inline; filename="Wide-{size_name}.webp"'
        assert "immutable" in response["Cache-Control"]
        jpeg_etag = client.get(f"/images/{image.pk}/{size_name}")["ETag"]
        assert response["ETag"] == f'"{image.sha256}-{size_name}.webp"' != jpeg_etag
        with PILImage.open(io.BytesIO(body(response))) as rendition:
            assert (rendition.format, rendition.width) == ("WEBP", width)
        again = client.get(
            f"/images/{image.pk}/{size_name}.webp", HTTP_IF_NONE_MATCH=response["ETag"]
        )
        assert again.status_code == 304


def test_a_matching_etag_is_answered_304(client):
    image = add(client, photo(), "Cached")
    response = client.get(f"/images/{image.pk}/original", HTTP_IF_NONE_MATCH=f'"{image.sha256}"')
    assert response.status_code == 304


def test_unknown_images_and_sizes_are_404(client):
    image = add(client, photo(), "Only")
    assert client.get("/images/999/original").status_code == 404
    assert client.get(f"/images/{image.pk}/huge").status_code == 404
    for name in ("thumbnail.avif", "thumbnail.jpg", "thumbnail.", "huge.webp", ".webp"):
        assert client.get(f"/images/{image.pk}/{name}").status_code == 404


# --- GPS and metadata in what is served -----------------------------------------------------


def _gps_in(data: bytes):
    from photoshelf.ingest.metadata import read_metadata

    with PILImage.open(io.BytesIO(data)) as image:
        facts = read_metadata(image)
    return facts.gps_latitude, facts.gps_longitude


def test_originals_keep_their_gps_by_default(client, corpus, settings):
    settings.PHOTOSHELF_MAX_AGE_DAYS = 0
    data = (corpus / "jpg" / "gps" / "DSCN0010.jpg").read_bytes()
    image = add(client, data, "Lake")
    response = client.get(f"/images/{image.pk}/original")
    assert body(response) == data and _gps_in(data)[0] is not None


def test_the_setting_serves_originals_without_gps_and_with_their_own_etag(client, corpus, settings):
    settings.PHOTOSHELF_MAX_AGE_DAYS = 0
    settings.PHOTOSHELF_STRIP_GPS_FROM_ORIGINALS = True
    data = (corpus / "jpg" / "gps" / "DSCN0010.jpg").read_bytes()
    image = add(client, data, "Lake")
    response = client.get(f"/images/{image.pk}/original")
    served = response.content
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert _gps_in(served) == (None, None) and len(served) == len(data)
    assert served[data.index(b"\xff\xda") :] == data[data.index(b"\xff\xda") :]  # same pixels
    assert response["ETag"] == f'"{image.sha256}-nogps"'
    assert response["X-Content-Type-Options"] == "nosniff"
    # the stored original itself is untouched: turning the setting off serves it again
    settings.PHOTOSHELF_STRIP_GPS_FROM_ORIGINALS = False
    assert body(client.get(f"/images/{image.pk}/original")) == data


def test_an_original_whose_gps_cannot_be_removed_is_withheld(client, settings):
    from tests.gallery.test_privacy import jpeg_with_a_gps_pointer_out_of_bounds

    settings.PHOTOSHELF_STRIP_GPS_FROM_ORIGINALS = True
    settings.PHOTOSHELF_REQUIRE_TAKEN_AT = False
    image = add(client, jpeg_with_a_gps_pointer_out_of_bounds(), "Damaged")
    response = client.get(f"/images/{image.pk}/original")
    assert response.status_code == 403
    assert 'data-code="original-withheld"' in response.content.decode()


def _riff_chunks(data: bytes) -> set[str]:
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    found, at = set(), 12
    while at + 8 <= len(data):
        length = int.from_bytes(data[at + 4 : at + 8], "little")
        found.add(data[at : at + 4].decode("latin-1"))
        at += 8 + length + (length & 1)
    return found


def test_renditions_never_carry_metadata(client, corpus, settings):
    settings.PHOTOSHELF_MAX_AGE_DAYS = 0
    data = (corpus / "heic" / "IMG_5195.HEIC").read_bytes()
    image = add(client, data, "Kansas", filename="IMG_5195.HEIC")
    webp = body(client.get(f"/images/{image.pk}/thumbnail.webp"))
    with PILImage.open(io.BytesIO(webp)) as rendition:
        assert rendition.format == "WEBP" and not rendition.getexif()
        assert "xmp" not in rendition.info
    assert _riff_chunks(webp) <= {"VP8 ", "VP8L", "VP8X", "ALPH", "ICCP"}  # no EXIF, XMP
    assert b"xmpmeta" not in webp
    for size in ("preview", "thumbnail"):
        served = body(client.get(f"/images/{image.pk}/{size}"))
        with PILImage.open(io.BytesIO(served)) as rendition:
            assert not rendition.getexif() and "xmp" not in rendition.info
        header = served[: served.index(b"\xff\xda")]  # the segments before the pixel data
        assert b"\xff\xe1" not in header  # no APP1: neither EXIF nor XMP (the ICC profile stays)
        assert b"Exif\x00\x00" not in served and b"xmpmeta" not in served
        assert _gps_in(served) == (None, None)


def test_with_presign_on_s3_files_are_a_redirect_to_a_short_lived_url(client, settings, backend):
    from photoshelf.storage import get_storage

    settings.PHOTOSHELF_S3_PRESIGN = True
    get_storage.cache_clear()
    data = photo("PNG")
    image = add(client, data, "Beach")
    response = client.get(f"/images/{image.pk}/original")
    if backend.storage == "local":  # nothing to presign: the server streams, as always
        assert response.status_code == 200 and body(response) == data
        assert "img-src 'self' data: blob:;" in client.get("/")["Content-Security-Policy"]
        return
    assert response.status_code == 302
    assert "X-Amz-Expires=300" in response["Location"]
    origin = response["Location"].split("/")[2]
    assert (
        f"img-src 'self' data: blob: http://{origin};" in client.get("/")["Content-Security-Policy"]
    )
    assert response["Cache-Control"] == "private, max-age=60"
    with urllib.request.urlopen(response["Location"], timeout=10) as direct:
        assert direct.read() == data
        assert direct.headers["Content-Type"] == "image/png"
        assert direct.headers["Content-Disposition"] == 'inline; filename="Beach.png"'


def test_originals_that_lose_their_gps_are_never_redirected_to_the_bucket(client, corpus, settings):
    from photoshelf.storage import get_storage

    settings.PHOTOSHELF_MAX_AGE_DAYS = 0
    settings.PHOTOSHELF_STRIP_GPS_FROM_ORIGINALS = True
    settings.PHOTOSHELF_S3_PRESIGN = True
    get_storage.cache_clear()
    image = add(client, (corpus / "jpg" / "gps" / "DSCN0010.jpg").read_bytes(), "Lake")
    response = client.get(f"/images/{image.pk}/original")
    assert response.status_code == 200 and _gps_in(response.content) == (None, None)


def test_a_motion_photos_video_is_served_from_its_original(client):
    video = mp4(b"frames" * 50)
    data = motion_photo(video, taken=recently(days=1))
    image = add(client, data, "Waves")
    assert image.is_motion_photo
    response = client.get(f"/images/{image.pk}/motion-video")
    assert response.status_code == 200 and response.content == video
    assert response["Content-Type"] == "video/mp4"
    assert response["Content-Disposition"] == 'inline; filename="Waves.mp4"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/images/{image.pk}/original").status_code == 200
    assert body(client.get(f"/images/{image.pk}/original")) == data  # stored whole
    again = client.get(f"/images/{image.pk}/motion-video", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_a_still_has_no_motion_video(client):
    image = add(client, photo(), "Still")
    assert client.get(f"/images/{image.pk}/motion-video").status_code == 404
    assert client.get("/images/9999/motion-video").status_code == 404


def test_the_motion_video_is_withheld_where_positions_are_not_shared(client, settings):
    image = add(client, motion_photo(taken=recently(days=1)), "Waves")
    settings.PHOTOSHELF_STRIP_GPS_FROM_ORIGINALS = True
    response = client.get(f"/images/{image.pk}/motion-video")
    assert response.status_code == 403
    assert 'data-code="original-withheld"' in response.content.decode()
