from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulacra import load_dataset, make_synthesizer
from simulacra.constraints import Inequality
from simulacra.errors import InvalidParameterError, SamplingError
from simulacra.schema import Role, infer_schema
from simulacra.testing import contract_table

MODELS = ["cart", "copula", "bayesnet", "independent"]


@pytest.fixture(scope="module")
def credit() -> pd.DataFrame:
    return load_dataset("credit_data")


@pytest.mark.parametrize("name", MODELS)
def test_every_row_holds_the_conditions(name: str, credit: pd.DataFrame) -> None:
    syn = make_synthesizer(name, seed=0).fit(credit)
    out = syn.sample(700, conditions={"Status": "bad", "Home": "rent"})
    assert len(out) == 700
    assert (out["Status"] == "bad").all() and (out["Home"] == "rent").all()
    assert list(out.dtypes) == list(credit.dtypes)


def test_cart_conditions_its_first_column_natively_and_keeps_its_relations(
        credit: pd.DataFrame) -> None:
    schema = infer_schema(credit, roles={"Status": Role.TARGET})  # drawn first by CART
    syn = make_synthesizer("cart", seed=0).fit(credit, schema)
    calls: list[int] = []
    original = syn._sample_fixed

    def spy(n, fixed, *, rng):
        calls.append(n)
        return original(n, fixed, rng=rng)

    syn._sample_fixed = spy  # type: ignore[method-assign]
    out = syn.sample(3000, conditions={"Status": "bad"}, seed=1)
    assert calls and sum(calls) <= 3301  # native: one batch, almost nothing wasted
    bad, good = credit[credit.Status == "bad"], credit[credit.Status == "good"]
    assert abs(out["Seniority"].mean() - bad["Seniority"].mean()) < 1.0
    assert good["Seniority"].mean() - out["Seniority"].mean() > 2.5


def test_conditions_and_constraints_hold_together(credit: pd.DataFrame) -> None:
    syn = make_synthesizer("copula", seed=0).fit(credit, constraints=[
        Inequality("Amount", "Price")])
    out = syn.sample(400, conditions={"Marital": "married", "Records": "no"})
    assert (out["Price"] >= out["Amount"]).all()
    assert (out["Marital"] == "married").all() and (out["Records"] == "no").all()


def test_impossible_conditions_are_refused_at_once(credit: pd.DataFrame) -> None:
    syn = make_synthesizer("cart", seed=0).fit(credit)
    cases = {
        "no such category": {"Status": "unknown"},
        r"lie in \[18\.0, 68\.0\]": {"Age": 500},
        "no such column": {"nope": 1},
        "never missing": {"Status": None},
        "non-empty dict": {},
        "holds whole numbers": {"Age": 30.5},  # was rounded to 30 and met silently
    }
    for message, conditions in cases.items():
        with pytest.raises(InvalidParameterError, match=message):
            syn.sample(10, conditions=conditions)
    table = contract_table()
    ids = make_synthesizer("independent", seed=0).fit(table)
    with pytest.raises(InvalidParameterError, match="generated anew"):
        ids.sample(5, conditions={"email": "user1.basic@mail.test"})


def test_columns_learned_as_one_combination_refuse_an_unseen_category() -> None:
    rng = np.random.default_rng(0)
    plan = pd.DataFrame({"subject": rng.choice(["a", "b", "c"], 300)})
    plan["group"] = plan["subject"].map({"a": "x", "b": "y", "c": "y"})  # tied: one column
    plan["score"] = rng.normal(size=300)
    syn = make_synthesizer("cart", seed=0).fit(plan, constraints=[
        {"kind": "fixed_combinations", "columns": ["subject", "group"]}])
    with pytest.raises(InvalidParameterError, match="no such category"):
        syn.sample(10, conditions={"group": "maybe"})
    assert (syn.sample(20, conditions={"group": "x"})["subject"] == "a").all()


def test_a_condition_too_rare_to_meet_is_a_sampling_error(credit: pd.DataFrame) -> None:
    # bayesnet meets conditions by rejection only (copula now holds a number natively)
    syn = make_synthesizer("bayesnet", seed=0).fit(credit)
    held = set(credit["Price"].dropna().astype(int))
    rare = next(p for p in range(int(credit["Price"].min()), 10**7) if p not in held)
    with pytest.raises(SamplingError, match="condition Price="):
        syn.sample(50, conditions={"Price": rare})
    with pytest.raises(SamplingError, match=f"condition Price={rare}, "):
        syn.sample(50, conditions={"Price": np.int64(rare), "Status": np.str_("good")})


def test_impute_fills_missing_cells_and_keeps_given_ones(credit: pd.DataFrame) -> None:
    syn = make_synthesizer("cart", seed=0).fit(credit)
    partial = credit.head(40).astype({"Income": "float64", "Assets": "float64"})
    partial.loc[:, ["Income", "Assets"]] = np.nan
    partial.loc[20:, "Home"] = None
    partial = partial[["Status", "Home", "Marital", "Income", "Assets"]]
    out = syn.impute(partial, seed=3)
    assert len(out) == 40 and list(out.columns) == list(credit.columns)
    given = partial.notna()
    for column in partial.columns:
        kept = given[column].to_numpy()
        assert (out.loc[kept, column].astype(str).to_numpy()
                == partial.loc[kept, column].astype(str).to_numpy()).all(), column
    assert out["Home"].notna().all() and out["Income"].notna().mean() > 0.8
    assert out.equals(syn.sample(40, conditions=partial, seed=3))
    with pytest.raises(InvalidParameterError, match="n must equal"):
        syn.sample(5, conditions=partial)
    with pytest.raises(InvalidParameterError, match="does not know"):
        syn.impute(partial.assign(extra=1))
