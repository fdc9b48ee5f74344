"""CTGAN: the contract, learning, reproducibility, time budget, artifacts, parameters."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from simulacra.errors import InvalidParameterError
from simulacra.synth import load_synthesizer, make_synthesizer
from simulacra.testing import CHECKS, contract_table
from tests.synth.neural._tables import small_weather

torch = pytest.importorskip("torch")

from simulacra.synth.neural.ctgan import CTGANSynthesizer, GANTrainingLog  # noqa: E402

pytestmark = pytest.mark.neural

TINY: dict[str, Any] = {"epochs": 2, "batch_size": 20, "embedding_dim": 8,
                        "generator_size": 16, "discriminator_size": 16, "pac": 2,
                        "device": "cpu", "threads": 1}


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return contract_table()


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_contract(check: Any, table: pd.DataFrame) -> None:
    check(CTGANSynthesizer(seed=0, **TINY), table)


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_contract_mode_specific_normalization(check: Any, table: pd.DataFrame) -> None:
    check(CTGANSynthesizer(seed=0, numeric_transform="mode", **TINY), table)


def test_registered() -> None:
    assert type(make_synthesizer("ctgan")) is CTGANSynthesizer


COLOURS: dict[str, Any] = {"epochs": 50, "batch_size": 100, "embedding_dim": 8,
                           "generator_size": 32, "discriminator_size": 32,
                           "learning_rate": 1e-3, "validation_share": 0.0, "device": "cpu",
                           "threads": 1, "seed": 1}


def _colours() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 1000
    colour = rng.choice(["red", "green", "blue"], size=n, p=[0.6, 0.3, 0.1])
    return pd.DataFrame({"colour": colour,
                         "x": rng.standard_normal(n) + (colour == "red") * 3.0})


@pytest.fixture(scope="module")
def colours() -> tuple[pd.DataFrame, CTGANSynthesizer]:
    real = _colours()
    return real, CTGANSynthesizer(**COLOURS).fit(real)


def test_bfloat16_training_learns_and_samples_in_float32(
        colours: tuple[pd.DataFrame, CTGANSynthesizer]) -> None:
    real, plain = colours
    syn = CTGANSynthesizer(precision="bfloat16", **COLOURS).fit(real)
    assert all(w.dtype == np.float32 for w in syn.weights_.values())
    means = syn.sample(4000, seed=2).groupby("colour")["x"].mean()
    assert means["red"] > max(means["green"], means["blue"]) + 1.5
    # autocast changes the arithmetic, and stays reproducible
    assert any(not np.array_equal(syn.weights_[k], plain.weights_[k]) for k in syn.weights_)
    again = CTGANSynthesizer(precision="bfloat16", **COLOURS).fit(real)
    for k in syn.weights_:
        np.testing.assert_array_equal(syn.weights_[k], again.weights_[k])


def test_learns_category_frequencies(colours: tuple[pd.DataFrame, CTGANSynthesizer]) -> None:
    real, syn = colours
    out = syn.sample(4000, seed=2)
    want = real["colour"].value_counts(normalize=True)
    got = out["colour"].value_counts(normalize=True).reindex(want.index, fill_value=0.0)
    assert 0.5 * float(np.abs(got - want).sum()) < 0.1
    means = out.groupby("colour")["x"].mean()  # and the condition shapes the numeric column
    assert means["red"] > max(means["green"], means["blue"]) + 1.5
    assert len(syn.training_.train_loss) == len(syn.training_.discriminator_loss) == 50
    assert out["x"].between(real["x"].min(), real["x"].max()).all()


def test_condition_on_a_category_is_native(colours: tuple[pd.DataFrame, CTGANSynthesizer],
                                           native_draws: Any) -> None:
    _, syn = colours
    original = syn._sample_fixed
    calls = native_draws(syn)
    red = syn.sample(1000, seed=3, conditions={"colour": "red"})
    blue = syn.sample(1000, seed=3, conditions={"colour": "blue"})
    assert (red["colour"] == "red").all() and (blue["colour"] == "blue").all()
    assert calls and all(c is not None for c in calls)
    assert red["x"].mean() > blue["x"].mean() + 1.5  # generated given the category
    j = syn.codec_.encoded_columns.index(next(c for c in syn.codec_.encoded_columns
                                              if c.name == "x"))
    assert original(10, {j: 0.5}, rng=np.random.default_rng(0)) is None  # numbers: rejection


def test_mode_specific_normalization_learns_both_modes() -> None:
    rng = np.random.default_rng(0)
    n = 1000
    colour = rng.choice(["red", "green", "blue"], size=n, p=[0.6, 0.3, 0.1])
    x = np.where(colour == "red", rng.normal(10.0, 1.0, n), rng.normal(-5.0, 0.5, n))
    x[rng.random(n) < 0.1] = np.nan
    real = pd.DataFrame({"colour": colour, "x": x})
    syn = CTGANSynthesizer(epochs=100, batch_size=100, embedding_dim=8, generator_size=32,
                           discriminator_size=32, learning_rate=1e-3, device="cpu", threads=1,
                           numeric_transform="mode", seed=3).fit(real)
    layout = syn.layout_
    assert layout.transform == "mode" and [k for _, _, k in layout.modes] == [2]
    assert len(syn.counts_) == 2 + 3  # conditions cover the discrete columns only
    assert np.isfinite(syn.training_.val_loss).all()  # the fidelity gap in the mode layout
    out = syn.sample(4000, seed=2)
    got = out["x"].dropna()
    low, high = (got - -5.0).abs() < 2.0, (got - 10.0).abs() < 4.0
    assert low.mean() > 0.1 and high.mean() > 0.3
    assert (low | high).mean() > 0.9  # little mass between the modes
    means = out.groupby("colour")["x"].mean()
    assert means["red"] > means["green"] + 5.0
    assert got.between(real["x"].min(), real["x"].max()).all()
    # real share 0.1; this small GAN lands between 0.06 and 0.2 over seeds (and float
    # rounding alone moved seed 3 from 0.18 to 0.2005)
    assert 0.03 < out["x"].isna().mean() < 0.25


def test_early_stopping_keeps_the_generator_closest_to_validation_rows() -> None:
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"colour": rng.choice(["red", "green"], size=400),
                         "x": rng.standard_normal(400)})
    kw: dict[str, Any] = {**TINY, "batch_size": 40, "learning_rate": 1e-2}
    syn = CTGANSynthesizer(seed=2, **{**kw, "epochs": 400}, patience=5).fit(real)
    log = syn.training_
    assert log.stopped == "early_stopping" and len(log.train_loss) < 400
    assert len(log.val_loss) == len(log.train_loss) == log.best_epoch + 5
    assert log.best_epoch == int(np.argmin(log.val_loss)) + 1
    # the kept generator is the best epoch's: retraining for exactly that long gives it
    again = CTGANSynthesizer(seed=2, **{**kw, "epochs": log.best_epoch}, patience=1000).fit(real)
    for key, value in again.weights_.items():
        np.testing.assert_array_equal(value, syn.weights_[key])
    unjudged = CTGANSynthesizer(seed=2, **{**kw, "epochs": 12}, validation_share=0.0,
                                patience=1).fit(real)
    assert len(unjudged.training_.train_loss) == 12 and not unjudged.training_.val_loss
    # without validation rows the last generator is kept (a GAN's loss does not rank epochs)
    assert unjudged.training_.best_epoch == 12
    longer = CTGANSynthesizer(seed=2, **{**kw, "epochs": 13}, validation_share=0.0).fit(real)
    assert any(not np.array_equal(value, longer.weights_[key])
               for key, value in unjudged.weights_.items())


def test_same_seed_same_model_and_rows(table: pd.DataFrame) -> None:
    a = CTGANSynthesizer(seed=5, **TINY).fit(table)
    b = CTGANSynthesizer(seed=5, **TINY).fit(table)
    for key, value in a.weights_.items():
        np.testing.assert_array_equal(value, b.weights_[key])
    assert a.training_.train_loss == b.training_.train_loss
    pd.testing.assert_frame_equal(a.sample(30), b.sample(30))
    c = CTGANSynthesizer(seed=6, **TINY).fit(table)
    assert not np.array_equal(a.weights_["generator.weights.0"],
                              c.weights_["generator.weights.0"])


def test_no_global_random_state_or_threads_touched(table: pd.DataFrame) -> None:
    rng_state = torch.random.get_rng_state()
    np_state = np.random.get_state()[1].copy()  # noqa: NPY002 - checking it is untouched
    threads = torch.get_num_threads()
    CTGANSynthesizer(seed=0, **TINY).fit(table)
    assert torch.equal(torch.random.get_rng_state(), rng_state)
    np.testing.assert_array_equal(np.random.get_state()[1], np_state)  # noqa: NPY002
    assert torch.get_num_threads() == threads


def test_save_load_identical(tmp_path: Path, table: pd.DataFrame) -> None:
    syn = CTGANSynthesizer(seed=3, **TINY).fit(table)
    syn.save(tmp_path / "m.sim")
    loaded = load_synthesizer(tmp_path / "m.sim")
    assert isinstance(loaded, CTGANSynthesizer)
    pd.testing.assert_frame_equal(loaded.sample(60, seed=1), syn.sample(60, seed=1))
    assert loaded.training_ == syn.training_
    assert isinstance(loaded.training_, GANTrainingLog)
    assert all(v.dtype == np.float32 for v in loaded.weights_.values())


def test_save_load_identical_with_mode_specific_normalization(tmp_path: Path,
                                                             table: pd.DataFrame) -> None:
    syn = CTGANSynthesizer(seed=3, numeric_transform="mode", **TINY).fit(table)
    syn.save(tmp_path / "m.sim")
    loaded = load_synthesizer(tmp_path / "m.sim")
    assert isinstance(loaded, CTGANSynthesizer) and loaded.numeric_transform == "mode"
    assert loaded.layout_.modes == syn.layout_.modes
    pd.testing.assert_frame_equal(loaded.sample(60, seed=1), syn.sample(60, seed=1))
    pd.testing.assert_frame_equal(loaded.sample(20, seed=2, conditions={"segment": "rare"}),
                                  syn.sample(20, seed=2, conditions={"segment": "rare"}))


@pytest.mark.parametrize("transform", ["quantile", "mode"])
def test_all_continuous_frame_trains_and_samples(transform: str) -> None:
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"x": rng.standard_normal(200), "y": rng.uniform(0, 5, 200)})
    out = CTGANSynthesizer(seed=0, numeric_transform=transform, **TINY).fit(real).sample(
        50, seed=0)
    assert list(out.columns) == ["x", "y"] and out.notna().all().all()
    assert out["y"].between(0, 5).all()


def test_max_training_time_is_respected(table: pd.DataFrame) -> None:
    start = time.perf_counter()
    syn = CTGANSynthesizer(seed=0, max_training_time=0.3, **{**TINY, "epochs": 100_000}
                           ).fit(table)
    assert time.perf_counter() - start < 30.0  # budget 0.3 s; ignoring it would run for hours
    assert syn.training_.stopped == "time"
    assert 1 <= len(syn.training_.train_loss) < 100_000
    assert syn.training_.best_epoch == len(syn.training_.train_loss)


@pytest.mark.parametrize(("param", "value"), [
    ("epochs", 0), ("epochs", 2.5), ("batch_size", 0), ("embedding_dim", -1),
    ("generator_layers", -1), ("discriminator_size", 0), ("pac", 0),
    ("discriminator_steps", 0), ("learning_rate", 0.0), ("max_training_time", -1.0),
    ("device", "tpu"), ("threads", 0), ("batch_size", 25), ("patience", 0),
    ("validation_share", 1.0), ("numeric_transform", "standard"), ("numeric_transform", "gmm"),
    ("precision", "float16"), ("average_epochs", -1.0),
])
def test_bad_params_are_clear_errors(param: str, value: Any, table: pd.DataFrame) -> None:
    with pytest.raises(InvalidParameterError, match=repr(param)):
        CTGANSynthesizer(**{param: value}).fit(table)


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present")
def test_cuda_without_a_gpu_is_a_clear_error(table: pd.DataFrame) -> None:
    with pytest.raises(InvalidParameterError, match="CUDA"):
        CTGANSynthesizer(device="cuda", epochs=1).fit(table)


def test_the_kept_generator_is_the_running_average(table: pd.DataFrame) -> None:
    # an average over a very long horizon barely leaves the initial weights, so it stays the
    # same after 2 or 4 epochs, while the trained generator itself moves
    frozen = {**TINY, "validation_share": 0.0, "average_epochs": 1e9}
    two, four = (CTGANSynthesizer(seed=4, **{**frozen, "epochs": e}).fit(table) for e in (2, 4))
    raw = {**frozen, "average_epochs": 0.0}
    raw_two, raw_four = (CTGANSynthesizer(seed=4, **{**raw, "epochs": e}).fit(table)
                         for e in (2, 4))
    for key, value in two.weights_.items():
        np.testing.assert_allclose(value, four.weights_[key], atol=1e-6)
    assert max(float(np.abs(raw_two.weights_[k] - raw_four.weights_[k]).max())
               for k in raw_two.weights_) > 1e-3


def test_small_table_trains_with_the_default_batch() -> None:
    # A batch of 500 gave a smaller table one step an epoch: after 100 epochs ozone, missing
    # in 28% of the rows, came back missing in 44% (palmerpenguins: 11-13% for 0.6%). Since
    # missing-value indicators are conditioned on at their real rate, the share holds with
    # either batch (0.28 -> 0.28 and 0.30), so the contrast is in the values: the mean
    # Kolmogorov-Smirnov distance of the columns, 0.35 against 0.53.
    from scipy import stats

    real = small_weather(0)
    real_share = real["ozone"].isna().mean()
    distances, shares = {}, {}
    for batch in (None, 500):
        syn = CTGANSynthesizer(seed=0, batch_size=batch, epochs=100, embedding_dim=16,
                               generator_size=64, discriminator_size=64,
                               validation_share=0.0, device="cpu", threads=1).fit(real)
        sample = syn.sample(3000, seed=1)
        shares[batch] = sample["ozone"].isna().mean()
        distances[batch] = np.mean([stats.ks_2samp(real[c].dropna(), sample[c].dropna()
                                                    ).statistic for c in real])
    assert abs(shares[None] - real_share) < 0.05
    assert distances[None] < distances[500] - 0.1


def test_default_batch_is_a_sixteenth_of_the_rows_and_a_multiple_of_pac() -> None:
    from simulacra.synth.neural.ctgan import _batch_rows

    assert _batch_rows(None, 10, 137) == 30  # at least 32 rows, rounded down to pac
    assert _batch_rows(None, 10, 1600) == 100
    assert _batch_rows(None, 3, 1600) == 99
    assert _batch_rows(None, 64, 137) == 64  # never fewer rows than one pack
    assert _batch_rows(None, 10, 8000) == 500  # large tables: CTGAN's 500, as before
    assert _batch_rows(None, 10, 1_000_000) == 500
    assert _batch_rows(500, 10, 137) == 500  # explicit values kept (drawn with replacement)
    assert _batch_rows(40, 10, 1600) == 40


def test_default_batch_needs_no_multiple_of_pac(table: pd.DataFrame) -> None:
    syn = CTGANSynthesizer(seed=0, **{**TINY, "batch_size": None, "pac": 7}).fit(table)
    assert len(syn.sample(20, seed=1)) == 20


def _penguin_like(n: int = 300) -> pd.DataFrame:
    """palmerpenguins' shape: three numbers missing together in 2 rows of 300 (0.7%)."""
    rng = np.random.default_rng(0)
    kind = rng.choice(["a", "b", "c"], n, p=[0.45, 0.35, 0.2])
    size = pd.Series(kind).map({"a": 0.0, "b": 2.0, "c": 4.0}).to_numpy() + rng.normal(0, 1, n)
    out = pd.DataFrame({"kind": kind, "place": rng.choice(["x", "y"], n),
                        "length": np.round(40 + 3 * size + rng.normal(0, 1, n), 1),
                        "depth": np.round(17 - size / 2 + rng.normal(0, 0.5, n), 1),
                        "mass": np.round(4000 + 300 * size + rng.normal(0, 100, n))})
    out.loc[[3, 150], ["length", "depth", "mass"]] = np.nan
    return out


