"""How many times photoshelf's own stages decode pixels for one upload, and at what scale."""

from __future__ import annotations

import tempfile
from pathlib import Path


def count(data: bytes, suffix: str) -> dict:
    """Runs decode -> metadata -> renditions on the bytes, counting ImageFile.load() decodes and
    libvips' (ingest/vips.py)."""
    from photoshelf.ingest import decode, metadata, renditions, vips

    decoded: list[tuple[int, int]] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(data)
        opened = decode.open_image(path, max_pixels=10**9)
        full_size = opened.image.size
        cls = type(opened.image)  # JpegImageFile, PngImageFile, HeifImageFile, ...
        original_load = cls.load

        def counting_load(self):
            if getattr(self, "_im", None) is None:  # no pixels in memory yet: this call decodes
                decoded.append(self.size)
            return original_load(self)

        original_vips_load = vips.load

        def counting_vips_load(image):
            pixels = original_vips_load(image)
            if pixels is not None:
                decoded.append(pixels.size)
            return pixels

        cls.load = counting_load
        vips.load = counting_vips_load
        try:
            with opened.image:
                facts = metadata.read_metadata(opened.image)
                renditions.render(opened, facts.orientation)
        finally:
            cls.load = original_load
            vips.load = original_vips_load
    return {
        "decodes": len(decoded),
        "full_size": full_size,
        "decoded_size": decoded[0] if decoded else None,
    }
