"""Ingest through the real upload path: HTTP into `photoshelf serve --workers 2`, rows and files out.

Beside each upload the minimum pipeline (floor.py) runs in this process on the same bytes,
interleaved, so both see the same machine load and the ratio holds even on a busy machine.
"""

from __future__ import annotations

import re
import select
import socket
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import floor, images
from .serving import Client, Server, multipart, reset_peak, rss_mb, server_stages


PAUSE_S = 0.02  # between two gallery requests of one visitor
LEVEL_ROUNDS = 2  # turns of concurrency 1 and 2 (see in_turns)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class Uploads:
    """Distinct pictures of one kind, made before the timing starts, each uploaded once."""

    FIRST_VARIANT = {"jpg": 1, "heic": 1001, "png": 2001}  # no picture twice, in any format

    def __init__(self, extension: str, count: int) -> None:
        self.extension = extension
        self.files = images.distinct(extension, count, first=self.FIRST_VARIANT[extension])
        self.data = self.files[0]  # a representative file, for the minimum pipeline
        self.counter = 0
        self.lock = threading.Lock()

    def next(self) -> tuple[bytes, str]:
        with self.lock:
            if self.counter == len(self.files):
                raise RuntimeError(f"all {len(self.files)} prepared .{self.extension} files are used")
            self.counter += 1
            n = self.counter
        return self.files[n - 1], f"bench-{n}.{self.extension}"

    def rewind(self) -> None:
        """Start over, for another server with a gallery of its own."""
        with self.lock:
            self.counter = 0


def side_by_side(server: Server, uploads: Uploads, runs: int) -> dict:
    """Sequential uploads (one in flight), each beside the minimum pipeline on the same bytes."""
    client = Client(server.url)
    server_ms, client_ms, minimum_ms = [], [], []
    stages: dict[str, list[float]] = {}
    for _ in range(runs):
        data, name = uploads.next()
        start = time.perf_counter()
        floor.minimum_pillow(data)
        minimum_ms.append((time.perf_counter() - start) * 1000)
        answer = client.upload(data, name)
        if answer.status != 201:
            raise RuntimeError(f"upload refused: {answer.status} {answer.body[:300]!r}")
        server_ms.append(answer.server_ms or 0.0)
        client_ms.append(answer.seconds * 1000)
        timed = server_stages(answer.headers.get("Server-Timing"))
        timed["other"] = timed.get("app", 0.0) - sum(ms for n, ms in timed.items() if n != "app")
        for stage, ms in timed.items():
            stages.setdefault(stage, []).append(ms)
    client.close()
    return {
        "server_ms": statistics.median(server_ms),
        "client_ms": statistics.median(client_ms),
        "minimum_ms": statistics.median(minimum_ms),
        "ratio": statistics.median(server_ms) / statistics.median(minimum_ms),
        "stages_ms": {stage: statistics.median(values) for stage, values in stages.items()
                      if stage != "app"},
        "runs": runs,
    }


def at_concurrency(server: Server, uploads: Uploads, concurrency: int, total: int) -> dict:
    def one(_):
        client = Client(server.url)
        try:
            data, name = uploads.next()
            answer = client.upload(data, name)
            if answer.status != 201:
                raise RuntimeError(f"upload refused: {answer.status} {answer.body[:300]!r}")
            return answer.seconds * 1000
        finally:
            client.close()

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        latencies = list(pool.map(one, range(total)))
    return level(concurrency, latencies, time.perf_counter() - start)


def level(concurrency: int, latencies: list[float], wall_s: float) -> dict:
    return {"concurrency": concurrency, "images_per_s": len(latencies) / wall_s,
            "p50_ms": percentile(latencies, 50), "p99_ms": percentile(latencies, 99),
            "n": len(latencies), "latencies_ms": latencies, "wall_s": wall_s}


def in_turns(server: Server, uploads: Uploads, levels: tuple[int, ...], per_level: int,
             rounds: int) -> list[dict]:
    """Each concurrency level `rounds` times, in turns (1, 2, 1, 2, ...), each turn per_level
    uploads, pooled per level: a slow minute of a shared machine weighs on every level alike,
    not on whichever level it happened to fall in."""
    turns = [at_concurrency(server, uploads, c, per_level) for _ in range(rounds) for c in levels]
    pooled = []
    for c in levels:
        mine = [turn for turn in turns if turn["concurrency"] == c]
        pooled.append(level(c, [ms for turn in mine for ms in turn["latencies_ms"]],
                            sum(turn["wall_s"] for turn in mine)))
    return pooled


def gallery_under_load(server: Server, uploads: Uploads, requests: int, per_loader: int) -> dict:
    """The gallery page's latency idle (`requests` of them), then while two visitors upload
    `per_loader` photos each, one after another: two uploads always in flight."""
    client = Client(server.url)

    def visit() -> float:  # paced like people browsing, over many uploads' time
        answer = client.request("GET", "/")
        if answer.status != 200:
            raise RuntimeError(f"the gallery answered {answer.status}")
        time.sleep(PAUSE_S)
        return answer.seconds * 1000

    idle = [visit() for _ in range(requests)]
    done = [0]
    statuses: list[int] = []

    def upload_all():
        uploader = Client(server.url)
        for _ in range(per_loader):
            statuses.append(uploader.upload(*uploads.next()).status)
            done[0] += 1
        uploader.close()

    loaders = [threading.Thread(target=upload_all) for _ in range(2)]
    for loader in loaders:
        loader.start()
    time.sleep(0.5)  # both uploads are in flight
    busy = []
    while any(loader.is_alive() for loader in loaders):
        busy.append(visit())
    for loader in loaders:
        loader.join()
    client.close()
    if set(statuses) != {201}:
        raise RuntimeError(f"uploads refused while the gallery was timed: {sorted(set(statuses))}")
    return {"idle_p50_ms": percentile(idle, 50), "idle_p99_ms": percentile(idle, 99),
            "busy_p50_ms": percentile(busy, 50), "busy_p99_ms": percentile(busy, 99),
            "ratio": percentile(busy, 99) / percentile(idle, 99), "uploads_during": done[0],
            "requests": requests}


