"""render(): one decode, every size of core.sizes.RENDITIONS in each of its encodings, in sRGB,
no metadata.

The original is decoded once, at the largest rendition's scale (JPEG's DCT scaling does most of
the shrinking for free via draft()), by libvips for plain PNGs (vips.py), else by Pillow;
smaller sizes are made from the larger, and the EXIF orientation is applied to the small images,
never to the full-size one, and so is the conversion to sRGB from an embedded colour profile
(colour.py).
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field

from PIL import Image, ImageOps

from photoshelf.core.refusals import Refusal
from photoshelf.core.sizes import RENDITIONS, Encoding, Size

from . import colour, vips
from .decode import Opened

log = logging.getLogger(__name__)


# Shrink by whole factors with a box filter first while the result stays at least twice the
# target, then Lanczos: Pillow's thumbnail() default. The 400 px thumbnail from the 1600 px
# preview costs less than half of a plain Lanczos (`make bench`), and looks the same.
REDUCING_GAP = 2.0


@dataclass(frozen=True)
class Rendition:
    size: Size
    files: tuple[tuple[Encoding, bytes], ...] = field(repr=False)  # in size.encodings' order
    width: int
    height: int
    # The displayed pixels the bytes were encoded from: what the perceptual fingerprint reads.
    pixels: Image.Image = field(repr=False, compare=False)

    @property
    def data(self) -> bytes:
        """The fallback encoding's bytes (JPEG)."""
        return self.files[0][1]


def render(opened: Opened, orientation: int, *, name: str = "") -> list[Rendition]:
    """Every size of RENDITIONS as encoded sRGB bytes, oriented for display, without metadata."""
    image = opened.image
    try:
        target = _fit(image.size, RENDITIONS[0].longest_side)
        if opened.format in {"JPEG", "MPO", "DNG", "RAW", "EXR"}:
            # JPEG: decode at 1/2, 1/4 or 1/8 scale when that suffices; RAW: the embedded
            # preview when it is big enough, else a half-size demosaic (raw.py); OpenEXR:
            # whole blocks averaged before tone-mapping (exr.py)
            image.draft("RGB", target)
        image = _load(opened)
        pixels, to_srgb = _decoded(image, name)
    except Refusal:
        raise
    except Exception as exc:  # truncated or corrupt pixel data, in any of Pillow's decoders
        log.info("renditions: cannot decode %s: %r", name or "upload", exc)
        raise Refusal(
            "not-an-image", "The image could not be decoded: the file is truncated or corrupt."
        ) from None

    made = []
    for size in RENDITIONS:
        box = _fit(pixels.size, size.longest_side)
        if box != pixels.size:
            pixels = pixels.resize(box, Image.Resampling.LANCZOS, reducing_gap=REDUCING_GAP)
        if to_srgb is not None:  # once, on the largest size: the smaller ones are made from it
            pixels, to_srgb = to_srgb(pixels), None
        shown = _orient(pixels, orientation)
        files = tuple((encoding, _encode(shown, encoding)) for encoding in size.encodings)
        made.append(Rendition(size, files, shown.width, shown.height, shown))
    return made


def _load(opened: Opened) -> Image.Image:
    """The decoded pixels, by the fastest decoder measured for the format (vips.py: PNG), else
    by Pillow's."""
    image = opened.image
    if vips.decodes(image, animated=opened.animated):
        pixels = vips.load(image)
        if pixels is not None:
            return pixels
    image.load()
    return image


def _decoded(image: Image.Image, name: str) -> tuple[Image.Image, colour.Convert | None]:
    """The decoded pixels, ready to resize, and the conversion to sRGB still to apply to them.

    CMYK and grey pixels with their own profile stay as they are until that conversion (it
    replaces Pillow's uncalibrated one); everything else becomes RGB first, and an RGB profile
    then applies (for palette and alpha images too, whose colours it describes)."""
    icc_profile = image.info.get("icc_profile")
    if image.mode in {"CMYK", "L"}:
        to_srgb = colour.to_srgb(image.mode, icc_profile, name=name)
        if to_srgb is not None:
            return image, to_srgb
    pixels = _to_rgb(image)
    if image.mode in {"LA", "La", "I;16", "I;16B", "I;16L", "I;16N", "I", "F", "1"}:
        return pixels, None  # grey or bilevel pixels: an RGB profile does not describe them
    return pixels, colour.to_srgb("RGB", icc_profile, name=name)


def _fit(size: tuple[int, int], longest_side: int) -> tuple[int, int]:
    width, height = size
    scale = longest_side / max(width, height)
    if scale >= 1:
        return size
    return max(1, round(width * scale)), max(1, round(height * scale))


def _to_rgb(image: Image.Image) -> Image.Image:
    """RGB pixels of any mode: alpha flattened on white, 16-bit and float scaled, palettes expanded."""
    if image.mode == "RGB":
        return image
    if image.mode in {"I;16", "I;16B", "I;16L", "I;16N"}:
        return image.point(lambda value: value / 256).convert("L").convert("RGB")
    if image.mode in {"I", "F"}:
        return ImageOps.autocontrast(image.convert("F").convert("L")).convert("RGB")
    if image.mode == "P" or "A" in image.getbands() or image.mode in {"LA", "PA", "RGBa", "La"}:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


_TRANSPOSE = {
    2: (Image.Transpose.FLIP_LEFT_RIGHT,),
    3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,),
    5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_270,),
    7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_90,),
}


def _orient(image: Image.Image, orientation: int) -> Image.Image:
    for step in _TRANSPOSE.get(orientation, ()):
        image = image.transpose(step)
    return image


def _encode(image: Image.Image, encoding: Encoding) -> bytes:
    out = io.BytesIO()
    image.save(out, encoding.format, **dict(encoding.options))  # sRGB: no profile needed
    return out.getvalue()
