"""Durations written as text (38:31:00, 22:07): their layout, reading them, telling them from
times of day."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulacra.errors import SchemaError
from simulacra.schema import Column, Kind
from simulacra.schema._durations import (
    DurationLayout,
    detect_duration_layout,
    duration_layout,
    parse_durations,
)
from simulacra.schema._infer import infer_column


def _detect(values: list[str], name: str = "x") -> str | None:
    s = pd.Series(values, dtype="str")
    return detect_duration_layout(name, s, s)


@pytest.mark.parametrize(("text", "layout"), [
    ("[h]:mm:ss", DurationLayout(True, 1, 0)),
    ("[hh]:mm:ss.00", DurationLayout(True, 2, 2)),
    ("[m]:ss", DurationLayout(False, 1, 0)),
    ("[mm]:ss.0", DurationLayout(False, 2, 1)),
])
def test_layouts_are_read_and_written_alike(text: str, layout: DurationLayout) -> None:
    assert duration_layout(text) == layout
    assert str(layout) == text


@pytest.mark.parametrize("text", ["[h]:ss", "[m]:mm:ss", "h:mm:ss", "[h]:mm:ss.", "{:.2f}", None])
def test_other_texts_are_no_layouts(text: str | None) -> None:
    assert duration_layout(text) is None


def test_durations_are_read_as_seconds() -> None:
    values = pd.Series(["38:31:00", "22:07", "1:02:03.5", None, "0:00:00.25", "12:61", "x"],
                       dtype=object)
    seconds = parse_durations(values)
    expected = [38 * 3600 + 31 * 60, 22 * 60 + 7, 3723.5, np.nan, 0.25, np.nan, np.nan]
    np.testing.assert_array_equal(seconds, expected)
    assert parse_durations(pd.Series([], dtype="str")).size == 0


def test_hours_above_23_make_a_duration_and_the_majority_sets_the_layout() -> None:
    # Stat2Data::Marathon: '38:31:00' with a few '22:07'
    assert _detect(["38:31:00", "41:05:00", "112:46:00", "22:07"]) == "[h]:mm:ss"
    assert _detect(["75:20", "58:30", "1:02:03"]) == "[m]:ss"  # minutes first, mostly
    assert _detect(["05:10:00", "38:31:00"]) == "[hh]:mm:ss"  # hours padded
    assert _detect(["5:10:00.25", "38:31:00.5"]) == "[h]:mm:ss.00"


def test_values_that_could_all_be_times_of_day_are_not_durations_without_a_name() -> None:
    race = ["1:02:03", "2:15:40", "0:58:30"]
    assert _detect(race) is None
    assert _detect(race, name="finish_time") == "[h]:mm:ss"
    assert _detect(["12:30", "9:05"]) is None
    assert _detect(["12:30", "9:05"], name="lap_time") == "[m]:ss"
    assert _detect(["38:31:00", "2021-01-01"]) is None
    assert _detect(["38:31:00", "12:60:00"]) is None  # minutes above 59


def test_a_column_of_durations_is_numerical_in_seconds_with_its_layout() -> None:
    rng = np.random.default_rng(0)
    seconds = rng.integers(20 * 60, 200 * 3600, 300) // 60 * 60
    text = [f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" for s in seconds]
    c = infer_column(pd.Series([*text[:-1], None], name="Time", dtype=object))
    assert (c.kind, c.text_format, c.integer, c.decimals) == (Kind.NUMERICAL, "[h]:mm:ss",
                                                              True, 0)
    assert (c.minimum, c.maximum) == (float(seconds[:-1].min()), float(seconds[:-1].max()))
    assert c.missing_share == pytest.approx(1 / 300)
    # times of day stay datetimes, written as they were
    assert infer_column(pd.Series(["1:02:03", "2:15:40"] * 10, name="t")).datetime_format == (
        "%-H:%M:%S")


def test_the_schema_takes_a_duration_layout_only_on_numerical_columns() -> None:
    Column("t", Kind.NUMERICAL, text_format="[h]:mm:ss")
    with pytest.raises(SchemaError, match=r"\[h\]:mm:ss"):
        Column("t", Kind.NUMERICAL, text_format="[h]:ss")
    with pytest.raises(SchemaError):
        Column("t", Kind.CATEGORICAL, text_format="[h]:mm:ss")
