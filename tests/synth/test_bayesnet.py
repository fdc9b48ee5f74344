"""Behaviour of the Bayesian network synthesizer at the model level (encoded frames)."""

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from simulacra.data._frame import EncodedColumn, EncodedFrame
from simulacra.errors import InvalidParameterError
from simulacra.synth.bayesnet import BayesianNetworkSynthesizer
from tests.synth.model_level import fit_encoded, reload_state, tvd

N = 4000


def make_frame(n: int = N, seed: int = 0) -> EncodedFrame:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    parent = rng.choice(5, n, p=[0.4, 0.25, 0.15, 0.1, 0.1])
    child = np.where(rng.random(n) < 0.95, (parent + 2) % 5, rng.integers(0, 5, n))
    missing = rng.random(n) < 0.2
    cols = (
        EncodedColumn("x", "x", False),
        EncodedColumn("y", "y", False),
        EncodedColumn("noise", "noise", False),
        EncodedColumn("count", "count", False, integer=True),
        EncodedColumn("parent", "parent", True, cardinality=5),
        EncodedColumn("child", "child", True, cardinality=5),
        EncodedColumn("income.missing", "income", True, cardinality=2),
        EncodedColumn("income", "income", False),
    )
    values = np.column_stack([
        x,
        np.exp(0.8 * x + 0.6 * rng.standard_normal(n)),
        rng.gamma(2.0, 3.0, n),
        rng.poisson(2, n).astype(float),
        parent.astype(float),
        child.astype(float),
        missing.astype(float),
        np.where(missing, 0.0, 30_000 + 5_000 * x + 1_000 * rng.standard_normal(n)),
    ])
    return EncodedFrame(values, cols)


def fit(frame: EncodedFrame, **params: object) -> BayesianNetworkSynthesizer:
    return fit_encoded(BayesianNetworkSynthesizer, frame, **params)


def spearman(f: EncodedFrame, a: str, b: str) -> float:
    return float(stats.spearmanr(f.column(a), f.column(b)).statistic)


@pytest.fixture(scope="module")
def frame() -> EncodedFrame:
    return make_frame()


@pytest.fixture(scope="module")
def model(frame: EncodedFrame) -> BayesianNetworkSynthesizer:
    return fit(frame)


@pytest.fixture(scope="module")
def sample(model: BayesianNetworkSynthesizer) -> EncodedFrame:
    return model._sample(20_000, rng=np.random.default_rng(2))


def test_marginals_are_preserved(frame: EncodedFrame, sample: EncodedFrame) -> None:
    assert sample.columns == frame.columns
    for name in ("x", "y", "noise", "count"):
        assert stats.ks_2samp(frame.column(name), sample.column(name)).statistic < 0.05, name
        assert frame.column(name).min() <= sample.column(name).min()
        assert sample.column(name).max() <= frame.column(name).max()
    for name in ("parent", "child"):
        assert tvd(frame.column(name), sample.column(name), 5) < 0.03, name
    counts = sample.column("count")
    np.testing.assert_array_equal(counts, np.round(counts))


def test_a_determined_child_stays_determined(sample: EncodedFrame) -> None:
    agree = sample.column("child") == (sample.column("parent") + 2) % 5
    assert agree.mean() > 0.9


def test_continuous_dependence_is_kept(frame: EncodedFrame, sample: EncodedFrame) -> None:
    assert abs(spearman(sample, "x", "y") - spearman(frame, "x", "y")) < 0.1
    assert abs(spearman(sample, "x", "noise")) < 0.05


def test_structure_links_dependent_attributes_only(model: BayesianNetworkSynthesizer) -> None:
    attrs = model.attributes_
    names = [attrs.columns[j].name for j in attrs.value_columns]
    edges = {(names[p], names[a]) for a in range(len(names)) for p in model.parents_[a]}
    assert ("parent", "child") in edges or ("child", "parent") in edges
    assert ("x", "y") in edges or ("y", "x") in edges
    assert not any("noise" in e for e in edges)
    placed = list(model.order_)
    for a, ps in enumerate(model.parents_):  # ancestral order: parents come first
        assert all(placed.index(p) < placed.index(a) for p in ps)


