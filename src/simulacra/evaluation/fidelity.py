"""Column-by-column fidelity: shapes, missing values, category and range coverage.

Column shapes follow SDMetrics' definitions (KS complement for numbers and datetimes, TV
complement for categories, both on the present values) so the numbers can be compared with
theirs; missing values are measured separately, because a column that is wrong only in how
often it is empty deserves its own line.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

from simulacra.evaluation._context import CATEGORICAL, NUMERICAL, EvalContext
from simulacra.evaluation._metric import Family, Goal, Metric, MetricResult
from simulacra.schema import Kind

#: Categories shown one by one in a marginal plot; the rest are pooled as "(other)".
PLOT_CATEGORIES = 20
PLOT_BINS = 30


class ColumnShapes(Metric):
    """How closely each column's distribution matches the real one."""

    name = "column_shapes"
    family = Family.FIDELITY
    goal = Goal.MAXIMIZE
    description = (
        "For each column, how closely the synthetic values are distributed like the real "
        "ones: 1 minus the Kolmogorov-Smirnov statistic for numbers and dates, 1 minus the "
        "total variation distance for categories (1 = identical, 0 = disjoint). The value is "
        "the mean over columns. The Wasserstein distance, in units of the real standard "
        "deviation, says how far numeric values moved.")

    def steps(self, ctx: EvalContext) -> int:
        """A step per column."""
        return len(ctx.columns)

    def measure(self, ctx: EvalContext) -> MetricResult:
        """Score each column's distribution."""
        rows: list[dict[str, Any]] = []
        plots: dict[str, Any] = {}
        notes = []
        for column in ctx.stepped(ctx.columns):
            if ctx.types[column] == NUMERICAL:
                real, syn = _present(ctx, "real", column), _present(ctx, "synthetic", column)
                row = {"column": column, "type": NUMERICAL, "metric": "KS complement",
                       "score": ks_complement(real, syn),
                       "wasserstein": _scaled_wasserstein(real, syn)}
                plots[column] = _numeric_plot(real, syn)
                if ctx.table.column(column).kind == Kind.DATETIME:
                    plots[column]["format"] = "datetime"  # seconds since 1970, UTC
            else:
                row = {"column": column, "type": CATEGORICAL, "metric": "TV complement",
                       "score": tv_complement(ctx.codes("real", column),
                                              ctx.codes("synthetic", column),
                                              len(ctx.categories[column]))}
                plots[column] = _category_plot(ctx, column)
            if row["score"] is None:
                empty_in_both = _missing_share(ctx, "real", column) == 1.0 == _missing_share(
                    ctx, "synthetic", column)
                row["score"] = 1.0 if empty_in_both else 0.0
                notes.append(f"{column!r}: empty in both; scored 1." if empty_in_both else
                             f"{column!r}: no present values on one side; scored 0.")
            rows.append(row)
        value = float(np.mean([r["score"] for r in rows]))
        return self.result(value, details={"columns": rows, "plots": plots}, notes=notes)


class MissingValues(Metric):
    """How closely each column's share of missing values matches the real one."""

    name = "missing_values"
    family = Family.FIDELITY
    goal = Goal.MAXIMIZE
    description = (
        "For each column, the share of empty cells in real and synthetic data. The value is 1 "
        "minus the mean absolute difference of those shares (1 = every column is as often "
        "empty as in the real data).")

    def measure(self, ctx: EvalContext) -> MetricResult:
        """Compare each column's share of missing values."""
        rows: list[dict[str, Any]] = []
        for column in ctx.columns:
            real, syn = _missing_share(ctx, "real", column), _missing_share(ctx, "synthetic",
                                                                            column)
            rows.append({"column": column, "real_share": real, "synthetic_share": syn,
                         "difference": syn - real})
        value = 1.0 - float(np.mean([abs(float(r["difference"])) for r in rows]))
        return self.result(value, details={"columns": rows})


class CategoryCoverage(Metric):
    """Share of the real categories that the synthetic data contains."""

    name = "category_coverage"
    family = Family.FIDELITY
    goal = Goal.MAXIMIZE
    description = (
        "For each categorical column, the share of the categories seen in the real data that "
        "also appear in the synthetic data; rare categories are the first to go missing. The "
        "value is the mean over categorical columns.")

    def measure(self, ctx: EvalContext) -> MetricResult:
        """Count the real categories the synthetic data contains."""
        rows = []
        for column in ctx.columns:
            if ctx.types[column] != CATEGORICAL:
                continue
            real = np.unique(_present_codes(ctx, "real", column))
            covered = np.isin(real, _present_codes(ctx, "synthetic", column)).sum()
            rows.append({"column": column, "real_categories": int(real.size),
                         "covered": int(covered),
                         "share": float(covered / real.size) if real.size else 1.0})
        if not rows:
            return self.skip("the table has no categorical column")
        value = float(np.mean([r["share"] for r in rows]))
        return self.result(value, details={"columns": rows})


