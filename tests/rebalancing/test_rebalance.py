from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from simulacra.rebalancing import METHODS, rebalance
from simulacra.synth import make_synthesizer
from tests.rebalancing.conftest import mixed, numeric

MIXED_METHODS = [m for m in METHODS if m != "smote"]


def _fast(method: str) -> dict[str, object]:
    """The generator with the quickest synthesizer, so the suite stays fast."""
    return {"synthesizer": "independent"} if method == "generator" else {}


@pytest.mark.parametrize("method", MIXED_METHODS)
@pytest.mark.parametrize("ratio", [0.5, 1.0])
def test_counts_are_exact_on_credit_data(credit: pd.DataFrame, method: str,
                                         ratio: float) -> None:
    out = rebalance(credit, "Status", ratio=ratio, method=method, seed=0, **_fast(method))
    counts = credit["Status"].value_counts()
    after = out["Status"].value_counts()
    assert after["good"] == counts["good"]
    assert after["bad"] == math.floor(ratio * counts["good"])
    assert out["synthetic"].sum() == after["bad"] - counts["bad"]


@pytest.mark.parametrize("method", METHODS)
def test_numeric_table_every_method(method: str) -> None:
    data = numeric()
    out = rebalance(data, "label", ratio=0.6, method=method, seed=3, **_fast(method))
    assert (out["label"] == 1).sum() == math.floor(0.6 * (data["label"] == 0).sum())
    assert out.dtypes.drop("synthetic").equals(data.dtypes)
    added = out[out["synthetic"]]
    assert set(added["label"]) == {1}
    assert added["n"].between(data["n"].min(), data["n"].max()).all()


@pytest.mark.parametrize("method", MIXED_METHODS)
def test_original_rows_untouched_and_marked(credit: pd.DataFrame, method: str) -> None:
    out = rebalance(credit, "Status", method=method, seed=1, **_fast(method))
    n = len(credit)
    pd.testing.assert_frame_equal(out.iloc[:n].drop(columns="synthetic"),
                                  credit.reset_index(drop=True))
    assert out["synthetic"].dtype == bool
    assert not out["synthetic"].iloc[:n].any() and out["synthetic"].iloc[n:].all()
    assert isinstance(out.index, pd.RangeIndex) and out.index[-1] == len(out) - 1


@pytest.mark.parametrize("method", MIXED_METHODS)
def test_dtypes_and_values_are_kept(method: str) -> None:
    data = mixed()
    out = rebalance(data, "y", method=method, seed=2, **_fast(method))
    assert out.dtypes.drop("synthetic").equals(data.dtypes)
    added = out[out["synthetic"]]
    assert list(added["colour"].cat.categories) == ["red", "green", "blue", "unused"]
    assert set(added["colour"].dropna()) <= {"red", "green", "blue"}
    assert set(added["city"].dropna()) <= {"Oslo", "Lima"}
    assert added["age"].between(18, 89).all()
    assert (added["income"] == added["income"].round(2)).all()
    assert added["when"].between(data["when"].min(), data["when"].max()).all()
    assert (added["when"] == added["when"].dt.normalize()).all()  # dates stay dates
    present = added["count"].dropna()
    assert present.between(0, 49).all()


@pytest.mark.parametrize("method", METHODS)
def test_same_seed_same_rows(method: str) -> None:
    data = numeric() if method == "smote" else mixed()
    target = "label" if method == "smote" else "y"
    first = rebalance(data, target, method=method, seed=7, **_fast(method))
    again = rebalance(data, target, method=method, seed=7, **_fast(method))
    other = rebalance(data, target, method=method, seed=8, **_fast(method))
    pd.testing.assert_frame_equal(first, again)
    assert not first.equals(other)


def test_multiclass_each_class_up_to_ratio_of_the_largest() -> None:
    rng = np.random.default_rng(0)
    y = np.repeat(["a", "b", "c"], [100, 40, 12])
    data = pd.DataFrame({"x": rng.normal(size=152), "z": rng.choice(["p", "q"], 152), "y": y})
    out = rebalance(data, "y", ratio=0.5, seed=0)
    assert out["y"].value_counts().to_dict() == {"a": 100, "b": 50, "c": 50}


def test_classes_already_at_the_ratio_get_nothing(credit: pd.DataFrame) -> None:
    out = rebalance(credit, "Status", ratio=0.2, seed=0)
    assert not out["synthetic"].any()
    pd.testing.assert_frame_equal(out.drop(columns="synthetic"), credit.reset_index(drop=True))


def test_missing_values_come_from_the_neighbours_not_from_nowhere() -> None:
    data = numeric(n=300)
    data.loc[data["label"] == 1, "x2"] = data.loc[data["label"] == 1, "x2"].fillna(0.0)
    for method in ("smote", "smotenc", "borderline", "adasyn"):
        added = rebalance(data, "label", method=method, seed=0).query("synthetic")
        assert added["x2"].notna().all(), method  # no minority row misses x2


