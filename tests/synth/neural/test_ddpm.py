"""DDPM: the contract, the diffusion math, learning, conditioning, reproducibility, artifacts."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from simulacra import Role, infer_schema
from simulacra.errors import InvalidParameterError
from simulacra.synth import load_synthesizer, make_synthesizer
from simulacra.testing import CHECKS, contract_table
from tests.synth._progress import ProgressRecorder

torch = pytest.importorskip("torch")

from simulacra.synth.neural._diffusion import (  # noqa: E402
    Denoiser,
    Diffusion,
    alphas_cumprod,
    respaced,
)
from simulacra.synth.neural._torch import state_from_numpy  # noqa: E402
from simulacra.synth.neural.ddpm import DDPMSynthesizer  # noqa: E402

pytestmark = pytest.mark.neural

TINY: dict[str, Any] = {"epochs": 2, "batch_size": 64, "num_timesteps": 20, "embedding_dim": 8,
                        "hidden_size": 16, "hidden_layers": 1, "device": "cpu", "threads": 1}
# Small but trained: enough to learn a correlation and a class-dependent mean.
TRAINED: dict[str, Any] = {"epochs": 60, "batch_size": 128, "num_timesteps": 100,
                           "embedding_dim": 32, "hidden_size": 64, "hidden_layers": 2,
                           "learning_rate": 3e-3, "patience": 60, "device": "cpu", "threads": 1}


def test_registered() -> None:
    assert type(make_synthesizer("ddpm")) is DDPMSynthesizer


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return contract_table()


def mixed(n: int = 1000, seed: int = 0) -> pd.DataFrame:
    """``c`` shifts ``x`` by 3 and tilts ``d``; ``y`` follows ``x``."""
    rng = np.random.default_rng(seed)
    c = rng.choice(["a", "b"], n)
    x = rng.standard_normal(n) + 3.0 * (c == "a")
    y = 2 * x + 0.5 * rng.standard_normal(n)
    d = np.where(rng.random(n) < np.where(c == "a", 0.9, 0.1), "hi", "lo")
    return pd.DataFrame({"c": c, "x": x, "y": y, "d": d})


@pytest.fixture(scope="module")
def conditional() -> DDPMSynthesizer:
    """A class-conditional model: ``c`` is the declared target."""
    real = mixed()
    schema = infer_schema(real, roles={"c": Role.TARGET})
    return DDPMSynthesizer(seed=1, **TRAINED).fit(real, schema)


@pytest.fixture(scope="module")
def unconditional() -> DDPMSynthesizer:
    return DDPMSynthesizer(seed=1, **TRAINED).fit(mixed())


# ---- the contract ------------------------------------------------------------------------
@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_contract(check: Any, table: pd.DataFrame) -> None:
    check(DDPMSynthesizer(seed=0, **TINY), table)


# ---- the diffusion math ------------------------------------------------------------------
def small_diffusion(steps: int = 50) -> Diffusion:
    abar = alphas_cumprod(steps, "cosine")
    return Diffusion(abar, np.arange(steps), 1, [3, 2], "cpu")


def test_schedules_decrease_to_noise() -> None:
    for name in ("cosine", "linear"):
        abar = alphas_cumprod(1000, name)
        assert abar[0] > 0.99 and abar[-1] < 1e-3
        assert np.all(np.diff(abar) < 0)
    assert list(respaced(10, 4)) == [0, 3, 6, 9]
    assert list(respaced(5, 5)) == list(range(5))


def test_forward_process_has_the_multinomial_marginal() -> None:
    diff = small_diffusion()
    n, step = 20000, 20
    codes = torch.zeros((n, 2), dtype=torch.int64)
    drawn = diff.q_sample_codes(diff.log_onehot(codes), step, torch.Generator().manual_seed(0))
    abar = float(alphas_cumprod(50, "cosine")[step])
    for b, k in enumerate((3, 2)):
        freq = np.bincount(drawn[:, b].numpy(), minlength=k) / n
        want = np.full(k, (1 - abar) / k)
        want[0] += abar
        np.testing.assert_allclose(freq, want, atol=0.015)


def test_posterior_is_a_distribution_and_matches_bayes() -> None:
    diff = small_diffusion()
    log_x0 = diff.log_onehot(torch.tensor([[1, 0], [2, 1]]))
    log_xt = diff.log_onehot(torch.tensor([[0, 0], [2, 0]]))
    for step in (0, 10, 49):
        post = diff.posterior(log_x0, log_xt, step).exp()
        np.testing.assert_allclose(post.sum(-1).numpy(), 1.0, rtol=1e-5)
        assert float(post[:, 1, 2].abs().max()) == 0.0  # the padded category
    # By hand, block 0 of row 0 at step 10: x_0 = 1, x_t = 0, K = 3.
    abar = alphas_cumprod(50, "cosine")
    prev, alpha = abar[9], abar[10] / abar[9]
    before = prev * np.eye(3)[1] + (1 - prev) / 3
    step_lik = alpha * np.eye(3)[0] + (1 - alpha) / 3
    want = before * step_lik / (before * step_lik).sum()
    got = diff.posterior(log_x0, log_xt, 10).exp()[0, 0].numpy()
    np.testing.assert_allclose(got, want, rtol=1e-4)


def test_loss_is_finite_and_trains_the_denoiser() -> None:
    diff = small_diffusion()
    net = Denoiser(6, 0, 8, 32, 2, np.random.default_rng(0))
    rng = np.random.default_rng(1)
    x0 = torch.from_numpy(rng.standard_normal((256, 1)).astype(np.float32))
    codes = torch.from_numpy(np.stack([rng.integers(0, 3, 256), rng.integers(0, 2, 256)], 1))
    gen = torch.Generator().manual_seed(0)
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    first = float(diff.loss(net, x0, codes, None, torch.Generator().manual_seed(5)).detach())
    for _ in range(60):
        loss = diff.loss(net, x0, codes, None, gen)
        opt.zero_grad()
        loss.backward()
        opt.step()
    last = float(diff.loss(net, x0, codes, None, torch.Generator().manual_seed(5)).detach())
    assert np.isfinite(first) and last < first


# ---- learning ----------------------------------------------------------------------------
def test_learns_a_correlation_and_a_class_mean(unconditional: DDPMSynthesizer) -> None:
    out = unconditional.sample(2000, seed=2)
    assert out["x"].corr(out["y"]) > 0.8  # an independent model gives about 0
    means = out.groupby("c")["x"].mean()
    assert means["a"] - means["b"] > 2.0  # real: 3
    hi = (out["d"] == "hi").groupby(out["c"]).mean()
    assert hi["a"] - hi["b"] > 0.4  # real: 0.8
    assert abs((out["c"] == "a").mean() - 0.5) < 0.1


def test_class_conditional_model_learns(conditional: DDPMSynthesizer) -> None:
    assert conditional.label_column_ == 0
    np.testing.assert_allclose(conditional.label_freq_.sum(), 1.0)
    out = conditional.sample(2000, seed=3)
    assert out["x"].corr(out["y"]) > 0.8
    means = out.groupby("c")["x"].mean()
    assert means["a"] - means["b"] > 2.0
    share = (mixed()["c"] == "a").mean()  # labels are drawn from the training frequencies
    assert abs((out["c"] == "a").mean() - share) < 0.04


# ---- native conditional sampling ---------------------------------------------------------
def native_only(syn: DDPMSynthesizer, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record the native draws; any plain draw but the base's one example row fails."""
    calls: list[int] = []
    fixed_draw, plain_draw = syn._sample_fixed, syn._sample

    def counted(n: int, fixed: dict[int, float], *, rng: np.random.Generator) -> Any:
        calls.append(n)
        return fixed_draw(n, fixed, rng=rng)

    def plain(n: int, *, rng: np.random.Generator) -> Any:
        assert n == 1, "conditioned rows were drawn without the condition"
        return plain_draw(n, rng=rng)

    monkeypatch.setattr(syn, "_sample_fixed", counted)
    monkeypatch.setattr(syn, "_sample", plain)
    return calls


