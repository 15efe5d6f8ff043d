"""Renditions in sRGB: pixels under an embedded ICC profile (Display P3, XYB, CMYK) converted,
measured against an independent colour-managed conversion by their colour difference (CIEDE2000)."""

from __future__ import annotations

import io

import numpy as np
import pytest
import pyvips
from PIL import Image, ImageCms

from photoshelf.ingest import colour, decode, renditions
from tests.conftest import REPO

SAMPLES = REPO.parent / "shared" / "corpus" / "libvips-samples"
BLOCK = 40  # pixels per colour patch: wide enough that resizing and JPEG leave its centre alone

# ΔE2000 bounds. Below 1 is invisible side by side; JPEG's own error is about 1 on average.
MAX_MEAN_DELTA_E, MAX_DELTA_E = 1.0, 2.5
MAX_MEAN_DELTA_E_ENCODED = 2.0

# Display P3 (SMPTE EG 432-1): the P3 primaries, D65 white, the sRGB transfer curve.
P3_PRIMARIES = ((0.680, 0.320), (0.265, 0.690), (0.150, 0.060))
SRGB_PRIMARIES = ((0.640, 0.330), (0.300, 0.600), (0.150, 0.060))
D65 = (0.3127, 0.3290)


def builtin_profile(name: str) -> bytes:
    """One of libvips' built-in ICC profiles ("p3", "cmyk"), as bytes."""
    black = pyvips.Image.black(2, 2, bands=3).copy(interpretation="srgb")
    return black.icc_transform(name, input_profile="srgb").get("icc-profile-data")


def patches(seed: int = 3, grid=(10, 6)) -> np.ndarray:
    """Colour patches from grey to fully saturated, many outside sRGB's gamut in P3."""
    rng = np.random.default_rng(seed)
    colours = rng.integers(0, 256, size=(grid[1], grid[0], 3), dtype=np.uint8)
    colours[0, :3] = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]
    colours[0, 3:6] = [(128, 128, 128), (255, 255, 255), (0, 0, 0)]
    return colours


def image_of(colours: np.ndarray, mode: str = "RGB") -> Image.Image:
    big = np.repeat(np.repeat(colours, BLOCK, axis=0), BLOCK, axis=1)
    return Image.fromarray(big, mode)


def encoded(image: Image.Image, fmt: str, icc: bytes | None, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, icc_profile=icc, **options) if icc else image.save(out, fmt, **options)
    return out.getvalue()


def rendered(tmp_path, data: bytes) -> list[renditions.Rendition]:
    path = tmp_path / "upload.bin"
    path.write_bytes(data)
    opened = decode.open_image(path, max_pixels=200_000_000)
    with opened.image:
        return renditions.render(opened, 1)


def centres(image: Image.Image | np.ndarray, grid) -> np.ndarray:
    pixels = np.asarray(image)
    half = BLOCK // 2
    return pixels[half::BLOCK, half::BLOCK][: grid[1], : grid[0]].astype(np.float64)


# The reference: the CIE and sRGB definitions, in numpy.


def _rgb_to_xyz_matrix(primaries, white) -> np.ndarray:
    xyz = np.array([[x / y, 1.0, (1 - x - y) / y] for x, y in primaries]).T
    wx, wy = white
    scale = np.linalg.solve(xyz, np.array([wx / wy, 1.0, (1 - wx - wy) / wy]))
    return xyz * scale


def _decode_srgb(encoded_values: np.ndarray) -> np.ndarray:
    v = encoded_values / 255
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def _encode_srgb(linear: np.ndarray) -> np.ndarray:
    v = np.clip(linear, 0, 1)
    return 255 * np.where(v <= 0.0031308, v * 12.92, 1.055 * v ** (1 / 2.4) - 0.055)


def p3_to_srgb(values: np.ndarray) -> np.ndarray:
    """Display P3 to sRGB by the definitions: linearise, P3 → XYZ → sRGB, clip, encode."""
    matrix = np.linalg.inv(_rgb_to_xyz_matrix(SRGB_PRIMARIES, D65)) @ _rgb_to_xyz_matrix(
        P3_PRIMARIES, D65
    )
    return _encode_srgb(_decode_srgb(values) @ matrix.T)


