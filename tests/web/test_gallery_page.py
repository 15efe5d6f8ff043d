"""The home page: upload form above the gallery's first page, cards with every field."""

from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from tests.factories import animation, motion_photo, recently, upload
from tests.web.uploads import add

pytestmark = pytest.mark.django_db


def test_an_empty_gallery_invites_the_first_upload(client):
    html = client.get("/").content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'type="file" name="file" accept="image/*"' in html
    assert 'name="name"' in html and "csrfmiddlewaretoken" in html
    assert "No photos yet" in html


def test_a_card_shows_every_field(client):
    taken = datetime(2026, 11, 20, 14, 30, 5)
    image = add(
        client, name="Harbour", taken=taken, offset="+01:00", make="Canon", model="Canon EOS 40D"
    )
    html = client.get("/").content.decode()
    assert f'href="/images/{image.pk}/original"' in html
    assert f'src="/images/{image.pk}/thumbnail"' in html
    webp = f"/images/{image.pk}/thumbnail.webp {image.thumbnail_width}w, "
    webp += f"/images/{image.pk}/preview {image.preview_size[0]}w"  # the preview: JPEG alone
    assert f'<source type="image/webp" srcset="{webp}"' in html  # before the <img>: JPEG fallback
    assert html.index(webp) < html.index(f'src="/images/{image.pk}/thumbnail"')
    assert f'width="{image.thumbnail_width}" height="{image.thumbnail_height}"' in html
    assert ">Harbour<" in html
    assert f'title="{image.file_size} bytes"' in html
    assert "Canon EOS 40D" in html and "Canon Canon" not in html
    assert "20 Nov 2026, 14:30 (UTC+01:00)" in html
    assert image.uploaded_at.strftime("%-d %b %Y") in html
    assert f'action="/images/{image.pk}/delete"' in html


def test_the_make_is_shown_when_the_model_does_not_repeat_it(client):
    add(client, make="Apple", model="iPhone 15")
    assert "Apple iPhone 15" in client.get("/").content.decode()


def test_the_card_shows_the_camera_as_people_say_it(client):
    add(client, make="NIKON CORPORATION", model="NIKON D70")
    html = client.get("/").content.decode()
    assert '<dd class="camera">Nikon D70</dd>' in html


def test_names_are_always_escaped(client):
    add(client, name='<img src=x onerror="alert(1)">')
    html = client.get("/").content.decode()
    assert '<img src=x onerror="alert(1)">' not in html
    assert escape('<img src=x onerror="alert(1)">') in html


def test_the_gallery_pages_with_a_cursor_and_never_loads_all_rows(
    client, settings, django_assert_max_num_queries
):
    settings.PHOTOSHELF_PAGE_SIZE = 3
    images = [add(client, color=(i * 20, 0, 0)) for i in range(5)]
    html = client.get("/").content.decode()
    assert f"image-{images[4].pk}" in html and f"image-{images[2].pk}" in html
    assert f"image-{images[1].pk}" not in html
    next_href = html.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    # The session and its user (2), one query for the page, and the camera filter's list
    # (2 per camera + 1, gallery/queries.py).
    with django_assert_max_num_queries(2 + 1 + 3):
        older = client.get("/" + next_href).content.decode()
    assert f"image-{images[1].pk}" in older and f"image-{images[0].pk}" in older
    assert f"image-{images[2].pk}" not in older


def test_a_mangled_cursor_shows_the_first_page_with_a_message(client):
    response = client.get("/", {"cursor": "%%%"})
    assert response.status_code == 400
    assert "The page cursor is not valid." in response.content.decode()


def test_pages_send_a_content_security_policy_without_inline_script(client):
    policy = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_the_image_page_shows_the_preview_and_facts(client):
    image = add(client, name="Dune", taken=recently(2))
    html = client.get(f"/images/{image.pk}").content.decode()
    assert f'src="/images/{image.pk}/preview"' in html and image.sha256 in html
    assert "preview.webp" not in html  # a 1600 px WebP costs ~40x its JPEG's encode
    assert client.get("/images/9999").status_code == 404


