"""Each column generator: values, types, parameters, nulls, uniqueness."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
import pytest

from simulacra.errors import SpecError
from simulacra.mock import MockData, load_spec
from simulacra.mock._regex import parse_regex
from simulacra.schema import Kind


def _gen(columns: dict[str, Any], n: int = 2000, seed: int = 1) -> pd.DataFrame:
    spec = load_spec({"tables": {"t": {"rows": n, "columns": columns}}})
    return MockData(spec, seed=seed).rows("t", 0, n)


def test_sequence_and_formatted_sequence() -> None:
    df = _gen({"a": {"sequence": {"start": 10, "step": 5}},
               "b": {"sequence": {"start": 1, "format": "C-{:05d}"}}}, n=5)
    assert df["a"].tolist() == [10, 15, 20, 25, 30] and df["a"].dtype == "int64"
    assert df["b"].tolist() == ["C-00001", "C-00002", "C-00003", "C-00004", "C-00005"]


def test_uuid_shape_and_uniqueness() -> None:
    df = _gen({"u": {"uuid": True}})
    pattern = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
    assert all(pattern.fullmatch(v) for v in df["u"])
    assert df["u"].is_unique


def test_distributions_follow_parameters() -> None:
    df = _gen({
        "n": {"normal": {"mean": 50, "std": 10}},
        "ln": {"lognormal": {"mean": 1.0, "sigma": 0.5}},
        "u": {"uniform": {"low": 2, "high": 3}},
        "p": {"poisson": {"lam": 4}},
        "b": {"boolean": 0.25},
    }, n=20000)
    assert abs(df["n"].mean() - 50) < 0.5 and abs(df["n"].std() - 10) < 0.5
    assert abs(np.log(df["ln"]).mean() - 1.0) < 0.02
    assert df["u"].between(2, 3).all()
    assert df["p"].dtype == "int64" and abs(df["p"].mean() - 4) < 0.1
    assert df["b"].dtype == bool and abs(df["b"].mean() - 0.25) < 0.02


def test_bounds_truncate_and_decimals_round() -> None:
    df = _gen({"age": {"normal": {"mean": 40, "std": 20}, "min": 18, "max": 90, "decimals": 0},
               "x": {"uniform": {"low": 0, "high": 1}, "decimals": 2}}, n=5000)
    assert df["age"].dtype == "int64" and df["age"].between(18, 90).all()
    assert (df["age"] == 18).mean() < 0.02  # redrawn, not piled up at the bound
    assert np.allclose(df["x"], df["x"].round(2))


def test_choice_weights_and_empirical_frequencies() -> None:
    df = _gen({"c": {"choice": ["a", "b", "c"], "weights": [0.7, 0.2, 0.1]},
               "e": {"empirical": ["red", "red", "red", "blue"]},
               "k": {"choice": [1, 2, 3]}}, n=20000)
    share = df["c"].value_counts(normalize=True)
    assert abs(share["a"] - 0.7) < 0.02 and abs(share["c"] - 0.1) < 0.02
    assert abs((df["e"] == "red").mean() - 0.75) < 0.02
    assert df["k"].dtype == "int64" and set(df["k"]) == {1, 2, 3}


def test_unique_choice_is_a_permutation() -> None:
    df = _gen({"c": {"choice": list(range(50)), "unique": True}}, n=50)
    assert sorted(df["c"]) == list(range(50))


def test_constant_and_null_share() -> None:
    df = _gen({"k": {"constant": "x"}, "v": {"poisson": {"lam": 2}, "null_share": 0.3},
               "s": {"faker": "city", "null_share": 0.2}}, n=10000)
    assert (df["k"] == "x").all()
    assert df["v"].dtype == "Int64" and abs(df["v"].isna().mean() - 0.3) < 0.02
    assert abs(df["s"].isna().mean() - 0.2) < 0.02


@pytest.mark.parametrize("pattern", [
    "[A-Z]{3}-[0-9]{4}", r"\d{2,5}", "(ab|cd)+x?", "[^a-z]{4}", r"v\.[0-9]+(\.[0-9]+)*",
    "^(?:foo|bar|baz)-[a-f0-9]{8}$", "é[ü-ü]{2}",
])
def test_regex_values_match(pattern: str) -> None:
    df = _gen({"r": {"regex": pattern}}, n=500)
    assert all(re.fullmatch(pattern, v) for v in df["r"]), df["r"].head()


@pytest.mark.parametrize("pattern", [r"(a)\1", "(?=a)b", r"\bword", "a{3,2}", "[z-a]", "*a"])
def test_unsupported_regex_is_refused(pattern: str) -> None:
    with pytest.raises(SpecError):
        parse_regex(pattern)


def test_unique_regex_stays_unique_across_blocks() -> None:
    df = _gen({"code": {"regex": "[A-Z]{2}[0-9]{4}", "unique": True}}, n=70000)
    assert df["code"].is_unique
    assert all(re.fullmatch("[A-Z]{2}[0-9]{4}", v) for v in df["code"].head(1000))


def test_faker_fast_pooled_and_template_providers() -> None:
    df = _gen({
        "name": {"faker": "name", "locale": "de_DE"},
        "email": {"faker": "email", "unique": True},
        "phone": {"faker": "phone_number"},
        "addr": {"faker": "address"},
        "iban": {"faker": "iban", "locale": "de_DE"},
        "job": {"faker": "job", "pool": 300},
        "year": {"faker": "year"},
    }, n=3000)
    assert df["email"].is_unique and df["email"].str.contains("@").all()
    assert df["iban"].str.startswith("DE").all()
    assert df["addr"].str.contains("\n").mean() > 0.9
    assert 50 < df["job"].nunique() <= 300
    assert df["name"].str.contains(" ").all()
    assert df["year"].notna().all()


def test_faker_pool_depends_on_seed_and_locale() -> None:
    a = _gen({"c": {"faker": "company"}}, n=200, seed=1)["c"]
    b = _gen({"c": {"faker": "company"}}, n=200, seed=2)["c"]
    assert not a.equals(b)


def test_dates_and_datetimes() -> None:
    df = _gen({
        "d": {"date": {"start": "2020-01-01", "end": "2020-01-31"}},
        "t": {"datetime": {"start": "2024-03-01", "end": "2024-03-02"},
              "timezone": "Europe/Berlin"},
        "f": {"date": {"start": "2021-05-01", "end": "2021-05-03"}, "format": "%d.%m.%Y"},
    }, n=3000)
    assert df["d"].dtype == "datetime64[ns]"
    assert df["d"].between(pd.Timestamp("2020-01-01"), pd.Timestamp("2020-01-31")).all()
    assert (df["d"] == df["d"].dt.normalize()).all() and df["d"].nunique() == 31
    assert str(df["t"].dt.tz) == "Europe/Berlin"
    assert set(df["f"]) == {"01.05.2021", "02.05.2021", "03.05.2021"}


def test_formula_reads_later_columns_and_rounds() -> None:
    df = _gen({"total": {"formula": "price * qty", "decimals": 2},
               "price": {"uniform": {"low": 1, "high": 10}, "decimals": 2},
               "qty": {"poisson": {"lam": 3}},
               "big": {"formula": "total > 10 and qty >= 2"},
               "m": {"formula": "max(price, 5) + abs(-1)"}}, n=1000)
    assert np.allclose(df["total"], (df["price"] * df["qty"]).round(2))
    assert df["big"].dtype == bool
    assert (df["big"] == ((df["total"] > 10) & (df["qty"] >= 2))).all()
    assert np.allclose(df["m"], np.maximum(df["price"], 5) + 1)


def test_cases_pick_first_matching_branch() -> None:
    df = _gen({
        "segment": {"choice": ["basic", "vip", "plus"]},
        "age": {"uniform": {"low": 0, "high": 100}},
        "discount": {"cases": [
            {"if": 'segment == "vip"', "then": {"uniform": {"low": 0.1, "high": 0.3}}},
            {"if": "segment in ['plus'] and age > 50", "then": 0.05},
            {"else": {"constant": 0}},
        ]},
        "label": {"cases": [{"if": "age < 18", "then": "minor"}]},
    }, n=3000)
    vip = df["segment"] == "vip"
    assert df.loc[vip, "discount"].between(0.1, 0.3).all()
    plus_old = (df["segment"] == "plus") & (df["age"] > 50)
    assert (df.loc[plus_old, "discount"] == 0.05).all()
    assert (df.loc[~vip & ~plus_old, "discount"] == 0).all()
    assert (df.loc[df["age"] < 18, "label"] == "minor").all()
    assert df.loc[df["age"] >= 18, "label"].isna().all()


def test_table_schema_kinds_and_dtypes() -> None:
    spec = load_spec({"tables": {"t": {"rows": 5, "primary_key": "id", "columns": {
        "id": {"sequence": True}, "email": {"faker": "email"}, "x": {"normal": {"mean": 0,
        "std": 1}}, "c": {"choice": ["a"]}, "d": {"date": {"start": "2020-01-01",
        "end": "2020-02-01"}}, "b": {"boolean": 0.5}, "n": {"poisson": {"lam": 1},
        "null_share": 0.5}}}}})
    schema = MockData(spec).table_schema("t")
    kinds = {c.name: c.kind for c in schema.columns}
    assert kinds == {"id": Kind.ID, "email": Kind.PII, "x": Kind.NUMERICAL,
                     "c": Kind.CATEGORICAL, "d": Kind.DATETIME, "b": Kind.BOOLEAN,
                     "n": Kind.NUMERICAL}
    dtypes = {c.name: c.dtype for c in schema.columns}
    assert dtypes["n"] == "Int64" and dtypes["x"] == "float64" and dtypes["d"] == "datetime64[ns]"
    assert schema.primary_key == "id" and schema.column("id").unique
    frame = MockData(spec).rows("t", 0, 5)
    assert {c: str(frame[c].dtype) for c in frame} == dtypes


def test_formula_over_missing_values_and_type_errors() -> None:
    df = _gen({"a": {"poisson": {"lam": 3}, "null_share": 0.3},
               "b": {"formula": "a * 2", "decimals": 0}}, n=500)
    assert df["b"].isna().sum() == df["a"].isna().sum() > 0
    assert (df["b"].dropna() == df["a"].dropna() * 2).all()
    with pytest.raises(SpecError, match=r"columns\.b: the expression cannot be computed"):
        _gen({"a": {"faker": "city"}, "b": {"formula": "a - 2"}}, n=10)
    # a division by zero was written as inf in every row without a word
    with pytest.raises(SpecError, match=r"columns\.b: .*infinite value in \d+ of 10 rows.*"
                                        r"Fix: keep a divisor away from 0"):
        _gen({"a": {"poisson": {"lam": 3}}, "b": {"formula": "a / (a - a)"}}, n=10)


def test_choice_weights_must_match_values() -> None:
    with pytest.raises(SpecError, match="2 weights for 3 choices"):
        load_spec({"tables": {"t": {"columns": {"c": {"choice": [1, 2, 3],
                                                       "weights": [1, 2]}}}}})