def srgb_to_lab(values: np.ndarray) -> np.ndarray:
    xyz = _decode_srgb(values) @ _rgb_to_xyz_matrix(SRGB_PRIMARIES, D65).T
    white = _rgb_to_xyz_matrix(SRGB_PRIMARIES, D65) @ np.ones(3)
    t = xyz / white
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack(
        [116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])],
        axis=-1,
    )


def delta_e_2000(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """CIEDE2000 between two arrays of sRGB values (Sharma, Wu, Dalal 2005)."""
    lab1, lab2 = srgb_to_lab(a), srgb_to_lab(b)
    l1, a1, b1 = np.moveaxis(lab1, -1, 0)
    l2, a2, b2 = np.moveaxis(lab2, -1, 0)
    c_bar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_bar**7 / (c_bar**7 + 25**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360
    dl, dc = l2 - l1, c2p - c1p
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(c1p * c2p == 0, 0, dh)
    d_big_h = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh / 2))
    l_bar, c_bar_p = (l1 + l2) / 2, (c1p + c2p) / 2
    h_sum = h1p + h2p
    h_bar = np.where(
        c1p * c2p == 0,
        h_sum,
        np.where(
            np.abs(h1p - h2p) <= 180, h_sum / 2, np.where(h_sum < 360, h_sum + 360, h_sum - 360) / 2
        ),
    )
    t = (
        1
        - 0.17 * np.cos(np.radians(h_bar - 30))
        + 0.24 * np.cos(np.radians(2 * h_bar))
        + 0.32 * np.cos(np.radians(3 * h_bar + 6))
        - 0.20 * np.cos(np.radians(4 * h_bar - 63))
    )
    s_l = 1 + 0.015 * (l_bar - 50) ** 2 / np.sqrt(20 + (l_bar - 50) ** 2)
    s_c = 1 + 0.045 * c_bar_p
    s_h = 1 + 0.015 * c_bar_p * t
    r_t = (
        -2
        * np.sqrt(c_bar_p**7 / (c_bar_p**7 + 25**7))
        * np.sin(np.radians(60 * np.exp(-(((h_bar - 275) / 25) ** 2))))
    )
    return np.sqrt(
        (dl / s_l) ** 2
        + (dc / s_c) ** 2
        + (d_big_h / s_h) ** 2
        + r_t * (dc / s_c) * (d_big_h / s_h)
    )


def test_the_colour_difference_matches_published_values():
    # Sharma et al.'s test data, pair 1 (in Lab), reached through sRGB here: identical is 0.
    grey = np.array([[128.0, 128.0, 128.0]])
    assert delta_e_2000(grey, grey)[0] == pytest.approx(0)
    assert delta_e_2000(np.array([[255.0, 0, 0]]), np.array([[0, 0, 255.0]]))[0] > 50


def test_a_display_p3_photo_renders_as_the_colour_managed_conversion(tmp_path):
    colours = patches()
    grid = colours.shape[1::-1]
    data = encoded(image_of(colours), "PNG", builtin_profile("p3"))
    made = rendered(tmp_path, data)
    expected = p3_to_srgb(colours.astype(np.float64))
    for rendition in made:  # both sizes: the thumbnail is made from the converted preview
        scale = rendition.pixels.width / (grid[0] * BLOCK)
        got = np.asarray(rendition.pixels.resize((grid[0] * BLOCK, grid[1] * BLOCK)))
        difference = delta_e_2000(centres(got, grid), expected)
        assert difference.mean() < MAX_MEAN_DELTA_E, (scale, difference.mean())
        assert difference.max() < MAX_DELTA_E, difference.max()
    # And as served: the JPEG a browser shows, untagged (sRGB).
    with Image.open(io.BytesIO(made[0].data)) as served:
        assert "icc_profile" not in served.info
        difference = delta_e_2000(centres(served.convert("RGB"), grid), expected)
    assert difference.mean() < MAX_MEAN_DELTA_E_ENCODED, difference.mean()


