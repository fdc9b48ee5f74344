"""How much memory the machine has left, for refusing a draw that clearly cannot fit."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["available_memory"]


def available_memory() -> int | None:
    """Bytes of memory a new allocation can take without swapping (None: not known).

    Linux's ``MemAvailable`` (free memory and caches that can be dropped), or less where the
    process's cgroup (a container) caps it; elsewhere the free physical pages.
    """
    found: int | None = None
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    found = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError, IndexError):
        pass
    if found is None:
        try:
            found = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (AttributeError, ValueError, OSError):
            return None
    try:
        cap = Path("/sys/fs/cgroup/memory.max").read_text(encoding="ascii").strip()
        used = Path("/sys/fs/cgroup/memory.current").read_text(encoding="ascii").strip()
        if cap != "max":
            found = min(found, max(int(cap) - int(used), 0))
    except (OSError, ValueError):
        pass
    return found
