"""metadata.read_metadata(): date taken, camera and orientation from EXIF, never an exception."""

import io
import logging
import shutil
import subprocess
from datetime import datetime, timedelta

import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from photoshelf.ingest import decode  # noqa: F401  (registers the HEIF opener)
from photoshelf.ingest.metadata import parse_exif_datetime, parse_exif_offset, read_metadata
from photoshelf.ingest.xmp import MAX_XMP_BYTES, MAX_XMP_DEPTH, MAX_XMP_ELEMENTS, parse_xmp
from tests.factories import exif_block, photo


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
        [
            exiftool,
            "-q",
            "-overwrite_original",
            "-Make=Nikon",
            "-Model=D3",
            "-DateTimeOriginal=2026:05:06 07:08:09",
            "-OffsetTimeOriginal=-03:00",
            str(path),
        ],
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
        "",
        "",
        None,
        1,
    )


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
    [
        ("+02:00", timedelta(hours=2)),
        ("-05:30", -timedelta(hours=5, minutes=30)),
        ("", None),
        ("+99:00", None),
        ("garbage", None),
    ],
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


# --- The extra facts: lens, exposure, position, XMP -----------------------------------------

GPS_IFD = 0x8825


def _camera_exif():
    from PIL import TiffImagePlugin

    from tests.factories import exif_block

    exif = exif_block(taken=datetime(2026, 5, 6, 7, 8, 9))
    ifd = exif.get_ifd(0x8769)
    ifd[0xA434] = "EF-S18-55mm f/3.5-5.6"
    ifd[0x920A] = TiffImagePlugin.IFDRational(23, 1)
    ifd[0x829D] = TiffImagePlugin.IFDRational(71, 10)
    ifd[0x829A] = TiffImagePlugin.IFDRational(1, 160)
    ifd[0x8827] = 100
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2] = "S", (33.0, 51.0, 54.0)
    gps[3], gps[4] = "E", (151.0, 12.0, 36.0)
    return exif


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "HEIF", "AVIF"])
def test_it_reads_lens_exposure_iso_and_position(fmt):
    facts = facts_of(photo(fmt, size=(64, 48), exif=_camera_exif()))
    assert facts.lens_model == "EF-S18-55mm f/3.5-5.6"
    assert (facts.focal_length_mm, facts.f_number, facts.exposure_time_s, facts.iso) == (
        23.0,
        7.1,
        1 / 160,
        100,
    )
    assert facts.gps_latitude == pytest.approx(-(33 + 51 / 60 + 54 / 3600))
    assert facts.gps_longitude == pytest.approx(151 + 12 / 60 + 36 / 3600)


def test_a_zero_denominator_or_an_impossible_position_is_no_value():
    from PIL import TiffImagePlugin

    exif = _camera_exif()
    exif.get_ifd(0x8769)[0x829D] = TiffImagePlugin.IFDRational(7, 0)
    exif.get_ifd(GPS_IFD)[2] = (133.0, 0.0, 0.0)
    facts = facts_of(photo(exif=exif))
    assert facts.f_number is None
    assert (facts.gps_latitude, facts.gps_longitude) == (None, None)
    assert facts.taken_at is not None  # the rest of the block still counts


def test_width_and_height_are_as_displayed():
    facts = facts_of(photo(size=(64, 48), orientation=6))
    assert (facts.width, facts.height) == (48, 64)


def test_it_records_where_the_offset_came_from():
    with_offset = facts_of(photo(taken=datetime(2026, 1, 1), offset="+02:00"))
    without = facts_of(photo(taken=datetime(2026, 1, 1)))
    assert with_offset.taken_at.offset_source == "OffsetTimeOriginal"
    assert (without.taken_at.offset, without.taken_at.offset_source) == (None, "")


XMP = b"""<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF
 xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
 <rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/"
  xmlns:tiff="http://ns.adobe.com/tiff/1.0/" xmlns:exif="http://ns.adobe.com/exif/1.0/"
  xmp:CreateDate="2026-02-03T04:05:06.5-07:00" tiff:Make="FUJIFILM"
  exif:GPSLatitude="48,51.504N" exif:GPSLongitude="2,17.67E">
  <tiff:Model>X-T5</tiff:Model>
 </rdf:Description></rdf:RDF></x:xmpmeta>"""


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_it_falls_back_to_xmp_where_exif_is_absent(fmt):
    from PIL import PngImagePlugin

    image = Image.new("RGB", (32, 32), (10, 20, 30))
    out = io.BytesIO()
    if fmt == "PNG":  # Pillow writes PNG's XMP as the iTXt chunk other software writes
        info = PngImagePlugin.PngInfo()
        info.add_itxt("XML:com.adobe.xmp", XMP.decode(), zip=True)
        image.save(out, fmt, pnginfo=info)
    else:
        image.save(out, fmt, xmp=XMP)
    facts = facts_of(out.getvalue())
    assert (facts.camera_make, facts.camera_model) == ("FUJIFILM", "X-T5")
    assert facts.taken_at.local == datetime(2026, 2, 3, 4, 5, 6, 500000)
    assert facts.taken_at.offset == -timedelta(hours=7)
    assert (facts.taken_at.source, facts.taken_at.offset_source) == (
        "XMP:CreateDate",
        "XMP:CreateDate",
    )
    assert facts.gps_latitude == pytest.approx(48 + 51.504 / 60)
    assert facts.gps_longitude == pytest.approx(2 + 17.67 / 60)


