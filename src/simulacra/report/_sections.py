"""The page's sections: header, scorecard, one section per family, notes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from simulacra.evaluation import (
    NOT_MEASURED,
    Check,
    Family,
    FamilyVerdict,
    Goal,
    MetricResult,
    Report,
    missing_reason,
)
from simulacra.report import _fidelity, _modelling, _privacy
from simulacra.report._blocks import View, generic
from simulacra.report._html import (
    Html,
    Num,
    badge,
    cat,
    el,
    fmt,
    kv_table,
    mapping,
    points,
    rule_text,
    table,
)
from simulacra.report._names import NAME_WIDTH

VIEWS: dict[str, View] = {**_fidelity.VIEWS, **_modelling.VIEWS, **_privacy.VIEWS}

TITLES = {
    "column_shapes": "Column shapes",
    "missing_values": "Missing values",
    "category_coverage": "Category coverage",
    "range_coverage": "Range coverage",
    "pair_trends": "Pair trends",
    "mutual_information": "Mutual information",
    "hellinger": "Multivariate Hellinger distance",
    "detection": "Detection",
    "tstr": "Train on synthetic, test on real (TSTR)",
    "importance_agreement": "Feature importance agreement",
    "exact_copies": "Exact copies",
    "dcr": "Distance to closest record (DCR)",
    "pii_overlap": "PII overlap",
    "membership_inference": "Membership inference",
    "singling_out": "Singling out",
    "linkability": "Linkability",
    "attribute_inference": "Attribute inference",
    "representation": "Subgroup representation",
    "fairness_gap": "Fairness gaps",
}
FAMILY_TITLES = {Family.FIDELITY: "Fidelity", Family.UTILITY: "Utility",
                 Family.PRIVACY: "Privacy", Family.FAIRNESS: "Fairness"}
FAMILY_QUESTIONS = {
    Family.FIDELITY: "Does the synthetic data look like the real data?",
    Family.UTILITY: "Do models trained on it work on real data?",
    Family.PRIVACY: "Does it give away the records it was trained on?",
    Family.FAIRNESS: "Are groups represented and treated as in the real data?",
}


def title(name: str) -> str:
    """A metric's display name."""
    return TITLES.get(name, name.replace("_", " ").capitalize())


# -- header -------------------------------------------------------------------------------

def header(report: Report) -> Html:
    info = report.info
    rows = mapping(info.get("rows"))
    facts = [
        ("real rows", rows.get("real")), ("synthetic rows", rows.get("synthetic")),
        ("holdout rows", rows.get("holdout", "none")),
        ("columns evaluated", len(mapping(info.get("columns"))) or None),
        ("target", info.get("target") or "none"),
        ("sensitive", ", ".join(_strings(info.get("sensitive"))) or "none"),
        ("seed", None if info.get("seed") is None else str(info["seed"])),
        ("simulacra", info.get("simulacra_version")),
        ("date", _date(info.get("date"))),
        ("evaluated in", None if info.get("seconds") is None else f"{fmt(info['seconds'])} s"),
    ]
    items = [el("div", el("dt", k), el("dd", v)) for k, v in facts if v is not None]
    name = info.get("table") or "table"
    return el("header", el("div", el("p", "Synthetic data evaluation", class_="eyebrow"),
                           el("h1", name), el("dl", *items, class_="facts"), class_="wrap"),
              class_="top")


def _date(value: Any) -> str | None:
    if value is None:
        return None
    try:
        stamp = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    zone = " UTC" if stamp.utcoffset() == timedelta(0) else ""
    return stamp.strftime("%Y-%m-%d %H:%M") + zone


def nav(report: Report) -> Html:
    links = [("scorecard", "Scorecard"), *((f.value, FAMILY_TITLES[f]) for f in Family),
             ("notes", "Notes")]
    return el("nav", el("div", *(el("a", text, href=f"#{anchor}") for anchor, text in links),
                        class_="wrap"))


# -- scorecard ----------------------------------------------------------------------------

def scorecard(report: Report, verdicts: list[FamilyVerdict]) -> Html:
    cards = [_family_card(report, v) for v in verdicts]
    intro = el("p", "Each family's verdict is its worst check. The thresholds used are listed "
               "under every check; a check is not measured when its metric was skipped or "
               "not run.", class_="muted")
    return el("section", el("h2", "Scorecard"), intro, el("div", *cards, class_="scorecard"),
              id="scorecard")


def _family_card(report: Report, verdict: FamilyVerdict) -> Html:
    family = verdict.family
    head = el("div", el("h3", el("a", FAMILY_TITLES[family], href=f"#{family.value}")),
              badge(verdict.verdict), class_="fam-head")
    checks = [_check_row(report, c) for c in verdict.checks]
    return el("div", head, el("p", verdict.headline, class_="headline"),
              el("ul", *checks, class_="checks"),
              class_=f"family v-{_verdict_class(verdict.verdict)}", data_family=family.value)


def check_value(check: Check) -> Num:
    """A check's value in the unit of its rule: points for excess shares, allowances for DCR."""
    if check.metric in _POINTS:
        return points(check.value)
    if check.metric == "dcr":
        return Num(f"{fmt(check.value)} \u00d7 allowance")
    return Num(fmt(check.value))


#: Checks whose value is a difference of shares, judged in percentage points.
_POINTS = frozenset({"exact_copies", "pii_overlap"})


