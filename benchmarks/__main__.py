"""Ingest of a generated 12-megapixel camera JPEG: the pipeline's stages beside the decode floor.

Run with `make bench`. Figures are medians of several runs in this one process; the ratio to the
floor (Pillow's 1/8-scale DCT decode of the same bytes) is what to compare across machines.
"""

from __future__ import annotations

import io
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

from PIL import Image

RUNS = 7


def camera_jpeg(width: int = 4000, height: int = 3000) -> bytes:
    """A photo-like 12 MP JPEG (noise over gradients, so it compresses like a photo) with EXIF."""
    gradient = Image.linear_gradient("L").resize((width, height))
    noise = Image.effect_noise((width, height), 40)
    image = Image.merge("RGB", (gradient, noise, gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Canon", "Canon EOS 40D"
    exif.get_ifd(0x8769)[0x9003] = datetime.now().strftime("%Y:%m:%d %H:%M:%S")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


def median_ms(action) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "photoshelf.settings")
    from photoshelf.ingest import decode, metadata, renditions
    from photoshelf.ingest.fingerprint import sha256_file

    data = camera_jpeg()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "camera.jpg"
        path.write_bytes(data)

        def floor():
            with Image.open(path) as image:
                image.draft("RGB", (image.width // 8, image.height // 8))
                image.load()

        def stages():
            sha256_file(path)
            opened = decode.open_image(path, max_pixels=10**9)
            with opened.image:
                facts = metadata.read_metadata(opened.image)
                renditions.render(opened, facts.orientation)

        floor_ms, stages_ms = median_ms(floor), median_ms(stages)
    print(f"12 MP camera JPEG, {len(data) / 1e6:.1f} MB, median of {RUNS} runs, one core")
    print(f"{'what':<48}{'ms':>9}{'ratio':>8}")
    print(f"{'floor: 1/8-scale DCT decode':<48}{floor_ms:>9.1f}{1:>8.2f}")
    print(f"{'ingest stages: hash, EXIF, decode, renditions':<48}{stages_ms:>9.1f}"
          f"{stages_ms / floor_ms:>8.2f}")


if __name__ == "__main__":
    main()
