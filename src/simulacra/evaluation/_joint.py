"""Multivariate fidelity: Hellinger distance over discretized joint distributions.

Column and pair scores can all look fine while three-way structure is lost (a rule that holds
only for one segment in one region, say). The Hellinger distance between real and synthetic
frequency tables of every 2- and 3-column combination, and of all columns at once where the
data is dense enough for that table to mean something, measures it directly.

Finite samples alone make two tables differ, so where a holdout is given the same distance
between real and holdout rows is reported as the baseline a perfect generator would score.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from simulacra.evaluation._context import EvalContext
from simulacra.evaluation._metric import Family, Goal, Metric, MetricResult
from simulacra.evaluation._tables import (
    cell_count,
    cell_keys,
    counts_of,
    hellinger,
    joint_counts,
    too_few_rows,
)

#: The full joint table is compared only when real rows fill it this densely on average.
MIN_ROWS_PER_CELL = 2.0
_WORST = 5


class Hellinger(Metric):
    """Hellinger distance of 2-way, 3-way and full joint distributions."""

    name = "hellinger"
    family = Family.FIDELITY
    goal = Goal.MINIMIZE
    ideal = 0.0
    description = (
        "The Hellinger distance (0 = identical, 1 = no overlap) between the real and "
        "synthetic joint distributions of every pair and every triple of columns (numbers in "
        "10 bins), and of all columns together where the real data is dense enough to "
        "estimate that table. The value is the mean over triples. Real samples differ by "
        "chance too: the baseline compares real rows with holdout rows, and with as many "
        "synthetic rows, so the two can be read side by side.")

    def measure(self, ctx: EvalContext) -> MetricResult:
        if too_few_rows(ctx):
            return self.skip(too_few_rows(ctx))
        columns = ctx.columns
        pairs: list[tuple[str, ...]] = list(itertools.combinations(columns, 2))
        triples, notes = _triples(ctx)
        two = _distances(ctx, "synthetic", pairs)
        three = _distances(ctx, "synthetic", triples)
        full, reason = _full_joint(ctx, "synthetic")
        details: dict[str, Any] = {
            "two_way": _mean(two), "three_way": _mean(three),
            "full_joint": full, "full_joint_reason": reason,
            "n_pairs": len(pairs), "n_triples": len(triples),
            "worst": _worst(pairs + triples, two + three),
        }
        if ctx.has("holdout") and too_few_rows(ctx, "holdout"):
            notes.append(f"No holdout baseline: {too_few_rows(ctx, 'holdout')}.")
        elif ctx.has("holdout"):
            # Distances shrink as samples grow: compare synthetic rows to the holdout at the
            # holdout's size, so the two numbers differ only in where the rows came from.
            rows = ctx.rows("synthetic", ctx.n("holdout"), "hellinger baseline")
            details["baseline"] = {
                "rows": ctx.n("holdout"),
                "holdout": {"two_way": _mean(_distances(ctx, "holdout", pairs)),
                            "three_way": _mean(_distances(ctx, "holdout", triples))},
                "synthetic": {"two_way": _mean(_subsample_distances(ctx, rows, pairs)),
                              "three_way": _mean(_subsample_distances(ctx, rows, triples))},
            }
        value = details["three_way"] if triples else details["two_way"]
        if value is None:
            return self.skip("the table has fewer than two comparable columns")
        return self.result(value, details=details, notes=notes)


def _triples(ctx: EvalContext) -> tuple[list[tuple[str, ...]], list[str]]:
    columns = ctx.columns
    n = len(columns) * (len(columns) - 1) * (len(columns) - 2) // 6
    cap = ctx.limits.triples
    if n <= cap:
        return list(itertools.combinations(columns, 3)), []
    # Draw index triples directly: enumerating every combination of a wide table is costly.
    rng = ctx.rng("hellinger:triples")
    chosen: set[tuple[int, ...]] = set()
    while len(chosen) < cap:
        chosen.add(tuple(sorted(rng.choice(len(columns), size=3, replace=False).tolist())))
    picked = [tuple(columns[i] for i in t) for t in sorted(chosen)]
    return picked, [f"hellinger: {cap} of the {n:,} column triples, drawn at random."]


def _distances(ctx: EvalContext, role: str, groups: list[tuple[str, ...]]) -> list[float]:
    return [hellinger(joint_counts(ctx, "real", g), joint_counts(ctx, role, g))
            for g in groups]


def _subsample_distances(ctx: EvalContext, rows: np.ndarray,
                         groups: list[tuple[str, ...]]) -> list[float]:
    return [hellinger(joint_counts(ctx, "real", g), counts_of(cell_keys(ctx, "synthetic", g)[rows],
                                                               _cells(ctx, g)))
            for g in groups]


def _full_joint(ctx: EvalContext, role: str) -> tuple[float | None, str]:
    columns = tuple(ctx.columns)
    real = joint_counts(ctx, "real", columns)
    density = real.total / real.keys.size
    if density < MIN_ROWS_PER_CELL:
        return None, (f"the real rows occupy {real.keys.size:,} distinct cells of the full "
                      f"joint table ({density:.1f} rows per cell, fewer than "
                      f"{MIN_ROWS_PER_CELL:g}), too sparse for a meaningful estimate")
    return hellinger(real, joint_counts(ctx, role, columns)), ""


def _cells(ctx: EvalContext, group: tuple[str, ...]) -> float:
    return cell_count(ctx.n_bins(c) for c in group)


def _mean(values: list[float]) -> float | None:
    return float(np.mean(values)) if values else None


def _worst(groups: list[tuple[str, ...]], distances: list[float]) -> list[dict[str, Any]]:
    order = np.argsort(distances)[::-1][:_WORST]
    return [{"columns": list(groups[i]), "distance": distances[i]} for i in order]
