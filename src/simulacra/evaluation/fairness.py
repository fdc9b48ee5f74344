"""Fairness: are the groups of sensitive columns represented and treated as in real data.

- :class:`Representation`: each group's share of the rows, real against synthetic;
- :class:`FairnessGap`: the gaps between groups in what models predict. The gradient-boosting
  models trained on real rows (TRTR) and on synthetic rows (TSTR) predict the holdout; for
  each sensitive column the demographic-parity and equalized-odds differences of both models
  are compared, and their ratio says whether the synthetic data widens the gap (bias
  amplification).

Numerical sensitive columns are compared in the context's equal-width bins (see
:meth:`EvalContext.bins`); a missing value is a group of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np

from simulacra.evaluation._context import CATEGORICAL, EvalContext
from simulacra.evaluation._metric import Family, Goal, Metric, MetricResult
from simulacra.evaluation._models import (
    CLASSIFICATION,
    GRADIENT_BOOSTING,
    Fitted,
    Problem,
    fitted,
    problem,
)
from simulacra.evaluation.utility import real_model_useless, short_holdout
from simulacra.schema import Kind

#: Groups with fewer holdout rows than this are left out of the model gaps (too noisy).
MIN_GROUP_ROWS = 20
#: Demographic-parity differences below this count as this much (no meaningful gap), so a
#: near-zero real gap does not blow the ratio up and two negligible gaps compare as 1.0.
MIN_GAP = 0.01
#: Bootstrap resamples of the holdout behind the amplification's 95% interval.
BOOTSTRAP = 200
_MISSING = "(missing)"


class Representation(Metric):
    """How closely the synthetic data keeps the share of each group of the sensitive columns.

    For each sensitive column, the total variation distance (TVD) between the group shares in
    the real and the synthetic data; the value is 1 - the largest TVD over the columns.
    """

    name = "representation"
    family = Family.FAIRNESS
    goal = Goal.MAXIMIZE
    ideal = 1.0
    requires = ("sensitive",)
    description = (
        "Are the groups of each sensitive column (for example each marital status or age "
        "band) as common in the synthetic data as in the real data? For each column, the "
        "total variation distance between the group shares is the part of the rows that "
        "would have to change group to match the real shares. The number is 1 minus the "
        "largest of these distances: 1.0 means every group keeps its exact share, 0.9 means "
        "10% of the synthetic rows sit in the wrong group for the worst column.")

    def measure(self, ctx: EvalContext) -> MetricResult:
        """Compare the group shares of every sensitive column."""
        columns = [_representation(ctx, column) for column in ctx.sensitive]
        worst = max(entry["tvd"] for entry in columns)
        return self.result(1.0 - worst, details={"columns": columns})


class FairnessGap(Metric):
    """Bias amplification: whether a model trained on synthetic data widens gaps between groups.

    For each sensitive column, the demographic-parity difference (spread of the positive-
    prediction rate over groups) of the synthetic-trained gradient-boosting model divided by
    that of the real-trained one, both on the holdout. The value is the largest ratio over
    the sensitive columns; 1.0 means the gap is unchanged.
    """

    name = "fairness_gap"
    family = Family.FAIRNESS
    goal = Goal.TARGET
    ideal = 1.0
    requires = ("holdout", "target", "sensitive")
    description = (
        "Does a model trained on the synthetic data treat groups more unequally than one "
        "trained on the real data? Both gradient-boosting models predict the holdout; for "
        "each sensitive column the demographic-parity difference is the gap between the "
        "groups with the highest and the lowest rate of positive predictions (the rarer "
        "class of a category target, or above the median of a numeric one). The number is "
        "the synthetic-trained model's gap divided by the real-trained model's gap, for the "
        "worst column: 1.0 means the synthetic data keeps the gap as it is, above 1 it widens "
        "it (1.5 = half as large again), below 1 it narrows it. The table adds the "
        "equalized-odds difference (the largest gap in true- or false-positive rates) and "
        "the gap in actual outcomes between groups in the real and the synthetic data.")

    def measure(self, ctx: EvalContext) -> MetricResult:
        """Compare the group gaps of the real- and synthetic-trained models on the holdout."""
        task = problem(ctx)
        if task.skipped:
            return self.skip(task.skipped)
        if short_holdout(ctx, task):
            return self.skip(short_holdout(ctx, task))
        notes = list(task.notes)
        trtr, tstr = (fitted(ctx, source, GRADIENT_BOOSTING) for source in ("real", "synthetic"))
        untrained = [m.note for m in (trtr, tstr) if not m.trained]
        if untrained:
            return self.unmeasured(untrained[0], notes=[*notes, *untrained, "Without both "
                                                        "models there is no gap to compare."])
        useless = real_model_useless(ctx, task, trtr)
        if useless:
            return self.unmeasured(useless, notes=[
                *notes, f"{useless[0].upper()}{useless[1:]}. Its gaps between groups are "
                "those of a guess, so there is nothing to amplify."])
        outcome = _outcome(ctx, task)
        notes.append(f"Positive outcome: {outcome.label}.")
        columns = [_column_gap(ctx, task, outcome, (trtr, tstr), column, notes)
                   for column in ctx.sensitive]
        measured = [c for c in columns if c["amplification"] is not None]
        worst = max(measured, key=lambda c: c["amplification"]) if measured else None
        details: dict[str, Any] = {"positive": outcome.label, "columns": columns}
        if worst is None:
            names = [repr(c["column"]) for c in columns]
            which = (f"{names[0]} has" if len(names) == 1
                     else f"{', '.join(names[:-1])} and {names[-1]} each have")
            return self.unmeasured(f"{which} fewer than two groups of at least "
                                   f"{MIN_GROUP_ROWS} holdout rows, so there is no gap to "
                                   "measure", details=details, notes=notes)
        # Small groups make the ratio noisy: the scorecard judges its interval's low end.
        details["amplification_ci"] = worst["amplification_ci"]
        return self.result(worst["amplification"], details=details, notes=notes)


# -- groups -----------------------------------------------------------------------------------

def group_labels(ctx: EvalContext, column: str) -> list[str]:
    """A label for each code of ``ctx.bins(..., column)``: the category or the value range."""
    if ctx.types[column] == CATEGORICAL:
        return [*ctx.categories[column], _MISSING]
    edges = ctx.bin_edges(column)
    step = float(np.min(np.diff(edges))) if len(edges) > 1 else 0.0
    shown = [format_value(ctx, column, e, step) for e in edges]
    if not shown:
        ranges = ["all values"]
    else:
        ranges = [f"< {shown[0]}",
                  *(f"{a} to {b}" for a, b in pairwise(shown)),
                  f">= {shown[-1]}"]
    unused = ctx.n_bins(column) - 1 - len(ranges)
    return [*ranges, *([""] * unused), _MISSING]


def format_value(ctx: EvalContext, column: str, value: float, step: float = 0.0) -> str:
    """A numerical value of ``column`` for a label: a date or time, or 4 significant digits.

    Datetimes (seconds since 1970) show days when ``step`` (the spacing of the values shown
    together) is a day or more, minutes when it is a minute or more, else seconds.
    """
    if ctx.table.column(column).kind != Kind.DATETIME:
        return f"{value:.4g}"
    if step >= 86_400:
        return str(np.datetime64(round(value / 86_400), "D"))
    if step >= 60:
        return str(np.datetime64(round(value / 60), "m"))
    return str(np.datetime64(round(value), "s"))


def _representation(ctx: EvalContext, column: str) -> dict[str, Any]:
    size = ctx.n_bins(column)
    real = np.bincount(ctx.bins("real", column), minlength=size) / ctx.n("real")
    synthetic = np.bincount(ctx.bins("synthetic", column), minlength=size) / ctx.n("synthetic")
    labels = group_labels(ctx, column)
    groups = [{"group": labels[g], "real_share": real[g], "synthetic_share": synthetic[g]}
              for g in np.flatnonzero((real > 0) | (synthetic > 0))]
    return {"column": column, "groups": groups,
            "tvd": float(0.5 * np.abs(real - synthetic).sum())}


# -- the positive outcome ---------------------------------------------------------------------

@dataclass(frozen=True)
class _Outcome:
    """What counts as a positive outcome of the target, in data and in predictions."""

    label: str
    positive_class: int | None
    median: float = 0.0

    def actual(self, ctx: EvalContext, role: str, target: str) -> tuple[np.ndarray, np.ndarray]:
        """Per-row positive outcome and whether the target is present, for all of ``role``."""
        if self.positive_class is not None:
            codes = ctx.codes(role, target)
            return codes == self.positive_class, codes >= 0
        values = ctx.numeric(role, target)
        present = np.isfinite(values)
        return present & (values > self.median), present

    def of(self, values: np.ndarray) -> np.ndarray:
        """Positive outcome of target labels or values (holdout truth or predictions)."""
        if self.positive_class is not None:
            return np.asarray(values == self.positive_class)
        return np.asarray(values > self.median)


def _outcome(ctx: EvalContext, task: Problem) -> _Outcome:
    real_y = task.train["real"].y
    if task.task != CLASSIFICATION:
        median = float(np.median(real_y))
        shown = format_value(ctx, task.target, median, step=86_400)
        return _Outcome(f"{task.target} above the real median {shown}", None, median)
    counts = np.bincount(real_y)
    seen = np.flatnonzero(counts)
    minority = int(seen[np.argmin(counts[seen])])
    name = task.class_name(ctx, minority)
    how = "" if len(seen) == 2 else " (one class against the rest)"
    return _Outcome(f"{task.target} = {name!r}, the rarer class in the real data{how}",
                    minority)


# -- gaps -------------------------------------------------------------------------------------

def _column_gap(ctx: EvalContext, task: Problem, outcome: _Outcome,
                models: tuple[Fitted, Fitted], column: str, notes: list[str]) -> dict[str, Any]:
    size = ctx.n_bins(column)
    labels = group_labels(ctx, column)
    groups = ctx.bins("holdout", column)[task.test.rows]
    counts = np.bincount(groups, minlength=size)
    eligible = counts >= MIN_GROUP_ROWS
    _note_small_groups(column, labels, counts, eligible, notes)
    truth = outcome.of(task.test.y)
    rates = {source: _group_rates(groups, size, truth, outcome.of(m.predicted))
             for source, m in zip(("trtr", "tstr"), models, strict=True)}
    entry: dict[str, Any] = {"column": column}
    for source, (positive, tpr, fpr) in rates.items():
        entry[f"dp_{source}"] = _spread(positive[eligible])
        entry[f"eo_{source}"] = _equalized_odds(tpr[eligible], fpr[eligible])
    for role in ("real", "synthetic"):
        entry[f"data_gap_{role}"] = _data_gap(ctx, role, task.target, outcome, column)
    entry["amplification"] = _amplification(entry["dp_trtr"], entry["dp_tstr"], column, notes)
    if entry["amplification"] is not None:
        entry["amplification_ci"] = _amplification_interval(
            ctx, groups, eligible, [outcome.of(m.predicted) for m in models])
    entry["groups"] = [
        {"group": labels[g], "n_holdout": int(counts[g]),
         **{f"{name}_{source}": values[g] for source, per_group in rates.items()
            for name, values in zip(("positive_rate", "tpr", "fpr"), per_group, strict=True)}}
        for g in np.flatnonzero(eligible)]
    return entry


def _group_rates(groups: np.ndarray, size: int, truth: np.ndarray, predicted: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group: positive-prediction rate, true-positive rate, false-positive rate (NaN: none)."""
    n = np.bincount(groups, minlength=size).astype(np.float64)
    actual_pos = np.bincount(groups, weights=truth, minlength=size)
    hits = np.bincount(groups, weights=predicted, minlength=size)
    true_pos = np.bincount(groups, weights=predicted & truth, minlength=size)
    false_pos = hits - true_pos
    with np.errstate(invalid="ignore", divide="ignore"):
        return hits / n, true_pos / actual_pos, false_pos / (n - actual_pos)


