"""Fidelity views: column scores and marginals, coverage, pairs and heatmaps, joint, detection."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simulacra.evaluation import MetricResult
from simulacra.report._blocks import (
    View,
    figure,
    figure_grid,
    real_synthetic_legend,
    rows_note,
    solo,
    sort_by,
)
from simulacra.report._html import (
    Html,
    Num,
    cat,
    date_text,
    el,
    fmt,
    kv_table,
    mapping,
    num,
    pct,
    points,
    records,
    shares,
    short,
    table,
)
from simulacra.report._svg import (
    GREY,
    REAL,
    SYNTHETIC,
    hbars,
    heatmap,
    histogram,
    nice_ceiling,
    scale_legend,
)

#: Categories drawn per bar chart; the rest are summed into one "other" bar.
MAX_CATEGORIES = 12
WORST_ROWS = 10
#: Columns drawn in the association heatmaps: those whose associations changed most. Three
#: 300-column heatmaps were 13 of a 14.4 MB page (90,000 cells with a tooltip each).
MAX_HEATMAP_COLUMNS = 60


def column_shapes(result: MetricResult) -> Html:
    columns = sort_by(records(result.details.get("columns")), "score")
    rows = [(c.get("column"), c.get("type"), c.get("metric"), c.get("score"),
             c.get("wasserstein")) for c in columns]
    head = ("column", "type", "similarity", "score", "Wasserstein (real std)")
    plots = mapping(result.details.get("plots"))
    order = [str(c.get("column")) for c in columns if str(c.get("column")) in plots]
    order += [name for name in plots if name not in order]
    scores = {str(c.get("column")): c for c in columns}
    figures = [_marginal(name, mapping(plots[name]), scores.get(name, {})) for name in order]
    parts = [table(head, rows, scroll=len(rows) > 12)]
    if figures:
        parts += [el("h4", "Marginal distributions, least similar first"),
                  real_synthetic_legend(), figure_grid(figures, more="columns")]
    return cat(*parts)


def _marginal(name: str, plot: Mapping[str, Any], score: Mapping[str, Any]) -> Html:
    note = f"{score.get('metric', 'score')} {fmt(score.get('score'))}" if score else None
    label = f"Distribution of {name}: real and synthetic"
    if plot.get("type") == "categorical":
        labels, real, synthetic = _cap_categories(list(plot.get("labels") or []),
                                                  shares(plot.get("real")),
                                                  shares(plot.get("synthetic")))
        chart = hbars(labels, [("real", REAL, real), ("synthetic", SYNTHETIC, synthetic)],
                      label=label, percent=True)
    else:
        dates = plot.get("format") == "datetime"
        chart = histogram(list(plot.get("edges") or []),
                          ("real", REAL, shares(plot.get("real"))),
                          ("synthetic", SYNTHETIC, shares(plot.get("synthetic"))), label=label,
                          tick=date_text if dates else short)
    return figure(name, chart, note)


def _cap_categories(labels: list[Any], real: list[float], synthetic: list[float]
                    ) -> tuple[list[Any], list[float], list[float]]:
    n = max(len(labels), len(real), len(synthetic))
    labels = (labels + [f"#{i}" for i in range(len(labels), n)])[:n]
    real, synthetic = (real + [0.0] * n)[:n], (synthetic + [0.0] * n)[:n]
    if n <= MAX_CATEGORIES:
        return labels, real, synthetic
    keep = MAX_CATEGORIES - 1
    other = f"other ({n - keep})"
    return ([*labels[:keep], other], [*real[:keep], sum(real[keep:])],
            [*synthetic[:keep], sum(synthetic[keep:])])


def missing_values(result: MetricResult) -> Html:
    columns = records(result.details.get("columns"))
    present = [c for c in columns
               if (num(c.get("real_share")) or 0) > 0 or (num(c.get("synthetic_share")) or 0) > 0]
    if columns and not present:
        return el("p", f"None of the {len(columns)} columns has missing values in either table.",
                  class_="muted")
    rows = [(c.get("column"), pct(c.get("real_share")), pct(c.get("synthetic_share")),
             points(c.get("difference")))
            for c in sort_by(present, "difference", descending=True, absolute=True)]
    left_out = len(columns) - len(present)
    note = (el("p", f"{left_out} of the {len(columns)} columns have no missing values in "
               "either table and are not listed.", class_="muted") if left_out else None)
    return cat(table(("column", "missing in real", "missing in synthetic", "difference"), rows,
                     scroll=len(rows) > 12), note)


def category_coverage(result: MetricResult) -> Html:
    columns = sort_by(records(result.details.get("columns")), "share")
    rows = [(c.get("column"), c.get("real_categories"), c.get("covered"), pct(c.get("share")))
            for c in columns]
    return table(("column", "real categories", "in synthetic", "coverage"), rows,
                 scroll=len(rows) > 12)


def range_coverage(result: MetricResult) -> Html:
    columns = sort_by(records(result.details.get("columns")), "coverage")
    rows = [(c.get("column"), *(_data(c.get(k)) for k in
                                ("real_min", "real_max", "synthetic_min", "synthetic_max")),
             pct(c.get("coverage"))) for c in columns]
    return table(("column", "real min", "real max", "synthetic min", "synthetic max",
                  "coverage"), rows, scroll=len(rows) > 12)


def _data(value: Any) -> object:
    return Num(short(value)) if num(value) is not None else value


def pair_trends(result: MetricResult) -> Html:
    pairs = sort_by(records(result.details.get("pairs")), "score")
    parts = [_heatmaps(mapping(result.details.get("matrix")))]
    if pairs:
        rows = [(p.get("a"), p.get("b"), p.get("metric"), p.get("real"), p.get("synthetic"),
                 p.get("score")) for p in pairs[:WORST_ROWS]]
        parts += [el("h4", "Least similar pairs"),
                  table(("column A", "column B", "association", "real", "synthetic", "score"),
                        rows),
                  rows_note(len(pairs), min(len(pairs), WORST_ROWS), "least similar pairs")]
    return cat(*parts)


def _heatmaps(matrix: Mapping[str, Any]) -> Html:
    columns = list(matrix.get("columns") or [])
    real, synthetic = _square(matrix.get("real"), len(columns)), _square(
        matrix.get("synthetic"), len(columns))
    if len(columns) < 2:
        return Html("")
    diff = [[None if r is None or s is None else s - r for r, s in zip(rr, sr, strict=True)]
            for rr, sr in zip(real, synthetic, strict=True)]
    note = None
    if len(columns) > MAX_HEATMAP_COLUMNS:
        keep = _most_changed(diff, MAX_HEATMAP_COLUMNS)
        note = el("p", f"Drawn for the {len(keep)} of {len(columns):,} columns whose "
                  "associations changed most (the largest difference with any other column); "
                  f"the other {len(columns) - len(keep):,} are left out of the matrices. "
                  "Every pair's numbers are in the JSON report (this metric's matrix and "
                  "pairs); the least similar pairs are listed below.", class_="muted")
        columns = [columns[i] for i in keep]
        real, synthetic, diff = ([[m[i][j] for j in keep] for i in keep]
                                 for m in (real, synthetic, diff))
    worst = max((abs(v) for row in diff for v in row if v is not None), default=0.0)
    limit = min(1.0, nice_ceiling(max(worst, 0.1)))
    figures = [
        figure("Real", heatmap(columns, real, limit=1.0, label="Real associations")),
        figure("Synthetic", heatmap(columns, synthetic, limit=1.0,
                                    label="Synthetic associations")),
        figure("Difference", heatmap(columns, diff, limit=limit,
                                     label="Synthetic minus real associations"),
               "synthetic \u2212 real"),
    ]
    keys = el("div", el("span", "association", class_="muted"),
              scale_legend(1.0, label="Association scale from -1 to 1"),
              el("span", "difference", class_="muted"),
              scale_legend(limit, label=f"Difference scale from -{limit:g} to {limit:g}"),
              class_="scales")
    return cat(el("h4", "Association matrices (lower triangle; hover a cell for its value)"),
               note, el("div", *figures, class_="fig-grid heat"), keys)


def _most_changed(diff: list[list[float | None]], n: int) -> list[int]:
    """The ``n`` columns with the largest absolute difference to any other, in their order."""
    size = len(diff)
    change = [max((abs(v) for j in range(size) if j != i
                   for v in (diff[i][j], diff[j][i]) if v is not None), default=-1.0)
              for i in range(size)]
    ranked = sorted(range(size), key=lambda i: (-change[i], i))
    return sorted(ranked[:n])


def _square(value: Any, n: int) -> list[list[float | None]]:
    rows = list(value) if isinstance(value, (list, tuple)) else []
    out: list[list[float | None]] = []
    for i in range(n):
        row = rows[i] if i < len(rows) and isinstance(rows[i], (list, tuple)) else []
        out.append([num(row[j]) if j < len(row) else None for j in range(n)])
    return out


def mutual_information(result: MetricResult) -> Html:
    pairs = sort_by(records(result.details.get("pairs")), "difference", descending=True,
                    absolute=True)
    rows = [(p.get("a"), p.get("b"), p.get("real"), p.get("synthetic"), p.get("difference"))
            for p in pairs[:WORST_ROWS]]
    return cat(el("h4", "Pairs whose dependence changed most"),
               table(("column A", "column B", "real", "synthetic", "difference"), rows),
               rows_note(len(pairs), len(rows), "most changed pairs"))


def hellinger(result: MetricResult) -> Html:
    d = result.details
    joint: object = d.get("full_joint")
    if num(joint) is None:
        joint = d.get("full_joint_reason") or "not computed"
    facts = kv_table([("mean over column pairs", d.get("two_way")),
                      ("mean over column triples", d.get("three_way")),
                      ("full joint", joint)])
    worst = records(d.get("worst"))
    rows = [(" \u00d7 ".join(str(c) for c in w.get("columns") or []), w.get("distance"))
            for w in sort_by(worst, "distance", descending=True)[:WORST_ROWS]]
    parts = [facts, _hellinger_baseline(d.get("baseline"))]
    if rows:
        parts += [el("h4", "Most different marginals"),
                  table(("columns", "Hellinger distance"), rows)]
    return cat(*parts)


def _hellinger_baseline(baseline: object) -> Html:
    """Real against holdout rows, and against as many synthetic rows: chance's share."""
    if not isinstance(baseline, dict):
        return Html("")
    rows = []
    for key, label in (("holdout", "real vs holdout"), ("synthetic", "real vs as many synthetic")):
        level = baseline.get(key)
        if isinstance(level, dict):
            rows.append((f"{label} ({baseline.get('rows', '?')} rows)", level.get("two_way"),
                         level.get("three_way")))
    if not rows:
        return Html("")
    return cat(el("h4", "Baseline: the distance chance alone gives at the holdout's size"),
               table(("comparison", "pairs", "triples"), rows))


