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


def test_one_blas_thread_limits_blas_inside_and_restores_it() -> None:
    from threadpoolctl import threadpool_info

    from simulacra._threads import one_blas_thread

    def blas_threads() -> list[int]:
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    before = blas_threads()
    with one_blas_thread():
        assert set(blas_threads()) <= {1}
    assert blas_threads() == before
    with one_blas_thread(when=False):
        assert blas_threads() == before
