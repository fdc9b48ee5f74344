"""Pairwise fidelity: correlation and contingency similarity, mutual information.

Pair trends follow SDMetrics' Column Pair Trends: Pearson correlation similarity for two
numeric columns, contingency similarity (1 - total variation of the 2-D frequency table) for
every other pair, numbers binned into 10 equal-width bins over the real range.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from simulacra.evaluation._context import NUMERICAL, EvalContext
from simulacra.evaluation._metric import Family, Goal, Metric, MetricResult
from simulacra.evaluation._tables import Counts, joint_counts, too_few_rows, total_variation


class PairTrends(Metric):
    """How well the relations between pairs of columns are kept."""

    name = "pair_trends"
    family = Family.FIDELITY
    goal = Goal.MAXIMIZE
    description = (
        "For each pair of columns, how well the synthetic data keeps their relation: for two "
        "numeric columns 1 - |real correlation - synthetic correlation| / 2, for every other "
        "pair 1 minus the total variation distance between their joint frequency tables "
        "(numbers in 10 bins). The value is the mean over pairs (1 = every relation kept). "
        "The heatmaps show each pair's association (Pearson correlation, or Cramer's V).")

    def steps(self, ctx: EvalContext) -> int:
        """A step per pair of columns."""
        return _pairs_of(ctx)

    def measure(self, ctx: EvalContext) -> MetricResult:
        pairs: list[dict[str, Any]] = []
        notes = []
        for a, b in ctx.stepped(itertools.combinations(ctx.columns, 2)):
            if ctx.types[a] == NUMERICAL and ctx.types[b] == NUMERICAL:
                real, syn = (correlation(ctx, role, a, b) for role in ("real", "synthetic"))
                if real is None:
                    notes.append(f"{a!r} and {b!r}: a column is constant in the real data; "
                                 "pair left out.")
                    continue
                score = 1.0 - abs(real - (syn if syn is not None else 0.0)) / 2.0
                pairs.append({"a": a, "b": b, "metric": "correlation", "real": real,
                              "synthetic": syn, "score": score})
            else:
                score = contingency_similarity(ctx, a, b)
                pairs.append({"a": a, "b": b, "metric": "contingency",
                              "real": cramers_v(joint_counts(ctx, "real", (a, b)), ctx, a, b),
                              "synthetic": cramers_v(joint_counts(ctx, "synthetic", (a, b)),
                                                     ctx, a, b),
                              "score": score})
        if not pairs:
            return self.skip("the table has fewer than two comparable columns")
        value = float(np.mean([p["score"] for p in pairs]))
        details = {"pairs": pairs, "matrix": _matrix(ctx, pairs)}
        return self.result(value, details=details, notes=notes)


class MutualInformation(Metric):
    """How well the information each column carries about another is kept."""

    name = "mutual_information"
    family = Family.FIDELITY
    goal = Goal.MAXIMIZE
    description = (
        "For each pair of columns, their normalized mutual information (0 = independent, "
        "1 = one determines the other; numbers in 10 bins) in real and synthetic data. The "
        "value is 1 minus the mean absolute difference (1 = every dependence kept, linear or "
        "not).")

    def steps(self, ctx: EvalContext) -> int:
        """A step per pair of columns."""
        return _pairs_of(ctx)

    def measure(self, ctx: EvalContext) -> MetricResult:
        if too_few_rows(ctx):
            return self.skip(too_few_rows(ctx))
        pairs: list[dict[str, Any]] = []
        for a, b in ctx.stepped(itertools.combinations(ctx.columns, 2)):
            real = normalized_mi(joint_counts(ctx, "real", (a, b)), ctx.n_bins(b))
            syn = normalized_mi(joint_counts(ctx, "synthetic", (a, b)), ctx.n_bins(b))
            pairs.append({"a": a, "b": b, "real": real, "synthetic": syn,
                          "difference": syn - real})
        if not pairs:
            return self.skip("the table has fewer than two columns")
        value = 1.0 - float(np.mean([abs(float(p["difference"])) for p in pairs]))
        return self.result(value, details={"pairs": pairs})


def correlation(ctx: EvalContext, role: str, a: str, b: str) -> float | None:
    """Pearson correlation over rows where both are present (None if undefined)."""
    x, y = ctx.numeric(role, a), ctx.numeric(role, b)
    both = ~(np.isnan(x) | np.isnan(y))
    x, y = x[both], y[both]
    if x.size < 2 or x.std() == 0 or y.std() == 0:
        return None
    return float(np.corrcoef(x, y)[0, 1])


def contingency_similarity(ctx: EvalContext, a: str, b: str) -> float:
    """1 - total variation between the real and synthetic joint tables of ``a`` and ``b``."""
    return 1.0 - total_variation(joint_counts(ctx, "real", (a, b)),
                                 joint_counts(ctx, "synthetic", (a, b)))


def _marginals(table: Counts, n_b: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Joint probabilities of occupied cells and the marginal probability of each's row/col."""
    p = table.counts / max(table.total, 1)
    rows, cols = table.keys // n_b, table.keys % n_b
    p_row = np.bincount(rows, weights=p)
    p_col = np.bincount(cols, weights=p)
    return p, p_row[rows], p_col[cols]


def normalized_mi(table: Counts, n_b: int) -> float:
    """Mutual information divided by the geometric mean of the two entropies."""
    p, p_a, p_b = _marginals(table, n_b)
    mi = float(np.sum(p * np.log(p / (p_a * p_b))))
    rows, cols = table.keys // n_b, table.keys % n_b
    h_a = _entropy(np.bincount(rows, weights=p))
    h_b = _entropy(np.bincount(cols, weights=p))
    if h_a <= 0 or h_b <= 0:
        return 0.0
    return float(np.clip(mi / np.sqrt(h_a * h_b), 0.0, 1.0))


def cramers_v(table: Counts, ctx: EvalContext, a: str, b: str) -> float:
    """Cramer's V of a 2-D table (0 = independent, 1 = fully associated)."""
    n_b = ctx.n_bins(b)
    p, p_a, p_b = _marginals(table, n_b)
    phi2 = float(np.sum(p * p / (p_a * p_b))) - 1.0
    k = min(np.unique(table.keys // n_b).size, np.unique(table.keys % n_b).size)
    if k < 2:
        return 0.0
    return float(np.sqrt(np.clip(phi2 / (k - 1), 0.0, 1.0)))


def _entropy(p: np.ndarray) -> float:
    p = p[p > 0]
    return float(-np.sum(p * np.log(p)))


def _matrix(ctx: EvalContext, pairs: list[dict[str, Any]]) -> dict[str, Any]:
    """Association matrices for the heatmaps (diagonal 1, missing pairs 0)."""
    columns = ctx.columns
    index = {c: i for i, c in enumerate(columns)}
    real = np.eye(len(columns))
    syn = np.eye(len(columns))
    for pair in pairs:
        i, j = index[pair["a"]], index[pair["b"]]
        real[i, j] = real[j, i] = pair["real"] or 0.0
        syn[i, j] = syn[j, i] = pair["synthetic"] or 0.0
    return {"columns": columns, "real": real.round(4), "synthetic": syn.round(4)}


def _pairs_of(ctx: EvalContext) -> int:
    """The pairs of the evaluated columns (a progress step each)."""
    n = len(ctx.columns)
    return n * (n - 1) // 2
