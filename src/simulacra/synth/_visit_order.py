"""The order in which sequential models draw columns: most dependent first, target first.

Used by ``cart`` (tree per column) and ``argn`` (network head per column): a column is best
drawn right after the columns it depends on, so the order is grown greedily by normalized
mutual information, tier by tier (see :func:`tier`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from simulacra.data._frame import EncodedColumn

_BATCHED_CODES = 64  # most codes per column for which dependence() counts tables in batches


def nmi(a: np.ndarray, b: np.ndarray) -> float:
    """Mutual information of two code vectors over the geometric mean of their entropies."""
    ka, kb = int(a.max()) + 1, int(b.max()) + 1
    joint = np.bincount(a * kb + b, minlength=ka * kb).reshape(ka, kb) / a.size
    pa, pb = joint.sum(1), joint.sum(0)
    nz = joint > 0
    mi = float(np.sum(joint[nz] * np.log(joint[nz] / np.outer(pa, pb)[nz])))
    ha = -float(np.sum(pa[pa > 0] * np.log(pa[pa > 0])))
    hb = -float(np.sum(pb[pb > 0] * np.log(pb[pb > 0])))
    return mi / math.sqrt(ha * hb) if ha > 0 and hb > 0 else 0.0


def dependence(codes: Sequence[np.ndarray]) -> np.ndarray:
    """Normalized mutual information between every two code vectors (non-negative ints).

    As :func:`nmi` for each pair, but one column's tables with all later columns are
    counted by a single ``bincount`` (a wide table has thousands of pairs).
    """
    k = len(codes)
    dep = np.zeros((k, k))
    if k < 2:
        return dep
    table = np.column_stack([np.asarray(c, dtype=np.int64) for c in codes])
    n, width = table.shape[0], int(table.max()) + 1
    if width > _BATCHED_CODES:  # the batched tables would be large: pair by pair
        for a in range(k):
            for b in range(a + 1, k):
                dep[a, b] = dep[b, a] = nmi(codes[a], codes[b])
        return dep
    marginal = np.stack([np.bincount(c, minlength=width) for c in table.T]) / n
    logs = np.log(np.where(marginal > 0, marginal, 1.0))
    entropy = -np.sum(marginal * logs, axis=1)
    cells = width * width
    # MI = sum p log p over the joint cells + H(a) + H(b), and with p = c / n the first term
    # is sum c log c / n - log n: a table of c log c for every count spares a log per cell
    counts_log = np.arange(n + 1, dtype=np.float64)
    counts_log[1:] *= np.log(counts_log[1:])
    for a in range(k - 1):
        later = table[:, a + 1:]
        keys = table[:, [a]] * width + later + np.arange(later.shape[1]) * cells
        joint = np.bincount(keys.ravel(), minlength=later.shape[1] * cells)
        plogp = counts_log[joint].reshape(later.shape[1], cells).sum(axis=1) / n - math.log(n)
        mi = plogp + entropy[a] + entropy[a + 1:]
        scale = np.sqrt(entropy[a] * entropy[a + 1:])
        dep[a, a + 1:] = np.where(scale > 0, mi / np.where(scale > 0, scale, 1.0), 0.0)
    return dep + dep.T


def greedy_order(dep: np.ndarray, tiers: np.ndarray) -> list[int]:
    """Indices ordered greedily by their mutual information ``dep``, lower tiers first.

    Start with the one most tied to all others, then always take the one most tied to those
    already placed.
    """
    k = len(tiers)
    if k == 0:
        return []
    placed = [int(np.argmax(dep.sum(1) - 1e9 * tiers))]
    left = set(range(k)) - set(placed)
    while left:
        cand = sorted(left)
        gain = dep[np.ix_(cand, placed)].sum(1) - 1e9 * tiers[cand]
        placed.append(cand[int(np.argmax(gain))])
        left.discard(placed[-1])
    return placed


def tier(col: EncodedColumn, width: int, n: int) -> int:
    """Rank columns for the visit order: a declared target, binary columns, then the rest.

    A declared target goes first, so every other column is drawn conditioned on it and a
    model trained on the synthetic rows finds its relations. A binary column is a cheap
    marginal that every later step can split on cleanly (flags, classes); discrete columns
    with more categories than sqrt(n) go last. ``width`` is 2 for a value column drawn
    together with its missing indicator.
    """
    if col.role == "target":
        return -1
    if col.discrete and col.cardinality <= 2 and width == 1:
        return 0
    return 2 if col.discrete and col.cardinality > math.sqrt(n) else 1
