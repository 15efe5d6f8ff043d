"""PNG pixels decoded by libvips (libspng): about twice Pillow's speed, the same pixels.

Measured per format in `make bench` (the per-format table's decode columns): libvips decodes an
8-bit RGB or RGBA PNG in half Pillow's time and gives identical bytes; for TIFF, WebP, JPEG at
the preview's scale, HEIC and AVIF it is no faster, the same or cannot read the file, so Pillow
keeps those. Only what Pillow's header says is plain 8-bit RGB or RGBA, one frame, no tRNS
colour key, goes this way; a file libvips refuses is left to Pillow's decoder, whose verdict
stands, so no file is accepted that Pillow would refuse.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pyvips
from PIL import Image

log = logging.getLogger(__name__)

# libvips caches operations by their arguments, a file name among them: a later upload spooled
# at a reused path could get an earlier one's pixels. Uploads are decoded once: no cache.
pyvips.cache_set_max(0)

BANDS = {"RGB": 3, "RGBA": 4}


def decodes(image: Image.Image, *, animated: bool) -> bool:
    """Whether load() decodes this opened (not yet decoded) image."""
    return (
        image.format == "PNG"
        and not animated
        and image.mode in BANDS
        and "transparency" not in image.info  # a colour key: libvips would add an alpha band
        and bool(_path(image))
        and bool(getattr(image, "tile", None))  # its pixels still to decode (load() empties it)
    )


def _path(image: Image.Image) -> str:
    """The file an ImageFile was opened from ("" when it was opened from bytes)."""
    filename = getattr(image, "filename", "")
    return filename if isinstance(filename, str) else ""


def load(image: Image.Image) -> Image.Image | None:
    """The pixels of `image` (opened by Pillow from a file, its header read), decoded by
    libvips, with the header's info (ICC profile, EXIF, text); None when libvips cannot."""
    path = Path(_path(image))
    try:
        decoded = pyvips.Image.pngload(str(path), access="sequential", fail_on="error")
        if (
            (decoded.width, decoded.height) != image.size
            or decoded.bands != BANDS[image.mode]
            or decoded.format != "uchar"
        ):
            log.info("vips: %s reads otherwise than its PNG header says", path.name)
            return None
        data = decoded.write_to_memory()
    except pyvips.Error as exc:
        log.info("vips: cannot decode %s, Pillow will: %s", path.name, str(exc).strip()[:200])
        return None
    pixels = Image.frombuffer(image.mode, image.size, data, "raw", image.mode, 0, 1)
    pixels.info = dict(image.info)
    return pixels
