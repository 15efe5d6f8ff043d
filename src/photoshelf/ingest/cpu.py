"""Pixel work at a lower CPU priority, so a page request is never queued behind a decode.

Decoding and encoding run in a small pool of threads that lowered their own scheduling priority
(Linux lets each thread have its own nice value). Pillow releases the GIL while it works, so a
gallery request on a normal-priority thread gets a core first, and uploads take what is left.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

log = logging.getLogger(__name__)

NICE_INCREMENT = 10  # scheduling weight about 1/10 of a normal thread's when cores are contended
POOL_THREADS = 4  # pixel jobs at once per process; more wait their turn

T = TypeVar("T")
_pool: ThreadPoolExecutor | None = None
_pool_pid = 0
_lock = threading.Lock()


def run(work: Callable[..., T], *args, **kwargs) -> T:
    """work(*args, **kwargs) on a low-priority thread; its result or its exception."""
    return submit(work, *args, **kwargs).result()


def submit(work: Callable[..., T], *args, **kwargs) -> Future[T]:
    """Start work(*args, **kwargs) on a low-priority thread; the caller may do other things."""
    return _executor().submit(work, *args, **kwargs)


def _executor() -> ThreadPoolExecutor:
    global _pool, _pool_pid
    with _lock:
        if _pool is None or _pool_pid != os.getpid():  # a forked worker needs threads of its own
            _pool = ThreadPoolExecutor(POOL_THREADS, "pixels", initializer=_lower_priority)
            _pool_pid = os.getpid()
        return _pool


def _lower_priority() -> None:
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + NICE_INCREMENT)
    except (AttributeError, OSError) as exc:  # not Linux, or not allowed: run at normal priority
        log.debug("cpu: cannot lower the priority of pixel threads: %r", exc)
