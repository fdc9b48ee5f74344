"""Privacy views: exact copies, distance to closest record, membership and anonymeter risks."""

from __future__ import annotations

from typing import Any

from simulacra.evaluation import MetricResult
from simulacra.report._blocks import View, legend, solo
from simulacra.report._html import Html, Num, cat, el, fmt, kv_table, mapping, num, pct, shares
from simulacra.report._svg import GREY, REAL, SYNTHETIC, histogram, risk_chart

#: The colour of distances to training rows (holdout distances are blue).
TRAIN = "#805ad5"


def exact_copies(result: MetricResult) -> Html:
    d = result.details
    facts = kv_table([
        ("synthetic rows that copy a training row", pct(result.value, 2)),
        ("number of copies", d.get("count")),
        ("holdout rows found in the training data (baseline)", _pct_or_none(d, "holdout_rate")),
    ])
    return facts


def dcr(result: MetricResult) -> Html:
    d = result.details
    facts = kv_table([
        ("share of synthetic rows closer to train than to holdout", pct(result.value)),
        ("allowed noise above 50%", _pct_or_none(d, "allowance")),
        ("standard error", d.get("standard_error")),
        ("p-value (share > 50%)", d.get("p_value")),
        ("median distance to train", d.get("dcr_train_median")),
        ("median distance to holdout", d.get("dcr_holdout_median")),
    ])
    return cat(facts, _dcr_histogram(mapping(d.get("histogram"))))


def _dcr_histogram(data: Any) -> Html:
    edges = list(data.get("edges") or [])
    if len(edges) < 2:
        return Html("")
    train, holdout = _normalised(data.get("train")), _normalised(data.get("holdout"))
    chart = histogram(edges, ("closest holdout row", REAL, holdout),
                      ("closest training row", TRAIN, train),
                      label="Distances from synthetic rows to their closest real rows",
                      width=420, height=180)
    caption = ("If synthetic rows sat systematically closer to training rows than to holdout "
               "rows, the outline would lean left of the bars.")
    return cat(el("h4", "Distance to closest record"),
               legend(("to holdout rows", REAL), ("to training rows", TRAIN), style="line"),
               solo("Synthetic rows by distance", chart, caption))


def _normalised(values: Any) -> list[float]:
    out = shares(values)
    total = sum(out)
    return [v / total for v in out] if total > 1.5 else out


def _pct_or_none(details: Any, key: str) -> Num | None:
    return pct(details[key], 2) if num(details.get(key)) is not None else None


def membership_inference(result: MetricResult) -> Html:
    d = result.details
    advantage = num(d.get("advantage"))
    if advantage is None and result.value is not None:
        advantage = abs(2 * result.value - 1)
    facts = kv_table([("attack ROC AUC", result.value), ("membership advantage", advantage)])
    return facts


def anonymeter(result: MetricResult) -> Html:
    d = result.details
    ci = _interval(d.get("risk_ci"))
    rates = [("attack", num(d.get("attack_rate")), SYNTHETIC),
             ("control", num(d.get("control_rate")), REAL),
             ("baseline", num(d.get("baseline_rate")), GREY)]
    facts = kv_table([
        ("risk", result.value),
        ("95% interval", None if ci is None else f"{fmt(ci[0])} to {fmt(ci[1])}"),
        ("attack success (on training rows)", _pct_or_none(d, "attack_rate")),
        ("control success (on holdout rows)", _pct_or_none(d, "control_rate")),
        ("naive baseline success", _pct_or_none(d, "baseline_rate")),
    ])
    parts = [facts]
    if any(v is not None for _, v, _ in rates) or result.value is not None:
        chart = risk_chart(rates, result.value, ci, label=f"{result.name}: attack against "
                           "control and baseline")
        note = ("Risk is the attack's success beyond the control, scaled to what was left to "
                "gain; the interval is 95%.")
        parts.append(solo("Attack against control", chart, note))
    return cat(*parts)


def _interval(value: Any) -> tuple[float, float] | None:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        return None
    lo, hi = num(value[0]), num(value[1])
    return None if lo is None or hi is None else (lo, hi)


_RISK = View(anonymeter, ("risk", "attack_rate", "control_rate", "baseline_rate", "risk_ci"))
VIEWS = {
    "exact_copies": View(exact_copies, ("count", "holdout_rate")),
    "dcr": View(dcr, ("share", "allowance", "standard_error", "p_value", "dcr_train_median",
                      "dcr_holdout_median", "histogram")),
    "membership_inference": View(membership_inference, ("auc", "advantage")),
    "singling_out": _RISK,
    "linkability": _RISK,
    "attribute_inference": _RISK,
}
