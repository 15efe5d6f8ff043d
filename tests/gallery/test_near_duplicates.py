"""The indexed near-duplicate lookup answers what a scan of every row would, from band indexes."""

import os
import random
import subprocess
import sys

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from benchmarks.scan import nearest_by_scan
from photoshelf.gallery import near_duplicates
from photoshelf.gallery.models import Image
from photoshelf.ingest.fingerprint import HASH_BITS

rng = random.Random(5)


def stored(fingerprint: int | None, n: int = 0) -> Image:
    bands = near_duplicates.band_fields(fingerprint) if fingerprint is not None else {}
    return Image.objects.create(
        name=f"photo {n}",
        filename="p.jpg",
        sha256=f"{n:064x}",
        format="JPEG",
        content_type="image/jpeg",
        extension="jpg",
        file_size=1,
        width=1,
        height=1,
        thumbnail_width=1,
        thumbnail_height=1,
        **bands,
    )


def flipped(fingerprint: int, bits: int) -> int:
    for position in rng.sample(range(HASH_BITS), bits):
        fingerprint ^= 1 << position
    return fingerprint


def test_bands_split_and_join_back_to_the_same_64_bits():
    for fingerprint in (0, 2**64 - 1, 0x8000000000000001, rng.getrandbits(64)):
        bands = near_duplicates.split(fingerprint)
        assert near_duplicates.join(bands) == fingerprint
        assert all(0 <= band < 2**22 for band in bands)  # fits any backend's 32-bit integer


def test_the_values_within_a_radius_are_all_there_once():
    values = near_duplicates.within(0b1010, 21, 2)
    assert len(values) == len(set(values)) == 1 + 21 + 21 * 20 // 2


@pytest.mark.django_db
@pytest.mark.parametrize("max_distance", [0, 2, 5, 8, 11])
def test_it_finds_every_stored_fingerprint_within_the_distance_as_a_scan_does(max_distance):
    query = rng.getrandbits(64)
    for n, bits in enumerate(range(0, 16)):
        stored(flipped(query, bits), n)
    for n in range(16, 200):
        stored(rng.getrandbits(64), n)
    match = near_duplicates.nearest(query, max_distance)
    assert match == nearest_by_scan(query, max_distance)
    assert match is not None and match.distance == 0


@pytest.mark.django_db
def test_it_finds_a_fingerprint_whose_difference_is_spread_over_every_band():
    query = rng.getrandbits(64)
    # 8 bits apart: 3 + 3 + 2 across the three bands, the pigeonhole's worst case.
    spread = query ^ (0b111 << 50) ^ (0b111 << 30) ^ 0b11
    far = stored(spread, 1)
    match = near_duplicates.nearest(query, 8)
    assert match == near_duplicates.Match(far.pk, 8)
    assert near_duplicates.nearest(query, 7) is None


@pytest.mark.django_db
def test_it_prefers_the_closest_then_the_oldest_and_skips_rows_without_a_fingerprint():
    query = rng.getrandbits(64)
    stored(None, 1)
    older = stored(flipped(query, 4), 2)
    stored(flipped(query, 4), 3)
    assert near_duplicates.nearest(query, 8) == near_duplicates.Match(older.pk, 4)
    closest = stored(flipped(query, 2), 4)
    assert near_duplicates.nearest(query, 8) == near_duplicates.Match(closest.pk, 2)


@pytest.mark.django_db
def test_it_looks_up_each_band_by_its_own_column():
    stored(rng.getrandbits(64), 1)
    with CaptureQueriesContext(connection) as queries:
        near_duplicates.nearest(rng.getrandbits(64), 8)
    assert len(queries) == len(near_duplicates.BAND_FIELDS)
    for query, field in zip(queries, near_duplicates.BAND_FIELDS, strict=False):
        where = query["sql"].split("WHERE", 1)[1]
        assert field in where and " IN (" in where and "ORDER BY" not in where
        assert not any(other in where for other in near_duplicates.BAND_FIELDS if other != field)


@pytest.mark.django_db
def test_each_band_leads_an_index_that_covers_the_other_bands():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Image._meta.db_table)
    indexed = [c["columns"] for c in constraints.values() if c["index"]]
    for field in near_duplicates.BAND_FIELDS:
        leading = [columns for columns in indexed if columns[0] == field]
        assert any(set(columns) == set(near_duplicates.BAND_FIELDS) for columns in leading), indexed
    if (
        connection.vendor == "sqlite"
    ):  # the lookup reads the index alone: no table row per candidate
        with CaptureQueriesContext(connection) as captured:
            near_duplicates.nearest(0x0F0F0F0F0F0F0F0F, 8)
        with connection.cursor() as cursor:
            for query, field in zip(
                captured.captured_queries, near_duplicates.BAND_FIELDS, strict=False
            ):
                cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
                plan = " ".join(str(row[-1]) for row in cursor.fetchall())
                assert f"USING COVERING INDEX image_{field}" in plan, plan


def test_a_distance_beyond_the_indexed_range_is_refused():
    with pytest.raises(ValueError):
        near_duplicates.nearest(0, near_duplicates.MAX_DISTANCE + 1)


def test_a_configured_distance_beyond_the_indexed_range_stops_the_start(tmp_path):
    too_far = str(near_duplicates.MAX_DISTANCE + 1)
    env = {
        **os.environ,
        "PHOTOSHELF_NEAR_DUPLICATE_DISTANCE": too_far,
        "PHOTOSHELF_DATA_DIR": str(tmp_path),
        "PHOTOSHELF_ENV_FILE": "",
    }
    started = subprocess.run(
        [sys.executable, "-c", "import photoshelf.settings"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert started.returncode != 0
    assert f"0..{near_duplicates.MAX_DISTANCE} bits" in started.stderr
