"""Reading a file reports its megabytes as they are read (the CLI's "read MB" bar)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulacra.data import _read_progress
from simulacra.data._io import read_table, write_table
from tests.synth._progress import ProgressRecorder


def _table(rows: int = 120_000) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({
        "id": np.arange(rows),
        "x": rng.normal(size=rows).round(6),
        "city": rng.choice(["Lisbon", "Porto", "Faro", "Braga"], size=rows),
        "code": [f"K{i:08d}" for i in rng.integers(0, 10**8, size=rows)],
    })


@pytest.mark.parametrize("name", ["t.csv", "t.csv.gz", "t.tsv", "t.parquet"])
def test_the_megabytes_are_reported_as_they_are_read(tmp_path: Path, name: str,
                                                     monkeypatch) -> None:
    path = tmp_path / name
    write_table(_table(), path)
    total = math.ceil(path.stat().st_size / 1e6)
    assert total >= 2  # else nothing tells a count from a jump at the end
    shown_when_read: list[int] = []
    finish = _read_progress.ReadCounter.finish

    def recording_finish(self: _read_progress.ReadCounter) -> None:
        shown_when_read.append(self._shown)
        finish(self)

    monkeypatch.setattr(_read_progress.ReadCounter, "finish", recording_finish)
    recorder = ProgressRecorder()
    frame = read_table(path, progress=recorder)
    assert recorder.calls[0] == ("start", ("read MB", total))
    assert recorder.calls[-1] == ("finish", None)
    assert sum(n for kind, n in recorder.calls if kind == "advance") == total
    # the reader's own calls reported (all but the last part of a megabyte), not the end
    assert shown_when_read == [pytest.approx(total, abs=1)]
    pd.testing.assert_frame_equal(frame, read_table(path))


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16"])
def test_a_file_in_another_encoding_is_read_and_counted(tmp_path: Path, encoding: str) -> None:
    # pandas decodes it through a text wrapper around the counted file
    path = tmp_path / "t.csv"
    frame = pd.DataFrame({"name": ["Zoë", "Ångström", "Ñandú"] * 400, "n": range(1200)})
    frame.to_csv(path, index=False, encoding=encoding)
    recorder = ProgressRecorder()
    got = read_table(path, encoding=encoding, progress=recorder)
    pd.testing.assert_frame_equal(got, pd.read_csv(path, encoding=encoding))
    assert recorder.calls == [("start", ("read MB", 1)), ("advance", 1), ("finish", None)]
