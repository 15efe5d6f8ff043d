"""A JPEG's marker segments walked without decoding: how many scans it has.

One linear pass over the bytes (the entropy-coded data is skipped by a regular expression, at C
speed), so decode can refuse what would be expensive before any pixel is made.
"""

from __future__ import annotations

import mmap
import re
from dataclasses import dataclass
from pathlib import Path

# Scans a file may have. libjpeg keeps every scan's coefficients for the whole picture, so each
# scan costs time in proportion to the pixels whatever its size in bytes: a few bytes of scan,
# repeated, make CPU seconds from a small file. Real files have 1 scan (baseline), 3 (one per
# component) or about 10 (libjpeg's and mozjpeg's progressive scripts; 6 for grey), and no
# encoder writes dozens. 100 leaves ten times that, and bounds a hostile file's decode to a few
# times the work of a real progressive photo of the same size (libjpeg-turbo's djpeg has the same
# bound as -maxscans). The pixel bound (PHOTOSHELF_MAX_PIXELS) bounds the rest.
MAX_SCANS = 100

_EOI, _SOS = 0xD9, 0xDA
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM and RST0-7 carry no length
# In entropy-coded data FF is followed by 00 (a stuffed byte) or RST0-7. A marker code below C0
# there is corrupt data, which libjpeg skips when it resynchronises at the next restart marker;
# any other marker (after any FF fill bytes) ends the scan, for libjpeg as here.
_SCAN_END = re.compile(rb"\xff[\xc0-\xcf\xd8-\xfe]")


@dataclass(frozen=True)
class Layout:
    scans: int  # start-of-scan markers before EOI (counting stops once past MAX_SCANS)


def read_layout(path: Path) -> Layout:
    """The layout of the first image in the file (an MPO's other frames follow its EOI).

    Malformed segments end the walk: Pillow has opened the file and libjpeg judges the rest."""
    with path.open("rb") as file:
        size = file.seek(0, 2)
        if size < 4:
            return Layout(scans=0)
        with mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return _walk(data, size)


def _walk(data: mmap.mmap, size: int) -> Layout:
    scans = 0
    position = 2  # after SOI
    while position + 4 <= size and scans <= MAX_SCANS:
        if data[position] != 0xFF:
            break
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte before a marker
            position += 1
            continue
        if marker == _EOI:
            break
        if marker in _STANDALONE:
            position += 2
            continue
        length = int.from_bytes(data[position + 2 : position + 4], "big")
        if length < 2 or position + 2 + length > size:
            break
        position += 2 + length
        if marker == _SOS:
            scans += 1
            found = _SCAN_END.search(data, position)
            position = found.start() if found else size
    return Layout(scans=scans)
