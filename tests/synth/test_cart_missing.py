"""Missing values shared by many columns keep their joint pattern under ``cart``."""


import numpy as np
import pandas as pd
import pytest

from simulacra import make_synthesizer
from simulacra.synth.cart import CARTSynthesizer
from tests.synth.co_missing import ITEMS, missing_shares, survey_table


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    return survey_table()


@pytest.fixture(scope="module")
def model(survey: pd.DataFrame) -> CARTSynthesizer:
    return make_synthesizer("cart", seed=0).fit(survey)  # type: ignore[return-value]


def test_a_co_missing_block_keeps_its_joint_pattern(survey: pd.DataFrame,
                                                    model: CARTSynthesizer) -> None:
    real = missing_shares(survey)
    syn = missing_shares(model.sample(20_000, seed=1))
    assert syn["all"] == pytest.approx(real["all"], rel=0.2)
    assert syn["any"] == pytest.approx(real["any"], rel=0.2)
    assert syn["item"] == pytest.approx(real["item"], rel=0.2)
    # a tree per indicator cannot isolate the block's rows: its items scatter
    apart = make_synthesizer("cart", seed=0, missing_blocks=False).fit(survey)
    scattered = missing_shares(apart.sample(20_000, seed=1))
    assert scattered["all"] < 0.8 * real["all"]


def test_the_block_is_drawn_by_one_step(model: CARTSynthesizer) -> None:
    (block,) = model.missing_blocks_
    names = [model.columns_[j].name for j in block.members]
    assert names == [f"{q}.missing" for q in ITEMS]
    visit = [s.target for s in model.steps_]
    assert block.column in visit and not set(block.members.tolist()) & set(visit)
    # drawn before every member's value column, which is learnt on its present rows
    values = [j + 1 for j in block.members.tolist()]
    assert visit.index(block.column) < min(visit.index(j) for j in values)


def test_a_state_saved_before_blocks_samples_as_before(survey: pd.DataFrame) -> None:
    # a model file written before missing blocks existed has no "missing_blocks" key
    old = make_synthesizer("cart", seed=0, missing_blocks=False).fit(survey)
    state = old._get_state()  # type: ignore[attr-defined]
    del state["missing_blocks"]
    loaded = CARTSynthesizer()
    loaded._set_state(state)
    assert loaded.missing_blocks_ == []
    a = old._sample(300, rng=np.random.default_rng(4)).values  # type: ignore[attr-defined]
    b = loaded._sample(300, rng=np.random.default_rng(4)).values
    np.testing.assert_array_equal(a, b)


def test_a_block_counts_as_one_predictor_of_later_trees() -> None:
    from simulacra.synth._cart_jobs import ColumnFitter, ColumnJob

    # units in visit order: a block of three indicators, then a value column, then another
    units = [[0, 1, 2], [3], [4]]
    fitter = ColumnFitter(np.zeros((1, 5)), [], None, units, None, None, None,  # type: ignore[arg-type]
                          {}, {}, frozenset({0}))
    job = ColumnJob(4, 2, (0, 1, 2, 3), -1, 0, None)
    assert fitter._predictors(job) == (0, 3)
    whole = ColumnFitter(np.zeros((1, 5)), [], None, units, None, None, None,  # type: ignore[arg-type]
                         {}, {}, frozenset())
    assert whole._predictors(job) == (0, 1, 2, 3)
