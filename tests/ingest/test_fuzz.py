"""Fuzzing: corpus images and Pillow-made ones, mutated (bit flips, truncation, overwrites with
edge values, chunks spliced in from other files), fed to decode + metadata + renditions and to
the upload endpoint. Nothing but a Refusal may escape; every HTTP answer is 201 or a coded 4xx.

The examples are derandomized (the same ones on every run, so CI never flakes) and bounded in
number (1,000 and 200: about 15 s); FUZZ_EXAMPLES=20000 explores much further by hand.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from PIL import Image, PngImagePlugin

from photoshelf.core.refusals import Refusal
from photoshelf.gallery import privacy
from photoshelf.ingest import decode, metadata, motion, renditions
from tests.conftest import CORPUS, REPO
from tests.factories import animation, dng, exif_block, exr, jxl, motion_photo, photo, upload

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "1000"))
MAX_PIXELS = 4_000_000  # keeps each decode small; bigger declared sizes are refused cheaply
CORPUS_SEEDS = [
    "jpg/Canon_40D.jpg",
    "jpg/Nikon_D70.jpg",
    "jpg/xmp/BlueSquare.jpg",
    "jpg/gps/DSCN0010.jpg",
    "jpg/invalid/image02206.jpg",
    "jpg/tests/32-lens_data.jpeg",
    "tiff/Arbitro.tiff",
    "heic/samplefilehub.heif",
]
# Real files of formats the corpus lacks (libvips' test images, see their NOTICE.md).
SAMPLES = REPO.parent / "shared" / "corpus" / "libvips-samples"
SAMPLE_SEEDS = [
    "sample.exr",
    "sample-xyb.jpg",  # and the AVIF: ICC profiles
    "avif-orientation-6.avif",
    "cogs.gif",
]
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-'
    b'rdf-syntax-ns#"><rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
    b'xmp:CreateDate="2026-01-02T03:04:05Z"/></rdf:RDF></x:xmpmeta>'
)


def _made() -> dict[str, bytes]:
    exif = exif_block(taken=datetime(2026, 1, 2, 3, 4, 5), offset="+01:00")
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (48.0, 51.0, 30.0), "E", (2.0, 17.0, 40.0)
    seeds = {fmt: photo(fmt, size=(48, 32), exif=exif) for fmt in ("PNG", "WEBP", "AVIF", "HEIF")}
    seeds["GIF"] = photo("GIF", size=(48, 32), exif=None)
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", XMP.decode(), zip=True)
    out = io.BytesIO()
    Image.new("RGBA", (40, 30), (1, 2, 3, 4)).save(out, "PNG", pnginfo=info, exif=exif)
    seeds["PNG-xmp"] = out.getvalue()
    ramp = np.linspace(0, 4, 48 * 32 * 3, dtype=np.float32).reshape(32, 48, 3)
    for fmt in ("GIF", "WEBP", "PNG"):
        seeds[f"{fmt}-animated"] = animation(fmt, size=(48, 32))
    seeds["JXL-exif-xmp"] = jxl(Image.new("RGB", (48, 32), (9, 99, 199)), exif=exif, xmp=XMP)
    seeds["JXL-bare"] = jxl(Image.linear_gradient("L").resize((40, 30)).convert("RGB"))
    seeds["JPEG-motion-photo"] = motion_photo(size=(48, 32), exif=exif)
    seeds["DNG-preview"] = dng((96, 64), preview=(96, 64), thumbnail=(24, 16), xmp=XMP)
    seeds["DNG-bare"] = dng((64, 48), thumbnail=(16, 12))
    seeds["EXR-zip"] = exr({"RGB": ramp.astype(np.float16)})
    seeds["EXR-piz-alpha"] = exr(
        {"RGBA": np.dstack([ramp, ramp[..., :1]])}, compression="PIZ_COMPRESSION"
    )
    return seeds


def _seeds() -> dict[str, bytes]:
    seeds = _made()
    if CORPUS.is_dir():
        seeds.update({name: (CORPUS / name).read_bytes() for name in CORPUS_SEEDS})
    if SAMPLES.is_dir():
        seeds.update({name: (SAMPLES / name).read_bytes() for name in SAMPLE_SEEDS})
    return seeds


SEEDS = _seeds()
NAMES = sorted(SEEDS)
EDGE_VALUES = [
    b"\x00",
    b"\xff",
    b"\x00\x00\x00\x00",
    b"\xff\xff\xff\xff",
    b"\x7f\xff\xff\xff",
    b"\x80\x00\x00\x00",
    b"\x00\x01",
    b"\xff\xd8",
    b"\xff\xda",
    b"IEND",
    b"Exif\x00\x00",
]


@st.composite
def mutated(draw) -> bytes:
    data = bytearray(SEEDS[draw(st.sampled_from(NAMES))])
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        kind = draw(st.sampled_from(["flip", "truncate", "overwrite", "splice", "repeat"]))
        if kind == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "truncate":
            del data[at:]
        elif kind == "overwrite":
            value = draw(st.sampled_from(EDGE_VALUES))
            data[at : at + len(value)] = value
        elif kind == "splice":  # a chunk of another file (or of itself) inserted here
            other = SEEDS[draw(st.sampled_from(NAMES))]
            start = draw(st.integers(0, len(other) - 1))
            data[at:at] = other[start : start + draw(st.integers(1, 2048))]
        else:  # a stretch repeated, as broken writers do
            data[at:at] = data[at : at + draw(st.integers(1, 512))] * draw(st.integers(1, 4))
    return bytes(data)


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)


def ingest_stages(data: bytes) -> str:
    """decode -> metadata -> renditions (-> GPS stripping, as served); "ok" or the refusal's code."""
    with tempfile.NamedTemporaryFile() as fh:
        fh.write(data)
        fh.flush()
        opened = decode.open_image(Path(fh.name), max_pixels=MAX_PIXELS)
        xmp = opened.image.info.get("xmp")
        motion.find_video(Path(fh.name), xmp if isinstance(xmp, bytes | str) else None)
    with opened.image:
        facts = metadata.read_metadata(opened.image, name="fuzz")
        assert facts.width > 0 and facts.height > 0
        renditions.render(opened, facts.orientation, name="fuzz")
    with contextlib.suppress(privacy.CannotStrip):
        privacy.strip_gps(data)
    return "ok"


@FUZZ
@given(mutated())
def test_decode_metadata_and_renditions_only_ever_refuse(data):
    try:
        event(ingest_stages(data))
    except Refusal as refusal:
        event(refusal.code)
        assert refusal.code in {"not-an-image", "too-many-pixels"}


@pytest.mark.django_db
@settings(FUZZ, max_examples=max(EXAMPLES // 5, 10))
@given(data=mutated())
def test_the_upload_endpoint_answers_201_or_a_coded_4xx(client, django_settings, data):
    response = client.post("/api/images", {"file": upload(data, "fuzz.jpg")})
    event(str(response.status_code))
    assert response.status_code == 201 or (
        400 <= response.status_code < 500 and response.json()["code"]
    ), response.content[:300]


@pytest.fixture
def django_settings(settings):
    """Rules relaxed so mutated files reach every stage instead of stopping at the date check."""
    settings.PHOTOSHELF_REQUIRE_TAKEN_AT = False
    settings.PHOTOSHELF_MAX_AGE_DAYS = 0
    settings.PHOTOSHELF_MAX_PIXELS = MAX_PIXELS
    return settings
