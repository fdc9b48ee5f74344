from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import cdist
from sklearn.metrics import roc_auc_score

from simulacra.evaluation import Report, evaluate, prepare
from simulacra.evaluation._anonymeter import AttributeInference, Linkability, SinglingOut
from simulacra.evaluation._membership import MembershipInference
from simulacra.evaluation._neighbours import (
    TOP_CATEGORIES,
    auc,
    encoder,
    log_density,
    nearest,
    points,
    wilson,
)
from simulacra.evaluation.privacy import HISTOGRAM_BINS, DistanceToClosestRecord, ExactCopies
from simulacra.schema import infer_schema

PRIVACY = ["exact_copies", "dcr", "membership_inference", "singling_out", "linkability",
           "attribute_inference"]
METRICS = [ExactCopies, DistanceToClosestRecord, MembershipInference, SinglingOut, Linkability,
           AttributeInference]


@pytest.fixture(scope="module")
def contexts(credit_split):
    """The identity 'synthesizer' (train resampled) and a fresh sample of the population."""
    train, holdout = credit_split
    table = infer_schema(train).table()
    copied = train.sample(n=len(train), replace=True, random_state=0).reset_index(drop=True)
    half = len(train) // 2
    fresh_train = train.iloc[:half].reset_index(drop=True)
    fresh = train.iloc[half:].reset_index(drop=True)
    return {
        "identity": prepare(train, copied, table, holdout=holdout, sensitive=["Income"], seed=0),
        "fresh": prepare(fresh_train, fresh, table, holdout=holdout, sensitive=["Income"],
                         seed=0),
    }


@pytest.fixture(scope="module")
def results(contexts):
    return {label: {m.name: m().measure(ctx) for m in METRICS}
            for label, ctx in contexts.items()}


def _ctx(real: pd.DataFrame, synthetic: pd.DataFrame, **kw):
    return prepare(real, synthetic, infer_schema(real).table(), **kw)


# -- the honesty requirement --------------------------------------------------------------

def test_resampling_the_training_rows_fails_copies_and_dcr(results) -> None:
    copies, dcr = results["identity"]["exact_copies"], results["identity"]["dcr"]
    assert copies.value == 1.0
    assert copies.value - copies.details["holdout_rate"] > 0.5
    assert copies.details["count"] == copies.details["n_synthetic"]
    # about 63% of the training rows appear in a resample of the same size
    assert 0.55 < copies.details["training_rows_reproduced_rate"] < 0.70
    assert dcr.value > 0.58
    assert dcr.details["p_value"] < 1e-6
    assert (dcr.value - 0.5) / dcr.details["allowance"] > 2.5


def test_a_fresh_sample_of_the_population_passes_copies_and_dcr(results) -> None:
    copies, dcr = results["fresh"]["exact_copies"], results["fresh"]["dcr"]
    assert copies.value <= copies.details["holdout_rate"] + 0.002
    assert abs(dcr.value - 0.5) < 0.03
    assert dcr.details["p_value"] > 0.01


def test_the_scorecard_calls_resampling_poor_and_a_fresh_sample_not(results) -> None:
    def privacy(label: str) -> str:
        report = Report(tuple(results[label][name] for name in PRIVACY))
        return next(v.verdict for v in report.scorecard() if v.family == "privacy")

    assert privacy("identity") == "poor"
    assert privacy("fresh") in {"good", "fair"}


# -- contracts ----------------------------------------------------------------------------

def test_dcr_details_carry_what_the_scorecard_and_report_read(results, credit_split) -> None:
    result = results["identity"]["dcr"]
    d = result.details
    for key in ("allowance", "standard_error", "p_value", "n_synthetic", "dcr_train_median",
                "dcr_holdout_median", "nndr_train_median", "nndr_train_p05",
                "nndr_holdout_median", "nndr_holdout_p05", "histogram"):
        assert key in d, key
    assert d["allowance"] == max(0.02, 2 * d["standard_error"])
    assert d["n_reference"] == len(credit_split[1])
    hist = d["histogram"]
    assert len(hist["edges"]) == HISTOGRAM_BINS + 1
    assert sum(hist["train"]) == sum(hist["holdout"]) == d["n_synthetic"]
    # copies sit at distance 0 from the training rows they copy
    assert d["dcr_train_p05"] == 0.0 < d["dcr_holdout_p05"]
    assert d["nndr_train_median"] < d["nndr_holdout_median"]


def test_every_result_is_json(results) -> None:
    for by_name in results.values():
        for result in by_name.values():
            json.dumps(result.to_dict(), allow_nan=False)


def test_the_same_seed_gives_the_same_numbers(credit_split) -> None:
    train, holdout = credit_split
    frames = (train.iloc[:500], train.iloc[500:1000])

    def run(seed: int) -> list[dict]:
        ctx = _ctx(*frames, holdout=holdout.iloc[:250], sensitive=["Income"], seed=seed)
        return [m().measure(ctx).to_dict() | {"seconds": 0} for m in METRICS]

    first, again, other = run(0), run(0), run(1)
    assert first == again
    # every metric that subsamples or draws at random moves with the seed
    assert sum(a != b for a, b in zip(first, other, strict=True)) >= 4


def test_without_a_holdout_the_metrics_say_why(credit_split) -> None:
    train, _ = credit_split
    report = evaluate(train, train.iloc[:500], metrics=PRIVACY)
    for name in PRIVACY[1:]:
        assert "holdout" in report[name].skipped, name
    copies = report["exact_copies"]
    assert copies.value == 1.0 and copies.details["holdout_rate"] is None
    assert any("baseline" in note for note in copies.notes)


# -- exact copies -------------------------------------------------------------------------

