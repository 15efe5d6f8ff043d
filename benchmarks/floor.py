"""The yardstick: the minimum ingest a photo needs, run in this process on the same files.

hash, EXIF, ONE decode at the preview's scale, a 1600 px preview, the 400 px thumbnail made from
the preview, each encoded as the service stores it (core.sizes: JPEG and WebP), a 64-bit
difference hash of the thumbnail. With Pillow and with pyvips (when installed), plus the pieces
and the traps docs/benchmarks.md quotes, all as medians in ms.
"""

from __future__ import annotations

import hashlib
import io
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

from PIL import Image, ImageOps

PREVIEW_PX, THUMB_PX = 1600, 400
T = Image.Transpose
ORIENT = {
    2: T.FLIP_LEFT_RIGHT,
    3: T.ROTATE_180,
    4: T.FLIP_TOP_BOTTOM,
    5: T.TRANSPOSE,
    6: T.ROTATE_270,
    7: T.TRANSVERSE,
    8: T.ROTATE_90,
}


def median_ms(action: Callable[[], object], runs: int) -> float:
    action()  # warm caches and lazy imports
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def interleaved_ms(actions: dict[str, Callable[[], object]], runs: int) -> dict[str, float]:
    """Medians of several actions run in turns, so a busy machine weighs on each alike."""
    times: dict[str, list[float]] = {name: [] for name in actions}
    for action in actions.values():
        action()
    for _ in range(runs):
        for name, action in actions.items():
            start = time.perf_counter()
            action()
            times[name].append((time.perf_counter() - start) * 1000)
    return {name: statistics.median(values) for name, values in times.items()}


