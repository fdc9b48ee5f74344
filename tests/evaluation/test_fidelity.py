from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simulacra.evaluation import Limits, evaluate, prepare
from simulacra.evaluation._pairs import MutualInformation, PairTrends
from simulacra.evaluation.fidelity import (
    CategoryCoverage,
    ColumnShapes,
    MissingValues,
    RangeCoverage,
    ks_complement,
    tv_complement,
)
from simulacra.schema import infer_schema

FIDELITY = ["column_shapes", "missing_values", "category_coverage", "range_coverage",
            "pair_trends", "mutual_information", "hellinger", "detection"]


def _ctx(real: pd.DataFrame, synthetic: pd.DataFrame, **kw):
    return prepare(real, synthetic, infer_schema(real).table(), **kw)


def _independent(df: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Every column shuffled on its own: perfect marginals, no relations."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({c: df[c].to_numpy()[rng.permutation(len(df))] for c in df.columns})


def test_ks_and_tv_complements_match_their_definitions() -> None:
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=500), rng.normal(0.5, 1, size=400)
    assert ks_complement(a, b) == pytest.approx(1 - stats.ks_2samp(a, b).statistic)
    assert ks_complement(a, np.array([])) is None
    real = np.array([0, 0, 1, 1, -1])
    syn = np.array([0, 1, 1, 1, 2])
    # real shares (.5, .5, 0) vs synthetic (.2, .6, .2): TV = 0.5 * (.3 + .1 + .2) = .3
    assert tv_complement(real, syn, 3) == pytest.approx(0.7)


def test_identical_data_scores_perfectly(credit_split) -> None:
    train, _ = credit_split
    ctx = _ctx(train, train.copy())
    for metric in (ColumnShapes(), MissingValues(), CategoryCoverage(), RangeCoverage(),
                   PairTrends(), MutualInformation()):
        assert metric.measure(ctx).value == pytest.approx(1.0), metric.name


def test_shuffled_columns_keep_shapes_but_lose_pairs(credit_split) -> None:
    train, _ = credit_split
    report = evaluate(train, _independent(train), metrics=FIDELITY)
    assert report.value("column_shapes") == pytest.approx(1.0)
    assert report.value("pair_trends") < 0.95
    assert report.value("mutual_information") < report.value("pair_trends") + 0.1
    same = evaluate(train, train, metrics=["hellinger"])
    assert report.value("hellinger") > same.value("hellinger") + 0.05


def test_a_shifted_column_is_named_and_scored_down() -> None:
    rng = np.random.default_rng(3)
    real = pd.DataFrame({"x": rng.normal(size=2000), "g": rng.choice(list("abc"), 2000)})
    syn = real.copy()
    syn["x"] = syn["x"] + 2.0
    result = ColumnShapes().measure(_ctx(real, syn))
    by_column = {r["column"]: r for r in result.details["columns"]}
    assert by_column["x"]["score"] < 0.4
    assert by_column["x"]["wasserstein"] == pytest.approx(2.0, rel=0.05)
    assert by_column["g"]["score"] == pytest.approx(1.0)
    plot = result.details["plots"]["x"]
    assert len(plot["edges"]) == len(plot["real"]) + 1
    assert sum(plot["synthetic"]) == pytest.approx(1.0)  # values beyond the range are kept


def test_missing_share_category_and_range_coverage() -> None:
    real = pd.DataFrame({"x": np.repeat(np.arange(0.0, 100.0, 2.0), 2),
                         "g": ["a"] * 50 + ["b"] * 45 + ["c"] * 5})
    syn = pd.DataFrame({"x": np.r_[np.arange(25.0, 75.0), [np.nan] * 50],
                        "g": ["a"] * 60 + ["b"] * 40})
    ctx = _ctx(real, syn)
    missing = MissingValues().measure(ctx)
    assert missing.value == pytest.approx(1 - (0.5 + 0) / 2)
    coverage = CategoryCoverage().measure(ctx)
    assert coverage.details["columns"][0]["covered"] == 2
    assert coverage.value == pytest.approx(2 / 3)
    assert RangeCoverage().measure(ctx).value == pytest.approx(1 - (25 + 24) / 98)


def test_pair_trends_use_correlation_for_numbers_and_contingency_otherwise() -> None:
    rng = np.random.default_rng(4)
    x = rng.normal(size=3000)
    real = pd.DataFrame({"x": x, "y": x + 0.1 * rng.normal(size=3000),
                         "g": np.where(x > 0, "hi", "lo")})
    syn = pd.DataFrame({"x": x, "y": rng.normal(size=3000), "g": rng.choice(["hi", "lo"], 3000)})
    result = PairTrends().measure(_ctx(real, syn))
    pairs = {(p["a"], p["b"]): p for p in result.details["pairs"]}
    assert pairs["x", "y"]["metric"] == "correlation"
    assert pairs["x", "y"]["score"] == pytest.approx(1 - abs(pairs["x", "y"]["real"]
                                                             - pairs["x", "y"]["synthetic"]) / 2)
    assert pairs["x", "y"]["score"] < 0.6
    assert pairs["x", "g"]["metric"] == "contingency"
    assert pairs["x", "g"]["real"] > 0.8 > 0.1 > pairs["x", "g"]["synthetic"]
    matrix = result.details["matrix"]
    assert matrix["columns"] == ["x", "y", "g"]
    assert np.allclose(np.diag(matrix["real"]), 1.0)


def test_detection_tells_independent_columns_apart(credit_split) -> None:
    train, holdout = credit_split
    fake = evaluate(train, _independent(train), metrics=["detection"]).__getitem__("detection")
    real = evaluate(train, holdout, metrics=["detection"])["detection"]
    assert fake.value > 0.8
    assert real.value < 0.6
    assert len(fake.details["fold_aucs"]) == 5
    assert fake.details["features"], "the most telling features are listed"


def test_hellinger_reports_levels_baseline_and_sparse_full_joint(credit_split) -> None:
    train, holdout = credit_split
    result = evaluate(train, holdout, holdout=holdout, metrics=["hellinger"],
                      limits=Limits(triples=20))["hellinger"]
    d = result.details
    assert 0 < d["two_way"] < d["three_way"] < 1
    assert d["n_triples"] == 20 and any("20 of the" in n for n in result.notes)
    assert d["full_joint"] is None and "too sparse" in d["full_joint_reason"]
    assert d["baseline"]["holdout"]["two_way"] == pytest.approx(d["two_way"])
    dense = pd.DataFrame({"a": list("xy") * 500, "b": list("pqqp") * 250})
    full = evaluate(dense, dense, metrics=["hellinger"])["hellinger"].details["full_joint"]
    assert full == pytest.approx(0.0)


def test_datetimes_and_strings_from_csv_compare_equal_to_their_frames(tmp_path) -> None:
    real = pd.DataFrame({"when": pd.date_range("2024-01-01", periods=200, freq="D"),
                         "flag": [True, False] * 100, "code": [1, 2, 3, 4] * 50})
    path = tmp_path / "syn.csv"
    real.to_csv(path, index=False)
    report = evaluate(real, path, metrics=["column_shapes", "pair_trends"])
    assert report.value("column_shapes") == pytest.approx(1.0)
    assert report.value("pair_trends") == pytest.approx(1.0)


def test_results_are_json_and_deterministic(credit_split) -> None:
    train, holdout = credit_split
    first = evaluate(train, holdout, metrics=FIDELITY, seed=3)
    second = evaluate(train, holdout, metrics=FIDELITY, seed=3)
    text = first.to_json()
    json.loads(text)
    assert [r.value for r in first.results] == [r.value for r in second.results]
