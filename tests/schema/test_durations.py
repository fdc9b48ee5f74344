"""Durations written as text (38:31:00, 22:07): their layout, reading them, telling them from
times of day."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulacra.errors import SchemaError
from simulacra.schema import Column, Kind
from simulacra.schema._durations import (
    ClockLayout,
    DaysLayout,
    DurationLayout,
    IsoLayout,
    detect_duration_layout,
    duration_layout,
    parse_durations,
)
from simulacra.schema._infer import infer_column


def _detect(values: list[str], name: str = "x") -> str | None:
    s = pd.Series(values, dtype="str")
    layout = detect_duration_layout(name, s, s)
    return None if layout is None else str(layout)


@pytest.mark.parametrize(("text", "layout"), [
    ("[h]:mm:ss", ClockLayout(True, 1, 0)),
    ("[hh]:mm:ss.00", ClockLayout(True, 2, 2)),
    ("[m]:ss", ClockLayout(False, 1, 0)),
    ("[mm]:ss.0", ClockLayout(False, 2, 1)),
])
def test_layouts_are_read_and_written_alike(text: str, layout: ClockLayout) -> None:
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


# ---- pandas' text of a timedelta (2 days 20:37:56) and ISO 8601 (PT20H7M) -------------------


@pytest.mark.parametrize(("text", "layout"), [
    ("[d] days hh:mm:ss", DaysLayout()),
    ("[d] days hh:mm:ss.000000", DaysLayout(6)),
    ("[d] days hh:mm:ss.000000~", DaysLayout(6, bare_wholes=True)),
    ("[d] days", DaysLayout(clock=False)),
    ("PnDTnHnMnS", IsoLayout("D", every_field=True)),
    ("PTnHnMnS~", IsoLayout("H")),
    ("PTnMnS", IsoLayout("M", every_field=True)),
    ("PTn.###S~", IsoLayout("S", decimals=3)),
    ("PnDTnHnMn.000000S", IsoLayout("D", every_field=True, decimals=6, fixed=True)),
])
def test_days_and_iso_layouts_are_read_and_written_alike(text: str,
                                                         layout: DurationLayout) -> None:
    assert duration_layout(text) == layout
    assert str(layout) == text


@pytest.mark.parametrize("text", [
    "[d] day hh:mm:ss", "[d] days mm:ss", "[d] days hh:mm:ss.", "[dd] days hh:mm:ss",
    "PnDTnMnS", "PnHnMnS", "PnDTnH", "PnD", "PTnHnMnS~~", "PTnHnMn.0#S", "PnYnMnDTnHnMnS", "P",
])
def test_other_texts_are_no_days_or_iso_layouts(text: str) -> None:
    assert duration_layout(text) is None


def test_pandas_durations_are_read_as_seconds_negative_ones_too() -> None:
    values = pd.Series(["2 days 20:37:56", "-1 days +23:59:59", "0 days 00:00:01.500000",
                        "-2 days +00:00:00", "3 days", None, "1 day 00:00:00",
                        "0 days 24:00:00", "2 days, 20:37:56"], dtype=object)
    expected = [2 * 86400 + 20 * 3600 + 37 * 60 + 56, -1, 1.5, -2 * 86400, 3 * 86400,
                np.nan, np.nan, np.nan, np.nan]
    np.testing.assert_array_equal(parse_durations(values, DaysLayout()), expected)
    texts = [str(pd.Timedelta(s, "s")) for s in (-90061.25, -0.5, 0.0, 7.0, 1e6)]
    np.testing.assert_allclose(parse_durations(pd.Series(texts), DaysLayout(6, bare_wholes=True)),
                               [-90061.25, -0.5, 0.0, 7.0, 1e6])


def test_iso_durations_are_read_as_seconds() -> None:
    values = pd.Series(["P2DT20H37M56S", "PT20H7M", "PT1.5S", "P0DT1H0M0S", "P-1DT23H59M59S",
                        "-PT1M", "PT68H", "P3D", "P5M", "PT", "P", "P1Y", "PT1,5S", None],
                       dtype=object)
    expected = [2 * 86400 + 20 * 3600 + 37 * 60 + 56, 20 * 3600 + 7 * 60, 1.5, 3600, -1, -60,
                68 * 3600, 3 * 86400] + [np.nan] * 6
    np.testing.assert_array_equal(parse_durations(values, IsoLayout()), expected)


@pytest.mark.parametrize(("values", "layout"), [
    # what str(pd.Timedelta) and DataFrame.to_csv write
    (["9 days 20:17:04", "0 days 00:00:05", "-1 days +23:59:59"], "[d] days hh:mm:ss"),
    (["0 days 00:00:01.500000", "2 days 00:00:01.000000"], "[d] days hh:mm:ss.000000"),
    (["0 days 00:00:01.500000", "2 days 00:00:01"], "[d] days hh:mm:ss.000000~"),
    (["1 days", "12 days"], "[d] days"),
    # pandas' isoformat() writes every field; other writers leave zeros out
    (["P0DT1H0M0S", "P2DT20H37M56S", "P0DT0H0M1.5S"], "PnDTnHnMn.#S"),
    (["PT20H7M", "P2DT20H37M56S", "PT1.5S"], "PnDTnHnMn.#S~"),
    (["PT68H0M0S", "PT20H7M5S"], "PTnHnMnS"),  # hours as many as there are, no days
    (["PT68H", "PT20H7M"], "PTnHnMnS~"),
    (["PT1.50S", "PT2.25S"], "PTn.00S"),
    (["PT1.5S", "PT2.25S", "PT3S"], "PTn.##S"),
])
def test_days_and_iso_columns_are_durations_whatever_their_name(values: list[str],
                                                                layout: str) -> None:
    assert _detect(values) == layout


def test_lap_times_with_decimals_are_durations_without_a_duration_name() -> None:
    # 1:56.30 cannot be a time of day: no clock writes minutes with decimals of a second
    assert _detect(["1:56.30", "2:01.05", "1:58.00"]) == "[m]:ss.00"
    assert _detect(["12:30", "1:56.3"]) == "[m]:ss.0"
    assert _detect(["12:30", "14:05"]) is None
    assert _detect(["14:05:33", "9:15:00.5"]) is None  # a time of day may show decimals
    for values, fmt in [(["12:30", "14:05"] * 10, "%H:%M"), (["14:05:33", "09:15:00"] * 10,
                                                              "%H:%M:%S")]:
        c = infer_column(pd.Series(values, name="t"))
        assert (c.kind, c.datetime_format) == (Kind.DATETIME, fmt)


@pytest.mark.parametrize(("values", "layout"), [
    ([str(pd.Timedelta(int(s), "s")) for s in (-90061, 5, 997209)], "[d] days hh:mm:ss"),
    ([pd.Timedelta(int(s), "s").isoformat() for s in (61, 5, 997209)], "PnDTnHnMnS"),
    (["PT20H7M", "P2DT20H37M56S", "PT1.5S"], "PnDTnHnMn.#S~"),
    (["1:56.30", "2:01.05", "1:58.00"], "[m]:ss.00"),
])
def test_a_column_of_them_is_numerical_in_seconds_with_its_layout(values: list[str],
                                                                  layout: str) -> None:
    c = infer_column(pd.Series(values * 10, name="v", dtype=object))
    seconds = parse_durations(pd.Series(values), duration_layout(layout))
    assert (c.kind, c.text_format) == (Kind.NUMERICAL, layout)
    assert (c.minimum, c.maximum) == (seconds.min(), seconds.max())


def test_the_schema_takes_days_and_iso_layouts_and_says_what_it_takes() -> None:
    for layout in ("[d] days hh:mm:ss.000000~", "PnDTnHnMnS~", "PTn.###S"):
        assert Column("t", Kind.NUMERICAL, text_format=layout).text_format == layout
    for nonsense in ("[d] days mm:ss", "PnDTnMnS", "P1DT2H"):
        with pytest.raises(SchemaError, match=r"\[d\] days hh:mm:ss.*PnDTnHnMnS.*'~'"):
            Column("t", Kind.NUMERICAL, text_format=nonsense)
