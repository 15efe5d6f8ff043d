"""privacy.strip_gps(): no GPS left (by exiftool's reading), every other byte and every pixel kept."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image

from photoshelf.gallery.privacy import CannotStrip, strip_gps
from photoshelf.ingest.metadata import read_metadata
from tests.factories import exif_block, photo

# Pure bytes in, bytes out: once, not on every database and storage.
pytestmark = pytest.mark.backends("sqlite-local")

EXPECTED = json.loads(
    (Path(__file__).parent.parent / "data" / "exiftool-expected.json").read_text()
)
WITH_GPS = sorted(row["SourceFile"] for row in EXPECTED if "Composite:GPSLatitude" in row)


@pytest.fixture(scope="module")
def exiftool() -> str:
    path = shutil.which("exiftool")
    if path is None:
        pytest.skip("exiftool is not installed (make test installs libimage-exiftool-perl as root)")
    return path


def gps_tags(exiftool: str, data: bytes) -> str:
    """Every GPS tag exiftool finds, in EXIF and XMP alike ("" when none)."""
    done = subprocess.run(
        [exiftool, "-G1", "-a", "-s", "-gps:all", "-xmp:GPS*", "-"],
        input=data,
        capture_output=True,
        check=True,
    )
    return done.stdout.decode().strip()


def facts(data: bytes):
    with Image.open(io.BytesIO(data)) as image:
        return read_metadata(image)


def pixels(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        return image.tobytes()


def test_it_removes_gps_from_every_corpus_file_that_has_it(corpus, exiftool, tmp_path):
    assert len(WITH_GPS) == 18  # JPEG and HEIF files, by exiftool's reading
    for relative in WITH_GPS:
        data = (corpus / relative).read_bytes()
        stripped = strip_gps(data)
        assert len(stripped) == len(data), relative  # blanked in place: no offset moved
        before, after = facts(data), facts(stripped)
        assert (after.gps_latitude, after.gps_longitude) == (None, None), relative
        assert (after.camera_model, after.taken_at, after.lens_model) == (
            before.camera_model,
            before.taken_at,
            before.lens_model,
        ), relative
        (tmp_path / relative.replace("/", "_")).write_bytes(stripped)
    # one exiftool run over all of them: it finds no GPS tag in any
    done = subprocess.run(
        [exiftool, "-G1", "-a", "-s", "-gps:all", "-xmp:GPS*", str(tmp_path)],
        capture_output=True,
        check=True,
    )
    lines = done.stdout.decode().splitlines()
    assert [line for line in lines if not line.startswith(("=", " "))] == [], lines
    assert len([line for line in lines if line.startswith("======== ")]) == len(WITH_GPS)


def test_the_pixels_are_not_re_encoded(corpus):
    data = (corpus / "jpg" / "gps" / "DSCN0010.jpg").read_bytes()
    stripped = strip_gps(data)
    sos = data.index(b"\xff\xda")
    assert stripped[sos:] == data[sos:]  # the compressed image data, byte for byte
    assert pixels(stripped) == pixels(data)


def _gps_exif():
    exif = exif_block(taken=datetime(2026, 5, 6, 7, 8, 9))
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (48.0, 51.0, 30.0), "E", (2.0, 17.0, 40.0)
    return exif


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "HEIF", "AVIF"])
def test_it_removes_gps_from_every_format_pillow_writes(exiftool, fmt):
    data = photo(fmt, size=(64, 48), exif=_gps_exif())
    assert facts(data).gps_latitude is not None
    stripped = strip_gps(data)
    assert gps_tags(exiftool, stripped) == ""
    assert facts(stripped).taken_at == facts(data).taken_at
    assert pixels(stripped) == pixels(data)


def test_it_removes_gps_from_tiff(exiftool, tmp_path):
    path = tmp_path / "photo.tiff"
    path.write_bytes(photo("TIFF", size=(64, 48), exif=None))
    subprocess.run(
        [
            exiftool,
            "-q",
            "-overwrite_original",
            "-GPSLatitude=48.85",
            "-GPSLatitudeRef=N",
            "-GPSLongitude=2.29",
            "-GPSLongitudeRef=E",
            "-XMP-exif:GPSLatitude=48.85",
            "-Model=D3",
            str(path),
        ],
        check=True,
    )
    data = path.read_bytes()
    assert gps_tags(exiftool, data)
    stripped = strip_gps(data)
    assert gps_tags(exiftool, stripped) == ""
    assert facts(stripped).camera_model == "D3"
    assert pixels(stripped) == pixels(data)


def test_it_blanks_gps_in_xmp_and_keeps_the_rest(exiftool):
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/'
        b'02/22-rdf-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/"'
        b' xmlns:xmp="http://ns.adobe.com/xap/1.0/" exif:GPSLatitude="48,51.5N"'
        b' xmp:CreateDate="2026-01-02T03:04:05Z"><exif:GPSLongitude>2,17.6E'
        b"</exif:GPSLongitude></rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    image = Image.new("RGB", (16, 16))
    out = io.BytesIO()
    image.save(out, "JPEG", xmp=xmp)
    stripped = strip_gps(out.getvalue())
    assert gps_tags(exiftool, stripped) == ""
    assert facts(stripped).taken_at.local == datetime(2026, 1, 2, 3, 4, 5)


def test_a_format_without_exif_is_returned_unchanged():
    data = photo("GIF", exif=None)
    assert strip_gps(data) == data


def jpeg_with_a_gps_pointer_out_of_bounds() -> bytes:
    data = photo(size=(64, 48), exif=_gps_exif())
    pointer = b"\x88\x25\x00\x04\x00\x00\x00\x01"  # MM: tag 0x8825, LONG, count 1
    at = data.index(pointer) + len(pointer)
    return data[:at] + b"\x7f\xff\x00\x00" + data[at + 4 :]


def test_a_block_too_damaged_to_edit_safely_is_refused_rather_than_guessed():
    with pytest.raises(CannotStrip):
        strip_gps(jpeg_with_a_gps_pointer_out_of_bounds())
