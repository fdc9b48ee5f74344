"""Missing values shared by many columns keep their joint pattern under ``cart``."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulacra import load_synthesizer, make_synthesizer
from simulacra.synth._cart_missing import MIN_PATTERN_ROWS, find_blocks, fit_block
from simulacra.synth.cart import CARTSynthesizer

ITEMS = [f"q{i}" for i in range(20)]


def _survey(n: int = 3000, seed: int = 0) -> pd.DataFrame:
    """20 items missing together in 2% of rows, plus 0.3% of each item missing on its own."""
    rng = np.random.default_rng(seed)
    trait = rng.normal(size=n)
    items = np.round(trait[:, None] + rng.normal(size=(n, len(ITEMS))), 2)
    items[rng.random(n) < 0.02] = np.nan
    items[rng.random(items.shape) < 0.003] = np.nan
    df = pd.DataFrame(items, columns=ITEMS)
    other = trait[:, None] + rng.normal(size=(n, 12))  # columns a tree may rather split on
    for k in range(other.shape[1]):
        df[f"x{k}"] = np.round(other[:, k], 2)
    df["group"] = rng.choice(list("abc"), n)
    return df


def _shares(df: pd.DataFrame) -> dict[str, float]:
    missing = df[ITEMS].isna()
    return {"item": float(missing.mean().mean()), "all": float(missing.all(axis=1).mean()),
            "any": float(missing.any(axis=1).mean())}


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    return _survey()


@pytest.fixture(scope="module")
def model(survey: pd.DataFrame) -> CARTSynthesizer:
    return make_synthesizer("cart", seed=0).fit(survey)  # type: ignore[return-value]


def test_a_co_missing_block_keeps_its_joint_pattern(survey: pd.DataFrame,
                                                    model: CARTSynthesizer) -> None:
    real = _shares(survey)
    syn = _shares(model.sample(20_000, seed=1))
    assert syn["all"] == pytest.approx(real["all"], rel=0.2)
    assert syn["any"] == pytest.approx(real["any"], rel=0.2)
    assert syn["item"] == pytest.approx(real["item"], rel=0.2)
    # a tree per indicator cannot isolate the block's rows: its items scatter
    apart = make_synthesizer("cart", seed=0, missing_blocks=False).fit(survey)
    scattered = _shares(apart.sample(20_000, seed=1))
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


def test_a_saved_model_with_a_block_samples_the_same(model: CARTSynthesizer,
                                                      tmp_path: Path) -> None:
    model.save(tmp_path / "m.sim")
    back = load_synthesizer(tmp_path / "m.sim")
    pd.testing.assert_frame_equal(model.sample(500, seed=3), back.sample(500, seed=3))


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


def test_tables_without_shared_missing_values_are_untouched() -> None:
    rng = np.random.default_rng(2)
    df = pd.DataFrame(rng.normal(size=(1500, 6)), columns=[f"c{k}" for k in range(6)])
    df = df.mask(rng.random(df.shape) < 0.05)  # each column missing on its own
    with_blocks = make_synthesizer("cart", seed=0).fit(df)
    without = make_synthesizer("cart", seed=0, missing_blocks=False).fit(df)
    assert with_blocks.missing_blocks_ == []  # type: ignore[attr-defined]
    pd.testing.assert_frame_equal(with_blocks.sample(400, seed=5), without.sample(400, seed=5))


# ---- the criterion and the rare level -------------------------------------------------
def _indicators(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Missing indicators (1 = missing): columns 0-4 and 5-7 share their gaps, 8-9 do not."""
    rng = np.random.default_rng(seed)
    m = rng.random((n, 10)) < 0.01
    m[rng.random(n) < 0.03, :5] = True
    m[rng.random(n) < 0.05, 5:8] = True
    return m.astype(float), np.arange(10)


def test_blocks_are_columns_whose_missing_rows_coincide() -> None:
    values, indicators = _indicators(4000, 0)
    found = [b.tolist() for b in find_blocks(values, indicators)]
    assert sorted(found) == [[0, 1, 2, 3, 4], [5, 6, 7]]


def test_columns_overlapping_in_under_half_their_missing_rows_stay_apart() -> None:
    rng = np.random.default_rng(1)
    shared = rng.random(4000) < 0.02
    m = np.column_stack([shared | (rng.random(4000) < 0.03) for _ in range(4)]).astype(float)
    assert find_blocks(m, range(4)) == []  # Jaccard about 0.4


def test_rare_patterns_are_not_replayed_but_their_counts_and_shares_are() -> None:
    rng = np.random.default_rng(3)
    n, k = 3000, 20
    m = np.zeros((n, k), dtype=bool)
    m[:60] = True  # a frequent block
    unique = np.array([rng.permutation(k) < 8 for _ in range(40)])  # 8 of 20, each once
    m[60:100] = unique
    block, levels = fit_block(m.astype(float), np.arange(k), k)
    assert block.patterns.shape[0] == 2 and block.rare == 2
    assert np.count_nonzero(levels == 2) == 40
    drawn = block.indicators(np.full(20_000, 2.0), np.random.default_rng(0)) == 1
    assert np.all(drawn.sum(axis=1) == 8)  # as many missing together as in the real rows
    np.testing.assert_allclose(drawn.mean(axis=0), unique.mean(axis=0), atol=0.05)
    # a real row's pattern comes back about as often as any other 8 of 20 (1 in 125,970):
    # chance gives 20,000 * 40 / 125,970 = 6.4 rows; replaying the levels, 20,000
    replayed = (drawn[:, None, :] == unique[None]).all(axis=2).any(axis=1)
    assert np.count_nonzero(replayed) <= 2 * 20_000 * 40 / math.comb(20, 8)


def test_a_block_needs_patterns_of_at_least_min_pattern_rows() -> None:
    m = np.zeros((500, 3))
    m[: MIN_PATTERN_ROWS - 1] = 1  # shared, but by too few rows to be a pattern of its own
    assert find_blocks(m, range(3)) == []
    m[: MIN_PATTERN_ROWS] = 1
    assert [b.tolist() for b in find_blocks(m, range(3))] == [[0, 1, 2]]


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
