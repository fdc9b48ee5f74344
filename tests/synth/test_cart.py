"""Behaviour of the CART model at the encoded-matrix level (no codec involved)."""

import json
import time

import numpy as np
import pytest

from simulacra._progress import NULL_PROGRESS
from simulacra.data._frame import EncodedColumn, EncodedFrame
from simulacra.synth.cart import CARTSynthesizer, _row_hashes


def _frame(n: int = 600, seed: int = 0) -> EncodedFrame:
    """x categorical (4 codes, one rare), y = f(x) exactly, z integer with missing values."""
    rng = np.random.default_rng(seed)
    x = rng.choice(4, size=n, p=[0.5, 0.3, 0.18, 0.02]).astype(float)
    y = np.array([10.0, 20.0, 30.0, 40.0])[x.astype(int)]
    z = np.round(rng.normal(50 + y, 5))
    missing = (rng.random(n) < 0.2).astype(float)
    z = np.where(missing == 1, 0.0, z)
    w = rng.normal(size=n) + (x == 2)
    cols = (
        EncodedColumn("x", "x", True, 4),
        EncodedColumn("y", "y", False),
        EncodedColumn("z.missing", "z", True, 2),
        EncodedColumn("z", "z", False, integer=True),
        EncodedColumn("w", "w", False),
    )
    return EncodedFrame(np.column_stack([x, y, missing, z, w]), cols)


def _fitted(frame: EncodedFrame, **params: object) -> CARTSynthesizer:
    model = CARTSynthesizer(**params)  # type: ignore[arg-type]
    model._fit(frame, rng=np.random.default_rng(1), progress=NULL_PROGRESS)
    return model


@pytest.fixture(scope="module")
def frame() -> EncodedFrame:
    return _frame()


@pytest.fixture(scope="module")
def model(frame: EncodedFrame) -> CARTSynthesizer:
    return _fitted(frame)


@pytest.fixture(scope="module")
def syn(model: CARTSynthesizer) -> np.ndarray:
    return model._sample(5000, rng=np.random.default_rng(2)).values


def test_sample_matches_columns(model: CARTSynthesizer, frame: EncodedFrame) -> None:
    out = model._sample(7, rng=np.random.default_rng(0))
    assert out.columns == frame.columns and out.values.shape == (7, 5)


def test_deterministic_relation_is_kept(syn: np.ndarray) -> None:
    expected = np.array([10.0, 20.0, 30.0, 40.0])[syn[:, 0].astype(int)]
    assert np.mean(syn[:, 1] == expected) > 0.99


def test_rare_category_is_kept(syn: np.ndarray) -> None:
    assert 0.005 < np.mean(syn[:, 0] == 3) < 0.05


def test_codes_are_valid(syn: np.ndarray) -> None:
    assert set(np.unique(syn[:, 0])) <= {0.0, 1.0, 2.0, 3.0}
    assert set(np.unique(syn[:, 2])) <= {0.0, 1.0}


def test_missing_pattern_respected(syn: np.ndarray, frame: EncodedFrame) -> None:
    missing = syn[:, 2] == 1
    assert 0.15 < missing.mean() < 0.25
    fill = frame.values[frame.values[:, 2] == 1, 3][0]
    assert np.all(syn[missing, 3] == fill)


def test_integer_column_stays_integer_within_bounds(syn: np.ndarray, frame: EncodedFrame) -> None:
    real = frame.values[frame.values[:, 2] == 0, 3]
    z = syn[syn[:, 2] == 0, 3]
    assert np.all(z == np.round(z))
    assert real.min() <= z.min() and z.max() <= real.max()


def test_continuous_values_are_smoothed(syn: np.ndarray) -> None:
    # rank-space smoothing moves values off their leaf while the marginal stays close
    assert np.unique(syn[:, 4]).size > 300


def test_conditional_mean_follows_predictor(syn: np.ndarray) -> None:
    z, x, present = syn[:, 3], syn[:, 0], syn[:, 2] == 0
    assert z[present & (x == 0)].mean() + 15 < z[present & (x == 2)].mean()


def test_same_rng_same_rows(model: CARTSynthesizer) -> None:
    a = model._sample(300, rng=np.random.default_rng(5)).values
    b = model._sample(300, rng=np.random.default_rng(5)).values
    np.testing.assert_array_equal(a, b)


