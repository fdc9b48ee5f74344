"""Rows as points, exact nearest neighbours, kernel densities and small statistics.

Shared by the privacy metrics. One encoding puts every row in the same space:

- numerical columns standardized by the real (training) mean and standard deviation, clipped
  to +-10 standard deviations, missing as 0 plus a 0/1 missing-indicator column;
- categorical columns one-hot over the ~30 most frequent real categories, one "other" and
  one "missing" column, scaled by 1/sqrt(2) so two different categories lie at distance 1,
  like one standard deviation of a number.

Nearest neighbours are found by chunked brute force (a matrix product per block of queries),
then their distances are recomputed from the coordinate differences, so an exact copy is at
distance exactly 0 and equal differences give bitwise-equal distances (ties are real ties).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata

from simulacra.evaluation._context import CATEGORICAL, EvalContext

#: Most frequent real categories that get their own one-hot column; the rest share "other".
TOP_CATEGORIES = 30
_CLIP = 10.0
_ONE_HOT = 1.0 / math.sqrt(2.0)
#: Entries of one block of the query-by-reference distance matrix (32 MiB of float64).
_BLOCK = 1 << 22
#: Fewest holdout rows a holdout-based metric is measured on. The holdout is the baseline of
#: every privacy check and the test set of the utility and fairness models; below this, one
#: or two rows decide the number (a 1-row holdout gave a singling-out risk of 0.2, "do not
#: share", and a TSTR ratio of 1.0), so the metric is skipped with this reason.
MIN_HOLDOUT = 20


@dataclass(frozen=True)
class _Scale:
    mean: float
    std: float
    indicator: bool


@dataclass(frozen=True)
class Encoder:
    """How the evaluated columns of one context become points: a block of columns each."""

    columns: tuple[str, ...]
    scales: dict[str, _Scale]
    blocks: dict[str, slice]

    @property
    def width(self) -> int:
        return max(int(s.stop) for s in self.blocks.values())

    def positions(self, columns: Sequence[str]) -> np.ndarray:
        """Matrix columns of ``columns`` (in the encoder's column order)."""
        chosen = [np.arange(self.blocks[c].start, self.blocks[c].stop)
                  for c in self.columns if c in set(columns)]
        return np.concatenate(chosen) if chosen else np.zeros(0, dtype=np.int64)


def encoder(ctx: EvalContext) -> Encoder:
    """The encoding of ``ctx`` (built once per context)."""
    out: Encoder = ctx.cached(("privacy", "encoder"), lambda: _build_encoder(ctx))
    return out


def _build_encoder(ctx: EvalContext) -> Encoder:
    roles = [r for r in ("real", "synthetic", "holdout") if ctx.has(r)]
    scales: dict[str, _Scale] = {}
    blocks: dict[str, slice] = {}
    start = 0
    for column in ctx.columns:
        if ctx.types[column] == CATEGORICAL:
            width = min(len(ctx.categories[column]), TOP_CATEGORIES) + 2
        else:
            values = ctx.numeric("real", column)
            present = values[~np.isnan(values)]
            mean = float(present.mean()) if present.size else 0.0
            std = float(present.std(ddof=1)) if present.size > 1 else 0.0
            missing = any(np.isnan(ctx.numeric(r, column)).any() for r in roles)
            scales[column] = _Scale(mean, std if std > 0 and math.isfinite(std) else 1.0,
                                    missing)
            width = 1 + int(missing)
        blocks[column] = slice(start, start + width)
        start += width
    return Encoder(tuple(ctx.columns), scales, blocks)


def points(ctx: EvalContext, role: str, rows: np.ndarray) -> np.ndarray:
    """The encoded rows ``rows`` of ``role`` as a float matrix (one row per point)."""
    enc = encoder(ctx)
    out = np.zeros((len(rows), enc.width), dtype=np.float64)
    for column in enc.columns:
        block = enc.blocks[column]
        if ctx.types[column] == CATEGORICAL:
            codes = ctx.codes(role, column)[rows]
            top = block.stop - block.start - 2
            slot = np.where(codes < 0, top + 1, np.minimum(codes, top))
            out[np.arange(len(rows)), block.start + slot] = _ONE_HOT
            continue
        scale = enc.scales[column]
        values = ctx.numeric(role, column)[rows]
        missing = np.isnan(values)
        z = np.clip((values - scale.mean) / scale.std, -_CLIP, _CLIP)
        out[:, block.start] = np.where(missing, 0.0, z)
        if scale.indicator:
            out[:, block.start + 1] = missing
    return out


def nearest(query: np.ndarray, reference: np.ndarray, k: int = 1,
            shuffle: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest reference rows of each query row (Euclidean).

    Returns distances and reference positions, both ``(len(query), k)``, nearest first.
    Ties go to the first reference row, or, when ``shuffle`` is given, to the first in one
    random order of the reference rows (the same order for every query).
    """
    if shuffle is not None:
        order = shuffle.permutation(len(reference))
        dist, idx = nearest(query, reference[order], k)
        return dist, order[idx]
    from sklearn.neighbors import NearestNeighbors

    k = min(k, len(reference))
    search = NearestNeighbors(n_neighbors=k, algorithm="brute").fit(reference)
    dist = np.empty((len(query), k))
    idx = np.empty((len(query), k), dtype=np.int64)
    chunk = max(1, _BLOCK // max(1, k * reference.shape[1]))
    for start in range(0, len(query), chunk):
        q = query[start:start + chunk]
        pick = search.kneighbors(q, return_distance=False)
        exact = np.sqrt(np.square(q[:, None, :] - reference[pick]).sum(axis=2))
        order = np.argsort(exact, axis=1, kind="stable")
        dist[start:start + chunk] = np.take_along_axis(exact, order, axis=1)
        idx[start:start + chunk] = np.take_along_axis(pick, order, axis=1)
    return dist, idx


def log_density(query: np.ndarray, reference: np.ndarray, bandwidth: float,
                own: np.ndarray | None = None) -> np.ndarray:
    """Gaussian kernel density of ``reference`` at each query row, as a log.

    ``own`` gives, per query row, its position in ``reference`` (-1: not there); a row's own
    kernel is left out, so a reference row's density is what the other rows say.
    """
    n_ref = len(reference)
    dims = reference.shape[1]
    const = -math.log(max(n_ref, 1)) - 0.5 * dims * math.log(2 * math.pi * bandwidth ** 2)
    ref = reference.astype(np.float32)
    ref_sq = np.einsum("ij,ij->i", ref, ref)
    chunk = max(1, _BLOCK // max(1, len(reference)))
    out = np.empty(len(query))
    scale = np.float32(1.0 / (2.0 * bandwidth ** 2))
    for start in range(0, len(query), chunk):
        q = query[start:start + chunk].astype(np.float32)
        q_sq = np.einsum("ij,ij->i", q, q)
        logk = q @ ref.T  # becomes -squared distance / (2 h^2), in place
        logk *= 2 * scale
        logk -= (q_sq * scale)[:, None]
        logk -= (ref_sq * scale)[None, :]
        np.minimum(logk, 0.0, out=logk)
        if own is not None:
            rows = np.flatnonzero(own[start:start + chunk] >= 0)
            logk[rows, own[start + rows]] = -np.inf
        top = logk.max(axis=1)
        logk -= top[:, None]
        np.exp(logk, out=logk)
        out[start:start + chunk] = top + np.log(logk.sum(axis=1, dtype=np.float64))
    if own is not None:  # a left-out kernel leaves n - 1 to average over
        out += np.where(own >= 0, math.log(n_ref / max(n_ref - 1, 1)), 0.0)
    out += const
    return out


def auc(positive: np.ndarray, negative: np.ndarray) -> float:
    """ROC AUC of scores: the chance a positive outranks a negative (ties count half)."""
    ranks = rankdata(np.concatenate([positive, negative]))
    n_pos, n_neg = len(positive), len(negative)
    return float((ranks[:n_pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def wilson(successes: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a success rate (95% by default)."""
    if n <= 0:
        return 0.0, 1.0
    rate = successes / n
    centre = (rate + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(rate * (1 - rate) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def normal_sf(z: float) -> float:
    """Upper tail of the standard normal distribution."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


@dataclass(frozen=True)
class Sample:
    """Row positions of one role and their encoded points."""

    role: str
    rows: np.ndarray
    points: np.ndarray


PURPOSE = "Privacy (distances, attacks)"


def sample(ctx: EvalContext, role: str, size: int) -> Sample:
    """``size`` random rows of ``role`` (all when there are fewer) and their points.

    The same role and size give the same rows to every metric of one context.
    """
    def build() -> Sample:
        rows = ctx.rows(role, size, PURPOSE)
        return Sample(role, rows, points(ctx, role, rows))

    out: Sample = ctx.cached(("privacy", "sample", role, size), build)
    return out


def small_holdout(ctx: EvalContext, rows: int | None = None) -> str:
    """Why the holdout is too small to measure on (empty when it is not).

    ``rows`` is the number of holdout rows the metric can use (default: all of them).
    """
    n = ctx.n("holdout") if rows is None else rows
    if n >= MIN_HOLDOUT:
        return ""
    return (f"needs at least {MIN_HOLDOUT} holdout rows, got {n}: with fewer, a row or two "
            "would decide the number")


def reference_size(ctx: EvalContext) -> int:
    """Rows per reference side: the holdout's size, capped, and no more than training has.

    Comparing synthetic rows with a training subsample as large as the holdout keeps the
    comparison fair: against the whole (larger) training set every row would look closer
    to training, synthetic or not.
    """
    return min(ctx.n("holdout"), ctx.n("real"), ctx.limits.distance_rows)
