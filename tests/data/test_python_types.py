"""Object columns of ``datetime.date``, ``datetime.time`` and ``Decimal`` values come back so.

pandas keeps such columns as ``object``; the codecs learn the Python type of their values at
fit (SQL DATE and NUMERIC read through a driver, ``df["ts"].dt.date``) and decode to it.
"""

from __future__ import annotations

import datetime as dt
import warnings
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest

from simulacra import make_synthesizer
from simulacra.data._codecs import TableCodec
from simulacra.schema import infer_schema
from tests.data.test_codecs import _through_json


def _frame(n: int = 60, missing: Any = None) -> pd.DataFrame:
    days = [dt.date(2020, 1, 1) + dt.timedelta(days=7 * (i % 40)) for i in range(n)]
    df = pd.DataFrame({
        "day": pd.Series(days, dtype=object),
        "clock": pd.Series([dt.time(8 + i % 4, 30) for i in range(n)], dtype=object),
        "amount": pd.Series([Decimal(f"{10 + 2.5 * (i % 13):.2f}") for i in range(n)],
                            dtype=object),
        "count": pd.Series([Decimal(i % 17) for i in range(n)], dtype=object),
    })
    if missing is not None:
        df.loc[[1, 4], ["day", "amount"]] = missing
    return df


def _round_trip(df: pd.DataFrame, codec: TableCodec | None = None) -> pd.DataFrame:
    codec = codec or TableCodec.fit(df, infer_schema(df).table())
    return codec.decode(codec.encode(df), rng=np.random.default_rng(0))


@pytest.mark.parametrize("missing", [None, np.nan])
def test_dates_times_and_decimals_round_trip_in_their_own_type(missing: Any) -> None:
    df = _frame(missing=missing)
    out = _round_trip(df)
    for name in df.columns:
        assert out[name].dtype == object, name
        assert [type(v) for v in out[name]] == [type(v) for v in df[name]], name
        assert out[name].tolist() == df[name].tolist() or name in ("day", "amount"), name
    present = df["day"].notna()
    assert out["day"][present].tolist() == df["day"][present].tolist()
    assert out["amount"][present].tolist() == df["amount"][present].tolist()
    assert [str(v) for v in out["amount"][present]] == [str(v) for v in df["amount"][present]]
    assert str(out["amount"][2]) == "15.00"  # the places of Decimal("15.00"), not 15.0
    assert [str(v) for v in out["count"][:3]] == ["0", "1", "2"]


def test_mixed_none_and_nan_stay_missing_and_values_keep_their_type() -> None:
    df = _frame()
    df.loc[[1, 4], ["day", "amount"]] = None
    df.loc[[2, 9], ["day", "amount"]] = np.nan
    out = _round_trip(df)
    for name in ("day", "amount"):
        assert out[name].isna().tolist() == df[name].isna().tolist()
        assert {type(v) for v in out[name].dropna()} == {type(df[name].dropna().iloc[0])}


def test_sampled_values_keep_the_type_and_places() -> None:
    df = _frame(200)
    df.loc[::10, ["day", "amount"]] = None
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # times are no longer 'categories kept as text'
        syn = make_synthesizer("cart", seed=3).fit(df)
    out = syn.sample(300)
    assert {type(v) for v in out["day"].dropna()} == {dt.date}
    assert {type(v) for v in out["clock"]} == {dt.time}
    amounts = out["amount"].dropna()
    assert {type(v) for v in amounts} == {Decimal}
    assert {v.as_tuple().exponent for v in amounts} == {-2}  # Decimal("12.50"), not 12.5
    assert out["amount"].isna().any()
    assert {type(v) for v in out["count"]} == {Decimal}


def test_state_survives_saving_and_older_models_decode_as_before() -> None:
    df = _frame(missing=None)
    codec = TableCodec.fit(df, infer_schema(df).table())
    loaded = TableCodec.from_state(codec.table, _through_json(codec.get_state()))
    pd.testing.assert_frame_equal(_round_trip(df, loaded), _round_trip(df, codec))
    state = codec.get_state()
    for column in state["columns"]:
        if column["name"] in ("day", "amount"):
            column["state"].pop("python")  # a model saved before the type was learned
            column["state"].pop("decimal_places", None)
    old = _round_trip(df, TableCodec.from_state(codec.table, state))
    assert isinstance(old["day"].dropna().iloc[0], pd.Timestamp)
    assert isinstance(old["amount"].dropna().iloc[0], float)


def test_datetime_objects_stay_timestamps() -> None:
    df = pd.DataFrame({"when": pd.Series([dt.datetime(2020, 1, 1 + i % 20, 8)
                                          for i in range(40)], dtype=object)})
    assert {type(v) for v in _round_trip(df)["when"]} == {pd.Timestamp}
