"""``parse_datetimes`` parses each distinct value once and gives what parsing all would."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulacra.schema import _datetimes
from simulacra.schema._datetimes import FORMAT_SEPARATOR, parse_datetimes

_RNG = np.random.default_rng(0)
_HOURS = pd.Series(pd.date_range("2013-01-01", periods=300, freq="h")
                   .strftime("%Y-%m-%d %H:%M:%S"))
_STAMPS = _HOURS.iloc[_RNG.integers(0, 300, 3000)]  # a shuffled index, each value ~10 times


def _direct(values: pd.Series, fmt: str) -> pd.Series:
    """Every value parsed, the way parse_datetimes did before it parsed distinct ones."""
    fmt = _datetimes.parsing_format(fmt).replace("%:z", "%z")
    return _datetimes._parse_with(_datetimes._numbers_as_digits(values), fmt)


@pytest.mark.parametrize(("values", "fmt"), [
    (_STAMPS.rename("time_hour"), "%Y-%m-%d %H:%M:%S"),
    (_STAMPS.where(_RNG.random(3000) > 0.2), "%Y-%m-%d %H:%M:%S"),  # nulls stay NaT
    (_STAMPS.astype(object), "%Y-%m-%d %H:%M:%S"),
    (pd.Series(["2020-01-01", "bad", None] * 20, index=range(7, 67)), "%Y-%m-%d"),
    (pd.Series(["2020-01-01+02:00", "2020-01-02-05:00"] * 20), "%Y-%m-%d%:z"),
    (pd.Series(["01/02/2020", "2020-01-01"] * 20), f"%d/%m/%Y{FORMAT_SEPARATOR}%Y-%m-%d"),
    (pd.Series([19750103, 19750104] * 20), "%Y%m%d"),
    (pd.Series([19750103.0, np.nan] * 20), "%Y%m%d"),
    (pd.Series(["2020-01-01"] * 20, dtype="category"), "%Y-%m-%d"),
    (pd.Series(["2020-01-01 05:00:00.123456789"] * 20), "%Y-%m-%d %H:%M:%S.%f"),
    (pd.Series([None] * 20, dtype=object), "%Y-%m-%d"),
    (_HOURS, "%Y-%m-%d %H:%M:%S"),  # all distinct: parsed directly
])
def test_distinct_values_parse_as_all_would(values: pd.Series, fmt: str) -> None:
    got = parse_datetimes(values, fmt)
    pd.testing.assert_series_equal(got, _direct(values, fmt), check_exact=True)


def test_repeated_values_are_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    parse = _datetimes._parse_with

    def counted(values: pd.Series, fmt: str) -> pd.Series:
        seen.append(len(values))
        return parse(values, fmt)

    monkeypatch.setattr(_datetimes, "_parse_with", counted)
    parse_datetimes(_STAMPS, "%Y-%m-%d %H:%M:%S")
    assert seen == [_STAMPS.nunique()]
