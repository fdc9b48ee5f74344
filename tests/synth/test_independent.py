"""Behaviour of the independent-marginals baseline at the model level (encoded frames)."""

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from simulacra.data._frame import EncodedColumn, EncodedFrame
from simulacra.errors import InvalidParameterError
from simulacra.synth.independent import IndependentSynthesizer
from tests.synth.model_level import fit_encoded, reload_state, tvd

N = 3000


def make_frame(n: int = N, seed: int = 0) -> EncodedFrame:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    missing = rng.random(n) < 0.2
    income = np.where(missing, 0.0, np.exp(rng.normal(10, 0.5, n)))
    cols = (
        EncodedColumn("x", "x", False),
        EncodedColumn("y", "y", False),
        EncodedColumn("count", "count", False, integer=True),
        EncodedColumn("cat", "cat", True, cardinality=4),
        EncodedColumn("income.missing", "income", True, cardinality=2),
        EncodedColumn("income", "income", False),
    )
    values = np.column_stack([
        x,
        0.9 * x + np.sqrt(1 - 0.81) * rng.standard_normal(n),
        rng.poisson(3, n).astype(float),
        rng.choice(4, n, p=[0.5, 0.3, 0.15, 0.05]).astype(float),
        missing.astype(float),
        income,
    ])
    return EncodedFrame(values, cols)


def fit(frame: EncodedFrame, **params: object) -> IndependentSynthesizer:
    return fit_encoded(IndependentSynthesizer, frame, **params)


@pytest.fixture(scope="module")
def frame() -> EncodedFrame:
    return make_frame()


@pytest.fixture(scope="module")
def sample(frame: EncodedFrame) -> EncodedFrame:
    return fit(frame)._sample(20_000, rng=np.random.default_rng(2))


def test_sample_has_the_frame_columns(frame: EncodedFrame, sample: EncodedFrame) -> None:
    assert sample.columns == frame.columns
    assert sample.values.shape == (20_000, len(frame.columns))
    assert np.isfinite(sample.values).all()


def test_continuous_marginals_are_preserved(frame: EncodedFrame, sample: EncodedFrame) -> None:
    for name in ("x", "y", "count"):
        assert stats.ks_2samp(frame.column(name), sample.column(name)).statistic < 0.05, name
        lo, hi = frame.column(name).min(), frame.column(name).max()
        assert lo <= sample.column(name).min() and sample.column(name).max() <= hi


def test_discrete_marginal_is_preserved(frame: EncodedFrame, sample: EncodedFrame) -> None:
    assert tvd(frame.column("cat"), sample.column("cat"), 4) < 0.02


def test_integer_column_stays_whole(sample: EncodedFrame) -> None:
    counts = sample.column("count")
    np.testing.assert_array_equal(counts, np.round(counts))


def test_missing_values_keep_rate_and_placeholder(frame: EncodedFrame,
                                                  sample: EncodedFrame) -> None:
    real_missing = frame.column("income.missing") == 1
    fake_missing = sample.column("income.missing") == 1
    assert abs(real_missing.mean() - fake_missing.mean()) < 0.02
    np.testing.assert_array_equal(sample.column("income")[fake_missing], 0.0)
    # The value marginal is learned from present values only, not from the placeholders.
    present = sample.column("income")[~fake_missing]
    assert stats.ks_2samp(frame.column("income")[~real_missing], present).statistic < 0.05
    assert sample.column("income")[~fake_missing].min() > 0


def test_columns_are_independent(frame: EncodedFrame, sample: EncodedFrame) -> None:
    assert np.corrcoef(frame.column("x"), frame.column("y"))[0, 1] > 0.85
    assert abs(np.corrcoef(sample.column("x"), sample.column("y"))[0, 1]) < 0.05


def test_same_rng_same_rows(frame: EncodedFrame) -> None:
    model = fit(frame)
    a = model._sample(500, rng=np.random.default_rng(7))
    b = model._sample(500, rng=np.random.default_rng(7))
    c = model._sample(500, rng=np.random.default_rng(8))
    np.testing.assert_array_equal(a.values, b.values)
    assert not np.array_equal(a.values, c.values)


def test_state_round_trip_gives_identical_samples(frame: EncodedFrame, tmp_path: Path) -> None:
    model = fit(frame)
    loaded = reload_state(model, tmp_path / "m.sim")
    a = model._sample(300, rng=np.random.default_rng(3))
    b = loaded._sample(300, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(a.values, b.values)
    assert b.columns == frame.columns


@pytest.mark.parametrize("value", [1, 0, 2.5, "many", None])
def test_bad_n_quantiles_is_rejected(value: object) -> None:
    with pytest.raises(InvalidParameterError, match="n_quantiles"):
        IndependentSynthesizer(n_quantiles=value)._validate_params()  # type: ignore[arg-type]


def test_degenerate_inputs_do_not_crash() -> None:
    cols = (
        EncodedColumn("const", "const", False, integer=True),
        EncodedColumn("one", "one", True, cardinality=1),
        EncodedColumn("v", "v", False),
    )
    for values in (np.array([[5.0, 0.0, 1.0], [5.0, 0.0, 2.0]]), np.array([[5.0, 0.0, 1.0]])):
        out = fit(EncodedFrame(values, cols))._sample(50, rng=np.random.default_rng(0))
        np.testing.assert_array_equal(out.column("const"), 5.0)
        np.testing.assert_array_equal(out.column("one"), 0.0)
        assert out.column("v").min() >= 1.0 and out.column("v").max() <= 2.0


def test_progress_is_reported(frame: EncodedFrame) -> None:
    events: list[str] = []

    class Recorder:
        def start(self, task: str, total: int | None = None) -> None:
            events.append(f"start:{total}")

        def advance(self, n: int = 1) -> None:
            events.append("advance")

        def finish(self) -> None:
            events.append("finish")

    IndependentSynthesizer()._fit(frame, rng=np.random.default_rng(0), progress=Recorder())
    assert events[0] == f"start:{len(frame.columns)}" and events[-1] == "finish"
    assert events.count("advance") == len(frame.columns)
