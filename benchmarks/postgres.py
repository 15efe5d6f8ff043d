"""A throwaway PostgreSQL server for the benchmark: initdb + pg_ctl in a temporary folder.

Run as the `postgres` user (runuser) when this process is root, on a free loopback port; the
folder and the server are gone when the context ends.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .serving import free_port


def pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


def _as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@contextmanager
def temporary_postgres() -> Iterator[str]:
    """Yields a database URL; stops the server and removes its files afterwards."""
    bin_dir = pg_bin()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL's initdb/pg_ctl are not installed")
    root = Path(tempfile.mkdtemp(prefix="photoshelf-bench-pg-"))
    data = root / "data"
    port = free_port()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    run = lambda args: subprocess.run(_as_postgres(args), check=True, capture_output=True)  # noqa: E731
    try:
        run([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8"])
        # fsync off only speeds up seeding millions of rows; reads (what is timed) are unchanged.
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
        run([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-o", options,
             "-w", "start"])
        try:
            yield f"postgres://postgres@127.0.0.1:{port}/postgres"
        finally:
            run([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"])
    finally:
        shutil.rmtree(root, ignore_errors=True)
