"""Cardinality: how many children each parent has, and whether that follows the parent.

``cardinality`` compares the distribution of children per parent (real against synthetic):
1 - the Kolmogorov-Smirnov statistic, as SDMetrics' CardinalityShapeSimilarity, with the
total-variation complement over the histogram bins, mean and quantiles beside it.
``cardinality_trends`` asks whether the count keeps its relation with the parent's columns
(patients in a late stage come back less often): the pair-trend score of each parent column
with the count. Shuffling the counts among parents leaves the first at 1 and lowers the
second.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from simulacra.evaluation._metric import Family, Goal, MetricResult
from simulacra.evaluation._relation import SIDES, Relation, RelationMetric, pair_score
from simulacra.evaluation.fidelity import ks_complement

#: Most bars of a children-per-parent histogram; wider ranges use wider integer bins.
HISTOGRAM_BINS = 25
_QUANTILES = {"p10": 0.10, "p25": 0.25, "median": 0.50, "p75": 0.75, "p90": 0.90, "p99": 0.99}


class Cardinality(RelationMetric):
    """How closely the number of children per parent follows the real distribution."""

    name = "cardinality"
    family = Family.FIDELITY
    goal = Goal.MAXIMIZE
    description = (
        "For each parent row, the number of child rows that refer to it (childless parents "
        "count 0). The value is 1 minus the Kolmogorov-Smirnov statistic between the real "
        "and synthetic distributions of that number (1 = the same shape). Beside it: 1 minus "
        "the total variation distance over the histogram's bins, and the mean and quantiles "
        "of each side.")

    def measure_relation(self, relation: Relation) -> MetricResult:
        """Compare the children-per-parent distributions."""
        counts = {side: relation.links[side].children_per_parent() for side in SIDES}
        if min(c.size for c in counts.values()) == 0:
            return self.skip("a parent table has no rows")
        value = ks_complement(counts["real"].astype(np.float64),
                              counts["synthetic"].astype(np.float64))
        edges = count_edges(int(max(c.max() for c in counts.values())))
        shares = {side: _shares(np.histogram(counts[side], bins=edges)[0]) for side in SIDES}
        tv = 1.0 - 0.5 * float(np.abs(shares["real"] - shares["synthetic"]).sum())
        details: dict[str, Any] = {
            "ks_complement": value, "tv_complement": tv,
            **{side: count_summary(counts[side]) for side in SIDES},
            "plot": {"edges": edges, **shares},
        }
        return self.result(value, details=details)


class CardinalityTrends(RelationMetric):
    """Whether the number of children keeps its relation with the parent's columns."""

    name = "cardinality_trends"
    family = Family.FIDELITY
    goal = Goal.MAXIMIZE
    description = (
        "Whether the number of children of a parent depends on the parent's columns as in the "
        "real data: for each parent column, the pair-trend score of that column with the "
        "count (1 - |real correlation - synthetic correlation| / 2 for a numeric column, "
        "contingency similarity otherwise). The value is the mean over parent columns.")

    def measure_relation(self, relation: Relation) -> MetricResult:
        """Score each parent column against the child count."""
        ctx = relation.counts()
        if ctx is None or len(ctx.columns) < 2:
            return self.skip("the parent table has no column to compare with the count")
        count = relation.count_column
        pairs, notes = [], []
        for column in ctx.columns[:-1]:
            pair = pair_score(ctx, column, count)
            if pair is None:
                notes.append(f"{column!r} or the count is constant in the real data; left out.")
                continue
            pairs.append(pair)
        if not pairs:
            return self.skip("no parent column varies together with the count")
        value = float(np.mean([p["score"] for p in pairs]))
        return self.result(value, details={"count_column": count, "pairs": pairs},
                           notes=notes)


def count_edges(largest: int) -> np.ndarray:
    """Integer bin edges from 0 past ``largest``: one count per bin, or wider equal bins."""
    width = max(1, int(np.ceil((largest + 1) / HISTOGRAM_BINS)))
    out: np.ndarray = np.arange(0, largest + width + 1, width, dtype=np.int64)
    return out


def count_summary(counts: np.ndarray) -> dict[str, Any]:
    """Parents, children, mean, spread, quantiles and childless share of one side."""
    values = counts.astype(np.float64)
    return {
        "parents": int(counts.size), "children": int(counts.sum()),
        "mean": float(values.mean()), "std": float(values.std()),
        **{name: float(np.quantile(values, q)) for name, q in _QUANTILES.items()},
        "max": int(counts.max()), "childless_share": float((counts == 0).mean()),
    }


def _shares(counts: np.ndarray) -> np.ndarray:
    total = counts.sum()
    out: np.ndarray = counts / total if total else counts.astype(np.float64)
    return out
