from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from simulacra.evaluation import prepare
from simulacra.evaluation._anonymeter import (
    AttributeInference,
    Linkability,
    SinglingOut,
    _columns_matrix,
    _control_successes,
    _match_counts,
    _multivariate,
    _Predicates,
    _univariate,
    risk_summary,
)
from simulacra.schema import infer_schema

ATTACKS = [SinglingOut, Linkability, AttributeInference]
RISK_KEYS = {"risk", "risk_ci", "attack_rate", "control_rate", "baseline_rate", "n_attacks"}


def _ctx(real: pd.DataFrame, synthetic: pd.DataFrame, **kw):
    return prepare(real, synthetic, infer_schema(real).table(), **kw)


@pytest.fixture(scope="module")
def results(credit_split):
    train, holdout = credit_split
    copied = train.sample(n=len(train), replace=True, random_state=0)
    half = len(train) // 2
    contexts = {
        "identity": _ctx(train, copied, holdout=holdout, sensitive=["Income"]),
        "fresh": _ctx(train.iloc[:half], train.iloc[half:], holdout=holdout,
                      sensitive=["Income"]),
    }
    return {label: {m.name: m().measure(ctx) for m in ATTACKS}
            for label, ctx in contexts.items()}


def test_resampling_the_training_rows_exposes_people(results) -> None:
    for name, at_least in (("singling_out", 0.4), ("linkability", 0.3),
                           ("attribute_inference", 0.4)):
        result = results["identity"][name]
        d = result.details
        assert result.value > at_least, name
        assert d["attack_rate"] > d["control_rate"] + 0.2, name
        assert d["risk_ci"][0] > 0.2, name


def test_a_fresh_sample_exposes_no_one_beyond_the_control(results) -> None:
    for name, below in (("singling_out", 0.06), ("linkability", 0.02),
                        ("attribute_inference", 0.1)):
        result = results["fresh"][name]
        assert result.value < below, name
        assert result.details["risk_ci"][0] == 0.0, name


def test_details_carry_rates_intervals_and_what_was_attacked(results) -> None:
    for label in ("identity", "fresh"):
        for name, result in results[label].items():
            d = result.details
            assert set(d) >= RISK_KEYS, name
            lo, hi = d["risk_ci"]
            assert 0.0 <= lo <= result.value <= hi <= 1.0, name
            json.dumps(result.to_dict(), allow_nan=False)
    so = results["identity"]["singling_out"].details
    assert set(so["modes"]) == {"univariate", "multivariate"}
    assert so["risk"] == max(m["risk"] for m in so["modes"].values())
    link = results["identity"]["linkability"].details
    assert not set(link["columns_a"]) & set(link["columns_b"])
    assert "Income" not in link["columns_a"] + link["columns_b"]  # sensitive: not known
    inference = results["identity"]["attribute_inference"].details
    assert inference["secret"] == "Income" and len(inference["secrets"]) == 1
    assert "Income" not in inference["known_columns"]


def test_risk_is_the_success_beyond_the_control() -> None:
    summary = risk_summary((60, 100), (20, 100), (5, 100))
    assert summary["risk"] == pytest.approx(0.5)
    assert summary["baseline_rate"] == 0.05
    lo, hi = summary["risk_ci"]
    assert 0.25 < lo < 0.5 < hi < 0.75
    assert risk_summary((10, 100), (30, 100), (0, 100))["risk"] == 0.0
    assert risk_summary((100, 100), (100, 100), (0, 100))["risk"] == 0.0


def test_the_control_rescaled_to_the_training_size_predicts_a_fresh_training_set() -> None:
    rng = np.random.default_rng(0)
    weights = rng.beta(0.7, 900.0, size=20_000)
    n_control, n_train = 500, 2_000
    control = rng.binomial(n_control, weights)
    train = rng.binomial(n_train, weights)
    expected = _control_successes(control, n_control, n_train)
    assert expected == pytest.approx((train == 1).sum(), rel=0.05)
    # at the control's own size the observed count is used as it is
    assert _control_successes(control, n_control, n_control) == (control == 1).sum()


