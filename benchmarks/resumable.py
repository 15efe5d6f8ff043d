"""Resumable uploads: a ~100 MB photo through tus in 5 MB chunks beside one multipart POST of
it, to the same `photoshelf serve --workers 2` (local storage), interleaved, each with its
workers' peak RSS; and, on an S3-protocol server (moto), the two ways to keep an unfinished
upload's bytes in a bucket: chunks as objects, or the parts of an S3 multipart upload.

With `--large` (and in `make bench-full`), also 1 GiB in 5 MB chunks, to local storage and to
a bucket: the workers' peak RSS, and the most the data folder and the bucket held meanwhile.

`python -m benchmarks resumable [--rounds N] [--large] [--write-docs]`; `make bench` runs it
too.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import logging
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from . import docs, images
from .serving import Client, Server, reset_peak, rss_mb

MB = 1024 * 1024
CHUNK = 5 * MB
FILE_BYTES = 100_000_000
LARGE_BYTES = 1024 * MB  # 1 GiB: a camera JPEG with bytes after its end, sent through tus
SAMPLE_SECONDS = 0.2
MAX_TUS_RATIO = 1.15  # tus time / multipart POST time, the same file size


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def peak_of(server: Server, action) -> tuple[tuple[float, int], float]:
    pids = server.worker_pids()
    for pid in pids:
        reset_peak(pid)
    result = action()
    return result, max(rss_mb(pid, "VmHWM") for pid in pids)


def post(server: Server, data: bytes) -> tuple[float, int]:
    client = Client(server.url)
    start = time.perf_counter()
    answer = client.upload(data, "large.jpg")
    seconds = time.perf_counter() - start
    client.close()
    assert answer.status == 201, answer.body[:300]
    return seconds, answer.status


def tus(server: Server, data: bytes) -> tuple[float, int]:
    """Create, then PATCH 5 MB at a time on one keep-alive connection (as tus clients do)."""
    client = Client(server.url)
    base = {"Tus-Resumable": "1.0.0"}
    start = time.perf_counter()
    created = client.request("POST", "/api/uploads", b"", {**base, "Upload-Length": str(len(data))})
    assert created.status == 201, created.body[:300]
    location = created.headers["Location"]
    offset, answer = 0, created
    while offset < len(data):
        answer = client.request(
            "PATCH",
            location,
            data[offset : offset + CHUNK],
            {
                **base,
                "Upload-Offset": str(offset),
                "Content-Type": "application/offset+octet-stream",
            },
        )
        assert answer.status == 204, answer.body[:300]
        offset = int(answer.headers["Upload-Offset"])
    seconds = time.perf_counter() - start
    client.close()
    assert "Photoshelf-Image-Id" in answer.headers
    return seconds, answer.status


def over_http(workdir: Path, rounds: int) -> dict:
    log(f"  making {2 * rounds} distinct ~100 MB JPEGs")
    files = [images.large_jpeg(FILE_BYTES, variant=9000 + i) for i in range(2 * rounds)]
    env = {"PHOTOSHELF_MAX_UPLOAD_MB": "200", "PHOTOSHELF_NEAR_DUPLICATE_DISTANCE": "-1"}
    found: dict = {"post_s": [], "tus_s": [], "post_rss": [], "tus_rss": []}
    with Server(workdir / "resumable", workers=2, env=env) as server:
        # Warm up both paths once with a small file each (imports, first connections).
        post(server, images.camera_jpeg())
        tus(server, images.camera_jpeg(variant=1))
        for i in range(rounds):
            order = [("post", post), ("tus", tus)]
            if i % 2:
                order.reverse()  # interleaved, each first in turn
            for name, send in order:
                data = files.pop()
                (seconds, _status), peak = peak_of(server, lambda s=send, d=data: s(server, d))
                found[f"{name}_s"].append(seconds)
                found[f"{name}_rss"].append(peak)
                log(f"  {name}: {seconds:.2f} s, peak RSS {peak:.0f} MB")
    found["file_mb"] = FILE_BYTES / 1e6
    found["ratio"] = statistics.median(found["tus_s"]) / statistics.median(found["post_s"])
    return found


def s3_layouts(rounds: int) -> dict | None:
    """100 MB kept as 5 MB chunks in a bucket, then read back in order into one file and
    stored at its final key: as objects (put, get, put the original) or as a multipart upload
    (upload_part, complete, get, copy to the final key). moto's server, over real HTTP."""
    try:
        import boto3  # noqa: F401  (moto_server() needs both)
        import moto.server  # noqa: F401
    except ImportError:
        return None
    with moto_server() as (s3, _):
        bucket = "bench"
        s3.create_bucket(Bucket=bucket)
        data = os.urandom(20 * CHUNK)
        chunks = [data[i : i + CHUNK] for i in range(0, len(data), CHUNK)]
        found: dict[str, list[float]] = {"objects_s": [], "multipart_s": []}
        for _ in range(rounds):
            for name, way in (("objects", _as_objects), ("multipart", _as_multipart)):
                with tempfile.TemporaryFile() as spool:
                    start = time.perf_counter()
                    way(s3, bucket, chunks, spool)
                    found[f"{name}_s"].append(time.perf_counter() - start)
                    spool.seek(0)
                    assert hashlib.sha256(spool.read()).digest() == hashlib.sha256(data).digest()
        return found


