"""Colour management of renditions: pixels described by an embedded ICC profile become sRGB.

Phones write Display P3, cameras Adobe RGB, jpegli XYB; a browser that ignored the profile (or
a thumbnail without it) would show such pixels dull, garish or, for XYB, wrong altogether. So
renditions are converted once, by LittleCMS (Pillow's ImageCms), with the relative colorimetric
intent and black point compensation, and carry no profile: untagged pixels are sRGB on the web.
A profile that is already sRGB, unreadable, or of another colour space than the pixels is left
alone: the pixels are then taken as sRGB, as they were before. Originals are never touched.
"""

from __future__ import annotations

import functools
import io
import logging
from collections.abc import Callable

from PIL import Image, ImageCms

log = logging.getLogger(__name__)

SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
# The ICC colour space each Pillow mode's pixels are in.
PROFILE_SPACES = {"RGB": "RGB ", "CMYK": "CMYK", "L": "GRAY"}
# How far (in XYZ) a profile's colorants may lie from sRGB's and still be taken for sRGB.
SRGB_COLORANT_TOLERANCE = 0.002
# Profiles differ by bytes; photos of one camera share one. Transforms take ~20 ms to build.
TRANSFORMS_CACHED = 32

Convert = Callable[[Image.Image], Image.Image]


def to_srgb(mode: str, icc_profile: bytes | None, *, name: str = "") -> Convert | None:
    """A conversion of `mode` pixels (RGB, CMYK or L) to sRGB RGB under `icc_profile`, or None
    when there is nothing to convert (no profile, an sRGB one, or one that does not apply)."""
    if not icc_profile or mode not in PROFILE_SPACES:
        return None
    transform = _transform(icc_profile, mode)
    if transform is None:
        return None

    def convert(image: Image.Image) -> Image.Image:
        try:
            converted = ImageCms.applyTransform(image, transform)
        except (ImageCms.PyCMSError, ValueError, OSError) as exc:
            log.info("colour: cannot convert %s to sRGB: %r", name or "upload", exc)
            return image if image.mode == "RGB" else image.convert("RGB")
        return converted if converted is not None else image

    return convert


@functools.lru_cache(maxsize=TRANSFORMS_CACHED)
def _transform(icc_profile: bytes, mode: str) -> ImageCms.ImageCmsTransform | None:
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        if profile.profile.xcolor_space != PROFILE_SPACES[mode]:
            return None
        if mode == "RGB" and is_srgb(profile):
            return None
        return ImageCms.buildTransform(
            profile,
            SRGB,
            mode,
            "RGB",
            renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
            flags=ImageCms.Flags.BLACKPOINTCOMPENSATION,
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError) as exc:
        log.info("colour: unusable ICC profile (%d bytes): %r", len(icc_profile), exc)
        return None


def is_srgb(profile: ImageCms.ImageCmsProfile) -> bool:
    """The profile names sRGB and has its primaries: converting would change nothing."""
    description = ImageCms.getProfileDescription(profile) or ""
    if "srgb" not in description.lower():
        return False
    colorants = (
        profile.profile.red_colorant,
        profile.profile.green_colorant,
        profile.profile.blue_colorant,
    )
    expected = (SRGB.profile.red_colorant, SRGB.profile.green_colorant, SRGB.profile.blue_colorant)
    for got, want in zip(colorants, expected, strict=True):
        if got is None or want is None:
            return False
        if any(abs(a - b) > SRGB_COLORANT_TOLERANCE for a, b in zip(got[0], want[0], strict=True)):
            return False
    return True
