"""importer/albums.py: the albums of an export folder made again, once, with their photos."""

import json

import pytest

from photoshelf.gallery import library
from photoshelf.gallery.models import Activity, Album, AlbumImage
from photoshelf.importer import albums, export
from photoshelf.ingest.incoming import IncomingFile
from tests.factories import scene

pytestmark = pytest.mark.django_db


def write_export(folder, photos):
    (folder / "photos").mkdir(parents=True)
    manifest = {"format": export.FORMAT, "version": export.VERSION, "photos": photos}
    (folder / "manifest.json").write_text(json.dumps(manifest))


def stored(tmp_path, seed):
    path = tmp_path / f"{seed}.jpg"
    path.write_bytes(scene(seed))
    return library.store(IncomingFile.from_path(path), f"p{seed}")


def listed(album_id, title, owner, added_at, cover=None, **more):
    return {
        "id": album_id,
        "title": title,
        "description": "",
        "owner": owner,
        "created_at": "2025-01-02T03:04:05.123456+00:00",
        "added_at": added_at,
        "cover_sha256": cover,
        **more,
    }


def test_albums_come_back_once_with_owner_fallbacks(tmp_path, media_dir, member, administrator):
    one, two = stored(tmp_path, 1), stored(tmp_path, 2)
    folder = tmp_path / "export"
    write_export(
        folder,
        [
            {
                "file": "photos/1.jpg",
                "sha256": one.sha256,
                "albums": [
                    listed(7, "Trip", "member", "2025-02-01T00:00:00+00:00", cover=two.sha256),
                    listed(8, "Gone", "nobody", "2025-02-02T00:00:00+00:00"),
                ],
            },
            {
                "file": "photos/2.jpg",
                "sha256": two.sha256,
                "albums": [listed(7, "Trip", "member", "2025-02-03T00:00:00+00:00")],
            },
            {"file": "photos/3.jpg", "sha256": "0" * 64, "albums": [listed(7, "Trip", "x", "")]},
            {"file": "photos/4.jpg", "sha256": one.sha256, "albums": ["junk", {"title": 5}]},
        ],
    )
    done = albums.restore([folder], None)
    assert (done.made, done.kept, done.added, done.skipped) == (2, 0, 3, 0)
    trip = Album.objects.get(title="Trip")
    assert trip.owner == member and trip.cover_id == two.pk
    assert trip.created_at.isoformat() == "2025-01-02T03:04:05.123456+00:00"
    added = dict(AlbumImage.objects.filter(album=trip).values_list("image_id", "added_at"))
    assert added[one.pk].isoformat() == "2025-02-01T00:00:00+00:00"
    assert Album.objects.get(title="Gone").owner == administrator  # no "nobody" here
    assert Activity.objects.filter(action="album-create", via="cli").count() == 2
    again = albums.restore([folder], None)
    assert (again.made, again.kept, again.added) == (0, 2, 0)
    assert Album.objects.count() == 2 and AlbumImage.objects.count() == 3


def test_without_an_owner_an_album_is_skipped_and_a_bad_title_is_no_album(tmp_path, media_dir):
    one = stored(tmp_path, 3)
    folder = tmp_path / "export"
    entry = [listed(1, "Nobody's", "nobody", ""), listed(2, "x" * 300, "nobody", "")]
    write_export(folder, [{"file": "photos/1.jpg", "sha256": one.sha256, "albums": entry}])
    done = albums.restore([folder], None)
    assert (done.made, done.skipped) == (0, 2) and not Album.objects.exists()
    assert "2 skipped" in done.text()
