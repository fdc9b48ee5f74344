from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from simulacra.evaluation import NOT_MEASURED, EvalContext, MetricResult, evaluate, prepare
from simulacra.evaluation._models import GRADIENT_BOOSTING, LINEAR, fitted
from simulacra.evaluation.utility import TSTR, ImportanceAgreement
from simulacra.schema import infer_schema

Results = tuple[MetricResult, MetricResult]


def _ctx(real: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame, target: str,
         seed: int = 0) -> EvalContext:
    return prepare(real, synthetic, infer_schema(real).table(), holdout=holdout, target=target,
                   seed=seed)


def _both(ctx: EvalContext) -> Results:
    return TSTR().measure(ctx), ImportanceAgreement().measure(ctx)


def _shuffled(df: pd.DataFrame, column: str, seed: int = 1) -> pd.DataFrame:
    out = df.copy()
    out[column] = np.random.default_rng(seed).permutation(out[column].to_numpy())
    return out


def _regression(n: int, seed: int, noise_only: bool = False, unused: int = 0
                ) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    level = rng.choice(["a", "b", "c"], size=n)
    y = 2 * x1 - x2 + np.select([level == "a", level == "b"], [1.0, -1.0], 0.0)
    y = rng.normal(size=n) if noise_only else y + rng.normal(scale=0.5, size=n)
    extra = {f"noise{i}": rng.normal(size=n) for i in range(unused)}
    return pd.DataFrame({"x1": x1, "x2": x2, "level": level, **extra, "y": y})


@pytest.fixture(scope="module")
def identity(credit_split: tuple[pd.DataFrame, pd.DataFrame]) -> Results:
    train, holdout = credit_split
    return _both(_ctx(train, train, holdout, "Status"))


@pytest.fixture(scope="module")
def shuffled(credit_split: tuple[pd.DataFrame, pd.DataFrame]) -> Results:
    train, holdout = credit_split
    return _both(_ctx(train, _shuffled(train, "Status"), holdout, "Status"))


def test_identity_synthetic_keeps_the_real_score(identity: Results) -> None:
    tstr, importance = identity
    assert tstr.value == pytest.approx(1.0, abs=0.02)
    assert importance.value is not None and importance.value > 0.9


def test_tstr_details_feed_the_report(identity: Results) -> None:
    details = identity[0].details
    assert details["task"] == "classification" and details["primary"] == "macro F1"
    assert [m["model"] for m in details["models"]] == [GRADIENT_BOOSTING, LINEAR]
    for row in details["models"]:
        assert set(row["scores"]) == {"macro F1", "ROC AUC", "accuracy"}
        real = row["scores"]["ROC AUC"]["trtr"]
        assert 0.7 < real <= 1.0  # credit status is predictable
        assert row["ratio"] == pytest.approx(1.0, abs=0.02)
    assert identity[0].value == details["models"][0]["ratio"]


def test_shuffled_target_gives_a_low_ratio(identity: Results, shuffled: Results) -> None:
    tstr, importance = shuffled
    assert tstr.value is not None and tstr.value < 0.85
    for row in tstr.details["models"]:
        assert row["ratio"] < 0.85
        assert row["scores"]["ROC AUC"]["tstr"] < 0.6  # no signal left to learn
    assert importance.value is not None and importance.value < 0.7
    assert importance.value < identity[1].value


def test_importance_details_rank_every_feature(identity: Results) -> None:
    details = identity[1].details
    features = details["features"]
    assert {f["feature"] for f in features} == {
        "Seniority", "Home", "Time", "Age", "Marital", "Records", "Job", "Expenses", "Income",
        "Assets", "Debt", "Amount", "Price"}
    assert features[0]["rank_trtr"] == 1  # sorted by the real model's importance
    importances = [f["importance_trtr"] for f in features]
    assert importances == sorted(importances, reverse=True)
    assert details["rows"] == identity[0].details["holdout_rows"]


def test_features_neither_model_uses_do_not_lower_agreement() -> None:
    real, holdout = _regression(1_500, 13, unused=6), _regression(1_000, 14, unused=6)
    fresh = _regression(1_500, 15, unused=6)  # another draw of the same process
    result = ImportanceAgreement().measure(_ctx(real, fresh, holdout, "y"))
    assert result.value is not None and result.value > 0.9
    ranks = {f["feature"]: (f["rank_trtr"], f["rank_tstr"]) for f in result.details["features"]}
    assert ranks["x1"] == (1, 1)
    assert len({ranks[f"noise{i}"] for i in range(6)}) == 1  # all tied at the bottom


