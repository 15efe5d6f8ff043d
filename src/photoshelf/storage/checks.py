"""Start-up checks of the storage settings (Django system checks, run by `serve` and `migrate`),
so a mistyped PHOTOSHELF_STORAGE_URL stops the server with a hint instead of failing uploads."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.checks import Error, Warning, register

_S3_URL = re.compile(r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")  # "s3:", "gs:", "file:": a URL, not a path


@register()
def check_storage_settings(app_configs=None, **kwargs) -> list:
    url = settings.PHOTOSHELF_STORAGE_URL
    problems = []
    if _SCHEME.match(url) and not url.startswith(("s3://", "file://")):
        problems.append(
            Error(
                f"PHOTOSHELF_STORAGE_URL {url!r} names an unknown kind of storage.",
                hint="Use a folder path, file:///folder, or s3://bucket/prefix.",
                id="photoshelf.E001",
            )
        )
    elif url.startswith("s3://") and not _S3_URL.match(url):
        problems.append(
            Error(
                f"PHOTOSHELF_STORAGE_URL {url!r} does not name a valid S3 bucket.",
                hint="s3://bucket/prefix: 3-63 lower-case letters, digits, dots and hyphens.",
                id="photoshelf.E002",
            )
        )
    if settings.PHOTOSHELF_S3_PRESIGN and not url.startswith("s3://"):
        problems.append(
            Warning(
                "PHOTOSHELF_S3_PRESIGN is on but the storage is a local folder: it has no effect.",
                id="photoshelf.W001",
            )
        )
    return problems