def test_missing_values_are_kept_where_the_class_has_them() -> None:
    data = numeric(n=300)
    minority = np.flatnonzero(data["label"] == 1)
    data.loc[minority[: len(minority) // 2], "x2"] = np.nan
    added = rebalance(data, "label", method="smote", seed=0).query("synthetic")
    assert 0.2 < added["x2"].isna().mean() < 0.8


def test_generator_takes_a_synthesizer_instance(credit: pd.DataFrame) -> None:
    template = make_synthesizer("copula", seed=123)
    out = rebalance(credit, "Status", method="generator", synthesizer=template, seed=0)
    assert out["Status"].value_counts()["bad"] == (credit["Status"] == "good").sum()
    assert template.get_params()["seed"] == 123  # the template is not touched
    assert not hasattr(template, "codec_")


def test_generator_default_synthesizer(credit: pd.DataFrame) -> None:
    out = rebalance(credit, "Status", ratio=0.5, method="generator", seed=0)
    added = out[out["synthetic"]]
    assert set(added["Status"]) == {"bad"}
    assert out.dtypes.drop("synthetic").equals(credit.dtypes)


def test_conditional_samples_each_class_from_one_model_of_the_table(
        credit: pd.DataFrame) -> None:
    out = rebalance(credit, "Status", ratio=1.0, method="conditional", seed=0)
    added = out[out["synthetic"]]
    counts = out["Status"].value_counts()
    assert counts["bad"] == counts["good"] and set(added["Status"]) == {"bad"}
    assert out.dtypes.drop("synthetic").equals(credit.dtypes)
    bad, good = credit[credit.Status == "bad"], credit[credit.Status == "good"]
    # The added rows follow the minority's relations, not the table's average.
    assert abs(added["Seniority"].mean() - bad["Seniority"].mean()) < 1.0
    assert good["Seniority"].mean() - added["Seniority"].mean() > 2.5
    again = rebalance(credit, "Status", ratio=1.0, method="conditional", seed=0)
    pd.testing.assert_frame_equal(out, again)


def test_marker_name_is_configurable(credit: pd.DataFrame) -> None:
    out = rebalance(credit, "Status", seed=0, marker="is_synthetic")
    assert "is_synthetic" in out.columns and "synthetic" not in out.columns


def test_progress_is_reported(credit: pd.DataFrame) -> None:
    calls: list[tuple[str, object]] = []

    class Recorder:
        def start(self, task: str, total: int | None = None) -> None:
            calls.append(("start", total))

        def advance(self, n: int = 1) -> None:
            calls.append(("advance", n))

        def finish(self) -> None:
            calls.append(("finish", None))

    rebalance(credit, "Status", method="generator", synthesizer="independent", seed=0,
              progress=Recorder())
    assert calls == [("start", 1), ("advance", 1), ("finish", None)]


@pytest.mark.parametrize(("method", "advances"), [
    ("smotenc", [1, 1, 1, 1, 1]),  # encoded, each of the three rarer classes, decoded
    ("borderline", [1, 3, 1]),     # imbalanced-learn makes the classes' rows at once
])
def test_smote_methods_count_each_class_as_a_step(method: str, advances: list[int]) -> None:
    # `rebalance --target Status` sat at "smotenc 0/1" for 150 s on 200,000 rows
    rng = np.random.default_rng(0)
    n = 400
    data = pd.DataFrame({
        "y": rng.choice(["a", "b", "c", "d"], n, p=[0.55, 0.2, 0.15, 0.1]),
        "x": rng.normal(size=n), "z": rng.normal(size=n),
        "k": rng.choice(["u", "v"], n)})
    if method == "borderline":
        data = data.drop(columns="k")
    calls: list[tuple[str, object]] = []

    class Recorder:
        def start(self, task: str, total: int | None = None) -> None:
            calls.append(("start", (task, total)))

        def advance(self, n: int = 1) -> None:
            calls.append(("advance", n))

        def finish(self) -> None:
            calls.append(("finish", None))

    rebalance(data, "y", method=method, seed=0, progress=Recorder())
    assert calls[0] == ("start", (f"rebalance: {method}", 5)) and calls[-1] == ("finish", None)
    assert [n for kind, n in calls if kind == "advance"] == advances


def test_only_constant_columns_beside_the_target() -> None:
    data = pd.DataFrame({"y": ["a"] * 10 + ["b"] * 3, "k": 1})
    out = rebalance(data, "y", seed=0)
    assert out["y"].value_counts().to_dict() == {"a": 10, "b": 10}
    assert (out["k"] == 1).all()


def test_a_wide_table_is_rebalanced_without_a_pandas_warning() -> None:
    # modeldata::hepatic_injury_qsar: marking the added rows on a frame of 378 columns made
    # pandas warn that the frame was highly fragmented
    rng = np.random.default_rng(0)
    data = pd.DataFrame(rng.normal(size=(200, 150)), columns=[f"x{i}" for i in range(150)])
    data["cls"] = np.where(np.arange(200) < 30, "rare", "common")
    for i in range(150):  # a frame built column by column, as a wide CSV can be
        data[f"x{i}"] = data[f"x{i}"].round(3)
    out = rebalance(data, "cls", method="smotenc", seed=0)
    assert (out["cls"] == "rare").sum() == (out["cls"] == "common").sum()
