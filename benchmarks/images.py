"""The benchmark's inputs, made at run time: a 12 MP camera JPEG, a 12 MP HEIC, a 3 MP PNG.

Pixels are noise over gradients so they compress like a photo. Each file carries a fixed-length
placeholder in its EXIF (or a PNG text chunk) that unique() rewrites, so a run can upload the same
picture many times without tripping the duplicate rule and without re-encoding it.
"""

from __future__ import annotations

import io
import struct
import zlib
from datetime import datetime

import pillow_heif
from PIL import Image

pillow_heif.register_heif_opener()

PLACEHOLDER = b"photoshelf-bench-0000000000"  # ASCII, fixed length: the last 10 digits vary
TAG_IMAGE_DESCRIPTION = 0x010E


def photo_pixels(width: int, height: int) -> Image.Image:
    gradient = Image.linear_gradient("L").resize((width, height))
    # Noise at half resolution, smoothed up: a 12 MP JPEG at q90 comes out near 3.5 MB.
    noise = Image.effect_noise((width // 2, height // 2), 25).resize((width, height), Image.Resampling.BILINEAR)
    flipped = gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return Image.merge("RGB", (gradient, noise, flipped))


def camera_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Canon", "Canon EOS 40D"
    exif[0x0112] = orientation
    exif[TAG_IMAGE_DESCRIPTION] = PLACEHOLDER.decode()
    exif.get_ifd(0x8769)[0x9003] = datetime.now().strftime("%Y:%m:%d %H:%M:%S")
    return exif


def camera_jpeg(width: int = 4000, height: int = 3000, *, quality: int = 90) -> bytes:
    """A 12 MP camera JPEG, about 3.5 MB, with make, model, date taken and orientation."""
    out = io.BytesIO()
    photo_pixels(width, height).save(out, "JPEG", quality=quality, exif=camera_exif())
    return out.getvalue()


def camera_heic(width: int = 4032, height: int = 3024) -> bytes:
    """A 12 MP HEIC like a phone's, with the same EXIF."""
    out = io.BytesIO()
    # x265's fastest preset: the file decodes the same, and it is made in seconds, not a minute.
    pixels = photo_pixels(width, height)
    pixels.save(out, "HEIF", quality=60, exif=camera_exif().tobytes(), enc_params={"preset": "ultrafast"})
    return out.getvalue()


def screenshot_png(width: int = 2000, height: int = 1500) -> bytes:
    """A 3 MP PNG with an eXIf date taken and a text chunk that unique() rewrites."""
    out = io.BytesIO()
    pixels = photo_pixels(width, height)
    pixels.save(out, "PNG", exif=camera_exif(), compress_level=6)
    data = out.getvalue()
    return data[:-12] + _png_chunk(b"tEXt", b"bench\x00" + PLACEHOLDER) + data[-12:]


def large_jpeg(target_bytes: int) -> bytes:
    """A JPEG of about target_bytes (quality 100 noise), for the large-upload memory figure."""
    side = 2000
    sample = io.BytesIO()
    photo_pixels(side, side).save(sample, "JPEG", quality=100, subsampling=0, exif=camera_exif())
    scale = (target_bytes / len(sample.getvalue())) ** 0.5
    width, height = int(side * scale), int(side * scale)
    out = io.BytesIO()
    photo_pixels(width, height).save(out, "JPEG", quality=100, subsampling=0, exif=camera_exif())
    return out.getvalue()


def unique(data: bytes, n: int) -> bytes:
    """The same image with its placeholder rewritten to carry n: different bytes, same pixels."""
    marked = PLACEHOLDER[:-10] + b"%010d" % n
    at = data.find(PLACEHOLDER)
    if at < 0:
        raise ValueError("no placeholder in this image")
    changed = data[:at] + marked + data[at + len(PLACEHOLDER):]
    if changed.startswith(b"\x89PNG"):
        return _fix_png_crc(changed, at)
    return changed


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _fix_png_crc(data: bytes, at: int) -> bytes:
    """Recompute the CRC of the chunk that holds offset `at`."""
    pos = 8
    while pos < len(data):
        length = struct.unpack(">I", data[pos:pos + 4])[0]
        end = pos + 8 + length
        if pos <= at < end:
            crc = struct.pack(">I", zlib.crc32(data[pos + 4:end]))
            return data[:end] + crc + data[end + 4:]
        pos = end + 4
    raise ValueError("placeholder outside any chunk")
