"""Near-duplicate lookup at 1k, 100k and 1M stored fingerprints: the indexed lookup beside a scan.

Run with `make bench` (or `python -m benchmarks.near_duplicates` alone). Fingerprints are seeded
directly into a temporary SQLite database (BENCH_DATABASE_URL, when set, names an empty scratch
PostgreSQL or MariaDB database instead; PHOTOSHELF_DATABASE_URL is never used: rows are seeded),
as random 64-bit values with 32 bits set, as pHashes have; lookups are of random fingerprints
and of stored ones with a few bits flipped. Figures are medians in this one process.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time

SIZES = (1_000, 100_000, 1_000_000)  # stored fingerprints
LOOKUPS = 21  # indexed lookups timed per size
SCANS = 3  # full scans timed per size
BATCH = 5_000  # rows per INSERT while seeding
DISTANCES = (8, 11)  # the default, and the largest the index serves


def _setup(data_dir: str) -> None:
    if "photoshelf.settings" in sys.modules:  # configured already: the rows would go there
        raise RuntimeError("run the near-duplicate benchmark in a process of its own")
    os.environ["PHOTOSHELF_DATA_DIR"] = data_dir
    os.environ.pop("PHOTOSHELF_DATABASE_URL", None)
    if os.environ.get("BENCH_DATABASE_URL"):
        os.environ["PHOTOSHELF_DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    os.environ["PHOTOSHELF_ENV_FILE"] = ""
    os.environ["PHOTOSHELF_LOG_LEVEL"] = "WARNING"
    os.environ["DJANGO_SETTINGS_MODULE"] = "photoshelf.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)


def _fingerprint(rng: random.Random) -> int:
    value = 0
    for bit in rng.sample(range(64), 32):
        value |= 1 << bit
    return value


def _seed(rng: random.Random, start: int, stop: int, stored: list[int]) -> None:
    from photoshelf.gallery import near_duplicates
    from photoshelf.gallery.models import Image

    for first in range(start, stop, BATCH):
        rows = []
        for n in range(first, min(first + BATCH, stop)):
            fingerprint = _fingerprint(rng)
            stored.append(fingerprint)
            rows.append(Image(
                name=f"seeded {n}", filename="seeded.jpg", sha256=f"{n:064x}", format="JPEG",
                content_type="image/jpeg", extension="jpg", file_size=1, width=1, height=1,
                thumbnail_width=1, thumbnail_height=1, **near_duplicates.band_fields(fingerprint),
            ))
        Image.objects.bulk_create(rows)


def _queries(rng: random.Random, stored: list[int], count: int) -> list[int]:
    """Half unrelated fingerprints, half stored ones with 1-8 bits flipped."""
    queries = []
    for i in range(count):
        value = _fingerprint(rng) if i % 2 else rng.choice(stored)
        if i % 2 == 0:
            for bit in rng.sample(range(64), rng.randint(1, 8)):
                value ^= 1 << bit
        queries.append(value)
    return queries


def _median_ms(action, inputs: list[int]) -> float:
    times = []
    for value in inputs:
        start = time.perf_counter()
        action(value)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="photoshelf-bench-") as data_dir:
        _setup(data_dir)
        from django.db import connection

        from photoshelf.gallery import near_duplicates

        rng = random.Random(5)
        stored: list[int] = []
        print(f"Near-duplicate lookup ({connection.vendor}), median ms; seeded fingerprints")
        print(f"{'stored':>10}{'distance':>10}{'indexed':>10}{'full scan':>11}{'scan/indexed':>14}")
        for size in SIZES:
            _seed(rng, len(stored), size, stored)
            with connection.cursor() as cursor:  # fresh planner statistics, as a live server has
                table = connection.ops.quote_name("gallery_image")
                cursor.execute(f"ANALYZE TABLE {table}" if connection.vendor == "mysql"
                               else f"ANALYZE {table}")
            for distance in DISTANCES:
                queries = _queries(rng, stored, LOOKUPS)
                near_duplicates.nearest(queries[-1], distance)  # warm the caches once
                for value in queries[:SCANS]:  # the answers agree, or the times mean nothing
                    assert near_duplicates.nearest(value, distance) == \
                        near_duplicates.nearest_by_scan(value, distance)
                indexed = _median_ms(lambda v: near_duplicates.nearest(v, distance), queries)
                scan = _median_ms(lambda v: near_duplicates.nearest_by_scan(v, distance),
                                  queries[:SCANS])
                ratio = scan / indexed
                print(f"{size:>10,}{distance:>10}{indexed:>10.2f}{scan:>11.1f}{ratio:>14.0f}")


if __name__ == "__main__":
    main()
