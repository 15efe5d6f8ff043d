"""PNG metadata without a decode, and one pass of the sample corpus through decode, metadata and
renditions (the slowest files named)."""

from __future__ import annotations

import io
import struct
import time
import zlib
from pathlib import Path

from PIL import Image

from .floor import interleaved_ms

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "exif-samples"


def png_metadata(runs: int) -> dict:
    """A 12 MP PNG with eXIf after IDAT: read_metadata() walks chunks; Pillow's getexif() decodes."""
    from photoshelf.ingest import metadata

    out = io.BytesIO()
    Image.effect_noise((4000, 3000), 40).convert("RGB").save(out, "PNG", compress_level=1)
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2026:01:02 03:04:05"
    body = exif.tobytes()
    chunk = b"eXIf" + body
    chunk = struct.pack(">I", len(body)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    data = out.getvalue()[:-12] + chunk + out.getvalue()[-12:]

    def ours():
        with Image.open(io.BytesIO(data)) as opened:
            assert metadata.read_metadata(opened).taken_at is not None

    def pillows():
        with Image.open(io.BytesIO(data)) as opened:
            assert opened.getexif().get_ifd(0x8769)

    return interleaved_ms({"ours": ours, "pillow": pillows}, runs)


def corpus_pass() -> dict | None:
    """Every file of the sample corpus through decode, metadata and renditions, once each."""
    from photoshelf.core.refusals import Refusal
    from photoshelf.ingest import decode, metadata, renditions

    if not CORPUS.is_dir():
        return None
    timings = []
    for path in sorted(p for p in CORPUS.rglob("*") if p.is_file()):
        start = time.perf_counter()
        try:
            opened = decode.open_image(path, max_pixels=200_000_000)
            with opened.image:
                facts = metadata.read_metadata(opened.image)
                renditions.render(opened, facts.orientation)
        except Refusal:
            pass
        timings.append(((time.perf_counter() - start) * 1000, str(path.relative_to(CORPUS))))
    timings.sort(reverse=True)
    return {"files": len(timings), "total_ms": sum(ms for ms, _ in timings), "slowest": timings[:3]}
