"""The benchmark's inputs, made at run time: a 12 MP camera JPEG, a 12 MP HEIC, a 3 MP PNG.

Pixels are noise over gradients so they compress like a photo, under a coarse pattern drawn
from `variant`: the service refuses near-duplicates, so every upload of a run must be a picture
of its own, not the same pixels with other bytes. distinct() makes a batch of them on every core.
"""

from __future__ import annotations

import io
import os
import random
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime

import pillow_heif
from PIL import Image

pillow_heif.register_heif_opener()

PATTERN_CELLS = (8, 6)  # the coarse pattern: about what a 64-bit perceptual hash sees


def photo_pixels(width: int, height: int, variant: int = 0) -> Image.Image:
    # Red and blue: random cells smoothed over the frame, a layout of their own for each variant,
    # so two variants' perceptual hashes lie about 32 bits apart (a near-duplicate is within 8;
    # among variants 1-149, 1001-1019, 2001-2019 and 9999 the closest two are 14 apart).
    rng = random.Random(variant)

    def pattern() -> Image.Image:
        cells = Image.new("L", PATTERN_CELLS)
        cells.putdata([rng.randrange(256) for _ in range(PATTERN_CELLS[0] * PATTERN_CELLS[1])])
        return cells.resize((width, height), Image.Resampling.BICUBIC)

    red, blue = pattern(), pattern()
    # Noise at half resolution, smoothed up: a 12 MP JPEG at q90 comes out near 3.5 MB.
    noise = Image.effect_noise((width // 2, height // 2), 25).resize(
        (width, height), Image.Resampling.BILINEAR
    )
    return Image.merge("RGB", (red, noise, blue))


def camera_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Canon", "Canon EOS 40D"
    exif[0x0112] = orientation
    exif.get_ifd(0x8769)[0x9003] = datetime.now().strftime("%Y:%m:%d %H:%M:%S")
    return exif


def camera_jpeg(
    variant: int = 0, width: int = 4000, height: int = 3000, *, quality: int = 90
) -> bytes:
    """A 12 MP camera JPEG, about 3.5 MB, with make, model, date taken and orientation."""
    out = io.BytesIO()
    photo_pixels(width, height, variant).save(out, "JPEG", quality=quality, exif=camera_exif())
    return out.getvalue()


def camera_heic(variant: int = 0, width: int = 4032, height: int = 3024) -> bytes:
    """A 12 MP HEIC like a phone's, with the same EXIF."""
    out = io.BytesIO()
    # x265's fastest preset: the file decodes the same, and it is made in seconds, not a minute.
    pixels = photo_pixels(width, height, variant)
    pixels.save(
        out, "HEIF", quality=60, exif=camera_exif().tobytes(), enc_params={"preset": "ultrafast"}
    )
    return out.getvalue()


def screenshot_png(variant: int = 0, width: int = 2000, height: int = 1500) -> bytes:
    """A 3 MP PNG with an eXIf date taken."""
    out = io.BytesIO()
    photo_pixels(width, height, variant).save(out, "PNG", exif=camera_exif(), compress_level=6)
    return out.getvalue()


MAKERS = {"jpg": camera_jpeg, "heic": camera_heic, "png": screenshot_png}


def distinct(extension: str, count: int, first: int) -> list[bytes]:
    """Variants first .. first+count-1 of one kind of file, made on every core."""
    variants = range(first, first + count)
    with ProcessPoolExecutor(min(count, len(os.sched_getaffinity(0))) or 1) as pool:
        return list(pool.map(MAKERS[extension], variants))


def large_jpeg(target_bytes: int, variant: int = 9999) -> bytes:
    """A JPEG of about target_bytes (quality 100 noise), for the large-upload memory figure."""
    side = 2000
    sample = io.BytesIO()
    photo_pixels(side, side).save(sample, "JPEG", quality=100, subsampling=0, exif=camera_exif())
    scale = (target_bytes / len(sample.getvalue())) ** 0.5
    width, height = int(side * scale), int(side * scale)
    out = io.BytesIO()
    photo_pixels(width, height, variant).save(
        out, "JPEG", quality=100, subsampling=0, exif=camera_exif()
    )
    return out.getvalue()
