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
    png_metadata()
    corpus_pass()


def png_metadata() -> None:
    """PNG metadata after the pixels: read_metadata() walks chunks; Pillow's getexif() decodes."""
    from photoshelf.ingest import metadata

    image = Image.effect_noise((4000, 3000), 40).convert("RGB")
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2026:01:02 03:04:05"
    body = exif.tobytes()
    chunk = b"eXIf" + body
    import struct
    import zlib

    chunk = struct.pack(">I", len(body)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    data = out.getvalue()[:-12] + chunk + out.getvalue()[-12:]

    def ours():
        with Image.open(io.BytesIO(data)) as opened:
            assert metadata.read_metadata(opened).taken_at is not None

    def pillows():
        with Image.open(io.BytesIO(data)) as opened:
            assert opened.getexif().get_ifd(0x8769)

    ours_ms, pillow_ms = median_ms(ours), median_ms(pillows)
    print(f"\n12 MP PNG, eXIf after IDAT, {len(data) / 1e6:.1f} MB")
    print(f"{'read_metadata(): chunk walk, no decode':<48}{ours_ms:>9.1f}")
    print(f"{'Pillow getexif(): decodes the image first':<48}{pillow_ms:>9.1f}")


def corpus_pass() -> None:
    """Every file of the sample corpus through decode, metadata and renditions, once each."""
    from photoshelf.ingest import decode, metadata, renditions
    from photoshelf.ingest.errors import Refusal

    corpus = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "exif-samples"
    if not corpus.is_dir():
        print(f"\n(corpus not found at {corpus})")
        return
    timings = []
    for path in sorted(p for p in corpus.rglob("*") if p.is_file()):
        start = time.perf_counter()
        try:
            opened = decode.open_image(path, max_pixels=200_000_000)
            with opened.image:
                facts = metadata.read_metadata(opened.image)
                renditions.render(opened, facts.orientation)
        except Refusal:
            pass
        timings.append(((time.perf_counter() - start) * 1000, path.relative_to(corpus)))
    timings.sort(reverse=True)
    total = sum(ms for ms, _ in timings)
    print(f"\ncorpus: {len(timings)} files, {total:.0f} ms in all; slowest:")
    for ms, name in timings[:3]:
        print(f"  {str(name):<46}{ms:>9.1f}")


if __name__ == "__main__":
    import subprocess
    import sys

    if sys.argv[1:] != ["near-duplicates"]:
        main()
    # Its own process: it configures Django for a throwaway database of its own.
    subprocess.run([sys.executable, "-m", "benchmarks.near_duplicates"], check=True)
