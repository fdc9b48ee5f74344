"""Privacy metrics that compare rows: exact copies and distance to the closest record.

Both compare synthetic rows with training rows *and* with holdout rows: a real row the
generator never saw is the baseline for what closeness happens by chance. The attacks
(membership inference, singling out, linkability, attribute inference) live in
``_membership`` and ``_anonymeter``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from simulacra.evaluation._context import CATEGORICAL, EvalContext
from simulacra.evaluation._metric import Family, Goal, Metric, MetricResult
from simulacra.evaluation._neighbours import (
    MIN_HOLDOUT,
    nearest,
    normal_sf,
    reference_size,
    sample,
    small_holdout,
)

#: Significant digits numbers are compared to when looking for exact copies.
COPY_DIGITS = 9
#: Bins of the nearest-distance histograms in the report.
HISTOGRAM_BINS = 30
#: Smallest noise allowance of the DCR share around 0.5.
MIN_ALLOWANCE = 0.02


class ExactCopies(Metric):
    """Share of synthetic rows that are exact copies of a training row.

    Rows are compared on every evaluated column (numbers to nine significant digits, a
    missing value equal to a missing value) through 64-bit row hashes, so it runs on
    millions of rows without subsampling. The holdout's own copy rate is the baseline.
    """

    name = "exact_copies"
    family = Family.PRIVACY
    goal = Goal.MINIMIZE
    ideal = 0.0
    description = (
        "Share of synthetic rows identical, on every evaluated column, to a row of the "
        "training data. Some copies happen by chance when columns have few distinct "
        "values: the baseline is the holdout rate, the share of real rows the generator "
        "never saw that are identical to a training row. A rate clearly above that "
        "baseline means the generator memorized training records and replays them.")

    def measure(self, ctx: EvalContext) -> MetricResult:
        """Copy rates of synthetic and holdout rows against the training rows."""
        train = _row_hashes(ctx, "real")
        synthetic = _row_hashes(ctx, "synthetic")
        copied = np.isin(synthetic, train)
        details: dict[str, Any] = {
            "count": int(copied.sum()),
            "n_synthetic": len(synthetic),
            "distinct_training_rows_copied": int(np.unique(synthetic[copied]).size),
            "training_rows_reproduced_rate": float(np.isin(train, synthetic).mean()),
            "train_duplicates_rate": _duplicate_rate(train),
            "synthetic_duplicates_rate": _duplicate_rate(synthetic),
            "holdout_rate": None,
            "holdout_count": None,
        }
        notes: list[str] = []
        if ctx.has("holdout") and ctx.n("holdout") < MIN_HOLDOUT:
            notes.append(f"Only {ctx.n('holdout')} holdout rows (fewer than {MIN_HOLDOUT}): "
                         "no baseline for chance copies; compare with the training data's own "
                         "duplicate rate.")
        elif ctx.has("holdout"):
            holdout = np.isin(_row_hashes(ctx, "holdout"), train)
            details.update(holdout_rate=float(holdout.mean()), holdout_count=int(holdout.sum()))
        else:
            notes.append("No holdout data: no baseline for chance copies; compare with the "
                         "training data's own duplicate rate.")
        return self.result(float(copied.mean()), details=details, notes=notes)


def _row_hashes(ctx: EvalContext, role: str) -> np.ndarray:
    def build() -> np.ndarray:
        parts: dict[str, np.ndarray] = {}
        for j, column in enumerate(ctx.columns):
            if ctx.types[column] == CATEGORICAL:
                parts[f"c{j}"] = ctx.codes(role, column)
            else:
                parts[f"c{j}"] = _canonical(ctx.numeric(role, column))
        frame = pd.DataFrame(parts, copy=False)
        return pd.util.hash_pandas_object(frame, index=False).to_numpy()

    out: np.ndarray = ctx.cached(("privacy", "row_hashes", role), build)
    return out


def _canonical(values: np.ndarray) -> np.ndarray:
    """Numbers rounded to :data:`COPY_DIGITS` significant digits, one NaN, no negative 0."""
    out = np.array(values, dtype=np.float64)
    finite = np.isfinite(out) & (out != 0)
    magnitude = np.floor(np.log10(np.abs(out[finite])))
    scale = 10.0 ** (COPY_DIGITS - 1 - magnitude)
    out[finite] = np.round(out[finite] * scale) / scale
    out[np.isnan(out)] = np.nan
    return out + 0.0


def _duplicate_rate(hashes: np.ndarray) -> float:
    _, inverse, counts = np.unique(hashes, return_inverse=True, return_counts=True)
    return float((counts[inverse] > 1).mean())


class DistanceToClosestRecord(Metric):
    """DCR share: how often a synthetic row is closer to training than to holdout data.

    Each synthetic row's nearest neighbour is looked up in a random training subsample as
    large as the holdout and in the holdout (equal sizes, so a fresh sample from the same
    population scores 0.5). Ties count half. Also reports nearest distances, the nearest
    neighbour distance ratio (NNDR) and a one-sided test that the share exceeds 0.5.
    """

    name = "dcr"
    family = Family.PRIVACY
    goal = Goal.TARGET
    ideal = 0.5
    requires = ("holdout",)
    description = (
        "Distance to closest record (DCR): for each synthetic row, is its nearest real row "
        "in the training data or in the holdout? Training and holdout are compared at the "
        "same size, so a generator that learned only the population scores about 0.5: its "
        "rows are as close to records it never saw as to those it trained on. A share "
        "clearly above 0.5 means synthetic rows sit near specific training records. The "
        "details give the distances, the nearest-neighbour distance ratio (near 0: a row "
        "hugs one record) and the p-value of the share being above 0.5 by chance.")

    def measure(self, ctx: EvalContext) -> MetricResult:
        """The DCR share, its test, the distance summaries and the histogram."""
        if small_holdout(ctx, reference_size(ctx)):
            return self.skip(small_holdout(ctx, reference_size(ctx)))
        size = reference_size(ctx)
        synthetic = sample(ctx, "synthetic", ctx.limits.distance_rows)
        d_train = nearest(synthetic.points, sample(ctx, "real", size).points, k=2)[0]
        d_hold = nearest(synthetic.points, sample(ctx, "holdout", size).points, k=2)[0]
        score = np.where(d_train[:, 0] < d_hold[:, 0], 1.0,
                         np.where(d_train[:, 0] == d_hold[:, 0], 0.5, 0.0))
        share = float(score.mean())
        n = len(score)
        se = float(score.std(ddof=1) / math.sqrt(n)) if n > 1 else 0.0
        details: dict[str, Any] = {
            "share": share,
            "standard_error": se,
            "allowance": max(MIN_ALLOWANCE, 2 * se),
            "p_value": _p_above_half(share, se),
            "n_synthetic": n,
            "n_reference": size,
            "ties_rate": float((score == 0.5).mean()),
            **_summaries(d_train, d_hold),
            "histogram": _histogram(d_train[:, 0], d_hold[:, 0]),
        }
        notes = [f"Training rows: a random {size:,} of {ctx.n('real'):,}, as many as the "
                 f"holdout rows compared."] if size < ctx.n("real") else []
        return self.result(share, details=details, notes=notes)


def _p_above_half(share: float, se: float) -> float:
    if se > 0:
        return normal_sf((share - 0.5) / se)
    return 0.0 if share > 0.5 else 1.0


def _summaries(d_train: np.ndarray, d_hold: np.ndarray) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for side, dist in (("train", d_train), ("holdout", d_hold)):
        out[f"dcr_{side}_median"] = float(np.median(dist[:, 0]))
        out[f"dcr_{side}_p05"] = float(np.quantile(dist[:, 0], 0.05))
        if dist.shape[1] < 2:
            out[f"nndr_{side}_median"] = out[f"nndr_{side}_p05"] = None
            continue
        # A row at distance 0 from its nearest record has ratio 0, even when the second
        # nearest is also at 0 (a copy of a duplicated record).
        ratio = np.divide(dist[:, 0], dist[:, 1], out=np.zeros(len(dist)),
                          where=dist[:, 1] > 0)
        out[f"nndr_{side}_median"] = float(np.median(ratio))
        out[f"nndr_{side}_p05"] = float(np.quantile(ratio, 0.05))
    return out


def _histogram(d_train: np.ndarray, d_hold: np.ndarray) -> dict[str, list[Any]]:
    both = np.concatenate([d_train, d_hold])
    top = float(np.quantile(both, 0.99))
    if top <= 0:
        top = float(both.max()) or 1.0
    edges = np.linspace(0.0, top, HISTOGRAM_BINS + 1)
    # the last bin also holds the few distances beyond the 99th percentile
    train = np.histogram(np.minimum(d_train, top), bins=edges)[0]
    hold = np.histogram(np.minimum(d_hold, top), bins=edges)[0]
    return {"edges": [round(float(e), 6) for e in edges], "train": train.tolist(),
            "holdout": hold.tolist()}
