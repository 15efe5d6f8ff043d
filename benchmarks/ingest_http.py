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
from .serving import Client, Server, multipart, reset_peak, rss_mb


PAUSE_S = 0.02  # between two gallery requests of one visitor


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class Uploads:
    """Unique variants of one picture, numbered across the whole run."""

    def __init__(self, data: bytes, extension: str) -> None:
        self.data, self.extension = data, extension
        self.counter = 0
        self.lock = threading.Lock()

    def next(self) -> tuple[bytes, str]:
        with self.lock:
            self.counter += 1
            n = self.counter
        return images.unique(self.data, n), f"bench-{n}.{self.extension}"


def side_by_side(server: Server, uploads: Uploads, runs: int) -> dict:
    """Sequential uploads (one in flight), each beside the minimum pipeline on the same bytes."""
    client = Client(server.url)
    server_ms, client_ms, minimum_ms = [], [], []
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
    client.close()
    return {
        "server_ms": statistics.median(server_ms),
        "client_ms": statistics.median(client_ms),
        "minimum_ms": statistics.median(minimum_ms),
        "ratio": statistics.median(server_ms) / statistics.median(minimum_ms),
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
    wall = time.perf_counter() - start
    return {"concurrency": concurrency, "images_per_s": total / wall,
            "p50_ms": percentile(latencies, 50), "p99_ms": percentile(latencies, 99), "n": total}


def gallery_under_load(server: Server, uploads: Uploads, requests: int) -> dict:
    """The gallery page's latency idle, then with two uploads always in flight."""
    client = Client(server.url)

    def sample() -> list[float]:
        times = []
        for _ in range(requests):  # paced like people browsing, over many uploads' time
            answer = client.request("GET", "/")
            times.append(answer.seconds * 1000)
            time.sleep(PAUSE_S)
        return times

    idle = sample()
    stop = threading.Event()
    done = [0]

    def keep_uploading():
        uploader = Client(server.url)
        while not stop.is_set():
            data, name = uploads.next()
            uploader.upload(data, name)
            done[0] += 1
        uploader.close()

    loaders = [threading.Thread(target=keep_uploading) for _ in range(2)]
    for loader in loaders:
        loader.start()
    time.sleep(0.5)  # both uploads are in flight
    busy = sample()
    stop.set()
    for loader in loaders:
        loader.join()
    client.close()
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
    client.conn.request("GET", "/")
    page = client.conn.getresponse()
    html = page.read().decode()
    css = re.search(r'href="(/static/[^"]+\.css)"', html).group(1)
    thumb = re.search(r'src="(/images/\d+/thumbnail)"', html).group(1)
    found = {"page": page.getheader("Cache-Control") or ""}
    for label, path in (("static", css), ("thumbnail", thumb)):
        client.conn.request("GET", path)
        response = client.conn.getresponse()
        response.read()
        found[label] = response.getheader("Cache-Control") or ""
    client.close()
    return found


def run(workdir: Path, *, runs: int, per_level: int, log=print) -> dict:
    log("  making the test images (12 MP JPEG, 12 MP HEIC, 3 MP PNG, ~95 MB JPEG)")
    jpeg = Uploads(images.camera_jpeg(), "jpg")
    heic = Uploads(images.camera_heic(), "heic")
    png = Uploads(images.screenshot_png(), "png")
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
        results["heic"] = side_by_side(server, heic, max(3, runs // 3))
        results["png"] = side_by_side(server, png, max(3, runs // 2))
        results["cache"] = cache_headers(server)
        log("  concurrency 1, 2, 8")
        results["levels"] = [at_concurrency(server, jpeg, c, per_level) for c in (1, 2, 8)]
        log("  gallery while two uploads are in flight")
        results["under_load"] = gallery_under_load(server, jpeg, requests=300)
        results["peak_rss_per_worker_mb"] = max(rss_mb(pid, "VmHWM") for pid in server.worker_pids())
        log("  large upload and over-limit refusal")
        results["large"] = large_upload(server, large)
        results["over_limit"] = over_limit(server)
    return results
