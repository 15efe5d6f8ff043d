"""`photoshelf import` throughput on generated 12 MP camera JPEGs, beside the pipeline's limit.

The limit is the whole pipeline (hash, checks, decode, renditions, files, row) run serially in
this process: one core's rate; two cores can at best double it. Imports run with 1 and 2 jobs
(processes, and threads for comparison), and the same files are uploaded over HTTP to a real
`photoshelf serve --workers 2`. Target: 2 jobs reach 0.85 x the two-core limit.
IMPORT_BENCH_FILES=N runs it on N files instead of 200 (a quick look).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

from PIL import Image, ImageDraw

from .serving import bench_token

FILES = int(os.environ.get("IMPORT_BENCH_FILES", 200))
LIMIT_FILES = 50  # the serial pipeline's rate settles well before 200 files
SIZE_PX = (4000, 3000)  # 12 megapixels
TARGET_RATIO = 0.85
HTTP_CLIENTS = 2


def camera_jpeg(index: int, noise: Image.Image) -> bytes:
    """A distinct photo-like 12 MP JPEG with EXIF: rotated gradients and shapes over noise."""
    gradient = Image.linear_gradient("L")
    red = gradient.rotate(index * 1.8, fillcolor=40).resize(SIZE_PX)
    blue = gradient.rotate(index * 37 % 360, fillcolor=200).resize(SIZE_PX)
    draw = ImageDraw.Draw(red)
    for k in range(6):  # shapes placed by index, so no two files look alike
        x, y = (index * 611 + k * 1327) % 3600, (index * 373 + k * 919) % 2600
        draw.ellipse((x, y, x + 400, y + 400), fill=(index * 53 + k * 40) % 256)
    image = Image.merge("RGB", (red, noise, blue))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Canon", "Canon EOS 40D"
    exif.get_ifd(0x8769)[0x9003] = datetime.now().strftime("%Y:%m:%d %H:%M:%S")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


def _write_batch(folder: str, indices: list[int]) -> int:
    noise = Image.effect_noise(SIZE_PX, 40)
    size = 0
    for index in indices:
        data = camera_jpeg(index, noise)
        (Path(folder) / f"IMG_{index:04d}.JPG").write_bytes(data)
        size += len(data)
    return size


def make_photos(folder: Path, count: int) -> int:
    """Write `count` camera JPEGs into folder on every core; their total size in bytes."""
    jobs = len(os.sched_getaffinity(0))
    batches = [list(range(count))[k::jobs] for k in range(jobs)]
    with ProcessPoolExecutor(jobs) as pool:
        return sum(pool.map(_write_batch, [str(folder)] * jobs, batches))


def cpu_seconds() -> float:
    """CPU time of this process's threads and of every child process reaped so far."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class Measured:
    """Images per second of wall time, and CPU seconds spent per image (load-independent)."""

    def __init__(self, what: str, images: int, wall_s: float, cpu_s: float) -> None:
        self.what, self.rate, self.cpu_per_image = what, images / wall_s, cpu_s / images


def measure(what: str, images: int, action) -> Measured:
    wall, cpu = time.perf_counter(), cpu_seconds()
    action()
    return Measured(what, images, time.perf_counter() - wall, cpu_seconds() - cpu)


def reset_gallery() -> None:
    from django.conf import settings

    from photoshelf.gallery.models import Image as Row
    from photoshelf.storage import get_storage

    Row.objects.all().delete()
    shutil.rmtree(settings.MEDIA_DIR, ignore_errors=True)
    get_storage.cache_clear()


def pipeline_limit(photos: list[Path]) -> Measured:
    """library.store, one file after another, in this process: one core's rate."""
    from photoshelf.core.refusals import Refusal
    from photoshelf.gallery.library import store as ingest
    from photoshelf.ingest.incoming import IncomingFile

    def one(path: Path) -> None:
        try:
            ingest(IncomingFile.from_path(path))
        except Refusal as refusal:  # a look-alike of an earlier file: it was decoded all the same
            assert refusal.code == "near-duplicate", refusal

    reset_gallery()
    return measure(
        "pipeline limit, one core (serial, in process)",
        len(photos),
        lambda: [one(path) for path in photos],
    )


def import_rate(folder: Path, jobs: int, kind: str) -> Measured:
    """`photoshelf import` in-process; kind "thread" swaps its process pool for threads, the
    alternative it was chosen over, to show what the choice is worth."""
    from unittest import mock

    from photoshelf.importer import pool
    from photoshelf.importer.run import Options, run_import

    reset_gallery()

    def run() -> None:
        with contextlib.ExitStack() as stack:
            if kind == "thread":
                stack.enter_context(mock.patch.object(pool, "_executor", ThreadPoolExecutor))
            quiet = stack.enter_context(open(os.devnull, "w"))
            summary = run_import(Options([folder], jobs=jobs, live=False), out=quiet)
        # Every file handled; a few generated photos are look-alikes (refused near-duplicate).
        assert summary.tally.errors == 0 and summary.tally.files == FILES, summary.text()

    label = "processes" if kind == "process" else "threads, for comparison"
    return measure(f"photoshelf import --jobs {jobs} ({label})", FILES, run)


