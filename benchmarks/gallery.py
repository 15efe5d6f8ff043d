"""Gallery reads at growing sizes on one database: first page, deep page, JSON list, duplicates.

Each size has a database of its own, seeded once; then every size is timed in turns, a few
rounds, so a slow stretch of a shared machine weighs on every size alike and the flatness from
the smallest to the largest is a ratio of figures taken minutes, not a quarter of an hour, apart.
Seeding and timing run in processes of their own (`python -m benchmarks.gallery seed|measure`)
because Django's settings are read once per process; `measure` prints one JSON object. Rows are
seeded through the ORM's column preparation in bulk and share one tiny rendition file; server
time is Django's full request handling (middleware, view, template), without the network.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .seeding import insert_images

RUNS = 21  # requests per figure in each round
ROUNDS = 3  # every size timed in turns, this many times
TIMED = (
    "first_page",
    "deep_page",
    "json_list",
    "json_deep",
    "duplicate_hit",
    "duplicate_miss",
    "album_first",
    "album_deep",
    "shared_first",
    "shared_deep",
)
ALBUM_TITLE = "Everything"  # one album holding every seeded photo, owned by the reader
# A family's cameras over the years: the camera filter lists each (one index seek per camera).
CAMERAS = [
    ("Canon", "Canon EOS 40D"),
    ("Canon", "Canon EOS R6"),
    ("Apple", "iPhone 8"),
    ("Apple", "iPhone 13 Pro"),
    ("Apple", "iPhone 15"),
    ("Google", "Pixel 7"),
    ("NIKON CORPORATION", "NIKON D70"),
    ("NIKON CORPORATION", "NIKON Z 6"),
    ("SONY", "ILCE-7M3"),
    ("FUJIFILM", "X-T30"),
    ("samsung", "SM-G991B"),
    ("", ""),
]


def seed(size: int) -> None:
    from photoshelf.gallery.models import Camera

    Camera.remember(CAMERAS)  # as the uploads of these photos would have
    base = datetime(2025, 1, 1, tzinfo=UTC)

    def rows():
        for n in range(size):
            make, model = CAMERAS[n % len(CAMERAS)]
            yield {
                "name": f"Photo {n}",
                "filename": f"IMG_{n:07d}.JPG",
                "sha256": sha(n),
                "camera_make": make,
                "camera_model": model,
                "taken_at": base + timedelta(seconds=n),
                # every tenth upload shares its second with the one before: the cursor's tie-break
                "uploaded_at": base + timedelta(seconds=n - (n % 10 == 1)),
            }

    insert_images(
        rows(),
        file_size=3_500_000,
        width=4000,
        height=3000,
        thumbnail_width=400,
        thumbnail_height=300,
    )
    seed_album()


def seed_album() -> None:
    """Every photo in one album, added in upload order: an album as large as the gallery."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from photoshelf.gallery.models import Album, AlbumImage, Image

    reader, _ = get_user_model().objects.get_or_create(username="bench")
    album = Album.objects.create(owner=reader, title=ALBUM_TITLE)
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(AlbumImage._meta.db_table)} "
            f"({quote('album_id')}, {quote('image_id')}, {quote('added_at')}) "
            f"SELECT %s, {quote('id')}, {quote('uploaded_at')} "
            f"FROM {quote(Image._meta.db_table)} ORDER BY {quote('id')}",
            [album.pk],
        )


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


def page_rows(*, limit: int, cursor: str | None = None):
    """The one query behind a page of the default view (newest upload first): limit + 1 rows,
    as gallery.queries.browse() runs it, for its query plan."""
    from photoshelf.gallery import queries

    view = queries.View()
    after = queries.decode_cursor(cursor, view) if cursor else None
    rows = queries._keyset_query(queries.filtered(view), "uploaded_at", view.order, after)
    return rows[: limit + 1]