def test_predicates_count_matches_like_a_query_would() -> None:
    rng = np.random.default_rng(1)
    data = rng.integers(0, 4, size=(3, 500)).astype(float)
    data[2, :20] = -np.inf  # missing numbers
    preds = _Predicates(cols=np.array([[0, 1], [2, 0], [1, 1], [2, 2]]),
                        low=np.array([[1, -1e300], [-np.inf, 2], [3, 3], [-np.inf, -np.inf]]),
                        high=np.array([[1, 2], [-np.inf, 2], [3, 3], [np.inf, np.inf]]))
    expected = [((data[0] == 1) & (data[1] <= 2)).sum(),
                ((data[2] == -np.inf) & (data[0] == 2)).sum(),
                (data[1] == 3).sum(), 500]
    np.testing.assert_array_equal(_match_counts(preds, data), expected)
    capped = _match_counts(preds, data, stop=2)
    assert (np.minimum(capped, 2) == np.minimum(expected, 2)).all()


def test_attack_predicates_single_out_one_synthetic_row(credit_split) -> None:
    train, holdout = credit_split
    ctx = _ctx(train, train.iloc[:1000], holdout=holdout)
    syn = _columns_matrix(ctx, "synthetic", ctx.limits.distance_rows)
    numeric = np.array([ctx.types[c] != "categorical" for c in ctx.columns])
    medians = np.array([np.median(r[np.isfinite(r)]) for r in syn])
    rng = np.random.default_rng(0)
    for preds in (_univariate(syn, numeric, rng), _multivariate(syn, numeric, medians, rng)):
        assert len(preds) > 50
        assert (_match_counts(preds, syn) == 1).all()
        keys = np.hstack([preds.cols, preds.low, preds.high])
        assert len(np.unique(keys, axis=0)) == len(preds)  # no attack counted twice


def test_data_where_no_one_stands_out_is_not_scored_for_singling_out() -> None:
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"a": rng.choice(["x", "y"], 300), "b": rng.choice(["p", "q"], 300)})
    result = SinglingOut().measure(_ctx(real, real.iloc[::-1], holdout=real.iloc[:100]))
    assert result.value is None and "single out" in result.skipped


def test_given_quasi_identifiers_are_what_the_attacker_knows(credit_split) -> None:
    train, holdout = credit_split
    known = ["Age", "Home", "Job", "Marital"]
    ctx = _ctx(train.iloc[:1000], train.iloc[1000:2000], holdout=holdout.iloc[:300],
               sensitive=["Status"], quasi_identifiers=known)
    link = Linkability().measure(ctx).details
    assert sorted(link["columns_a"] + link["columns_b"]) == sorted(known)
    assert sorted(AttributeInference().measure(ctx).details["known_columns"]) == sorted(known)


def test_inference_falls_back_to_the_target_and_skips_without_either(credit_split) -> None:
    train, holdout = credit_split
    frames = (train.iloc[:600], train.iloc[600:1200])
    result = AttributeInference().measure(_ctx(*frames, holdout=holdout, target="Status"))
    assert result.details["secret"] == "Status"
    skipped = AttributeInference().measure(_ctx(*frames, holdout=holdout))
    assert skipped.value is None and "sensitive" in skipped.skipped


def test_numbers_are_guessed_right_within_five_percent_of_the_range() -> None:
    n = 200
    real = pd.DataFrame({"k": np.arange(n) % 50, "secret": np.linspace(0.0, 100.0, n)})
    # the synthetic twin of each record has its secret moved by 4 (inside 5 of the range)
    synthetic = real.assign(secret=real["secret"] + 4.0)
    holdout = pd.DataFrame({"k": np.arange(n) % 50 + 1000, "secret": np.zeros(n)})
    result = AttributeInference().measure(
        _ctx(real, synthetic, holdout=holdout, sensitive=["secret"], seed=0))
    assert result.details["attack_rate"] > 0.2
    off = synthetic.assign(secret=real["secret"] + 6.0)
    missed = AttributeInference().measure(
        _ctx(real, off, holdout=holdout, sensitive=["secret"], seed=0))
    assert missed.details["attack_rate"] < result.details["attack_rate"]


def test_linkability_needs_two_known_columns() -> None:
    real = pd.DataFrame({"x": np.arange(50.0), "s": ["a", "b"] * 25})
    result = Linkability().measure(_ctx(real, real, holdout=real, sensitive=["s"]))
    assert result.value is None and "two" in result.skipped


def test_the_same_seed_gives_the_same_risks(credit_split) -> None:
    train, holdout = credit_split
    frames = (train.iloc[:500], train.iloc[500:1000])

    def run(seed: int) -> list[dict]:
        ctx = _ctx(*frames, holdout=holdout.iloc[:250], sensitive=["Income"], seed=seed)
        return [m().measure(ctx).to_dict() | {"seconds": 0} for m in ATTACKS]

    assert run(5) == run(5)
    assert run(5) != run(6)
