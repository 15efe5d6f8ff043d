"""The indexed near-duplicate lookup: multi-index hashing over the bands of the 64-bit pHash.

Split into 3 bands, two fingerprints within distance d agree within ⌊d/3⌋ bits on at least one
band (pigeonhole), so the candidates are the rows whose band equals a value that close to the
query's, found through each band's index; their exact Hamming distance is then checked here.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from django.db import connection, transaction
from PIL import Image as PillowImage

from photoshelf.core.sizes import SIZES
from photoshelf.ingest import steps
from photoshelf.ingest.fingerprint import HASH_BITS, hamming
from photoshelf.storage import get_storage
from photoshelf.storage.keys import rendition_key

from .models import Image, IngestLock

log = logging.getLogger(__name__)

BAND_BITS: tuple[int, ...] = (22, 21, 21)  # most significant band first; sums to HASH_BITS
BAND_FIELDS = tuple(f"phash_band_{index}" for index in range(len(BAND_BITS)))
# Largest distance whose lookup stays indexed: a radius of 3 bits per band is at most
# 1,794 values per band in the IN lists (a radius of 4 would be 9,109).
MAX_DISTANCE = 4 * len(BAND_BITS) - 1

assert sum(BAND_BITS) == HASH_BITS


@dataclass(frozen=True)
class Match:
    image_id: int
    distance: int  # bits


def split(fingerprint: int) -> tuple[int, ...]:
    bands, shift = [], HASH_BITS
    for bits in BAND_BITS:
        shift -= bits
        bands.append((fingerprint >> shift) & ((1 << bits) - 1))
    return tuple(bands)


def join(bands: tuple[int, ...]) -> int:
    fingerprint = 0
    for value, bits in zip(bands, BAND_BITS, strict=False):
        fingerprint = (fingerprint << bits) | value
    return fingerprint


def band_fields(fingerprint: int) -> dict[str, int]:
    """The model fields that store `fingerprint`."""
    return dict(zip(BAND_FIELDS, split(fingerprint), strict=False))


def within(value: int, bits: int, radius: int) -> list[int]:
    """Every `bits`-bit value at most `radius` bits away from `value`."""
    return [value ^ mask for mask in _masks(bits, radius)]


@cache
def _masks(bits: int, radius: int) -> tuple[int, ...]:
    """Every `bits`-bit mask with at most `radius` bits set (0 first): made once per band."""
    masks = [0]
    for flips in range(1, radius + 1):
        for positions in itertools.combinations(range(bits), flips):
            masks.append(sum(1 << position for position in positions))
    return tuple(masks)


def nearest(fingerprint: int, max_distance: int) -> Match | None:
    """The stored image nearest `fingerprint`, within `max_distance` bits (oldest on a tie)."""
    if not 0 <= max_distance <= MAX_DISTANCE:
        raise ValueError(f"max_distance must be 0..{MAX_DISTANCE}, not {max_distance}")
    radius = max_distance // len(BAND_BITS)
    candidates: dict[int, tuple] = {}
    # One simple indexed lookup per band (not one OR of three): every planner serves it from
    # the band's index, where an OR of large IN lists may tempt one into a full scan.
    with connection.cursor() as cursor:
        for field, value, bits in zip(BAND_FIELDS, split(fingerprint), BAND_BITS, strict=False):
            values = within(value, bits, radius)
            cursor.execute(_band_query(field, len(values)), values)
            candidates.update((row[0], row) for row in cursor.fetchall())
    return closest(candidates.values(), fingerprint, max_distance)


@cache
def _band_query(field: str, count: int) -> str:
    """SELECT the id and bands of the rows whose `field` is one of `count` values (parameters).

    The statement the ORM writes for filter(field__in=...).values_list(...), written once: the
    ORM prepares each of the hundreds of values through the field on every lookup, which took
    most of the lookup's time. Plain lower-case names need no quoting on
    SQLite, PostgreSQL or MariaDB.
    """
    columns = ", ".join(("id", *BAND_FIELDS))
    placeholders = ", ".join(["%s"] * count)
    return f"SELECT {columns} FROM {Image._meta.db_table} WHERE {field} IN ({placeholders})"


def closest(rows: Iterable[tuple], fingerprint: int, max_distance: int) -> Match | None:
    best: Match | None = None
    for image_id, *bands in rows:
        distance = hamming(join(tuple(bands)), fingerprint)
        if distance > max_distance:
            continue
        if best is None or (distance, image_id) < (best.distance, best.image_id):
            best = Match(image_id, distance)
    return best


def lock_for_insert() -> None:
    """Serialize "look up near-duplicates, then insert" among uploads; call inside atomic()."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_for_insert() holds its lock until the transaction ends")
    if not _lock_row():
        IngestLock.objects.get_or_create(pk=1)  # the row is made by a migration; a flush drops it
        _lock_row()


def _lock_row() -> bool:
    return bool(list(IngestLock.objects.select_for_update().filter(pk=1).values_list("pk")))


def backfill(image_model=Image) -> tuple[int, int]:
    """Fingerprint rows stored before fingerprints existed, from their stored thumbnails.

    The thumbnail is what an upload's fingerprint is computed from (as pixels, before JPEG
    encoding), so this costs one 400 px decode per row. Returns (fingerprinted, skipped); a row
    whose thumbnail is missing or unreadable is skipped and logged, and never blocks uploads.
    """
    storage, thumbnail = get_storage(), SIZES["thumbnail"]
    done = skipped = 0
    pending = image_model.objects.filter(phash_band_0=None).values_list("id", "sha256")
    for image_id, sha256 in pending.iterator(chunk_size=1000):
        try:
            key = rendition_key(sha256, thumbnail.name, thumbnail.fallback.extension)
            with storage.open(key) as fh, PillowImage.open(fh) as pixels:
                fingerprint = steps.fingerprint(pixels)
        except Exception as exc:  # a missing file or a broken thumbnail: the row stays unchecked
            log.warning("near-duplicates: cannot fingerprint image %s: %r", image_id, exc)
            skipped += 1
            continue
        image_model.objects.filter(pk=image_id).update(**band_fields(fingerprint))
        done += 1
    return done, skipped