def test_missing_values_keep_rate_placeholder_and_dependence(frame: EncodedFrame,
                                                              sample: EncodedFrame) -> None:
    real_missing = frame.column("income.missing") == 1
    fake_missing = sample.column("income.missing") == 1
    assert abs(real_missing.mean() - fake_missing.mean()) < 0.02
    np.testing.assert_array_equal(sample.column("income")[fake_missing], 0.0)
    present = sample.column("income")[~fake_missing]
    assert stats.ks_2samp(frame.column("income")[~real_missing], present).statistic < 0.05
    assert stats.spearmanr(sample.column("x")[~fake_missing], present).statistic > 0.8


def test_no_parents_gives_independent_columns(frame: EncodedFrame) -> None:
    model = fit(frame, max_parents=0)
    assert all(p.size == 0 for p in model.parents_)
    out = model._sample(5000, rng=np.random.default_rng(0))
    assert abs(spearman(out, "x", "y")) < 0.05


def test_wide_high_cardinality_tables_stay_capped() -> None:
    rng = np.random.default_rng(0)
    n, k = 1000, 600
    base = rng.integers(0, k, n)
    cols = tuple(EncodedColumn(f"c{i}", f"c{i}", True, cardinality=k) for i in range(4))
    values = np.column_stack([(base + i) % k for i in range(4)]).astype(float)
    model = fit(EncodedFrame(values, cols), max_parents=3)
    assert max(c.size for c in model.cpts_) <= 1 << 18
    assert model._sample(100, rng=np.random.default_rng(0)).values.shape == (100, 4)


def test_same_rng_same_rows(model: BayesianNetworkSynthesizer) -> None:
    a = model._sample(500, rng=np.random.default_rng(7))
    b = model._sample(500, rng=np.random.default_rng(7))
    c = model._sample(500, rng=np.random.default_rng(8))
    np.testing.assert_array_equal(a.values, b.values)
    assert not np.array_equal(a.values, c.values)


def test_state_round_trip_gives_identical_samples(model: BayesianNetworkSynthesizer,
                                                  tmp_path: Path) -> None:
    loaded = reload_state(model, tmp_path / "m.sim")
    a = model._sample(300, rng=np.random.default_rng(3))
    b = loaded._sample(300, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(a.values, b.values)


@pytest.mark.parametrize(("param", "value"), [
    ("n_bins", 1), ("n_bins", 0), ("n_bins", 2.5), ("n_bins", "20"), ("n_bins", None),
    ("max_parents", -1), ("max_parents", 1.0), ("max_parents", 99),
    ("alpha", -0.1), ("alpha", float("nan")),
])
def test_bad_parameters_are_rejected(param: str, value: object) -> None:
    model = BayesianNetworkSynthesizer(**{param: value})  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match=param):
        model._validate_params()


def test_degenerate_inputs_do_not_crash() -> None:
    cols = (
        EncodedColumn("const", "const", False),
        EncodedColumn("one", "one", True, cardinality=1),
        EncodedColumn("v", "v", False, integer=True),
    )
    for values in (np.array([[5.0, 0.0, 1.0], [5.0, 0.0, 2.0]]), np.array([[5.0, 0.0, 1.0]])):
        out = fit(EncodedFrame(values, cols))._sample(50, rng=np.random.default_rng(0))
        np.testing.assert_array_equal(out.column("const"), 5.0)
        np.testing.assert_array_equal(out.column("one"), 0.0)
        assert set(np.unique(out.column("v"))) <= {1.0, 2.0}


def test_all_values_missing_does_not_crash() -> None:
    cols = (EncodedColumn("a.missing", "a", True, cardinality=2), EncodedColumn("a", "a", False))
    values = np.column_stack([np.ones(20), np.zeros(20)])
    out = fit(EncodedFrame(values, cols))._sample(30, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(out.column("a.missing"), 1.0)
