"""Open an image from its content alone: the real format, the pixel bound, the orientation.

Nothing here trusts the file name or the client's Content-Type. Opening reads the header and
walks JPEG and PNG structure (no pixels); pixels are decoded once, later, by renditions.render().
Any parser failure becomes a Refusal.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pillow_heif
from PIL import Image, ImageFile

from photoshelf.core.refusals import Refusal

from . import exr, jpeg, jxl, png, raw

log = logging.getLogger(__name__)

pillow_heif.register_heif_opener()
exr.register()
raw.register()
# open_image() bounds pixels itself (PHOTOSHELF_MAX_PIXELS) right after reading the header and
# before any decode, for every upload; Pillow's global bound would refuse the same files earlier
# but without the facts (width, height) the refusal reports, so it is switched off.
Image.MAX_IMAGE_PIXELS = None
ImageFile.LOAD_TRUNCATED_IMAGES = False

# EPS is decoded by running Ghostscript on the upload: never on untrusted input.
EXCLUDED_FORMATS = ("EPS",)

# Pillow format -> (Content-Type served, file extension stored). Others use Pillow's own MIME.
KNOWN_FORMATS: dict[str, tuple[str, str]] = {
    "JPEG": ("image/jpeg", "jpg"),
    "MPO": ("image/jpeg", "jpg"),  # a JPEG with extra frames (stereo, depth): browsers show it
    "PNG": ("image/png", "png"),
    "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"),
    "TIFF": ("image/tiff", "tiff"),
    "BMP": ("image/bmp", "bmp"),
    "HEIF": ("image/heic", "heic"),
    "AVIF": ("image/avif", "avif"),
    "EXR": ("image/x-exr", "exr"),
    "JXL": ("image/jxl", "jxl"),
}

# Formats whose extra frames are an animation (in TIFF, MPO and HEIF they are pages, a stereo
# pair or depth maps, not motion).
ANIMATED_FORMATS = frozenset({"GIF", "WEBP", "PNG"})

# The share of a JPEG's restart intervals that may be missing (see _check_pixel_data).
MAX_MISSING_INTERVALS = 0.02

# EXIF orientation values whose display swaps width and height.
TRANSPOSED_ORIENTATIONS = frozenset({5, 6, 7, 8})


@dataclass
class Opened:
    """An image whose header was read and checked; its pixels are not decoded yet."""

    image: Image.Image
    format: str
    content_type: str
    extension: str
    animated: bool = False  # GIF, WebP or APNG with more than one frame; renditions show the first

    @property
    def pixels(self) -> int:
        return self.image.width * self.image.height


# Tried before TIFF: a TIFF-based camera RAW would otherwise open as the TIFF of its thumbnail.
FIRST_FORMATS = ("RAW",)


def _allowed_formats() -> list[str]:
    Image.init()
    rest = [name for name in Image.OPEN if name not in EXCLUDED_FORMATS + FIRST_FORMATS]
    return [*FIRST_FORMATS, *rest]


def content_type_and_extension(fmt: str) -> tuple[str, str]:
    if fmt in KNOWN_FORMATS:
        return KNOWN_FORMATS[fmt]
    return Image.MIME.get(fmt, "application/octet-stream"), fmt.lower()


def open_image(path: Path, *, max_pixels: int) -> Opened:
    """Identify the file by its content and bound its size in pixels, decoding nothing yet."""
    jxl_header = _jxl_header(path, max_pixels)
    try:
        image = Image.open(path, formats=_allowed_formats())
    except Image.DecompressionBombError:
        raise _too_many_pixels(None, max_pixels) from None
    except Exception as exc:  # Pillow raises many types on hostile input: all mean "not an image"
        log.info("decode: %s is not an image Pillow can read: %r", path.name, exc)
        raise Refusal(
            "not-an-image", "The file is not an image in a format photoshelf can read."
        ) from None
    fmt = image.format or ""
    if fmt == "JXL" and jxl_header is not None:
        jxl.complete_info(image, jxl_header)
    width, height = image.size
    if width <= 0 or height <= 0:
        image.close()
        raise Refusal("not-an-image", "The image declares no pixels.")
    if width * height > max_pixels:
        image.close()
        raise _too_many_pixels((width, height), max_pixels)
    try:
        _check_pixel_data(image, path)
    except Refusal:
        image.close()
        raise
    if fmt in {"DNG", "RAW"}:
        content_type, extension = raw.content_type_and_extension(image)
    else:
        content_type, extension = content_type_and_extension(fmt)
    return Opened(
        image=image,
        format=fmt,
        content_type=content_type,
        extension=extension,
        animated=_is_animated(image),
    )


def _jxl_header(path: Path, max_pixels: int) -> jxl.Header | None:
    """A JPEG XL file's header, its size bounded: Pillow's JPEG XL opener decodes every pixel."""
    with path.open("rb") as fh:
        if not jxl.is_jxl(fh.read(len(jxl.CONTAINER))):
            return None
    try:
        header = jxl.read_header(path)
    except jxl.NotJxl as exc:
        log.info("decode: %s is not a readable JPEG XL file: %r", path.name, exc)
        raise Refusal(
            "not-an-image", "The file is not an image in a format photoshelf can read."
        ) from None
    if header.width * header.height > max_pixels:
        raise _too_many_pixels((header.width, header.height), max_pixels)
    return header


def _is_animated(image: Image.Image) -> bool:
    """More than one frame, known from the header (APNG's acTL, WebP's ANIM) or, for GIF, by
    reading past the first frame's data without decoding it."""
    if image.format not in ANIMATED_FORMATS:
        return False
    try:
        animated = bool(getattr(image, "is_animated", False))
        image.seek(0)  # GIF's check reads ahead: the pixels decoded later are the first frame's
    except Exception as exc:  # a broken later frame: the first is what is shown anyway
        log.info("decode: cannot count the frames of %s: %r", image.format, exc)
        return False
    return animated


