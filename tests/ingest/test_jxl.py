"""JPEG XL: the header read without decoding (size, bound), Exif and XMP from the boxes."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image

from photoshelf.core.refusals import Refusal
from photoshelf.ingest import decode, jxl, metadata, renditions
from tests.factories import exif_block, photo
from tests.factories import jxl as jxl_file

MAX_PIXELS = 200_000_000
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-'
    b'rdf-syntax-ns#"><rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
    b'xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Make="FUJIFILM" tiff:Model="X-T5" '
    b'xmp:CreateDate="2026-03-04T05:06:07+01:00"/></rdf:RDF></x:xmpmeta>'
)


def write(tmp_path, data: bytes):
    path = tmp_path / "upload.bin"
    path.write_bytes(data)
    return path


def opened(tmp_path, data: bytes, max_pixels: int = MAX_PIXELS) -> decode.Opened:
    return decode.open_image(write(tmp_path, data), max_pixels=max_pixels)


@pytest.mark.parametrize("size", [(160, 120), (123, 457), (8, 8), (1000, 1000), (2000, 1125)])
@pytest.mark.parametrize("container", [False, True])
def test_the_header_gives_the_size_the_decoder_finds(tmp_path, size, container):
    image = Image.new("RGB", size, (10, 120, 200))
    data = jxl_file(image, xmp=XMP if container else None)
    assert data.startswith(jxl.CONTAINER if container else jxl.CODESTREAM)
    header = jxl.read_header(write(tmp_path, data))
    assert (header.width, header.height) == size
    found = opened(tmp_path, data)
    assert (found.format, found.content_type, found.extension) == ("JXL", "image/jxl", "jxl")
    assert found.image.size == size


def test_exif_is_read_from_its_box(tmp_path):
    exif = exif_block(make="Canon", model="Canon EOS R5", offset="+09:00")
    image = opened(tmp_path, jxl_file(exif=exif)).image
    facts = metadata.read_metadata(image, name="x.jxl")
    assert (facts.camera_make, facts.camera_model) == ("Canon", "Canon EOS R5")
    assert facts.taken_at is not None and facts.taken_at.offset_text == "+09:00"


def test_xmp_is_read_from_its_box(tmp_path):
    image = opened(tmp_path, jxl_file(xmp=XMP)).image
    facts = metadata.read_metadata(image, name="x.jxl")
    assert (facts.camera_make, facts.camera_model) == ("FUJIFILM", "X-T5")
    assert facts.taken_at is not None and facts.taken_at.source == "XMP:CreateDate"
    assert facts.taken_at.offset_text == "+01:00"


def test_an_exif_orientation_is_not_applied_over_the_codestreams(tmp_path):
    # libjxl hands out pixels turned by the codestream's orientation, which the format says
    # wins over Exif's: the pixels are shown as decoded, not turned a second time.
    exif = exif_block(orientation=6)
    image = opened(tmp_path, jxl_file(Image.new("RGB", (160, 120)), exif=exif)).image
    facts = metadata.read_metadata(image)
    assert facts.orientation == 1 and (facts.width, facts.height) == (160, 120)


def test_a_recompressed_jpeg_keeps_its_exif_orientation(tmp_path):
    source = write(tmp_path, photo(size=(160, 120), orientation=6))
    out = io.BytesIO()
    with Image.open(source) as original:
        original.save(out, "JXL", lossless_jpeg=True)
    path = tmp_path / "recompressed.jxl"
    path.write_bytes(out.getvalue())
    assert jxl.read_header(path).jpeg_reconstruction
    found = decode.open_image(path, max_pixels=MAX_PIXELS)
    facts = metadata.read_metadata(found.image)
    assert facts.orientation == 6 and (facts.width, facts.height) == (120, 160)
    assert renditions.render(found, facts.orientation)[0].pixels.size == (120, 160)


def _codestream_declaring(width: int, height: int) -> bytes:
    """A codestream whose SizeHeader declares width × height (30-bit sizes), then junk."""
    bits = [0]  # not small
    for value in (height - 1, None, width - 1):
        if value is None:
            bits += [0, 0, 0]  # ratio 0: the width follows
            continue
        bits += [1, 1]  # selector 3: 30 bits
        bits += [(value >> i) & 1 for i in range(30)]
    bits += [1]  # all_default metadata
    data = bytearray((len(bits) + 7) // 8)
    for i, bit in enumerate(bits):
        data[i >> 3] |= bit << (i & 7)
    return jxl.CODESTREAM + bytes(data) + b"\0" * 64


def test_a_header_declaring_too_many_pixels_is_refused_before_decoding(tmp_path, monkeypatch):
    import pillow_jxl.JpegXLImagePlugin as plugin

    monkeypatch.setattr(plugin, "Decoder", None)  # reaching the decoder would fail loudly
    started = time.monotonic()
    with pytest.raises(Refusal) as refused:
        opened(tmp_path, _codestream_declaring(100_000, 80_000))
    assert refused.value.code == "too-many-pixels"
    assert (refused.value.extra["width"], refused.value.extra["height"]) == (100_000, 80_000)
    assert time.monotonic() - started < 1


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9])
def test_a_truncated_file_is_not_an_image(tmp_path, keep):
    noisy = Image.effect_noise((200, 150), 60).convert("RGB")
    data = jxl_file(noisy, xmp=XMP)
    with pytest.raises(Refusal) as refused:
        found = opened(tmp_path, data[: int(len(data) * keep)])
        renditions.render(found, 1)
    assert refused.value.code == "not-an-image"


@pytest.mark.parametrize(
    "data",
    [jxl.CODESTREAM, jxl.CONTAINER, jxl.CONTAINER + b"\0\0\0\x04jxlc", jxl.CONTAINER + b"\xff" * 8],
)
def test_a_broken_header_is_not_an_image(tmp_path, data):
    with pytest.raises(Refusal) as refused:
        opened(tmp_path, data)
    assert refused.value.code == "not-an-image"


def test_a_broken_exif_box_means_no_metadata_not_a_failure(tmp_path):
    data = bytearray(jxl_file(exif=exif_block(orientation=6)))
    at = data.index(b"MM\x00\x2a") if b"MM\x00\x2a" in data else data.index(b"II\x2a\x00")
    data[at + 2 : at + 4] = b"\0\0"  # no longer a TIFF header
    found = opened(tmp_path, bytes(data))
    facts = metadata.read_metadata(found.image)
    assert facts.camera_make == "" and facts.orientation == 1
