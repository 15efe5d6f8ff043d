"""What counts as a control character in text a person gave us (names, file names)."""

from __future__ import annotations

import unicodedata


def is_control(ch: str) -> bool:
    """Unicode's C categories: controls (NUL, newlines), format (bidi overrides), unassigned."""
    return unicodedata.category(ch)[0] == "C"


def without_control(text: str) -> str:
    return "".join(ch for ch in text if not is_control(ch))


def has_control(text: str) -> bool:
    return any(is_control(ch) for ch in text)
