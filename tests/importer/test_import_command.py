"""`photoshelf import`: the same outcomes as uploads, a report, a summary, and its exit status."""

from __future__ import annotations

import csv
import os
import pty
import shutil
import sqlite3
import subprocess
import sys
from collections import Counter
from datetime import UTC

import pytest

from photoshelf.gallery.models import Image
from tests.conftest import CORPUS
from tests.factories import upload

from .conftest import (
    ROW_FIELDS,
    camera_folder,
    files,
    import_command,
    import_env,
    photoshelf_import,
    read_report,
    rows,
)


@pytest.fixture(scope="module")
def corpus_import(tmp_path_factory):
    """The corpus imported once (date rule relaxed), recursively, with a JSON lines report."""
    if not CORPUS.is_dir():
        pytest.skip(f"the sample corpus is not at {CORPUS} (it lives in the shared/ folder)")
    data_dir = tmp_path_factory.mktemp("corpus-import") / "data"
    report = data_dir.parent / "report.jsonl"
    done = photoshelf_import(data_dir, "--recursive", "--report", report, CORPUS)
    assert done.returncode == 0, done.stderr
    return data_dir, read_report(report), done.stdout


@pytest.mark.django_db
def test_it_accepts_and_refuses_the_corpus_file_for_file_as_uploads_over_http(
    client, settings, corpus_import
):
    data_dir, report, _ = corpus_import
    settings.PHOTOSHELF_MAX_AGE_DAYS = 0
    uploaded = {}
    for path in sorted(p for p in CORPUS.rglob("*") if p.is_file()):
        response = client.post("/api/images", {"file": upload(path.read_bytes(), path.name)})
        uploaded[str(path)] = "accepted" if response.status_code == 201 else response.json()["code"]

    imported = {path: line["code"] or line["outcome"] for path, line in report.items()}
    assert imported.keys() == uploaded.keys()
    assert Counter(imported.values()) == Counter(uploaded.values())
    # Of two look-alike photos the first one handled is kept: in parallel, not always the first
    # by name. Only such a pair may swap; every other file has the same outcome both ways.
    swapped = {p for p in imported if imported[p] != uploaded[p]}
    assert all({imported[p], uploaded[p]} == {"accepted", "near-duplicate"} for p in swapped)
    assert "accepted" in imported.values() and "not-an-image" in imported.values()
    # Same decoding and metadata: the rows hold the same facts, field for field.
    over_http = {
        image["sha256"]: tuple(
            image[f].astimezone(UTC).replace(tzinfo=None)
            if f == "taken_at" and image[f]
            else image[f]
            for f in ROW_FIELDS
        )
        for image in Image.objects.values(*ROW_FIELDS)
    }
    imported_rows = rows(data_dir)
    assert len(imported_rows) == len(over_http)
    assert {k: imported_rows[k] for k in imported_rows.keys() & over_http.keys()} == {
        k: over_http[k] for k in imported_rows.keys() & over_http.keys()
    }
    assert len(imported_rows.keys() - over_http.keys()) == len(swapped) // 2


def test_it_sums_up_the_same_counts_as_the_report(corpus_import):
    _, report, summary = corpus_import
    accepted = sum(line["outcome"] == "accepted" for line in report.values())
    refused = sum(line["outcome"] == "refused" for line in report.values())
    assert f"{len(report)} files" in summary
    assert f"{accepted} accepted, {refused} refused (" in summary


def test_a_second_run_imports_nothing_new_and_reports_every_stored_file_as_present(
    corpus_import, tmp_path
):
    first_dir, first, _ = corpus_import
    data_dir = tmp_path / "data"
    shutil.copytree(first_dir, data_dir)
    before = (rows(data_dir), files(data_dir))

    done = photoshelf_import(data_dir, "-r", "--report", tmp_path / "again.jsonl", CORPUS)

    assert done.returncode == 0, done.stderr
    again = read_report(tmp_path / "again.jsonl")
    assert again.keys() == first.keys()
    for path, line in first.items():
        if line["outcome"] == "accepted":
            assert again[path]["outcome"] == "present"
            assert again[path]["duplicate_of"] == line["image_id"]
        else:  # refused for a rule: the same rule refuses it again
            assert (again[path]["outcome"], again[path]["code"]) == ("refused", line["code"])
    assert "accepted" not in done.stdout and " already present" in done.stdout
    assert (rows(data_dir), files(data_dir)) == before


