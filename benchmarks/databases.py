"""Throwaway database servers for the benchmarks: the tests' own (tests/servers.py), started from
Debian's packages in a temporary folder on a free loopback port, and removed afterwards."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.servers import MariaDBServer, PostgresServer  # noqa: E402

MARIADB_BUFFER_POOL = "256M"  # 128M is MariaDB's own default; a million rows' indexes fit in this


@contextmanager
def empty_database(backend: str) -> Iterator[str | None]:
    """A URL of an empty database of `backend` ("" for SQLite: the data folder's own file), or
    None when that server is not installed. "postgresql" and "mariadb" start a server."""
    with empty_databases(backend, 1) as urls:
        yield None if urls is None else urls[0]


@contextmanager
def empty_databases(backend: str, count: int) -> Iterator[list[str] | None]:
    """`count` empty databases of `backend` on one server, as empty_database()."""
    if backend == "sqlite":
        yield [""] * count
        return
    try:
        server = (
            PostgresServer()
            if backend == "postgresql"
            else MariaDBServer(buffer_pool=MARIADB_BUFFER_POOL)
        )
    except RuntimeError as exc:  # not installed
        print(f"    {backend}: {exc}; left out", file=sys.stderr, flush=True)
        yield None
        return
    try:
        yield [server.create_database() for _ in range(count)]
    finally:
        server.close()
