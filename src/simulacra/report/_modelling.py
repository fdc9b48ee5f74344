"""Utility and fairness views: TSTR against TRTR, importances, subgroups and their gaps."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simulacra.evaluation import MetricResult
from simulacra.report._blocks import (
    View,
    figure,
    figure_grid,
    legend,
    real_synthetic_legend,
    solo,
    sort_by,
)
from simulacra.report._html import (
    Html,
    cat,
    el,
    fmt,
    kv_table,
    label,
    mapping,
    num,
    pct,
    points,
    record_table,
    records,
    table,
)
from simulacra.report._svg import REAL, SYNTHETIC, hbars

TOP_FEATURES = 10


def tstr(result: MetricResult) -> Html:
    d = result.details
    primary = d.get("primary")
    facts = kv_table([("task", d.get("task")), ("primary score", primary),
                      ("TSTR / TRTR on the primary score", result.value)])
    figures: list[Html] = []
    rows: list[tuple[object, ...]] = []
    for model in records(d.get("models")):
        name = str(model.get("model", "model"))
        scores = {str(k): mapping(v) for k, v in mapping(model.get("scores")).items()}
        rows += [(name, score, pair.get("trtr"), pair.get("tstr"),
                  model.get("ratio") if score == primary else None)
                 for score, pair in scores.items()]
        if scores:
            figures.append(_model_figure(name, scores, model.get("ratio")))
    if not figures:
        return facts
    return cat(facts, legend(("trained on real, tested on holdout (TRTR)", REAL),
                             ("trained on synthetic, tested on holdout (TSTR)", SYNTHETIC)),
               figure_grid(figures, more="models"),
               table(("model", "score", "TRTR", "TSTR", "TSTR / TRTR"), rows))


def _model_figure(name: str, scores: Mapping[str, Mapping[str, Any]], ratio: Any) -> Html:
    pairs = list(scores.values())
    chart = hbars(list(scores), [
        ("TRTR", REAL, [num(p.get("trtr")) or 0.0 for p in pairs]),
        ("TSTR", SYNTHETIC, [num(p.get("tstr")) or 0.0 for p in pairs])],
        label=f"{name}: scores trained on real and on synthetic, tested on real",
        show_values=True)
    return figure(name, chart, None if num(ratio) is None else f"TSTR / TRTR {fmt(ratio)}")


def importance_agreement(result: MetricResult) -> Html:
    features = records(result.details.get("features"))
    real_key, synth_key = _importance_keys(features)
    top = sort_by(features, real_key, descending=True)[:TOP_FEATURES]
    parts = [kv_table([("Spearman rank correlation", result.value)])]
    if top:
        chart = hbars([f.get("column", f.get("feature")) for f in top],
                      [("trained on real", REAL, [num(f.get(real_key)) or 0.0 for f in top]),
                       ("trained on synthetic", SYNTHETIC,
                        [num(f.get(synth_key)) or 0.0 for f in top])],
                      label="Feature importances of the real- and synthetic-trained models",
                      width=420)
        parts += [legend(("model trained on real", REAL),
                         ("model trained on synthetic", SYNTHETIC)),
                  solo("Most important features", chart),
                  el("h4", "All features"), record_table(features)]
    return cat(*parts)


def _importance_keys(features: list[Mapping[str, Any]]) -> tuple[str, str]:
    if any("importance_trtr" in f for f in features):
        return "importance_trtr", "importance_tstr"
    return "trtr", "tstr"


def representation(result: MetricResult) -> Html:
    columns = records(result.details.get("columns"))
    figures, rows = [], []
    for column in columns:
        name = column.get("column")
        groups = records(column.get("groups"))
        real = [num(g.get("real_share")) or 0.0 for g in groups]
        synth = [num(g.get("synthetic_share")) or 0.0 for g in groups]
        chart = hbars([g.get("group") for g in groups],
                      [("real", REAL, real), ("synthetic", SYNTHETIC, synth)],
                      label=f"Group shares of {name}", percent=True)
        figures.append(figure(name, chart, f"total variation {fmt(column.get('tvd'))}"))
        rows += [(name, g.get("group"), pct(g.get("real_share")),
                  pct(g.get("synthetic_share")), _difference(g)) for g in groups]
    if not columns:
        return Html("")
    return cat(real_synthetic_legend(), figure_grid(figures, more="columns"),
               table(("column", "group", "share in real", "share in synthetic", "difference"),
                     rows, scroll=len(rows) > 12))


def _difference(group: Mapping[str, Any]) -> object:
    real, synth = num(group.get("real_share")), num(group.get("synthetic_share"))
    return None if real is None or synth is None else points(synth - real)


_GAP_KEYS = ("dp_trtr", "dp_tstr", "eo_trtr", "eo_tstr", "data_gap_real",
             "data_gap_synthetic", "amplification")


def fairness_gap(result: MetricResult) -> Html:
    columns = records(result.details.get("columns"))
    if not columns:
        return Html("")
    head = ("column", *(label(k) for k in _GAP_KEYS))
    rows = [(c.get("column"), *(c.get(k) for k in _GAP_KEYS)) for c in columns]
    parts = [table(head, rows)]
    for column in columns:
        groups = records(column.get("groups"))
        if groups:
            parts += [el("h4", f"Groups of {column.get('column')}"), record_table(groups)]
    return cat(*parts)


VIEWS = {
    "tstr": View(tstr, ("task", "primary", "models"), wide=True),
    "importance_agreement": View(importance_agreement, ("features",)),
    "representation": View(representation, ("columns",), wide=True),
    "fairness_gap": View(fairness_gap, ("columns",), wide=True),
}
