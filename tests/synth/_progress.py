"""A progress sink for the synthesizer tests."""

from __future__ import annotations

from typing import Any


class ProgressRecorder:
    """A progress sink that records every call (the ``metrics`` hook included)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def start(self, task: str, total: int | None = None) -> None:
        self.calls.append(("start", (task, total)))

    def advance(self, n: int = 1) -> None:
        self.calls.append(("advance", n))

    def finish(self) -> None:
        self.calls.append(("finish", None))

    def metrics(self, **values: float) -> None:
        self.calls.append(("metrics", values))
