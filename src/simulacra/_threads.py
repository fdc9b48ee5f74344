"""How many threads this process should use by default."""

from __future__ import annotations

import os


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