def test_ignoring_the_profile_would_fail_the_same_bound(tmp_path):
    # The measurement tells a converted thumbnail from a naive one: P3 values shown as sRGB.
    colours = patches()
    difference = delta_e_2000(colours.astype(np.float64), p3_to_srgb(colours.astype(np.float64)))
    assert difference.mean() > MAX_MEAN_DELTA_E and difference.max() > MAX_DELTA_E


def test_a_p3_jpeg_as_phones_write_it_is_converted(tmp_path):
    colours = patches(seed=5)
    grid = colours.shape[1::-1]
    data = encoded(image_of(colours), "JPEG", builtin_profile("p3"), quality=95)
    with Image.open(io.BytesIO(data)) as decoded:  # what the JPEG holds, before any conversion
        stored = centres(decoded, grid)
    made = rendered(tmp_path, data)
    difference = delta_e_2000(centres(made[0].pixels, grid), p3_to_srgb(stored))
    assert difference.mean() < MAX_MEAN_DELTA_E and difference.max() < MAX_DELTA_E


def _vips_srgb(data: bytes) -> np.ndarray:
    """libvips' colour-managed conversion of a file to sRGB, through its embedded profile."""
    image = pyvips.Image.new_from_buffer(data, "")
    converted = image.icc_transform("srgb", intent="relative", black_point_compensation=True)
    return np.ndarray(
        buffer=converted.cast("uchar").write_to_memory(),
        dtype=np.uint8,
        shape=(converted.height, converted.width, converted.bands),
    )[..., :3]


def test_an_xyb_jpeg_renders_as_libvips_converts_it(tmp_path):
    data = (SAMPLES / "sample-xyb.jpg").read_bytes()
    made = rendered(tmp_path, data)
    expected = _vips_srgb(data).astype(np.float64)
    got = np.asarray(made[0].pixels).astype(np.float64)
    assert got.shape == expected.shape
    difference = delta_e_2000(got, expected)
    assert difference.mean() < MAX_MEAN_DELTA_E, difference.mean()
    # Taken as sRGB, XYB values are nothing like the picture.
    with Image.open(io.BytesIO(data)) as naive:
        assert delta_e_2000(np.asarray(naive.convert("RGB")).astype(float), expected).mean() > 10


def test_a_cmyk_jpeg_with_its_profile_is_converted_through_it(tmp_path):
    colours = patches(seed=7)
    grid = colours.shape[1::-1]
    cmyk = image_of(colours).convert("CMYK")
    data = encoded(cmyk, "JPEG", builtin_profile("cmyk"), quality=95)
    made = rendered(tmp_path, data)
    expected = _vips_srgb(data)
    difference = delta_e_2000(centres(made[0].pixels, grid), centres(expected, grid))
    assert difference.mean() < MAX_MEAN_DELTA_E, difference.mean()


def test_an_srgb_profile_is_not_applied_again():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    assert colour.to_srgb("RGB", srgb) is None
    camera = (REPO.parent / "shared/corpus/exif-samples/jpg/Nikon_D70.jpg").read_bytes()
    with Image.open(io.BytesIO(camera)) as nikon:  # "sRGB IEC61966-2.1", as cameras embed it
        assert colour.to_srgb("RGB", nikon.info["icc_profile"]) is None
    assert colour.to_srgb("RGB", builtin_profile("p3")) is not None


@pytest.mark.parametrize(
    "mode, profile",
    [("RGB", b"not a profile"), ("RGB", b""), ("L", "p3"), ("CMYK", "p3"), ("RGB", "cmyk")],
)
def test_a_profile_that_cannot_describe_the_pixels_is_ignored(mode, profile):
    data = builtin_profile(profile) if isinstance(profile, str) else profile
    assert colour.to_srgb(mode, data) is None


def test_a_broken_profile_leaves_the_pixels_as_srgb(tmp_path):
    colours = patches(seed=9)
    data = encoded(image_of(colours), "PNG", b"\0" * 200)
    made = rendered(tmp_path, data)
    assert (centres(made[0].pixels, colours.shape[1::-1]) == colours).all()


def test_the_original_keeps_its_profile(tmp_path):
    p3 = builtin_profile("p3")
    data = encoded(image_of(patches()), "JPEG", p3)
    path = tmp_path / "upload.jpg"
    path.write_bytes(data)
    rendered(tmp_path, data)
    assert path.read_bytes() == data