def measure(size: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from photoshelf.core.refusals import Refusal
    from photoshelf.gallery import albums, library, queries, sharing
    from photoshelf.gallery.models import Album, AlbumImage, Image

    client = Client()
    reader, _ = get_user_model().objects.get_or_create(username="bench")
    client.force_login(reader)  # the gallery is for signed-in people
    deep_row = Image.objects.order_by("-uploaded_at", "-id")[int(size * 0.9)]  # not timed
    deep = queries.encode_cursor(deep_row, queries.View())
    album = Album.objects.get(title=ALBUM_TITLE)
    deep_entry = AlbumImage.objects.filter(album=album).order_by("-added_at", "-id")[
        int(size * 0.9)
    ]
    album_deep = albums.cursor_after(deep_entry)
    _, token = sharing.create(album, created_by=reader)  # a link without a password

    def get(path):
        response = client.get(path)
        assert response.status_code == 200, response.status_code
        return response

    def lookup(sha256):
        with contextlib.suppress(Refusal):
            library._refuse_if_stored(sha256)

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
        "album_first": timed(lambda: get(f"/albums/{album.pk}")),
        "album_deep": timed(lambda: get(f"/albums/{album.pk}?cursor={album_deep}")),
        "shared_first": timed(lambda: get(f"/s/{token}")),
        "shared_deep": timed(lambda: get(f"/s/{token}?cursor={album_deep}")),
        "plan_album_deep": albums.page_rows(album, album_deep)[: page_size + 1].explain(),
        "duplicate_hit": timed(lambda: lookup(sha(size // 2)), runs=200),
        "duplicate_miss": timed(lambda: lookup("0" * 64), runs=200),
        "page_queries": len(page_queries),
        # the photos' rows; the camera menu's index seeks are counted apart
        "image_queries": sum("gallery_image" in sql for sql in page_queries) - menu_queries,
        "menu_queries": menu_queries,
        "plan_first": page_rows(limit=page_size).explain(),
        "plan_deep": page_rows(limit=page_size, cursor=deep).explain(),
        "plan_duplicate": Image.objects.filter(sha256=sha(1))
        .order_by()
        .only("id", "name")[:1]
        .explain(),
    }


def compare(backend: str, sizes: list[int], log) -> dict | None:
    """Seed a database per size, then time the sizes in turns; None when `backend` is not
    installed. Each figure is the median of the rounds' medians; flatness is taken per round."""
    from .databases import empty_databases

    with (
        tempfile.TemporaryDirectory(prefix="photoshelf-bench-gallery-") as tmp,
        empty_databases(backend, len(sizes)) as urls,
    ):
        if urls is None:
            return None
        folders = [Path(tmp) / f"size-{size}" for size in sizes]
        for size, url, folder in zip(sizes, urls, folders, strict=False):
            start = time.perf_counter()
            _child("seed", url, str(folder), str(size))
            log(f"    {backend}: {size:,} rows seeded in {time.perf_counter() - start:.0f} s")
        rounds = []
        for r in range(ROUNDS):
            order = list(zip(sizes, urls, folders, strict=False))
            mine = {
                size: json.loads(_child("measure", url, str(folder)))
                for size, url, folder in (order if r % 2 == 0 else order[::-1])
            }
            rounds.append([mine[size] for size in sizes])
    return combine(rounds)


def combine(rounds: list[list[dict]]) -> dict:
    last = rounds[-1]
    result = {"vendor": last[0]["vendor"], "rounds": len(rounds), "sizes": []}
    for i, figures in enumerate(last):
        size = dict(figures)
        for key in TIMED:
            each = [r[i][key]["median_ms"] for r in rounds]
            size[key] = {
                "median_ms": statistics.median(each),
                "rounds_ms": each,
                "max_ms": max(r[i][key]["max_ms"] for r in rounds),
            }
        result["sizes"].append(size)
    result["flatness"] = {
        key: [r[-1][key]["median_ms"] / r[0][key]["median_ms"] for r in rounds] for key in TIMED
    }
    return result


def _child(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.gallery", *args],
        cwd=Path(__file__).resolve().parent.parent,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return done.stdout


def setup(url: str, data_dir: str) -> None:
    os.environ.update(
        {
            "PHOTOSHELF_DATA_DIR": data_dir,
            "PHOTOSHELF_ENV_FILE": "",
            "PHOTOSHELF_ALLOWED_HOSTS": "testserver",
            "PHOTOSHELF_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "photoshelf.settings",
        }
    )
    if url:
        os.environ["PHOTOSHELF_DATABASE_URL"] = url
    import django

    django.setup()
    from photoshelf.core import datadir

    datadir.prepare()  # as a photoshelf command does: the data folder (SQLite's file) exists


def seed_database(size: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    seed(size)
    # A gallery in steady state, not just after a bulk load: fresh statistics, and the load's
    # writes flushed now (a checkpoint; SQLite's WAL folded back into the database file) rather
    # than by the server in the background while the pages are timed.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
            cursor.execute("CHECKPOINT")
        elif connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


if __name__ == "__main__":
    command, url, data_dir, *rest = sys.argv[1:]
    setup(url, data_dir)
    if command == "seed":
        seed_database(int(rest[0]))
    else:
        from django.db import connection

        from photoshelf.gallery.models import Image

        print(json.dumps({"vendor": connection.vendor, **measure(Image.objects.count())}))
