"""A JPEG's marker segments walked without decoding: how many scans it has, whether they code
every coefficient, and where the entropy-coded data of a single-scan file ends.

One linear pass over the bytes (the entropy-coded data is skipped by a regular expression, at C
speed), so decode can refuse what would be expensive or incomplete before any pixel is made.
The file is read a window at a time, not mapped: a mapping's pages count in the worker's
resident memory, so mapping a 100 MB upload and scanning it added 100 MB to its peak.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

WINDOW_BYTES = 1024 * 1024  # how much of the file is read at a time to find a scan's end

# Scans a file may have. libjpeg keeps every scan's coefficients for the whole picture, so each
# scan costs time in proportion to the pixels whatever its size in bytes: a few bytes of scan,
# repeated, make CPU seconds from a small file. Real files have 1 scan (baseline), 3 (one per
# component) or about 10 (libjpeg's and mozjpeg's progressive scripts; 6 for grey), and no
# encoder writes dozens. 100 leaves ten times that, and bounds a hostile file's decode to a few
# times the work of a real progressive photo of the same size (libjpeg-turbo's djpeg has the same
# bound as -maxscans). The pixel bound (PHOTOSHELF_MAX_PIXELS) bounds the rest.
MAX_SCANS = 100

_EOI, _SOS, _DRI = 0xD9, 0xDA, 0xDD
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM and RST0-7 carry no length
# Start-of-frame markers (C4 DHT, C8 JPG and CC DAC are not); the second set is progressive.
_SOF = frozenset({*range(0xC0, 0xC4), *range(0xC5, 0xC8), *range(0xC9, 0xCC), *range(0xCD, 0xD0)})
_PROGRESSIVE_SOF = frozenset({0xC2, 0xC6, 0xCA, 0xCE})
# Arithmetic coding (rare) may code a block in under a bit, and its decoder cannot wait for more
# data: such files get neither the bits-per-block floor nor the stream ending at the scan's end.
_ARITHMETIC_SOF = frozenset({0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
# In entropy-coded data FF is followed by 00 (a stuffed byte) or RST0-7. A marker code below C0
# there is corrupt data, which libjpeg skips when it resynchronises at the next restart marker;
# any other marker (after any FF fill bytes) ends the scan, for libjpeg as here.
_SCAN_END = re.compile(rb"\xff[\xc0-\xcf\xd8-\xfe]")
_RESTART = re.compile(rb"\xff[\xd0-\xd7]")


@dataclass(frozen=True)
class Layout:
    scans: int  # start-of-scan markers before EOI (counting stops once past MAX_SCANS)
    # Every coefficient of every component coded, to full precision, and each block's DC value
    # given at least a bit: what a picture whose data is all there has.
    complete: bool
    data_end: int | None  # single-scan Huffman files: offset of the marker after the scan's data
    # Single-scan files with restart markers: the intervals the frame needs and those present.
    intervals: tuple[int, int] | None = None


@dataclass
class _Frame:
    width: int = 0
    height: int = 0
    sampling: dict[int, tuple[int, int]] = field(default_factory=dict)  # id -> (h, v)
    progressive: bool = False
    arithmetic: bool = False
    # component id -> per coefficient, the lowest successive-approximation bit coded (None: not yet)
    coded: dict[int, list[int | None]] = field(default_factory=dict)

    def mcus(self, components: list[int]) -> int:
        """MCUs of a scan: one block each for one component, all components' blocks otherwise."""
        if len(components) == 1:
            return self.blocks(components)
        h_max = max((h for h, _ in self.sampling.values()), default=1)
        v_max = max((v for _, v in self.sampling.values()), default=1)
        return -(-self.width // (8 * h_max)) * -(-self.height // (8 * v_max))

    def blocks(self, components: list[int]) -> int:
        """8×8 blocks a scan of these components codes."""
        factors = [self.sampling[c] for c in components if c in self.sampling]
        if len(factors) != 1:
            return self.mcus(components) * sum(h * v for h, v in factors) if factors else 0
        ((h, v),) = factors
        h_max = max(h for h, _ in self.sampling.values())
        v_max = max(v for _, v in self.sampling.values())
        columns, rows = -(-self.width * h // h_max), -(-self.height * v // v_max)
        return -(-columns // 8) * -(-rows // 8)


def read_layout(path: Path) -> Layout:
    """The layout of the first image in the file (an MPO's other frames follow its EOI).

    Malformed segments end the walk: Pillow has opened the file and libjpeg judges the rest."""
    with path.open("rb") as file:
        size = file.seek(0, 2)
        if size < 4:
            return Layout(scans=0, complete=False, data_end=None)
        return _walk(_Bytes(file), size)


class _Bytes:
    """A file read as the walk needs it: a byte or a short slice at an offset, and a pattern
    searched for or counted a window at a time (patterns are two bytes long, so windows that
    overlap by one byte find every match once)."""

    def __init__(self, file: IO[bytes]) -> None:
        self._file = file

    def __getitem__(self, key: int | slice):
        if isinstance(key, slice):
            self._file.seek(key.start)
            return self._file.read(max(0, key.stop - key.start))
        self._file.seek(key)
        byte = self._file.read(1)
        if not byte:
            raise IndexError(key)
        return byte[0]

    def _windows(self, start: int, end: int | None = None):
        position = start
        while end is None or position < end:
            self._file.seek(position)
            want = WINDOW_BYTES if end is None else min(WINDOW_BYTES, end - position)
            window = self._file.read(want)
            if not window:
                return
            yield position, window
            if len(window) < 2 or len(window) < want:
                return
            position += len(window) - 1

    def search(self, pattern: re.Pattern[bytes], start: int) -> int | None:
        for position, window in self._windows(start):
            found = pattern.search(window)
            if found:
                return position + found.start()
        return None

    def count(self, pattern: re.Pattern[bytes], start: int, end: int) -> int:
        return sum(len(pattern.findall(window)) for _, window in self._windows(start, end))


def _walk(data: _Bytes, size: int) -> Layout:
    frame = _Frame()
    scans, restart_interval, starved = 0, 0, False
    data_start = data_end = mcus = 0
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
        segment = data[position + 4 : position + 2 + length]
        if length < 2 or len(segment) != length - 2:
            break
        position += 2 + length
        if marker in _SOF and len(segment) >= 6:
            frame = _read_frame(marker, segment)
        elif marker == _DRI and len(segment) >= 2:
            restart_interval = int.from_bytes(segment[:2], "big")
        elif marker == _SOS and segment:
            scans += 1
            components = [segment[1 + 2 * i] for i in range(segment[0]) if 2 + 2 * i < len(segment)]
            first_dc = _mark_coded(frame, segment)
            mcus = frame.mcus(components)
            found = data.search(_SCAN_END, position)
            data_start, data_end = position, size if found is None else found
            position = data_end
            # Each block's DC value is coded on its own, in at least one bit: a scan with fewer
            # bits than blocks is data missing (a header claiming pixels the file never had).
            bits = (data_end - data_start) * 8
            if first_dc and not frame.arithmetic and bits < frame.blocks(components):
                starved = True
    complete = (
        not starved
        and bool(frame.coded)
        and all(all(bit == 0 for bit in coefficients) for coefficients in frame.coded.values())
    )
    if scans != 1 or frame.arithmetic:
        return Layout(scans=scans, complete=complete, data_end=None)
    intervals = None
    if restart_interval:
        markers = data.count(_RESTART, data_start, data_end)
        intervals = (-(-mcus // restart_interval), markers + 1)
    return Layout(scans=1, complete=complete, data_end=data_end, intervals=intervals)


def _read_frame(marker: int, segment: bytes) -> _Frame:
    height, width = int.from_bytes(segment[1:3], "big"), int.from_bytes(segment[3:5], "big")
    frame = _Frame(
        width=width,
        height=height,
        progressive=marker in _PROGRESSIVE_SOF,
        arithmetic=marker in _ARITHMETIC_SOF,
    )
    for i in range(segment[5]):
        if 8 + 3 * i < len(segment):
            component, factors = segment[6 + 3 * i], segment[7 + 3 * i]
            frame.sampling[component] = (max(1, factors >> 4), max(1, factors & 0x0F))
            frame.coded[component] = [None] * 64
    return frame


def _mark_coded(frame: _Frame, segment: bytes) -> bool:
    """Record the coefficients a scan header says the scan codes; True for a scan that codes the
    DC values for the first time (every sequential scan, a progressive scan's first DC pass)."""
    count = segment[0]
    header_end = 1 + 2 * count
    if len(segment) < header_end + 3:
        return False
    if frame.progressive:
        start, end = segment[header_end], segment[header_end + 1]
        high_bit, low_bit = segment[header_end + 2] >> 4, segment[header_end + 2] & 0x0F
    else:  # a sequential scan codes every coefficient of its components, at full precision
        start, end, high_bit, low_bit = 0, 63, 0, 0
    for i in range(count):
        coefficients = frame.coded.get(segment[1 + 2 * i])
        if coefficients is not None:
            for k in range(start, min(end, 63) + 1):
                coefficients[k] = low_bit
    return start == 0 and high_bit == 0


class ReadsUpTo:
    """A file that reads as if it ended at `end`, plus LOOKAHEAD zero bytes.

    libjpeg reads a few bytes ahead of the bits it decodes: the zeros let it finish a scan
    whose data is all there, while a scan whose data stops early runs out (and Pillow refuses)
    instead of meeting the next marker and filling the rest of the picture with grey. Seeks and
    positions are the file's own (an MPO's frame seeks the file directly)."""

    LOOKAHEAD = 16  # bytes: libjpeg-turbo's bit buffer holds 64 bits

    def __init__(self, file: IO[bytes], end: int) -> None:
        self._file = file
        self._end = end
        self._lookahead = self.LOOKAHEAD

    def read(self, size: int = -1) -> bytes:
        left = max(0, self._end - self._file.tell())
        want = left + self._lookahead if size is None or size < 0 else size
        data = self._file.read(min(want, left))
        extra = min(want - len(data), self._lookahead) if len(data) == left else 0
        self._lookahead -= extra
        return data + bytes(extra)

    def seek(self, offset: int, whence: int = 0) -> int:
        self._lookahead = self.LOOKAHEAD
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def close(self) -> None:
        self._file.close()
