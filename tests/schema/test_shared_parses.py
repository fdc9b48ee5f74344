"""A fit parses a datetime column once (``shared_parses``), with the same results."""

from __future__ import annotations

import contextlib

import numpy as np
import pandas as pd
import pytest

from simulacra.schema import _datetimes
from simulacra.schema._datetimes import parse_datetimes, shared_parses
from simulacra.synth import make_synthesizer
from tests.cli._run import run

_ROWS = 4000


def _table() -> pd.DataFrame:
    """Timestamps to the second, mostly distinct (a few repeat), in a non-ISO format."""
    rng = np.random.default_rng(3)
    seconds = rng.integers(0, 365 * 86_400, _ROWS)
    seconds[:40] = seconds[40:80]
    stamps = pd.Timestamp("2013-01-01") + pd.to_timedelta(seconds, unit="s")
    return pd.DataFrame({
        "at": pd.Series(stamps.strftime("%d/%m/%Y %H:%M:%S"), dtype="str"),
        "amount": rng.gamma(2.0, 50.0, _ROWS).round(2),
        "kind": pd.Series(rng.choice(["a", "b", "c"], _ROWS), dtype="str"),
    })


def _count_whole_parses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The lengths of every parse of the column as a whole (distinct values are fewer)."""
    seen: list[int] = []
    parse = _datetimes._parse

    def counted(values: pd.Series, fmt: str) -> pd.Series:
        if len(values) == _ROWS:
            seen.append(len(values))
        return parse(values, fmt)

    monkeypatch.setattr(_datetimes, "_parse", counted)
    return seen


@pytest.mark.parametrize("name", ["cart", "copula"])
def test_a_fit_parses_a_mostly_distinct_datetime_column_once(name: str,
                                                            monkeypatch) -> None:
    # it was parsed in full by the check, the codec's fit and its encoding (and the check
    # again from the command line): 0.27 s each for 200,000 rows
    frame = _table()
    seen = _count_whole_parses(monkeypatch)
    make_synthesizer(name, seed=1).fit(frame)
    assert seen == [_ROWS]
    assert _datetimes._SHARED.get() is None  # dropped with the fit


def test_the_command_line_fit_parses_it_once(tmp_path, capsys, monkeypatch) -> None:
    path = tmp_path / "t.csv"
    _table().to_csv(path, index=False)
    seen = _count_whole_parses(monkeypatch)
    code, _, err = run(["fit", str(path), "-o", str(tmp_path / "m.sim"), "-s", "copula",
                        "-q"], capsys, monkeypatch)
    assert code == 0, err
    assert seen == [_ROWS]


@pytest.mark.parametrize("name", ["cart", "copula"])
def test_shared_parses_sample_the_same_rows(name: str, monkeypatch) -> None:
    frame = _table()
    shared = make_synthesizer(name, seed=1).fit(frame).sample(500, seed=2)
    monkeypatch.setattr("simulacra.synth._base.shared_parses", contextlib.nullcontext)
    alone = make_synthesizer(name, seed=1).fit(frame).sample(500, seed=2)
    pd.testing.assert_frame_equal(shared, alone, check_exact=True)


def test_other_values_are_parsed_anew() -> None:
    fmt = "%Y-%m-%d %H:%M:%S"
    first = pd.Series(["2020-01-01 00:00:00", "2020-01-02 00:00:00", None], dtype="str")
    with shared_parses():
        a = parse_datetimes(first, fmt)
        again = parse_datetimes(first.rename("x"), fmt)  # same values: shared
        other = parse_datetimes(pd.Series(["2021-05-05 00:00:00", "2021-05-06 00:00:00",
                                           None], dtype="str"), fmt)
        changed = first.copy()
        changed.iloc[0] = "1999-12-31 23:59:59"  # a new Arrow array: parsed again
        b = parse_datetimes(changed, fmt)
        sliced = parse_datetimes(first.iloc[1:], fmt)  # a slice: its own offset
        again.iloc[0] = pd.NaT  # a caller's changes stay its own
        c = parse_datetimes(first, fmt)
    assert again.name == "x" and a.equals(c) and c.notna().sum() == 2
    assert other.iloc[0] == pd.Timestamp("2021-05-05")
    assert b.iloc[0] == pd.Timestamp("1999-12-31 23:59:59")
    assert list(sliced.index) == [1, 2] and sliced.iloc[0] == pd.Timestamp("2020-01-02")
    pd.testing.assert_series_equal(a, _datetimes._parse(first, fmt))
    pd.testing.assert_series_equal(b, _datetimes._parse(changed, fmt))
