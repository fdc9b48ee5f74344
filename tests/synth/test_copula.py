"""Behaviour of the Gaussian copula at the model level (encoded frames)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simulacra.data._frame import EncodedColumn, EncodedFrame
from simulacra.errors import InvalidParameterError
from simulacra.synth.copula import FAMILIES, GaussianCopulaSynthesizer
from tests.synth.model_level import fit_encoded, reload_state, tvd

N = 4000


def make_frame(n: int = N, seed: int = 0) -> EncodedFrame:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    y = 0.8 * x + 0.6 * rng.standard_normal(n)
    cat = np.digitize(x + 0.5 * rng.standard_normal(n), [-0.8, 0.0, 0.8])  # tied to x
    missing = rng.random(n) < 0.2
    cols = (
        EncodedColumn("x", "x", False),
        EncodedColumn("y", "y", False),
        EncodedColumn("skew", "skew", False),
        EncodedColumn("count", "count", False, integer=True),
        EncodedColumn("cat", "cat", True, cardinality=4),
        EncodedColumn("income.missing", "income", True, cardinality=2),
        EncodedColumn("income", "income", False),
    )
    values = np.column_stack([
        x,
        np.exp(y),  # a monotone transform: the copula must see through it
        rng.gamma(2.0, 3.0, n),
        rng.poisson(2, n).astype(float),
        cat.astype(float),
        missing.astype(float),
        np.where(missing, 0.0, 30_000 + 5_000 * x + 1_000 * rng.standard_normal(n)),
    ])
    return EncodedFrame(values, cols)


def fit(frame: EncodedFrame, **params: object) -> GaussianCopulaSynthesizer:
    return fit_encoded(GaussianCopulaSynthesizer, frame, **params)


@pytest.fixture(scope="module")
def frame() -> EncodedFrame:
    return make_frame()


@pytest.fixture(scope="module")
def model(frame: EncodedFrame) -> GaussianCopulaSynthesizer:
    return fit(frame)


@pytest.fixture(scope="module")
def sample(model: GaussianCopulaSynthesizer) -> EncodedFrame:
    return model._sample(20_000, rng=np.random.default_rng(2))


def test_marginals_are_preserved(frame: EncodedFrame, sample: EncodedFrame) -> None:
    assert sample.columns == frame.columns
    for name in ("x", "y", "skew", "count"):
        assert stats.ks_2samp(frame.column(name), sample.column(name)).statistic < 0.05, name
    assert tvd(frame.column("cat"), sample.column("cat"), 4) < 0.03
    counts = sample.column("count")
    np.testing.assert_array_equal(counts, np.round(counts))


def test_samples_stay_in_the_observed_range(frame: EncodedFrame, sample: EncodedFrame) -> None:
    for name in ("x", "y", "skew"):
        assert frame.column(name).min() <= sample.column(name).min()
        assert sample.column(name).max() <= frame.column(name).max()


def test_correlation_is_preserved(frame: EncodedFrame, sample: EncodedFrame) -> None:
    def rho(f: EncodedFrame, a: str, b: str) -> float:
        return float(stats.spearmanr(f.column(a), f.column(b)).statistic)

    assert abs(rho(sample, "x", "y") - rho(frame, "x", "y")) < 0.1
    assert rho(frame, "x", "y") > 0.7
    assert abs(rho(sample, "x", "skew")) < 0.05
    assert abs(rho(sample, "cat", "x") - rho(frame, "cat", "x")) < 0.1


def test_missing_values_keep_rate_placeholder_and_dependence(frame: EncodedFrame,
                                                              sample: EncodedFrame) -> None:
    real_missing = frame.column("income.missing") == 1
    fake_missing = sample.column("income.missing") == 1
    assert abs(real_missing.mean() - fake_missing.mean()) < 0.02
    np.testing.assert_array_equal(sample.column("income")[fake_missing], 0.0)
    present = sample.column("income")[~fake_missing]
    assert stats.ks_2samp(frame.column("income")[~real_missing], present).statistic < 0.05
    # Correlation with x is learned from rows where income exists, not diluted by placeholders.
    r = np.corrcoef(sample.column("x")[~fake_missing], present)[0, 1]
    assert r > 0.9


def test_auto_picks_fitting_families(model: GaussianCopulaSynthesizer) -> None:
    fam = dict(zip([c.name for c in model.columns_], model.families_, strict=True))
    assert fam["x"] in {"norm", "truncnorm"}
    assert fam["skew"] in {"gamma", "lognorm", "beta"}
    assert fam["count"] == "levels"  # a discrete-valued column: its values, as a step function
    assert fam["cat"] == ""


@pytest.mark.parametrize("family", ["empirical", *FAMILIES])
def test_every_forced_distribution_samples_in_range(frame: EncodedFrame, family: str) -> None:
    out = fit(frame, default_distribution=family)._sample(2000, rng=np.random.default_rng(0))
    x = out.column("x")
    assert np.isfinite(out.values).all()
    assert frame.column("x").min() <= x.min() and x.max() <= frame.column("x").max()


def test_correlation_matrix_is_a_valid_one(model: GaussianCopulaSynthesizer) -> None:
    corr = model.correlation_
    np.testing.assert_allclose(np.diag(corr), 1.0)
    np.testing.assert_allclose(corr, corr.T)
    assert np.linalg.eigvalsh(corr).min() > 0


def test_same_rng_same_rows(model: GaussianCopulaSynthesizer) -> None:
    a = model._sample(500, rng=np.random.default_rng(7))
    b = model._sample(500, rng=np.random.default_rng(7))
    c = model._sample(500, rng=np.random.default_rng(8))
    np.testing.assert_array_equal(a.values, b.values)
    assert not np.array_equal(a.values, c.values)


def test_state_round_trip_gives_identical_samples(model: GaussianCopulaSynthesizer,
                                                  tmp_path: Path) -> None:
    loaded = reload_state(model, tmp_path / "m.sim")
    a = model._sample(300, rng=np.random.default_rng(3))
    b = loaded._sample(300, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(a.values, b.values)
    assert loaded.families_ == model.families_


@pytest.mark.parametrize("value", ["weibull", None, 3])
def test_bad_distribution_is_rejected(value: object) -> None:
    model = GaussianCopulaSynthesizer(default_distribution=value)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="default_distribution"):
        model._validate_params()


def test_degenerate_inputs_do_not_crash() -> None:
    cols = (
        EncodedColumn("const", "const", False),
        EncodedColumn("one", "one", True, cardinality=1),
        EncodedColumn("v", "v", False),
        EncodedColumn("w", "w", False),
    )
    for values in (
        np.array([[5.0, 0.0, 1.0, 3.0], [5.0, 0.0, 2.0, 4.0]]),  # two rows: corr is +-1
        np.array([[5.0, 0.0, 1.0, 3.0]]),
    ):
        out = fit(EncodedFrame(values, cols))._sample(50, rng=np.random.default_rng(0))
        np.testing.assert_array_equal(out.column("const"), 5.0)
        np.testing.assert_array_equal(out.column("one"), 0.0)
        assert np.isfinite(out.values).all()


def test_all_values_missing_does_not_crash() -> None:
    cols = (EncodedColumn("a.missing", "a", True, cardinality=2), EncodedColumn("a", "a", False))
    values = np.column_stack([np.ones(20), np.zeros(20)])
    out = fit(EncodedFrame(values, cols))._sample(30, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(out.column("a.missing"), 1.0)


@pytest.mark.parametrize("name", ["copula", "cart", "bayesnet", "independent"])
def test_a_table_with_nothing_to_learn(name: str) -> None:
    # constant columns and a regenerated id: no column is left for the model itself

    from simulacra import make_synthesizer

    frame = pd.DataFrame({"id": range(6), "a": [1] * 6, "b": ["x"] * 6})
    out = make_synthesizer(name, seed=0).fit(frame).sample(4)
    assert out["a"].tolist() == [1] * 4 and out["b"].tolist() == ["x"] * 4
    assert out["id"].is_unique


def _shop_table(n: int = 1500, seed: int = 0) -> pd.DataFrame:
    """A segment that shifts a number, a second number tied to it, one often missing."""

    rng = np.random.default_rng(seed)
    segment = rng.choice(["vip", "regular"], size=n, p=[0.3, 0.7])
    spend = np.round(100 + np.where(segment == "vip", 80.0, 0.0) + 20 * rng.standard_normal(n), 1)
    visits = np.round(spend / 10 + 2 * rng.standard_normal(n))
    tip = np.where(rng.random(n) < 0.3, np.nan, np.round(spend * 0.1, 2))
    return pd.DataFrame({"segment": segment, "spend": spend, "visits": visits, "tip": tip})


def test_impute_fills_rows_that_give_numbers() -> None:
    # rejection never draws an exact number: impute of rows giving one raised SamplingError
    real = _shop_table()
    syn = GaussianCopulaSynthesizer(seed=0).fit(real)
    partial = real.head(12).copy()
    partial["visits"] = np.nan
    partial.loc[::3, "segment"] = None
    out = syn.impute(partial, seed=1)
    assert out["visits"].notna().all() and out["segment"].notna().all()
    given = partial["segment"].notna()
    assert (out.loc[given, "segment"] == partial.loc[given, "segment"]).all()
    assert (out["spend"] == partial["spend"]).all()


def test_native_conditions_follow_the_model() -> None:
    real = _shop_table()
    syn = GaussianCopulaSynthesizer(seed=0).fit(real)
    free = syn.sample(20_000, seed=2)
    vip = syn.sample(3000, seed=3, conditions={"segment": "vip"})
    assert (vip["segment"] == "vip").all()
    # the model's own conditional: what rejection from unconditioned rows gives
    assert abs(vip["spend"].mean() - free.loc[free["segment"] == "vip", "spend"].mean()) < 4
    high = syn.sample(2000, seed=4, conditions={"spend": 190.0})
    assert (high["spend"] == 190.0).all()
    assert (high["segment"] == "vip").mean() > 0.8  # 30% of all rows
    assert abs(high["visits"].mean() - 19) < 2.5
    missing = syn.sample(500, seed=5, conditions={"tip": None})
    assert missing["tip"].isna().all()
