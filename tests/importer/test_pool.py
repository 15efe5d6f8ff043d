"""The import's worker pool survives a killed worker, whatever signal handlers the import has."""

import os
import signal
import threading
import time

import pytest

from photoshelf.importer import pool


def _pid_after(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


@pytest.fixture
def importer_catching_sigterm():
    """What `photoshelf import` does while it runs: SIGTERM means "finish, then stop"."""
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: None)
    yield
    signal.signal(signal.SIGTERM, previous)


def test_a_pool_whose_worker_died_holding_the_task_queue_still_shuts_down(
    importer_catching_sigterm,
):
    """A worker killed while it reads the next task leaves the task queue's lock held, and the
    other worker waits for that lock for ever. The pool then ends it with SIGTERM and waits for
    it: a worker that had inherited the import's handler would take SIGTERM as "finish, then
    stop", go on waiting for the lock, and the import would hang."""
    executor = pool._executor(2)
    busy = [executor.submit(_pid_after, 1.0) for _ in range(2)]
    time.sleep(0.5)  # both workers hold a task, neither is reading the queue
    task_queue_lock = executor._call_queue._rlock
    task_queue_lock.acquire()  # as the killed worker would still hold it
    try:
        victim = next(iter(executor._processes))
        os.kill(victim, signal.SIGKILL)
        for future in busy:
            future.exception(timeout=30)  # BrokenProcessPool, or the answer that beat the kill
        done = threading.Thread(target=executor.shutdown, kwargs={"wait": True}, daemon=True)
        done.start()
        done.join(timeout=30)
        assert not done.is_alive(), "the pool waits for a worker that ignored SIGTERM"
    finally:
        task_queue_lock.release()
