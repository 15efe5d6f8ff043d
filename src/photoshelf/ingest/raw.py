"""Camera RAW and DNG as a Pillow format, through LibRaw (rawpy).

Opening reads LibRaw's header (no sensor data): the size is the camera's output (LibRaw's
`width` × `height`, before the orientation, which EXIF gives as for any photo). Decoding for
renditions (draft()) takes the embedded full-size preview JPEG when it is at least the
requested size and of the same shape, else a half-size demosaic (one pixel per 2×2 sensor
block, camera white balance, sRGB). Make, model and dates are the RAW's own EXIF/XMP: for the
TIFF-based RAWs (DNG, CR2, NEF, ARW, PEF, SRW, ORF, RW2), the file's first IFD and its EXIF IFD.
A TIFF-based RAW is opened here and never as the TIFF of its small first image: a file with
TIFF structure is a RAW when LibRaw reads it and finds a bigger picture than that first image
(or it is a DNG); an ordinary TIFF is left to Pillow's TIFF reader.
"""

from __future__ import annotations

import io
import logging
import os
from typing import Any

import numpy as np
import rawpy
from PIL import Image, ImageFile

from . import opened_file

log = logging.getLogger(__name__)

TIFF_MAGICS = (b"II*\0", b"MM\0*")
OTHER_MAGICS = {  # TIFF-like or boxed RAWs Pillow cannot open at all -> stored extension
    b"IIRO": "orf",
    b"IIRS": "orf",
    b"MMOR": "orf",
    b"IIU\0": "rw2",
}
CR3_BRAND = b"ftypcrx "
RAF_MAGIC = b"FUJIFILMCCD-RAW"
# The file's head handed to Pillow's EXIF reader: IFD0 and the EXIF IFD lie near the start.
MAX_EXIF_BYTES = 4 * 1024 * 1024
TAG_DNG_VERSION = 50706
TAG_XMP = 700
# TIFF-based RAWs other than DNG: the file extension by the camera's make.
EXTENSIONS_BY_MAKE = {
    "canon": "cr2",
    "nikon": "nef",
    "sony": "arw",
    "pentax": "pef",
    "ricoh": "pef",
    "samsung": "srw",
    "olympus": "orf",
    "panasonic": "rw2",
    "leica": "dng",
}
CONTENT_TYPES = {
    "dng": "image/x-adobe-dng",
    "cr2": "image/x-canon-cr2",
    "cr3": "image/x-canon-cr3",
    "nef": "image/x-nikon-nef",
    "arw": "image/x-sony-arw",
    "orf": "image/x-olympus-orf",
    "rw2": "image/x-panasonic-rw2",
    "pef": "image/x-pentax-pef",
    "srw": "image/x-samsung-srw",
    "raf": "image/x-fuji-raf",
    "raw": "image/x-dcraw",
}
# A preview whose shape differs from the sensor's by more than this is not the whole picture.
MAX_PREVIEW_ASPECT_DIFFERENCE = 0.02


