"""metadata.read_metadata(): date taken, camera and orientation from EXIF, never an exception."""

import io
import shutil
import subprocess
from datetime import datetime, timedelta

import pytest
from PIL import Image

from photoshelf.ingest import decode  # noqa: F401  (registers the HEIF opener)
from photoshelf.ingest.metadata import parse_exif_datetime, parse_exif_offset, read_metadata
from tests.factories import photo


def facts_of(data: bytes):
    with Image.open(io.BytesIO(data)) as image:
        return read_metadata(image)


def test_it_reads_date_time_original_with_offset_and_subseconds():
    facts = facts_of(photo(taken=datetime(2026, 3, 4, 5, 6, 7), offset="+02:00", subsec="25"))
    assert facts.taken_at.local == datetime(2026, 3, 4, 5, 6, 7, 250000)
    assert facts.taken_at.offset == timedelta(hours=2)
    assert facts.taken_at.source == "DateTimeOriginal"
    assert facts.taken_at.utc.isoformat() == "2026-03-04T03:06:07.250000+00:00"


def test_it_falls_back_to_date_time_digitized():
    facts = facts_of(photo(taken=None, digitized=datetime(2026, 1, 2, 3, 4, 5)))
    assert facts.taken_at.local == datetime(2026, 1, 2, 3, 4, 5)
    assert facts.taken_at.source == "DateTimeDigitized"


def test_ifd0_datetime_is_the_modification_date_and_does_not_count():
    facts = facts_of(photo(taken=None, modified=datetime(2026, 1, 2, 3, 4, 5)))
    assert facts.taken_at is None


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "HEIF", "AVIF"])
def test_it_reads_the_date_from_every_format_that_carries_exif(fmt):
    facts = facts_of(photo(fmt, taken=datetime(2026, 5, 6, 7, 8, 9)))
    assert facts.taken_at.local == datetime(2026, 5, 6, 7, 8, 9)
    assert (facts.camera_make, facts.camera_model) == ("Canon", "Canon EOS 40D")


def test_it_reads_the_date_from_tiff(tmp_path):
    # Pillow cannot write an Exif IFD into a TIFF, so exiftool (the reference reader) writes it.
    exiftool = shutil.which("exiftool")
    if exiftool is None:
        pytest.skip("exiftool is not installed (make test installs libimage-exiftool-perl as root)")
    path = tmp_path / "photo.tiff"
    path.write_bytes(photo("TIFF", exif=None))
    subprocess.run(
        [exiftool, "-q", "-overwrite_original", "-Make=Nikon", "-Model=D3",
         "-DateTimeOriginal=2026:05:06 07:08:09", "-OffsetTimeOriginal=-03:00", str(path)],
        check=True,
    )
    facts = facts_of(path.read_bytes())
    assert facts.taken_at.local == datetime(2026, 5, 6, 7, 8, 9)
    assert facts.taken_at.offset == -timedelta(hours=3)
    assert (facts.camera_make, facts.camera_model) == ("Nikon", "D3")


def test_it_trims_spaces_and_nuls_from_camera_names():
    facts = facts_of(photo(make="NIKON CORPORATION\x00\x00 ", model="  NIKON D70 "))
    assert (facts.camera_make, facts.camera_model) == ("NIKON CORPORATION", "NIKON D70")


def test_an_image_without_exif_has_empty_facts():
    facts = facts_of(photo(exif=None))
    assert (facts.camera_make, facts.camera_model, facts.taken_at, facts.orientation) == (
        "", "", None, 1)


def test_it_reads_orientation():
    assert facts_of(photo(orientation=6)).orientation == 6
    assert facts_of(photo(orientation=99)).orientation == 1


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("2008:05:30 15:56:01", datetime(2008, 5, 30, 15, 56, 1)),
        ("2008-05-30 15:56:01", datetime(2008, 5, 30, 15, 56, 1)),
        ("2008:05:30 15:56:01\x00", datetime(2008, 5, 30, 15, 56, 1)),
        ("0000:00:00 00:00:00", None),
        ("    :  :     :  :  ", None),
        ("2008:13:30 15:56:01", None),
        ("", None),
        (None, None),
        (b"2008:05:30 15:56:01", datetime(2008, 5, 30, 15, 56, 1)),
    ],
)
def test_parse_exif_datetime(raw, expected):
    assert parse_exif_datetime(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [("+02:00", timedelta(hours=2)), ("-05:30", -timedelta(hours=5, minutes=30)),
     ("", None), ("+99:00", None), ("garbage", None)],
)
def test_parse_exif_offset(raw, expected):
    assert parse_exif_offset(raw) == expected


@pytest.mark.parametrize(
    "relative, make, model, taken",
    [
        ("jpg/Canon_40D.jpg", "Canon", "Canon EOS 40D", datetime(2008, 5, 30, 15, 56, 1)),
        ("jpg/Nikon_D70.jpg", "NIKON CORPORATION", "NIKON D70", datetime(2008, 3, 15, 9, 52, 1)),
        ("heic/IMG_5195.HEIC", "Apple", "iPhone 11 Pro Max", datetime(2021, 4, 11, 15, 47, 53)),
    ],
)
def test_it_agrees_with_exiftool_on_corpus_samples(corpus, relative, make, model, taken):
    with Image.open(corpus / relative) as image:
        facts = read_metadata(image)
    assert (facts.camera_make, facts.camera_model) == (make, model)
    assert facts.taken_at.local.replace(microsecond=0) == taken


def test_broken_exif_never_raises(corpus):
    for path in sorted((corpus / "jpg" / "tests").glob("*.jp*g")):
        try:
            image = Image.open(path)
        except Exception:
            continue
        with image:
            read_metadata(image)  # must not raise
