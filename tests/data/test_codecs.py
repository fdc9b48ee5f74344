"""TableCodec: encoded layout, exact round trips, dtype restoration, decoding model output."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pytest

from simulacra.data._codecs import TableCodec
from simulacra.data._datetime_format import TICKS_PER_SECOND
from simulacra.data._frame import EncodedColumn, EncodedFrame
from simulacra.errors import (
    ArtifactError,
    DataValidationError,
    FitWarning,
    InvalidParameterError,
    SchemaError,
)
from simulacra.schema import infer_schema
from simulacra.schema._model import Column, Kind, PIIType, Table


def _table(*columns: Column) -> Table:
    return Table("t", columns)


def _col(name: str, kind: Kind, series: pd.Series, **fields: Any) -> Column:
    return Column(name, kind, dtype=str(series.dtype), **fields)


def _round_trip(df: pd.DataFrame, table: Table) -> pd.DataFrame:
    codec = TableCodec.fit(df, table)
    return codec.decode(codec.encode(df), rng=np.random.default_rng(0))


def _assert_exact(df: pd.DataFrame, table: Table) -> None:
    out = _round_trip(df, table)
    assert list(out.columns) == list(df.columns)
    for name in df.columns:
        pd.testing.assert_series_equal(out[name], df[name], check_exact=True)
        assert [type(v) for v in out[name]] == [type(v) for v in df[name]], name


def _through_json(tree: Any) -> Any:
    """What saving does: arrays apart (never object arrays), the rest through JSON."""
    arrays: list[np.ndarray] = []

    def split(node: Any) -> Any:
        if isinstance(node, np.ndarray):
            assert node.dtype != object, "object arrays cannot be saved"
            arrays.append(node.copy())
            return {"__array__": len(arrays) - 1}
        if isinstance(node, Mapping):
            return {str(k): split(v) for k, v in node.items()}
        if isinstance(node, (list, tuple)):
            return [split(v) for v in node]
        return node

    def join(node: Any) -> Any:
        if isinstance(node, dict):
            if set(node) == {"__array__"}:
                return arrays[node["__array__"]]
            return {k: join(v) for k, v in node.items()}
        if isinstance(node, list):
            return [join(v) for v in node]
        return node

    return join(json.loads(json.dumps(split(tree), allow_nan=True)))


# ---- encoded layout ------------------------------------------------------------------------
def test_encoded_columns_names_kinds_and_missing_indicators() -> None:
    df = pd.DataFrame({
        "age": pd.array([30, None, 41, 30], dtype="Int64"),
        "score": [0.5, 1.5, 2.5, 3.5],
        "city": ["a", "b", None, "a"],
        "when": pd.to_datetime(["2021-01-01", None, "2021-01-03", "2021-01-02"]),
        "id": [1, 2, 3, 4],
        "flat": ["x", "x", "x", "x"],
    })
    table = _table(
        _col("age", Kind.NUMERICAL, df["age"], integer=True),
        _col("score", Kind.NUMERICAL, df["score"]),
        _col("city", Kind.CATEGORICAL, df["city"]),
        _col("when", Kind.DATETIME, df["when"]),
        _col("id", Kind.ID, df["id"], id_format="integer", unique=True),
        _col("flat", Kind.CATEGORICAL, df["flat"]),
    )
    codec = TableCodec.fit(df, table)
    cols = codec.encoded_columns
    assert [c.name for c in cols] == [
        "age.missing", "age", "score", "city", "when.missing", "when"
    ]
    assert [c.source for c in cols] == ["age", "age", "score", "city", "when", "when"]
    assert [(c.discrete, c.cardinality) for c in cols] == [
        (True, 2), (False, 0), (False, 0), (True, 3), (True, 2), (False, 0)
    ]
    assert cols[1].integer and not cols[2].integer and cols[5].integer
    frame = codec.encode(df)
    assert frame.values.dtype == np.float64 and frame.values.shape == (4, 6)
    assert not np.isnan(frame.values).any()
    np.testing.assert_array_equal(frame.column("age.missing"), [0, 1, 0, 0])
    assert frame.column("age")[1] == 30.0  # the median fills the gap



def test_encoded_columns_say_which_code_is_missing() -> None:
    # ctgan picks a missing value's category at its real rate, so it must know which it is
    df = pd.DataFrame({"age": [30.0, None, 41.0], "city": ["a", "b", None],
                       "flag": pd.array([True, None, False], dtype="boolean"),
                       "kind": ["x", "y", "x"]})
    table = _table(_col("age", Kind.NUMERICAL, df["age"]),
                   _col("city", Kind.CATEGORICAL, df["city"]),
                   _col("flag", Kind.BOOLEAN, df["flag"]),
                   _col("kind", Kind.CATEGORICAL, df["kind"]))
    codec = TableCodec.fit(df, table)
    cols = codec.encoded_columns
    assert [(c.name, c.missing_code) for c in cols] == [
        ("age.missing", 1), ("age", -1), ("city", 2), ("flag", 2), ("kind", -1)]
    frame = codec.encode(df)
    assert frame.column("city")[2] == 2 and frame.column("flag")[1] == 2
    # saved with the column; a column saved before it was kept loads without it, and is
    # the same column (a model saved then samples against the codec's new columns)
    assert EncodedColumn.from_dict(cols[2].to_dict()).missing_code == 2
    old = {k: v for k, v in cols[2].to_dict().items() if k != "missing_code"}
    assert EncodedColumn.from_dict(old).missing_code == -1
    assert EncodedColumn.from_dict(old) == cols[2]
    assert "missing_code" not in cols[4].to_dict()

def test_categories_ordered_by_frequency_then_first_appearance() -> None:
    s = pd.Series(["b", "c", "a", "c", "a", "d", None, "c"])
    codec = TableCodec.fit(s.to_frame("x"), _table(_col("x", Kind.CATEGORICAL, s)))
    codes = codec.encode(s.to_frame("x")).values[:, 0]
    # c (3) first, then a (2), then b and d (1 each) by first appearance; missing last
    np.testing.assert_array_equal(codes, [2, 0, 1, 0, 1, 3, 4, 0])


def test_boolean_codes_are_false_true_then_missing() -> None:
    s = pd.Series(pd.array([True, True, None, False, True], dtype="boolean"))
    codec = TableCodec.fit(s.to_frame("b"), _table(_col("b", Kind.BOOLEAN, s)))
    np.testing.assert_array_equal(codec.encode(s.to_frame("b")).values[:, 0], [1, 1, 2, 0, 1])
    assert codec.encoded_columns[0].cardinality == 3


# ---- exact round trips -----------------------------------------------------------------------
def test_categorical_round_trips_exactly_for_every_dtype() -> None:
    df = pd.DataFrame({
        "s": pd.Series(["x", None, "y", "x", "z", None], dtype="str"),
        "o": pd.Series(["x", None, "y", "x", "z", "y"], dtype=object),
        "i": pd.Series([3, 1, 3, 2, 2, 3], dtype="int64"),
        "f": [1.5, np.nan, 2.0, 1.5, 1.5, 2.0],
        "n": pd.array([1, None, 2, 1, 1, 2], dtype="Int64"),
        "c": pd.Categorical(["lo", "hi", None, "lo", "mid", "lo"],
                            categories=["lo", "mid", "hi", "never"], ordered=True),
    })
    table = _table(*(_col(c, Kind.CATEGORICAL, df[c]) for c in df.columns))
    _assert_exact(df, table)


def test_text_dtype_a_series_cannot_hold_decodes_missing_as_missing() -> None:
    # pandas < 3 reads "str" (a model saved under pandas 3) as numpy's fixed-width "<U":
    # missing cells once came back as the most frequent category
    df = pd.DataFrame({"s": pd.Series(["x", None, "y", "x", None, None], dtype=object)})
    codec = TableCodec.fit(df, _table(Column("s", Kind.CATEGORICAL, dtype="<U1")))
    out = codec.decode(codec.encode(df), rng=np.random.default_rng(0))
    assert out["s"].isna().tolist() == df["s"].isna().tolist()
    assert out["s"].dropna().tolist() == ["x", "y", "x"]


def test_mixed_type_categories_keep_their_python_types() -> None:
    s = pd.Series([1, "1", 1.0, True, 2.5, None, "a", 1, False, 0, 0.0], dtype=object)
    df = s.to_frame("m")
    table = _table(_col("m", Kind.CATEGORICAL, s))
    codec = TableCodec.fit(df, table)
    cats = codec.get_state()["columns"][0]["state"]["categories"]
    assert len(cats) == 9  # 1, "1", 1.0, True, 2.5, "a", False, 0, 0.0 all distinct
    restored = json.loads(json.dumps(cats))
    assert [type(c) for c in restored] == [type(c) for c in cats]
    _assert_exact(df, table)


def test_boolean_round_trips_exactly() -> None:
    df = pd.DataFrame({
        "b": [True, False, True, True],
        "nb": pd.array([True, None, False, True], dtype="boolean"),
        "ob": pd.Series([True, None, False, True], dtype=object),
    })
    _assert_exact(df, _table(*(_col(c, Kind.BOOLEAN, df[c]) for c in df.columns)))


def test_datetime_round_trips_naive_aware_and_missing() -> None:
    df = pd.DataFrame({
        "day": pd.to_datetime(["2021-01-01", None, "2020-02-29", "2024-12-31"]),
        "sec": pd.to_datetime(["2021-03-28 01:59:59", "2021-10-31 02:30:00",
                               "2021-10-31 03:30:00", None]).tz_localize("UTC")
               .tz_convert("Europe/Berlin"),
        "micro": pd.to_datetime(["2021-01-01 00:00:00.000001", "2021-01-01 00:00:00.5",
                                 "2021-01-02", "2021-01-01 12:00:00"], format="ISO8601")
                 .as_unit("us"),
        "ns": pd.to_datetime(["2021-01-01 00:00:00.000000001", "2021-01-01",
                              "2021-01-01 00:00:01", "2021-01-01"], format="ISO8601")
              .as_unit("ns"),
        "local_days": pd.to_datetime(["2021-03-28", "2021-10-31", "2021-06-01",
                                      "2022-03-27"]).tz_localize("Europe/Berlin"),
    })
    _assert_exact(df, _table(*(_col(c, Kind.DATETIME, df[c]) for c in df.columns)))


def test_durations_and_pyarrow_timestamps_round_trip() -> None:
    df = pd.DataFrame({
        "wait": pd.to_timedelta([90.0, None, 3600.5, 0.0], unit="s"),
        "at": pd.array(pd.date_range("2020-01-01", periods=4, freq="h", tz="Asia/Kolkata"),
                       dtype="timestamp[ns, tz=Asia/Kolkata][pyarrow]"),
    })
    table = infer_schema(df).table()
    assert [c.kind for c in table.columns] == [Kind.NUMERICAL, Kind.DATETIME]
    _assert_exact(df, table)


@pytest.mark.parametrize(("values", "fmt", "tz"), [
    (["05/01/2020", "17/03/2021", None, "29/02/2024"], "%d/%m/%Y", None),
    (["2021-01-01T10:00:00.123456Z", "2021-06-30T23:59:59.000001Z", None,
      "2021-01-01T00:00:00.000000Z"], "%Y-%m-%dT%H:%M:%S.%fZ", "UTC"),
    (["01 Jan 2020", "31 Dec 1999", "15 Mar 2021", "01 Jan 2020"], "%d %b %Y", None),
    (["March 05, 2021", "December 31, 1999", None, "July 04, 2000"], "%B %d, %Y", None),
    (["2021-01-01 10:00", "2021-01-01 22:15", "2022-02-02 00:00", None],
     "%Y-%m-%d %H:%M", None),
    (["2021-01-01T10:00:00+0100", "2021-07-01T23:30:00+0100", None,
      "2020-02-29T00:00:00+0100"], "%Y-%m-%dT%H:%M:%S%z", "UTC+01:00"),
    (["2021-01-01T10:00:00+01:00", "2021-07-01T23:30:00+02:00", None,
      "2020-02-29T00:00:00+01:00"], "%Y-%m-%dT%H:%M:%S%:z", "Europe/Berlin"),
    (["2021-01-01", "2021-01-02"], "%Y-%m-%d", None),
    (["1/6/2006", "12/18/2008", None, "10/1/2010"], "%-m/%-d/%Y", None),  # written unpadded
    (["9:05 AM", "12:30 PM", "1:00 AM", None], "%-I:%M %p", None),
])
def test_string_datetimes_come_back_in_the_same_style(values: list[str | None], fmt: str,
                                                      tz: str | None) -> None:
    for dtype in ("str", "object"):
        s = pd.Series(values, dtype=dtype)
        _assert_exact(s.to_frame("d"), _table(_col("d", Kind.DATETIME, s,
                                                   datetime_format=fmt, timezone=tz)))


def test_dates_written_unpadded_are_sampled_unpadded_unless_the_schema_says_otherwise() -> None:
    s = pd.Series(pd.date_range("2002-01-01", periods=400, freq="D")).map(
        lambda d: f"{d.month}/{d.day}/{d.year}").rename("d")
    table = infer_schema(s.to_frame()).table()
    assert table.column("d").datetime_format == "%-m/%-d/%Y"
    codec = TableCodec.fit(s.to_frame(), table)
    block = EncodedFrame(np.random.default_rng(0).uniform(0, 399, size=(300, 1)),
                         codec.encoded_columns)
    out = codec.decode(block, rng=np.random.default_rng(0))["d"]
    assert out.str.fullmatch(r"[1-9]\d?/[1-9]\d?/2\d{3}").all()
    assert out.str.match(r"\d/").any()
    # a format edited by the user (or an older schema's) is written as it says: padded
    padded = Table("t", (dataclasses.replace(table.column("d"), datetime_format="%m/%d/%Y"),))
    out = TableCodec.fit(s.to_frame(), padded).decode(block, rng=np.random.default_rng(0))["d"]
    assert out.str.fullmatch(r"\d\d/\d\d/2\d{3}").all()


@pytest.mark.parametrize(("values", "dtype", "fmt"), [
    ([19750103, 19891124, 19800229, 19750103], "int64", "%Y%m%d"),
    ([19750103.0, np.nan, 19800229.0, 19891124.0], "float64", "%Y%m%d"),  # int with gaps
    ([19750103, None, 19800229, 19891124], "Int64", "%Y%m%d"),
    ([19750103, None, 19800229, 19891124], "object", "%Y%m%d"),  # ints as objects
    ([199701, 200012, 199701, 185003], "int64", "%Y%m"),
])
def test_integer_dates_round_trip_as_integers(values: list[Any], dtype: str, fmt: str) -> None:
    s = pd.Series(values, dtype=dtype)
    table = _table(_col("d", Kind.DATETIME, s, datetime_format=fmt))
    _assert_exact(s.to_frame("d"), table)
    codec = TableCodec.fit(s.to_frame("d"), table)
    width = len(codec.encoded_columns)
    block = np.column_stack([np.zeros(50), np.linspace(0, 10**9, 50)])[:, 2 - width:]
    out = codec.decode(EncodedFrame(block, codec.encoded_columns),
                       rng=np.random.default_rng(0))["d"]
    assert str(out.dtype) == dtype
    assert pd.to_datetime(out.dropna().astype(np.int64).astype(str), format=fmt).notna().all()
    if dtype == "object":
        assert all(isinstance(v, int) for v in out.dropna())


@pytest.mark.parametrize(("values", "layout", "written"), [
    # Stat2Data::Marathon: the few minutes:seconds come back in the column's layout
    (["38:31:00", "22:07", None, "112:46:00"], "[h]:mm:ss",
     ["38:31:00", "0:22:07", None, "112:46:00"]),
    (["1:02:03.50", "30:58:30.25", "12:00:00.00", None], "[h]:mm:ss.00", None),
    (["75:20", "58:30", "102:00", "75:20"], "[m]:ss", None),
])
def test_durations_written_as_text_round_trip_as_that_text(
        values: list[str | None], layout: str, written: list[str | None] | None) -> None:
    for dtype in ("str", "object"):
        s = pd.Series(values, dtype=dtype).rename("t")
        column = infer_schema(s.to_frame()).table().column("t")
        assert (column.kind, column.text_format) == (Kind.NUMERICAL, layout)
        out = _round_trip(s.to_frame(), _table(column))["t"]
        assert out.dtype == s.dtype  # object on pandas 2, str on pandas 3
        assert out.isna().tolist() == s.isna().tolist()
        assert out.dropna().tolist() == [v for v in written or values if v is not None]


def test_durations_sampled_keep_whole_minutes_and_old_models_decode_as_before() -> None:
    s = pd.Series([f"{20 + i}:{i % 60:02d}:00" for i in range(100)], name="t")
    codec = TableCodec.fit(s.to_frame(), infer_schema(s.to_frame()).table())
    block = EncodedFrame((np.arange(21, 98) * 3600.0 + 17.0)[:, None],
                         codec.encoded_columns)
    out = codec.decode(block, rng=np.random.default_rng(0))["t"]
    assert out.str.fullmatch(r"\d+:[0-5]\d:00").all()
    state = codec.get_state()
    del state["columns"][0]["state"]["duration_step"]  # a model saved before it was learned
    old = TableCodec.from_state(codec.table, state).decode(block, rng=np.random.default_rng(0))
    assert old["t"].str.fullmatch(r"\d+:[0-5]\d:17").all()


def test_a_value_that_is_no_duration_is_an_error_naming_it() -> None:
    s = pd.Series(["38:31:00", "22:07", "1:02:03"], name="t")
    column = infer_schema(s.to_frame()).table().column("t")
    codec = TableCodec.fit(s.to_frame(), _table(column))
    with pytest.raises(DataValidationError, match="'soon'") as err:
        codec.encode(pd.Series(["38:31:00", "soon"], name="t").to_frame())
    assert "[h]:mm:ss" in str(err.value)


def test_numerical_round_trips_with_original_dtypes() -> None:
    df = pd.DataFrame({
        "i": np.array([5, -3, 12, 7], dtype=np.int64),
        "i32": np.array([5, -3, 12, 7], dtype=np.int32),
        "ni": pd.array([5, None, 12, 7], dtype="Int64"),
        "f": [0.25, np.nan, 1.5, -2.75],
        "fi": [1.0, np.nan, 3.0, 4.0],  # integers with gaps arrive as float64
        "o": pd.Series([1, None, 3, 4], dtype=object),
    })
    table = _table(
        _col("i", Kind.NUMERICAL, df["i"], integer=True),
        _col("i32", Kind.NUMERICAL, df["i32"], integer=True),
        _col("ni", Kind.NUMERICAL, df["ni"], integer=True),
        _col("f", Kind.NUMERICAL, df["f"], decimals=2),
        _col("fi", Kind.NUMERICAL, df["fi"], integer=True, decimals=0),
        _col("o", Kind.NUMERICAL, df["o"], integer=True),
    )
    _assert_exact(df, table)


def test_constant_and_empty_columns_are_left_out_and_restored() -> None:
    df = pd.DataFrame({
        "k": ["same"] * 3,
        "z": [7, 7, 7],
        "t": pd.to_datetime(["2021-01-01"] * 3),
        "gone": pd.Series([None, None, None], dtype=object),
        "nan": [np.nan, np.nan, np.nan],
    })
    table = _table(
        _col("k", Kind.CATEGORICAL, df["k"]), _col("z", Kind.NUMERICAL, df["z"]),
        _col("t", Kind.DATETIME, df["t"]), _col("gone", Kind.CATEGORICAL, df["gone"]),
        _col("nan", Kind.NUMERICAL, df["nan"]),
    )
    codec = TableCodec.fit(df, table)
    assert codec.encoded_columns == ()
    _assert_exact(df, table)


# ---- decoding what a model produces ---------------------------------------------------------
def test_numerical_decode_applies_bounds_decimals_integers_and_missing() -> None:
    df = pd.DataFrame({
        "price": [1.25, 2.5, np.nan, 10.75],
        "n": pd.array([1, 5, None, 9], dtype="Int64"),
        "k": np.array([0, 3, 8, 4], dtype=np.int64),
    })
    table = _table(
        _col("price", Kind.NUMERICAL, df["price"], decimals=2),
        _col("n", Kind.NUMERICAL, df["n"], integer=True),
        _col("k", Kind.NUMERICAL, df["k"], integer=True, minimum=0.0, maximum=10.0),
    )
    codec = TableCodec.fit(df, table)
    model = np.array([
        # price.missing, price, n.missing, n, k
        [0, 3.14159, 0, 4.6, -3.2],
        [1, 5.0, 0, 100.0, 10.6],
        [0, 99.0, 1, 3.0, 4.49],
        [0.2, -1.0, 0.7, -50.0, np.nan],
    ])
    out = codec.decode(codec.encode(df).with_values(model), rng=np.random.default_rng(0))
    assert out["price"].dtype == np.float64
    assert out["price"].tolist()[0] == 3.14 and np.isnan(out["price"][1])
    assert out["price"][2] == 10.75 and out["price"][3] == 1.25  # clipped to the range seen
    assert out["n"].dtype == "Int64"
    assert out["n"].isna().tolist() == [False, False, True, True]  # indicator 0.7 rounds to 1
    assert out["n"].dropna().tolist() == [5, 9]
    assert out["k"].dtype == np.int64
    assert out["k"].tolist() == [0, 10, 4, 4]  # NaN from a model becomes the median


def test_discrete_decode_clips_and_rounds_codes() -> None:
    s = pd.Series(["a", "b", "c", None, "a"])
    codec = TableCodec.fit(s.to_frame("x"), _table(_col("x", Kind.CATEGORICAL, s)))
    frame = codec.encode(s.to_frame("x")).with_values(np.array([[-4.0], [0.6], [2.2], [9.0]]))
    out = codec.decode(frame, rng=np.random.default_rng(0))["x"]
    assert out.iloc[:3].tolist() == ["a", "b", "c"] and pd.isna(out.iloc[3])


def test_datetime_grid_is_detected_and_decode_rounds_to_it() -> None:
    cases = {  # name: (values whose steps' largest common divisor is the grid, span in grid steps)
        "days": (["2021-01-01", "2021-01-02", "2021-01-11"], 10.0),
        "weeks": (["2021-01-04", "2021-01-11", "2021-03-01"], 8.0),
        "seconds": (["2021-01-01 00:00:00", "2021-01-01 00:00:01", "2021-01-01 00:01:40"],
                    100.0),
        "millis": (["2021-01-01 00:00:00.000", "2021-01-01 00:00:00.010",
                    "2021-01-01 00:00:00.250"], 25.0),
        "five_minutes": (["2021-01-01 00:00", "2021-01-01 00:05", "2021-01-01 01:40"], 20.0),
        "hours": (["2021-01-01 00:00", "2021-01-01 01:00", "2021-01-02 04:00"], 28.0),
    }
    for name, (texts, span) in cases.items():
        stamps = pd.to_datetime(texts)
        s = pd.Series(stamps, name=name)
        codec = TableCodec.fit(s.to_frame(), _table(_col(name, Kind.DATETIME, s)))
        encoded = codec.encode(s.to_frame()).values[:, 0]
        assert encoded[0] == 0.0 and encoded[-1] == span, name
        out = codec.decode(EncodedFrame(np.array([[span / 2 + 0.3], [span * 5]]),
                                        codec.encoded_columns), rng=np.random.default_rng(0))
        step = (stamps[-1] - stamps[0]) / span
        assert out[name][0] == stamps[0] + step * round(span / 2 + 0.3), name
        assert out[name][1] == stamps[-1], name  # clipped to the latest value seen


@pytest.mark.parametrize(("texts", "days"), [
    # two gaps of 282 and 376 days share 94 by chance: too few dates to call it a grid
    (["2020-10-04", "2021-07-13", "2022-07-24"], 1),
    (["2020-10-04", "2021-07-13", "2022-07-24", "2020-10-04"], 1),
    (["2021-01-04", "2021-01-18", "2021-03-01"], 7),  # a round step: weeks
    ([str(d.date()) for d in pd.date_range("2020-10-04", periods=10, freq="94D")], 94),
])
def test_a_date_grid_needs_enough_dates_or_a_round_step(texts: list[str], days: int) -> None:
    s = pd.Series(pd.to_datetime(texts), name="d")
    codec = TableCodec.fit(s.to_frame(), _table(_col("d", Kind.DATETIME, s)))
    state = codec.codec("d").state
    assert state["step"] == days * 86_400 * TICKS_PER_SECOND[state["unit"]]
    units = np.linspace(0, codec.encode(s.to_frame()).values[:, 0].max(), 50)[:, None]
    out = codec.decode(EncodedFrame(units, codec.encoded_columns), rng=np.random.default_rng(0))
    assert ((out["d"] - s.min()).dt.days % days == 0).all()


def test_few_month_starts_keep_only_round_month_steps() -> None:
    s = pd.Series(pd.to_datetime(["2019-01-01", "2019-06-01", "2020-03-01"]), name="d")
    codec = TableCodec.fit(s.to_frame(), _table(_col("d", Kind.DATETIME, s)))
    assert codec.codec("d").state["calendar"] == "start"
    assert codec.codec("d").state["step"] == 1  # gaps of 5 and 9 months: monthly, not 1


@pytest.mark.parametrize(("dates", "kept"), [
    (pd.date_range("2001-01-01", "2010-12-01", freq="MS"), lambda d: d.dt.day == 1),
    (pd.date_range("2001-03-31", "2010-12-31", freq="QE"), lambda d: d.dt.is_quarter_end),
    (pd.date_range("1950-01-01", "2020-01-01", freq="YS"),
     lambda d: (d.dt.month == 1) & (d.dt.day == 1)),
])
def test_datetime_on_a_calendar_grid_stays_on_it(dates: pd.DatetimeIndex, kept: Any) -> None:
    # Monthly, quarter-end and yearly dates are no fixed number of days apart.
    s = pd.Series(dates[::-1], name="d")
    codec = TableCodec.fit(s.to_frame(), _table(_col("d", Kind.DATETIME, s)))
    encoded = codec.encode(s.to_frame()).values[:, 0]
    assert encoded.max() == len(dates) - 1 and encoded[-1] == 0.0  # one step per period
    units = np.random.default_rng(0).uniform(-3, len(dates) + 3, size=(500, 1))
    out = codec.decode(EncodedFrame(units, codec.encoded_columns), rng=np.random.default_rng(0))
    assert kept(out["d"]).all()
    assert out["d"].min() == dates[0] and out["d"].max() == dates[-1]
    back = codec.decode(codec.encode(s.to_frame()), rng=np.random.default_rng(0))
    pd.testing.assert_series_equal(back["d"], s)


def test_month_start_strings_with_a_time_zone_stay_month_starts() -> None:
    texts = pd.Series([f"{y}-{m:02d}-01 00:00:00+01:00" for y in (2019, 2020) for m in (1, 4, 7)]
                      + [None], name="d")
    table = infer_schema(texts.to_frame()).table()
    assert table.column("d").kind == Kind.DATETIME and table.column("d").datetime_format
    codec = TableCodec.fit(texts.to_frame(), table)
    encoded = codec.encode(texts.to_frame())
    assert np.nanmax(encoded.values[:, -1]) == 6.0  # quarters from January 2019
    out = codec.decode(encoded.with_values(encoded.values + 0.2), rng=np.random.default_rng(0))
    assert out["d"].tolist()[:-1] == texts.tolist()[:-1] and pd.isna(out["d"].iloc[-1])


# ---- generated columns ----------------------------------------------------------------------
def _generated_frame(n: int) -> tuple[pd.DataFrame, Table]:
    rng = np.random.default_rng(1)
    df = pd.DataFrame({
        "cid": [f"C-{i:05d}" for i in range(n)],
        "num": np.arange(n, dtype=np.int64) + 100,
        "uid": [f"{i:08x}-1111-4111-8111-111111111111" for i in range(n)],
        "email": pd.Series([f"user{i}@example.com" if i % 4 else None for i in range(n)],
                           dtype="str"),
        "phone": rng.integers(2_000_000_000, 9_999_999_999, n),
        "note": [("word " * int(k)).strip() for k in rng.integers(1, 30, n)],
        "x": rng.normal(size=n),
    })
    table = _table(
        _col("cid", Kind.ID, df["cid"], id_format="C-{:05d}", unique=True),
        _col("num", Kind.ID, df["num"], id_format="integer", unique=True),
        _col("uid", Kind.ID, df["uid"], id_format="uuid", unique=True),
        _col("email", Kind.PII, df["email"], pii_type=PIIType.EMAIL),
        _col("phone", Kind.PII, df["phone"], pii_type=PIIType.PHONE),
        _col("note", Kind.TEXT, df["note"]),
        _col("x", Kind.NUMERICAL, df["x"]),
    )
    return df, table


def test_generated_columns_are_not_encoded_and_come_back_in_their_dtype() -> None:
    df, table = _generated_frame(200)
    codec = TableCodec.fit(df, table)
    assert [c.name for c in codec.encoded_columns] == ["x"]
    out = codec.decode(codec.encode(df), rng=np.random.default_rng(3), start=1000)
    assert list(out.columns) == list(df.columns)
    assert out.dtypes.equals(df.dtypes)
    # row 1000 of a sample: ids continue past the chunks before it and every real id
    assert out["cid"].iloc[0] == "C-01200" and out["num"].tolist()[:2] == [1300, 1301]
    first = codec.decode(codec.encode(df), rng=np.random.default_rng(3))
    assert not set(first["cid"]) & set(df["cid"]) and not set(first["num"]) & set(df["num"])
    assert out["uid"].str.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                                    r"[0-9a-f]{12}").all()
    assert out["phone"].between(1_000_000_000, 9_999_999_999).all()
    assert out["email"].isna().any() and out["email"].notna().any()
    assert not set(out["email"].dropna()) & set(df["email"].dropna())
    assert not set(out["note"]) & set(df["note"])


def test_ids_and_unique_values_stay_unique_across_chunks() -> None:
    df, table = _generated_frame(50)
    table = table.replace_column(table.column("email").__class__(
        "email", Kind.PII, dtype="str", pii_type=PIIType.EMAIL, unique=True))
    codec = TableCodec.fit(df, table)
    rng = np.random.default_rng(5)
    frame = codec.encode(df)
    chunks = [codec.decode(frame, rng=rng, start=start) for start in (0, 50, 100)]
    out = pd.concat(chunks, ignore_index=True)
    for name in ("cid", "num", "uid"):
        assert out[name].is_unique, name
    emails = out["email"].dropna()
    assert emails.is_unique and len(emails) > 50


def test_missing_share_of_generated_columns_is_kept() -> None:
    s = pd.Series([None if i % 10 < 3 else f"Person {i}" for i in range(500)], dtype="str")
    table = _table(_col("who", Kind.PII, s, pii_type=PIIType.PERSON_NAME))
    codec = TableCodec.fit(s.to_frame("who"), table)
    out = codec.decode(EncodedFrame(np.empty((20_000, 0)), ()), rng=np.random.default_rng(0))
    assert abs(out["who"].isna().mean() - 0.3) < 0.02


def test_decode_is_reproducible_for_one_seed() -> None:
    df, table = _generated_frame(100)
    codec = TableCodec.fit(df, table)
    frame = codec.encode(df)
    a = codec.decode(frame, rng=np.random.default_rng(9))
    b = codec.decode(frame, rng=np.random.default_rng(9))
    pd.testing.assert_frame_equal(a, b)


# ---- state ----------------------------------------------------------------------------------
def test_state_survives_json_and_arrays_and_decodes_identically() -> None:
    df, table = _generated_frame(100)
    df["cat"] = pd.Series([[1, "1", 1.0, True][i % 4] for i in range(100)], dtype=object)
    df["when"] = pd.date_range("2021-01-01", periods=100, freq="37min", tz="Europe/Berlin")
    df["d"] = pd.Series(pd.date_range("2020-01-01", periods=100).strftime("%d/%m/%Y"))
    table = Table("t", (*table.columns, _col("cat", Kind.CATEGORICAL, df["cat"]),
                        _col("when", Kind.DATETIME, df["when"]),
                        _col("d", Kind.DATETIME, df["d"], datetime_format="%d/%m/%Y")))
    codec = TableCodec.fit(df, table)
    loaded = TableCodec.from_state(table, _through_json(codec.get_state()))
    assert loaded.encoded_columns == codec.encoded_columns
    frame = codec.encode(df)
    np.testing.assert_array_equal(loaded.encode(df).values, frame.values)
    pd.testing.assert_frame_equal(
        loaded.decode(frame, rng=np.random.default_rng(4), start=7),
        codec.decode(frame, rng=np.random.default_rng(4), start=7),
    )


def test_from_state_refuses_other_formats_and_tables() -> None:
    df, table = _generated_frame(20)
    state = TableCodec.fit(df, table).get_state()
    with pytest.raises(ArtifactError, match="version"):
        TableCodec.from_state(table, {**state, "version": 99})
    with pytest.raises(ArtifactError, match="columns"):
        TableCodec.from_state(Table("t", table.columns[:2]), state)
    tampered = _through_json(state)
    tampered["columns"][3]["state"]["guard"]["probe"] = "0"
    with pytest.raises(ArtifactError, match="reproduce"):
        TableCodec.from_state(table, tampered)


# ---- errors ---------------------------------------------------------------------------------
def test_errors_say_what_and_where() -> None:
    s = pd.Series(["a", "b"])
    table = _table(_col("x", Kind.CATEGORICAL, s))
    with pytest.raises(SchemaError, match=r"no column\(s\) \['x'\]"):
        TableCodec.fit(pd.DataFrame({"y": s}), table)
    codec = TableCodec.fit(s.to_frame("x"), table)
    with pytest.raises(DataValidationError, match="not seen") as info:
        codec.encode(pd.Series(["a", "zz"]).to_frame("x"))
    assert info.value.issues[0].column == "x" and info.value.issues[0].rows == (1,)
    with pytest.raises(InvalidParameterError, match="columns"):
        codec.decode(EncodedFrame(np.zeros((2, 0)), ()), rng=np.random.default_rng(0))
    bad = pd.Series(["2021-01-01", "soon"])
    with pytest.raises(DataValidationError, match="soon"):
        TableCodec.fit(bad.to_frame("d"), _table(_col("d", Kind.DATETIME, bad,
                                                     datetime_format="%Y-%m-%d")))
    text = pd.Series(["1.5", "n/a"], dtype=object)
    with pytest.raises(DataValidationError, match="not numbers"):
        TableCodec.fit(text.to_frame("n"), _table(_col("n", Kind.NUMERICAL, text)))


# ---- size ----------------------------------------------------------------------------------
def test_decoding_a_large_sample_is_vectorized() -> None:
    """A smoke test at a size where per-row Python would take many seconds (not timed)."""
    df, table = _generated_frame(300)
    df["cat"] = pd.Series(np.random.default_rng(0).choice(list("abcdef"), 300), dtype="str")
    df["when"] = pd.Series(pd.date_range("2020-01-01", periods=300, freq="h").strftime(
        "%Y-%m-%d %H:%M"), dtype="str")
    table = Table("t", (*table.columns, _col("cat", Kind.CATEGORICAL, df["cat"]),
                        _col("when", Kind.DATETIME, df["when"],
                             datetime_format="%Y-%m-%d %H:%M")))
    codec = TableCodec.fit(df, table)
    frame = codec.encode(df)
    big = frame.with_values(frame.values[np.random.default_rng(1).integers(0, 300, 200_000)])
    out = codec.decode(big, rng=np.random.default_rng(2))
    assert out.shape == (200_000, len(table.columns))
    assert out["cid"].is_unique and out["when"].str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d").all()


def test_integers_at_the_int64_limit_do_not_wrap_around() -> None:
    top = np.iinfo(np.int64).max
    s = pd.Series(np.array([top, top - 5, 2**62, 0], dtype=np.int64), name="big")
    # float64 cannot hold them all: said, with the kinds that keep them
    with pytest.warns(FitWarning, match=r"'big': 3 value\(s\) are integers beyond 2\*\*53.*"
                                        r"'id'.*'categorical'"):
        codec = TableCodec.fit(s.to_frame(), _table(_col("big", Kind.NUMERICAL, s, integer=True,
                                                         decimals=0)))
    block = np.array([[float(top)], [float(top) * 1.01], [0.0]])
    out = codec.decode(EncodedFrame(block, codec.encoded_columns), rng=np.random.default_rng(0))
    assert out["big"].dtype == np.int64
    assert (out["big"].iloc[:2] > 2**62).all()  # the largest int64 a float can reach, not < 0


def test_bounds_narrower_than_the_data_warn_and_inverted_bounds_are_refused() -> None:
    s = pd.Series([1.0, 5.0, 50.0, 99.0], name="age")
    table = _table(_col("age", Kind.NUMERICAL, s, minimum=18.0, maximum=65.0))
    with pytest.warns(FitWarning, match=r"3 real value\(s\) lie outside .*\[18, 65\]"):
        TableCodec.fit(s.to_frame(), table)
    with pytest.raises(SchemaError, match=r"'minimum' \(65.0\) is above 'maximum' \(18.0\)"):
        _col("age", Kind.NUMERICAL, s, minimum=65.0, maximum=18.0)
