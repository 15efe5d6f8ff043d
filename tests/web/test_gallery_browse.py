"""The gallery page's sort/filter form, "load more" fragments, inserted cards, cache headers."""

from datetime import datetime

import pytest
from django.utils.http import http_date

from tests.web.uploads import add

pytestmark = pytest.mark.django_db


def test_the_form_shows_the_view_from_the_address(client):
    add(client, make="NIKON CORPORATION", model="NIKON D70")
    html = client.get(
        "/",
        {
            "sort": "taken",
            "order": "asc",
            "camera": "NIKON CORPORATION|NIKON D70",
            "taken_from": "2026-01-02",
        },
    ).content.decode()
    assert '<option value="taken" selected>' in html and '<option value="asc" selected>' in html
    assert '<option value="NIKON CORPORATION|NIKON D70" selected>Nikon D70</option>' in html
    assert 'name="taken_from" value="2026-01-02"' in html
    assert ">Reset</a>" in html


def test_the_camera_filter_finds_makes_and_models_holding_the_separator(client):
    add(client, make="A|B Optics", model="Model 100%|2", color=(0, 5, 5))
    add(
        client, make="A", model="B Optics|Model 100%|2", color=(90, 5, 5)
    )  # a split at the first "|" finds
    html = client.get("/").content.decode()
    value = "A%7CB Optics|Model 100%25%7C2"
    assert f'<option value="{value}">' in html
    html = client.get("/", {"camera": value}).content.decode()
    assert html.count('class="card"') == 1 and "A|B Optics" in html
    assert f'<option value="{value}" selected>' in html


def test_a_filter_that_matches_nothing_says_so(client):
    add(client, make="Canon", model="Canon EOS 40D")
    html = client.get("/", {"camera": "Leica|M6"}).content.decode()
    assert "No photos match these filters." in html and 'class="card"' not in html


def test_bad_parameters_show_the_default_view_with_a_message(client):
    response = client.get("/", {"taken_from": "last week"})
    assert response.status_code == 400
    assert "taken_from must be a date like 2026-11-25." in response.content.decode()


def test_more_links_keep_the_view_and_the_fragment_holds_only_cards(client, settings):
    settings.PHOTOSHELF_PAGE_SIZE = 2
    images = [
        add(client, color=(i * 30, 5, 5), taken=datetime(2026, 5, i + 1, 9, 0)) for i in range(3)
    ]
    html = client.get("/", {"sort": "taken", "order": "asc"}).content.decode()
    more = html.split('class="more" rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    assert more.startswith("?sort=taken&order=asc&cursor=")
    fragment = client.get("/" + more + "&fragment=cards").content.decode()
    assert "<html" not in fragment and f'id="image-{images[2].pk}"' in fragment
    assert f'id="image-{images[0].pk}"' not in fragment and 'rel="next"' not in fragment


def test_a_card_can_be_fetched_alone_for_a_fresh_upload(client):
    image = add(client, name="Fresh")
    html = client.get(f"/images/{image.pk}/card").content.decode()
    assert html.lstrip().startswith('<li class="card"') and ">Fresh<" in html
    assert (
        f'srcset="/images/{image.pk}/thumbnail {image.thumbnail_width}w, '
        f'/images/{image.pk}/preview 640w"' in html
    )
    assert client.get("/images/9999/card").status_code == 404


def test_renditions_answer_if_modified_since_with_304(client):
    image = add(client)
    url = f"/images/{image.pk}/thumbnail"
    first = client.get(url)
    assert first["Last-Modified"] == http_date(image.uploaded_at.timestamp())
    assert client.get(url, headers={"If-Modified-Since": first["Last-Modified"]}).status_code == 304
    stale = client.get(url, headers={"If-Modified-Since": http_date(0)})
    assert stale.status_code == 200
