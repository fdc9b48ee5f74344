"""How many threads this process should use by default."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def machine_threads() -> int:
    """``OMP_NUM_THREADS`` when it is set, else the cores this process may run on.

    Honouring the variable matters on a shared machine: more threads than free cores spin
    against each other and can make work many times slower.
    """
    declared = os.environ.get("OMP_NUM_THREADS", "").strip()
    if declared.isdigit() and int(declared) > 0:
        return int(declared)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


@functools.cache
def _blas_controller() -> Any:
    """threadpoolctl's view of the loaded BLAS libraries, found once (~10 ms, then ~0)."""
    from threadpoolctl import ThreadpoolController  # on first use: most runs never need it

    return ThreadpoolController()


@contextmanager
def one_blas_thread(when: bool = True) -> Iterator[None]:
    """BLAS on one thread inside the block, when ``when``.

    Many small solves gain nothing from BLAS threads, and on a busy machine the threads,
    which spin after each call, take the cores the work needs (rule discovery on ames with
    another job running: 0.24 s against 0.08 s).
    """
    if not when:
        yield
        return
    with _blas_controller().limit(limits=1, user_api="blas"):
        yield