def test_the_image_page_shows_every_metadata_fact_readably(client, corpus, settings):
    settings.PHOTOSHELF_MAX_AGE_DAYS = 0
    data = (corpus / "heic" / "IMG_5195.HEIC").read_bytes()
    image_id = client.post("/api/images", {"file": upload(data, "IMG_5195.HEIC")}).json()["id"]
    html = client.get(f"/images/{image_id}").content.decode()
    assert (
        "Apple iPhone 11 Pro Max · iPhone 11 Pro Max back triple camera 4.25mm f/1.8 · "
        "1/391 s · f/1.8 · ISO 32 · 4.25 mm"
    ) in html
    assert "11 Apr 2021, 15:47 (UTC-05:00)" in html
    assert "from EXIF DateTimeOriginal" in html
    assert "39.051344° N, 94.288772° W" in html
    assert f'src="/images/{image_id}/preview"' in html
    assert "tile" not in html.lower() and "http://" not in html and "https://" not in html


def test_the_image_page_says_when_no_time_zone_was_recorded(client):
    image = add(client, make="NIKON CORPORATION", model="NIKON D70", taken=recently(2))
    html = client.get(f"/images/{image.pk}").content.decode()
    assert "Nikon D70" in html and "no time zone recorded" in html
    assert "recorded as “NIKON CORPORATION” “NIKON D70”" in html


def test_the_page_reads_its_images_in_one_query(client):
    for i in range(3):
        add(client, color=(i * 40, 0, 0))
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/").content.decode()
    assert html.count('class="card"') == 3
    # The session, the signed-in user and the camera filter's list cost their own queries;
    # the image rows (with their uploaders, for the Delete button) are read by one.
    image_queries = [
        q["sql"]
        for q in queries.captured_queries
        if "gallery_image" in q["sql"] and "sha256" in q["sql"]
    ]
    assert len(image_queries) == 1, image_queries


def test_card_links_are_the_ones_the_url_configuration_gives(client):
    image = add(client, name="Links")
    html = client.get("/").content.decode()
    for view, args in (
        ("web:original", []),
        ("web:image", []),
        ("web:delete", []),
        ("web:rendition", ["thumbnail"]),
    ):
        assert f'"{reverse(view, args=[image.pk, *args])}"' in html


def test_links_follow_the_script_prefix_of_a_sub_path_deployment():
    from django.urls import set_script_prefix

    from photoshelf.http.links import image_url

    set_script_prefix("/photos/")
    try:
        assert image_url("web:rendition", 42, "preview") == "/photos/images/42/preview"
    finally:
        set_script_prefix("/")
    assert image_url("web:rendition", 42, "preview") == reverse(
        "web:rendition", args=[42, "preview"]
    )


def test_every_answer_says_its_server_time(client):
    timing = client.get("/")["Server-Timing"]
    assert timing.startswith("app;dur=") and float(timing.split("=")[1]) >= 0


def test_the_page_of_an_animation_says_so_and_shows_the_original(client, settings):
    settings.PHOTOSHELF_REQUIRE_TAKEN_AT = False
    response = client.post("/api/images", {"file": upload(animation("WEBP"), "loop.webp")})
    image_id = response.json()["id"]
    html = client.get(f"/images/{image_id}").content.decode()
    assert '<p class="kind animated">Animated WEBP</p>' in html
    assert f'<img class="preview" src="/images/{image_id}/original"' in html
    assert f'src="/images/{image_id}/preview"' not in html


def test_the_page_of_a_still_photo_does_not_say_animated(client):
    image = add(client, name="Still", taken=recently(2))
    assert "Animated" not in client.get(f"/images/{image.pk}").content.decode()


def test_the_page_of_a_motion_photo_says_so_and_plays_its_video(client):
    response = client.post("/api/images", {"file": upload(motion_photo(taken=recently(1)))})
    image_id = response.json()["id"]
    html = client.get(f"/images/{image_id}").content.decode()
    assert '<p class="kind motion">Motion photo</p>' in html
    assert f'<video class="preview motion-video" src="/images/{image_id}/motion-video"' in html
