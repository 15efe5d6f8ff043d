"""The processing steps every file goes through, in one order: decode → metadata → policy →
renditions → fingerprint. Uploads and imports run them all; the repair of missing renditions
runs them without the date rules; the fingerprint backfill runs the last one on stored thumbnails.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PIL import Image

from . import decode, metadata, motion, policy, renditions
from .fingerprint import perceptual_hash


@dataclass(frozen=True)
class DateRules:
    """The date-taken rules of an upload (PHOTOSHELF_REQUIRE_TAKEN_AT, PHOTOSHELF_MAX_AGE_DAYS)."""

    require: bool
    max_age_days: int
    now: datetime


@dataclass(frozen=True)
class Processed:
    opened: decode.Opened  # its image is closed by now; format and content type stay
    facts: metadata.Metadata
    made: list[renditions.Rendition]  # largest first: the last is the thumbnail
    fingerprint: int
    motion_video: motion.Video | None = None  # a motion photo's embedded MP4


def process(
    path: Path,
    *,
    name: str,
    max_pixels: int,
    rules: DateRules | None,
    checked: threading.Event | None = None,
) -> Processed:
    """Every step on the file at `path`, or a Refusal from the first that refuses it.

    `rules` None: no date rules (the file was accepted once). `checked` is set as soon as the
    rules have passed and only the pixel work remains."""
    opened = decode.open_image(path, max_pixels=max_pixels)
    with opened.image:
        facts = metadata.read_metadata(opened.image, name=name)
        if rules is not None:
            policy.check_taken_at(
                facts.taken_at,
                require=rules.require,
                max_age_days=rules.max_age_days,
                now=rules.now,
            )
        if checked is not None:
            checked.set()
        made = renditions.render(opened, facts.orientation, name=name)
        video = None
        if opened.format in {"JPEG", "MPO"}:
            video = motion.find_video(path, opened.image.info.get("xmp"), name=name)
    return Processed(opened, facts, made, fingerprint(made[-1].pixels), video)


def fingerprint(thumbnail: Image.Image) -> int:
    """The perceptual hash near-duplicates compare: of the thumbnail's displayed pixels (already
    small), as made by renditions.render() before JPEG encoding, or as stored."""
    return perceptual_hash(thumbnail)
