"""Run import_one over many tasks on N workers, with at most a few tasks queued per worker.

Workers are processes, not threads (`make bench` shows both rates, docs/benchmarks.md). Each
takes one file from hashing to its committed row; the parent only hands out paths and collects
small results, so memory stays bounded whatever the folder holds.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import (
    FIRST_COMPLETED,
    Executor,
    Future,
    ProcessPoolExecutor,
    wait,
)
from concurrent.futures.process import BrokenProcessPool

from django.db import connections

from .worker import ERROR, WORKER_DIED, Result, Task, import_one

QUEUED_PER_JOB = 2  # tasks handed out per worker: enough to never leave one idle
TICK_S = 0.5  # how often the caller hears from us while every worker is busy
PR_SET_PDEATHSIG = 1


def run(
    tasks: Iterable[Task],
    *,
    jobs: int,
    stop: Callable[[], bool] = lambda: False,
    tick: Callable[[], None] = lambda: None,
) -> Iterator[Result]:
    """Results in completion order. Once stop() is true no new task starts; started ones finish."""
    pending: dict[Future, Task] = {}
    retried: set[Task] = set()
    tasks = iter(tasks)
    executor = _executor(jobs)
    try:
        while True:
            while not stop() and len(pending) < jobs * QUEUED_PER_JOB:
                task = next(tasks, None)
                if task is None:
                    break
                pending[executor.submit(import_one, task)] = task
            if not pending:
                return
            done, _ = wait(pending, timeout=TICK_S, return_when=FIRST_COMPLETED)
            tick()
            lost = []
            for future in done:
                task = pending.pop(future)
                if isinstance(future.exception(), BrokenProcessPool):
                    lost.append(task)
                else:
                    yield future.result()
            if lost:
                executor = yield from _replace_broken(executor, jobs, pending, lost, retried)
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def _replace_broken(
    executor: Executor,
    jobs: int,
    pending: dict[Future, Task],
    lost: list[Task],
    retried: set[Task],
) -> Iterator[Result]:
    """A worker died (a crashing decoder, the OOM killer): every task its pool held is lost.

    Which one killed it is unknown, so each lost task gets one more try on a fresh pool; a task
    lost twice is reported as an error instead of taking the import down with it.
    """
    executor.shutdown(wait=True, cancel_futures=True)
    for future, task in list(pending.items()):
        del pending[future]
        if future.done() and future.exception() is None:
            yield future.result()
        else:
            lost.append(task)
    executor = _executor(jobs)
    for task in lost:
        if task in retried:
            yield Result(
                task.path,
                ERROR,
                WORKER_DIED,
                reason="the worker process importing it died, twice (crash or kill)",
            )
        else:
            retried.add(task)
            pending[executor.submit(import_one, task)] = task
    return executor


def _executor(jobs: int) -> Executor:
    # Processes, not threads: each file's hashing and checks hold the interpreter lock for a
    # share of its time that threads would queue on (`make bench` compares the two rates).
    # Forked children inherit Django's settings as configured here; they must not share the
    # parent's database connection, so it is closed first and each child opens its own.
    connections.close_all()
    return ProcessPoolExecutor(
        jobs, mp_context=multiprocessing.get_context("fork"), initializer=_child_init
    )


def _child_init() -> None:
    # Ctrl-C reaches the whole process group: the parent alone decides to stop, and lets each
    # child finish the file it holds, so no file is cut short by the keyboard.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # SIGTERM ends a child, as it ends any process: the child must not keep the import's own
    # handler ("finish, then stop"), which it inherits by the fork. When a worker dies while
    # it reads the next task, the task queue's lock stays held; the pool then terminates the
    # other workers (SIGTERM) and waits for them, and a worker that took SIGTERM as a request
    # would wait for that lock, and the import for it, for ever.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # Linux: die with the parent, so a killed import leaves no child running on
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == 1:  # the parent died before the line above took effect
        os._exit(1)
