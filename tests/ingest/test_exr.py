"""OpenEXR: the size from the header, scene-linear pixels tone-mapped to sRGB, hostile files refused."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PIL import Image

from photoshelf.core.refusals import Refusal
from photoshelf.ingest import decode, exr, renditions
from tests.conftest import REPO
from tests.factories import exr as exr_file

SAMPLES = REPO.parent / "shared" / "corpus" / "libvips-samples"
MAX_PIXELS = 200_000_000


def opened(tmp_path, data: bytes, max_pixels: int = MAX_PIXELS) -> decode.Opened:
    path = tmp_path / "upload.bin"
    path.write_bytes(data)
    return decode.open_image(path, max_pixels=max_pixels)


def pixels(tmp_path, data: bytes) -> np.ndarray:
    image = opened(tmp_path, data).image
    image.load()
    return np.asarray(image)


def flat(value: float, size=(8, 4)) -> dict:
    return {"RGB": np.full((size[1], size[0], 3), value, dtype=np.float32)}


def test_it_is_identified_by_content_with_its_size_and_served_type(tmp_path):
    image = opened(tmp_path, exr_file(flat(0.5, size=(30, 20))))
    assert (image.format, image.content_type, image.extension) == ("EXR", "image/x-exr", "exr")
    assert image.image.size == (30, 20)


@pytest.mark.parametrize("linear, srgb", [(0.0, 0), (0.18, 118), (0.5, 188), (1.0, 255)])
def test_values_within_zero_and_one_only_get_the_srgb_curve(tmp_path, linear, srgb):
    assert (pixels(tmp_path, exr_file(flat(linear))) == srgb).all()


def test_highlights_are_rolled_off_towards_white_not_clipped_flat(tmp_path):
    ramp = np.linspace(0, 8, 200, dtype=np.float32)
    grey = np.repeat(np.tile(ramp, (2, 1))[..., None], 3, axis=2)
    row = pixels(tmp_path, exr_file({"RGB": grey}))[0, :, 0].astype(int)
    assert row[-1] >= 254
    assert (np.diff(row) >= 0).all()
    # Values above 1.0 are still told apart: most of the ramp is above 1, little of it is white.
    assert np.count_nonzero(row >= 254) < 20
    assert row[150] < 250  # 6.0
    assert row[25] < 200  # 1.0 in the ramp: a mid-tone now, since 8.0 is the white


def test_luminance_chroma_images_are_converted_to_rgb():
    # The OpenEXR bindings cannot write subsampled channels; the real sample below is such a file.
    red = (0.6, 0.1, 0.05)
    y = 0.2126 * red[0] + 0.7152 * red[1] + 0.0722 * red[2]
    channels = {
        "Y": np.full((8, 8), y, dtype=np.float32),
        "RY": np.full((4, 4), (red[0] - y) / y, dtype=np.float32),  # chroma at half size
        "BY": np.full((4, 4), (red[2] - y) / y, dtype=np.float32),
    }
    planes = {
        name: np.full((1, 1), value, dtype=np.float32)
        for name, value in zip("RGB", red, strict=True)
    }
    expected = exr.display_rgb(planes, (1, 1))
    got = exr.display_rgb(channels, (8, 8))
    assert np.abs(got.astype(int) - expected[0, 0].astype(int)).max() <= 1


def test_the_real_sample_keeps_its_size_and_looks_like_a_photo(tmp_path):
    image = opened(tmp_path, (SAMPLES / "sample.exr").read_bytes())
    assert image.image.size == (610, 406)
    made = renditions.render(image, 1)
    thumb = made[-1].pixels
    assert thumb.size == (400, 266)
    mean = np.asarray(thumb).mean()
    assert 40 < mean < 200  # neither black nor washed out


def test_alpha_is_composited_over_white(tmp_path):
    rgba = np.zeros((4, 4, 4), dtype=np.float32)  # premultiplied: transparent black
    assert (pixels(tmp_path, exr_file({"RGBA": rgba})) == 255).all()


def test_nan_and_infinite_values_do_not_break_the_rendering(tmp_path):
    values = np.array([[np.nan, np.inf, -np.inf, 0.5]], dtype=np.float32)
    got = pixels(tmp_path, exr_file({"RGB": np.repeat(values[..., None], 3, axis=2)}))
    assert got.dtype == np.uint8 and got.shape == (1, 4, 3)


def test_an_image_without_colour_channels_is_not_an_image(tmp_path):
    with pytest.raises(Refusal) as refused:
        opened(tmp_path, exr_file({"Z": np.ones((4, 4), dtype=np.float32)}))
    assert refused.value.code == "not-an-image"


def _declaring(data: bytes, width: int, height: int) -> bytes:
    """The same file with a dataWindow (and displayWindow) declaring width × height."""
    out = bytearray(data)
    for name in (b"dataWindow\0box2i\0", b"displayWindow\0box2i\0"):
        at = out.index(name) + len(name) + 4
        out[at : at + 16] = np.array([0, 0, width - 1, height - 1], dtype="<i4").tobytes()
    return bytes(out)


def test_a_header_declaring_too_many_pixels_is_refused_before_decoding(tmp_path):
    bomb = _declaring(exr_file(flat(0.5)), 60_000, 60_000)
    started = time.monotonic()
    with pytest.raises(Refusal) as refused:
        opened(tmp_path, bomb)
    assert refused.value.code == "too-many-pixels"
    assert refused.value.extra["width"] == 60_000
    assert time.monotonic() - started < 1


def test_a_header_declaring_more_pixels_than_the_data_holds_is_not_an_image(tmp_path):
    liar = _declaring(exr_file(flat(0.5, size=(16, 16))), 64, 64)
    with pytest.raises(Refusal) as refused:
        renditions.render(opened(tmp_path, liar), 1)
    assert refused.value.code == "not-an-image"


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.9, 0.99])
def test_a_truncated_file_is_not_an_image(tmp_path, keep):
    data = exr_file({"RGB": np.random.default_rng(1).random((64, 64, 3), dtype=np.float32)})
    with pytest.raises(Refusal) as refused:
        renditions.render(opened(tmp_path, data[: int(len(data) * keep)]), 1)
    assert refused.value.code == "not-an-image"


def test_it_is_read_only_from_a_path(tmp_path):
    import io

    with pytest.raises(Exception):  # noqa: B017 - Pillow's "cannot identify" error
        Image.open(io.BytesIO(exr_file(flat(0.5))), formats=["EXR"])


def test_a_big_image_is_averaged_in_linear_light_before_tone_mapping(tmp_path):
    # Alternating black and 1.0 columns: averaged linearly they are 0.5 (188 in sRGB), where
    # averaging the encoded values would give 128.
    columns = np.tile(np.array([0.0, 1.0], dtype=np.float32), 2000)[None, :].repeat(10, axis=0)
    image = opened(tmp_path, exr_file({"RGB": np.repeat(columns[..., None], 3, axis=2)})).image
    image.draft("RGB", (2000, 5))
    image.load()
    assert image.size == (2000, 5)
    assert abs(int(np.asarray(image)[2, 100, 0]) - 188) <= 1