def large_upload(server: Server, data: bytes) -> dict:
    """Peak RSS of each worker while one ~100 MB file streams in and is ingested."""
    pids = server.worker_pids()
    before = {pid: rss_mb(pid) for pid in pids}
    for pid in pids:
        reset_peak(pid)
    client = Client(server.url)
    answer = client.upload(data, "large.jpg")
    client.close()
    peaks = {pid: rss_mb(pid, "VmHWM") for pid in pids}
    growth = max(peaks[pid] - before[pid] for pid in pids)
    return {"file_mb": len(data) / 1e6, "status": answer.status, "seconds": answer.seconds,
            "peak_rss_mb": max(peaks.values()), "rss_growth_mb": growth}


def over_limit(server: Server, body_mb: int = 150) -> dict:
    """A body over the limit: how much of it the server read before it answered 413."""
    payload = b"\0" * (1024 * 1024)
    body_len = body_mb * 1024 * 1024
    head, content_type = multipart(b"", "huge.jpg")
    request = (f"POST /api/images HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
               f"Authorization: {server.headers['Authorization']}\r\n"
               f"Content-Type: {content_type}\r\nContent-Length: {body_len}\r\n\r\n").encode()
    sent = 0
    answer = b""
    start = time.perf_counter()
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(request + head[: head.find(b"\r\n--", 10)])
        try:
            while sent < body_len:
                readable, _, _ = select.select([sock], [], [], 0)
                if readable:
                    break
                sock.sendall(payload)
                sent += len(payload)
        except OSError:  # the server closed the connection: it stopped reading
            pass
        try:
            sock.settimeout(10)
            answer = sock.recv(65536)
        except OSError:
            pass
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
    return {"body_mb": body_mb, "sent_mb": sent / 1024 / 1024, "status": status,
            "seconds": time.perf_counter() - start}


def cache_headers(server: Server) -> dict:
    """Cache-Control of a static asset (its hashed URL from the page) and of a thumbnail."""
    client = Client(server.url)
    page = client.request("GET", "/")
    html = page.body.decode()
    css = re.search(r'href="(/static/[^"]+\.css)"', html).group(1)
    thumb = re.search(r'src="(/images/\d+/thumbnail)"', html).group(1)
    found = {"page": page.headers.get("Cache-Control", "")}
    for label, path in (("static", css), ("thumbnail", thumb)):
        found[label] = client.request("GET", path).headers.get("Cache-Control", "")
    client.close()
    return found


UPLOADS_PER_LOADER = 15  # photos each of the two uploading visitors sends while the gallery is timed


def run(workdir: Path, *, runs: int, per_level: int, log=print) -> dict:
    log("  making the test images (12 MP JPEG, 12 MP HEIC, 3 MP PNG, ~95 MB JPEG)")
    heic_runs, png_runs = max(3, runs // 3), max(3, runs // 2)
    jpeg = Uploads("jpg", 1 + runs + (2 * LEVEL_ROUNDS + 1) * per_level + 2 * UPLOADS_PER_LOADER)
    heic = Uploads("heic", 1 + heic_runs)
    png = Uploads("png", 1 + png_runs)
    large = images.large_jpeg(95_000_000)
    results: dict = {"jpeg_mb": len(jpeg.data) / 1e6, "heic_mb": len(heic.data) / 1e6,
                     "png_mb": len(png.data) / 1e6}
    with Server(workdir / "ingest", workers=2) as server:
        warm = Client(server.url)
        for uploads in (jpeg, heic, png):
            warm.upload(*uploads.next())  # first request imports and caches
        warm.close()
        log("  side by side: upload vs minimum pipeline")
        results["jpeg"] = side_by_side(server, jpeg, runs)
        results["heic"] = side_by_side(server, heic, heic_runs)
        results["png"] = side_by_side(server, png, png_runs)
        results["cache"] = cache_headers(server)
        log("  concurrency 1 and 2 in turns, then 8")
        results["levels"] = [*in_turns(server, jpeg, (1, 2), per_level, LEVEL_ROUNDS),
                             at_concurrency(server, jpeg, 8, per_level)]
        log("  gallery while two uploads are in flight")
        results["under_load"] = gallery_under_load(server, jpeg, requests=300,
                                                   per_loader=UPLOADS_PER_LOADER)
        results["peak_rss_per_worker_mb"] = max(rss_mb(pid, "VmHWM") for pid in server.worker_pids())
        log("  large upload and over-limit refusal")
        results["large"] = large_upload(server, large)
        results["over_limit"] = over_limit(server)
    return results
