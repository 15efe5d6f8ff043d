"""cpu.run(): pixel work on lower-priority threads, results and refusals carried back."""

import os
import threading

import pytest

from photoshelf.core.refusals import Refusal
from photoshelf.ingest import cpu


def own_nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def test_pixel_work_runs_on_another_thread_at_a_lower_priority():
    caller = own_nice()
    worker_nice, worker_thread = cpu.run(lambda: (own_nice(), threading.get_ident()))
    assert worker_thread != threading.get_ident()
    assert worker_nice == min(19, caller + cpu.NICE_INCREMENT)
    assert own_nice() == caller  # the request thread keeps its priority


def test_a_refusal_raised_in_pixel_work_reaches_the_caller():
    def refuse():
        raise Refusal("not-an-image", "no")

    with pytest.raises(Refusal) as refused:
        cpu.run(refuse)
    assert refused.value.code == "not-an-image"