def _spread(rates: np.ndarray) -> float | None:
    defined = rates[np.isfinite(rates)]
    return float(defined.max() - defined.min()) if defined.size >= 2 else None


def _equalized_odds(tpr: np.ndarray, fpr: np.ndarray) -> float | None:
    spreads = [s for s in (_spread(tpr), _spread(fpr)) if s is not None]
    return max(spreads) if spreads else None


def _data_gap(ctx: EvalContext, role: str, target: str, outcome: _Outcome, column: str
              ) -> float | None:
    """Spread over groups (with enough rows) of the actual positive-outcome rate in ``role``."""
    positive, present = outcome.actual(ctx, role, target)
    groups = ctx.bins(role, column)[present]
    size = ctx.n_bins(column)
    n = np.bincount(groups, minlength=size)
    hits = np.bincount(groups, weights=positive[present], minlength=size)
    enough = n >= MIN_GROUP_ROWS
    return _spread(hits[enough] / n[enough])


def _amplification(trtr: float | None, tstr: float | None, column: str, notes: list[str]
                   ) -> float | None:
    if trtr is None or tstr is None:
        notes.append(f"{column}: fewer than two groups have {MIN_GROUP_ROWS} holdout rows, so "
                     "there is no gap to measure.")
        return None
    if trtr < MIN_GAP:
        notes.append(f"{column}: the real-trained model has almost no gap ({trtr:.3f}), so a "
                     f"ratio would be unstable; gaps under {MIN_GAP} count as {MIN_GAP} (no "
                     "meaningful gap), and the synthetic-trained model's gap "
                     f"({tstr:.3f}) is judged by how far it exceeds that.")
    return max(tstr, MIN_GAP) / max(trtr, MIN_GAP)


