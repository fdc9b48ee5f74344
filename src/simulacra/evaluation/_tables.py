"""Joint frequency tables of binned columns, stored sparsely and cached per context.

A cell of a joint table over columns (c1, ..., ck) is the tuple of their bin codes, packed
into one integer. Small tables are counted with ``bincount``; large ones with ``unique``; a
table over many columns, whose cell count would overflow, packs cells with a 64-bit hash
(collisions are vanishingly unlikely at any row count that fits in memory).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from simulacra.evaluation._context import EvalContext

_DENSE_CELLS = 4_000_000
_PACKABLE = 2**62
#: Fewest rows of a side for a metric of joint tables (mutual information, Hellinger): with
#: a handful of rows a pair's table is nearly empty, its mutual information near 0 and its
#: distance near 1 whatever the generator learnt (one row read 0.97 and 0.86).
MIN_JOINT_ROWS = 30


def too_few_rows(ctx: EvalContext, role: str = "synthetic") -> str:
    """Why the real or ``role`` rows are too few for joint tables (empty when not)."""
    n = min(ctx.n("real"), ctx.n(role))
    if n >= MIN_JOINT_ROWS:
        return ""
    return (f"needs at least {MIN_JOINT_ROWS} rows on each side, got {n}: with fewer, the "
            "joint table of a pair of columns holds a handful of rows and says nothing "
            "about how the columns relate")


@dataclass(frozen=True)
class Counts:
    """Occupied cells (sorted keys) and how many rows fall in each."""

    keys: np.ndarray
    counts: np.ndarray

    @property
    def total(self) -> int:
        return int(self.counts.sum())


def joint_counts(ctx: EvalContext, role: str, columns: Sequence[str]) -> Counts:
    """Counts of ``role``'s rows per joint cell of ``columns`` (cached)."""
    key = ("counts", role, tuple(columns))
    result: Counts = ctx.cached(key, lambda: _count(ctx, role, columns))
    return result


def aligned(real: Counts, synthetic: Counts) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities of the two tables over the union of their cells."""
    keys = np.union1d(real.keys, synthetic.keys)
    return _probabilities(real, keys), _probabilities(synthetic, keys)


def total_variation(real: Counts, synthetic: Counts) -> float:
    """Total variation distance between two tables."""
    p, q = aligned(real, synthetic)
    return 0.5 * float(np.abs(p - q).sum())


def hellinger(real: Counts, synthetic: Counts) -> float:
    """Hellinger distance between two tables (0 identical, 1 disjoint)."""
    p, q = aligned(real, synthetic)
    return float(np.sqrt(max(0.0, 1.0 - float(np.sqrt(p * q).sum()))))


def cell_keys(ctx: EvalContext, role: str, columns: Sequence[str]) -> np.ndarray:
    """One integer per row identifying its joint cell."""
    sizes = [ctx.n_bins(c) for c in columns]
    if cell_count(sizes) < _PACKABLE:
        keys = np.zeros(ctx.n(role), dtype=np.int64)
        for column, size in zip(columns, sizes, strict=True):
            keys = keys * size + ctx.bins(role, column)
        return keys
    hashed = np.zeros(ctx.n(role), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for i, column in enumerate(columns):
            mixed = (ctx.bins(role, column).astype(np.uint64) + np.uint64(i + 1)) * np.uint64(
                0x9E3779B97F4A7C15)
            hashed = (hashed ^ mixed) * np.uint64(0xBF58476D1CE4E5B9)
            hashed ^= hashed >> np.uint64(31)
    return hashed.view(np.int64)


def _count(ctx: EvalContext, role: str, columns: Sequence[str]) -> Counts:
    return counts_of(cell_keys(ctx, role, columns), cell_count(ctx.n_bins(c) for c in columns))


def cell_count(sizes: Iterable[int]) -> float:
    """Cells of a table with these numbers of bins per column, capped at 2**62.

    Hundreds of columns overflow float64 (hepatic_injury_qsar, 378); only whether the count
    is small enough to count densely or pack into int64 matters, and Python ints never warn.
    """
    return float(min(math.prod(int(s) for s in sizes), 2**62))


def counts_of(keys: np.ndarray, cells: float) -> Counts:
    """Count rows per cell from their keys (``cells``: the table's number of cells)."""
    if cells <= _DENSE_CELLS:
        dense = np.bincount(keys, minlength=int(cells))
        occupied = np.flatnonzero(dense)
        return Counts(occupied.astype(np.int64), dense[occupied])
    unique, counts = np.unique(keys, return_counts=True)
    return Counts(unique, counts)


def _probabilities(table: Counts, keys: np.ndarray) -> np.ndarray:
    out = np.zeros(keys.size, dtype=np.float64)
    out[np.searchsorted(keys, table.keys)] = table.counts / max(table.total, 1)
    return out