class RangeCoverage(Metric):
    """How much of each numeric column's real range the synthetic values span."""

    name = "range_coverage"
    family = Family.FIDELITY
    goal = Goal.MAXIMIZE
    description = (
        "For each numeric or date column, the share of the real range [min, max] that the "
        "synthetic values also reach (1 = the synthetic data reaches both real extremes). "
        "The value is the mean over those columns.")

    def measure(self, ctx: EvalContext) -> MetricResult:
        """Measure how much of each real range is reached."""
        rows = []
        for column in ctx.columns:
            if ctx.types[column] != NUMERICAL:
                continue
            real, syn = _present(ctx, "real", column), _present(ctx, "synthetic", column)
            if real.size == 0:
                continue
            row: dict[str, Any] = {"column": column, "real_min": real.min(),
                                   "real_max": real.max()}
            row["synthetic_min"] = syn.min() if syn.size else None
            row["synthetic_max"] = syn.max() if syn.size else None
            row["coverage"] = _range_coverage(real, syn)
            rows.append(row)
        if not rows:
            return self.skip("the table has no numeric or date column")
        value = float(np.mean([r["coverage"] for r in rows]))
        return self.result(value, details={"columns": rows})


# -- the statistics, usable on plain arrays -----------------------------------------------

def ks_complement(real: np.ndarray, synthetic: np.ndarray) -> float | None:
    """1 - the two-sample Kolmogorov-Smirnov statistic (None when a side is empty)."""
    if real.size == 0 or synthetic.size == 0:
        return None
    # Only the statistic is used; "asymp" skips the exact p-value, which can fail and warn.
    return 1.0 - float(stats.ks_2samp(real, synthetic, method="asymp").statistic)


def tv_complement(real_codes: np.ndarray, synthetic_codes: np.ndarray,
                  n_categories: int) -> float | None:
    """1 - the total variation distance between the category frequencies (missing ignored)."""
    real = np.bincount(real_codes[real_codes >= 0], minlength=n_categories)
    syn = np.bincount(synthetic_codes[synthetic_codes >= 0], minlength=n_categories)
    if real.sum() == 0 or syn.sum() == 0:
        return None
    return 1.0 - 0.5 * float(np.abs(real / real.sum() - syn / syn.sum()).sum())


def _range_coverage(real: np.ndarray, synthetic: np.ndarray) -> float:
    if synthetic.size == 0:
        return 0.0
    low, high = float(real.min()), float(real.max())
    if high == low:
        return 1.0 if np.any(synthetic == low) else 0.0
    short = max(0.0, float(synthetic.min()) - low) + max(0.0, high - float(synthetic.max()))
    return float(np.clip(1.0 - short / (high - low), 0.0, 1.0))


def _scaled_wasserstein(real: np.ndarray, synthetic: np.ndarray) -> float | None:
    if real.size == 0 or synthetic.size == 0:
        return None
    spread = float(real.std())
    distance = float(stats.wasserstein_distance(real, synthetic))
    return distance / spread if spread > 0 else distance


def _present(ctx: EvalContext, role: str, column: str) -> np.ndarray:
    values = ctx.numeric(role, column)
    present: np.ndarray = values[~np.isnan(values)]
    return present


def _present_codes(ctx: EvalContext, role: str, column: str) -> np.ndarray:
    codes = ctx.codes(role, column)
    return codes[codes >= 0]


def _missing_share(ctx: EvalContext, role: str, column: str) -> float:
    if ctx.types[column] == NUMERICAL:
        return float(np.isnan(ctx.numeric(role, column)).mean())
    return float((ctx.codes(role, column) < 0).mean())


def _shares(counts: np.ndarray) -> np.ndarray:
    total = counts.sum()
    out: np.ndarray = counts / total if total else counts.astype(np.float64)
    return out


def _numeric_plot(real: np.ndarray, synthetic: np.ndarray) -> dict[str, Any]:
    if real.size == 0:
        return {"type": NUMERICAL, "edges": [], "real": [], "synthetic": []}
    edges = np.histogram_bin_edges(real, bins=min(PLOT_BINS, max(1, np.unique(real).size)))
    # Values beyond the real range are counted in the outer bins, so nothing disappears.
    clipped = np.clip(synthetic, edges[0], edges[-1])
    return {"type": NUMERICAL, "edges": edges,
            "real": _shares(np.histogram(real, bins=edges)[0]),
            "synthetic": _shares(np.histogram(clipped, bins=edges)[0])}


def _category_plot(ctx: EvalContext, column: str) -> dict[str, Any]:
    n = len(ctx.categories[column])
    real = _shares(np.bincount(_present_codes(ctx, "real", column), minlength=n))
    syn = _shares(np.bincount(_present_codes(ctx, "synthetic", column), minlength=n))
    labels = list(ctx.categories[column][:PLOT_CATEGORIES])
    real_shown, syn_shown = list(real[:PLOT_CATEGORIES]), list(syn[:PLOT_CATEGORIES])
    if n > PLOT_CATEGORIES:
        labels.append("(other)")
        real_shown.append(float(real[PLOT_CATEGORIES:].sum()))
        syn_shown.append(float(syn[PLOT_CATEGORIES:].sum()))
    return {"type": CATEGORICAL, "labels": labels, "real": real_shown, "synthetic": syn_shown}