def _check_row(report: Report, check: Check) -> Html:
    shown: object = check_value(check) if check.value is not None else None
    reason = None
    if check.value is None:
        # Scorecards rebuilt from older JSON lack the reason: ask the result itself.
        reason = check.reason or missing_reason(report.get(check.metric))
    line = el("div", el("span", check.label, class_="check-label"),
              el("span", shown, class_="check-value") if shown is not None else None,
              badge(check.verdict), class_="check-line")
    return el("li", line, el("div", reason, class_="reason") if reason else None,
              el("div", rule_text(check.rule), class_="rule"), data_metric=check.metric)


def _verdict_class(verdict: str) -> str:
    return verdict if verdict in ("good", "fair", "poor") else "na"


# -- families -----------------------------------------------------------------------------

def family_section(report: Report, verdict: FamilyVerdict) -> Html:
    family = verdict.family
    checks = {c.metric: c for c in verdict.checks}
    results = report.family(family)
    head = el("div", el("h2", FAMILY_TITLES[family]), badge(verdict.verdict),
              class_="section-head")
    lead = el("p", FAMILY_QUESTIONS[family], " ", verdict.headline, class_="lead")
    if not results:
        body = el("p", f"No {family.value} metric was run.", class_="muted")
    else:
        body = el("div", *(metric_card(r, checks.get(r.name)) for r in results),
                  class_="cards")
    return el("section", head, lead, body, id=family.value)


def metric_card(result: MetricResult, check: Check | None) -> Html:
    """One metric: its value, verdict, description, notes, and its detail view."""
    head = el("div", el("h3", title(result.name)),
              el("span", fmt(result.value), class_="value") if not result.skipped else None,
              badge(check.verdict) if check is not None else None, class_="metric-head")
    parts = [head, el("p", _goal(result), class_="muted small")]
    if check is not None and check.value is not None:
        parts.append(el("p", "Scorecard check: ", check.label, " = ", check_value(check), " ",
                        badge(check.verdict), f" {rule_text(check.rule)}.", class_="rule"))
    parts.append(el("p", result.description, class_="description"))
    if result.skipped:
        parts.append(el("p", el("strong", "Skipped: "), result.skipped, class_="skipped"))
    elif result.value is None:
        why = missing_reason(result)
        parts.append(el("p", f"{why[0].upper()}{why[1:]}.", class_="skipped"))
    if result.notes:
        parts.append(el("ul", *(el("li", n) for n in result.notes), class_="notes"))
    if not result.skipped:
        parts.append(_body(result))
    view = VIEWS.get(result.name)
    wide = view is not None and view.wide and not result.skipped
    return el("article", *parts, class_="card metric wide" if wide else "card metric",
              id=f"metric-{result.name}", data_metric=result.name)


def _goal(result: MetricResult) -> str:
    if result.goal == Goal.TARGET:
        goal = f"closest to {fmt(result.ideal)} is best"
    else:
        goal = "higher is better" if result.goal == Goal.MAXIMIZE else "lower is better"
        if result.ideal is not None:
            goal += f"; ideal {fmt(result.ideal)}"
    return goal + (f"; computed in {result.seconds:.2f} s" if result.seconds else "")


def _body(result: MetricResult) -> Html:
    view = VIEWS.get(result.name, View(lambda _: Html("")))
    try:
        return el("div", view.body(result), generic(result, (*view.handles, NOT_MEASURED)),
                  class_="detail")
    except Exception as exc:  # a malformed detail must not take the whole page down
        return el("p", f"The detail of this metric could not be drawn ({type(exc).__name__}: "
                  f"{exc}).", class_="skipped")


# -- notes --------------------------------------------------------------------------------

def notes(report: Report, long_names: Mapping[str, str] | None = None) -> Html:
    info = report.info
    parts: list[object] = [el("h2", "Notes")]
    items = _strings(info.get("notes"))
    parts.append(el("ul", *(el("li", n) for n in items)) if items
                 else el("p", "No subsampling or other caveats were recorded.", class_="muted"))
    excluded: Mapping[str, Any] = mapping(info.get("excluded_columns"))
    if excluded:
        parts += [el("h3", "Columns not evaluated"),
                  table(("column", "reason"), list(excluded.items()))]
    limits = mapping(info.get("limits"))
    if limits:
        parts += [el("h3", "Row limits"),
                  kv_table((k.replace("_", " "), v) for k, v in limits.items())]
    qi = _strings(info.get("quasi_identifiers"))
    if qi:
        default = info.get("quasi_identifiers_given") is False
        parts.append(el("p", "Quasi-identifiers assumed known to an attacker",
                        " (by default, every compared column but the target and the sensitive"
                        " ones)" if default else "", ": ", ", ".join(qi), "."))
    parts.append(long_names_note(long_names or {}))
    return el("section", *parts, id="notes")


def long_names_note(forms: Mapping[str, str]) -> Html:
    """The full form of each column name the report shortened (each written once, here)."""
    if not forms:
        return Html("")
    return cat(el("h3", "Long column names"),
               el("p", f"Names longer than {NAME_WIDTH} characters are shortened everywhere "
                  "else in this report. In full:", class_="muted"),
               table(("shown as", "full name"), [(s, full) for full, s in forms.items()]))


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [str(value)]
