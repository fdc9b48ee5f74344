import os

import pytest

from simulacra._threads import machine_threads


def test_threads_follow_omp_num_threads_when_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert machine_threads() == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert machine_threads() == 3
    for unusable in ("", "0", "two"):
        monkeypatch.setenv("OMP_NUM_THREADS", unusable)
        assert machine_threads() >= 1
    monkeypatch.delenv("OMP_NUM_THREADS")
    assert machine_threads() == len(os.sched_getaffinity(0))
