"""Schema bounds tighter than the real values (QA sweep 13, D5)."""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulacra import load_synthesizer, make_synthesizer
from simulacra.constraints import SchemaBounds
from simulacra.errors import FitWarning, SchemaError
from simulacra.schema import Schema, Table, infer_schema


def _people(n: int = 3_000) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    age = rng.integers(18, 80, n)
    income = np.where(rng.random(n) < 0.1, np.nan, 500.0 * age + rng.normal(0, 4_000, n))
    return pd.DataFrame({"age": age, "income": income.round(2),
                         "segment": rng.choice(list("ABCD"), n)})


def _bounded(data: pd.DataFrame, column: str, low: float | None, high: float | None) -> Table:
    table = infer_schema(data, discover_constraints=False).table()
    return table.replace_column(dataclasses.replace(table.column(column), minimum=low,
                                                    maximum=high))


@pytest.mark.parametrize("name", ["independent", "cart", "copula", "bayesnet"])
def test_tightened_bounds_keep_the_real_shape_within_them(name: str) -> None:
    # clipping piled the rows outside onto the bounds: 68% of the ages were 40, 18% 30
    data = _people()
    table = _bounded(data, "age", 30.0, 40.0)
    with pytest.warns(FitWarning, match=r"30.0 <= age <= 40.0, the schema's bounds of 'age'"):
        syn = make_synthesizer(name, seed=0).fit(data, Schema.single(table))
    out = syn.sample(1_000, seed=1)
    assert out["age"].between(30, 40).all()
    real = data["age"][data["age"].between(30, 40)].value_counts(normalize=True)
    got = out["age"].value_counts(normalize=True).reindex(real.index, fill_value=0.0)
    assert 0.5 * (real - got).abs().sum() < 0.2  # clipped: about 0.67
    assert syn.table_.column("age").maximum == 40.0  # the user's bounds stay the schema's
    assert syn.schema_.table().constraints == ()  # and no rule is added to its list


def test_bounds_that_cut_one_side_open_that_side_only() -> None:
    data = _people()
    table = _bounded(data, "income", -1e9, 30_000.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitWarning)
        syn = make_synthesizer("independent", seed=0).fit(data, Schema.single(table))
    learned = syn.model_table_.column("income")
    assert (learned.minimum, learned.maximum) == (-1e9, None)
    out = syn.sample(500, seed=1)
    assert out["income"].max() <= 30_000 and (out["income"] > 25_000).any()
    assert (out["income"] == 30_000).mean() < 0.01


def test_bounds_outside_every_real_value_are_refused_naming_them() -> None:
    data = _people()
    with pytest.raises(SchemaError, match=(
            r"column 'age': no real value lies within the schema's bounds \[90, 120\] \(the "
            r"values run from 18 to 79\).* Set 'minimum'/'maximum' around some real values")):
        make_synthesizer("cart").fit(data, Schema.single(_bounded(data, "age", 90.0, 120.0)))


def test_bounds_that_cut_no_real_value_add_no_rule() -> None:
    data = _people()
    inferred = make_synthesizer("cart", seed=0).fit(data, Schema.single(
        infer_schema(data, discover_constraints=False).table()))
    wider = make_synthesizer("cart", seed=0).fit(data, Schema.single(
        _bounded(data, "age", 18.0, 79.0)))
    assert not any(isinstance(r, SchemaBounds) for r in wider.constraints_.rules)
    assert inferred.sample(300, seed=2).equals(wider.sample(300, seed=2))


def test_fractional_bounds_on_whole_numbers_move_inward(tmp_path: Path) -> None:
    data = _people()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitWarning)
        syn = make_synthesizer("copula", seed=0).fit(data, Schema.single(
            _bounded(data, "age", 30.5, 40.5)))
    out = syn.sample(400, seed=1)
    assert (out["age"].min(), out["age"].max()) == (31, 40)
    syn.save(tmp_path / "m.sim")  # the rule comes back from a model file as the schema's
    loaded = load_synthesizer(tmp_path / "m.sim")
    assert any(isinstance(r, SchemaBounds) for r in loaded.constraints_.rules)
    assert loaded.sample(200, seed=3).equals(syn.sample(200, seed=3))