def _check_pixel_data(image: Image.Image, path: Path) -> None:
    """Refuse, before decoding, pixel data that would cost too much or is visibly incomplete.

    "Only images" means the whole picture decodes. Pillow refuses data that stops mid-stream
    (ImageFile.LOAD_TRUNCATED_IMAGES stays False), but not data that ends early in good order:
    a cut upload with an end marker added, or a header declaring far more pixels than the data
    holds, would be stored as a picture of grey or black rows. So, for the formats of photos:
    - JPEG (_check_jpeg): at most jpeg.MAX_SCANS scans; the scans code every coefficient, and
      each block's DC value in at least one bit; a single-scan file is decoded from a stream
      that ends where its scan's data ends, so libjpeg runs out of data (and Pillow refuses)
      instead of meeting the end marker early and filling the rest with grey.
    - PNG: the zlib stream inflates to every row the header declares (png.holds_every_row).
    Accepted on purpose: a JPEG with restart markers that lacks at most MAX_MISSING_INTERVALS
    of its intervals. libjpeg resynchronises at each restart marker, so a camera's write error
    costs a band of blocks and a few grey bottom rows, not the picture, and viewers show such
    a file (the sample corpus has one: jpg/corrupted.jpg, 0.9% missing). Not measured: each
    later scan of a multi-scan JPEG (libjpeg needs the end marker after the last one, so the
    stream cannot end early); those scans refine a picture whose every block is already coded.
    """
    if image.format in {"JPEG", "MPO"}:
        _check_jpeg(image, path)
    elif image.format == "PNG" and not png.holds_every_row(path):
        raise _incomplete(path)


def _check_jpeg(image: Image.Image, path: Path) -> None:
    layout = jpeg.read_layout(path)
    if layout.scans > jpeg.MAX_SCANS:
        log.info("decode: %s has more than %d scans", path.name, jpeg.MAX_SCANS)
        raise Refusal(
            "not-an-image",
            f"The JPEG has more than {jpeg.MAX_SCANS} scans; real photos have about 10.",
            {"max_scans": jpeg.MAX_SCANS},
        )
    if not layout.complete:
        raise _incomplete(path)
    if layout.intervals is not None:
        needed, present = layout.intervals
        if present < needed * (1 - MAX_MISSING_INTERVALS):
            raise _incomplete(path)
        if present < needed:
            return  # a few missing, accepted (see above): libjpeg fills them with grey
    if layout.data_end is not None and isinstance(image, ImageFile.ImageFile) and image.fp:
        image.fp = jpeg.ReadsUpTo(image.fp, layout.data_end)  # type: ignore[assignment]


def _incomplete(path: Path) -> Refusal:
    log.info("decode: %s holds less pixel data than its header declares", path.name)
    return Refusal(
        "not-an-image", "The image could not be decoded: the file is truncated or corrupt."
    )


def displayed_size(size: tuple[int, int], orientation: int) -> tuple[int, int]:
    """Width and height as a viewer shows the image once its EXIF orientation is applied."""
    width, height = size
    return (height, width) if orientation in TRANSPOSED_ORIENTATIONS else (width, height)


def _too_many_pixels(size: tuple[int, int] | None, max_pixels: int) -> Refusal:
    limit_mp = max_pixels / 1_000_000
    if size is None:
        return Refusal(
            "too-many-pixels",
            f"The image has more than the {limit_mp:g} megapixel limit.",
            {"max_pixels": max_pixels},
        )
    width, height = size
    return Refusal(
        "too-many-pixels",
        f"The image is {width}×{height} pixels ({width * height / 1_000_000:.1f} megapixels); "
        f"the limit is {limit_mp:g} megapixels.",
        {"max_pixels": max_pixels, "width": width, "height": height},
    )
