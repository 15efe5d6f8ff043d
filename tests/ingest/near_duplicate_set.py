"""The labelled evaluation set of near-duplicates, built at test time from the corpus and Pillow.

Positives are pairs a person calls the same photo (re-encoded, converted, downscaled, stripped,
rotated by EXIF vs by pixels); negatives are pairs of distinct photos. Every fingerprint is made
the way an upload's is: decode, orientation, thumbnail, pHash (see `fingerprint_of`).
"""

from __future__ import annotations

import io
import itertools
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from photoshelf.core.refusals import Refusal
from photoshelf.ingest import decode, metadata, renditions
from photoshelf.ingest.fingerprint import hamming, perceptual_hash
from tests.factories import TAG_ORIENTATION, scene

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".tif", ".tiff", ".heic", ".heif"}
VARIANT_LONGEST_SIDE = 1024  # pixels: variants are made from the original capped at this size
SYNTHETIC_PHOTOS = 24

# Corpus files that are one photo saved several times (the orientation samples: the same
# picture with each EXIF orientation, its pixels stored accordingly). Pairs within a group are
# positives (rotated by EXIF vs by pixels, from real files); one file of each stands for it.
SAME_PHOTO_GROUPS = ("orientation/landscape_", "orientation/portrait_")
# One capture saved twice by the phone, normal and HDR tone-mapped: neither a distinct photo
# nor a plain re-encode, so it is left out of both sides and reported on its own.
SAME_CAPTURE = ("hdr/iphone_hdr_NO.jpg", "hdr/iphone_hdr_YES.jpg")


@dataclass(frozen=True)
class Pair:
    kind: str  # what makes the two the same photo, or "distinct"
    a: str
    b: str
    distance: int


def fingerprint_of(data: bytes) -> int:
    """The upload pipeline's fingerprint of encoded bytes: decode, orient, thumbnail, pHash."""
    with tempfile.NamedTemporaryFile(suffix=".img") as fh:
        fh.write(data)
        fh.flush()
        opened = decode.open_image(Path(fh.name), max_pixels=200_000_000)
        with opened.image:
            facts = metadata.read_metadata(opened.image)
            made = renditions.render(opened, facts.orientation)
    return perceptual_hash(made[-1].pixels)


def corpus_photos(corpus: Path) -> dict[str, bytes]:
    """Every corpus file the pipeline can decode, by its path under the corpus."""
    found = {}
    for path in sorted(corpus.rglob("*")):
        if path.suffix.lower() not in IMAGE_SUFFIXES or not path.is_file():
            continue
        data = path.read_bytes()
        try:
            fingerprint_of(data)
        except Refusal:  # the corpus's corrupt and truncated samples
            continue
        found[path.relative_to(corpus).as_posix()] = data
    return found


def _jpeg(image: Image.Image, quality: int, exif: Image.Exif | None = None) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


def _encode(image: Image.Image, fmt: str, exif: Image.Exif | None, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **({"exif": exif} if exif is not None else {}), **options)
    return out.getvalue()


def strip_jpeg_metadata(data: bytes) -> bytes:
    """The same JPEG bytes without APPn (EXIF, XMP, ICC) and COM segments: no re-encode."""
    out, pos = bytearray(data[:2]), 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker, length = data[pos + 1], int.from_bytes(data[pos + 2 : pos + 4], "big")
        if marker == 0xDA:  # start of scan: the rest is entropy-coded data
            break
        if not (0xE0 <= marker <= 0xEF or marker == 0xFE):
            out += data[pos : pos + 2 + length]
        pos += 2 + length
    return bytes(out + data[pos:])


@dataclass
class Decoded:
    """An original's stored pixels (capped at VARIANT_LONGEST_SIDE), as variants start from."""

    data: bytes
    format: str
    exif: Image.Exif
    orientation: int
    stored: Image.Image


def decoded(data: bytes) -> Decoded:
    with Image.open(io.BytesIO(data)) as opened:
        fmt = opened.format or ""
        exif = opened.getexif()
        side = VARIANT_LONGEST_SIDE
        if fmt == "JPEG":
            opened.draft("RGB", (side, side))  # decode at a reduced scale, as renditions do
        stored = renditions._to_rgb(opened)
        stored.load()
    stored.thumbnail((side, side), Image.Resampling.LANCZOS)
    return Decoded(data, fmt, exif, exif.get(TAG_ORIENTATION, 1), stored)