class RawImageFile(ImageFile.ImageFile):
    format = "RAW"
    format_description = "Camera RAW (LibRaw)"

    def _open(self) -> None:
        if not isinstance(self.filename, str | bytes | os.PathLike) or not self.filename:
            raise SyntaxError("a RAW file is read from a path only")
        self._path = os.fsdecode(self.filename)
        if self.fp is None:
            raise SyntaxError("no file to read")
        head = self.fp.read(MAX_EXIF_BYTES)
        self._raw = rawpy.RawPy()
        try:
            self._raw.open_file(self._path)
            sizes = self._raw.sizes
        except (rawpy.LibRawError, OSError, ValueError) as exc:
            raise SyntaxError(f"LibRaw cannot read it: {exc!r}") from None
        width, height = int(sizes.width), int(sizes.height)
        is_tiff = head[:4] in TIFF_MAGICS
        exif = _exif(head) if is_tiff else None
        is_dng = exif is not None and TAG_DNG_VERSION in exif
        if is_tiff and not is_dng and not _smaller_first_image(head, (width, height)):
            raise SyntaxError("an ordinary TIFF: Pillow's TIFF reader opens it")
        if is_dng:
            self.format = "DNG"
        self.raw_extension = "dng" if is_dng else _extension(head, exif)
        if exif is not None:
            self.info["exif"] = head
            xmp = exif.get(TAG_XMP)
            if isinstance(xmp, bytes | str):
                self.info["xmp"] = xmp.encode() if isinstance(xmp, str) else xmp
        self._size = (max(0, width), max(0, height))
        self._mode = "RGB"
        self.tile = []
        self._preview: bytes | None = None
        self._preview_target: tuple[int, int] | None = None
        self._half = False
        self._loaded = False

    def draft(self, mode: str | None, size: tuple[int, int] | None) -> Any:
        """Decode for a picture of at least `size`: the preview JPEG, or a half-size demosaic."""
        if not size or self._loaded:
            return None
        preview = self._usable_preview(max(size))
        if preview is not None:
            (self._preview, self._size), self._preview_target = preview, size
        elif max(size) * 2 <= max(self.size):
            self._half = True
        return None

    def _usable_preview(self, longest_side: int) -> tuple[bytes, tuple[int, int]] | None:
        try:
            thumb = self._raw.extract_thumb()
        except (rawpy.LibRawError, OSError, ValueError):
            return None
        if thumb.format != rawpy.ThumbFormat.JPEG:
            return None
        data = bytes(thumb.data)
        try:
            with Image.open(io.BytesIO(data), formats=["JPEG"]) as preview:
                preview_size = preview.size
        except Exception:  # a broken preview: demosaic instead
            return None
        if max(preview_size) < longest_side:
            return None
        aspect, preview_aspect = (
            self.size[0] / self.size[1],
            preview_size[0] / preview_size[1],
        )
        if abs(aspect - preview_aspect) / aspect > MAX_PREVIEW_ASPECT_DIFFERENCE:
            return None
        return data, preview_size

    def load(self) -> Any:
        if not self._loaded:
            try:
                pixels = self._decode()
            except (rawpy.LibRawError, ValueError) as exc:
                raise OSError(f"LibRaw cannot decode it: {exc!r}") from None
            self._size = pixels.size
            self.load_prepare()
            self.frombytes(pixels.tobytes(), "raw", "RGB")
            self._loaded = True
            self._raw.close()
        return super().load()

    def _decode(self) -> Image.Image:
        if self._preview is not None:
            with Image.open(io.BytesIO(self._preview), formats=["JPEG"]) as preview:
                preview.draft("RGB", self._preview_target)  # JPEG's DCT scaling, as for any JPEG
                preview.load()
                return preview.convert("RGB")
        with opened_file.same_bytes(self.fp, self._path) as path:
            if path != self._path:
                self._raw.close()
                self._raw = rawpy.RawPy()
                self._raw.open_file(path)
            return demosaic(self._raw, half_size=self._half)


def demosaic(raw_file: rawpy.RawPy, *, half_size: bool) -> Image.Image:
    """The sensor data as 8-bit sRGB, unturned (EXIF's orientation is applied later)."""
    rgb = raw_file.postprocess(half_size=half_size, use_camera_wb=True, output_bps=8, user_flip=0)
    return Image.fromarray(np.ascontiguousarray(rgb[..., :3]), "RGB")


def content_type_and_extension(image: Image.Image) -> tuple[str, str]:
    extension = getattr(image, "raw_extension", "raw")
    return CONTENT_TYPES.get(extension, CONTENT_TYPES["raw"]), extension


def _exif(head: bytes) -> Image.Exif | None:
    exif = Image.Exif()
    try:
        exif.load(head)
    except Exception:  # not a readable TIFF structure
        return None
    return exif


def _smaller_first_image(head: bytes, raw_size: tuple[int, int]) -> bool:
    """The TIFF's first image (what Pillow would show) is smaller than LibRaw's picture."""
    try:
        with Image.open(io.BytesIO(head), formats=["TIFF"]) as first:
            shown = first.size
    except Exception:  # Pillow cannot show it (a CFA image, or its data lies further on)
        return True
    return shown[0] * shown[1] < raw_size[0] * raw_size[1]


def _extension(head: bytes, exif: Image.Exif | None) -> str:
    if head[4:12] == CR3_BRAND:
        return "cr3"
    if head.startswith(RAF_MAGIC):
        return "raf"
    if head[:4] in OTHER_MAGICS:
        return OTHER_MAGICS[head[:4]]
    make = str(exif.get(0x010F, "") if exif is not None else "").strip().lower()
    for prefix, extension in EXTENSIONS_BY_MAKE.items():
        if make.startswith(prefix):
            return extension
    return "raw"


def _accept(prefix: bytes) -> bool:
    return (
        prefix[:4] in TIFF_MAGICS
        or prefix[:4] in OTHER_MAGICS
        or prefix[4:12] == CR3_BRAND
        or prefix.startswith(RAF_MAGIC)
    )


def register() -> None:
    Image.register_open(RawImageFile.format, RawImageFile, _accept)
