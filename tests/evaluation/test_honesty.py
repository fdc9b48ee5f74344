"""Honesty checks: the evaluation ranks known generators the way they must be ranked.

- the identity "synthesizer" (resampling the training rows) is near-perfect on fidelity and
  fails privacy;
- independent marginals keep column shapes but lose pair trends and are detected at once;
- a fitted Gaussian copula sits in between.
"""

from __future__ import annotations

import pandas as pd
import pytest

from simulacra.evaluation import Report, evaluate
from simulacra.synth import make_synthesizer


def _verdicts(report: Report) -> dict[str, str]:
    return {v.family.value: v.verdict for v in report.scorecard()}


def _folded(auc: float | None) -> float:
    assert auc is not None
    return 0.5 + abs(auc - 0.5)


@pytest.fixture(scope="module")
def reports(credit_split: tuple[pd.DataFrame, pd.DataFrame]) -> dict[str, Report]:
    train, holdout = credit_split
    synthetic = {
        "identity": train.sample(len(train), replace=True, random_state=1).reset_index(
            drop=True),
        "independent": make_synthesizer("independent", seed=1).fit(train).sample(len(train)),
        "copula": make_synthesizer("copula", seed=1).fit(train).sample(len(train)),
    }
    return {name: evaluate(train, syn, holdout=holdout, target="Status",
                           sensitive=["Marital"], seed=0)
            for name, syn in synthetic.items()}


def test_resampling_the_training_rows_is_faithful_but_fails_privacy(reports) -> None:
    identity = reports["identity"]
    assert identity.value("column_shapes") > 0.97
    assert identity.value("pair_trends") > 0.97
    assert identity.value("tstr") > 0.9
    assert identity.value("exact_copies") > 0.99
    assert identity["exact_copies"].details["holdout_rate"] < 0.01
    assert identity.value("dcr") > 0.58  # about 0.63 at 80/20; a fresh sample scores 0.5
    assert identity.value("membership_inference") > 0.65
    assert _verdicts(identity)["privacy"] == "poor"


def test_independent_marginals_keep_shapes_but_lose_pairs_and_are_detected(reports) -> None:
    independent, identity = reports["independent"], reports["identity"]
    assert independent.value("column_shapes") > 0.95
    assert independent.value("pair_trends") < identity.value("pair_trends") - 0.03
    assert independent.value("detection") > 0.9
    assert _verdicts(independent)["fidelity"] == "poor"
    assert independent.value("exact_copies") < 0.01
    assert independent.value("membership_inference") < 0.56


def test_a_fitted_copula_sits_in_between(reports) -> None:
    copula, independent, identity = (reports[k] for k in ("copula", "independent", "identity"))
    for metric in ("pair_trends", "mutual_information", "tstr"):
        assert independent.value(metric) < copula.value(metric) <= identity.value(metric) + 0.01
    assert (_folded(identity.value("detection")) < _folded(copula.value("detection"))
            < _folded(independent.value("detection")))
    assert copula.value("dcr") < 0.53
    assert copula.value("exact_copies") < 0.01
