"""Fingerprints: streaming SHA-256 of the bytes (exact duplicates) and a perceptual hash of the
pixels (near duplicates: the same photo re-encoded, resized or stripped of metadata)."""

from __future__ import annotations

import hashlib
import math
import statistics
from pathlib import Path

from PIL import Image

CHUNK_BYTES = 1024 * 1024


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks so memory stays flat for any size."""
    hasher = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK_BYTES):
            hasher.update(chunk)
    return hasher.hexdigest()


# --- Perceptual fingerprint ------------------------------------------------------------------
# pHash: the 8×8 lowest frequencies of the 2-D DCT of a 32×32 grey version of the displayed
# image, one bit per coefficient (above or below their median). Small enough in pure Python
# (only the 64 coefficients kept are computed), so no numpy/scipy dependency is needed.
HASH_SIDE = 32  # pixels of the grey square the DCT is taken of
KEPT = 8  # low frequencies kept per axis: 8 × 8 = 64 bits
HASH_BITS = KEPT * KEPT

_COSINES = [
    [math.cos(math.pi * (2 * x + 1) * u / (2 * HASH_SIDE)) for x in range(HASH_SIDE)]
    for u in range(KEPT)
]


def perceptual_hash(image: Image.Image) -> int:
    """64-bit pHash (unsigned int) of pixels already oriented for display."""
    grey = image.convert("L").resize((HASH_SIDE, HASH_SIDE), Image.Resampling.BOX)
    values = grey.tobytes()  # one byte per pixel, row by row
    rows = [values[y * HASH_SIDE : (y + 1) * HASH_SIDE] for y in range(HASH_SIDE)]
    # DCT along each row (only the KEPT lowest frequencies), then along each column.
    row_freqs = [
        [sum(c * p for c, p in zip(cos, row, strict=False)) for cos in _COSINES] for row in rows
    ]
    coefficients = [
        sum(cos[y] * row_freqs[y][u] for y in range(HASH_SIDE))
        for v, cos in enumerate(_COSINES)
        for u in range(KEPT)
    ]
    median = statistics.median(coefficients)
    bits = 0
    for value in coefficients:
        bits = (bits << 1) | (value > median)
    return bits


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()
