"""The sizes made of every upload, in one table: ingest makes them, the gallery serves them.

Each size is stored in every encoding of its row: JPEG first, the fallback every browser shows,
then WebP, which pages offer first (`<picture><source type="image/webp">`). Each WebP quality is
the lowest whose SSIM against a reference resize is at least its JPEG's, over the sample
corpus (`python -m benchmarks thumbnails`; `make bench` shows the bytes of a gallery page).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Encoding:
    format: str  # Pillow encoder
    options: tuple[tuple[str, object], ...]  # its save() options
    content_type: str
    extension: str


@dataclass(frozen=True)
class Size:
    name: str
    longest_side: int  # pixels
    encodings: tuple[Encoding, ...]  # the fallback (JPEG) first

    @property
    def fallback(self) -> Encoding:
        return self.encodings[0]

    @property
    def modern(self) -> tuple[Encoding, ...]:
        """The encodings a page offers before the fallback, to browsers that accept them."""
        return self.encodings[1:]

    def encoding(self, extension: str) -> Encoding | None:
        return next((e for e in self.encodings if e.extension == extension), None)


def _jpeg(quality: int) -> Encoding:
    return Encoding("JPEG", (("quality", quality),), "image/jpeg", "jpg")


def _webp(quality: int) -> Encoding:
    # method 4, libwebp's default: method 6 saves another 3-5% of the bytes in twice the time
    return Encoding("WEBP", (("quality", quality), ("method", 4)), "image/webp", "webp")


# Largest first: each size is made from the one before it. The preview stays JPEG alone: its
# WebP (q88, 0.82x the bytes at equal SSIM) took 177 ms to encode against the JPEG's 4 ms, which
# would make every upload about three times slower (make bench: the encode rows); a thumbnail's
# WebP takes 7 ms, for the gallery page's bytes.
RENDITIONS: tuple[Size, ...] = (
    Size("preview", 1600, (_jpeg(85),)),
    Size("thumbnail", 400, (_jpeg(80), _webp(76))),
)
SIZES = {size.name: size for size in RENDITIONS}


def lookup(name: str) -> tuple[Size, Encoding] | None:
    """A rendition as its URLs name it: "thumbnail" (the fallback) or "thumbnail.webp"."""
    size_name, dot, extension = name.partition(".")
    size = SIZES.get(size_name)
    if size is None:
        return None
    if not dot:
        return size, size.fallback
    encoding = size.encoding(extension)
    return None if encoding is None or encoding is size.fallback else (size, encoding)


def url_name(size: Size, encoding: Encoding) -> str:
    """The inverse of lookup(): what a URL says for this size in this encoding."""
    return size.name if encoding is size.fallback else f"{size.name}.{encoding.extension}"
