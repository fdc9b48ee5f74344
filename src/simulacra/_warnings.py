"""Silencing a third-party warning without racing other threads over the filter list.

Before Python 3.14, :class:`warnings.catch_warnings` saves and restores the one global filter
list. Two threads whose blocks overlap restore each other's lists out of order, so the
thread that leaves last puts back a list that still holds the other's ``ignore``: after a few
fits in threads, every later warning of the process (the user's own included) was silenced.

:func:`quiet` never restores a saved list. It adds one narrow filter when the first of our
blocks that needs it starts, and removes that same entry when the last one ends, under one
module-level lock; a filter the user adds or removes meanwhile is left alone. While a block
runs, a matching warning of another thread is silenced too, so the filters name a category
and a message or module as narrowly as they can. :func:`recording` (which must swap the
process's ``showwarning``) holds the lock for its whole block instead.
"""

from __future__ import annotations

import sys
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["quiet", "recording", "serialised"]

_LOCK = threading.RLock()
_USERS: dict[tuple[str, str, type[Warning]], int] = {}
# Python 3.14's context-aware warnings make catch_warnings local to the thread (free-threaded
# builds turn them on by default); there the plain form is the right one.
_CONTEXT_AWARE = bool(getattr(sys.flags, "context_aware_warnings", False))


def _mutated() -> None:
    """Tell the warnings module that its filters changed (it caches 'ignored' verdicts)."""
    bump: Any = getattr(warnings, "_filters_mutated", None)
    if bump is not None:
        bump()
        return
    lock: Any = getattr(warnings, "_lock", None)
    bump = getattr(warnings, "_filters_mutated_lock_held", None)
    if lock is not None and bump is not None:
        with lock:
            bump()


@contextmanager
def quiet(category: type[Warning], message: str = "", module: str = "") -> Iterator[None]:
    """Ignore warnings of ``category`` whose text starts with ``message`` (a regular
    expression, case-insensitive) and that are attributed to ``module`` (a regular expression)
    inside the block, safely when several threads run such blocks at once."""
    if _CONTEXT_AWARE:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message, category, module)
            yield
        return
    key = (message, module, category)
    with _LOCK:
        if _USERS.get(key, 0) == 0:
            warnings.filterwarnings("ignore", message, category, module)
        _USERS[key] = _USERS.get(key, 0) + 1
    try:
        yield
    finally:
        with _LOCK:
            _USERS[key] -= 1
            if _USERS[key] == 0:
                del _USERS[key]
                # every copy: another library's catch_warnings may have put one back
                filters: list[Any] = warnings.filters  # type: ignore[assignment]
                filters[:] = [item for item in filters if not (
                    item[0] == "ignore" and item[2] is category
                    and _pattern(item[1]) == message and _pattern(item[3]) == module)]
                _mutated()


def _pattern(compiled: Any) -> str:
    return "" if compiled is None else str(getattr(compiled, "pattern", compiled))


@contextmanager
def recording(always: type[Warning]) -> Iterator[list[warnings.WarningMessage]]:
    """``catch_warnings(record=True)`` with ``always`` always recorded, one thread at a time.

    Keep the block short: every other :func:`quiet` or :func:`recording` waits for it.
    """
    with _LOCK, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", always)
        yield caught


@contextmanager
def serialised() -> Iterator[None]:
    """Run third-party code that sets warning filters itself (scikit-learn's ``Parallel``
    wraps every job of a ``ColumnTransformer`` in ``catch_warnings``) one thread at a time
    among our own blocks, so it cannot restore a list that holds another thread's filter."""
    with _LOCK:
        yield


def user_stacklevel() -> int:
    """The ``stacklevel`` that attributes a warning its caller warns to the first frame
    outside simulacra (the user's line), however deep inside the library it is raised.

    ``warnings.warn(..., skip_file_prefixes=...)`` does this from Python 3.12 on.
    """
    frame = sys._getframe(1)  # the function that calls warnings.warn: stacklevel 1
    level = 1
    while frame.f_back is not None and (
            frame.f_globals.get("__name__", "").partition(".")[0] == "simulacra"):
        frame = frame.f_back
        level += 1
    return level