def detection(result: MetricResult) -> Html:
    d = result.details
    folds = [fmt(v) for v in d.get("fold_aucs") or [] if num(v) is not None]
    parts = [kv_table([("ROC AUC", result.value),
                       ("per fold", ", ".join(folds) if folds else None)])]
    features = sort_by(records(d.get("features")), "importance", descending=True)[:WORST_ROWS]
    if features:
        chart = hbars([f.get("column") for f in features],
                      [("importance", GREY, [num(f.get("importance")) or 0.0 for f in features])],
                      label="Features the detector relied on", show_values=True, width=420)
        parts.append(solo("Most telling features", chart, "what gives synthetic rows away"))
    return cat(*parts)


VIEWS = {
    "column_shapes": View(column_shapes, ("columns", "plots"), wide=True),
    "missing_values": View(missing_values, ("columns",)),
    "category_coverage": View(category_coverage, ("columns",)),
    "range_coverage": View(range_coverage, ("columns",)),
    "pair_trends": View(pair_trends, ("pairs", "matrix"), wide=True),
    "mutual_information": View(mutual_information, ("pairs",)),
    "hellinger": View(hellinger, ("two_way", "three_way", "full_joint", "full_joint_reason",
                                  "worst", "baseline")),
    "detection": View(detection, ("fold_aucs", "features")),
}
