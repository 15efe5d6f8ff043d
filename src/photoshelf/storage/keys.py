"""Storage keys: content-addressed by SHA-256, so a name typed by a person never reaches a path."""

from __future__ import annotations

import re

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_EXTENSION = re.compile(r"^[a-z0-9]{1,8}$")
_KEY_SHA256 = re.compile(r"^(?:originals|renditions)/[0-9a-f]{2}/[0-9a-f]{2}/([0-9a-f]{64})[./]")


def _fanout(sha256: str) -> str:
    if not _SHA256.match(sha256):
        raise ValueError("not a hex SHA-256")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


def original_key(sha256: str, extension: str) -> str:
    if not _EXTENSION.match(extension):
        raise ValueError(f"bad extension {extension!r}")
    return f"originals/{_fanout(sha256)}.{extension}"


def rendition_key(sha256: str, size_name: str, extension: str) -> str:
    return f"renditions/{_fanout(sha256)}/{size_name}.{extension}"


def sha256_of(key: str) -> str | None:
    """The SHA-256 a key of this module belongs to, or None for any other key."""
    match = _KEY_SHA256.match(key)
    return match.group(1) if match else None
