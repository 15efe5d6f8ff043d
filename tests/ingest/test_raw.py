"""Camera RAW and DNG through LibRaw: the camera's size, renditions from the preview or the
sensor (never from the small first image), the RAW's own metadata as exiftool reads it."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import time
from datetime import datetime

import numpy as np
import pytest
from PIL import Image

from photoshelf.core.refusals import Refusal
from photoshelf.ingest import decode, metadata, raw, renditions
from tests.factories import dng

MAX_PIXELS = 200_000_000
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-'
    b'rdf-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" '
    b'exif:DateTimeOriginal="2026-11-30T10:11:12+01:00"/></rdf:RDF></x:xmpmeta>'
)
RED_THUMBNAIL, GREEN_PREVIEW = (200, 50, 50), (40, 160, 60)


def write(tmp_path, data: bytes, name="photo.dng"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def opened(tmp_path, data: bytes) -> decode.Opened:
    return decode.open_image(write(tmp_path, data), max_pixels=MAX_PIXELS)


def rendered(tmp_path, data: bytes) -> tuple[metadata.Metadata, list[renditions.Rendition]]:
    found = opened(tmp_path, data)
    with found.image:
        facts = metadata.read_metadata(found.image)
        return facts, renditions.render(found, facts.orientation)


def near(pixel, colour, tolerance=12) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


def test_a_dng_is_the_cameras_picture_not_its_thumbnail(tmp_path):
    data = dng((1800, 1200))
    with Image.open(io.BytesIO(data)) as as_tiff:  # what the TIFF reader alone would take
        assert as_tiff.format == "TIFF" and max(as_tiff.size) == 256
    found = opened(tmp_path, data)
    assert (found.format, found.content_type, found.extension) == (
        "DNG",
        "image/x-adobe-dng",
        "dng",
    )
    assert found.image.size == (1800, 1200)


def test_its_size_is_oriented_like_any_photo(tmp_path):
    facts, made = rendered(tmp_path, dng((1800, 1200), orientation=6))
    assert (facts.width, facts.height) == (1200, 1800)
    assert (made[0].width, made[0].height) == (1067, 1600)


def test_without_a_big_enough_preview_the_sensor_data_is_demosaiced(tmp_path):
    for preview in (None, (640, 427)):
        _, made = rendered(tmp_path, dng((1800, 1200), preview=preview))
        row = np.asarray(made[0].pixels)[500, :, :].astype(int)
        assert row[10].max() < row[-10].min()  # the sensor's ramp, dark to bright
        assert not near(made[0].pixels.getpixel((800, 500)), RED_THUMBNAIL)
        assert not near(made[0].pixels.getpixel((800, 500)), GREEN_PREVIEW)


def test_a_full_size_preview_is_used_instead_of_demosaicing(tmp_path, monkeypatch):
    monkeypatch.setattr(raw, "demosaic", None)  # demosaicing would fail
    _, made = rendered(tmp_path, dng((1800, 1200), preview=(1800, 1200)))
    assert made[0].pixels.size == (1600, 1067)
    assert near(made[0].pixels.getpixel((800, 500)), GREEN_PREVIEW)


def test_a_large_raw_is_demosaiced_at_half_size(tmp_path, monkeypatch):
    calls = []
    demosaic = raw.demosaic

    def spy(raw_file, *, half_size):
        calls.append(half_size)
        return demosaic(raw_file, half_size=half_size)

    monkeypatch.setattr(raw, "demosaic", spy)
    _, made = rendered(tmp_path, dng((3400, 2200)))
    assert calls == [True] and made[0].pixels.size == (1600, 1035)


def test_make_model_and_date_are_the_raws_own(tmp_path):
    facts, _ = rendered(tmp_path, dng(make="Google", model="Pixel 9", xmp=XMP))
    assert (facts.camera_make, facts.camera_model) == ("Google", "Pixel 9")
    assert facts.taken_at is not None
    assert facts.taken_at.local == datetime(2026, 11, 30, 10, 11, 12)
    assert facts.taken_at.offset_text == "+01:00"


@pytest.mark.skipif(shutil.which("exiftool") is None, reason="exiftool is not installed")
def test_the_metadata_agrees_with_exiftool(tmp_path):
    path = write(tmp_path, dng(make="SONY", model="ILCE-7M4", orientation=8, xmp=XMP))
    found = decode.open_image(path, max_pixels=MAX_PIXELS)
    facts = metadata.read_metadata(found.image)
    tool = json.loads(
        subprocess.run(
            [
                "exiftool",
                "-j",
                "-n",
                "-Make",
                "-Model",
                "-DateTimeOriginal",
                "-Orientation",
                str(path),
            ],
            check=True,
            capture_output=True,
        ).stdout
    )[0]
    assert (facts.camera_make, facts.camera_model) == (tool["Make"], tool["Model"])
    assert facts.orientation == tool["Orientation"]
    taken = facts.taken_at
    assert taken is not None
    expected = taken.local.strftime("%Y:%m:%d %H:%M:%S") + taken.offset_text
    assert expected == tool["DateTimeOriginal"]


def test_an_ordinary_tiff_stays_a_tiff(tmp_path):
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Canon", "Canon EOS R5"  # a camera's photo exported as TIFF
    Image.new("RGB", (300, 200), (1, 2, 3)).save(out, "TIFF", exif=exif)
    found = opened(tmp_path, out.getvalue())
    assert (found.format, found.image.size) == ("TIFF", (300, 200))


@pytest.mark.parametrize("keep", [0.05, 0.5, 0.95])
def test_a_truncated_raw_is_not_an_image(tmp_path, keep):
    data = dng((600, 400))
    with pytest.raises(Refusal) as refused:
        rendered(tmp_path, data[: int(len(data) * keep)])
    assert refused.value.code == "not-an-image"


def _declaring(data: bytes, width: int, height: int) -> bytes:
    """The DNG with its sensor IFD's ImageWidth and ImageLength set to these (LONG values)."""
    out = bytearray(data)
    old_width, old_height = 600, 400
    for tag, old, new in ((256, old_width, width), (257, old_height, height)):
        for at in range(8, len(out) - 12, 2):
            entry = int.from_bytes(out[at : at + 2], "little")
            kind = int.from_bytes(out[at + 2 : at + 4], "little")
            value = int.from_bytes(out[at + 8 : at + 12], "little")
            if entry == tag and value == old and kind in (3, 4):
                out[at + 2 : at + 4] = (4).to_bytes(2, "little")
                out[at + 8 : at + 12] = new.to_bytes(4, "little")
    return bytes(out)


def test_a_header_declaring_too_many_pixels_is_refused_before_decoding(tmp_path, monkeypatch):
    monkeypatch.setattr(raw, "demosaic", None)
    started = time.monotonic()
    with pytest.raises(Refusal) as refused:
        opened(tmp_path, _declaring(dng((600, 400)), 60_000, 40_000))
    assert refused.value.code == "too-many-pixels"
    assert (refused.value.extra["width"], refused.value.extra["height"]) == (60_000, 40_000)
    assert time.monotonic() - started < 2


def test_a_file_lying_about_its_size_is_not_an_image(tmp_path):
    with pytest.raises(Refusal) as refused:
        rendered(tmp_path, _declaring(dng((600, 400)), 6000, 4000))
    assert refused.value.code == "not-an-image"