def test_rare_missing_values_keep_their_share() -> None:
    # Training by sampling picked a missing-value indicator's categories by the log of their
    # frequency: 2 missing rows of 300 filled 16% of the rows conditioned on each indicator,
    # and the numbers came back missing in 10-12% of sampled rows (palmerpenguins: 5-8% for
    # 0.6%). Indicators are now picked at their real rate.
    real = _penguin_like()
    syn = CTGANSynthesizer(seed=0, epochs=30, validation_share=0.0, device="cpu",
                           threads=1).fit(real)
    shares = syn.sample(4000, seed=1)[["length", "depth", "mass"]].isna().mean()
    assert (shares < 0.03).all(), shares.to_dict()


def test_rare_missing_category_keeps_its_share() -> None:
    # A categorical column keeps its missing values as one more category, which training by
    # sampling picked by the log of its frequency like any other: 2 missing rows of 300 were
    # 10% of the rows conditioned on the column, and it came back missing in 6-7% of sampled
    # rows (palmerpenguins' sex: 4-6% for 3.2%). Its missing code is now picked at its rate.
    real = _penguin_like().drop(columns=["depth"])
    real.loc[[3, 150], ["length", "mass"]] = [41.0, 4100.0]
    real.loc[[10, 200], "place"] = None
    syn = CTGANSynthesizer(seed=0, epochs=30, validation_share=0.0, device="cpu",
                           threads=1).fit(real)
    share = syn.sample(4000, seed=1)["place"].isna().mean()
    assert share < 0.03, share


