"""ARGN: the contract, learning, the numpy sampler, column order, native conditioning."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from simulacra.errors import InvalidParameterError
from simulacra.schema import Role, infer_schema
from simulacra.synth import load_synthesizer, make_synthesizer
from simulacra.testing import CHECKS, contract_table
from tests.synth.neural._tables import small_weather

torch = pytest.importorskip("torch")

from simulacra.synth.neural._autoregressive import ARGNNet, order_mask  # noqa: E402
from simulacra.synth.neural._decode import head_logits  # noqa: E402
from simulacra.synth.neural.argn import ARGNSynthesizer  # noqa: E402

pytestmark = pytest.mark.neural

TINY: dict[str, Any] = {"epochs": 2, "embedding_dim": 4, "hidden_size": 16, "device": "cpu",
                        "threads": 1}
LEARN: dict[str, Any] = {"epochs": 40, "batch_size": 128, "n_bins": 16, "hidden_size": 32,
                         "learning_rate": 5e-3, "patience": 40, "device": "cpu", "threads": 1}


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return contract_table()


def shop(n: int = 1500, seed: int = 0) -> pd.DataFrame:
    """A class that shifts a number, a second number tied to it, and an unrelated flag."""
    rng = np.random.default_rng(seed)
    segment = rng.choice(["vip", "regular", "new"], size=n, p=[0.2, 0.5, 0.3])
    x = rng.standard_normal(n) + np.where(segment == "vip", 3.0, 0.0)
    return pd.DataFrame({"noise": rng.choice(["a", "b"], size=n), "x": x,
                         "y": 2 * x + 0.5 * rng.standard_normal(n), "segment": segment})


@pytest.fixture(scope="module")
def learned() -> tuple[pd.DataFrame, ARGNSynthesizer]:
    real = shop()
    return real, ARGNSynthesizer(seed=1, **LEARN).fit(real, _with_target(real, "segment"))


def _with_target(data: pd.DataFrame, target: str) -> Any:
    table = infer_schema(data).table()
    return dataclasses.replace(table, columns=tuple(
        dataclasses.replace(c, role=Role.TARGET) if c.name == target else c
        for c in table.columns))


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_contract(check: Any, table: pd.DataFrame) -> None:
    check(ARGNSynthesizer(seed=0, **TINY), table)


@pytest.mark.parametrize("order", ["given", "any"])
def test_contract_holds_in_every_order(order: str, table: pd.DataFrame) -> None:
    for check in CHECKS:
        check(ARGNSynthesizer(seed=0, order=order, **TINY), table)


def test_registered() -> None:
    assert type(make_synthesizer("argn")) is ARGNSynthesizer


def test_learns_dependence_between_columns(learned: tuple[pd.DataFrame, ARGNSynthesizer]
                                           ) -> None:
    real, syn = learned
    out = syn.sample(4000, seed=2)
    assert out["x"].corr(out["y"]) > 0.8
    means = out.groupby("segment")["x"].mean()
    assert means["vip"] > max(means["regular"], means["new"]) + 2.0
    want = real["segment"].value_counts(normalize=True)
    got = out["segment"].value_counts(normalize=True).reindex(want.index, fill_value=0.0)
    assert 0.5 * float(np.abs(got - want).sum()) < 0.05
    assert out["x"].between(real["x"].min(), real["x"].max()).all()


def test_learned_order_puts_the_target_first_and_ties_close(
        learned: tuple[pd.DataFrame, ARGNSynthesizer]) -> None:
    _, syn = learned
    attrs = syn.attributes_
    names = [attrs.columns[int(attrs.value_columns[a])].name for a in syn.order_]
    assert names[0] == "segment"
    assert abs(names.index("x") - names.index("y")) == 1
    assert names[1] == "noise"  # binary flags come early: cheap for every later head


def test_numpy_heads_match_the_torch_network() -> None:
    rng = np.random.default_rng(0)
    cards = [3, 5, 2, 7]
    net = ARGNNet(cards, 4, 8, 1, rng)
    codes = np.stack([rng.integers(0, k, 50) for k in cards], axis=1)
    order = [2, 0, 3, 1]
    mask = order_mask(order, len(cards))
    with torch.no_grad():
        hidden = net.hidden(torch.from_numpy(codes), torch.from_numpy(mask))
    state = {k: v.detach().numpy() for k, v in net.state_dict().items()}
    sizes = [state[f"embeddings.{a}"].shape[1] for a in range(len(cards))]
    x = np.concatenate([state[f"embeddings.{a}"][codes[:, a]] for a in range(len(cards))], 1)
    for a in range(len(cards)):
        want = (hidden[a] @ net.heads[a] + net.head_biases[a]).detach().numpy()
        np.testing.assert_allclose(head_logits(state, a, x, mask[a], sizes), want,
                                   rtol=1e-4, atol=1e-5)


def test_same_seed_same_model_and_rows(table: pd.DataFrame) -> None:
    a = ARGNSynthesizer(seed=5, **TINY).fit(table)
    b = ARGNSynthesizer(seed=5, **TINY).fit(table)
    for key, value in a.weights_.items():
        np.testing.assert_array_equal(value, b.weights_[key])
    assert a.training_.train_loss == b.training_.train_loss
    pd.testing.assert_frame_equal(a.sample(30), b.sample(30))
    c = ARGNSynthesizer(seed=6, **TINY).fit(table)
    assert not np.array_equal(a.weights_["context"], c.weights_["context"])


def test_no_global_random_state_or_threads_touched(table: pd.DataFrame) -> None:
    rng_state = torch.random.get_rng_state()
    np_state = np.random.get_state()[1].copy()  # noqa: NPY002 - checking it is untouched
    threads = torch.get_num_threads()
    ARGNSynthesizer(seed=0, order="any", **TINY).fit(table)
    assert torch.equal(torch.random.get_rng_state(), rng_state)
    np.testing.assert_array_equal(np.random.get_state()[1], np_state)  # noqa: NPY002
    assert torch.get_num_threads() == threads


def test_save_load_identical(tmp_path: Path, table: pd.DataFrame) -> None:
    syn = ARGNSynthesizer(seed=3, **TINY).fit(table)
    syn.save(tmp_path / "m.sim")
    loaded = load_synthesizer(tmp_path / "m.sim")
    assert isinstance(loaded, ARGNSynthesizer)
    pd.testing.assert_frame_equal(loaded.sample(60, seed=1), syn.sample(60, seed=1))
    np.testing.assert_array_equal(loaded.order_, syn.order_)
    assert loaded.training_ == syn.training_
    assert all(v.dtype == np.float32 for v in loaded.weights_.values())


def test_early_stopping_and_time_budget() -> None:
    small = shop(n=120)
    syn = ARGNSynthesizer(epochs=500, batch_size=16, hidden_size=64, learning_rate=2e-2,
                          patience=3, validation_share=0.3, device="cpu", threads=1,
                          seed=0).fit(small)
    log = syn.training_
    assert log.stopped == "early_stopping" and len(log.train_loss) < 500
    assert log.best_epoch == int(np.argmin(log.val_loss)) + 1
    start = time.perf_counter()
    timed = ARGNSynthesizer(epochs=100_000, patience=100_000, batch_size=32,
                            max_training_time=0.5, device="cpu", threads=1,
                            seed=0).fit(shop(n=3000))
    assert time.perf_counter() - start < 30.0  # budget 0.5 s; ignoring it would run for hours
    assert timed.training_.stopped == "time"


def test_condition_on_the_target_is_native(learned: tuple[pd.DataFrame, ARGNSynthesizer],
                                           native_draws: Any) -> None:
    _, syn = learned
    calls = native_draws(syn)
    out = syn.sample(1000, seed=4, conditions={"segment": "vip"})
    assert (out["segment"] == "vip").all()
    assert calls and all(c is not None for c in calls)
    assert out["x"].mean() > 2.0  # drawn given the class, not filtered from the marginal


def test_fixed_order_declines_columns_later_in_its_order(
        learned: tuple[pd.DataFrame, ARGNSynthesizer]) -> None:
    _, syn = learned
    j = syn.codec_.encoded_columns.index(next(c for c in syn.codec_.encoded_columns
                                              if c.name == "noise"))
    assert syn._sample_fixed(10, {j: 0.0}, rng=np.random.default_rng(0)) is None
    out = syn.sample(300, seed=1, conditions={"noise": "a"})  # rejection still delivers
    assert (out["noise"] == "a").all() and len(out) == 300


def test_any_order_conditions_natively_on_any_column() -> None:
    real = shop()
    syn = ARGNSynthesizer(seed=1, order="any", **{**LEARN, "epochs": 60}).fit(real)
    enc = syn.codec_.encoded_columns
    j = next(i for i, c in enumerate(enc) if c.name == "x")
    frame = syn._sample_fixed(2000, {j: 3.5}, rng=np.random.default_rng(0))
    assert frame is not None
    np.testing.assert_array_equal(frame.values[:, j], 3.5)  # the exact number, not its bin
    out = syn.sample(2000, seed=3, conditions={"x": 3.5})
    assert (out["x"] == 3.5).all()
    assert out["y"].mean() > 5.0  # y follows x = 3.5 (about 7)
    assert (out["segment"] == "vip").mean() > 0.6  # and so does the class


def test_rare_categories_share_a_code_and_keep_their_frequencies() -> None:
    rng = np.random.default_rng(0)
    n = 2000
    case = np.concatenate([rng.choice(["a", "b"], size=n // 2),
                           [f"c{i}" for i in rng.integers(0, 600, n - n // 2)]])
    real = pd.DataFrame({"case": case, "x": rng.standard_normal(n)})
    syn = ARGNSynthesizer(seed=0, rare_count=5, order="any",
                          **{**LEARN, "epochs": 20}).fit(real)
    attr = next(a for a in range(syn.attributes_.size)
                if syn.attributes_.columns[int(syn.attributes_.value_columns[a])].name == "case")
    counts = real["case"].value_counts()
    assert syn.pools_.cards[attr] == int((counts >= 5).sum()) + 1  # kept ones and the pool
    out = syn.sample(3000, seed=1)
    assert out["case"].isin(set(case)).all()
    rare = ~out["case"].isin(["a", "b"])
    assert abs(rare.mean() - 0.5) < 0.1 and out.loc[rare, "case"].nunique() > 200
    given = syn.sample(50, seed=2, conditions={"case": counts.index[-1]})
    assert (given["case"] == counts.index[-1]).all()


@pytest.mark.parametrize(("param", "value"), [
    ("epochs", 0), ("batch_size", 0), ("n_bins", 1), ("n_bins", 2.5), ("embedding_dim", 1),
    ("hidden_layers", -1), ("learning_rate", 0.0), ("patience", 0),
    ("validation_share", 0.95), ("order", "random"), ("rare_count", -1),
    ("max_training_time", -1.0), ("device", "tpu"), ("threads", 0),
])
def test_bad_params_are_clear_errors(param: str, value: Any, table: pd.DataFrame) -> None:
    with pytest.raises(InvalidParameterError, match=repr(param)):
        ARGNSynthesizer(**{param: value}).fit(table)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_trained_on_gpu_samples_on_cpu(tmp_path: Path, table: pd.DataFrame) -> None:
    syn = ARGNSynthesizer(seed=0, **{**TINY, "device": "cuda"}).fit(table)
    syn.save(tmp_path / "m.sim")
    loaded = load_synthesizer(tmp_path / "m.sim")
    pd.testing.assert_frame_equal(loaded.sample(50, seed=1), syn.sample(50, seed=1))



def test_small_table_trains_with_the_default_batch() -> None:
    # One step an epoch (every row in one batch of 512) left the model nearly untrained:
    # airquality's Ozone, missing in 24% of rows, came back missing in 11% (1 in 9 codes)
    fits = {}
    for seed in (0, 1):
        real = small_weather(seed, day=True)
        for batch in (None, 512):
            fits[seed, batch] = ARGNSynthesizer(seed=0, batch_size=batch, device="cpu",
                                                threads=1).fit(real)
        assert min(fits[seed, None].training_.val_loss) < min(fits[seed, 512].training_.val_loss)
    real, out = small_weather(0, day=True), fits[0, None].sample(3000, seed=1)
    assert abs(out["ozone"].isna().mean() - real["ozone"].isna().mean()) < 0.06


def test_explicit_batch_size_is_kept() -> None:
    from simulacra.synth.neural.argn import _batch_rows

    assert _batch_rows(None, 135) == 32
    assert _batch_rows(None, 1600) == 100
    assert _batch_rows(None, 100_000) == 512
    assert _batch_rows(512, 135) == 135
    assert _batch_rows(64, 1600) == 64
