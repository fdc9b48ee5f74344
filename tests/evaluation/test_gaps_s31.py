"""Evaluate's slow cases and leftover gaps (session 31): many classes, wide tables, an
empty holdout column, too few synthetic rows, dates in the real data's own format."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulacra.evaluation import evaluate
from simulacra.evaluation._context import prepare
from simulacra.evaluation._detection import WIDE_FEATURES as DETECTION_WIDE
from simulacra.evaluation._detection import WIDE_IMPORTANCE_ROWS as DETECTION_ROWS
from simulacra.evaluation._detection import _importance_rows
from simulacra.evaluation._models import MAX_CLASSES, problem
from simulacra.evaluation._tables import MIN_JOINT_ROWS
from simulacra.evaluation.utility import WIDE_FEATURES, WIDE_IMPORTANCE_ROWS
from simulacra.schema import infer_schema


def _many_classes(n: int, seed: int, n_classes: int = 80) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    # a long tail: class k is drawn with weight 1 / (k + 1)
    weights = 1.0 / np.arange(1, n_classes + 1)
    cls = rng.choice(n_classes, n, p=weights / weights.sum())
    return pd.DataFrame({"a": cls * 1.0 + rng.normal(0, 0.3, n),
                         "b": rng.normal(size=n),
                         "g": rng.choice(["f", "m"], n),
                         "cls": [f"k{c:02d}" for c in cls]})


# -- many classes: the rare ones share one class ------------------------------------------

def test_many_classes_are_grouped_into_the_frequent_ones_and_one_other() -> None:
    train, holdout, synthetic = (_many_classes(1_500, s) for s in (1, 2, 3))
    table = infer_schema(train).table()
    ctx = prepare(train, synthetic, table, holdout=holdout, target="cls", seed=0)
    task = problem(ctx)
    assert len(task.classes) == MAX_CLASSES
    assert task.grouped > 0
    other = int(task.classes.max())
    assert other == len(ctx.categories["cls"])
    assert task.class_name(ctx, other) == f"(the other {task.grouped} classes)"
    # the most frequent real class is one of its own
    assert ctx.categories["cls"][0] == "k00"
    assert 0 in task.classes
    assert any("most frequent real classes and one class for the other" in n
               for n in task.notes)


def test_many_classes_tstr_and_fairness_measure_with_a_note() -> None:
    train, holdout, synthetic = (_many_classes(1_500, s) for s in (1, 2, 3))
    report = evaluate(train, synthetic, holdout=holdout, target="cls", sensitive=["g"],
                      metrics=["tstr", "importance_agreement", "fairness_gap"])
    result = report["tstr"]
    assert result.value is not None
    assert any("most frequent real classes" in n for n in result.notes)
    assert report["importance_agreement"].value is not None
    assert not report["fairness_gap"].skipped


def test_many_even_classes_are_not_rated_on_the_pooled_class() -> None:
    # 200 classes of about equal size: the 49 kept hold ~27% of the rows, so the models would
    # learn mostly "other" and a faithful sample would read as poor
    frames = []
    for seed in (1, 2, 3):
        r = np.random.default_rng(seed)
        cls = r.integers(0, 200, 1_500)
        frames.append(pd.DataFrame({"a": cls + r.normal(0, 0.3, 1_500), "b": r.normal(size=1_500),
                                    "cls": [f"k{c:03d}" for c in cls]}))
    train, holdout, synthetic = frames
    table = infer_schema(train).table()
    task = problem(prepare(train, synthetic, table, holdout=holdout, target="cls", seed=0))
    assert "too many classes of similar size" in task.skipped
    report = evaluate(train, synthetic, holdout=holdout, target="cls", metrics=["tstr"])
    assert report["tstr"].value is None


def test_few_classes_are_not_grouped(credit_split) -> None:
    train, holdout = credit_split
    table = infer_schema(train).table()
    ctx = prepare(train, train, table, holdout=holdout, target="Status", seed=0)
    task = problem(ctx)
    assert task.grouped == 0
    assert not any("most frequent real classes" in n for n in task.notes)


# -- wide tables: importance on fewer rows ------------------------------------------------

def _wide(n: int, seed: int, n_features: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, n_features))
    frame = pd.DataFrame(x, columns=[f"x{i:03d}" for i in range(n_features)])
    frame["y"] = np.where(x[:, 0] + x[:, 1] > 0, "yes", "no")
    return frame


def test_wide_table_importance_agreement_shuffles_fewer_rows() -> None:
    width = WIDE_FEATURES + 1
    train, synthetic = _wide(300, 1, width), _wide(300, 2, width)
    holdout = _wide(WIDE_IMPORTANCE_ROWS + 100, 3, width)
    result = evaluate(train, synthetic, holdout=holdout, target="y",
                      metrics=["importance_agreement"])["importance_agreement"]
    assert result.value is not None
    assert result.details["rows"] == WIDE_IMPORTANCE_ROWS
    assert any(f"with {width} features" in n for n in result.notes)


def test_narrow_table_importance_uses_all_holdout_rows_up_to_the_cap() -> None:
    train, synthetic, holdout = _wide(300, 1, 5), _wide(300, 2, 5), _wide(900, 3, 5)
    result = evaluate(train, synthetic, holdout=holdout, target="y",
                      metrics=["importance_agreement"])["importance_agreement"]
    assert result.details["rows"] == 900


def test_wide_table_detection_ranks_features_on_fewer_rows() -> None:
    frame = _wide(200, 1, 3)
    ctx = prepare(frame, frame, infer_schema(frame).table(), seed=0)
    test = np.arange(3_000)
    y = (test >= 1_500).astype(np.int64)
    notes: list[str] = []
    picked = _importance_rows(ctx, test, y, DETECTION_WIDE + 1, notes)
    assert len(picked) == DETECTION_ROWS
    assert (y[picked] == 1).sum() == DETECTION_ROWS // 2  # both sides alike
    assert notes and "the AUC uses every row" in notes[0]
    assert np.array_equal(_importance_rows(ctx, test, y, DETECTION_WIDE, []), test)


# -- a holdout column that is entirely missing -------------------------------------------

def test_empty_holdout_column_is_left_out_of_the_models_with_a_note() -> None:
    rng = np.random.default_rng(0)

    def table(n: int) -> pd.DataFrame:
        a = rng.normal(size=n)
        return pd.DataFrame({"a": a, "b": rng.normal(size=n), "c": rng.normal(size=n),
                             "y": np.where(a + rng.normal(0, 0.5, n) > 0, "p", "q")})

    train, synthetic, holdout = table(400), table(400), table(200)
    holdout["b"] = np.nan
    report = evaluate(train, synthetic, holdout=holdout, target="y",
                      metrics=["tstr", "importance_agreement"])
    for name in ("tstr", "importance_agreement"):
        notes = report[name].notes
        assert any("'b' has no values in the holdout rows the models are tested on" in n
                   for n in notes), (name, notes)
    features = [f["feature"] for f in report["importance_agreement"].details["features"]]
    assert sorted(features) == ["a", "c"]


# -- too few synthetic rows: joint-table metrics decline ----------------------------------

@pytest.mark.parametrize("rows", [1, MIN_JOINT_ROWS - 1])
def test_joint_table_metrics_decline_on_too_few_synthetic_rows(credit_split, rows) -> None:
    train, _ = credit_split
    report = evaluate(train, train.head(rows), metrics=["mutual_information", "hellinger"])
    for name in ("mutual_information", "hellinger"):
        result = report[name]
        assert result.value is None
        assert f"needs at least {MIN_JOINT_ROWS} rows on each side, got {rows}" in (
            result.skipped)
    assert "0.97" not in report.summary()


def test_joint_table_metrics_measure_from_the_minimum(credit_split) -> None:
    train, _ = credit_split
    report = evaluate(train, train.sample(MIN_JOINT_ROWS, random_state=0),
                      metrics=["mutual_information", "hellinger"])
    assert report["mutual_information"].value is not None
    assert report["hellinger"].value is not None


def test_hellinger_baseline_needs_a_holdout_of_the_minimum(credit_split) -> None:
    train, holdout = credit_split
    result = evaluate(train, train, holdout=holdout.head(1),
                      metrics=["hellinger"])["hellinger"]
    assert result.value is not None
    assert "baseline" not in result.details
    assert any(n.startswith("No holdout baseline: needs at least") for n in result.notes)


# -- dates in the real data's own format ----------------------------------------------------

def _dates(n: int, seed: int, fmt: str) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    when = pd.Timestamp("1990-01-01") + pd.to_timedelta(rng.integers(0, 9_000, n), unit="D")
    return pd.DataFrame({"when": when.strftime(fmt), "x": rng.normal(size=n)})


@pytest.mark.parametrize("fmt", ["%d/%m/%Y", "%b %d, %Y", "%d %B %Y"])
def test_dates_in_the_real_format_are_read_from_files(tmp_path, fmt) -> None:
    paths = {}
    for role, seed in (("real", 1), ("synthetic", 2), ("holdout", 3)):
        paths[role] = tmp_path / f"{role}.csv"
        _dates(300, seed, fmt).to_csv(paths[role], index=False)
    report = evaluate(paths["real"], paths["synthetic"], holdout=paths["holdout"],
                      metrics=["column_shapes"])
    assert report.to_dict()["info"]["columns"]["when"] == "numerical"
    assert report["column_shapes"].value > 0.8


def test_dates_in_another_format_are_refused_naming_the_real_one(tmp_path) -> None:
    from simulacra.errors import DataValidationError

    real, synthetic = _dates(300, 1, "%d/%m/%Y"), _dates(300, 2, "%Y%m%d%H%M")
    with pytest.raises(DataValidationError, match="in the format %d/%m/%Y"):
        evaluate(real, synthetic, metrics=["column_shapes"])


# -- permutation importance in batches: scikit-learn's numbers --------------------------------

@pytest.mark.parametrize(("width", "per_batch"), [(3, 1), (3, 2), (40, 7), (40, 100)])
def test_batched_permutation_importance_equals_scikit_learn(width, per_batch,
                                                            monkeypatch) -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.inspection import permutation_importance as sklearn_importance
    from sklearn.metrics import roc_auc_score

    from simulacra.evaluation import _permutation

    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, width))
    x[:, 1] = rng.integers(0, 4, 300)  # a category column, as the trees take it
    x[rng.random(x.shape) < 0.05] = np.nan
    y = (x[:, 0] + (x[:, 1] == 2) + rng.normal(0, 0.5, 300) > 0.5).astype(np.int64)
    categorical = np.zeros(width, dtype=bool)
    categorical[1] = True
    model = HistGradientBoostingClassifier(max_iter=20, categorical_features=categorical,
                                           random_state=0).fit(x, y)
    expected = sklearn_importance(model, x, y, scoring="roc_auc", n_repeats=3,
                                  random_state=7).importances_mean
    # the shuffled copies of ``per_batch`` columns (3 of 300 rows each) in one prediction
    monkeypatch.setattr(_permutation, "BATCH_VALUES", per_batch * 3 * 300 * width)
    found = _permutation.permutation_importance(
        model.decision_function, lambda t, s: float(roc_auc_score(t, s)), x, y,
        n_repeats=3, seed=7)
    assert np.array_equal(found, expected)
