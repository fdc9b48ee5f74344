from __future__ import annotations

import threading
import time

import pytest

from simulacra._progress import or_null
from simulacra.synth._cart_jobs import fit_steps


def test_an_interrupt_drops_queued_trees_and_does_not_wait_for_running_ones() -> None:
    # SIGTERM during a 3M-row fit exited 95 s late: the pool joined the trees being fitted
    release = threading.Event()
    started: list[int] = []

    def fit(job: int) -> object:
        started.append(job)
        if job == 1:
            raise KeyboardInterrupt  # as the CLI's SIGTERM handler raises it
        release.wait(5)  # a long tree
        return job

    begin = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        fit_steps(iter(range(6)), fit, 2, or_null(None))  # type: ignore[arg-type]
    took = time.perf_counter() - begin
    release.set()
    assert took < 2.0  # not the 5 s of the running tree
    assert 5 not in started  # queued jobs were cancelled
