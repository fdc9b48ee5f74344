from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulacra.errors import DataValidationError, InvalidParameterError
from simulacra.evaluation import Limits, evaluate, metric_names
from simulacra.schema import Role, infer_schema


def _frame(n: int = 300, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"age": rng.integers(18, 80, n), "income": rng.lognormal(10, 1, n),
                         "group": rng.choice(["a", "b", "c"], n)})


def test_every_builtin_metric_is_importable_and_named() -> None:
    from simulacra.evaluation import METRICS

    for name in metric_names():
        assert METRICS.get(name).name == name


def test_metrics_that_need_a_holdout_or_target_say_so() -> None:
    real = _frame()
    report = evaluate(real, _frame(seed=1), metrics=["column_shapes", "tstr", "representation"])
    assert report["column_shapes"].value is not None
    assert "holdout" in report["tstr"].skipped
    assert "sensitive" in report["representation"].skipped
    assert report["tstr"].value is None


def test_schema_roles_supply_target_and_sensitive_columns() -> None:
    real = _frame()
    schema = infer_schema(real, roles={"income": Role.TARGET, "group": Role.SENSITIVE})
    report = evaluate(real, _frame(seed=1), schema=schema, metrics=["column_shapes"])
    assert report.info["target"] == "income"
    assert report.info["sensitive"] == ["group"]


def test_ids_and_pii_are_excluded_with_a_reason() -> None:
    real = _frame()
    real["customer_id"] = np.arange(len(real))
    real["email"] = [f"person{i}@example.com" for i in range(len(real))]
    syn = real.sample(frac=1, random_state=1).reset_index(drop=True)
    report = evaluate(real, syn, metrics=["column_shapes"])
    assert set(report.info["excluded_columns"]) == {"customer_id", "email"}
    assert "customer_id" not in report.info["columns"]


def test_a_synthetic_table_lacking_columns_is_a_clear_error(tmp_path) -> None:
    real = _frame()
    path = tmp_path / "syn.csv"
    real.drop(columns=["income"]).to_csv(path, index=False)
    with pytest.raises(DataValidationError) as caught:
        evaluate(real, path, metrics=["column_shapes"])
    text = str(caught.value)
    assert "syn.csv" in text and "'income'" in text and "Fix:" in text


def test_values_of_the_wrong_kind_are_named_with_column_and_rows() -> None:
    real = _frame()
    syn = _frame(seed=1).astype({"income": object})
    syn.loc[[4, 9], "income"] = "lots"
    with pytest.raises(DataValidationError) as caught:
        evaluate(real, syn, metrics=["column_shapes"])
    text = str(caught.value)
    assert "column 'income'" in text and "rows 4, 9" in text and "'lots'" in text


def test_bad_arguments_are_clear_errors() -> None:
    real = _frame()
    with pytest.raises(InvalidParameterError, match="Unknown metric 'nope'"):
        evaluate(real, real, metrics=["nope"])
    with pytest.raises(InvalidParameterError, match=r"target column 'salary'.*age"):
        evaluate(real, real, target="salary")
    with pytest.raises(InvalidParameterError, match="DataFrame or a path"):
        evaluate(real, [1, 2, 3])  # type: ignore[arg-type]
    with pytest.raises(DataValidationError, match="no rows"):
        evaluate(real, real.iloc[:0])
    with pytest.raises(InvalidParameterError, match="at least 1"):
        Limits(model_rows=0)


def test_the_target_cannot_also_be_sensitive() -> None:
    real = _frame()
    with pytest.raises(InvalidParameterError, match="'group' cannot be both the target and a "
                                                    "sensitive column") as caught:
        evaluate(real, real, target="group", sensitive=["age", "group"])
    assert "--sensitive" in str(caught.value)
    schema = infer_schema(real, roles={"group": Role.SENSITIVE})
    with pytest.raises(InvalidParameterError, match="both the target"):
        evaluate(real, real, schema=schema, target="group")


