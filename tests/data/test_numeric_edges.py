"""Numbers and text at the edges of their types come back as the column held them (QA sweep 12)."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from simulacra import infer_schema, make_synthesizer
from simulacra.errors import FitWarning


@pytest.mark.parametrize("dtype", ["int64", "Int64", "int64[pyarrow]"])
@pytest.mark.parametrize("name", ["copula", "cart", "independent"])
def test_integers_at_int64s_top_never_wrap(dtype, name) -> None:
    v = pd.Series(list(range(100)) * 3, dtype=dtype)
    v[:3] = 2**63 - 1
    with pytest.warns(FitWarning, match="beyond 2\\*\\*53"):
        syn = make_synthesizer(name, seed=3).fit(pd.DataFrame({"v": v}))
    out = syn.sample(600, seed=5)
    assert str(out["v"].dtype) == dtype
    assert out["v"].min() >= 0  # 2**63 cast to int64 wrapped to -2**63


def test_python_integers_beyond_int64_stay_integers() -> None:
    v = pd.Series([2**70, 5, 17, 300] * 50, dtype=object)
    with pytest.warns(FitWarning, match="50 value\\(s\\) are integers beyond 2\\*\\*53"):
        syn = make_synthesizer("cart", seed=3).fit(pd.DataFrame({"v": v}))
    out = syn.sample(200, seed=5)
    assert {type(x) for x in out["v"]} == {int}
    assert {5, 17, 300} <= set(out["v"])


def test_decimals_with_more_digits_than_float64_are_named() -> None:
    long = pd.DataFrame({"v": [Decimal("12345678901234567890.123") + i for i in range(200)]})
    with pytest.warns(FitWarning, match="200 Decimal value\\(s\\) have more than 15"):
        make_synthesizer("cart", seed=1).fit(long)
    short = pd.DataFrame({"v": [Decimal("1234567890123.45") + i for i in range(200)]})
    out = make_synthesizer("cart", seed=1).fit(short).sample(50, seed=2)  # no warning
    assert all(x.as_tuple().exponent == -2 for x in out["v"])


@pytest.mark.parametrize("dtype", ["float32", "Float32"])
def test_float32_columns_keep_their_decimals(dtype) -> None:
    v = np.round(np.random.default_rng(0).uniform(0, 100, 300), 2)
    df = pd.DataFrame({"v": pd.Series(v).astype(dtype)})
    assert infer_schema(df).table().column("v").decimals == 2
    out = make_synthesizer("cart", seed=1).fit(df).sample(300, seed=2)
    assert str(out["v"].dtype) == dtype
    hundredths = out["v"].to_numpy(dtype=np.float64) * 100
    assert np.allclose(hundredths, np.round(hundredths), atol=1e-3)


def test_full_precision_float32_is_not_given_decimals_it_lacks() -> None:
    v = np.random.default_rng(0).uniform(0, 1, 300).astype(np.float32)
    decimals = infer_schema(pd.DataFrame({"v": v})).table().column("v").decimals
    assert decimals is None or decimals >= 7  # float32 holds about 7 significant digits


@pytest.mark.parametrize("dtype", ["string[python]", "string[pyarrow]", "str", "object"])
def test_text_columns_keep_their_storage(dtype) -> None:
    df = pd.DataFrame({"v": pd.Series(["a", "b", None] * 100, dtype=dtype)})
    out = make_synthesizer("cart", seed=1).fit(df).sample(50, seed=2)
    assert out["v"].dtype == df["v"].dtype
    assert getattr(out["v"].dtype, "storage", None) == getattr(df["v"].dtype, "storage", None)


@pytest.mark.parametrize("name", ["auto", "cart", "copula", "independent", "bayesnet"])
def test_floats_near_float64s_largest_fit_without_numpy_warnings(name) -> None:
    # pytest turns warnings into errors: an overflow warning out of fit fails this
    r = np.random.default_rng(0)
    df = pd.DataFrame({"v": r.uniform(-1, 1, 300) * 1.7e308, "w": r.uniform(-1, 1, 300) * 1.7e308,
                       "c": r.choice(["a", "b"], 300)})
    out = make_synthesizer(name, seed=1).fit(df).sample(100, seed=2)
    assert np.isfinite(out["v"]).all()
    assert df["v"].min() <= out["v"].min() and out["v"].max() <= df["v"].max()


def test_decimals_of_their_own_places_are_written_without_trailing_zeros() -> None:
    # QA sweep 12: 2, 1.5 and 0.25 came back 2.000, 1.500 and 0.250
    own = pd.DataFrame({"v": [Decimal("2"), Decimal("1.5"), Decimal("0.25"), Decimal("3.125"),
                              Decimal("0")] * 40})
    out = make_synthesizer("cart", seed=1).fit(own).sample(200, seed=2)
    shown = {str(x) for x in out["v"]}
    assert shown <= {"2", "1.5", "0.25", "3.125", "0"} and len(shown) > 2
    # a column that writes trailing zeros keeps its places
    cents = pd.DataFrame({"v": [Decimal("12.50"), Decimal("3.10"), Decimal("7.25")] * 50})
    out = make_synthesizer("cart", seed=1).fit(cents).sample(100, seed=2)
    assert all(x.as_tuple().exponent == -2 for x in out["v"])


def test_whole_decimals_written_bare_stay_bare_beside_cents() -> None:
    # QA sweep 12 leftover: prices 2, 1.50, 3.25 came back 2.00 for the whole ones
    r = np.random.default_rng(0)
    whole = [Decimal(int(v)) for v in r.integers(1, 20, 60)]
    cents = [Decimal(f"{v:.2f}") for v in r.integers(101, 1999, 140) / 100 if v % 1]
    prices = pd.DataFrame({"price": whole + cents})
    out = make_synthesizer("copula", seed=1).fit(prices).sample(400, seed=2)["price"]
    bare = [x for x in out if x == x.to_integral_value()]
    assert bare and all(x.as_tuple().exponent == 0 for x in bare)
    assert all(x.as_tuple().exponent == -2 for x in out if x != x.to_integral_value())
    # one whole value written with places (5.00) keeps every value at the column's places
    held = pd.DataFrame({"price": [*whole, Decimal("5.00"), *cents]})
    out = make_synthesizer("copula", seed=1).fit(held).sample(400, seed=2)["price"]
    assert all(x.as_tuple().exponent == -2 for x in out)
