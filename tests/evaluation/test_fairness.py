from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from simulacra.evaluation import (
    NOT_MEASURED,
    EvalContext,
    MetricResult,
    evaluate,
    missing_reason,
    prepare,
)
from simulacra.evaluation._models import GRADIENT_BOOSTING, fitted
from simulacra.evaluation.fairness import MIN_GAP, FairnessGap, Representation, _amplification
from simulacra.evaluation.utility import TSTR
from simulacra.schema import infer_schema

GROUP_KEYS = {"group", "n_holdout", "positive_rate_trtr", "positive_rate_tstr", "tpr_trtr",
              "tpr_tstr", "fpr_trtr", "fpr_tstr"}


def _loans(n: int, seed: int, effect: float = 0.8, share_b: float = 0.5) -> pd.DataFrame:
    """An outcome that depends on two features and on the group (B more often 'yes')."""
    rng = np.random.default_rng(seed)
    group = np.where(rng.random(n) < share_b, "B", "A")
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    logit = -1.0 + x1 + 0.5 * x2 + effect * (group == "B")
    y = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "yes", "no")
    return pd.DataFrame({"group": group, "x1": x1, "x2": x2, "y": y})


REAL, HOLDOUT = _loans(3_000, 1), _loans(2_000, 2)


def _ctx(synthetic: pd.DataFrame, sensitive: tuple[str, ...] = ("group",), *,
         real: pd.DataFrame = REAL, holdout: pd.DataFrame = HOLDOUT, target: str = "y",
         seed: int = 0) -> EvalContext:
    return prepare(real, synthetic, infer_schema(real).table(), holdout=holdout, target=target,
                   sensitive=sensitive, seed=seed)


@pytest.fixture(scope="module")
def resampled() -> MetricResult:
    return FairnessGap().measure(_ctx(_loans(3_000, 3)))


@pytest.fixture(scope="module")
def doubled() -> MetricResult:
    return FairnessGap().measure(_ctx(_loans(3_000, 4, effect=1.6)))


def test_doubled_group_effect_is_amplified(doubled: MetricResult) -> None:
    assert doubled.value is not None and doubled.value > 1.25
    column = doubled.details["columns"][0]
    assert column["column"] == "group"
    assert column["dp_tstr"] > column["dp_trtr"] > 0.1
    assert column["eo_tstr"] > column["eo_trtr"]
    assert column["data_gap_synthetic"] > 1.5 * column["data_gap_real"]
    assert doubled.value == pytest.approx(column["dp_tstr"] / column["dp_trtr"])
    low, high = doubled.details["amplification_ci"]
    assert 1.25 < low < doubled.value < high  # clearly amplified, beyond the noise


def test_amplification_interval_covers_noise(resampled: MetricResult) -> None:
    low, high = resampled.details["amplification_ci"]
    assert low < 1.0 < high


def test_same_process_is_not_amplified(resampled: MetricResult) -> None:
    assert resampled.value is not None and 0.85 < resampled.value < 1.15
    column = resampled.details["columns"][0]
    assert column["data_gap_synthetic"] == pytest.approx(column["data_gap_real"], abs=0.05)


def test_identity_gives_exactly_one() -> None:
    assert FairnessGap().measure(_ctx(REAL)).value == pytest.approx(1.0)


def test_group_table_feeds_the_report(doubled: MetricResult) -> None:
    groups = doubled.details["columns"][0]["groups"]
    assert {g["group"] for g in groups} == {"A", "B"}
    for group in groups:
        assert set(group) == GROUP_KEYS
        assert group["n_holdout"] >= 20
        assert all(0 <= group[k] <= 1 for k in GROUP_KEYS - {"group", "n_holdout"})
    rates = {g["group"]: g for g in groups}
    assert rates["B"]["positive_rate_tstr"] > rates["A"]["positive_rate_tstr"]
    assert "'yes', the rarer class" in doubled.details["positive"]


def test_small_groups_are_left_out_with_a_note() -> None:
    result = FairnessGap().measure(_ctx(_loans(3_000, 3), ("group", "x1")))
    x1 = result.details["columns"][1]
    assert all(g["n_holdout"] >= 20 for g in x1["groups"])
    assert len(x1["groups"]) < 10
    assert any(n.startswith("x1: groups with fewer than 20 holdout rows") for n in result.notes)
    assert result.value == max(c["amplification"] for c in result.details["columns"])


def test_tiny_real_gap_is_floored() -> None:
    notes: list[str] = []
    assert _amplification(0.2, 0.3, "g", notes) == pytest.approx(1.5) and not notes
    assert _amplification(0.002, 0.008, "g", notes) == pytest.approx(1.0)  # both negligible
    assert "almost no gap" in notes[0]
    assert _amplification(0.0, 0.03, "g", notes) == pytest.approx(0.03 / MIN_GAP)
    assert _amplification(0.004, 0.011, "g", notes) == pytest.approx(1.1)
    assert _amplification(None, 0.1, "g", notes) is None


