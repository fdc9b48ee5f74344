from __future__ import annotations

import json

import pytest

from simulacra.errors import InvalidParameterError
from simulacra.evaluation import Family, Goal, MetricResult, Report


def _result(name: str, family: Family, value: float | None, **details) -> MetricResult:
    return MetricResult(name, family, Goal.MAXIMIZE, value, f"what {name} means",
                        details=details)


def _report(**values) -> Report:
    families = {"column_shapes": Family.FIDELITY, "pair_trends": Family.FIDELITY,
                "detection": Family.FIDELITY, "tstr": Family.UTILITY,
                "dcr": Family.PRIVACY, "exact_copies": Family.PRIVACY,
                "membership_inference": Family.PRIVACY, "fairness_gap": Family.FAIRNESS}
    results = []
    for name, value in values.items():
        details = value[1] if isinstance(value, tuple) else {}
        value = value[0] if isinstance(value, tuple) else value
        results.append(_result(name, families[name], value, **details))
    return Report(tuple(results), {"rows": {"real": 10, "synthetic": 10}, "notes": ["a note"]})


def _verdicts(report: Report) -> dict[str, str]:
    return {v.family.value: v.verdict for v in report.scorecard()}


def test_scorecard_takes_the_worst_check_of_each_family() -> None:
    good = _report(column_shapes=0.97, pair_trends=0.95, detection=0.55, tstr=0.97,
                   dcr=(0.51, {"allowance": 0.02}), exact_copies=(0.0, {"holdout_rate": 0.0}),
                   membership_inference=0.51, fairness_gap=1.02)
    assert _verdicts(good) == {"fidelity": "good", "utility": "good", "privacy": "good",
                               "fairness": "good"}
    leaky = _report(column_shapes=0.97, pair_trends=0.95, detection=0.9,
                    dcr=(0.63, {"allowance": 0.02}), exact_copies=(0.3, {"holdout_rate": 0.0}),
                    membership_inference=0.7)
    verdicts = _verdicts(leaky)
    assert verdicts["fidelity"] == "poor"  # detection 0.9 outweighs good column shapes
    assert verdicts["privacy"] == "poor"
    assert verdicts["utility"] == verdicts["fairness"] == "not measured"


def test_exact_copies_are_judged_against_the_holdout_baseline() -> None:
    coarse = _report(exact_copies=(0.45, {"holdout_rate": 0.4495}))
    assert _verdicts(coarse)["privacy"] == "good"
    copied = _report(exact_copies=(0.45, {"holdout_rate": 0.2}))
    assert _verdicts(copied)["privacy"] == "poor"


def test_every_check_shows_its_rule() -> None:
    report = _report(detection=0.7)
    check = next(c for v in report.scorecard() for c in v.checks if c.metric == "detection")
    assert check.verdict == "fair"
    assert "0.60" in check.rule and "0.75" in check.rule


def test_json_round_trip_keeps_every_number() -> None:
    report = _report(column_shapes=(0.9, {"columns": [{"column": "a", "score": 0.9}]}),
                     detection=None)
    text = report.to_json()
    data = json.loads(text)
    assert data["simulacra_report"] == 1
    assert {v["family"] for v in data["scorecard"]} == {"fidelity", "utility", "privacy",
                                                         "fairness"}
    again = Report.from_json(text)
    assert again.results == report.results
    assert again["column_shapes"].details["columns"][0]["score"] == 0.9


def test_nan_becomes_null_and_foreign_json_is_refused() -> None:
    report = _report(column_shapes=float("nan"))
    assert json.loads(report.to_json())["results"][0]["value"] is None
    with pytest.raises(InvalidParameterError, match="not a simulacra report"):
        Report.from_json('{"results": []}')


def test_lookup_and_summary() -> None:
    report = _report(column_shapes=0.91)
    assert report.value("column_shapes") == 0.91
    assert report.value("tstr") is None
    with pytest.raises(KeyError, match="column_shapes"):
        report["nope"]
    text = report.summary()
    assert "column_shapes" in text and "0.9100" in text and "a note" in text


def test_a_detection_auc_far_below_half_is_flagged_too() -> None:
    assert _verdicts(_report(detection=0.30))["fidelity"] == "fair"
    assert _verdicts(_report(detection=0.20))["fidelity"] == "poor"
    assert _verdicts(_report(detection=0.45))["fidelity"] == "good"