def test_exif_wins_over_xmp():
    image = Image.new("RGB", (32, 32))
    out = io.BytesIO()
    image.save(out, "JPEG", xmp=XMP, exif=_camera_exif())
    facts = facts_of(out.getvalue())
    assert facts.camera_make == "Canon"
    assert facts.taken_at.source == "DateTimeOriginal"


def test_hostile_xmp_is_ignored_not_expanded():
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
        + b"".join(b'<!ENTITY %c "%s">' % (98 + i, (b"&%c;" % (97 + i)) * 10) for i in range(8))
        + b']><x:xmpmeta xmlns:x="adobe:ns:meta/">&i;</x:xmpmeta>'
    )
    image = Image.new("RGB", (8, 8))
    out = io.BytesIO()
    image.save(out, "JPEG", xmp=laughs)
    assert facts_of(out.getvalue()).taken_at is None


def _png_with_exif_after_idat(exif_bytes: bytes) -> bytes:
    import struct
    import zlib

    data = photo("PNG", exif=None)
    chunk = b"eXIf" + exif_bytes
    chunk = struct.pack(">I", len(exif_bytes)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    assert data.endswith(b"IEND\xaeB`\x82")
    return data[:-12] + chunk + data[-12:]


def test_it_reads_png_exif_after_the_pixels_without_decoding_them():
    exif = _camera_exif().tobytes()
    with Image.open(io.BytesIO(_png_with_exif_after_idat(exif))) as image:
        facts = read_metadata(image)
        assert image.tile, "the pixels were decoded"
    assert facts.taken_at.local == datetime(2026, 5, 6, 7, 8, 9)
    assert facts.iso == 100


def test_it_falls_back_to_xmp_in_tiff(tmp_path):
    exiftool = shutil.which("exiftool")
    if exiftool is None:
        pytest.skip("exiftool is not installed (make test installs libimage-exiftool-perl as root)")
    path = tmp_path / "photo.tiff"
    path.write_bytes(photo("TIFF", size=(32, 32), exif=None))
    subprocess.run(
        [
            exiftool,
            "-q",
            "-overwrite_original",
            "-XMP-tiff:Make=Leica",
            "-XMP-photoshop:DateCreated=2026:03:04 05:06:07+05:30",
            str(path),
        ],
        check=True,
    )
    facts = facts_of(path.read_bytes())
    assert facts.camera_make == "Leica"
    assert facts.taken_at.local == datetime(2026, 3, 4, 5, 6, 7)
    assert facts.taken_at.offset == timedelta(hours=5, minutes=30)
    assert facts.taken_at.source == "XMP:DateCreated"


# --- XMP bounded: nesting and size are refused while parsing, never walked ------------------

XMP_CREATED = (
    b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/"'
    b' xmp:CreateDate="2026-02-03T04:05:06"/></rdf:RDF>'
)


def xmp_nested(levels: int, *, tail: bytes = b"") -> bytes:
    """An XMP packet `levels` elements deep in all, with the date taken at the bottom."""
    wrappers = levels - 2  # rdf:RDF and rdf:Description are the last two levels
    return b"<a>" * wrappers + XMP_CREATED + b"</a>" * wrappers + tail


def xmp_wide(elements: int) -> bytes:
    """An XMP packet of `elements` elements in all, three levels deep."""
    siblings = elements - 2  # the root and rdf:Description
    return (
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        + b"<a/>" * siblings
        + b'<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/"'
        b' xmp:CreateDate="2026-02-03T04:05:06"/></rdf:RDF>'
    )


def test_xmp_as_deep_as_the_bound_is_read_one_level_more_is_ignored():
    assert parse_xmp(xmp_nested(MAX_XMP_DEPTH), "x") == {"xmp:CreateDate": "2026-02-03T04:05:06"}
    assert parse_xmp(xmp_nested(MAX_XMP_DEPTH + 1), "x") == {}


def test_xmp_with_as_many_elements_as_the_bound_is_read_one_more_is_ignored():
    assert parse_xmp(xmp_wide(MAX_XMP_ELEMENTS), "x") == {"xmp:CreateDate": "2026-02-03T04:05:06"}
    assert parse_xmp(xmp_wide(MAX_XMP_ELEMENTS + 1), "x") == {}


def test_deeply_nested_xmp_is_ignored_as_soon_as_it_is_too_deep(caplog):
    # 50,000 levels, then XML that does not parse: the refusal names the depth, so the parse
    # stopped at the bound and never reached the end of the packet
    packet = xmp_nested(50_000, tail=b"<unclosed")
    assert len(packet) < MAX_XMP_BYTES
    with caplog.at_level(logging.INFO, logger="photoshelf.ingest.xmp"):
        assert parse_xmp(packet, "deep.png") == {}
    assert f"nested deeper than {MAX_XMP_DEPTH}" in caplog.text
    assert "unreadable" not in caplog.text


def png_with_xmp(packet: bytes, **exif_fields) -> bytes:
    """A small PNG with an EXIF date and the packet as the compressed iTXt other software writes."""
    info = PngInfo()
    info.add_itxt("XML:com.adobe.xmp", packet.decode(), zip=True)
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (90, 140, 200)).save(
        out, "PNG", pnginfo=info, exif=exif_block(**exif_fields)
    )
    return out.getvalue()


def test_a_png_with_deeply_nested_xmp_keeps_its_exif_facts():
    data = png_with_xmp(xmp_nested(50_000), taken=datetime(2026, 5, 6, 7, 8, 9))
    assert len(data) < 10_000  # a few kilobytes: the nesting compresses to nothing
    facts = facts_of(data)
    assert facts.taken_at.local == datetime(2026, 5, 6, 7, 8, 9)
    assert facts.taken_at.source == "DateTimeOriginal"
