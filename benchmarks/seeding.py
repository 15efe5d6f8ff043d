"""Rows written straight into gallery_image for the benchmarks: plain INSERTs (executemany;
COPY on PostgreSQL), each column as the ORM would write it. A million model objects through
bulk_create took two to three minutes per database; this takes a fraction of that."""

from __future__ import annotations

from collections.abc import Iterable

BATCH = 5_000  # rows per executemany or COPY, each batch its own transaction


def insert_images(rows: Iterable[dict], **common) -> None:
    """One gallery_image row per dict of field values, on top of `common` and the defaults."""
    from django.db import connection

    from photoshelf.gallery.models import Image

    template = Image(
        **{
            "name": "seeded",
            "filename": "seeded.jpg",
            "sha256": "",
            "format": "JPEG",
            "content_type": "image/jpeg",
            "extension": "jpg",
            "file_size": 1,
            "width": 1,
            "height": 1,
            "thumbnail_width": 1,
            "thumbnail_height": 1,
            **common,
        }
    )
    fields = [f for f in Image._meta.concrete_fields if not f.primary_key]
    fixed = [f.get_db_prep_save(getattr(template, f.attname), connection) for f in fields]
    by_name = {f.attname: (i, f) for i, f in enumerate(fields)}
    quote = connection.ops.quote_name
    into = f"{quote(Image._meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"
    if connection.vendor == "postgresql":  # COPY: several times faster than executemany
        sql = f"COPY {into} FROM STDIN"
    else:
        sql = f"INSERT INTO {into} VALUES ({', '.join(['%s'] * len(fields))})"
    batch: list[list] = []
    for values in rows:
        row = list(fixed)
        for name, value in values.items():
            i, field = by_name[name]
            row[i] = field.get_db_prep_save(value, connection)
        batch.append(row)
        if len(batch) == BATCH:
            _write(sql, batch)
            batch = []
    if batch:
        _write(sql, batch)


def _write(sql: str, batch: list[list]) -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        if sql.startswith("COPY "):
            with cursor.cursor.copy(sql) as copy:  # psycopg's own cursor
                for row in batch:
                    copy.write_row(row)
        else:
            cursor.executemany(sql, batch)
