"""holdout_split keeps an index that fit learns as data (QA20 defect 4)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulacra import evaluate, holdout_split, make_synthesizer
from simulacra.errors import InvalidParameterError


def panel() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    index = pd.MultiIndex.from_product([[f"firm{i}" for i in range(10)], range(1990, 2010)],
                                       names=["firm", "year"])
    return pd.DataFrame({"invest": rng.gamma(2.0, 50.0, len(index)),
                         "value": rng.gamma(3.0, 400.0, len(index))}, index=index)


def test_a_learned_index_is_kept_and_fit_sees_it() -> None:
    data = panel()
    train, holdout = holdout_split(data, 0.2, seed=0)
    assert train.index.names == holdout.index.names == ["firm", "year"]
    assert len(train) + len(holdout) == len(data)
    assert train.index.union(holdout.index).sort_values().equals(data.index.sort_values())
    pd.testing.assert_frame_equal(train, data.loc[train.index])
    syn = make_synthesizer("cart", seed=1).fit(train).sample(50, seed=1)
    assert syn.index.names == ["firm", "year"]
    evaluate(train, syn, holdout=holdout, metrics=["column_shapes"])


@pytest.mark.parametrize("index", [pd.Index([f"r{i}" for i in range(200)]),
                                   pd.RangeIndex(200).rename("row")])
def test_labels_and_named_levels_are_kept(index: pd.Index) -> None:
    data = pd.DataFrame({"x": np.arange(200.0)}, index=index)
    train, holdout = holdout_split(data, 0.25, seed=3)
    assert train.index.name == holdout.index.name == index.name
    assert list(train["x"].index) == [index[int(v)] for v in train["x"]]


def test_row_numbers_start_again_at_zero() -> None:
    data = pd.DataFrame({"x": np.arange(200.0)}, index=np.arange(200) * 3)
    train, holdout = holdout_split(data, 0.25, seed=3)
    assert train.index.equals(pd.RangeIndex(150)) and holdout.index.equals(pd.RangeIndex(50))


def test_something_else_than_a_frame_is_refused_with_a_fix() -> None:
    with pytest.raises(InvalidParameterError, match=r"pd.DataFrame\(values\)"):
        holdout_split(np.zeros((10, 2)), 0.2)  # type: ignore[arg-type]
