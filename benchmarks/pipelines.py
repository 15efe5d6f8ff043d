"""Per format: photoshelf's ingest beside the fastest minimum pipeline any installed library gives.

The minimum pipeline (floor.py) is the least an upload needs: hash, EXIF, one decode, the
preview and thumbnail in every encoding photoshelf stores, a difference hash. It runs with
Pillow (and pillow-heif for HEIC) and with pyvips, where the wheel's libvips reads the format;
ingest is steps.process() on the same file (decode, metadata, renditions, fingerprint) in this
process. All of it interleaved, in turns, so a busy machine weighs on each alike.
"""

from __future__ import annotations

import io
import sys
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

from PIL import Image

from . import floor, images

MAX_INGEST_RATIO = 1.2  # ingest / the fastest minimum pipeline of that format, the target


def _encoded(pixels: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    pixels.save(out, fmt, exif=images.camera_exif(), **options)
    return out.getvalue()


def inputs() -> dict[str, bytes]:
    """One file per format, of the sizes the issue measures (12 MP camera, 3 MP screenshot)."""
    small = images.photo_pixels(2000, 1500, variant=7)
    return {
        "JPEG, 12 MP": images.camera_jpeg(variant=5),
        "HEIC, 12 MP": images.camera_heic(variant=6),
        "PNG, 3 MP": images.screenshot_png(variant=8),
        "WebP, 3 MP": _encoded(small, "WEBP", quality=85),
        "TIFF, 3 MP (deflate)": _encoded(small, "TIFF", compression="tiff_adobe_deflate"),
        "AVIF, 3 MP": _encoded(small, "AVIF", quality=70, speed=8),
    }


def decode_pillow(data: bytes) -> tuple[int, int]:
    """The decode alone, as ingest does it: at the preview's scale where the format allows."""
    with Image.open(io.BytesIO(data)) as image:
        image.draft("RGB", floor.fit(image.size, floor.PREVIEW_PX))  # JPEG's DCT scaling
        image.load()
        return image.size


def decode_pyvips(data: bytes) -> tuple[int, int]:
    """The decode alone with libvips: JPEG shrink-on-load by the same power of two as draft()."""
    import pyvips

    image = pyvips.Image.new_from_buffer(data, "", access="sequential")
    if image.get("vips-loader") == "jpegload_buffer":
        shrink = 1
        while shrink < 8 and max(image.width, image.height) // (shrink * 2) >= floor.PREVIEW_PX:
            shrink *= 2
        image = pyvips.Image.jpegload_buffer(data, shrink=shrink, access="sequential")
    image = image.copy_memory()
    return image.width, image.height


def _reads(action: Callable[[], object]) -> bool:
    try:
        action()
    except Exception:  # this library cannot read the format (the pyvips wheel and HEVC)
        return False
    return True


def run(runs: int) -> list[dict]:
    from photoshelf.ingest import steps

    rows = []
    with tempfile.TemporaryDirectory(prefix="photoshelf-pipelines-") as tmp:
        for label, data in inputs().items():
            path = Path(tmp) / "upload"
            path.write_bytes(data)
            actions: dict[str, Callable[[], object]] = {
                "ingest": partial(
                    steps.process, path, name=label, max_pixels=200_000_000, rules=None
                ),
                "Pillow": partial(floor.minimum_pillow, data),
            }
            if floor.has_pyvips() and _reads(partial(floor.minimum_pyvips, data)):
                actions["pyvips"] = partial(floor.minimum_pyvips, data)
                actions["decode pyvips"] = partial(decode_pyvips, data)
            actions["decode Pillow"] = partial(decode_pillow, data)
            timed = floor.interleaved_ms(actions, runs)
            minimums = {name: timed[name] for name in ("Pillow", "pyvips") if name in timed}
            fastest = min(minimums, key=lambda name: minimums[name])
            rows.append(
                {
                    "format": label,
                    "bytes": len(data),
                    "ingest": timed["ingest"],
                    "minimums": minimums,
                    "decodes": {
                        name.removeprefix("decode "): ms
                        for name, ms in timed.items()
                        if name.startswith("decode ")
                    },
                    "fastest": fastest,
                    "ratio": timed["ingest"] / minimums[fastest],
                }
            )
    return rows


def markdown(rows: list[dict]) -> str:
    lines = [
        "| format | ingest (steps.process), median | minimum pipeline: Pillow / pyvips, medians "
        f"| ingest / the fastest | target ≤ {MAX_INGEST_RATIO}× | the decode alone: Pillow / "
        "pyvips |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        m, d = row["minimums"], row["decodes"]
        pyvips = f"{m['pyvips']:.0f} ms" if "pyvips" in m else "cannot read it"
        decoded = f"{d['Pillow']:.0f} ms / " + (
            f"{d['pyvips']:.0f} ms" if "pyvips" in d else "cannot read it"
        )
        ok = row["ratio"] <= MAX_INGEST_RATIO
        lines.append(
            f"| {row['format']} | {row['ingest']:.0f} ms | {m['Pillow']:.0f} ms / {pyvips} "
            f"| {row['ratio']:.2f}× ({row['fastest']}) | {'met' if ok else '**not met**'} "
            f"| {decoded} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "photoshelf.settings")
    print(markdown(run(int(sys.argv[1]) if len(sys.argv) > 1 else 5)))
