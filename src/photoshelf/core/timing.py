"""How long a request's named stages took, for its Server-Timing header.

The HTTP layer (http/server_timing.py) opens a recording around each request; the library marks
its stages with `with timing.stage("pixels"):`. Outside a recording (imports, tests) a stage
costs nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_stages: ContextVar[dict[str, float] | None] = ContextVar("photoshelf_stages", default=None)


@contextmanager
def recording() -> Iterator[dict[str, float]]:
    """Collect the stages run inside this block: {name: milliseconds}, in the order they began."""
    stages: dict[str, float] = {}
    token = _stages.set(stages)
    try:
        yield stages
    finally:
        _stages.reset(token)


@contextmanager
def stage(name: str) -> Iterator[None]:
    stages = _stages.get()
    if stages is None:
        yield
        return
    start = time.perf_counter()
    try:
        yield
    finally:
        stages[name] = stages.get(name, 0.0) + (time.perf_counter() - start) * 1000


def add(name: str, milliseconds: float) -> None:
    """Count a duration measured elsewhere (e.g. across callbacks) into the current recording."""
    stages = _stages.get()
    if stages is not None:
        stages[name] = stages.get(name, 0.0) + milliseconds
