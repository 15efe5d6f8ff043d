"""The acceptance rules, as pure functions of facts already gathered. Each refuses by raising."""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta
from pathlib import PurePosixPath

from photoshelf.core.refusals import Refusal
from photoshelf.core.text import has_control, without_control

from .metadata import TakenAt

MAX_NAME_CHARS = 200


def clean_name(name: str | None, filename: str) -> str:
    """The image's display name: trimmed, NFC; the file name's stem when left empty.

    Any printable Unicode is welcome (it is always rendered escaped); control and
    formatting characters (NUL, newlines, bidi overrides) would make names lie, so they refuse.
    """
    text = unicodedata.normalize("NFC", (name or "").strip())
    if not text:
        text = PurePosixPath(filename).stem.strip() or filename.strip() or "Untitled"
        text = without_control(text)
        return text[:MAX_NAME_CHARS]
    if len(text) > MAX_NAME_CHARS:
        raise Refusal(
            "invalid-name",
            f"The name is {len(text)} characters long; at most {MAX_NAME_CHARS} are allowed.",
            {"max_length": MAX_NAME_CHARS},
        )
    if has_control(text):
        raise Refusal(
            "invalid-name",
            "The name contains control or formatting characters (such as line breaks).",
            {"max_length": MAX_NAME_CHARS},
        )
    return text


def check_taken_at(
    taken_at: TakenAt | None, *, require: bool, max_age_days: int, now: datetime
) -> None:
    """Refuse a photo without a date taken (when required), or taken more than max_age_days ago.

    The two rules are independent settings: PHOTOSHELF_REQUIRE_TAKEN_AT=false admits photos
    without a date, while a photo that has one is still held to PHOTOSHELF_MAX_AGE_DAYS (0: off).
    """
    if taken_at is None:
        if not require:
            return
        raise Refusal(
            "taken-at-missing",
            "The photo has no date taken in its EXIF metadata (DateTimeOriginal or "
            "DateTimeDigitized), so it cannot be accepted.",
        )
    if max_age_days <= 0:
        return
    oldest = now - timedelta(days=max_age_days)
    if taken_at.utc < oldest:
        found = taken_at.local.date().isoformat()
        raise Refusal(
            "taken-at-too-old",
            f"The photo was taken on {found}; only photos taken in the last "
            f"{max_age_days} days (since {oldest.date().isoformat()}) are accepted.",
            {
                "taken_at": taken_at.local.isoformat() + taken_at.offset_text,
                "max_age_days": max_age_days,
                "oldest_allowed": oldest.date().isoformat(),
            },
        )