def test_regression_target_splits_at_the_real_median() -> None:
    rng = np.random.default_rng(5)
    real = REAL.assign(y=REAL["x1"] + (REAL["group"] == "B") + rng.normal(size=len(REAL)))
    holdout = HOLDOUT.assign(y=HOLDOUT["x1"] + (HOLDOUT["group"] == "B"))
    result = FairnessGap().measure(_ctx(real, real=real, holdout=holdout))
    assert result.value == pytest.approx(1.0)
    assert "above the real median" in result.details["positive"]
    assert result.details["columns"][0]["dp_trtr"] > 0.2


def test_reuses_the_utility_models() -> None:
    ctx = _ctx(_loans(1_000, 6))
    TSTR().measure(ctx)
    models = [fitted(ctx, s, GRADIENT_BOOSTING) for s in ("real", "synthetic")]
    FairnessGap().measure(ctx)
    assert [fitted(ctx, s, GRADIENT_BOOSTING) for s in ("real", "synthetic")] == models


def test_single_class_synthetic_target_is_not_measured() -> None:
    result = FairnessGap().measure(_ctx(REAL.assign(y="no")))
    assert result.value is None and not result.skipped
    assert any("no classifier can be trained" in n for n in result.notes)
    assert "no classifier can be trained" in result.details[NOT_MEASURED]


def test_too_few_holdout_groups_name_the_reason() -> None:
    # One group of the holdout under 20 rows: no gap between groups can be measured.
    holdout = pd.concat([HOLDOUT[HOLDOUT["group"] == "A"],
                         HOLDOUT[HOLDOUT["group"] == "B"].head(10)], ignore_index=True)
    result = FairnessGap().measure(_ctx(_loans(3_000, 3), holdout=holdout))
    assert result.value is None and not result.skipped
    assert result.details[NOT_MEASURED] == ("'group' has fewer than two groups of at least 20 "
                                            "holdout rows, so there is no gap to measure")
    assert missing_reason(result).startswith("not measured: 'group' has fewer than two")


def test_representation_of_shifted_shares() -> None:
    result = Representation().measure(_ctx(_loans(3_000, 7, share_b=0.8)))
    column = result.details["columns"][0]
    shares = {g["group"]: (g["real_share"], g["synthetic_share"]) for g in column["groups"]}
    assert set(shares) == {"A", "B"}
    assert shares["B"][1] == pytest.approx(0.8, abs=0.03)
    assert column["tvd"] == pytest.approx(abs(shares["B"][1] - shares["B"][0]))
    assert result.value == pytest.approx(1 - column["tvd"])
    assert result.value < 0.8
    assert Representation().measure(_ctx(REAL)).value == pytest.approx(1.0)


def test_representation_bins_numerical_columns_and_takes_the_worst() -> None:
    synthetic = _loans(3_000, 8, share_b=0.6).assign(x1=lambda d: d["x1"] + 1)
    synthetic.loc[:99, "x1"] = np.nan
    result = Representation().measure(_ctx(synthetic, ("group", "x1")))
    group, x1 = result.details["columns"]
    labels = [g["group"] for g in x1["groups"]]
    assert labels[0].startswith("< ") and labels[-1] == "(missing)"
    assert any(label.startswith(">= ") for label in labels)
    assert x1["tvd"] > group["tvd"]
    assert result.value == pytest.approx(1 - x1["tvd"])


def test_datetime_groups_are_labelled_as_dates() -> None:
    days = pd.to_timedelta(np.random.default_rng(10).integers(0, 3_650, len(REAL)), unit="D")
    real = REAL.assign(opened=pd.Timestamp("2010-01-01") + days)
    result = Representation().measure(_ctx(real, ("opened",), real=real, holdout=real))
    labels = [g["group"] for g in result.details["columns"][0]["groups"]]
    assert labels[0] == "< 2011-01-01" and labels[-1] == ">= 2018-12-28"  # 365-day bins
    assert result.value == pytest.approx(1.0)


def test_results_are_json_and_reproducible() -> None:
    runs = []
    for _ in range(2):
        ctx = _ctx(_loans(1_500, 9, effect=1.2), ("group", "x2"), seed=4)
        runs.append([m.measure(ctx) for m in (Representation(), FairnessGap())])
    dumped = [[json.dumps({**r.to_dict(), "seconds": 0}, allow_nan=False) for r in run]
              for run in runs]
    assert dumped[0] == dumped[1]


def test_skipped_without_sensitive_holdout_or_target() -> None:
    names = ["representation", "fairness_gap"]
    bare = evaluate(REAL, REAL, metrics=names)
    assert "sensitive" in bare["representation"].skipped
    assert "sensitive" in bare["fairness_gap"].skipped or "holdout" in bare["fairness_gap"].skipped
    no_holdout = evaluate(REAL, REAL, target="y", sensitive=["group"], metrics=names)
    assert no_holdout["representation"].value == pytest.approx(1.0)
    assert "holdout" in no_holdout["fairness_gap"].skipped
    no_target = evaluate(REAL, REAL, holdout=HOLDOUT, sensitive=["group"], metrics=names)
    assert "target" in no_target["fairness_gap"].skipped
