"""evaluate on awkward inputs: empty columns, infinities, extra or repeated columns, other
spellings of the same values (QA16 items 1, 2, 9, 10, 11, 14, 15)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from simulacra.errors import DataValidationError
from simulacra.evaluation import evaluate
from simulacra.report import render_html


def _frame(n: int = 200, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 80, n).astype(float)
    return pd.DataFrame({
        "income": rng.normal(50, 10, n),
        "age": age,
        "city": rng.choice(["north", "south", "east"], n),
        "member": rng.choice([True, False], n),
        "joined": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, n), "D"),
        # learnable, so that TSTR is measured (a target at chance is not)
        "outcome": np.where(age + rng.normal(0, 8, n) > 48, "good", "bad"),
    })


def _notes(report: object) -> str:
    return " | ".join(report.info["notes"])  # type: ignore[attr-defined]


@pytest.mark.parametrize("role", ["real", "synthetic"])
@pytest.mark.parametrize("column", ["income", "joined"])
def test_an_empty_number_or_date_column_is_left_out_of_the_models(role: str,
                                                                  column: str) -> None:
    frames = {"real": _frame(), "synthetic": _frame(seed=1)}
    frames[role][column] = pd.NaT if column == "joined" else np.nan
    report = evaluate(frames["real"], frames["synthetic"], holdout=_frame(80, seed=2),
                      target="outcome", metrics=["tstr", "importance_agreement"])
    tstr = report["tstr"]
    assert tstr.value is not None
    assert any(f"{column!r} has no values in the {role} rows" in n for n in tstr.notes)


@pytest.mark.parametrize("role", ["real", "synthetic"])
@pytest.mark.parametrize("value", [np.inf, -np.inf])
def test_infinite_numbers_are_missing_values_with_a_note(role: str, value: float) -> None:
    frames = {"real": _frame(), "synthetic": _frame(seed=1)}
    frames[role].loc[[3, 7], "income"] = value
    report = evaluate(frames["real"], frames["synthetic"], holdout=_frame(80, seed=2),
                      metrics=["column_shapes", "detection", "range_coverage", "dcr"])
    notes = _notes(report)
    assert f"column 'income' holds {'-inf' if value < 0 else 'inf'} in 2 rows (rows 3, 7" in notes
    assert f"The {role} data" in notes
    assert all(r.value is None or np.isfinite(r.value) for r in report.results)
    render_html(report)  # the plots never see inf
    json.loads(report.to_json(), parse_constant=_refuse)  # no NaN or Infinity literal


def _refuse(literal: str) -> None:
    raise AssertionError(f"non-finite number {literal} in the JSON")


def test_extra_and_renamed_columns_are_listed_in_the_notes() -> None:
    syn = _frame(seed=1).assign(generator_id=1, **{"age.1": 3.0})
    report = evaluate(_frame(), syn, metrics=["column_shapes"])
    notes = _notes(report)
    assert "not compared: 'generator_id', 'age.1'" in notes
    assert "'age.1' looks like a repeated 'age' header" in notes
    assert "generator_id" in render_html(report)


def test_a_boolean_column_is_compared_by_truth_value() -> None:
    real, syn = _frame(), _frame(seed=1)
    expected = evaluate(real, syn, metrics=["column_shapes"])["column_shapes"].value
    for spelled in (syn["member"].astype(int), syn["member"].astype(str),
                    syn["member"].map({True: "yes", False: "no"})):
        again = evaluate(real, syn.assign(member=spelled), metrics=["column_shapes"])
        assert again["column_shapes"].value == pytest.approx(expected)
        assert "member" not in _notes(again)


def test_false_written_two_ways_is_one_value_when_the_real_data_has_no_false() -> None:
    real = pd.DataFrame({"member": [True] * 40, "x": np.arange(40.0)})
    mixed = real.assign(member=[True] * 20 + [False] * 10 + ["no"] * 10)
    report = evaluate(real, mixed, metrics=["column_shapes"])
    plot = report["column_shapes"].details["plots"]["member"]
    assert plot["labels"] == ["True", "False"]
    assert list(plot["synthetic"]) == pytest.approx([0.5, 0.5])


def test_categories_spelled_otherwise_are_noted_with_the_mapping() -> None:
    real, syn = _frame(), _frame(seed=1)
    syn["city"] = syn["city"].str.upper()
    syn["outcome"] = syn["outcome"].map({"good": 1, "bad": 0})
    real["flag"] = np.where(real["age"] > 50, "yes", "no")
    syn["flag"] = np.where(syn["age"] > 50, "True", "False")
    notes = _notes(evaluate(real, syn, metrics=["column_shapes"]))
    assert "column 'city' shares (almost) no values" in notes
    assert "map 'EAST' to 'east', 'NORTH' to 'north', 'SOUTH' to 'south'" in notes
    assert "map 'False' to 'no', 'True' to 'yes'" in notes
    assert "column 'outcome' shares (almost) no values" in notes
    assert "Check that both tables write the values the same way" in notes


def test_iso_dates_are_read_and_other_formats_name_the_real_one(tmp_path) -> None:
    real = pd.DataFrame({"day": ["1967-07-01", "1967-08-01", "1967-09-01"] * 10,
                         "x": np.arange(30.0)})
    real_path = tmp_path / "real.csv"
    real.to_csv(real_path, index=False)
    iso = real.assign(day=pd.to_datetime(real["day"]).dt.strftime("%Y-%m-%dT%H:%M:%S.000Z"))
    same = evaluate(real_path, real, metrics=["column_shapes"])["column_shapes"]
    again = evaluate(real_path, iso, metrics=["column_shapes"])["column_shapes"]
    assert again.value == same.value == 1.0
    epoch = real.assign(day=np.arange(30, dtype=np.int64) * 86400)
    with pytest.raises(DataValidationError) as caught:
        evaluate(real_path, epoch, metrics=["column_shapes"])
    text = str(caught.value)
    assert "not datetimes in the format %Y-%m-%d, such as 0 " in text
    assert "(the real data has dates such as '1967-07-01')" in text
    assert "np.int64" not in text
    assert "in the data in" not in text


def test_repeated_column_names_are_a_clear_error() -> None:
    real, syn = _frame(), _frame(seed=1)
    with pytest.raises(DataValidationError, match="more than one column named 'age'"):
        evaluate(real, pd.concat([syn, syn[["age"]]], axis=1), metrics=["column_shapes"])
    with pytest.raises(DataValidationError, match="the real data has more than one column"):
        evaluate(pd.concat([real, real[["age"]]], axis=1), syn, metrics=["column_shapes"])


def test_headers_differing_in_case_or_spaces_are_pointed_out() -> None:
    syn = _frame(seed=1).rename(columns={"income": "Income", "city": "city "})
    with pytest.raises(DataValidationError) as caught:
        evaluate(_frame(), syn, metrics=["column_shapes"])
    assert "'Income' for 'income', 'city ' for 'city'" in str(caught.value)


def test_summary_counts_rows_in_words_and_default_quasi_identifiers_are_listed() -> None:
    real = _frame()
    report = evaluate(real, _frame(seed=1).head(1), target="outcome", sensitive=["city"],
                      metrics=["column_shapes"])
    assert report.summary().startswith("Evaluation of 1 synthetic row against 200 real rows")
    assert report.info["quasi_identifiers"] == ["income", "age", "member", "joined"]
    assert report.info["quasi_identifiers_given"] is False
    assert "by default, every compared column" in render_html(report)
    given = evaluate(real, _frame(seed=1), quasi_identifiers=["age"], metrics=["column_shapes"])
    assert given.info["quasi_identifiers"] == ["age"]
    assert given.info["quasi_identifiers_given"] is True
