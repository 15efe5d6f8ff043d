"""Ingest time per format beside its decoder's own decode time, in one process, interleaved.

Ingest is photoshelf's whole pixel pipeline for one upload (ingest/steps.process: decode,
metadata, renditions, fingerprint); the decoder alone is the library call that turns the same
bytes into pixels, nothing else. Inputs are made at run time (the test factories' builders).
"""

from __future__ import annotations

import io
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from . import floor, images

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the builders of tests/factories.py

WIDTH, HEIGHT = 4000, 3000  # 12 MP, as the JPEG rows of the main table


def _inputs() -> dict[str, tuple[str, bytes]]:
    from tests import factories

    pixels = images.photo_pixels(WIDTH, HEIGHT, variant=4242)
    linear = factories.linear_from_srgb(pixels).astype(np.float16)
    out = io.BytesIO()
    p3 = _p3_profile()
    pixels.save(out, "JPEG", quality=90, icc_profile=p3)
    p3_jpeg = out.getvalue()
    frames = [images.photo_pixels(1000, 750, variant=v) for v in (1, 2, 3)]
    out = io.BytesIO()
    frames[0].save(out, "WEBP", save_all=True, append_images=frames[1:], quality=80)
    return {
        "OpenEXR, 12 MP half-float RGB": ("exr", factories.exr({"RGB": linear})),
        "JPEG XL, 12 MP": ("jxl", factories.jxl(pixels)),
        "DNG, 12 MP, full-size preview": (
            "dng",
            factories.dng((WIDTH, HEIGHT), preview=(WIDTH, HEIGHT)),
        ),
        "DNG, 12 MP, no preview (half-size demosaic)": (
            "dng-demosaic",
            factories.dng((WIDTH, HEIGHT)),
        ),
        "Display P3 JPEG, 12 MP": ("p3", p3_jpeg),
        "animated WebP, 3 frames of 0.75 MP": ("webp", out.getvalue()),
        "motion photo, 12 MP JPEG + MP4": (
            "motion",
            factories.motion_photo(factories.mp4(b"\0" * 2_000_000), size=(WIDTH, HEIGHT)),
        ),
    }


def _p3_profile() -> bytes:
    import pyvips

    black = pyvips.Image.black(2, 2, bands=3).copy(interpretation="srgb")
    return black.icc_transform("p3", input_profile="srgb").get("icc-profile-data")


def _decoder_alone(kind: str, path: Path) -> Callable[[], object]:
    """The library's own decode of the file into pixels, as photoshelf's renditions need them."""
    if kind == "exr":
        import OpenEXR

        return lambda: OpenEXR.File(str(path), separate_channels=True).parts[0].channels
    if kind == "jxl":
        import pillow_jxl

        data = path.read_bytes()
        return lambda: pillow_jxl.Decoder()(data)
    if kind in {"dng", "dng-demosaic"}:
        import rawpy

        def libraw() -> object:
            with rawpy.imread(str(path)) as raw:
                if kind == "dng":  # the preview JPEG, decoded at the scale photoshelf uses
                    with Image.open(io.BytesIO(bytes(raw.extract_thumb().data))) as preview:
                        preview.draft("RGB", (1600, 1200))
                        preview.load()
                        return preview.size
                return raw.postprocess(half_size=True, use_camera_wb=True, output_bps=8)

        return libraw

    def pillow() -> object:
        with Image.open(path) as image:
            if kind in {"p3", "motion"}:
                image.draft("RGB", (1600, 1200))  # the scale photoshelf decodes JPEGs at
            image.load()
            return image.size

    return pillow


def _ingest(path: Path) -> Callable[[], object]:
    from photoshelf.ingest import steps

    return lambda: steps.process(path, name=path.name, max_pixels=200_000_000, rules=None)


def run(runs: int) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="photoshelf-formats-") as tmp:
        for label, (kind, data) in _inputs().items():
            path = Path(tmp) / f"{kind}.bin"
            path.write_bytes(data)
            timed = floor.interleaved_ms(
                {"ingest": _ingest(path), "decoder": _decoder_alone(kind, path)}, runs
            )
            rows.append({"format": label, "bytes": len(data), **timed})
    return rows


def markdown(rows: list[dict]) -> str:
    lines = [
        "| format | ingest (decode → metadata → renditions → fingerprint), median "
        "| its decoder alone, median | ratio |",
        "| --- | --- | --- | --- |",
    ]
    for row in rows:
        lines.append(
            f"| {row['format']} | {row['ingest']:.0f} ms | {row['decoder']:.0f} ms "
            f"| {row['ingest'] / row['decoder']:.2f}× |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "photoshelf.settings")
    print(markdown(run(int(sys.argv[1]) if len(sys.argv) > 1 else 5)))