def fit(size: tuple[int, int], longest: int) -> tuple[int, int]:
    width, height = size
    scale = min(1.0, longest / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def dhash(image: Image.Image) -> int:
    small = image.convert("L").resize((9, 8), Image.Resampling.BILINEAR)
    pixels = list(small.getdata())
    bits = 0
    for row in range(8):
        for col in range(8):
            bits = bits << 1 | (pixels[row * 9 + col] > pixels[row * 9 + col + 1])
    return bits


def _encodings(size_name: str, jpeg_only: bool):
    from photoshelf.core.sizes import SIZES

    size = SIZES[size_name]
    return (size.fallback,) if jpeg_only else size.encodings


def minimum_pillow(data: bytes, *, jpeg_only: bool = False) -> tuple[list[bytes], int]:
    """`jpeg_only`: the renditions as they were before WebP, JPEG alone."""
    hashlib.sha256(data).hexdigest()
    image = Image.open(io.BytesIO(data))
    orientation = image.getexif().get(0x0112, 1)
    target = fit(image.size, PREVIEW_PX)
    image.draft("RGB", target)  # the final size, with its aspect ratio: DCT scaling does the rest
    image = image.convert("RGB")
    preview = (
        image.resize(target, Image.Resampling.LANCZOS, reducing_gap=2.0)
        if image.size != target
        else image
    )
    thumb = preview.resize(fit(preview.size, THUMB_PX), Image.Resampling.LANCZOS, reducing_gap=2.0)
    if orientation in ORIENT:  # after reducing: turning 400 px costs nothing, 12 MP a lot
        preview, thumb = (
            preview.transpose(ORIENT[orientation]),
            thumb.transpose(ORIENT[orientation]),
        )
    made = []
    for pixels, size_name in ((preview, "preview"), (thumb, "thumbnail")):
        for encoding in _encodings(size_name, jpeg_only):
            out = io.BytesIO()
            pixels.save(out, encoding.format, **dict(encoding.options))
            made.append(out.getvalue())
    return made, dhash(thumb)


def minimum_pyvips(data: bytes) -> list[bytes]:
    import pyvips

    hashlib.sha256(data).hexdigest()
    preview = pyvips.Image.thumbnail_buffer(data, PREVIEW_PX)  # shrink-on-load, autorotates
    preview = preview.copy_memory()
    thumb = preview.thumbnail_image(THUMB_PX)
    small = thumb.colourspace("b-w").resize(9 / thumb.width, vscale=8 / thumb.height)
    small.write_to_memory()
    made = []
    for image, size_name in ((preview, "preview"), (thumb, "thumbnail")):
        for encoding in _encodings(size_name, jpeg_only=False):
            options = dict(encoding.options)
            if encoding.format == "JPEG":
                made.append(image.jpegsave_buffer(Q=options["quality"], keep="none"))
            else:  # libwebp's method is libvips' effort
                made.append(
                    image.webpsave_buffer(
                        Q=options["quality"], effort=options["method"], keep="none"
                    )
                )
    return made


def has_pyvips() -> bool:
    try:
        import pyvips  # noqa: F401
    except Exception:  # not installed, or libvips missing
        return False
    return True


def pieces(data: bytes, runs: int) -> dict[str, float]:
    """The parts of the yardstick and the measured traps, on one JPEG."""

    def opened():
        return Image.open(io.BytesIO(data))

    def eighth():
        image = opened()
        image.draft("RGB", (image.width // 8, image.height // 8))
        image.load()

    def full():
        opened().load()

    def draft_square():  # the trap: a square box disables the halving on a 4:3 photo
        image = opened()
        image.draft("RGB", (PREVIEW_PX, PREVIEW_PX))
        image.load()
        image.thumbnail((PREVIEW_PX, PREVIEW_PX))

    def transpose_first():  # the trap: exif_transpose before shrinking decodes every pixel
        image = ImageOps.exif_transpose(opened())
        image.thumbnail((PREVIEW_PX, PREVIEW_PX))

    def three_decodes():
        for side in (PREVIEW_PX, THUMB_PX, 64):
            image = opened()
            image.draft("RGB", fit(image.size, side))
            image.load()

    figures = {
        "sha256": median_ms(lambda: hashlib.sha256(data).hexdigest(), runs),
        "exif": median_ms(lambda: opened().getexif(), runs),
        "decode_full": median_ms(full, runs),
        "decode_eighth": median_ms(eighth, runs),
        "trap_draft_square": median_ms(draft_square, runs),
        "trap_transpose_first": median_ms(transpose_first, runs),
        "three_decodes": median_ms(three_decodes, runs),
    }
    base = Image.open(io.BytesIO(data))
    base.draft("RGB", fit(base.size, PREVIEW_PX))
    preview = base.convert("RGB").resize(fit(base.size, PREVIEW_PX), Image.Resampling.LANCZOS)
    thumb = preview.resize(fit(preview.size, THUMB_PX), Image.Resampling.LANCZOS)
    for fmt, image, label in (
        ("JPEG", preview, "preview"),
        ("WEBP", preview, "preview"),
        ("AVIF", preview, "preview"),
        ("JPEG", thumb, "thumb"),
        ("WEBP", thumb, "thumb"),
        ("AVIF", thumb, "thumb"),
    ):

        def encode(image=image, fmt=fmt, label=label):
            out = io.BytesIO()
            image.save(out, fmt, quality=85 if label == "preview" else 80)
            return out

        slow = fmt == "AVIF" and label == "preview"  # seconds each: a few runs tell enough
        figures[f"encode_{label}_{fmt.lower()}"] = median_ms(encode, 2 if slow else runs)
        figures[f"bytes_{label}_{fmt.lower()}"] = len(encode().getvalue())
    return figures


class Processes:
    """The minimum pipeline in `workers` processes, each holding the files from its start: the
    most that many cores of this machine do, for the upload throughput to be held against."""

    def __init__(self, workers: int, files: list[bytes]) -> None:
        self.workers, self.count = workers, len(files)
        self.pool = ProcessPoolExecutor(workers, initializer=_hold, initargs=(files,))
        self.per_second(workers)  # the processes start, import and warm up

    def per_second(self, total: int) -> float:
        """Images per second over `total` images, `workers` at a time."""
        start = time.perf_counter()
        list(self.pool.map(_minimum_of, range(total)))
        return total / (time.perf_counter() - start)

    def __enter__(self) -> Processes:
        return self

    def __exit__(self, *exc) -> None:
        self.pool.shutdown()


_held: list[bytes] = []


def _hold(files: list[bytes]) -> None:
    global _held
    _held = files


def _minimum_of(n: int) -> None:
    minimum_pillow(_held[n % len(_held)])