def _amplification_interval(ctx: EvalContext, groups: np.ndarray, eligible: np.ndarray,
                            predictions: list[np.ndarray]) -> list[float]:
    """95% bootstrap interval of the TSTR/TRTR demographic-parity ratio over holdout rows."""
    rng = ctx.rng("fairness_gap:bootstrap")
    n = groups.size
    weights = rng.multinomial(n, np.full(n, 1.0 / n), size=BOOTSTRAP).astype(np.float64)
    member = (groups[:, None] == np.flatnonzero(eligible)[None, :]).astype(np.float64)
    sizes = weights @ member
    spreads = []
    for predicted in predictions:
        with np.errstate(invalid="ignore", divide="ignore"):
            rates = (weights @ (member * predicted[:, None])) / sizes
        spreads.append(np.nanmax(rates, axis=1) - np.nanmin(rates, axis=1))
    ratios = np.maximum(spreads[1], MIN_GAP) / np.maximum(spreads[0], MIN_GAP)
    low, high = np.percentile(ratios, [2.5, 97.5])
    return [float(low), float(high)]


def _note_small_groups(column: str, labels: list[str], counts: np.ndarray,
                       eligible: np.ndarray, notes: list[str]) -> None:
    small = np.flatnonzero((counts > 0) & ~eligible)
    if small.size == 0:
        return
    shown = ", ".join(f"{labels[g]!r} ({counts[g]})" for g in small[:5])
    more = f" and {small.size - 5} more" if small.size > 5 else ""
    notes.append(f"{column}: groups with fewer than {MIN_GROUP_ROWS} holdout rows were left "
                 f"out of the model gaps: {shown}{more}.")