def test_conditioning_on_the_target_uses_the_label(conditional: DDPMSynthesizer,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    calls = native_only(conditional, monkeypatch)
    a = conditional.sample(600, seed=4, conditions={"c": "a"})
    b = conditional.sample(600, seed=4, conditions={"c": "b"})
    assert (a["c"] == "a").all() and (b["c"] == "b").all()
    assert len(calls) == 2  # one native draw per call: no row was rejected
    assert a["x"].mean() - b["x"].mean() > 2.0
    assert (a["d"] == "hi").mean() > 0.7 and (b["d"] == "hi").mean() < 0.3


def test_conditioning_on_another_column_shifts_the_rest(conditional: DDPMSynthesizer,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    calls = native_only(conditional, monkeypatch)
    hi = conditional.sample(600, seed=5, conditions={"d": "hi"})
    lo = conditional.sample(600, seed=5, conditions={"d": "lo"})
    assert (hi["d"] == "hi").all() and (lo["d"] == "lo").all()
    assert len(calls) == 2
    assert (hi["c"] == "a").mean() > 0.75 and (lo["c"] == "a").mean() < 0.25  # real: 0.9, 0.1
    assert hi["x"].mean() - lo["x"].mean() > 1.5


def test_inpainting_without_a_target(unconditional: DDPMSynthesizer,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    calls = native_only(unconditional, monkeypatch)
    a = unconditional.sample(600, seed=6, conditions={"c": "a"})
    b = unconditional.sample(600, seed=6, conditions={"c": "b"})
    assert (a["c"] == "a").all() and (b["c"] == "b").all() and len(calls) == 2
    assert a["x"].mean() - b["x"].mean() > 1.0  # real: 3; a small model and inpainting
    big = unconditional.sample(400, seed=7, conditions={"x": 4.0})
    assert (big["x"] == 4.0).all()
    assert (big["c"] == "a").mean() > 0.8 and big["y"].mean() > 5.0  # y follows 2x


def test_conditioning_on_a_missing_value(monkeypatch: pytest.MonkeyPatch,
                                         table: pd.DataFrame) -> None:
    syn = DDPMSynthesizer(seed=0, **TINY).fit(table)
    calls = native_only(syn, monkeypatch)
    out = syn.sample(50, seed=0, conditions={"income": None, "segment": "plus"})
    assert out["income"].isna().all() and (out["segment"] == "plus").all()
    assert len(calls) == 1


# ---- reproducibility, randomness, threads ------------------------------------------------
def test_same_seed_same_model_and_rows(table: pd.DataFrame) -> None:
    a = DDPMSynthesizer(seed=5, **TINY).fit(table)
    b = DDPMSynthesizer(seed=5, **TINY).fit(table)
    for key, value in a.weights_.items():
        np.testing.assert_array_equal(value, b.weights_[key])
    assert a.training_.train_loss == b.training_.train_loss
    assert a.training_.val_loss == b.training_.val_loss
    pd.testing.assert_frame_equal(a.sample(30), b.sample(30))
    pd.testing.assert_frame_equal(a.sample(30, seed=1), b.sample(30, seed=1))
    c = DDPMSynthesizer(seed=6, **TINY).fit(table)
    assert not np.array_equal(a.weights_["mlp.weights.0"], c.weights_["mlp.weights.0"])


def test_no_global_random_state_or_threads_touched(table: pd.DataFrame) -> None:
    rng_state = torch.random.get_rng_state()
    np_state = np.random.get_state()[1].copy()  # noqa: NPY002 - checking it is untouched
    threads = torch.get_num_threads()
    syn = DDPMSynthesizer(seed=0, **TINY).fit(table)
    syn.sample(20, seed=0)
    syn.sample(20, seed=0, conditions={"segment": "basic"})
    assert torch.equal(torch.random.get_rng_state(), rng_state)
    np.testing.assert_array_equal(np.random.get_state()[1], np_state)  # noqa: NPY002
    assert torch.get_num_threads() == threads


# ---- training control --------------------------------------------------------------------
def test_early_stopping_stops_when_validation_stops_improving() -> None:
    small = mixed(n=60)
    syn = DDPMSynthesizer(epochs=3000, batch_size=16, num_timesteps=20, embedding_dim=8,
                          hidden_size=128, hidden_layers=2, learning_rate=1e-2, patience=5,
                          validation_share=0.25, device="cpu", threads=1, seed=0).fit(small)
    log = syn.training_
    assert log.stopped == "early_stopping"
    assert len(log.val_loss) == len(log.train_loss) == log.best_epoch + 5
    assert log.best_epoch == int(np.argmin(log.val_loss)) + 1


def test_max_training_time_is_respected(table: pd.DataFrame) -> None:
    start = time.perf_counter()
    syn = DDPMSynthesizer(seed=0, max_training_time=0.3,
                          **{**TINY, "epochs": 100_000, "patience": 100_000}).fit(table)
    assert time.perf_counter() - start < 30.0  # budget 0.3 s; ignoring it would run for hours
    assert syn.training_.stopped == "time"
    assert 1 <= len(syn.training_.train_loss) < 100_000
    once = DDPMSynthesizer(seed=0, max_training_time=0, **{**TINY, "epochs": 50}).fit(table)
    assert len(once.training_.train_loss) == 1


def test_progress_reports_epochs_and_losses(table: pd.DataFrame) -> None:
    rec = ProgressRecorder()
    DDPMSynthesizer(seed=0, **TINY).fit(table, progress=rec)
    assert ("start", ("ddpm: train", 2)) in rec.calls
    losses = [v for kind, v in rec.calls if kind == "metrics"]
    assert len(losses) == 2 and all({"epoch", "loss", "val_loss"} <= set(v) for v in losses)


# ---- artifacts ---------------------------------------------------------------------------
def test_save_load_identical_and_state_loads_on_cpu(tmp_path: Path,
                                                    conditional: DDPMSynthesizer) -> None:
    conditional.save(tmp_path / "m.sim")
    loaded = load_synthesizer(tmp_path / "m.sim")
    assert isinstance(loaded, DDPMSynthesizer)
    pd.testing.assert_frame_equal(loaded.sample(60, seed=1), conditional.sample(60, seed=1))
    pd.testing.assert_frame_equal(loaded.sample(40, seed=2, conditions={"d": "hi"}),
                                  conditional.sample(40, seed=2, conditions={"d": "hi"}))
    assert loaded.training_ == conditional.training_
    assert all(v.dtype == np.float32 for v in loaded.weights_.values())
    # The saved weights are a state_dict of plain float32 arrays: they load on the CPU,
    # whatever device trained them.
    width = loaded.weights_["proj.weight"].shape[1]
    net = Denoiser(width, 2, 32, 64, 2, np.random.default_rng(0))
    state_from_numpy(torch, net, loaded.weights_, "cpu")
    assert all(p.device.type == "cpu" for p in net.parameters())


def test_shorter_chain_samples_and_keeps_the_contract(table: pd.DataFrame) -> None:
    syn = DDPMSynthesizer(seed=0, **{**TINY, "sampling_steps": 5}).fit(table)
    out = syn.sample(100, seed=0)
    assert out["age"].between(table["age"].min(), table["age"].max()).all()
    syn.sampling_steps = None
    assert not out.equals(syn.sample(100, seed=0))


@pytest.mark.parametrize("columns", [["x", "y"], ["c", "d"], ["c"]])
def test_tables_of_one_kind(columns: list[str]) -> None:
    real = mixed(n=120)[columns]
    roles = {"c": Role.TARGET} if columns == ["c"] else None
    syn = DDPMSynthesizer(seed=0, **TINY).fit(real, infer_schema(real, roles=roles))
    out = syn.sample(50, seed=0)
    assert list(out.columns) == columns and out.notna().all().all()


def test_standard_transform_keeps_the_contract(table: pd.DataFrame) -> None:
    syn = DDPMSynthesizer(seed=0, numeric_transform="standard", **TINY).fit(table)
    out = syn.sample(200, seed=0)
    assert out["age"].between(table["age"].min(), table["age"].max()).all()
    assert out["age"].notna().all()


# ---- parameters --------------------------------------------------------------------------
@pytest.mark.parametrize(("param", "value"), [
    ("epochs", 0), ("epochs", 2.5), ("batch_size", 0), ("num_timesteps", 1),
    ("sampling_steps", 1), ("inpaint_resamples", 0), ("schedule", "sigmoid"),
    ("embedding_dim", 1), ("hidden_layers", -1), ("learning_rate", 0.0),
    ("weight_decay", -1.0), ("patience", 0), ("validation_share", 0.95),
    ("max_training_time", -1.0), ("numeric_transform", "log"), ("device", "tpu"),
    ("threads", 0),
])
def test_bad_params_are_clear_errors(param: str, value: Any, table: pd.DataFrame) -> None:
    with pytest.raises(InvalidParameterError, match=repr(param)):
        DDPMSynthesizer(**{**TINY, param: value}).fit(table)


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present")
def test_cuda_without_a_gpu_is_a_clear_error(table: pd.DataFrame) -> None:
    with pytest.raises(InvalidParameterError, match="CUDA"):
        DDPMSynthesizer(**{**TINY, "device": "cuda"}).fit(table)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_trained_on_gpu_samples_and_loads_on_cpu(tmp_path: Path, table: pd.DataFrame) -> None:
    syn = DDPMSynthesizer(seed=0, **{**TINY, "device": "cuda"}).fit(table)
    syn.save(tmp_path / "m.sim")
    loaded = load_synthesizer(tmp_path / "m.sim")
    pd.testing.assert_frame_equal(loaded.sample(50, seed=1), syn.sample(50, seed=1))
    loaded.device = "cpu"  # as on a machine without a GPU
    assert len(loaded.sample(50, seed=1)) == 50


def test_batches_shrink_for_very_wide_blocks() -> None:
    from simulacra.synth.neural.ddpm import _BATCH_CELLS, _SAMPLE_BATCH, _batch_rows

    assert _batch_rows([2, 3, 5]) == _SAMPLE_BATCH
    assert _batch_rows([]) == _SAMPLE_BATCH
    wide = _batch_rows([8808] + [11] * 14)  # an id-like column padded to its width
    assert wide == max(256, _BATCH_CELLS // (15 * 8808)) < _SAMPLE_BATCH
