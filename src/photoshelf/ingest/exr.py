"""OpenEXR as a Pillow format: the header gives the size, decoding tone-maps to 8-bit sRGB.

EXR pixels are scene-linear floats (1.0 is a diffuse white, highlights go far above), which
neither Pillow nor a browser can show. Decoding here renders them for display, so the rest of
ingest sees an ordinary RGB image: the colour of each pixel is kept and its luminance L is
compressed with the extended Reinhard operator, L·(1 + L/W²)/(1 + L) (Reinhard et al. 2002,
eq. 4), whose white point W is the 99.9th percentile of the luminance (at least 1.0): content
within 0..1 passes unchanged, brighter content is rolled off so that W maps to white, never
clipped flat. Then the sRGB transfer curve. Primaries are taken as Rec. 709 (the OpenEXR
default; a `chromaticities` attribute is not applied). Alpha, premultiplied in EXR, is
composited over white, as renditions.py does for every format.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import numpy as np
import OpenEXR
from PIL import Image, ImageFile

from . import opened_file

log = logging.getLogger(__name__)

MAGIC = b"\x76\x2f\x31\x01"
# Rec. 709 luminance weights: OpenEXR's default chromaticities, and the Y of its Y/RY/BY images.
LUMINANCE_WEIGHTS = (0.2126, 0.7152, 0.0722)
WHITE_PERCENTILE = 99.9
# Rows tone-mapped at a time: the float32 temporaries stay near 50 MB whatever the image size.
ROWS_PER_STRIP = 1024


class ExrImageFile(ImageFile.ImageFile):
    format = "EXR"
    format_description = "OpenEXR"

    def _open(self) -> None:
        # The OpenEXR library reads from a path; photoshelf always opens uploads by path.
        if not isinstance(self.filename, str | bytes | os.PathLike) or not self.filename:
            raise SyntaxError("OpenEXR is read from a file path only")
        self._path = os.fsdecode(self.filename)
        try:
            header = OpenEXR.File(self._path, header_only=True).header()
            (x_min, y_min), (x_max, y_max) = header["dataWindow"]
            names = {channel.name for channel in header["channels"]}
        except Exception as exc:  # the library raises RuntimeError and others on bad headers
            raise SyntaxError(f"not a readable OpenEXR header: {exc!r}") from None
        if not ({"R", "G", "B"} <= names or "Y" in names):
            raise SyntaxError("OpenEXR without R, G, B or Y channels")
        self._size = (max(0, int(x_max) - int(x_min) + 1), max(0, int(y_max) - int(y_min) + 1))
        self._mode = "RGB"
        self.tile = []
        self._loaded = False
        self._reduce = 1

    def draft(self, mode: str | None, size: tuple[int, int] | None) -> Any:
        """Average whole blocks of pixels (in linear light) while the picture stays at least
        `size`: tone-mapping then works on fewer pixels."""
        if not size or self._loaded or size[0] <= 0 or size[1] <= 0:
            return None
        self._reduce = max(1, min(self.size[0] // size[0], self.size[1] // size[1]))
        return None

    def load(self) -> Any:
        if not self._loaded:
            try:
                with opened_file.same_bytes(self.fp, self._path) as path:
                    parts = OpenEXR.File(path, separate_channels=True).parts
                channels = {name: c.pixels for name, c in parts[0].channels.items()}
                rgb = display_rgb(channels, (self.size[1], self.size[0]), reduce=self._reduce)
            except (SyntaxError, ValueError, OSError):
                raise
            except Exception as exc:  # RuntimeError on truncated or corrupt pixel data
                raise OSError(f"OpenEXR pixel data could not be decoded: {exc!r}") from None
            self._size = (rgb.shape[1], rgb.shape[0])
            self.load_prepare()
            self.frombytes(rgb.tobytes(), "raw", "RGB")
            self._loaded = True
        return super().load()


def display_rgb(
    channels: dict[str, np.ndarray], shape: tuple[int, int], *, reduce: int = 1
) -> np.ndarray:
    """8-bit sRGB pixels (height × width × 3) of an EXR's scene-linear channels, each `reduce`
    × `reduce` block averaged into one pixel first."""
    linear = _linear_rgb(channels, shape, reduce)
    shape = linear.shape[:2]
    white = _white_point(linear)
    out = np.empty(shape + (3,), dtype=np.uint8)
    for top in range(0, shape[0], ROWS_PER_STRIP):
        strip = linear[top : top + ROWS_PER_STRIP]
        out[top : top + ROWS_PER_STRIP] = _tone_map(strip, white)
    return out


def _linear_rgb(
    channels: dict[str, np.ndarray], shape: tuple[int, int], reduce: int = 1
) -> np.ndarray:
    """The colour channels as one height × width × 3 array of linear Rec. 709 values, each
    plane reduced by block averages as soon as it is read (the full-size work is one pass)."""
    if {"R", "G", "B"} <= channels.keys():
        planes = [_reduced(_full(channels[name], shape), reduce) for name in ("R", "G", "B")]
    elif {"Y", "RY", "BY"} <= channels.keys():
        # OpenEXR's luminance/chroma images (ImfRgbaYca): RY = (R - Y)/Y, BY = (B - Y)/Y, with
        # the chroma at half resolution; G follows from the luminance weights.
        y = _full(channels["Y"], shape)
        red = _reduced((_full(channels["RY"], shape) + 1) * y, reduce)
        blue = _reduced((_full(channels["BY"], shape) + 1) * y, reduce)
        y = _reduced(y, reduce)
        wr, wg, wb = LUMINANCE_WEIGHTS
        planes = [red, (y - wr * red - wb * blue) / wg, blue]
    elif "Y" in channels:
        y = _reduced(_full(channels["Y"], shape), reduce)
        planes = [y, y, y]
    else:
        raise SyntaxError("OpenEXR without R, G, B or Y channels")
    rgb = np.stack(planes, axis=-1)
    if "A" in channels:  # premultiplied: over white is colour + (1 - alpha)
        alpha = np.clip(_reduced(_full(channels["A"], shape), reduce), 0, 1)[..., None]
        rgb += 1 - alpha
    np.nan_to_num(rgb, copy=False, nan=0.0, posinf=65504.0, neginf=0.0)
    np.maximum(rgb, 0, out=rgb)
    return rgb


def _reduced(plane: np.ndarray, factor: int) -> np.ndarray:
    """Each factor × factor block's mean (a partial block at the edge is left out)."""
    if factor <= 1:
        return plane
    height, width = plane.shape[0] // factor, plane.shape[1] // factor
    total = np.zeros((height, width), dtype=np.float32)
    for dy in range(factor):
        for dx in range(factor):
            total += plane[dy : height * factor : factor, dx : width * factor : factor]
    return total / (factor * factor)


