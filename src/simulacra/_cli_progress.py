"""A rich progress bar behind the library's ``Progress`` protocol (used by the CLI only)."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


class RichProgress:
    """Draws one bar per task on stderr; silent when ``quiet``."""

    def __init__(self, *, quiet: bool = False) -> None:
        self._bars = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description:<10}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            disable=quiet,
            transient=False,
        )
        self._task: TaskID | None = None
        self._quiet = quiet
        self._started = False

    def __enter__(self) -> RichProgress:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._started:
            if exc_type is None:
                self._bars.stop()
            else:  # an error stays one paragraph: the bars are cleared, no line is left
                self._bars.live.transient = True
                self._bars.live.stop()

    def start(self, task: str, total: int | None = None) -> None:
        # draw nothing until there is a task: errors stay one paragraph. Quiet bars are never
        # started: older rich (13.0, our floor) writes a blank line when a disabled one stops.
        if not self._started and not self._quiet:
            self._bars.start()
            self._started = True
        self._task = self._bars.add_task(task, total=total)

    def advance(self, n: int = 1) -> None:
        if self._task is not None:
            self._bars.advance(self._task, n)

    def finish(self) -> None:
        if self._task is not None:
            task = self._bars.tasks[self._task]
            if task.total is None:
                self._bars.update(self._task, total=max(task.completed, 1),
                                  completed=max(task.completed, 1))
            self._task = None
