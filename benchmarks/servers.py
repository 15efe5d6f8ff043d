"""Which HTTP server runs photoshelf best: `python -m benchmarks.servers [--write-docs]`.

gunicorn gthread (WSGI, what `photoshelf serve` runs), Granian (WSGI, Rust) and uvicorn (ASGI:
Django runs each sync view in a thread) are started with two workers on the same data, each
measured the same way: upload throughput at concurrency 2 and 8, the gallery's p50/p99 idle and
with two uploads in flight. Servers that are not installed are skipped.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from . import docs
from .ingest_http import Uploads, at_concurrency, gallery_under_load
from .serving import Client, Server, clean_env

BIN = Path(sys.executable).parent
SERVERS = {
    "gunicorn gthread (WSGI; `photoshelf serve`), 2 workers × 4 threads": ("gunicorn", None),
    "granian (WSGI), 2 workers × 4 blocking threads": (
        "granian",
        [
            str(BIN / "granian"),
            "--interface",
            "wsgi",
            "--workers",
            "2",
            "--blocking-threads",
            "4",
            "--host",
            "127.0.0.1",
            "--port",
            "{port}",
            "--no-ws",
            "photoshelf.wsgi:application",
        ],
    ),
    "uvicorn (ASGI), 2 workers": (
        "uvicorn",
        [
            str(BIN / "uvicorn"),
            "--factory",
            "django.core.asgi:get_asgi_application",
            "--workers",
            "2",
            "--host",
            "127.0.0.1",
            "--port",
            "{port}",
            "--log-level",
            "warning",
        ],
    ),
}


def prepare(data_dir: Path) -> None:
    env = clean_env(data_dir, {"DJANGO_SETTINGS_MODULE": "photoshelf.settings"})
    for args in (["migrate"], ["manage", "collectstatic", "--noinput", "-v0"]):
        subprocess.run(
            [sys.executable, "-m", "photoshelf.cli", *args],
            env=env,
            check=True,
            capture_output=True,
        )


def main() -> None:
    write = "--write-docs" in sys.argv[1:]
    made = Uploads("jpg", 20)
    jpeg = Uploads("jpg", 0, files=made.files[:16])  # uploaded, then deleted after each step
    rows = []
    with tempfile.TemporaryDirectory(prefix="photoshelf-servers-") as tmp:
        for label, (module, command) in SERVERS.items():
            if importlib.util.find_spec(module) is None:
                print(f"{label}: not installed, skipped", file=sys.stderr)
                continue
            data_dir = Path(tmp) / module
            data_dir.mkdir()
            prepare(data_dir)
            env = {"DJANGO_SETTINGS_MODULE": "photoshelf.settings"} if command else None
            jpeg.rewind()
            with Server(data_dir, workers=2, command=command, env=env) as server:
                api = Client(server.url)
                kept = Uploads("jpg", 0, files=made.files[16:])  # the gallery's photos
                for _ in kept.files:
                    kept.send(api)
                c2 = at_concurrency(server, jpeg, 2, 12)
                jpeg.clear(api)
                c8 = at_concurrency(server, jpeg, 8, 16)
                jpeg.clear(api)
                api.close()
                load = gallery_under_load(server, jpeg)
            rows.append(
                f"| {label} | {c2['images_per_s']:.1f} | {c8['images_per_s']:.1f} "
                f"(p99 {c8['p99_ms']:.0f} ms) | {load['idle_p50_ms']:.1f} / "
                f"{load['idle_p99_ms']:.1f} | {load['busy_p50_ms']:.1f} / "
                f"{load['busy_p99_ms']:.1f} |"
            )
            print(rows[-1], file=sys.stderr)
    load = os.getloadavg()[0]
    table = "\n".join(
        [
            "| server | uploads/s at 2 | uploads/s at 8 | gallery p50 / p99 idle, ms | "
            "gallery p50 / p99, two uploads in flight, ms |",
            "| --- | --- | --- | --- | --- |",
            *rows,
            "",
            f"(Same machine as the table above; load average {load:.1f} at the end of the run.)",
        ]
    )
    print(table)
    if write:
        docs.write_between("servers", table)


if __name__ == "__main__":
    main()