def test_condition_weights_are_log_frequencies_but_missing_codes_real_rates() -> None:
    from simulacra.data._codecs import TableCodec
    from simulacra.schema import infer_schema
    from simulacra.synth.neural._layout import Layout
    from simulacra.synth.neural.ctgan import _categories, _condition_weights, _padded_probs

    real = _penguin_like()
    real.loc[[10, 200, 250], "kind"] = None
    frame = TableCodec.fit(real, infer_schema(real).tables[0]).encode(real)
    layout = Layout.fit(frame)
    counts, offsets, _ = _categories(frame, layout)
    probs = _padded_probs(_condition_weights(counts, offsets, layout), offsets)
    names = [frame.columns[j].name for j, _, _ in layout.discrete]
    for b, name in enumerate(names):
        count = counts[offsets[b]:offsets[b + 1]]
        p = probs[b, :count.size]
        if name == "place":  # no missing values: log frequency, as in CTGAN
            np.testing.assert_allclose(p, np.log1p(count) / np.log1p(count).sum())
            continue
        # the missing code last, at its real rate; the others share the rest by log frequency
        np.testing.assert_allclose(p[-1], count[-1] / count.sum())
        rest = np.log1p(count[:-1])
        np.testing.assert_allclose(p[:-1], rest / rest.sum() * (1 - count[-1] / count.sum()))
    assert {"kind", "place", "length.missing"} <= set(names)
    assert counts[offsets[names.index("kind")]:][3] == 3  # kind: a, b, c, then missing
