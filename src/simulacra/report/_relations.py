"""Views of one foreign key's results: integrity, cardinality histogram, trends, detection."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from simulacra.evaluation import MetricResult
from simulacra.report._blocks import real_synthetic_legend, rows_note, solo, sort_by
from simulacra.report._fidelity import detection
from simulacra.report._html import (
    Html,
    cat,
    el,
    fmt,
    kv_table,
    mapping,
    num,
    pct,
    records,
    shares,
    table,
)
from simulacra.report._sections import _goal
from simulacra.report._svg import REAL, SYNTHETIC, hbars, histogram

WORST_PAIRS = 12
TITLES = {"integrity": "Referential integrity", "cardinality": "Children per parent",
          "cardinality_trends": "Cardinality trends",
          "parent_child_trends": "Parent-child pair trends",
          "join_detection": "Detection on the join", "primary_key": "Primary key"}
_STATS = (("parents", "parents"), ("children", "children"), ("mean", "mean"),
          ("std", "standard deviation"), ("p10", "10th percentile"),
          ("median", "median"), ("p90", "90th percentile"), ("p99", "99th percentile"),
          ("max", "most"), ("childless_share", "childless parents"))


def card(result: MetricResult, *, wide: bool = False) -> Html:
    """One relationship metric: title, value, description, notes and its view."""
    head = el("div", el("h3", TITLES.get(result.name, result.name)),
              el("span", fmt(result.value), class_="value") if not result.skipped else None,
              class_="metric-head")
    parts: list[object] = [head, el("p", _goal(result), class_="muted small"),
                           el("p", result.description, class_="description")]
    if result.skipped:
        parts.append(el("p", el("strong", "Skipped: "), result.skipped, class_="skipped"))
    if result.notes:
        parts.append(el("ul", *(el("li", n) for n in result.notes[:8]), class_="notes"))
    if not result.skipped:
        parts.append(_body(result))
    return el("article", *parts, class_="card metric wide" if wide else "card metric",
              data_metric=result.name)


def _body(result: MetricResult) -> Html:
    view = VIEWS.get(result.name)
    if view is None:
        return Html("")
    try:
        return el("div", view(result), class_="detail")
    except Exception as exc:  # a malformed detail must not take the whole page down
        return el("p", f"The detail of this metric could not be drawn ({type(exc).__name__}: "
                  f"{exc}).", class_="skipped")


def integrity(result: MetricResult) -> Html:
    """Dangling and missing references on each side, and examples."""
    d = result.details
    sides = {side: mapping(d.get(side)) for side in ("real", "synthetic")}
    rows = [(name, *(sides[s].get(key) for s in sides)) for key, name in (
        ("child_rows", "child rows"), ("null", "missing references"),
        ("dangling", "dangling references"), ("resolved_share", "resolved share"))]
    parts = [table(("", "real", "synthetic"), rows)]
    examples = records(d.get("dangling_examples"))
    if examples:
        parts += [el("h4", "Dangling synthetic references (examples)"),
                  table(tuple(examples[0]), [tuple(e.values()) for e in examples])]
    return cat(*parts)


def cardinality(result: MetricResult) -> Html:
    """The children-per-parent histogram, real against synthetic, and its summary."""
    d = result.details
    plot = mapping(d.get("plot"))
    edges = list(plot.get("edges") or [])
    bins = max(len(edges) - 1, 0)
    chart = histogram(edges, ("real", REAL, shares(plot.get("real"), bins)),
                      ("synthetic", SYNTHETIC, shares(plot.get("synthetic"), bins)),
                      label="Children per parent: real and synthetic", width=420,
                      height=190)
    real, syn = mapping(d.get("real")), mapping(d.get("synthetic"))
    rows = [(name, _stat(key, real.get(key)), _stat(key, syn.get(key)))
            for key, name in _STATS if key in real or key in syn]
    scores = kv_table([("KS complement", d.get("ks_complement")),
                       ("TV complement over the bins", d.get("tv_complement"))])
    return cat(real_synthetic_legend(),
               solo("Children per parent", chart, "share of parents per count"),
               scores, table(("", "real", "synthetic"), rows))


def _stat(key: str, value: Any) -> object:
    return pct(value) if key == "childless_share" else value


def pair_bars(pairs: list[Mapping[str, Any]], *, label: str) -> Html:
    """The worst pairs: their real and synthetic association side by side, and a table."""
    worst = sort_by(pairs, "score")[:WORST_PAIRS]
    if not worst:
        return el("p", "No pairs.", class_="muted")
    names = [f"{p.get('a')} \u00d7 {p.get('b')}" for p in worst]
    chart = hbars(names, [("real", REAL, [_value(p.get("real")) for p in worst]),
                          ("synthetic", SYNTHETIC, [_value(p.get("synthetic")) for p in worst])],
                  label=label, width=460)
    rows = [(p.get("a"), p.get("b"), p.get("metric"), p.get("real"), p.get("synthetic"),
             p.get("score")) for p in worst]
    return cat(real_synthetic_legend(),
               solo("Least kept pairs", chart,
                    "association: correlation, or Cramer's V for other pairs"),
               table(("parent side", "child side", "similarity", "real", "synthetic",
                      "score"), rows),
               rows_note(len(pairs), len(worst), "least kept pairs"))


def _value(value: Any) -> float:
    found = num(value)
    return float("nan") if found is None else found  # NaN is drawn as "n/a"


def parent_child_trends(result: MetricResult) -> Html:
    """Summary scores and the least kept (parent column, child column) pairs."""
    d = result.details
    pairs = records(d.get("pairs"))
    summary = kv_table([("pairs", len(pairs)),
                        ("strong pairs (real association \u2265 0.3)", d.get("strong_pairs")),
                        ("score over the strong pairs", d.get("strong_pairs_score"))])
    return cat(summary, pair_bars(pairs, label="Parent-child associations, real and synthetic"))


def cardinality_trends(result: MetricResult) -> Html:
    """Each parent column against the child count."""
    return pair_bars(records(result.details.get("pairs")),
                     label="Association of parent columns with the child count")


VIEWS: dict[str, Callable[[MetricResult], Html]] = {
    "integrity": integrity, "cardinality": cardinality,
    "cardinality_trends": cardinality_trends, "parent_child_trends": parent_child_trends,
    "join_detection": detection,
}
