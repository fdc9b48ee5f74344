"""The result of an evaluation: every number, the scorecard, and JSON in and out."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from simulacra.errors import InvalidParameterError
from simulacra.evaluation._metric import (
    NOT_MEASURED,
    Family,
    MetricResult,
    clean_number,
    jsonable,
)
from simulacra.evaluation._overlap import NO_COLUMNS, NOTICEABLE
from simulacra.evaluation._validity import TOLERANCE, invalid_columns, part_score

REPORT_FORMAT = 1
GOOD, FAIR, POOR, UNKNOWN = "good", "fair", "poor", "not measured"
_RANK = {GOOD: 0, FAIR: 1, POOR: 2}


@dataclass(frozen=True)
class Check:
    """One scorecard test: a measured value against the thresholds that judge it."""

    metric: str
    label: str
    value: float | None
    verdict: str
    rule: str
    #: why there is no value ("skipped: ...", "not measured: ...", "not run"); else empty
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "label": self.label, "value": self.value,
                "verdict": self.verdict, "rule": self.rule, "reason": self.reason}


@dataclass(frozen=True)
class FamilyVerdict:
    """The verdict on one family: the worst of its checks, said in plain words."""

    family: Family
    verdict: str
    headline: str
    checks: tuple[Check, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"family": str(self.family), "verdict": self.verdict, "headline": self.headline,
                "checks": [c.to_dict() for c in self.checks]}


@dataclass(frozen=True)
class Report:
    """Everything an evaluation measured.

    Parameters
    ----------
    results
        One :class:`MetricResult` per metric, in report order (skipped ones included).
    info
        Context: versions, seed, row counts, evaluated and excluded columns, target,
        sensitive columns, subsampling notes, timings.
    """

    results: tuple[MetricResult, ...]
    info: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> MetricResult:
        for result in self.results:
            if result.name == name:
                return result
        raise KeyError(f"No metric {name!r} in this report. It has: "
                       f"{', '.join(r.name for r in self.results)}.")

    def get(self, name: str) -> MetricResult | None:
        """The result of metric ``name``, or None when the report lacks it."""
        return next((r for r in self.results if r.name == name), None)

    def __contains__(self, name: object) -> bool:
        return any(r.name == name for r in self.results)

    def value(self, name: str) -> float | None:
        """The headline value of metric ``name`` (None when skipped or absent)."""
        return self[name].value if name in self else None

    def family(self, family: Family | str) -> list[MetricResult]:
        """The results of one family."""
        return [r for r in self.results if r.family == Family(family)]

    def scorecard(self) -> list[FamilyVerdict]:
        """A verdict per family, from the thresholds in :data:`CHECKS`."""
        return [_family_verdict(self, family) for family in Family]

    def __repr__(self) -> str:
        """One line: the metrics and the scorecard (the dataclass's ran to 70 kB)."""
        verdicts = ", ".join(f"{v.family.value} {v.verdict}" for v in self.scorecard())
        return (f"Report({len(self.results)} metrics; {verdicts}; "
                ".summary() for the numbers, .to_dict() for everything)")

    def __str__(self) -> str:
        return self.summary()

    def summary(self) -> str:
        """A short plain-text summary: the scorecard and the headline numbers."""
        rows = self.info.get("rows", {})
        lines = [f"Evaluation of {_rows(rows.get('synthetic'), 'synthetic')} against "
                 f"{_rows(rows.get('real'), 'real')}"]
        for verdict in self.scorecard():
            lines.append(f"  {verdict.family.value:<9} {verdict.verdict:<13}"
                         f"{verdict.headline}")
        lines.append("")
        for result in self.results:
            shown = (f"{result.value:.4f}" if result.value is not None
                     else missing_reason(result))
            lines.append(f"  {result.name:<22} {shown}")
        validity = self.get("validity")
        if validity is not None and validity.value is not None:
            lines += validity_lines(validity)
        for note in self.info.get("notes", []):
            lines.append(f"  note: {note}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form: format version, info, scorecard and every result."""
        return {
            "simulacra_report": REPORT_FORMAT,
            "info": jsonable(self.info),
            "scorecard": [v.to_dict() for v in self.scorecard()],
            "results": [r.to_dict() for r in self.results],
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The report as JSON text."""
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        """Rebuild a report from :meth:`to_dict`'s output."""
        version = data.get("simulacra_report")
        if version != REPORT_FORMAT:
            raise InvalidParameterError(
                f"This is not a simulacra report of format {REPORT_FORMAT} (found "
                f"{version!r}). Re-run the evaluation with this version of simulacra.")
        return cls(tuple(MetricResult.from_dict(r) for r in data["results"]),
                   dict(data.get("info", {})))

    @classmethod
    def from_json(cls, text: str) -> Report:
        """Rebuild a report from :meth:`to_json`'s output."""
        return cls.from_dict(json.loads(text))


# -- the scorecard ------------------------------------------------------------------------

@dataclass(frozen=True)
class Threshold:
    """How one metric is judged: good and fair bounds on a score derived from its result."""

    metric: str
    family: Family
    label: str
    score: Callable[[MetricResult], float | None]
    good: float
    fair: float
    higher_is_better: bool
    rule: str
    #: the part of the result's details this check judges (validity's parts); a result
    #: without that part leaves the check off the scorecard
    part: str | None = None

    def judge(self, result: MetricResult | None) -> Check:
        value = None if result is None or result.value is None else self.score(result)
        value = clean_number(value)
        if value is None:
            return Check(self.metric, self.label, None, UNKNOWN, self.rule,
                         missing_reason(result))
        if self.higher_is_better:
            verdict = GOOD if value >= self.good else FAIR if value >= self.fair else POOR
        else:
            verdict = GOOD if value <= self.good else FAIR if value <= self.fair else POOR
        return Check(self.metric, self.label, value, verdict, self.rule)


def _value(result: MetricResult) -> float | None:
    return result.value


def _dcr_excess(result: MetricResult) -> float | None:
    # Share above 0.5 in units of the noise allowance (0.02 or two standard errors).
    allowance = result.details.get("allowance", 0.02)
    return None if result.value is None else (result.value - 0.5) / allowance


def _copy_excess(result: MetricResult) -> float | None:
    baseline = result.details.get("holdout_rate", 0.0) or 0.0
    return None if result.value is None else result.value - baseline


def _overlap_excess(result: MetricResult) -> float | None:
    # Beyond the noise allowance: real names repeat by chance at some rate.
    if result.value is None:
        return None
    return clean_number(result.details.get("excess_beyond_noise"))


def _folded_auc(result: MetricResult) -> float | None:
    # An AUC far below 0.5 is as telling as one far above: the classifier learnt to tell the
    # two apart, inverted (typically because synthetic rows repeat real ones).
    return None if result.value is None else 0.5 + abs(result.value - 0.5)


def _advantage(result: MetricResult) -> float | None:
    # Beyond what chance alone gives at this sample size (two standard errors of the AUC).
    if result.value is None:
        return None
    try:
        noise = 2 * 2 * (clean_number(result.details.get("standard_error")) or 0.0)
    except (TypeError, ValueError):
        noise = 0.0
    return max(0.0, abs(2 * result.value - 1) - noise)


def _risk_low(result: MetricResult, key: str = "risk_ci") -> float | None:
    # The lower end of the 95% interval: a risk that may well be 0 is not flagged.
    interval: Any = result.details.get(key)
    try:
        return float(interval[0])
    except (TypeError, ValueError, IndexError, KeyError):
        return result.value


def _part(name: str) -> Callable[[MetricResult], float | None]:
    return lambda result: part_score(result, name)


CHECKS: tuple[Threshold, ...] = (
    Threshold("validity", Family.FIDELITY, "key uniqueness", _part("key_uniqueness"), 1.0,
              1.0, True, "good: no primary key or unique id repeats (or is missing, for a "
              "primary key); else poor", part="key_uniqueness"),
    Threshold("validity", Family.FIDELITY, "values within the real range",
              _part("boundary_adherence"), 0.99, 0.95, True,
              f"good >= 0.99, fair >= 0.95 of each number or date column's values within the "
              f"real range widened by {TOLERANCE:.0%} of its width (worst column)",
              part="boundary_adherence"),
    Threshold("validity", Family.FIDELITY, "categories seen in the real data",
              _part("category_adherence"), 0.99, 0.95, True,
              "good >= 0.99, fair >= 0.95 of each category column's values are real "
              "categories (worst column)", part="category_adherence"),
    Threshold("column_shapes", Family.FIDELITY, "column shapes", _value, 0.90, 0.80, True,
              "good >= 0.90, fair >= 0.80 (mean KS / TV complement)"),
    Threshold("pair_trends", Family.FIDELITY, "pair trends", _value, 0.90, 0.80, True,
              "good >= 0.90, fair >= 0.80 (mean correlation / contingency similarity)"),
    Threshold("detection", Family.FIDELITY, "detection AUC", _folded_auc, 0.60, 0.75, False,
              "good within 0.40-0.60, fair within 0.25-0.75 (0.5: a classifier cannot tell "
              "them apart; far below 0.5: rows repeat real ones)"),
    Threshold("tstr", Family.UTILITY, "TSTR / TRTR", _value, 0.95, 0.85, True,
              "good >= 0.95, fair >= 0.85 of the real-trained model's score"),
    Threshold("importance_agreement", Family.UTILITY, "importance agreement", _value,
              0.80, 0.50, True, "good >= 0.80, fair >= 0.50 (Spearman rank correlation)"),
    Threshold("exact_copies", Family.PRIVACY, "exact copies beyond baseline", _copy_excess,
              0.001, 0.01, False,
              "good <= 0.1 points, fair <= 1 point above the holdout's own copy rate"),
    Threshold("pii_overlap", Family.PRIVACY, "id / PII values repeated beyond baseline",
              _overlap_excess, NOTICEABLE, 0.02, False,
              "good <= 0.5 points, fair <= 2 points above the holdout's share of values found "
              "in the training data, beyond two standard errors"),
    Threshold("dcr", Family.PRIVACY, "DCR share excess", _dcr_excess, 1.0, 2.5, False,
              "good <= 1, fair <= 2.5 allowances: the share of synthetic rows nearer a "
              "training row than a holdout row, above 0.5, in units of the noise allowance "
              "max(0.02, 2 standard errors)"),
    Threshold("membership_inference", Family.PRIVACY, "membership advantage", _advantage,
              0.05, 0.10, False, "good <= 0.05, fair <= 0.10 (advantage = 2 |AUC - 0.5|, "
              "less two standard errors of chance)"),
    Threshold("singling_out", Family.PRIVACY, "singling-out risk", _risk_low, 0.05, 0.10,
              False, "good <= 0.05, fair <= 0.10 (lower end of the 95% interval of the "
              "anonymeter-style risk above the control)"),
    Threshold("linkability", Family.PRIVACY, "linkability risk", _risk_low, 0.05, 0.10, False,
              "good <= 0.05, fair <= 0.10 (lower end of the 95% interval of the "
              "anonymeter-style risk above the control)"),
    Threshold("attribute_inference", Family.PRIVACY, "attribute-inference risk", _risk_low,
              0.05, 0.10, False, "good <= 0.05, fair <= 0.10 (lower end of the 95% interval "
              "of the risk above the control)"),
    Threshold("representation", Family.FAIRNESS, "subgroup representation", _value,
              0.95, 0.90, True, "good >= 0.95, fair >= 0.90 (1 - total variation of shares)"),
    Threshold("fairness_gap", Family.FAIRNESS, "bias amplification",
              lambda r: _risk_low(r, "amplification_ci"), 1.10, 1.25, False,
              "good <= 1.10, fair <= 1.25 (lower end of the 95% bootstrap interval of TSTR "
              "gap / TRTR gap; 1 = unchanged)"),
)

_GOOD_HEADLINES = {
    Family.FIDELITY: "Columns, pairs and the joint shape match the real data closely.",
    Family.UTILITY: "Models trained on it score nearly as well as on real data.",
    Family.PRIVACY: "No sign that synthetic rows expose training records.",
    Family.FAIRNESS: "Groups are represented and treated as in the real data.",
}

#: What a check rated fair or poor says about the synthetic data, for the family's headline.
_PROBLEMS = {
    "column_shapes": "single columns are distributed differently",
    "pair_trends": "columns relate to each other differently",
    "detection": "a classifier tells synthetic rows from real ones",
    "tstr": "models trained on it score below models trained on real data",
    "importance_agreement": "models trained on it rely on other features",
    "exact_copies": "synthetic rows repeat training rows more often than unseen rows do",
    "pii_overlap": "synthetic ids, personal data or text repeat real values more often than "
                   "unseen rows do",
    "dcr": "synthetic rows sit closer to training rows than to unseen ones",
    "membership_inference": "an attacker can tell training rows from unseen ones",
    "singling_out": "the synthetic rows help single out training records",
    "linkability": "the synthetic rows help link parts of training records",
    "attribute_inference": "the synthetic rows help guess training records' secret values",
    "representation": "group shares differ from the real data",
    "fairness_gap": "models trained on it widen gaps between groups",
}

_ADVICE = {(Family.PRIVACY, FAIR): " Review before sharing.",
           (Family.PRIVACY, POOR): " Do not share as is."}

#: Name the problems of at most this many checks; beyond, the headline names the checks only.
_MAX_PROBLEMS = 2


def _family_verdict(report: Report, family: Family) -> FamilyVerdict:
    checks = tuple(t.judge(report.get(t.metric)) for t in CHECKS
                   if t.family == family and not _not_applicable(report.get(t.metric))
                   and not _part_absent(t, report.get(t.metric)))
    measured = [c for c in checks if c.verdict != UNKNOWN]
    if not measured:
        return FamilyVerdict(family, UNKNOWN, _not_measured(report, checks), checks)
    verdict = max((c.verdict for c in measured), key=_RANK.__getitem__)
    return FamilyVerdict(family, verdict, _headline(report, family, verdict, checks), checks)


def _not_applicable(result: MetricResult | None) -> bool:
    """A check with nothing to look at (no id or PII column): left off the scorecard."""
    return result is not None and result.skipped == NO_COLUMNS


def _part_absent(threshold: Threshold, result: MetricResult | None) -> bool:
    """A validity part with no column to check (no key), or a report from before it."""
    if threshold.part is None:
        return False
    return result is None or result.skipped != "" or (
        result.value is not None and part_score(result, threshold.part) is None)


_PART_PROBLEMS = {
    "key uniqueness": ("key_uniqueness", "{} repeat{s} in synthetic rows"),
    "values within the real range": ("boundary_adherence",
                                     "{} hold{s} values far outside the real range"),
    "categories seen in the real data": ("category_adherence",
                                         "{} hold{s} categories the real data lacks"),
}


def _problem(report: Report, check: Check, verdict: str) -> str:
    """What a check rated fair or poor says; a detector inverted says what inverts it."""
    detection = report.get("detection") if check.metric == "detection" else None
    if detection is not None and detection.value is not None and detection.value < 0.5:
        # two copies of one table score AUC 0.12: each held-out row's twin is in the
        # training folds under the other label (QA sweep 11)
        return ("synthetic rows repeat real ones, so a classifier tells them apart inverted "
                "(AUC below 0.5; see exact copies)")
    result = report.get(check.metric)
    if check.metric == "validity" and result is not None and check.label in _PART_PROBLEMS:
        part, text = _PART_PROBLEMS[check.label]
        columns = invalid_columns(result, part)[:3]
        if columns:
            return text.format(_and([repr(c) for c in columns]),
                               s="" if len(columns) > 1 else "s")
    if check.metric == "membership_inference" and result is not None and \
            result.details.get("inverted"):
        return ("synthetic rows match the holdout, not the training data (attack AUC below "
                "0.5; were the real data and the holdout swapped, or the generator fitted on "
                "the holdout?)")
    if check.metric == "pii_overlap" and result is not None:
        columns = result.details.get("columns_flagged") or []
        if columns:
            return (f"synthetic values of {_and([repr(c) for c in columns])} repeat real ones "
                    "more often than unseen rows do")
    return _PROBLEMS.get(check.metric, f"rated {verdict}")


def _headline(report: Report, family: Family, verdict: str, checks: tuple[Check, ...]) -> str:
    """A short sentence naming the checks that set the verdict (the worst measured ones)."""
    if verdict == GOOD:
        unmeasured = [c.label for c in checks if c.verdict == UNKNOWN]
        if not unmeasured:
            return _GOOD_HEADLINES[family]
        return (f"Every measured check is good; {_and(unmeasured)} "
                f"{'was' if len(unmeasured) == 1 else 'were'} not measured.")
    worst = [c for c in checks if c.verdict == verdict]
    names = _and([c.label for c in worst])
    if len(worst) > _MAX_PROBLEMS:
        text = f"{names[0].upper()}{names[1:]} all rate {verdict}."
    else:
        problems = "; ".join(_problem(report, c, verdict) for c in worst)
        text = f"{names[0].upper()}{names[1:]}: {problems}."
    return text + _ADVICE.get((family, verdict), "")


def _not_measured(report: Report, checks: tuple[Check, ...]) -> str:
    results = (report.get(c.metric) for c in checks)
    reasons = list(dict.fromkeys(_why(r) for r in results if r is not None and _why(r)))
    return "Not measured: " + "; ".join(reasons) if reasons else "Not measured."


def missing_reason(result: MetricResult | None) -> str:
    """Why ``result`` has no value: "not run", "skipped: ..." or "not measured: ..."."""
    if result is None:
        return "not run"
    why = _why(result)
    if result.skipped:
        return f"skipped: {why}"
    return f"not measured: {why}" if why else "not measured"


def _why(result: MetricResult) -> str:
    if result.skipped:
        return result.skipped
    # Reports written before metrics named the reason: their last note tells it.
    return str(result.details.get(NOT_MEASURED) or (result.notes[-1] if result.notes else ""))


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _rows(n: object, role: str) -> str:
    """Row count with its noun: 1 synthetic row, 3,563 real rows, ? real rows (unknown)."""
    if isinstance(n, int):
        return f"{n:,} {role} row{'s' if n != 1 else ''}"
    return f"? {role} rows"


def validity_lines(result: MetricResult) -> list[str]:
    """The summary's lines on validity: each part's score and its invalid columns."""
    lines = []
    for label, (part, _) in _PART_PROBLEMS.items():
        score = part_score(result, part)
        if score is None:
            continue
        columns = invalid_columns(result, part)
        shown = f" ({_and([repr(c) for c in columns[:3]])}" + (
            " ..." if len(columns) > 3 else "") + ")" if columns else ""
        lines.append(f"  validity: {label:<33} {score:.4f}{shown}")
    return lines
