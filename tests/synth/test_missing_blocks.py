"""Missing blocks: which indicators form one, its rare level, and ``copula`` and ``bayesnet``'s."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simulacra import load_synthesizer, make_synthesizer
from simulacra.synth._base import BaseSynthesizer
from simulacra.synth._missing_blocks import MIN_PATTERN_ROWS, find_blocks, fit_block
from simulacra.synth.bayesnet import BayesianNetworkSynthesizer, _fit_cpt
from simulacra.synth.copula import GaussianCopulaSynthesizer
from tests.synth.co_missing import ITEMS, item_shares, missing_shares, survey_table


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


# ---- copula and bayesnet ------------------------------------------------------------------
MODELS = ["copula", "bayesnet"]


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    return survey_table()


@pytest.fixture(scope="module", params=MODELS)
def model(request: pytest.FixtureRequest, survey: pd.DataFrame) -> BaseSynthesizer:
    return make_synthesizer(request.param, seed=0).fit(survey)


def test_a_co_missing_block_keeps_its_joint_pattern(survey: pd.DataFrame,
                                                    model: BaseSynthesizer) -> None:
    real, sample = missing_shares(survey), model.sample(20_000, seed=1)
    syn = missing_shares(sample)
    assert syn["all"] == pytest.approx(real["all"], rel=0.2)
    assert syn["any"] == pytest.approx(real["any"], rel=0.2)
    assert syn["item"] == pytest.approx(real["item"], rel=0.2)
    np.testing.assert_allclose(item_shares(sample), item_shares(survey), atol=0.006)
    for q in ITEMS[:3]:  # present values keep their marginals
        assert stats.ks_2samp(survey[q].dropna(), sample[q].dropna()).statistic < 0.05
    # a latent normal or a node per indicator scatters the block's gaps
    apart = make_synthesizer(model.name, seed=0, missing_blocks=False).fit(survey)
    scattered = apart.sample(20_000, seed=1)
    assert missing_shares(scattered)["all"] < 0.5 * real["all"]
    # and the values keep their ties to each other as well as without the block
    assert _mean_correlation(sample) > _mean_correlation(scattered) - 0.03


def _mean_correlation(df: pd.DataFrame) -> float:
    corr = df[ITEMS + [f"x{k}" for k in range(12)]].corr().to_numpy()
    return float(corr[np.triu_indices_from(corr, 1)].mean())


def test_the_block_replaces_its_members_in_the_copula(survey: pd.DataFrame) -> None:
    model = make_synthesizer("copula", seed=0).fit(survey)
    assert isinstance(model, GaussianCopulaSynthesizer)
    (block,) = model.missing_blocks_
    names = [model.columns_[j].name for j in block.members]
    assert names == [f"{q}.missing" for q in ITEMS]
    latent = model.latent_.tolist()
    assert block.column == len(model.columns_) and block.column in latent
    assert not set(block.members.tolist()) & set(latent)
    assert model.correlation_.shape == (len(latent), len(latent))


def test_the_block_is_a_node_drawn_before_its_members(survey: pd.DataFrame) -> None:
    model = make_synthesizer("bayesnet", seed=0).fit(survey)
    assert isinstance(model, BayesianNetworkSynthesizer)
    (block,) = model.missing_blocks_
    attrs = model.attributes_
    assert block.column == attrs.size
    members = [a for a in range(attrs.size) if attrs.indicators[a] in block.members]
    assert len(members) == len(ITEMS)
    order = model.order_.tolist()
    assert order.index(block.column) < min(order.index(a) for a in members)


@pytest.mark.parametrize("name", ["cart", *MODELS])
def test_a_saved_model_with_a_block_samples_the_same(name: str, survey: pd.DataFrame,
                                                      tmp_path: Path) -> None:
    model = make_synthesizer(name, seed=0).fit(survey)
    assert model.missing_blocks_  # type: ignore[attr-defined]
    model.save(tmp_path / "m.sim")
    back = load_synthesizer(tmp_path / "m.sim")
    pd.testing.assert_frame_equal(model.sample(500, seed=3), back.sample(500, seed=3))


@pytest.mark.parametrize("name", ["cart", *MODELS])
def test_tables_without_shared_missing_values_are_untouched(name: str) -> None:
    rng = np.random.default_rng(2)
    df = pd.DataFrame(rng.normal(size=(1500, 6)), columns=[f"c{k}" for k in range(6)])
    df = df.mask(rng.random(df.shape) < 0.05)  # each column missing on its own
    df["g"] = rng.choice(list("ab"), 1500)
    with_blocks = make_synthesizer(name, seed=0).fit(df)
    without = make_synthesizer(name, seed=0, missing_blocks=False).fit(df)
    assert with_blocks.missing_blocks_ == []  # type: ignore[attr-defined]
    pd.testing.assert_frame_equal(with_blocks.sample(400, seed=5), without.sample(400, seed=5))


def test_a_block_node_keeps_its_marginal_under_the_prior() -> None:
    # the block is all missing in 4% of rows, most of them where a rare parent is set: the
    # prior pulls that configuration's row towards the marginal, and the share drops
    rng = np.random.default_rng(0)
    parent = (rng.random(2000) < 0.05).astype(np.int64)
    level = np.where(rng.random(2000) < np.where(parent == 1, 0.6, 0.01), 1, 0)
    codes, cards, parents = np.vstack([parent, level]), np.array([2, 2]), np.array([0])
    weight = np.bincount(parent) / parent.size
    marginal = np.bincount(level) / level.size
    for keep, close in ((False, False), (True, True)):
        cum = _fit_cpt(codes, 1, parents, cards, alpha=5.0, keep_marginal=keep)
        implied = weight @ np.diff(cum, axis=1, prepend=0.0)
        assert np.allclose(implied, marginal, atol=1e-6) is close
