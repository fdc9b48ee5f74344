"""Verdicts that the numbers can carry: PII replays, useless models, tiny inputs (QA16)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulacra.evaluation import NOT_MEASURED, evaluate
from simulacra.evaluation._neighbours import MIN_HOLDOUT
from simulacra.evaluation._report import GOOD, POOR, UNKNOWN
from simulacra.evaluation.utility import MIN_CLASS_ROWS

HOLDOUT_METRICS = ["dcr", "membership_inference", "singling_out", "linkability",
                   "attribute_inference", "tstr", "importance_agreement", "fairness_gap"]


def _verdict(report, family: str):
    return next(v for v in report.scorecard() if str(v.family) == family)


def _people(n: int, seed: int, first_id: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 80, n)
    income = np.round(rng.lognormal(3, 0.5, n), 1)
    return pd.DataFrame({
        "id": np.arange(first_id, first_id + n),
        "name": [f"Person {seed}-{i}" for i in range(n)],
        "email": [f"p{seed}x{i}@example.com" for i in range(n)],
        "age": age, "income": income,
        "group": rng.choice(["a", "b"], n),
        "y": np.where(age + rng.normal(0, 8, n) > 50, "yes", "no"),
    })


@pytest.fixture(scope="module")
def people() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return _people(600, 1), _people(200, 2, 10_000), _people(600, 3, 50_000)


# -- 3: id / PII / text values replayed -----------------------------------------------------

def test_real_names_replayed_make_privacy_poor_and_are_named(people) -> None:
    train, holdout, synthetic = people
    leak = synthetic.copy()
    leak["name"] = train["name"].str.upper().to_numpy()  # case and spaces do not hide it
    leak["email"] = (" " + train["email"]).to_numpy()
    report = evaluate(train, leak, holdout=holdout, metrics=["exact_copies", "pii_overlap"])
    result = report["pii_overlap"]
    assert result.value == pytest.approx(1.0)
    assert result.details["columns_flagged"] == ["name", "email"]
    verdict = _verdict(report, "privacy")
    assert verdict.verdict == POOR
    assert "'name' and 'email'" in verdict.headline


def test_a_row_counter_overlapping_real_ids_is_not_a_leak(people) -> None:
    train, holdout, synthetic = people
    counter = synthetic.assign(id=np.arange(len(synthetic)))  # 0, 1, 2, ... as many generators
    result = evaluate(train, counter, holdout=holdout, metrics=["pii_overlap"])["pii_overlap"]
    assert result.value == 0.0
    assert any("row counter" in n for n in result.notes)
    # real ids in another order, some left out: copied, not counted
    copied = synthetic.assign(id=train["id"].to_numpy()).sample(frac=1.0, random_state=0)
    copied = copied.head(500)
    result = evaluate(train, copied, holdout=holdout, metrics=["pii_overlap"])["pii_overlap"]
    assert result.details["columns_flagged"] == ["id"]


def test_fresh_pii_values_pass(people) -> None:
    train, holdout, synthetic = people
    report = evaluate(train, synthetic, holdout=holdout, metrics=["pii_overlap"])
    assert report["pii_overlap"].value == 0.0
    assert _verdict(report, "privacy").verdict == GOOD


def test_names_that_repeat_in_the_holdout_too_are_the_baseline(people) -> None:
    train, holdout, synthetic = people
    holdout, synthetic = holdout.copy(), synthetic.copy()
    common = train["name"].to_numpy()[:20]
    holdout.loc[:19, "name"] = common  # 10% of unseen people share a training name
    synthetic.loc[:59, "name"] = np.resize(common, 60)  # and 10% of synthetic ones
    result = evaluate(train, synthetic, holdout=holdout, metrics=["pii_overlap"])["pii_overlap"]
    assert result.details["excess_beyond_noise"] == 0.0


def test_a_table_without_pii_leaves_the_check_off_the_scorecard(people) -> None:
    train, holdout, synthetic = (d.drop(columns=["id", "name", "email"]) for d in people)
    report = evaluate(train, synthetic, holdout=holdout,
                      metrics=["exact_copies", "pii_overlap"])
    assert report["pii_overlap"].skipped
    verdict = _verdict(report, "privacy")
    assert "pii_overlap" not in [c.metric for c in verdict.checks]
    assert "PII" not in verdict.headline


# -- 4, 5: a real-trained model no better than a guess ----------------------------------------

def _noise_target(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n),
                         "c": rng.choice(list("xyz"), n),
                         "y": rng.choice(["p", "q"], n, p=[0.7, 0.3])})


def test_tstr_and_importance_not_measured_when_the_real_model_is_a_guess() -> None:
    train, holdout, synthetic = (_noise_target(n, s) for n, s in ((800, 1), (300, 2), (800, 3)))
    report = evaluate(train, synthetic, holdout=holdout, target="y",
                      metrics=["tstr", "importance_agreement"])
    for name in ("tstr", "importance_agreement"):
        result = report[name]
        assert result.value is None, name
        assert "real-trained" in result.details[NOT_MEASURED], name
    assert _verdict(report, "utility").verdict == UNKNOWN


def test_a_learnable_target_is_still_measured(people) -> None:
    train, holdout, synthetic = people
    report = evaluate(train, synthetic, holdout=holdout, target="y",
                      metrics=["tstr", "importance_agreement"])
    assert report["tstr"].value is not None
    assert report["importance_agreement"].value is not None


def test_a_class_with_too_few_holdout_rows_is_not_scored(people) -> None:
    train, holdout, synthetic = people
    few = pd.concat([holdout[holdout["y"] == "no"],
                     holdout[holdout["y"] == "yes"].head(MIN_CLASS_ROWS - 1)])
    report = evaluate(train, synthetic, holdout=few, target="y", sensitive=["group"],
                      metrics=["tstr", "importance_agreement", "fairness_gap"])
    for name in ("tstr", "importance_agreement", "fairness_gap"):
        assert report[name].value is None, name
        assert f"'yes' ({MIN_CLASS_ROWS - 1})" in report[name].skipped, name


def test_an_extreme_regression_target_gets_a_hint(people) -> None:
    train, holdout, synthetic = (d.copy() for d in people)
    train.loc[:4, "income"] = 1e9  # five rows far from the rest
    report = evaluate(train, synthetic, holdout=holdout, target="income",
                      metrics=["tstr", "importance_agreement"])
    assert "log scale" in report["tstr"].details[NOT_MEASURED]
    assert report["importance_agreement"].value is None


# -- 6: detection on tables too small to split ------------------------------------------------

def test_detection_is_not_measured_where_the_classifier_cannot_split(people) -> None:
    train, _, synthetic = people
    fake = synthetic.head(20).assign(income=1e6)
    result = evaluate(train, fake, metrics=["detection"])["detection"]
    assert result.value is None
    assert "cannot split" in result.skipped
    fake = synthetic.head(40).assign(income=1e6)
    assert evaluate(train, fake, metrics=["detection"])["detection"].value > 0.9


# -- 7: tiny holdouts ---------------------------------------------------------------------------

def test_every_holdout_metric_needs_the_same_minimum(people) -> None:
    train, holdout, synthetic = people
    report = evaluate(train, synthetic, holdout=holdout.head(MIN_HOLDOUT - 1), target="y",
                      sensitive=["group"], metrics=HOLDOUT_METRICS)
    for name in HOLDOUT_METRICS:
        assert f"at least {MIN_HOLDOUT} holdout rows" in report[name].skipped, name
    enough = evaluate(train, synthetic, holdout=holdout.head(MIN_HOLDOUT), target="y",
                      metrics=["dcr", "singling_out"])
    assert enough["dcr"].value is not None


def test_exact_copies_drop_a_tiny_holdout_baseline(people) -> None:
    train, holdout, synthetic = people
    result = evaluate(train, synthetic, holdout=holdout.head(1),
                      metrics=["exact_copies"])["exact_copies"]
    assert result.details["holdout_rate"] is None
    assert any("holdout rows" in n for n in result.notes)


# -- 13: synthetic rows that are the holdout ----------------------------------------------------

def test_membership_below_chance_says_the_holdout_was_matched(people) -> None:
    train, holdout, _ = (d.drop(columns=["id", "name", "email"]) for d in people)
    report = evaluate(train, holdout, holdout=holdout, metrics=["membership_inference"])
    result = report["membership_inference"]
    assert result.value < 0.2
    assert result.details["inverted"] is True
    assert any("swapped" in n for n in result.notes)
    headline = _verdict(report, "privacy").headline
    assert "match the holdout" in headline
    assert "tell training rows" not in headline
