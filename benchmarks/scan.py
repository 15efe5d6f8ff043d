"""The near-duplicate lookup done the slow, obvious way: the baseline the indexed lookup is timed
against (`make bench`) and checked against (tests/gallery/test_near_duplicates.py).

Import after Django is set up: it reads the gallery's models.
"""

from __future__ import annotations

from photoshelf.gallery.models import Image
from photoshelf.gallery.near_duplicates import BAND_FIELDS, Match, closest


def nearest_by_scan(fingerprint: int, max_distance: int) -> Match | None:
    """The same answer as near_duplicates.nearest() from reading every row."""
    rows = Image.objects.exclude(phash_band_0=None).order_by().values_list("id", *BAND_FIELDS)
    return closest(rows.iterator(chunk_size=10_000), fingerprint, max_distance)
