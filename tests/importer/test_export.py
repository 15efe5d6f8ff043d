"""export.py's parts: safe, unique file names, sidecars, and manifests that cannot be abused."""

import json

import pytest

from photoshelf.gallery import library, trash
from photoshelf.gallery.models import Image
from photoshelf.importer import export
from photoshelf.ingest.incoming import IncomingFile
from tests.factories import scene


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("Harbour at dusk", "Harbour at dusk"),
        ("../../etc/passwd", "_.._etc_passwd"),
        ('a/b\\c:d*e?f"g<h>i|j', "a_b_c_d_e_f_g_h_i_j"),
        ("tab\there\x00nul", "tab_here_nul"),
        ("...", "photo"),
        ("", "photo"),
        ("CON", "photo CON"),
        ("nul.txt", "photo nul.txt"),
        ("é" * 300, "é" * export.NAME_MAX_CHARS),
        ("trailing dot. ", "trailing dot"),
    ],
)
def test_a_name_becomes_a_safe_stem(name, stem):
    assert export.safe_stem(name) == stem


def store(tmp_path, seed: int, name: str) -> Image:
    path = tmp_path / f"{seed}.jpg"
    path.write_bytes(scene(seed))
    return library.store(IncomingFile.from_path(path), name)


@pytest.mark.django_db
def test_names_are_unique_without_case_and_stable_by_id(tmp_path):
    first, second, third = (store(tmp_path, s, n) for s, n in ((1, "Pier"), (2, "pier"), (3, "x")))
    names = export.file_names([third, second, first])
    assert names == {first.pk: "Pier.jpg", second.pk: f"pier-{second.pk}.jpg", third.pk: "x.jpg"}


@pytest.mark.django_db
def test_an_export_leaves_out_the_trash_and_writes_a_sidecar_per_photo(tmp_path, media_dir):
    kept, binned = store(tmp_path, 4, "kept"), store(tmp_path, 5, "binned")
    trash.move(binned)
    folder = tmp_path / "out"
    summary = export.run_export(export.Options(folder=folder, live=False))
    assert (summary.exported, summary.kept) == (1, 0)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["format"] == "photoshelf-export" and manifest["version"] == 1
    (photo,) = manifest["photos"]
    assert photo["name"] == "kept" and photo["sha256"] == kept.sha256
    assert (folder / photo["file"]).read_bytes() == (tmp_path / "4.jpg").read_bytes()
    assert json.loads((folder / "photos" / "kept.jpg.json").read_text()) == photo
    assert not list(folder.rglob("*.partial"))


@pytest.mark.django_db
def test_a_damaged_copy_is_copied_again(tmp_path, media_dir):
    store(tmp_path, 6, "once")
    folder = tmp_path / "out"
    export.run_export(export.Options(folder=folder, live=False))
    (folder / "photos" / "once.jpg").write_bytes(b"x" * (tmp_path / "6.jpg").stat().st_size)
    assert export.run_export(export.Options(folder=folder, live=False)).exported == 1
    assert (folder / "photos" / "once.jpg").read_bytes() == (tmp_path / "6.jpg").read_bytes()


def test_a_manifest_cannot_name_files_outside_its_folder(tmp_path):
    (tmp_path / "secret.jpg").write_bytes(b"outside")
    folder = tmp_path / "export"
    (folder / "photos").mkdir(parents=True)
    (folder / "photos" / "in.jpg").write_bytes(b"inside")
    photos = [
        {"file": "../secret.jpg"},
        {"file": "/etc/passwd"},
        {"file": "photos/../../secret.jpg"},
        {"file": 7},
        "not an entry",
        {"file": "photos/in.jpg", "name": "in"},
    ]
    manifest = {"format": "photoshelf-export", "version": 1, "photos": photos}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert [path.name for path, _ in export.entries_of(folder)] == ["in.jpg"]


@pytest.mark.parametrize(
    "text", ["{", "[]", '{"format": "other"}', '{"format": "photoshelf-export", "photos": 3}']
)
def test_what_is_not_an_export_manifest_is_not_taken_for_one(tmp_path, text):
    (tmp_path / "manifest.json").write_text(text)
    found = export.read_manifest(tmp_path)
    assert found is None or found == []


@pytest.mark.django_db
def test_user_and_since_narrow_the_export(tmp_path, media_dir):
    from datetime import UTC, date, datetime

    from tests.conftest import make_user

    alice = make_user("alice")
    old, new = store(tmp_path, 7, "old"), store(tmp_path, 8, "new")
    Image.objects.filter(pk=old.pk).update(uploaded_at=datetime(2026, 1, 5, tzinfo=UTC))
    Image.objects.filter(pk=new.pk).update(uploaded_by=alice)
    by_alice = export.selected(export.Options(folder=tmp_path, user_id=alice.pk))
    assert [i.name for i in by_alice] == ["new"]
    since = export.selected(export.Options(folder=tmp_path, since=date(2026, 1, 6)))
    assert [i.name for i in since] == ["new"]
    assert [i.name for i in export.selected(export.Options(folder=tmp_path))] == ["old", "new"]


@pytest.mark.django_db
def test_each_photo_lists_its_albums_and_album_narrows_the_export(tmp_path, media_dir, member):
    from photoshelf.gallery import albums

    first, second, third = (store(tmp_path, s, n) for s, n in ((6, "a"), (7, "b"), (8, "c")))
    trip = albums.create(member, "Trip", "By the sea")
    albums.add(trip, [first.pk, second.pk])
    albums.update(trip, cover_image_id=second.pk)
    other = albums.create(member, "Other")
    albums.add(other, [second.pk])
    folder = tmp_path / "trip"
    summary = export.run_export(export.Options(folder=folder, album_id=trip.pk, live=False))
    assert summary.exported == 2
    photos = {p["name"]: p for p in json.loads((folder / "manifest.json").read_text())["photos"]}
    assert set(photos) == {"a", "b"}  # c is in no album
    assert [a["title"] for a in photos["b"]["albums"]] == ["Other", "Trip"]  # all of b's
    (listed,) = photos["a"]["albums"]
    assert listed["id"] == trip.pk and listed["owner"] == "member"
    assert (listed["description"], listed["cover_sha256"]) == ("By the sea", second.sha256)
    assert listed["added_at"] and listed["created_at"]
    assert photos["b"]["albums"][0]["cover_sha256"] is None  # Other: its first photo
    whole = export.run_export(export.Options(folder=tmp_path / "all", live=False))
    assert whole.exported == 3
    sidecar = json.loads((tmp_path / "all" / "photos" / "c.jpg.json").read_text())
    assert sidecar["albums"] == []
    assert third.pk
