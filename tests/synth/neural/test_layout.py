"""The network layout: mode-specific normalization, block order, state, old states."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulacra import infer_schema
from simulacra.data._codecs import TableCodec
from simulacra.data._frame import EncodedColumn, EncodedFrame
from simulacra.synth.neural._layout import Layout

pytestmark = pytest.mark.neural


def _bimodal(n: int = 2000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = np.where(rng.random(n) < 0.4, rng.normal(-5.0, 0.5, n), rng.normal(10.0, 1.0, n))
    x[rng.random(n) < 0.1] = np.nan
    return pd.DataFrame({"colour": rng.choice(["red", "green"], n), "x": x,
                         "y": rng.uniform(0.0, 1.0, n)})


def _frame(df: pd.DataFrame) -> EncodedFrame:
    return TableCodec.fit(df, infer_schema(df).table()).encode(df)


@pytest.fixture(scope="module")
def frame() -> EncodedFrame:
    return _frame(_bimodal())


@pytest.fixture(scope="module")
def layout(frame: EncodedFrame) -> Layout:
    return Layout.fit(frame, "mode", np.random.default_rng(0))


def _column(frame: EncodedFrame, name: str) -> int:
    return next(j for j, c in enumerate(frame.columns) if c.name == name)


def test_mode_layout_finds_both_modes(frame: EncodedFrame, layout: Layout) -> None:
    j = _column(frame, "x")
    means, weights = layout.mode_means[j], layout.mode_weights[j]
    assert 2 <= means.size <= 10 and np.isclose(weights.sum(), 1.0)
    assert (weights > 0.005).all()
    for centre, share in ((-5.0, 0.4), (10.0, 0.6)):
        near = np.abs(means - centre) < 2.0
        assert near.any() and abs(weights[near].sum() - share) < 0.05
    assert layout.mode_means[_column(frame, "colour")].size == 0  # discrete: no modes


def test_blocks_follow_scalars_then_modes_then_discrete(frame: EncodedFrame,
                                                        layout: Layout) -> None:
    cont = layout.continuous
    modes, discrete = layout.modes, layout.discrete
    assert [j for j, _, _ in modes] == list(cont)
    starts = [start for _, start, _ in modes + discrete]
    sizes = [k for _, _, k in modes + discrete]
    assert starts[0] == len(cont)
    assert starts == list(len(cont) + np.concatenate([[0], np.cumsum(sizes)[:-1]]))
    assert layout.width == len(cont) + sum(sizes)
    enc = layout.encode(frame)
    assert enc.shape == (frame.n_rows, layout.width) and enc.dtype == np.float32
    for _, start, k in modes + discrete:  # every block one-hot, missing rows included
        np.testing.assert_array_equal(enc[:, start:start + k].sum(axis=1), 1.0)
    assert np.abs(enc[:, :len(cont)]).max() <= 0.99


def test_encode_decode_round_trip_reproduces_the_values(frame: EncodedFrame,
                                                        layout: Layout) -> None:
    logits = layout.encode(frame)
    logits[:, len(layout.continuous):] *= 50.0  # the one-hots as sure logits
    back = layout.decode(logits, np.zeros(layout.width), np.random.default_rng(0))
    j = _column(frame, "x")
    present = frame.values[:, _column(frame, "x.missing")] != 1
    np.testing.assert_allclose(back.values[present, j], frame.values[present, j], atol=1e-4)
    np.testing.assert_allclose(back.values[:, _column(frame, "y")],
                               frame.values[:, _column(frame, "y")], atol=1e-5)
    x = back.values[present, j]
    assert 0.35 < (np.abs(x + 5.0) < 2.0).mean() < 0.45
    assert 0.55 < (np.abs(x - 10.0) < 4.0).mean() < 0.65


def test_decode_draws_the_mode_and_clips_to_the_range(frame: EncodedFrame,
                                                     layout: Layout) -> None:
    n_cont = len(layout.continuous)
    logits = np.zeros((4, layout.width), dtype=np.float32)
    logits[:, :n_cont] = [[0.0], [0.0], [0.99], [-0.99]] * np.ones(n_cont)
    j, start, _ = next(m for m in layout.modes if m[0] == _column(frame, "x"))
    means = layout.mode_means[j]
    low_mode, high_mode = int(np.argmin(means)), int(np.argmax(means))
    for row, mode in enumerate([low_mode, high_mode, high_mode, low_mode]):
        logits[row, start + mode] = 50.0  # a sure draw
    indicator = next(b for b in layout.discrete if b[0] == _column(frame, "x.missing"))
    logits[:, indicator[1]] = 50.0  # present
    out = layout.decode(logits, np.zeros(layout.width), np.random.default_rng(0)).values[:, j]
    assert out[0] == pytest.approx(layout.mode_means[j][low_mode])
    assert out[1] == pytest.approx(layout.mode_means[j][high_mode])
    assert out[2] <= layout.high[j] and out[3] >= layout.low[j]


def test_decode_draws_modes_from_their_softmax(frame: EncodedFrame, layout: Layout) -> None:
    # the generator is trained through a Gumbel softmax: flat logits mean an even draw,
    # not the first mode every time
    j, start, k = next(m for m in layout.modes if m[0] == _column(frame, "x"))
    logits = np.zeros((20_000, layout.width), dtype=np.float32)
    indicator = next(b for b in layout.discrete if b[0] == _column(frame, "x.missing"))
    logits[:, indicator[1]] = 50.0
    logits[:, start:start + k] = np.log(np.arange(1, k + 1))  # shares 1 : 2 : ... : k
    x = layout.decode(logits, np.zeros(layout.width), np.random.default_rng(0)).values[:, j]
    modes = np.argmin(np.abs(x[:, None] - layout.mode_means[j]), axis=1)
    shares = np.bincount(modes, minlength=k) / x.size
    np.testing.assert_allclose(shares, np.arange(1, k + 1) / (k * (k + 1) / 2), atol=0.02)


def test_fit_is_reproducible_and_only_mode_draws_from_the_stream(frame: EncodedFrame) -> None:
    a = Layout.fit(frame, "mode", np.random.default_rng(3))
    b = Layout.fit(frame, "mode", np.random.default_rng(3))
    for x, y in zip(a.mode_means, b.mode_means, strict=True):
        np.testing.assert_array_equal(x, y)
    rng = np.random.default_rng(3)
    quantile = Layout.fit(frame, "quantile", rng)
    assert rng.integers(0, 2**31) == np.random.default_rng(3).integers(0, 2**31)
    assert not quantile.modes and not quantile.mode_means
    assert quantile.discrete[0][1] == len(quantile.continuous)


def test_constant_and_large_columns() -> None:
    rng = np.random.default_rng(1)
    n = 25_000
    values = np.stack([np.full(n, 3.5), rng.lognormal(12.0, 1.0, n)], axis=1)
    frame = EncodedFrame(values, (EncodedColumn("c", "c", discrete=False),
                                  EncodedColumn("big", "big", discrete=False)))
    layout = Layout.fit(frame, "mode", np.random.default_rng(0))
    assert layout.mode_means[0].tolist() == [3.5]
    logits = layout.encode(frame)
    logits[:, 2:] *= 50.0  # the mode blocks as sure logits
    back = layout.decode(logits, np.zeros(layout.width), rng).values
    np.testing.assert_array_equal(back[:, 0], 3.5)
    big = back[:, 1]
    assert np.isfinite(big).all()
    assert big.min() >= values[:, 1].min() and big.max() <= values[:, 1].max()
    # the mixture is fitted on a subsample of 10k values, yet most come back exactly (only
    # values beyond 4 sigma of their mode are clipped)
    assert np.mean(np.isclose(big, values[:, 1], rtol=1e-5)) > 0.95


def test_state_round_trip_and_old_states(frame: EncodedFrame, layout: Layout) -> None:
    state = layout.get_state()
    assert all(isinstance(a, np.ndarray) and a.dtype == np.float64
               for key in ("mode_weights", "mode_means", "mode_stds") for a in state[key])
    again = Layout.from_state(state)
    np.testing.assert_array_equal(again.encode(frame), layout.encode(frame))
    old = Layout.fit(frame, "quantile").get_state()
    for key in ("mode_weights", "mode_means", "mode_stds"):
        del old[key]  # saved before the mode layout existed
    loaded = Layout.from_state(old)
    assert loaded.mode_means == () and not loaded.modes
    np.testing.assert_array_equal(loaded.encode(frame),
                                  Layout.fit(frame, "quantile").encode(frame))
