"""Sampled rows mapped back through the rules: what keep may skip, what reverse shares."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulacra.constraints import ConstraintSet, FixedCombinations, Formula, Inequality
from simulacra.constraints._base import with_columns
from simulacra.schema import infer_schema


def _combos() -> pd.DataFrame:
    return pd.DataFrame({
        "city": ["Paris", "Lyon", "Berlin", None, "Rome", "Rome"],
        "country": ["FR", "FR", "DE", "DE", None, "IT"],
        "zone": [1.5, 1.5, 2.0, np.nan, 3.0, 3.0],
        "n": [1, 2, 3, 4, 5, 6],
    })


def test_every_combination_a_model_can_draw_obeys_the_rule_it_was_rebuilt_from() -> None:
    # keep() does not check a reshaping FixedCombinations: it relies on this
    df = _combos()
    rule = FixedCombinations(["city", "country", "zone"])
    rule.fit(df, infer_schema(df).table())
    model = rule.transform(df)
    codes = np.random.default_rng(0).integers(0, len(rule.combinations()), 500)
    drawn = pd.DataFrame({"n": np.arange(500), rule._key: codes})
    back = rule.reverse(drawn)
    assert back[rule.columns()].isna().any().all()  # missing cells among the combinations
    assert rule.valid(back).all()
    assert rule.valid(rule.reverse(model)).all()


def test_keep_skips_only_the_check_of_a_rule_whose_rows_are_rebuilt_whole(monkeypatch) -> None:
    df = _combos()
    rules = ConstraintSet([FixedCombinations(["city", "country"]), Inequality("n", "zone")])
    rules.fit(df, infer_schema(df).table())
    frame = df.assign(zone=[0.5, 3.0, 4.0, np.nan, 6.0, 2.0])  # rows 0 and 5 break it

    def never(data: pd.DataFrame) -> np.ndarray:
        raise AssertionError("checked")

    monkeypatch.setattr(rules.rules[0], "valid", never)
    rules.begin_sampling()
    np.testing.assert_array_equal(rules.keep(frame), [False, True, True, True, True, False])
    assert rules.worst() == ("zone >= n", 4 / 6)  # the skipped rule counts as accepting all
    rules.rules[0].reshapes = False  # enforced by rejection instead: checked again
    with pytest.raises(AssertionError, match="checked"):
        rules.keep(frame)


def test_with_columns_drops_replaces_and_appends_without_copying() -> None:
    data = pd.DataFrame({"a": [1, 2, 3], "key": [0, 1, 0], "b": ["x", "y", None]},
                        index=[10, 11, 12])
    added = {"b": pd.Series(["p", "q", "r"], index=data.index, dtype="category"),
             "c": pd.Series([0.5, 1.5, 2.5], index=data.index)}
    out = with_columns(data, ["key"], added)
    assert list(out.columns) == ["a", "b", "c"]  # a replaced column keeps its place
    assert list(out.index) == [10, 11, 12]
    assert out["b"].dtype == "category" and out["a"].dtype == np.int64
    assert np.shares_memory(out["a"].to_numpy(), data["a"].to_numpy())
    assert np.shares_memory(out["c"].to_numpy(), added["c"].to_numpy())


def test_reverse_gives_the_columns_in_order_with_their_values() -> None:
    df = pd.DataFrame({"price": [1.5, 2.0, 4.25], "qty": [2, 3, 1], "total": [3.0, 6.0, 4.25]})
    rules = ConstraintSet([Formula("total", "price * qty")])
    rules.fit(df, infer_schema(df).table())
    back = rules.reverse(rules.transform(df), ["total", "qty", "price"])
    pd.testing.assert_frame_equal(back, df[["total", "qty", "price"]])
