"""Ingest through the real upload path: HTTP into `photoshelf serve --workers 2`, rows and files out.

Beside each upload the minimum pipeline (floor.py) runs in this process on the same bytes,
interleaved, so both see the same machine load and the ratio holds even on a busy machine.
"""

from __future__ import annotations

import json
import re
import select
import socket
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import floor, images
from .serving import Answer, Client, Server, multipart, reset_peak, rss_mb, server_stages

PAUSE_S = 0.02  # between two gallery requests of one visitor
ROUNDS = 6  # turns of concurrency 1 and 2, and of the minimum pipeline in 1 and 2 processes
LOAD_ROUNDS = 3  # idle and busy windows of the gallery, in turns
IDLE_VISITS, BUSY_VISITS = 100, 200  # gallery requests per idle and per busy window


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def spread(values: list[float]) -> dict:
    """The median of figures measured in turns, and their lowest and highest."""
    return {
        "median": statistics.median(values),
        "low": min(values),
        "high": max(values),
        "each": values,
    }


class Uploads:
    """Distinct pictures of one kind, made before the timing starts. Each is uploaded once until
    clear() deletes what was uploaded (not timed), after which the same files serve again."""

    FIRST_VARIANT = {"jpg": 1, "heic": 1001, "png": 2001}  # no picture twice, in any format

    def __init__(self, extension: str, count: int, *, files: list[bytes] | None = None) -> None:
        self.extension = extension
        self.files = files or images.distinct(extension, count, first=self.FIRST_VARIANT[extension])
        self.data = self.files[0]  # a representative file, for the minimum pipeline
        self.counter = 0
        self.stored: list[int] = []
        self.lock = threading.Lock()

    def next(self) -> tuple[bytes, str]:
        with self.lock:
            if self.counter == len(self.files):
                raise RuntimeError(
                    f"all {len(self.files)} prepared .{self.extension} files are used"
                )
            self.counter += 1
            n = self.counter
        return self.files[n - 1], f"bench-{n}.{self.extension}"

    def send(self, client: Client) -> Answer:
        """Upload the next file; it must be stored (201)."""
        answer = client.upload(*self.next())
        if answer.status != 201:
            raise RuntimeError(f"upload refused: {answer.status} {answer.body[:300]!r}")
        with self.lock:
            self.stored.append(json.loads(answer.body)["id"])
        return answer

    def clear(self, client: Client) -> None:
        """Delete every photo uploaded from here, and start over with the first file."""
        with self.lock:
            stored, self.stored = self.stored, []
            self.counter = 0
        for image_id in stored:
            status = client.request("DELETE", f"/api/images/{image_id}").status
            if status != 204:
                raise RuntimeError(f"could not delete photo {image_id}: {status}")

    def rewind(self) -> None:
        """Start over, for another server with a gallery of its own."""
        with self.lock:
            self.counter = 0
            self.stored = []


def side_by_side(server: Server, uploads: Uploads, runs: int) -> dict:
    """Sequential uploads (one in flight), each beside the minimum pipeline on the same bytes."""
    client = Client(server.url)
    server_ms, client_ms, minimum_ms = [], [], []
    stages: dict[str, list[float]] = {}
    for _ in range(runs):
        start = time.perf_counter()
        floor.minimum_pillow(uploads.files[uploads.counter])  # the file sent next
        minimum_ms.append((time.perf_counter() - start) * 1000)
        answer = uploads.send(client)
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
        "stages_ms": {
            stage: statistics.median(values) for stage, values in stages.items() if stage != "app"
        },
        "runs": runs,
    }


def at_concurrency(server: Server, uploads: Uploads, concurrency: int, total: int) -> dict:
    """`total` uploads, `concurrency` at a time, each on a connection of its own."""

    def one(_):
        client = Client(server.url)
        try:
            return uploads.send(client).seconds * 1000
        finally:
            client.close()

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        latencies = list(pool.map(one, range(total)))
    return level(concurrency, latencies, time.perf_counter() - start)


def level(concurrency: int, latencies: list[float], wall_s: float) -> dict:
    return {
        "concurrency": concurrency,
        "images_per_s": len(latencies) / wall_s,
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "n": len(latencies),
        "latencies_ms": latencies,
        "wall_s": wall_s,
    }


def scaling(server: Server, uploads: Uploads, per_turn: int, rounds: int) -> dict:
    """Two uploads at a time over one, in `rounds` rounds; in each, the minimum pipeline in two
    processes over one too: what two cores of this machine can do at that moment.

    A round is four short turns in alternating order (1, 2 then 2, 1), so a slow stretch of a
    shared machine weighs on both sides of a ratio; the ratio of each round is kept, and the
    median of the rounds is the figure, with the lowest and highest beside it. Every upload of
    a turn is deleted after it (not timed), so each turn sends the same files."""
    cleaner = Client(server.url)
    turns: dict[int, list[dict]] = {1: [], 2: []}
    service, limit = [], []
    with floor.Processes(1, uploads.files) as one, floor.Processes(2, uploads.files) as two:
        for r in range(rounds):
            done = {}
            for c in (1, 2) if r % 2 == 0 else (2, 1):
                done[c] = at_concurrency(server, uploads, c, per_turn)
                uploads.clear(cleaner)
                turns[c].append(done[c])
            pools = (one, two) if r % 2 == 0 else (two, one)
            rates = {pool.workers: pool.per_second(per_turn) for pool in pools}
            service.append(done[2]["images_per_s"] / done[1]["images_per_s"])
            limit.append(rates[2] / rates[1])
    cleaner.close()
    pooled = [
        level(
            c,
            [ms for turn in mine for ms in turn["latencies_ms"]],
            sum(turn["wall_s"] for turn in mine),
        )
        for c, mine in turns.items()
    ]
    return {
        "levels": pooled,
        "service": spread(service),
        "limit": spread(limit),
        "of_limit": spread([a / b for a, b in zip(service, limit, strict=False)]),
    }