def _read_into(body, spool) -> None:
    while block := body.read(MB):
        spool.write(block)


def _as_objects(s3, bucket: str, chunks: list[bytes], spool) -> None:
    token = uuid.uuid4().hex
    keys = [f"uploads/{token}/{i:015d}" for i in range(len(chunks))]
    for key, chunk in zip(keys, chunks, strict=True):
        s3.put_object(Bucket=bucket, Key=key, Body=chunk)
    for key in keys:
        _read_into(s3.get_object(Bucket=bucket, Key=key)["Body"], spool)
    spool.seek(0)
    s3.upload_fileobj(spool, bucket, f"originals/{token}.jpg")
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": key} for key in keys]})


def _as_multipart(s3, bucket: str, chunks: list[bytes], spool) -> None:
    token = uuid.uuid4().hex
    key = f"uploads/{token}"
    upload = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    parts = []
    for number, chunk in enumerate(chunks, start=1):
        etag = s3.upload_part(
            Bucket=bucket, Key=key, UploadId=upload, PartNumber=number, Body=chunk
        )["ETag"]
        parts.append({"ETag": etag, "PartNumber": number})
    s3.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=upload, MultipartUpload={"Parts": parts}
    )
    _read_into(s3.get_object(Bucket=bucket, Key=key)["Body"], spool)
    s3.copy({"Bucket": bucket, "Key": key}, bucket, f"originals/{token}.jpg")
    s3.delete_object(Bucket=bucket, Key=key)


class Peak:
    """The highest value `measure()` gave, sampled every SAMPLE_SECONDS in a thread."""

    def __init__(self, measure: Callable[[], int]) -> None:
        self.measure, self.highest = measure, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.highest = max(self.highest, self.measure())
            self._stop.wait(SAMPLE_SECONDS)

    def __enter__(self) -> Peak:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.highest = max(self.highest, self.measure())


def disk_bytes(folder: Path) -> int:
    """What the files under folder take on the disk (allocated blocks, as du counts)."""
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(FileNotFoundError):  # removed between listing and looking
                total += os.lstat(os.path.join(root, name)).st_blocks * 512
    return total


