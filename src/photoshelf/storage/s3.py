"""S3-compatible storage (AWS, MinIO, Ceph, ...) through boto3: one bucket, keys under a prefix.

A PUT is atomic in S3 (readers see the whole object or none), so no temporary names are needed.
Every failure to reach or use the bucket becomes StorageUnavailable; a missing key is
FileNotFoundError, as on local disk.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

import boto3
from boto3.exceptions import Boto3Error
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from .base import Live, StorageUnavailable

CONNECT_TIMEOUT_SECONDS = 5
READ_TIMEOUT_SECONDS = 30
MAX_ATTEMPTS = 2  # one retry: a flaky network is retried, a dead server answers 503 quickly
PRESIGNED_URL_SECONDS = 300
_MISSING = {"NoSuchKey", "404", "NotFound"}


class S3Storage:
    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        presign: bool = False,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.presign = presign
        config = Config(
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            read_timeout=READ_TIMEOUT_SECONDS,
            retries={"max_attempts": MAX_ATTEMPTS, "mode": "standard"},
            signature_version="s3v4",  # what AWS and MinIO expect, presigned URLs included
            # Path-style addressing: MinIO and most self-hosted servers have no per-bucket DNS.
            s3={"addressing_style": "path"} if endpoint_url else {},
        )
        with _SESSION_LOCK:  # a boto3 session may not make clients in two threads at once
            self.client = _session().client("s3", endpoint_url=endpoint_url, config=config)

    @classmethod
    def from_url(cls, url: str, **options) -> S3Storage:
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError(f"not an s3://bucket/prefix URL: {url!r}")
        return cls(parts.netloc, parts.path, **options)

    def _key(self, key: str) -> str:
        if not key or key.startswith("/") or ".." in key.split("/"):
            raise ValueError(f"bad storage key {key!r}")
        return self.prefix + key

    def put_file(self, key: str, path: Path, *, spooled: bool = False, tag: str = "") -> None:
        with _failures(key):
            self.client.upload_file(str(path), self.bucket, self._key(key))

    def put_bytes(self, key: str, data: bytes, *, tag: str = "") -> None:
        with _failures(key):
            self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)

    def open(self, key: str) -> BinaryIO:
        with _failures(key):
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        return _ObjectStream(answer["Body"], key)

    def size(self, key: str) -> int:
        with _failures(key):
            return self.client.head_object(Bucket=self.bucket, Key=self._key(key))["ContentLength"]

    def modified(self, key: str) -> datetime:
        with _failures(key):
            return self.client.head_object(Bucket=self.bucket, Key=self._key(key))["LastModified"]

    def exists(self, key: str) -> bool:
        try:
            self.size(key)
        except FileNotFoundError:
            return False
        return True

    def delete(self, key: str) -> None:
        with _failures(key):
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def keys(self) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix
        )
        with _failures(self.prefix):
            for page in pages:
                for entry in page.get("Contents", []):
                    yield entry["Key"][len(self.prefix) :]

    def abandoned(self, older_than_s: float, live: Live = ()) -> list[str]:
        """The multipart uploads under the prefix untouched for `older_than_s`: boto3 puts a
        large file in parts, and a process killed midway leaves them, invisible among the
        keys yet stored (and billed) until aborted."""
        return [
            f"{key} (unfinished multipart upload, {size} bytes in parts)"
            for key, _upload_id, size in self._stale_multipart_uploads(older_than_s, live)
        ]

    def remove_abandoned(self, older_than_s: float, live: Live = ()) -> int:
        """Abort those multipart uploads (an object itself appears whole or not at all)."""
        removed = 0
        for key, upload_id, _size in self._stale_multipart_uploads(older_than_s, live):
            with _failures(key):
                self.client.abort_multipart_upload(
                    Bucket=self.bucket, Key=self._key(key), UploadId=upload_id
                )
            removed += 1
        return removed

    def _stale_multipart_uploads(
        self, older_than_s: float, live: Live
    ) -> Iterator[tuple[str, str, int]]:
        """(key, upload id, bytes in parts) of each multipart upload whose last part (or its
        start, with none) is older than `older_than_s` (a live writer adds a part every few
        seconds), but at a key of a `live` upload."""
        cutoff = datetime.now(UTC) - timedelta(seconds=older_than_s)
        kept = {self._key(key) for keys, _tag in live for key in keys}
        with _failures(self.prefix):
            pages = self.client.get_paginator("list_multipart_uploads").paginate(
                Bucket=self.bucket, Prefix=self.prefix
            )
            for page in pages:
                for upload in page.get("Uploads", []):
                    key, upload_id = upload["Key"], upload["UploadId"]
                    if key in kept:
                        continue
                    parts = [
                        part
                        for part_page in self.client.get_paginator("list_parts").paginate(
                            Bucket=self.bucket, Key=key, UploadId=upload_id
                        )
                        for part in part_page.get("Parts", [])
                    ]
                    touched = max([upload["Initiated"], *(p["LastModified"] for p in parts)])
                    if touched < cutoff:
                        size = sum(part["Size"] for part in parts)
                        yield key[len(self.prefix) :], upload_id, size

    def remove_incoming(self, keys: list[str], tag: str) -> int:
        """Nothing to do: no temporary objects (a multipart upload's parts are aborted by
        remove_abandoned)."""
        return 0

    def local_path(self, key: str) -> Path | None:
        return None

    def download_origin(self) -> str | None:
        if not self.presign:
            return None
        # Presigning is computed locally (no request): the origin of any such URL.
        parts = urlsplit(self.download_url("origin", content_type="", disposition=""))
        return f"{parts.scheme}://{parts.netloc}"

    def download_url(self, key: str, *, content_type: str, disposition: str) -> str | None:
        if not self.presign:
            return None
        # The bucket answers with the same headers the server would send itself.
        params = {
            "Bucket": self.bucket,
            "Key": self._key(key),
            "ResponseContentType": content_type,
            "ResponseContentDisposition": disposition,
        }
        with _failures(key):
            return self.client.generate_presigned_url(
                "get_object", Params=params, ExpiresIn=PRESIGNED_URL_SECONDS
            )


_SESSION_LOCK = threading.Lock()


@cache
def _session() -> boto3.session.Session:
    """One session per process: it reads the AWS_* variables and loads S3's API model once."""
    return boto3.session.Session()


class _ObjectStream(io.RawIOBase):
    """An object's body as a read-only file; a failure while streaming is StorageUnavailable."""

    def __init__(self, body, key: str) -> None:
        self._body = body
        self._key = key

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        with _failures(self._key):
            return self._body.read(None if size is None or size < 0 else size)

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._body.close()
        super().close()


@contextmanager
def _failures(key: str):
    try:
        yield
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in _MISSING:
            raise FileNotFoundError(key) from None
        raise StorageUnavailable(f"S3 refused {key}: {code or exc}") from exc
    except (BotoCoreError, Boto3Error) as exc:
        raise StorageUnavailable(f"S3 unreachable for {key}: {exc}") from exc
