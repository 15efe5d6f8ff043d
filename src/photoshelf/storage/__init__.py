"""Where stored bytes live: a small protocol (put/open/delete/exists/keys) and its backends.

The rest of photoshelf speaks only this protocol and the keys of keys.py; which backend is used
is decided once, from settings, by get_storage().
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.conf import settings

from .base import Storage, StorageFull, StorageUnavailable, write_failed
from .local import LocalStorage


@cache
def get_storage() -> Storage:
    """The backend PHOTOSHELF_STORAGE_URL names: s3://bucket/prefix, else a local folder."""
    url = settings.PHOTOSHELF_STORAGE_URL
    if url.startswith("s3://"):
        from .s3 import S3Storage  # boto3 is slow to import: only S3 sites pay for it

        return S3Storage.from_url(
            url,
            endpoint_url=settings.PHOTOSHELF_S3_ENDPOINT_URL or None,
            presign=settings.PHOTOSHELF_S3_PRESIGN,
        )
    return LocalStorage(Path(url.removeprefix("file://") or settings.MEDIA_DIR))


__all__ = ["Storage", "StorageFull", "StorageUnavailable", "get_storage", "write_failed"]