def test_exact_copies_match_missing_to_missing_and_numbers_to_nine_digits() -> None:
    real = pd.DataFrame({"x": [1.0, np.nan, 0.0, 2.5, 7.0], "c": ["a", "b", None, "a", "b"]})
    synthetic = pd.DataFrame({
        "x": [1.0 + 1e-12, np.nan, -0.0, 2.5001, 7.0],
        "c": ["a", "b", None, "a", "a"],
    })
    holdout = pd.concat([real.iloc[:2]] * 10)  # 20 rows, the fewest that give a baseline
    result = ExactCopies().measure(_ctx(real, synthetic, holdout=holdout))
    assert result.details["count"] == 3
    assert result.value == pytest.approx(0.6)
    assert result.details["holdout_rate"] == 1.0
    assert result.details["train_duplicates_rate"] == 0.0


def test_exact_copies_count_training_duplicates() -> None:
    real = pd.DataFrame({"x": [1, 1, 2, 3], "c": ["a", "a", "b", "b"]})
    result = ExactCopies().measure(_ctx(real, real.iloc[[0, 2]]))
    assert result.details["train_duplicates_rate"] == 0.5
    assert result.details["distinct_training_rows_copied"] == 2


# -- DCR ----------------------------------------------------------------------------------

def test_dcr_compares_with_a_training_subsample_as_large_as_the_holdout() -> None:
    rng = np.random.default_rng(3)

    def draw(n: int) -> pd.DataFrame:
        return pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})

    # against all 4,000 training rows, 95% of fresh rows would be closer to training
    result = DistanceToClosestRecord().measure(
        _ctx(draw(4000), draw(3000), holdout=draw(200), seed=0))
    assert result.details["n_reference"] == 200
    assert abs(result.value - 0.5) < 0.04


def test_dcr_ties_count_half() -> None:
    real = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0] * 5, "c": list("abab") * 5})  # 20 rows
    synthetic = pd.DataFrame({"a": [0.5, 1.7, 3.0], "c": list("bba")})
    result = DistanceToClosestRecord().measure(_ctx(real, synthetic, holdout=real))
    assert result.value == 0.5
    assert result.details["ties_rate"] == 1.0


# -- shared helpers -----------------------------------------------------------------------

def test_nearest_neighbours_are_exact() -> None:
    rng = np.random.default_rng(0)
    query, reference = rng.normal(size=(300, 5)), rng.normal(size=(500, 5))
    query[:10] = reference[:10]
    dist, idx = nearest(query, reference, k=2)
    full = cdist(query, reference)
    np.testing.assert_allclose(dist, np.sort(full, axis=1)[:, :2], atol=1e-12)
    np.testing.assert_array_equal(idx[:, 0], full.argmin(axis=1))
    assert (dist[:10, 0] == 0).all()


def test_nearest_breaks_ties_at_random_when_asked() -> None:
    reference = np.zeros((50, 2))
    query = np.ones((200, 2))
    assert (nearest(query, reference)[1] == 0).all()
    picked = {int(nearest(query, reference, shuffle=np.random.default_rng(seed))[1][0, 0])
              for seed in range(10)}
    assert len(picked) > 1


def test_log_density_is_a_gaussian_kde_and_can_leave_a_row_out() -> None:
    rng = np.random.default_rng(1)
    reference, query, h = rng.normal(size=(40, 3)), rng.normal(size=(7, 3)), 0.6

    def direct(q: np.ndarray, ref: np.ndarray) -> np.ndarray:
        d2 = cdist(q, ref, "sqeuclidean")
        dens = np.exp(-d2 / (2 * h * h)).mean(axis=1) / (2 * np.pi * h * h) ** 1.5
        return np.log(dens)

    np.testing.assert_allclose(log_density(query, reference, h), direct(query, reference),
                               rtol=1e-5)
    own = np.array([3, -1])
    got = log_density(reference[[3, 5]], reference, h, own=own)
    np.testing.assert_allclose(got[0], direct(reference[[3]], np.delete(reference, 3, 0))[0],
                               rtol=1e-5)
    np.testing.assert_allclose(got[1], direct(reference[[5]], reference)[0], rtol=1e-5)


def test_auc_and_wilson() -> None:
    rng = np.random.default_rng(2)
    pos, neg = rng.integers(0, 5, 80).astype(float), rng.integers(0, 4, 60).astype(float)
    labels = np.r_[np.ones(80), np.zeros(60)]
    assert auc(pos, neg) == pytest.approx(roc_auc_score(labels, np.r_[pos, neg]))
    lo, hi = wilson(30, 100)
    assert lo == pytest.approx(0.2189, abs=1e-3) and hi == pytest.approx(0.3958, abs=1e-3)
    assert wilson(0, 20)[0] == 0.0 and wilson(0, 0) == (0.0, 1.0)


def test_the_encoding_standardizes_numbers_and_caps_categories() -> None:
    n = 400
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"x": rng.normal(10, 2, n),
                         "c": [f"k{i % 50}" for i in range(n)]})
    real.loc[:4, "x"] = np.nan
    ctx = _ctx(real, real)
    enc = encoder(ctx)
    block_c = enc.blocks["c"]
    assert block_c.stop - block_c.start == TOP_CATEGORIES + 2  # top 30, other, missing
    assert enc.blocks["x"].stop - enc.blocks["x"].start == 2  # value, missing flag
    pts = points(ctx, "real", np.arange(n))
    z = pts[5:, 0]
    present = real["x"].to_numpy()[5:]
    np.testing.assert_allclose(z, (present - np.nanmean(real["x"])) / real["x"].std())
    assert (pts[:5, 0] == 0).all() and (pts[:5, 1] == 1).all()
    # two different categories lie at distance 1
    c = pts[:, block_c]
    assert np.linalg.norm(c[0] - c[1]) == pytest.approx(1.0)
