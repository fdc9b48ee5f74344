"""Progress reporting: the library reports, the CLI draws.

Long calls take ``progress: Progress | None``. The CLI passes an adapter to rich progress
bars; the library default does nothing. Library code never prints.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class Progress(Protocol):
    """Receives progress of a long call: a task starts, advances, finishes."""

    def start(self, task: str, total: int | None = None) -> None:
        """Begin ``task`` with ``total`` units of work (None when unknown)."""

    def advance(self, n: int = 1) -> None:
        """Report ``n`` more units of the current task done."""

    def finish(self) -> None:
        """End the current task."""


class NullProgress:
    """A progress sink that ignores everything."""

    def start(self, task: str, total: int | None = None) -> None:
        return None

    def advance(self, n: int = 1) -> None:
        return None

    def finish(self) -> None:
        return None


NULL_PROGRESS = NullProgress()


def or_null(progress: Progress | None) -> Progress:
    return NULL_PROGRESS if progress is None else progress
