"""Thumbnail and preview encodings: bytes × encode time at equal-or-better SSIM.

The photos are the real camera pictures of the shared sample corpus (every JPEG and HEIC of at
least 1600 px on its longest side). For each, the pixels an upload's renditions are encoded from
(renditions.render(): draft decode, box-then-Lanczos, sRGB, oriented) are encoded with each
candidate, decoded again, and compared with the *reference resize*: the original decoded at full
size, converted to RGB and oriented, resized straight to the rendition's size with a plain Lanczos
(Pillow, no reducing gap), the best resize Pillow makes. SSIM is the mean over R, G and B of the
structural similarity in 7×7 windows (Wang et al. 2004, constants K1 = 0.01, K2 = 0.03, L = 255),
averaged over the photos. Bytes are summed over the photos; encode time is the median per photo.

`python -m benchmarks thumbnails` prints the table of every candidate; `make bench` shows the
encodings of core.sizes, the JPEG beside the WebP, as a gallery page's bytes (gallery_page()).
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pillow_heif
from PIL import Image, ImageOps

from .corpus import CORPUS

pillow_heif.register_heif_opener()

MIN_LONGEST_SIDE = 1600  # pixels: a photo smaller than the preview says nothing of its encoding
SSIM_WINDOW = 7  # pixels per side
CARDS_PER_PAGE = 48


@dataclass(frozen=True)
class Candidate:
    label: str
    format: str
    options: tuple[tuple[str, object], ...]

    def encode(self, pixels: Image.Image) -> bytes:
        out = io.BytesIO()
        pixels.save(out, self.format, **dict(self.options))
        return out.getvalue()


def jpeg(quality: int, **extra) -> Candidate:
    words = " ".join(f"{key}={value}" for key, value in extra.items())
    return Candidate(
        f"JPEG q{quality} {words}".strip(), "JPEG", (("quality", quality), *extra.items())
    )


def webp(quality: int, method: int = 4) -> Candidate:
    return Candidate(
        f"WebP q{quality} m{method}", "WEBP", (("quality", quality), ("method", method))
    )


def avif(quality: int, speed: int = 6) -> Candidate:
    return Candidate(
        f"AVIF q{quality} s{speed}",
        "AVIF",
        (("quality", quality), ("speed", speed), ("max_threads", 1)),
    )


CANDIDATES = (
    jpeg(80),
    jpeg(85),
    jpeg(80, optimize=True, progressive=True),
    jpeg(75, optimize=True, progressive=True),
    jpeg(80, subsampling=0, optimize=True, progressive=True),
    *(webp(q) for q in (60, 70, 75, 80, 85)),
    *(webp(q, 6) for q in (60, 65, 70, 75, 80, 85)),
    *(avif(q) for q in (45, 55, 65, 75)),
)


def photos() -> list[Path]:
    found = []
    for path in sorted(CORPUS.rglob("*")):
        if path.suffix.lower() not in {".jpg", ".jpeg", ".heic"}:
            continue
        try:
            with Image.open(path) as image:
                if max(image.size) >= MIN_LONGEST_SIDE:
                    image.load()
                    found.append(path)
        except Exception:  # the corpus holds broken files on purpose
            continue
    return found


def ssim(a: Image.Image, b: Image.Image) -> float:
    """Mean SSIM over the R, G and B channels, in SSIM_WINDOW×SSIM_WINDOW windows."""
    x = np.asarray(a.convert("RGB"), dtype=np.float64)
    y = np.asarray(b.convert("RGB"), dtype=np.float64)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def mean(values: np.ndarray) -> np.ndarray:
        summed = values.cumsum(0).cumsum(1)
        summed = np.pad(summed, ((1, 0), (1, 0), (0, 0)))
        w = SSIM_WINDOW
        total = summed[w:, w:] - summed[:-w, w:] - summed[w:, :-w] + summed[:-w, :-w]
        return total / (w * w)

    mx, my = mean(x), mean(y)
    vx, vy = mean(x * x) - mx * mx, mean(y * y) - my * my
    cov = mean(x * y) - mx * my
    n = SSIM_WINDOW * SSIM_WINDOW
    vx, vy, cov = vx * n / (n - 1), vy * n / (n - 1), cov * n / (n - 1)  # sample variances
    index = ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    return float(index.mean())


def reference(path: Path, box: tuple[int, int]) -> Image.Image:
    with Image.open(path) as image:
        image.load()
        full = ImageOps.exif_transpose(image.convert("RGB"))
    return full.resize(box, Image.Resampling.LANCZOS)


def rendered(path: Path) -> dict[str, Image.Image]:
    """The displayed pixels of each size, as an upload makes them before encoding."""
    from photoshelf.ingest import decode, metadata, renditions

    opened = decode.open_image(path, max_pixels=200_000_000)
    with opened.image:
        facts = metadata.read_metadata(opened.image)
        made = renditions.render(opened, facts.orientation)
    return {made_one.size.name: made_one.pixels for made_one in made}


def measure(paths: list[Path], candidates=CANDIDATES, sizes=("thumbnail", "preview")) -> dict:
    """{size: {label: {"bytes", "ssim", "encode_ms"}}} over every photo."""
    results: dict[str, dict[str, dict[str, list[float]]]] = {size: {} for size in sizes}
    for path in paths:
        pixels = rendered(path)
        for size in sizes:
            shown = pixels[size]
            ref = reference(path, shown.size)
            for candidate in candidates:
                started = time.perf_counter()
                data = candidate.encode(shown)
                took = (time.perf_counter() - started) * 1000
                with Image.open(io.BytesIO(data)) as back:
                    score = ssim(back, ref)
                row = results[size].setdefault(candidate.label, {"bytes": [], "ssim": [], "ms": []})
                row["bytes"].append(len(data))
                row["ssim"].append(score)
                row["ms"].append(took)
    return {
        size: {
            label: {
                "bytes": int(sum(row["bytes"])),
                "ssim": statistics.fmean(row["ssim"]),
                "encode_ms": statistics.median(row["ms"]),
            }
            for label, row in rows.items()
        }
        for size, rows in results.items()
    }


def gallery_page(paths: list[Path] | None = None) -> dict:
    """What the service stores per size, JPEG beside WebP, as an upload makes them (the bytes of
    renditions.render()): bytes of a page of CARDS_PER_PAGE cards (the corpus photos in turn),
    the mean SSIM against the reference resize, and the median encode time of each."""
    from photoshelf.core.sizes import SIZES
    from photoshelf.ingest import decode, metadata, renditions

    paths = photos() if paths is None else paths
    found: dict[str, dict[str, dict[str, list[float]]]] = {}
    for path in paths:
        opened = decode.open_image(path, max_pixels=200_000_000)
        with opened.image:
            made = renditions.render(opened, metadata.read_metadata(opened.image).orientation)
        for rendition in made:
            ref = reference(path, rendition.pixels.size)
            for encoding, data in rendition.files:
                row = found.setdefault(rendition.size.name, {}).setdefault(
                    encoding.extension, {"bytes": [], "ssim": [], "ms": []}
                )
                with Image.open(io.BytesIO(data)) as back:
                    row["ssim"].append(ssim(back, ref))
                row["bytes"].append(len(data))
                took = []
                for _ in range(3):
                    started = time.perf_counter()
                    Candidate("", encoding.format, encoding.options).encode(rendition.pixels)
                    took.append((time.perf_counter() - started) * 1000)
                row["ms"].append(min(took))
    result: dict = {"photos": len(paths), "cards": CARDS_PER_PAGE}
    for size_name, by_extension in found.items():
        result[size_name] = {}
        for extension, row in by_extension.items():
            page = sum(row["bytes"][i % len(paths)] for i in range(CARDS_PER_PAGE))
            result[size_name][extension] = {
                "page_bytes": page,
                "ssim": statistics.fmean(row["ssim"]),
                "encode_ms": statistics.median(row["ms"]),
            }
        fallback = SIZES[size_name].fallback.extension
        for figures in result[size_name].values():
            figures["ratio"] = figures["page_bytes"] / result[size_name][fallback]["page_bytes"]
    return result


def today(size_name: str) -> str:
    """The label of the size's JPEG as the service made it before WebP: its fallback now."""
    from photoshelf.core.sizes import SIZES

    return f"JPEG q{dict(SIZES[size_name].fallback.options)['quality']}"