def test_single_class_synthetic_target_scores_zero(
        credit_split: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    train, holdout = credit_split
    ctx = _ctx(train, train.assign(Status="good"), holdout, "Status")
    tstr, importance = _both(ctx)
    assert tstr.value == 0.0
    assert any("no classifier can be trained" in n for n in tstr.notes)
    assert all(m["scores"]["macro F1"]["tstr"] == 0.0 for m in tstr.details["models"])
    assert importance.value == 0.0
    assert not fitted(ctx, "synthetic", GRADIENT_BOOSTING).trained
    json.dumps(tstr.to_dict(), allow_nan=False)


def test_multiclass_target_with_rows_missing_the_target(
        credit_split: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    train, holdout = credit_split[0].iloc[:1_500].copy(), credit_split[1]
    train.loc[train.index[:10], "Job"] = np.nan
    synthetic = train[train["Job"] != "others"]  # a class the synthetic data never shows
    tstr = TSTR().measure(_ctx(train, synthetic, holdout, "Job"))
    assert tstr.value is not None and 0.3 < tstr.value < 1.2
    assert any(n.startswith(("10 real", "11 real", "12 real")) and "missing 'Job'" in n
               for n in tstr.notes)
    for row in tstr.details["models"]:
        auc = row["scores"]["ROC AUC"]  # one-vs-rest over the four classes
        assert 0.6 < auc["trtr"] < 1 and 0.5 < auc["tstr"] < 1
        assert row["scores"]["macro F1"]["tstr"] < row["scores"]["macro F1"]["trtr"]


def test_regression_path() -> None:
    real, holdout = _regression(1_000, 0), _regression(500, 1)
    same, _ = _both(_ctx(real, real, holdout, "y"))
    assert same.details["task"] == "regression" and same.details["primary"] == "R2"
    assert same.value == pytest.approx(1.0, abs=0.02)
    assert same.details["models"][1]["scores"]["R2"]["trtr"] > 0.8  # the relation is linear
    assert set(same.details["models"][0]["scores"]) == {"R2", "MAE"}
    broken = TSTR().measure(_ctx(real, _shuffled(real, "y"), holdout, "y"))
    assert broken.value is not None and broken.value < 0.3


def test_regression_without_signal_has_no_ratio() -> None:
    real, holdout = _regression(600, 2, noise_only=True), _regression(300, 3, noise_only=True)
    result = TSTR().measure(_ctx(real, real, holdout, "y"))
    assert result.value is None
    assert any("no better than a constant guess" in n for n in result.notes)
    # The reason names the headline model (gradient boosting), whatever the linear one did.
    why = result.details[NOT_MEASURED]
    assert why.startswith("the real-trained gradient boosting model scores ")
    assert why.endswith("no better than a constant guess")


def test_a_constant_holdout_target_has_no_ratio_and_says_why() -> None:
    real, holdout = _regression(600, 2), _regression(300, 3).assign(y=1.5)
    result = TSTR().measure(_ctx(real, real, holdout, "y"))
    assert result.value is None and not result.skipped
    assert result.details[NOT_MEASURED] == ("every holdout row has the same target value, "
                                            "so R² is undefined")
    assert result.notes.count("Every holdout row has the same target value, so R² is "
                              "undefined.") == 1


def test_results_are_json_and_reproducible() -> None:
    real, holdout = _regression(800, 4), _regression(400, 5)
    synthetic = _regression(800, 6)
    runs = [_both(_ctx(real, synthetic, holdout, "y", seed=3)) for _ in range(2)]
    dumped = [[json.dumps({**r.to_dict(), "seconds": 0}, allow_nan=False) for r in run]
              for run in runs]
    assert dumped[0] == dumped[1]
    assert runs[0][0].value is not None and 0.8 < runs[0][0].value < 1.1


def test_models_are_fitted_once_per_context() -> None:
    real, holdout = _regression(400, 7), _regression(200, 8)
    ctx = _ctx(real, real, holdout, "y")
    TSTR().measure(ctx)
    model = fitted(ctx, "real", GRADIENT_BOOSTING)
    ImportanceAgreement().measure(ctx)
    assert fitted(ctx, "real", GRADIENT_BOOSTING) is model


def test_skipped_without_holdout_or_target() -> None:
    real = _regression(200, 9)
    names = ["tstr", "importance_agreement"]
    no_holdout = evaluate(real, real, target="y", metrics=names)
    no_target = evaluate(real, real, holdout=_regression(100, 10), metrics=names)
    for name in names:
        assert no_holdout[name].value is None and "holdout" in no_holdout[name].skipped
        assert no_target[name].value is None and "target" in no_target[name].skipped


def test_holdout_without_target_values_is_skipped() -> None:
    real, holdout = _regression(200, 11), _regression(100, 12).assign(y=np.nan)
    result = TSTR().measure(_ctx(real, real, holdout, "y"))
    assert result.value is None and "no rows with a 'y' value" in result.skipped
