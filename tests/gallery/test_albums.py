"""gallery.albums: the rules of an album, and its pages walking one index range."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from photoshelf.core.refusals import Refusal
from photoshelf.gallery import albums, deletion, library, sharing
from photoshelf.gallery.models import Album, AlbumImage, Image, ShareLink
from photoshelf.gallery.queries import View
from photoshelf.ingest.incoming import IncomingFile
from tests.conftest import make_user
from tests.factories import scene

pytestmark = pytest.mark.django_db


def stored(tmp_path, count: int) -> list[Image]:
    images = []
    for n in range(count):
        path = tmp_path / f"{n}.jpg"
        path.write_bytes(scene(500 + n))
        images.append(library.store(IncomingFile.from_path(path), f"photo {n}"))
    return images


@pytest.mark.parametrize("order", ["desc", "asc"])
def test_pages_walk_the_album_index_without_sorting(tmp_path, backend, order):
    if backend.database != "sqlite":
        pytest.skip("reads SQLite's query plan (other planners may scan a table this small)")
    owner = make_user("owner")
    album = albums.create(owner, "Trip")
    albums.add(album, [image.pk for image in stored(tmp_path, 3)])
    view = View(sort="added", order=order)
    first = albums.browse(album, limit=1, view=view)
    with CaptureQueriesContext(connection) as captured:
        albums.browse(album, limit=1, cursor=first.next_cursor, view=view)
    with connection.cursor() as db:
        db.execute("EXPLAIN QUERY PLAN " + captured.captured_queries[0]["sql"])
        plan = " ".join(str(row[-1]) for row in db.fetchall())
    assert "SEARCH gallery_album_image USING INDEX album_image_newest_added" in plan, plan
    assert "TEMP B-TREE" not in plan, plan
    assert captured.captured_queries[0]["sql"].count("JOIN") == 2  # the entries, the uploader


def test_a_page_and_the_next_never_repeat_or_skip_a_photo(tmp_path):
    owner = make_user("owner")
    album = albums.create(owner, "Trip")
    images = stored(tmp_path, 4)
    for image in images:  # one at a time: four instants, the newest added first
        albums.add(album, [image.pk])
    seen, cursor = [], None
    while True:
        page = albums.browse(album, limit=3, cursor=cursor)
        seen += [image.pk for image in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [image.pk for image in reversed(images)]


def test_a_deleted_photo_leaves_every_album_and_the_cover_falls_back(tmp_path):
    owner = make_user("owner")
    first, second = albums.create(owner, "One"), albums.create(owner, "Two")
    images = stored(tmp_path, 2)
    for album in (first, second):
        albums.add(album, [image.pk for image in images])
    albums.update(first, cover_image_id=images[1].pk)
    deletion.delete(images[1])
    assert AlbumImage.objects.count() == 2
    first.refresh_from_db()
    assert first.cover_id is None and albums.cover_id(first) == images[0].pk
    first.delete()
    assert Image.objects.filter(pk=images[0].pk).exists() and Album.objects.count() == 1


def test_more_than_the_limit_of_ids_is_refused(tmp_path):
    album = albums.create(make_user("owner"), "Big")
    with pytest.raises(Refusal) as refused:
        albums.add(album, range(1, albums.MAX_IMAGES_PER_REQUEST + 2))
    assert refused.value.code == "invalid-request"


def test_pages_count_photos_up_to_a_bound(tmp_path, monkeypatch):
    album = albums.create(make_user("owner"), "Trip")
    assert albums.count_shown(album) == "0 photos"
    albums.add(album, [image.pk for image in stored(tmp_path, 3)])
    assert albums.count_shown(album) == "3 photos"
    monkeypatch.setattr(albums, "COUNT_SHOWN_UP_TO", 2)
    assert albums.count_shown(album) == "2+ photos"
    assert albums.image_count(album) == 3  # the API's count is exact
    # The bounded count stops at the bound: no ORDER BY inside it, which would sort every
    # photo of the album first (1.2 s for the album page at 1M photos on SQLite).
    with CaptureQueriesContext(connection) as captured:
        albums.count_shown(album)
    (count_sql,) = [q["sql"] for q in captured.captured_queries]
    assert "ORDER BY" not in count_sql.upper() and "LIMIT 3" in count_sql.upper()


def test_deleting_an_album_with_links_works_on_every_database(tmp_path):
    # MySQL/MariaDB null the links' album_id before deleting them (no deferred checks there).
    owner = make_user("owner")
    album = albums.create(owner, "Trip")
    image = stored(tmp_path, 1)[0]
    albums.add(album, [image.pk])
    sharing.create(album, created_by=owner, allow_upload=True)
    sharing.create(image, created_by=owner)
    album.delete()
    assert ShareLink.objects.count() == 1 and Image.objects.filter(pk=image.pk).exists()
    deletion.delete(image)
    assert not ShareLink.objects.exists()


def test_a_link_with_both_targets_is_refused_by_the_database(tmp_path):
    owner = make_user("owner")
    album = albums.create(owner, "Trip")
    image = stored(tmp_path, 1)[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        ShareLink.objects.create(token_hash="x" * 64, album=album, image=image)


def test_an_album_sorts_and_filters_as_the_gallery_does_within_itself(tmp_path):
    owner = make_user("owner")
    album = albums.create(owner, "Trip")
    inside, outside = stored(tmp_path, 5)[:4], None
    outside = Image.objects.exclude(pk__in=[image.pk for image in inside]).get()
    for image in [*reversed(inside), outside]:  # added newest-first: the last added is inside[0]
        if image is not outside:
            albums.add(album, [image.pk])
    base = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    taken = {inside[0]: 3, inside[1]: 1, inside[2]: None, inside[3]: 2, outside: 4}
    for image, day in taken.items():
        Image.objects.filter(pk=image.pk).update(
            taken_at=None if day is None else base + timedelta(days=day),
            camera_make="Canon" if image in (inside[0], inside[3], outside) else "Apple",
        )

    def walk(view: View) -> list[int]:
        seen, cursor = [], None
        while True:
            page = albums.browse(album, limit=1, cursor=cursor, view=view)
            seen += [image.pk for image in page.items]
            if page.next_cursor is None:
                return seen
            cursor = page.next_cursor

    ids = [image.pk for image in inside]
    # Date taken, newest first; the undated photo last; the photo outside the album never.
    assert walk(View(sort="taken")) == [ids[0], ids[3], ids[1], ids[2]]
    assert walk(View(sort="taken", order="asc")) == [ids[1], ids[3], ids[0], ids[2]]
    assert walk(View(sort="uploaded", order="asc")) == ids
    # A camera, in the album's own order (last added first) and by date taken.
    assert walk(View(sort="added", make="Canon")) == [ids[0], ids[3]]
    assert walk(View(sort="taken", make="Canon", order="asc")) == [ids[3], ids[0]]
    # A cursor of one order is refused in another, as in the gallery.
    first = albums.browse(album, limit=1, view=View(sort="taken"))
    with pytest.raises(Refusal):
        albums.browse(album, limit=1, cursor=first.next_cursor, view=View(sort="added"))
