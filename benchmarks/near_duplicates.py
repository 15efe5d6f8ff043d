"""Near-duplicate lookup at 1k, 100k and 1M stored fingerprints: the indexed lookup beside a scan,
on SQLite, PostgreSQL and MariaDB.

`python -m benchmarks.near_duplicates [--sizes 1000,100000,1000000] [--backends sqlite,...]`
(also run by `make bench`). Each database is measured in a process of its own: SQLite in a
temporary folder, PostgreSQL and MariaDB on throwaway servers started like the tests' (Debian's
packages, a temporary folder, a free loopback port; skipped when not installed). With
BENCH_DATABASE_URL set, only that database is measured: it must be an empty scratch database,
since rows are seeded into it (PHOTOSHELF_DATABASE_URL is never used).

Fingerprints are seeded directly, as random 64-bit values with 32 bits set, as pHashes have;
lookups are of random fingerprints and of stored ones with a few bits flipped. Figures are
medians; every indexed answer is first checked against the scan's.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

from . import docs
from .databases import empty_database
from .seeding import insert_images

SIZES = (1_000, 100_000, 1_000_000)  # stored fingerprints
LOOKUPS = 21  # indexed lookups timed per size
SCANS = 3  # full scans timed per size
DISTANCES = (8, 11)  # the default, and the largest the index serves
BACKENDS = ("sqlite", "postgresql", "mariadb")
NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL", "mysql": "MariaDB"}


def _setup(data_dir: str, url: str) -> None:
    if "photoshelf.settings" in sys.modules:  # configured already: the rows would go there
        raise RuntimeError("run the near-duplicate benchmark in a process of its own")
    os.environ["PHOTOSHELF_DATA_DIR"] = data_dir
    os.environ.pop("PHOTOSHELF_DATABASE_URL", None)
    if url:
        os.environ["PHOTOSHELF_DATABASE_URL"] = url
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

    def rows():
        for n in range(start, stop):
            fingerprint = _fingerprint(rng)
            stored.append(fingerprint)
            yield {
                "name": f"seeded {n}",
                "sha256": f"{n:064x}",
                **near_duplicates.band_fields(fingerprint),
            }

    insert_images(rows())


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


def _analyze(connection) -> None:
    """Fresh planner statistics (and, on PostgreSQL, the visibility map that lets it answer from
    the index alone), as a live server's autovacuum keeps them."""
    table = connection.ops.quote_name("gallery_image")
    command = {"mysql": f"ANALYZE TABLE {table}", "postgresql": f"VACUUM ANALYZE {table}"}
    with connection.cursor() as cursor:
        cursor.execute(command.get(connection.vendor, f"ANALYZE {table}"))


def measure(url: str, sizes: list[int]) -> dict:
    """Seed and time on one database (this process's only one); one JSON-able result."""
    with tempfile.TemporaryDirectory(prefix="photoshelf-bench-") as data_dir:
        _setup(data_dir, url)
        from django.db import connection

        from photoshelf.gallery import near_duplicates

        from .scan import nearest_by_scan

        rng = random.Random(5)
        stored: list[int] = []
        rows = []
        for size in sizes:
            started = time.perf_counter()
            _seed(rng, len(stored), size, stored)
            _analyze(connection)
            print(
                f"    {connection.vendor}: {size:,} fingerprints seeded in "
                f"{time.perf_counter() - started:.0f} s",
                file=sys.stderr,
                flush=True,
            )
            for distance in DISTANCES:
                queries = _queries(rng, stored, LOOKUPS)
                near_duplicates.nearest(queries[-1], distance)  # warm the caches once
                for value in queries[:SCANS]:  # the answers agree, or the times mean nothing
                    assert near_duplicates.nearest(value, distance) == nearest_by_scan(
                        value, distance
                    )
                indexed = _median_ms(lambda v, d=distance: near_duplicates.nearest(v, d), queries)
                scan = _median_ms(lambda v, d=distance: nearest_by_scan(v, d), queries[:SCANS])
                rows.append(
                    {"stored": size, "distance": distance, "indexed_ms": indexed, "scan_ms": scan}
                )
        return {"backend": NAMES[connection.vendor], "version": _version(connection), "rows": rows}


def _version(connection) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sqlite_version()" if connection.vendor == "sqlite" else "SELECT version()"
        )
        return str(cursor.fetchone()[0]).split("-")[0].split(" (")[0].removeprefix("PostgreSQL ")


def table(results: list[dict]) -> str:
    lines = [
        "| backend | stored | distance | indexed lookup | full scan | scan / indexed |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for result in results:
        for distance in DISTANCES:
            for row in (r for r in result["rows"] if r["distance"] == distance):
                lines.append(
                    f"| {result['backend']} {result['version']} | {row['stored']:,} | {distance} | "
                    f"{row['indexed_ms']:.1f} ms | {row['scan_ms']:,.1f} ms | "
                    f"{row['scan_ms'] / row['indexed_ms']:,.1f} |"
                )
    flat = []
    for result in results:
        for distance in DISTANCES:
            mine = [r for r in result["rows"] if r["distance"] == distance]
            if len(mine) > 1:
                flat.append(
                    f"{result['backend']} {distance} bits: indexed ×"
                    f"{mine[-1]['indexed_ms'] / mine[0]['indexed_ms']:.2f}, scan ×"
                    f"{mine[-1]['scan_ms'] / mine[0]['scan_ms']:,.0f}"
                )
    span = (
        f"{results[0]['rows'][0]['stored']:,} → {results[0]['rows'][-1]['stored']:,}"
        if results
        else ""
    )
    return "\n".join(lines) + f"\n\nGrowth from {span} stored: " + "; ".join(flat) + "."


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.near_duplicates", description=__doc__
    )
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument(
        "--write-docs",
        action="store_true",
        help="write the table into docs/benchmarks.md between its near-duplicates markers",
    )
    parser.add_argument("--measure", metavar="URL", help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    if args.measure is not None:
        print(json.dumps(measure(args.measure, sizes)))
        return
    if os.environ.get("BENCH_DATABASE_URL"):
        results = [measure(os.environ["BENCH_DATABASE_URL"], sizes)]
    else:
        results = []
        for backend in args.backends.split(","):
            with empty_database(backend) as url:
                if url is None:
                    continue
                print(f"  near-duplicate lookup on {backend}", file=sys.stderr, flush=True)
                done = subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "benchmarks.near_duplicates",
                        "--sizes",
                        args.sizes,
                        "--measure",
                        url,
                    ],
                    check=True,
                    stdout=subprocess.PIPE,
                    text=True,
                )
                results.append(json.loads(done.stdout))
    print("Near-duplicate lookup, medians; seeded fingerprints\n")
    print(table(results))
    if args.write_docs:
        docs.write_between("near-duplicates", table(results))


if __name__ == "__main__":
    main()
