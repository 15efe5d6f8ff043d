"""One process at a time migrates the database, whichever machine it runs on.

Several servers starting together on a new release (containers, machines) is the normal
scale-out case, and each `photoshelf serve` applies pending migrations before it listens. Two
migrating at once both see a migration as pending and both apply it: the second fails with
"table already exists" or "duplicate column name". So migrating holds a lock that every process
using the database sees, and a process that waited for it finds nothing left to apply.
"""

from __future__ import annotations

import fcntl
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db.backends.base.base import BaseDatabaseWrapper

LOCK_NAME = "photoshelf-migrate"
# PostgreSQL's advisory locks are named by a number: the name's CRC-32, the same in every process.
ADVISORY_KEY = zlib.crc32(LOCK_NAME.encode())
# MySQL/MariaDB's GET_LOCK waits at most this long per call; the caller asks again until it has it.
GET_LOCK_WAIT_S = 30


@contextmanager
def migration_lock(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Held while the block runs, by this process alone among all that use the database.

    PostgreSQL: a session-level advisory lock; MySQL/MariaDB: GET_LOCK (also per session, so
    both outlive the transactions each migration runs in, and both go if the process dies).
    SQLite: an exclusive flock on a file beside the database; SQLite's own write lock cannot
    be used, since the migrations write through the same database and would wait for it.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [ADVISORY_KEY])
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_KEY])
    elif connection.vendor == "mysql":
        # A MySQL lock name is server-wide (PostgreSQL's advisory locks are per database): one
        # name per database, so sites sharing a server do not wait for each other. At most 64.
        database = str(connection.settings_dict["NAME"])
        name = f"{LOCK_NAME}-{zlib.crc32(database.encode()):08x}"
        with connection.cursor() as cursor:
            while True:  # 1: held; 0: still waiting after GET_LOCK_WAIT_S; NULL: an error
                cursor.execute("SELECT GET_LOCK(%s, %s)", [name, GET_LOCK_WAIT_S])
                (held,) = cursor.fetchone()
                if held == 1:
                    break
                if held is None:
                    raise RuntimeError("MySQL/MariaDB refused GET_LOCK for migrating")
                time.sleep(0.1)
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT RELEASE_LOCK(%s)", [name])
    elif connection.vendor == "sqlite" and not _in_memory(str(connection.settings_dict["NAME"])):
        lock_file = Path(f"{connection.settings_dict['NAME']}.migrate-lock")
        with lock_file.open("a") as held:
            fcntl.flock(
                held, fcntl.LOCK_EX
            )  # released when the file is closed, or the process dies
            yield
    else:  # an in-memory SQLite database is this process's alone
        yield


def _in_memory(name: str) -> bool:
    return name == ":memory:" or "mode=memory" in name