def test_it_writes_a_csv_report_when_asked_for_one(tmp_path):
    folder = camera_folder(tmp_path / "photos", 2, size=(320, 240))
    data_dir, report = tmp_path / "data", tmp_path / "report.csv"

    done = photoshelf_import(data_dir, "--jobs", "1", "--report", report, folder)

    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # not a terminal: no progress bar, only the summary on stdout
    with open(report, newline="") as fh:
        lines = {row["path"].rsplit("/", 1)[-1]: row for row in csv.DictReader(fh)}
    with open(report, newline="") as fh:
        header = next(csv.reader(fh))
    assert list(header) == [
        "path",
        "outcome",
        "code",
        "image_id",
        "duplicate_of",
        "reason",
    ]
    assert {name: (row["outcome"], row["code"]) for name, row in lines.items()} == {
        "IMG_000.jpg": ("accepted", ""),
        "IMG_001.jpg": ("accepted", ""),
        "notes.txt": ("refused", "not-an-image"),
        "undated.jpg": ("refused", "taken-at-missing"),
    }
    assert {int(lines[n]["image_id"]) for n in ("IMG_000.jpg", "IMG_001.jpg")} == {1, 2}
    assert "No date taken" not in lines["undated.jpg"]["reason"]  # the sentence, not the title
    assert lines["undated.jpg"]["reason"].startswith("The photo has no date taken")


def test_it_shows_a_live_progress_bar_on_a_terminal(tmp_path):
    folder = camera_folder(tmp_path / "photos", 3, size=(320, 240))
    parent, child = pty.openpty()
    process = subprocess.Popen(
        import_command(folder),
        env=import_env(tmp_path / "data"),
        stdin=child,
        stdout=child,
        stderr=child,
    )
    os.close(child)
    screen = b""
    while True:
        try:
            chunk = os.read(parent, 65536)
        except OSError:  # the terminal closed: the command has ended
            break
        if not chunk:
            break
        screen += chunk
    assert process.wait(timeout=120) == 0
    os.close(parent)
    text = screen.decode(errors="replace")
    for shown in (
        "importing",
        "5/5",
        "kB/",
        "img/s",
        "3 accepted, 2 refused (not-an-image 1, taken-at-missing 1)",
        "5 files",
    ):
        assert shown in text, text


def test_it_names_images_by_their_path_below_the_folder_when_asked(tmp_path):
    folder = tmp_path / "photos"
    camera_folder(folder / "2026" / "harbour", 1, size=(320, 240))
    data_dir = tmp_path / "data"

    done = photoshelf_import(data_dir, "-r", "--name-from", "path", folder)

    assert done.returncode == 0, done.stderr
    assert [row[1] for row in rows(data_dir).values()] == ["2026/harbour/IMG_000"]


def test_a_dry_run_reports_what_would_happen_and_stores_nothing(tmp_path):
    folder = camera_folder(tmp_path / "photos", 2, size=(320, 240))
    shutil.copy(folder / "IMG_000.jpg", folder / "IMG_000 copy.jpg")
    data_dir, report = tmp_path / "data", tmp_path / "dry.jsonl"

    done = photoshelf_import(data_dir, "--dry-run", "--report", report, folder)

    assert done.returncode == 0, done.stderr
    outcomes = sorted(line["outcome"] for line in read_report(report).values())
    assert outcomes == ["duplicate", "refused", "refused", "would-accept", "would-accept"]
    assert rows(data_dir) == {} and not (data_dir / "media").exists()


def test_it_exits_non_zero_and_says_why_when_files_cannot_be_stored(tmp_path):
    folder = camera_folder(tmp_path / "photos", 1, size=(320, 240))
    data_dir, report = tmp_path / "data", tmp_path / "report.jsonl"
    data_dir.mkdir()
    (data_dir / "media").write_text("a file where the media folder should be")

    done = photoshelf_import(data_dir, "--report", report, folder)

    assert done.returncode == 1
    line = read_report(report)[str(folder / "IMG_000.jpg")]
    assert (line["outcome"], line["code"]) == ("error", "internal-error")
    assert f"error: {folder / 'IMG_000.jpg'}: internal-error" in done.stderr
    assert "1 failed (internal-error 1)" in done.stdout and rows(data_dir) == {}


@pytest.mark.parametrize(
    "args, message",
    [
        (["--user", "alice"], "there is no active user named 'alice'"),
        (["--jobs", "0"], "--jobs must be at least 1"),
        (["does-not-exist"], "no such file or folder: does-not-exist"),
    ],
)
def test_it_refuses_to_start_on_a_usage_error(tmp_path, args, message):
    done = photoshelf_import(tmp_path / "data", *args, *([tmp_path] if args[0][0] == "-" else []))
    assert done.returncode == 2 and message in done.stderr


def test_it_records_the_user_given_as_the_uploader_of_every_photo(tmp_path):
    data_dir = tmp_path / "data"
    folder = camera_folder(tmp_path / "photos", 2, size=(320, 240))
    subprocess.run(
        [sys.executable, "-m", "photoshelf.cli", "createuser", "alice", "--password-stdin"],
        input="a long enough passphrase\n",
        env=import_env(data_dir),
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    done = photoshelf_import(data_dir, "--user", "alice", folder)
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(data_dir / "photoshelf.sqlite3") as db:
        uploaders = db.execute(
            "SELECT u.username FROM gallery_image i JOIN auth_user u ON u.id = i.uploaded_by_id"
        ).fetchall()
    assert uploaders == [("alice",), ("alice",)]