def _full(plane: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """A channel as float32 at full resolution (subsampled chroma repeated)."""
    if plane.ndim != 2 or plane.shape[0] == 0 or plane.shape[1] == 0:
        raise ValueError(f"OpenEXR channel of shape {plane.shape}")
    plane = plane.astype(np.float32, copy=False)
    if plane.shape != shape:
        step_y = -(-shape[0] // plane.shape[0])
        step_x = -(-shape[1] // plane.shape[1])
        if step_y > 16 or step_x > 16:
            raise ValueError(f"OpenEXR channel of shape {plane.shape} in an image of {shape}")
        plane = np.repeat(np.repeat(plane, step_y, axis=0), step_x, axis=1)[: shape[0], : shape[1]]
        if plane.shape != shape:
            raise ValueError(f"OpenEXR channel of shape {plane.shape} in an image of {shape}")
    return plane


def _luminance(rgb: np.ndarray) -> np.ndarray:
    wr, wg, wb = LUMINANCE_WEIGHTS
    return wr * rgb[..., 0] + wg * rgb[..., 1] + wb * rgb[..., 2]


def _white_point(rgb: np.ndarray) -> float:
    # A strided sample is plenty for a percentile and keeps it cheap on big images.
    step = max(1, int((rgb.shape[0] * rgb.shape[1] / 1_000_000) ** 0.5))
    sample = _luminance(rgb[::step, ::step])
    return max(1.0, float(np.percentile(sample, WHITE_PERCENTILE)))


def _tone_map(rgb: np.ndarray, white: float) -> np.ndarray:
    luminance = _luminance(rgb)
    mapped = luminance * (1 + luminance / (white * white)) / (1 + luminance)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(luminance > 0, mapped / luminance, 0.0)
    display = np.clip(rgb * scale[..., None], 0, 1)
    return np.round(_srgb_encode(display) * 255).astype(np.uint8)


def _srgb_encode(linear: np.ndarray) -> np.ndarray:
    return np.where(linear <= 0.0031308, linear * 12.92, 1.055 * np.power(linear, 1 / 2.4) - 0.055)


def _accept(prefix: bytes) -> bool:
    return prefix[:4] == MAGIC


def register() -> None:
    Image.register_open(ExrImageFile.format, ExrImageFile, _accept)
    Image.register_extension(ExrImageFile.format, ".exr")
    Image.register_mime(ExrImageFile.format, "image/x-exr")