def variants(original: Decoded) -> dict[str, bytes]:
    """The same photo as people re-save it: each kind of the evaluation's positives."""
    stored, exif, orientation = original.stored, original.exif, original.orientation
    upright = renditions._orient(stored, orientation)
    made = {f"jpeg-q{q}": _encode(stored, "JPEG", exif, quality=q) for q in (95, 75, 50)}
    made["png"] = _encode(stored, "PNG", exif)
    made["webp"] = _encode(stored, "WEBP", exif, quality=80)
    for percent in (50, 25):
        box = (max(1, stored.width * percent // 100), max(1, stored.height * percent // 100))
        small = stored.resize(box, Image.Resampling.LANCZOS)
        made[f"downscale-{percent}"] = _encode(small, "JPEG", exif, quality=85)
    if original.format == "JPEG" and orientation == 1:
        made["exif-stripped"] = strip_jpeg_metadata(original.data)
    else:  # stripping the tag alone would turn the picture: strippers orient the pixels first
        made["exif-stripped"] = _encode(upright, "JPEG", None, quality=90)
    # Upright pixels stored turned a quarter left with "rotate 90° right to display" (6).
    rotated_exif = Image.Exif()
    rotated_exif[TAG_ORIENTATION] = 6
    made["rotated-by-exif"] = _encode(
        upright.transpose(Image.Transpose.ROTATE_90), "JPEG", rotated_exif, quality=90
    )
    made["rotated-by-pixels"] = _encode(upright, "JPEG", None, quality=90)
    return made


def crops(original: Decoded) -> dict[str, bytes]:
    """Crops keeping 75% and 60% of each side (44% and 64% of the area cut away), centred."""
    upright = renditions._orient(original.stored, original.orientation)
    made = {}
    for keep in (75, 60):
        w, h = upright.width * keep // 100, upright.height * keep // 100
        left, top = (upright.width - w) // 2, (upright.height - h) // 2
        made[f"crop-{keep}"] = _jpeg(upright.crop((left, top, left + w, top + h)), 90)
    return made


@dataclass
class EvaluationSet:
    positives: list[Pair]
    negatives: list[Pair]
    crops: list[Pair]
    same_capture: Pair | None


def build(corpus: Path) -> EvaluationSet:
    originals = corpus_photos(corpus)
    originals.update({f"synthetic-{seed}": scene(seed) for seed in range(SYNTHETIC_PHOTOS)})
    fingerprints = {name: fingerprint_of(data) for name, data in originals.items()}

    def grouped(name: str) -> str | None:
        return next((g for g in SAME_PHOTO_GROUPS if g in name), None)

    positives, crop_pairs = [], []
    for (a, fa), (b, fb) in itertools.combinations(fingerprints.items(), 2):
        if grouped(a) and grouped(a) == grouped(b):
            positives.append(Pair("orientation-samples", a, b, hamming(fa, fb)))
    distinct: dict[str, int] = {}
    for name, data in originals.items():
        if any(name.endswith(capture) for capture in SAME_CAPTURE):
            continue
        group = grouped(name)
        if group is None or group not in {grouped(seen) for seen in distinct}:
            distinct[name] = fingerprints[name]
        pixels = decoded(data)
        made = {kind: fingerprint_of(variant) for kind, variant in variants(pixels).items()}
        for kind, fingerprint in made.items():
            distance = hamming(fingerprints[name], fingerprint)
            positives.append(Pair(kind, name, f"{name}~{kind}", distance))
        positives.append(
            Pair(
                "rotated-exif-vs-pixels",
                f"{name}~rotated-by-exif",
                f"{name}~rotated-by-pixels",
                hamming(made["rotated-by-exif"], made["rotated-by-pixels"]),
            )
        )
        for kind, crop in crops(pixels).items():
            crop_pairs.append(
                Pair(
                    kind, name, f"{name}~{kind}", hamming(fingerprints[name], fingerprint_of(crop))
                )
            )
    negatives = [
        Pair("distinct", a, b, hamming(fa, fb))
        for (a, fa), (b, fb) in itertools.combinations(distinct.items(), 2)
    ]
    names = [n for n in fingerprints if any(n.endswith(c) for c in SAME_CAPTURE)]
    same_capture = (
        Pair(
            "same-capture-hdr",
            names[0],
            names[1],
            hamming(fingerprints[names[0]], fingerprints[names[1]]),
        )
        if len(names) == 2
        else None
    )
    return EvaluationSet(positives, negatives, crop_pairs, same_capture)


def curve(evaluation: EvaluationSet, distances: range) -> list[tuple[int, float, float, float]]:
    """(distance, recall on positives, false-positive rate on distinct pairs, crops refused)."""
    rows = []
    for d in distances:
        recall = sum(p.distance <= d for p in evaluation.positives) / len(evaluation.positives)
        false = sum(p.distance <= d for p in evaluation.negatives) / len(evaluation.negatives)
        cropped = sum(p.distance <= d for p in evaluation.crops) / max(1, len(evaluation.crops))
        rows.append((d, recall, false, cropped))
    return rows