def test_a_bad_quasi_identifier_names_both_ways_to_give_it() -> None:
    real = _frame()
    with pytest.raises(InvalidParameterError) as caught:
        evaluate(real, real, quasi_identifiers=["nosuch"])
    text = str(caught.value)
    assert "quasi-identifier column 'nosuch'" in text
    assert "quasi_identifiers=[...]" in text and "--quasi-identifier" in text
    assert "The quasi_identifiers column" not in text


def test_caps_are_reported_as_notes() -> None:
    real = _frame(2000)
    report = evaluate(real, _frame(2000, seed=1), metrics=["detection"],
                      limits=Limits(model_rows=500))
    assert report["detection"].details["rows_per_side"] == 500
    assert any("500 of the 2,000" in note for note in report.info["notes"])


def test_progress_sees_one_task_per_metric(tmp_path) -> None:
    seen: list[str] = []

    class Recorder:
        def start(self, task: str, total: int | None = None) -> None:
            seen.append(task)

        def advance(self, n: int = 1) -> None:
            pass

        def finish(self) -> None:
            pass

    real = _frame()
    evaluate(real, real, metrics=["column_shapes", "pair_trends"], progress=Recorder())
    assert seen == ["column_shapes", "pair_trends"]
    seen.clear()  # files given by path: each is read under a task first
    real.to_csv(tmp_path / "real.csv", index=False)
    evaluate(tmp_path / "real.csv", tmp_path / "real.csv", metrics=["column_shapes"],
             progress=Recorder())
    assert seen == ["read MB", "read MB", "column_shapes"]


def test_columns_and_pairs_are_steps_of_their_checks() -> None:
    # column_shapes sat at 0/1 for 1:30 on a million rows: its columns are its steps now
    from tests.synth._progress import ProgressRecorder

    real = _frame()
    real["score"] = real["income"] / 1000
    recorder = ProgressRecorder()
    evaluate(real, _frame(seed=1).assign(score=1.0), progress=recorder, metrics=[
        "column_shapes", "pair_trends", "mutual_information", "tstr"])
    tasks: dict[str, tuple[int | None, list[int]]] = {}
    for kind, value in recorder.calls:
        if kind == "start":
            name, total = value
            tasks[name] = (total, [])
        elif kind == "advance":
            tasks[name][1].append(value)
    assert tasks == {"column_shapes": (4, [1, 1, 1, 1]),  # a column at a time
                     "pair_trends": (6, [1] * 6), "mutual_information": (6, [1] * 6),
                     "tstr": (1, [1])}  # skipped (no holdout): one step


def test_hundreds_of_columns_raise_no_numpy_or_pandas_warning() -> None:
    # modeldata::hepatic_injury_qsar (378 columns): the joint table's cell count overflowed
    # float64 and numpy warned (the suite turns warnings into errors)
    rng = np.random.default_rng(0)
    real = pd.DataFrame(rng.integers(0, 3, (120, 320)), columns=[f"c{i}" for i in range(320)])
    synthetic = pd.DataFrame(rng.integers(0, 3, (120, 320)), columns=real.columns)
    result = evaluate(real, synthetic, metrics=["hellinger"])
    assert result is not None


def test_pyarrow_timestamps_with_a_zone_are_evaluated() -> None:
    # stamps_to_seconds handled only DatetimeTZDtype: pandas refused the arrow zone
    rng = np.random.default_rng(0)
    n = 200
    stamps = pd.date_range("2024-01-01", periods=2 * n, freq="h", tz="Europe/Berlin")
    arrow = "timestamp[us, tz=Europe/Berlin][pyarrow]"
    real = pd.DataFrame({"x": rng.normal(size=n),
                         "at": pd.array(stamps[:n], dtype=arrow)})
    synthetic = pd.DataFrame({"x": rng.normal(size=n),
                              "at": pd.array(stamps[n // 2:n // 2 + n], dtype=arrow)})
    report = evaluate(real, synthetic, metrics=["column_shapes"])
    value = report.value("column_shapes")
    assert value is not None and 0.0 < value < 1.0