def http_rate(photos: list[Path], data_dir: Path) -> Measured:
    """Images per second uploaded by HTTP_CLIENTS clients to `photoshelf serve --workers 2`."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PHOTOSHELF_")}
    env.update(
        {
            "PHOTOSHELF_DATA_DIR": str(data_dir),
            "PHOTOSHELF_ENV_FILE": "",
            "PHOTOSHELF_LOG_LEVEL": "WARNING",
        }
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "photoshelf.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    cpu = cpu_seconds()
    try:
        _wait_for(url + "/healthz", server)
        auth = {"Authorization": f"Bearer {bench_token(env)}"}
        todo = iter(photos)
        lock = threading.Lock()

        def client() -> None:
            while True:
                with lock:
                    path = next(todo, None)
                if path is None:
                    return
                status = _post(url + "/api/images", path, auth)
                assert status in (201, 409), (path, status)  # 409: a look-alike

        start = time.perf_counter()
        with ThreadPoolExecutor(HTTP_CLIENTS) as clients:
            for done in [clients.submit(client) for _ in range(HTTP_CLIENTS)]:
                done.result()
        wall = time.perf_counter() - start
    finally:
        server.terminate()
        server.wait(timeout=30)
    # CPU includes the server's start-up (migrate, collectstatic): an upper bound for HTTP.
    return Measured(
        f"HTTP upload, {HTTP_CLIENTS} clients, serve --workers 2",
        len(photos),
        wall,
        cpu_seconds() - cpu,
    )


def _wait_for(url: str, process: subprocess.Popen, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("photoshelf serve did not come up")


def _post(url: str, path: Path, auth: dict[str, str]) -> int:
    boundary = uuid.uuid4().hex
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="{path.name}"\r\nContent-Type: image/jpeg\r\n\r\n'
    ).encode()
    body += path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}", **auth},
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            json.loads(response.read())
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="photoshelf-bench-") as tmp:
        tmp_path = Path(tmp)
        folder = tmp_path / "photos"
        folder.mkdir()
        total = make_photos(folder, FILES)
        photos = sorted(folder.iterdir())
        os.environ.update(
            {
                "PHOTOSHELF_DATA_DIR": str(tmp_path / "data"),
                "PHOTOSHELF_ENV_FILE": "",
                "DJANGO_SETTINGS_MODULE": "photoshelf.settings",
            }
        )
        import django
        from django.core.management import call_command

        from photoshelf.core import datadir

        django.setup()
        datadir.prepare()  # the data folder, as `photoshelf` makes it before any command
        call_command("migrate", verbosity=0)

        for name in ("photoshelf.ingest", "photoshelf.gallery"):
            logging.getLogger(name).setLevel(logging.WARNING)

        limit = pipeline_limit(photos[:LIMIT_FILES])
        rows = [
            limit,
            import_rate(folder, 1, "process"),
            import_rate(folder, 2, "process"),
            import_rate(folder, 2, "thread"),
            http_rate(photos, tmp_path / "served"),
        ]
        load = os.getloadavg()[0]
    report(rows, total, load)


def report(rows: list[Measured], total: int, load: float) -> None:
    limit, two_jobs = rows[0], rows[2]
    two_core = 2 * limit.rate
    print(
        f"\nimport of {FILES} generated 12 MP camera JPEGs ({total / FILES / 1e6:.1f} MB each), "
        f"{len(os.sched_getaffinity(0))} cores, load average {load:.1f} at the end"
    )
    print(f"{'what':<56}{'images/s':>9}{'x 2-core limit':>15}{'CPU s/image':>13}")
    print(f"{'pipeline limit, two cores (2 x one core)':<56}{two_core:>9.1f}{1:>15.2f}")
    for row in rows:
        print(
            f"{row.what:<56}{row.rate:>9.1f}{row.rate / two_core:>15.2f}{row.cpu_per_image:>13.3f}"
        )
    reached = two_jobs.rate / two_core
    verdict = "met" if reached >= TARGET_RATIO else "NOT met"
    print(
        f"target: --jobs 2 >= {TARGET_RATIO} x two-core limit: {reached:.2f}, {verdict}"
        f"{'' if load < 2.5 else ' (the machine was busy: wall-clock figures are unreliable)'}"
    )
    print(
        f"CPU per image, import --jobs 2 / serial pipeline: "
        f"{two_jobs.cpu_per_image / limit.cpu_per_image:.2f} (1.00 = no overhead)"
    )


if __name__ == "__main__":
    main()
