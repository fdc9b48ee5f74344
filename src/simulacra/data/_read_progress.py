"""Progress of reading a file: its bytes, as the reader takes them, in megabytes.

pandas' CSV parser and pyarrow's Parquet reader both take a binary file object and read it
in blocks (256 KB for CSV; a column chunk at a time for Parquet); :class:`CountedFile`
counts the bytes each call returns and reports them as they come, a Python call per block.
Read so, a 200,000-row CSV (36 MB) and a 1M-row Parquet file (37 MB) took the time they
took from their paths. The frames read are the same.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

from simulacra._progress import Progress

READ_TASK = "read MB"
"""The progress task of a file being read; its units are megabytes (10**6 bytes)."""

_MB = 1_000_000


class ReadCounter:
    """Turns bytes read from one file into the megabytes of a :data:`READ_TASK` task."""

    def __init__(self, progress: Progress, size: int) -> None:
        self._progress = progress
        self.total = max(1, math.ceil(size / _MB))
        self._bytes = 0
        self._shown = 0
        progress.start(READ_TASK, total=self.total)

    def add(self, n: int) -> None:
        """``n`` more bytes were read."""
        self._bytes += n
        done = min(self._bytes // _MB, self.total)
        if done > self._shown:
            self._progress.advance(done - self._shown)
            self._shown = done

    def finish(self) -> None:
        """The file is read: the task is complete (a reader may skip bytes, or read twice)."""
        if self._shown < self.total:
            self._progress.advance(self.total - self._shown)
            self._shown = self.total
        self._progress.finish()


class CountedFile(io.BufferedReader):
    """A file opened for binary reading that tells ``counter`` every byte read from it."""

    def __init__(self, path: Path, counter: ReadCounter) -> None:
        super().__init__(io.FileIO(path, "rb"))
        self._counter = counter

    def read(self, size: int | None = -1, /) -> bytes:
        data = super().read(size)
        self._counter.add(len(data))
        return data

    def read1(self, size: int = -1, /) -> bytes:
        data = super().read1(size)
        self._counter.add(len(data))
        return data

    def readinto(self, buffer: Any, /) -> int:
        n = super().readinto(buffer)
        self._counter.add(n or 0)
        return n

    def readinto1(self, buffer: Any, /) -> int:
        n = super().readinto1(buffer)
        self._counter.add(n or 0)
        return n