def gallery_under_load(server: Server, uploads: Uploads, rounds: int = LOAD_ROUNDS) -> dict:
    """The gallery page's latency idle, then while two visitors upload photo after photo (two
    uploads always in flight): `rounds` idle and busy windows in turns, each set of
    latencies pooled. Each uploader deletes its photo after it, so a few files go round."""
    client = Client(server.url)

    def visit() -> float:  # paced like people browsing, over many uploads' time
        answer = client.request("GET", "/")
        if answer.status != 200:
            raise RuntimeError(f"the gallery answered {answer.status}")
        time.sleep(PAUSE_S)
        return answer.seconds * 1000

    half = len(uploads.files) // 2
    loaders = [
        Uploads(uploads.extension, 0, files=uploads.files[:half]),
        Uploads(uploads.extension, 0, files=uploads.files[half:]),
    ]
    idle, busy, ratios, sent = [], [], [], [0]

    def upload_until(stop: threading.Event, mine: Uploads) -> None:
        uploader = Client(server.url)
        while not stop.is_set():
            mine.send(uploader)
            mine.clear(uploader)
            sent[0] += 1
        uploader.close()

    for _ in range(rounds):
        calm = [visit() for _ in range(IDLE_VISITS)]
        stop = threading.Event()
        with ThreadPoolExecutor(2) as pool:
            running = [pool.submit(upload_until, stop, mine) for mine in loaders]
            time.sleep(0.5)  # both uploads are in flight
            loaded = [visit() for _ in range(BUSY_VISITS)]
            stop.set()
            for future in running:
                future.result()  # a refused upload fails the benchmark here
        idle += calm
        busy += loaded
        ratios.append(percentile(loaded, 99) / percentile(calm, 99))
    client.close()
    return {
        "idle_p50_ms": percentile(idle, 50),
        "idle_p99_ms": percentile(idle, 99),
        "busy_p50_ms": percentile(busy, 50),
        "busy_p99_ms": percentile(busy, 99),
        "ratio": percentile(busy, 99) / percentile(idle, 99),
        "rounds": spread(ratios),
        "uploads_during": sent[0],
        "idle_n": len(idle),
        "busy_n": len(busy),
    }


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
    return {
        "file_mb": len(data) / 1e6,
        "status": answer.status,
        "seconds": answer.seconds,
        "peak_rss_mb": max(peaks.values()),
        "rss_growth_mb": growth,
    }


def over_limit(server: Server, body_mb: int = 150) -> dict:
    """A body over the limit: how much of it the server read before it answered 413."""
    payload = b"\0" * (1024 * 1024)
    body_len = body_mb * 1024 * 1024
    head, content_type = multipart(b"", "huge.jpg")
    request = (
        f"POST /api/images HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        f"Authorization: {server.headers['Authorization']}\r\n"
        f"Content-Type: {content_type}\r\nContent-Length: {body_len}\r\n\r\n"
    ).encode()
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
    return {
        "body_mb": body_mb,
        "sent_mb": sent / 1024 / 1024,
        "status": status,
        "seconds": time.perf_counter() - start,
    }


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


def run(workdir: Path, *, runs: int, per_level: int, log=print) -> dict:
    log("  making the test images (12 MP JPEG, 12 MP HEIC, 3 MP PNG, ~95 MB JPEG)")
    heic_runs, png_runs = max(3, runs // 3), max(3, runs // 2)
    jpeg = Uploads("jpg", max(1 + runs, per_level))
    heic = Uploads("heic", 1 + heic_runs)
    png = Uploads("png", 1 + png_runs)
    large = images.large_jpeg(95_000_000)
    results: dict = {
        "jpeg_mb": len(jpeg.data) / 1e6,
        "heic_mb": len(heic.data) / 1e6,
        "png_mb": len(png.data) / 1e6,
    }
    with Server(workdir / "ingest", workers=2) as server:
        api = Client(server.url)
        for uploads in (jpeg, heic, png):
            # Steady state, as a server that has been up a while: every file once through both
            # workers (imports, caches, the allocator's free memory), then deleted.
            at_concurrency(server, uploads, 2, len(uploads.files))
            uploads.clear(api)
        for uploads in (heic, png):
            uploads.send(api)  # the gallery has photos of every kind while it is timed
        log("  side by side: upload vs minimum pipeline")
        results["jpeg"] = side_by_side(server, jpeg, runs)
        results["heic"] = side_by_side(server, heic, heic_runs)
        results["png"] = side_by_side(server, png, png_runs)
        results["cache"] = cache_headers(server)
        jpeg.clear(api)
        log(
            f"  concurrency 1 and 2 in turns, {ROUNDS} rounds beside the minimum pipeline in 1 and "
            "2 processes; then 8"
        )
        results["scaling"] = scaling(server, jpeg, per_level, ROUNDS)
        results["levels"] = [
            *results["scaling"].pop("levels"),
            at_concurrency(server, jpeg, 8, per_level),
        ]
        jpeg.clear(api)
        log("  gallery while two uploads are in flight, idle and busy in turns")
        results["under_load"] = gallery_under_load(server, jpeg)
        results["peak_rss_per_worker_mb"] = max(
            rss_mb(pid, "VmHWM") for pid in server.worker_pids()
        )
        log("  large upload and over-limit refusal")
        api.close()
        results["large"] = large_upload(server, large)
        results["over_limit"] = over_limit(server)
    return results
