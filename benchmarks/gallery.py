"""Gallery reads at growing sizes on one database: first page, deep page, JSON list, duplicates.

Runs in its own process (`python -m benchmarks.gallery URL SIZES`) because Django's settings are
read once per process; prints one JSON object. Rows are seeded through the ORM in bulk and share
one tiny rendition file; server time is Django's full request handling (middleware, view,
template), without the network.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone

from .seeding import insert_images

RUNS = 25
# A family's cameras over the years: the camera filter lists each (one index seek per camera).
CAMERAS = [("Canon", "Canon EOS 40D"), ("Canon", "Canon EOS R6"), ("Apple", "iPhone 8"),
           ("Apple", "iPhone 13 Pro"), ("Apple", "iPhone 15"), ("Google", "Pixel 7"),
           ("NIKON CORPORATION", "NIKON D70"), ("NIKON CORPORATION", "NIKON Z 6"),
           ("SONY", "ILCE-7M3"), ("FUJIFILM", "X-T30"), ("samsung", "SM-G991B"), ("", "")]


def seed(start: int, stop: int) -> None:
    from photoshelf.gallery.models import Camera

    Camera.remember(CAMERAS)  # as the uploads of these photos would have
    base = datetime(2025, 1, 1, tzinfo=timezone.utc)

    def rows():
        for n in range(start, stop):
            make, model = CAMERAS[n % len(CAMERAS)]
            yield {"name": f"Photo {n}", "filename": f"IMG_{n:07d}.JPG", "sha256": sha(n),
                   "camera_make": make, "camera_model": model,
                   "taken_at": base + timedelta(seconds=n),
                   # every tenth upload shares its second with the one before: the cursor's tie-break
                   "uploaded_at": base + timedelta(seconds=n - (n % 10 == 1))}

    insert_images(rows(), file_size=3_500_000, width=4000, height=3000, thumbnail_width=400,
                  thumbnail_height=300)


def sha(n: int) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()


def timed(action, runs: int = RUNS) -> dict:
    action()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return {"median_ms": statistics.median(times), "max_ms": max(times)}


def measure(size: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from photoshelf.gallery import queries
    from photoshelf.gallery.models import Image
    from photoshelf.ingest import pipeline
    from photoshelf.ingest.errors import Refusal

    from django.contrib.auth import get_user_model

    client = Client()
    reader, _ = get_user_model().objects.get_or_create(username="bench")
    client.force_login(reader)  # the gallery is for signed-in people
    deep_row = Image.objects.order_by("-uploaded_at", "-id")[int(size * 0.9)]  # not timed
    deep = queries.encode_cursor(deep_row, queries.View())

    def get(path):
        response = client.get(path)
        assert response.status_code == 200, response.status_code
        return response

    def lookup(sha256):
        try:
            pipeline._refuse_if_stored(sha256)
        except Refusal:
            pass

    with CaptureQueriesContext(connection) as captured:
        get(f"/?cursor={deep}")
    page_queries = [q["sql"] for q in captured.captured_queries]
    with CaptureQueriesContext(connection) as captured:
        queries.camera_choices()
    menu_queries = len(captured.captured_queries)
    page_size = 48
    return {
        "size": size,
        "first_page": timed(lambda: get("/")),
        "deep_page": timed(lambda: get(f"/?cursor={deep}")),
        "json_list": timed(lambda: get(f"/api/images?limit={page_size}")),
        "json_deep": timed(lambda: get(f"/api/images?limit={page_size}&cursor={deep}")),
        "duplicate_hit": timed(lambda: lookup(sha(size // 2)), runs=200),
        "duplicate_miss": timed(lambda: lookup("0" * 64), runs=200),
        "page_queries": len(page_queries),
        # the photos' rows; the camera menu's index seeks are counted apart
        "image_queries": sum("gallery_image" in sql for sql in page_queries) - menu_queries,
        "menu_queries": menu_queries,
        "plan_first": queries.page_rows(limit=page_size).explain(),
        "plan_deep": queries.page_rows(limit=page_size, cursor=deep).explain(),
        "plan_duplicate": Image.objects.filter(sha256=sha(1)).order_by().only("id", "name")[:1].explain(),
    }


def main(url: str, sizes: list[int]) -> None:
    data_dir = tempfile.mkdtemp(prefix="photoshelf-bench-gallery-")
    try:
        run(url, sizes, data_dir)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)  # a million-row SQLite file is 300 MB


def run(url: str, sizes: list[int], data_dir: str) -> None:
    os.environ.update({
        "PHOTOSHELF_DATA_DIR": data_dir, "PHOTOSHELF_ENV_FILE": "",
        "PHOTOSHELF_ALLOWED_HOSTS": "testserver", "PHOTOSHELF_LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "photoshelf.settings",
    })
    if url:
        os.environ["PHOTOSHELF_DATABASE_URL"] = url
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    from django.db import connection

    results = {"vendor": connection.vendor, "sizes": []}
    seeded = 0
    for size in sizes:
        start = time.perf_counter()
        seed(seeded, size)
        seeded = size
        # A gallery in steady state, not just after a bulk load: fresh statistics, and the load's
        # writes flushed now (a checkpoint; SQLite's WAL folded back into the database file) rather
        # than by the server in the background while the pages are timed.
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
                cursor.execute("CHECKPOINT")
        elif connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        print(f"    {connection.vendor}: {size:,} rows seeded in {time.perf_counter() - start:.0f} s",
              file=sys.stderr, flush=True)
        results["sizes"].append(measure(size))
    print(json.dumps(results))


if __name__ == "__main__":
    main(sys.argv[1], [int(size) for size in sys.argv[2].split(",")])