def bucket_bytes(s3, bucket: str) -> int:
    """The bytes of every object in the bucket and of every part of an unfinished multipart
    upload (boto3 stores a large original as one)."""
    total = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        total += sum(entry["Size"] for entry in page.get("Contents", []))
    for upload in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []):
        parts = s3.list_parts(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
        total += sum(part["Size"] for part in parts.get("Parts", []))
    return total


def padded_jpeg(size: int) -> bytes:
    """A camera JPEG followed by random bytes to `size` (decoders stop at its end)."""
    photo = images.camera_jpeg(variant=int.from_bytes(os.urandom(2), "big"))
    return photo + os.urandom(size - len(photo))


def large(workdir: Path, storage: str) -> dict:
    """1 GiB through tus in 5 MB chunks to one server (local storage, or a bucket of moto's S3
    server): the time, the workers' peak RSS, and the most the data folder and the bucket
    held above what they held before."""
    data = padded_jpeg(LARGE_BYTES)
    env = {"PHOTOSHELF_MAX_UPLOAD_MB": str(2 * LARGE_BYTES // MB)}
    env["PHOTOSHELF_NEAR_DUPLICATE_DISTANCE"] = "-1"
    with contextlib.ExitStack() as stack:
        s3, bucket = None, "large"
        if storage == "s3":
            s3, endpoint = stack.enter_context(moto_server())
            s3.create_bucket(Bucket=bucket)
            env |= {"PHOTOSHELF_STORAGE_URL": f"s3://{bucket}/media"}
            env |= {"PHOTOSHELF_S3_ENDPOINT_URL": endpoint}
        folder = workdir / f"large-{storage}"
        server = stack.enter_context(Server(folder, workers=2, env=env))
        tus(server, images.camera_jpeg(variant=2))  # warm up
        idle = max(rss_mb(pid) for pid in server.worker_pids())
        disk_before = disk_bytes(folder)
        in_bucket_before = bucket_bytes(s3, bucket) if s3 is not None else 0
        with Peak(lambda: disk_bytes(folder)) as disk:
            if s3 is not None:
                with Peak(lambda: bucket_bytes(s3, bucket)) as in_bucket:
                    (seconds, _), rss = peak_of(server, lambda: tus(server, data))
                bucket_peak = in_bucket.highest - in_bucket_before
            else:
                (seconds, _), rss = peak_of(server, lambda: tus(server, data))
                bucket_peak = None
        found = {
            "storage": storage,
            "seconds": seconds,
            "rss": rss,
            "idle_rss": idle,
            "disk_peak": disk.highest - disk_before,
            "bucket_peak": bucket_peak,
            "file_bytes": len(data),
        }
    log(f"  1 GiB, {storage}: {seconds:.1f} s, peak RSS {rss:.0f} MB, {found}")
    return found


@contextlib.contextmanager
def moto_server():
    """moto's S3 server on a free port, and a client of it: (client, endpoint URL)."""
    import boto3
    from moto.server import ThreadedMotoServer

    from .serving import free_port

    os.environ.update(
        AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1"
    )
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request otherwise
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        yield boto3.client("s3", endpoint_url=endpoint), endpoint
    finally:
        server.stop()


def large_table(http: dict, runs: list[dict]) -> str:
    gib = LARGE_BYTES / (1024 * MB)
    lines = [
        "| tus in 5 MB chunks | client time | peak RSS of a worker (before: warmed up, idle) "
        "| data folder, most held | bucket, most held |",
        "| --- | ---: | ---: | ---: | ---: |",
        f"| ~{http['file_mb']:.0f} MB JPEG, local storage (the table above) "
        f"| {statistics.median(http['tus_s']):.2f} s | {max(http['tus_rss']):.0f} MB | | |",
    ]
    for run in runs:
        bucket = run["bucket_peak"]
        lines.append(
            f"| {gib:.0f} GiB (a JPEG and random bytes after it), {run['storage']} storage "
            f"| {run['seconds']:.1f} s | {run['rss']:.0f} MB ({run['idle_rss']:.0f} MB) "
            f"| {run['disk_peak'] / MB:,.0f} MiB ({run['disk_peak'] / run['file_bytes']:.2f}× "
            "the file) | "
            + (
                ""
                if bucket is None
                else f"{bucket / MB:,.0f} MiB ({bucket / run['file_bytes']:.2f}×)"
            )
            + " |"
        )
    lines += ["", load_line()]
    return "\n".join(lines)


def load_line() -> str:
    """The machine's load at the end of the run: a busy machine's ratios are less sure."""
    return (
        f"(Load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end of the run.)"
    )


def table(http: dict, s3: dict | None) -> str:
    median = statistics.median
    lines = [
        "| measured | multipart POST | tus, 5 MB chunks | tus / POST | target |",
        "| --- | ---: | ---: | ---: | --- |",
        f"| ~{http['file_mb']:.0f} MB JPEG, client time, median of {len(http['post_s'])} "
        f"| {median(http['post_s']):.2f} s | {median(http['tus_s']):.2f} s "
        f"| {http['ratio']:.2f}× | ≤ {MAX_TUS_RATIO}× "
        f"({'met' if http['ratio'] <= MAX_TUS_RATIO else '**not met**'}) |",
        f"| peak RSS of a worker, highest | {max(http['post_rss']):.0f} MB "
        f"| {max(http['tus_rss']):.0f} MB "
        f"| {max(http['tus_rss']) / max(http['post_rss']):.2f}× | |",
    ]
    if s3 is not None:
        objects, multipart = median(s3["objects_s"]), median(s3["multipart_s"])
        lines += [
            "",
            "| 100 MB in 20 chunks of 5 MB, on moto's S3 server: store, read back, store at "
            "the final key | chunks as objects | S3 multipart upload | multipart / objects |",
            "| --- | ---: | ---: | ---: |",
            f"| median of {len(s3['objects_s'])} | {objects:.2f} s | {multipart:.2f} s "
            f"| {multipart / objects:.2f}× |",
        ]
    lines += ["", load_line()]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks resumable", description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="uploads of each kind")
    parser.add_argument("--large", action="store_true", help="also 1 GiB in 5 MB chunks")
    parser.add_argument("--write-docs", action="store_true", help="write docs/benchmarks.md")
    args = parser.parse_args()
    log("resumable uploads: tus in 5 MB chunks beside one multipart POST")
    with tempfile.TemporaryDirectory(prefix="photoshelf-bench-") as tmp:
        http = over_http(Path(tmp), args.rounds)
    log("resumable uploads on S3: chunks as objects beside a multipart upload")
    s3 = s3_layouts(args.rounds)
    text = table(http, s3)
    print(text)
    if args.write_docs:
        docs.write_between("resumable", text)
    if args.large:
        log("resumable uploads: 1 GiB in 5 MB chunks, local storage and a bucket")
        with tempfile.TemporaryDirectory(prefix="photoshelf-bench-") as tmp:
            runs = [large(Path(tmp), storage) for storage in ("local", "s3")]
        text = large_table(http, runs)
        print(text)
        if args.write_docs:
            docs.write_between("resumable-large", text)


if __name__ == "__main__":
    main()