def markdown(found: dict, photos_count: int) -> str:
    lines = []
    for size, rows in found.items():
        base = rows[today(size)]
        lines += [
            f"{size} ({photos_count} corpus photos): bytes and encode time against "
            f"{today(size)}, "
            "SSIM against the reference resize",
            "",
            "| encoding | bytes (all photos) | × today | SSIM | encode ms (median) | × today |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for label, row in rows.items():
            lines.append(
                f"| {label} | {row['bytes']} | {row['bytes'] / base['bytes']:.2f}× | "
                f"{row['ssim']:.4f} | {row['encode_ms']:.1f} | "
                f"{row['encode_ms'] / base['encode_ms']:.2f}× |"
            )
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks thumbnails", description=__doc__)
    parser.add_argument("--limit", type=int, default=0, help="at most this many photos")
    parser.add_argument("--size", choices=("thumbnail", "preview"), help="only this size")
    parser.add_argument(
        "--only", help="only these candidates, comma-separated labels (e.g. 'JPEG q80,WebP q75 m4')"
    )
    parser.add_argument("--webp", help="also WebP at these qualities, comma-separated (method 4)")
    args = parser.parse_args()
    paths = photos()
    if args.limit:
        paths = paths[: args.limit]
    candidates = list(CANDIDATES)
    if args.only:
        wanted = set(args.only.split(","))
        candidates = [c for c in candidates if c.label in wanted]
    if args.webp:
        candidates += [webp(int(q)) for q in args.webp.split(",")]
    sizes = (args.size,) if args.size else ("thumbnail", "preview")
    print(f"{len(paths)} photos", file=sys.stderr)
    print(markdown(measure(paths, candidates, sizes), len(paths)))


if __name__ == "__main__":
    main()
