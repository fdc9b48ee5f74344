from __future__ import annotations

import json

import pytest

from simulacra.errors import InvalidParameterError
from simulacra.evaluation import NOT_MEASURED, Family, Goal, MetricResult, Report


def _result(name: str, family: Family, value: float | None, **details) -> MetricResult:
    return MetricResult(name, family, Goal.MAXIMIZE, value, f"what {name} means",
                        details=details)


def _report(**values) -> Report:
    families = {"column_shapes": Family.FIDELITY, "pair_trends": Family.FIDELITY,
                "detection": Family.FIDELITY, "tstr": Family.UTILITY,
                "dcr": Family.PRIVACY, "exact_copies": Family.PRIVACY,
                "membership_inference": Family.PRIVACY, "singling_out": Family.PRIVACY,
                "representation": Family.FAIRNESS, "fairness_gap": Family.FAIRNESS}
    results = []
    for name, value in values.items():
        if isinstance(value, MetricResult):
            results.append(value)
            continue
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


# -- headlines and unmeasured checks ------------------------------------------------------

NO_GAP = "'Date' has fewer than two groups of at least 20 holdout rows"


def _unmeasured_gap(**details) -> MetricResult:
    return MetricResult("fairness_gap", Family.FAIRNESS, Goal.TARGET, None, "gap",
                        details=details, notes=("Positive outcome: Cult = 'c39'.",
                                                "Date: fewer than two groups have 20 holdout "
                                                "rows, so there is no gap to measure."))


def _verdict(report: Report, family: str):
    return next(v for v in report.scorecard() if v.family.value == family)


def test_headline_names_the_check_that_set_the_verdict() -> None:
    # MASS::cabbages: representation alone is poor, the gap was never measured.
    report = _report(representation=0.875, fairness_gap=_unmeasured_gap(),
                     dcr=(0.51, {"allowance": 0.02}),
                     singling_out=(0.14, {"risk_ci": [0.06, 0.2]}))
    fairness = _verdict(report, "fairness")
    assert fairness.verdict == "poor"
    assert fairness.headline.startswith("Subgroup representation: ")
    assert "gap" not in fairness.headline and "widen" not in fairness.headline
    # reshape2::tips: DCR is good, singling-out is fair.
    privacy = _verdict(report, "privacy")
    assert privacy.verdict == "fair"
    assert privacy.headline.startswith("Singling-out risk: ")
    assert "closer" not in privacy.headline and "DCR" not in privacy.headline


def test_headline_names_every_check_at_the_worst_verdict() -> None:
    two = _verdict(_report(column_shapes=0.97, pair_trends=0.7, detection=0.9), "fidelity")
    assert two.verdict == "poor"
    assert two.headline.startswith("Pair trends and detection AUC: ")
    assert "column shapes" not in two.headline.lower()
    three = _verdict(_report(dcr=(0.7, {"allowance": 0.02}),
                             exact_copies=(0.3, {"holdout_rate": 0.0}),
                             membership_inference=0.9), "privacy")
    assert three.headline == ("Exact copies beyond baseline, DCR share excess and membership "
                              "advantage all rate poor. Do not share as is.")


def test_a_good_headline_claims_nothing_that_was_not_measured() -> None:
    report = _report(representation=0.99, fairness_gap=_unmeasured_gap())
    fairness = _verdict(report, "fairness")
    assert fairness.verdict == "good"
    assert fairness.headline == ("Every measured check is good; bias amplification was not "
                                 "measured.")
    complete = _verdict(_report(representation=0.99, fairness_gap=1.0), "fairness")
    assert complete.headline == "Groups are represented and treated as in the real data."


def test_an_unmeasured_check_gives_the_reason() -> None:
    named = _report(representation=0.99, fairness_gap=_unmeasured_gap(**{NOT_MEASURED: NO_GAP}))
    check = next(c for c in _verdict(named, "fairness").checks if c.metric == "fairness_gap")
    assert check.value is None and check.verdict == "not measured"
    assert check.reason == f"not measured: {NO_GAP}"
    assert check.to_dict()["reason"] == check.reason
    # A report saved before metrics named the reason: its last note says why.
    old = _report(fairness_gap=_unmeasured_gap())
    check = next(c for c in _verdict(old, "fairness").checks if c.metric == "fairness_gap")
    assert check.reason.startswith("not measured: Date: fewer than two groups")
    skipped = Report((MetricResult("tstr", Family.UTILITY, Goal.MAXIMIZE, None, "tstr",
                                   skipped="needs a target column"),))
    reasons = {c.metric: c.reason for c in _verdict(skipped, "utility").checks}
    assert reasons == {"tstr": "skipped: needs a target column",
                       "importance_agreement": "not run"}


def test_summary_gives_the_reason_instead_of_n_a() -> None:
    text = _report(fairness_gap=_unmeasured_gap(**{NOT_MEASURED: NO_GAP})).summary()
    assert "n/a" not in text
    assert f"fairness_gap           not measured: {NO_GAP}" in text
    assert "Not measured: " + NO_GAP in text  # the family's line
