"""Keyset pages in every sort order and filter, over rows written straight to the database."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from photoshelf.core.refusals import Refusal
from photoshelf.gallery import queries
from photoshelf.gallery.models import Camera, Image
from photoshelf.gallery.queries import View

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CAMERAS = [("Canon", "Canon EOS 40D"), ("NIKON CORPORATION", "NIKON D70"), ("", "")]


def rows(count: int, *, undated_every: int = 0) -> list[Image]:
    """`count` images: uploads an hour apart, dates taken in a shuffled order, three cameras
    (remembered as an upload remembers them)."""
    images = []
    for i in range(count):
        make, model = CAMERAS[i % 3]
        undated = undated_every and i % undated_every == 0
        images.append(
            Image(
                name=f"photo {i}",
                filename=f"p{i}.jpg",
                sha256=f"{i:064x}",
                format="JPEG",
                content_type="image/jpeg",
                extension="jpg",
                file_size=1000,
                width=40,
                height=30,
                thumbnail_width=40,
                thumbnail_height=30,
                camera_make=make,
                camera_model=model,
                taken_at=None if undated else START + timedelta(days=(i * 7) % count),
                uploaded_at=START + timedelta(hours=i),
            )
        )
    Camera.remember(CAMERAS)
    return Image.objects.bulk_create(images)


def walk(view: View, limit: int) -> list[int]:
    seen, cursor = [], None
    while True:
        page = queries.browse(view, limit=limit, cursor=cursor)
        seen += [image.pk for image in page.items]
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor


def by(key, images, reverse=False):
    return [image.pk for image in sorted(images, key=key, reverse=reverse)]


@pytest.mark.parametrize("order", ["desc", "asc"])
def test_it_walks_every_upload_once_in_upload_order(order):
    images = rows(23)
    expected = by(lambda im: (im.uploaded_at, im.pk), images, reverse=order == "desc")
    assert walk(View(sort="uploaded", order=order), limit=5) == expected


@pytest.mark.parametrize("order", ["desc", "asc"])
def test_it_sorts_by_date_taken_with_undated_photos_last(order):
    images = rows(23, undated_every=4)
    dated = [im for im in images if im.taken_at]
    undated = [im for im in images if not im.taken_at]
    expected = by(lambda im: (im.taken_at, im.pk), dated, reverse=order == "desc")
    expected += by(lambda im: im.pk, undated, reverse=order == "desc")
    assert walk(View(sort="taken", order=order), limit=4) == expected


def test_ties_on_the_sort_value_are_broken_by_id_across_pages():
    images = rows(9)
    Image.objects.update(taken_at=START)
    assert walk(View(sort="taken", order="asc"), limit=2) == [im.pk for im in images]


def test_it_filters_by_camera_and_date_taken_range():
    images = rows(30, undated_every=5)
    view = View(
        sort="taken",
        order="asc",
        make="Canon",
        model="Canon EOS 40D",
        taken_from=date(2026, 3, 5),
        taken_to=date(2026, 3, 20),
    )
    expected = by(
        lambda im: (im.taken_at, im.pk),
        [
            im
            for im in images
            if im.camera_model == "Canon EOS 40D"
            and im.taken_at
            and date(2026, 3, 5) <= im.taken_at.date() <= date(2026, 3, 20)
        ],
    )
    assert expected and walk(view, limit=3) == expected


def test_the_camera_list_holds_each_pair_once():
    rows(10)
    assert queries.cameras() == [("Canon", "Canon EOS 40D"), ("NIKON CORPORATION", "NIKON D70")]


def test_a_cursor_only_works_in_the_order_that_made_it():
    rows(5)
    cursor = queries.browse(View(sort="taken"), limit=2).next_cursor
    with pytest.raises(Refusal, match="cursor is not valid"):
        queries.browse(View(sort="uploaded"), limit=2, cursor=cursor)


def test_views_refuse_unknown_orders_and_backward_ranges():
    with pytest.raises(Refusal):
        View(sort="name")
    with pytest.raises(Refusal):
        View.from_params({"taken_from": "2026-03-05", "taken_to": "2026-03-01"})
    with pytest.raises(Refusal):
        View.from_params({"taken_from": "yesterday"})


def test_the_web_camera_value_splits_into_make_and_model():
    view = View.from_params({"camera": "NIKON CORPORATION|NIKON D70", "sort": "taken"})
    assert (view.make, view.model, view.sort) == ("NIKON CORPORATION", "NIKON D70", "taken")
    assert view.camera == "NIKON CORPORATION|NIKON D70"


@pytest.mark.parametrize(
    "view",
    [
        View(),
        View(order="asc"),
        View(sort="taken"),
        View(sort="taken", order="asc"),
        View(make="Canon", model="Canon EOS 40D"),
        View(sort="taken", make="Canon", model="Canon EOS 40D", taken_from=date(2026, 3, 5)),
    ],
)
def test_every_page_is_one_index_walk_without_a_sort_step(view):
    if connection.vendor != "sqlite":
        pytest.skip("reads SQLite's query plan (other planners pick a table scan for 30 rows)")
    rows(30)
    cursor = queries.browse(view, limit=3).next_cursor
    with CaptureQueriesContext(connection) as captured:
        queries.browse(view, limit=3, cursor=cursor)
    assert len(captured.captured_queries) == 1
    with connection.cursor() as db:
        db.execute("EXPLAIN QUERY PLAN " + captured.captured_queries[0]["sql"])
        plan = " ".join(str(row[-1]) for row in db.fetchall())
    # SEARCH = a range of the index, starting at the cursor (SCAN would start at the top).
    assert "SEARCH gallery_image USING INDEX image_" in plan, plan
    assert "TEMP B-TREE" not in plan, plan


def test_the_camera_list_is_one_query_that_seeks_each_camera_in_the_index():
    rows(60)  # three cameras (one of them empty), 20 photos each
    with CaptureQueriesContext(connection) as captured:
        assert len(queries.cameras()) == 2
    assert len(captured.captured_queries) == 1
    if connection.vendor == "sqlite":
        with connection.cursor() as db:
            db.execute("EXPLAIN QUERY PLAN " + captured.captured_queries[0]["sql"])
            plan = " ".join(str(row[-1]) for row in db.fetchall())
        # The small camera table is read once; each camera's EXISTS is a SEARCH of the images'
        # camera index (the subquery names the image table U0), never a SCAN of the images.
        assert "SCAN gallery_camera" in plan, plan
        assert "SEARCH U0 USING COVERING INDEX image_camera_" in plan, plan
        assert "SCAN U0" not in plan and "SCAN gallery_image" not in plan, plan


def test_a_camera_whose_last_photo_was_deleted_leaves_the_list():
    rows(6)
    Image.objects.filter(camera_make="NIKON CORPORATION").delete()
    assert queries.cameras() == [("Canon", "Canon EOS 40D")]


@pytest.mark.parametrize("order", ["desc", "asc"])
def test_a_date_range_walk_is_right_whether_the_cursor_is_inside_or_outside_the_range(order):
    images = rows(40)
    view = View(sort="taken", order=order, taken_from=date(2026, 3, 10), taken_to=date(2026, 3, 30))
    inside = by(
        lambda im: (im.taken_at, im.pk),
        [im for im in images if date(2026, 3, 10) <= im.taken_at.date() <= date(2026, 3, 30)],
        reverse=order == "desc",
    )
    assert walk(view, limit=3) == inside
    # A cursor made by the unfiltered walk, from a row beyond the range's start.
    unfiltered = View(sort="taken", order=order)
    outside = next(
        im
        for im in sorted(images, key=lambda im: (im.taken_at, im.pk), reverse=order == "desc")
        if im.pk not in inside
    )
    cursor = queries.encode_cursor(outside, unfiltered)
    assert [im.pk for im in queries.browse(view, limit=100, cursor=cursor).items] == inside