def test_same_fit_rng_same_model(frame: EncodedFrame) -> None:
    a = _fitted(frame)._sample(200, rng=np.random.default_rng(3)).values
    b = _fitted(frame)._sample(200, rng=np.random.default_rng(3)).values
    np.testing.assert_array_equal(a, b)


def test_state_round_trip_gives_identical_samples(model: CARTSynthesizer) -> None:
    state = model._get_state()
    arrays: dict[str, np.ndarray] = {}

    def split(tree: object) -> object:  # JSON + arrays, like the artifact writer
        if isinstance(tree, np.ndarray):
            assert tree.dtype != object
            arrays[str(len(arrays))] = tree
            return {"__array__": str(len(arrays) - 1)}
        if isinstance(tree, dict):
            return {k: split(v) for k, v in tree.items()}
        if isinstance(tree, list):
            return [split(v) for v in tree]
        return tree

    def join(tree: object) -> object:
        if isinstance(tree, dict):
            return arrays[tree["__array__"]] if "__array__" in tree else {
                k: join(v) for k, v in tree.items()}
        if isinstance(tree, list):
            return [join(v) for v in tree]
        return tree

    text = json.dumps(split(state))
    other = CARTSynthesizer()
    other._set_state(join(json.loads(text)))  # type: ignore[arg-type]
    a = model._sample(500, rng=np.random.default_rng(9)).values
    b = other._sample(500, rng=np.random.default_rng(9)).values
    np.testing.assert_array_equal(a, b)


def test_no_copies_of_unique_training_rows() -> None:
    # coarse data where copies are likely: 3 binary columns and a small integer
    rng = np.random.default_rng(4)
    n = 400
    v = np.column_stack([rng.integers(0, 2, (n, 3)), rng.integers(0, 40, n)]).astype(float)
    binary = [EncodedColumn(f"b{i}", f"b{i}", True, 2) for i in range(3)]
    cols = (*binary, EncodedColumn("k", "k", False, integer=True))
    frame = EncodedFrame(v, cols)
    model = _fitted(frame, min_samples_leaf=5)
    hashes, counts = np.unique(_row_hashes(v, model.steps_), return_counts=True)
    unique_rows = hashes[counts == 1]
    out = model._sample(4000, rng=np.random.default_rng(0)).values
    assert not np.isin(_row_hashes(out, model.steps_), unique_rows).any()
    copying = _fitted(frame, min_samples_leaf=5, reject_copies=False)
    out = copying._sample(4000, rng=np.random.default_rng(0)).values
    assert np.isin(_row_hashes(out, model.steps_), unique_rows).any()


def test_given_order_and_no_smoothing(frame: EncodedFrame) -> None:
    model = _fitted(frame, order="given", smoothing="none", min_samples_leaf=3)
    out = model._sample(1000, rng=np.random.default_rng(0)).values
    assert [s.target for s in model.steps_] == [0, 1, 2, 3, 4]
    real = set(frame.values[:, 4].tolist())
    assert set(out[:, 4].tolist()) <= real


def test_constant_and_single_column_tables() -> None:
    cols = (EncodedColumn("c", "c", False), EncodedColumn("d", "d", True, 3))
    frame = EncodedFrame(np.column_stack([np.full(50, 2.5), np.zeros(50)]), cols)
    out = _fitted(frame)._sample(20, rng=np.random.default_rng(0)).values
    assert np.all(out[:, 0] == 2.5) and np.all(out[:, 1] == 0)


def test_sampling_is_fast() -> None:
    rng = np.random.default_rng(0)
    n, k = 1500, 15
    v = rng.normal(size=(n, k))
    v[:, :5] = (v[:, :5] > 0).astype(float) + (v[:, :5] > 1)
    cols = tuple(EncodedColumn(f"c{i}", f"c{i}", i < 5, 3 if i < 5 else 0) for i in range(k))
    model = _fitted(EncodedFrame(v, cols))
    start = time.perf_counter()
    out = model._sample(50_000, rng=rng)
    assert out.values.shape == (50_000, k)
    assert time.perf_counter() - start < 5.0  # generous: a loop over rows would take minutes
