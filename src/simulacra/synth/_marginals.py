"""Helpers shared by the statistical synthesizers: marginals, missing pairs, column state.

A continuous marginal is stored as a *quantile table*: values at evenly spaced probabilities
``0, 1/(m-1), ..., 1``. Sampling interpolates linearly between them, which is the empirical
quantile function with linear interpolation between order statistics when ``m = n``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from simulacra.data._frame import EncodedColumn, EncodedFrame

# The code of a ``"<name>.missing"`` indicator column that marks a missing value.
MISSING_CODE = 1


def missing_pairs(columns: Sequence[EncodedColumn]) -> dict[int, int]:
    """Map the index of each continuous column that has a missing indicator to the indicator's.

    The codec puts ``"<name>.missing"`` (discrete) just before the value column ``<name>``.
    """
    pairs: dict[int, int] = {}
    for j in range(1, len(columns)):
        col, prev = columns[j], columns[j - 1]
        if not col.discrete and prev.discrete and prev.name == f"{col.name}.missing":
            pairs[j] = j - 1
    return pairs


def present_mask(values: np.ndarray, pairs: dict[int, int], j: int) -> np.ndarray:
    """Rows where column ``j`` holds a real value (not a placeholder for a missing one)."""
    if j not in pairs:
        return np.ones(values.shape[0], dtype=bool)
    return np.asarray(values[:, pairs[j]] != MISSING_CODE)


def fill_value(x: np.ndarray, present: np.ndarray) -> float:
    """Return the placeholder the codec wrote in missing rows (samples reuse it)."""
    missing = x[~present]
    if missing.size:
        return float(np.median(missing))
    return float(np.median(x)) if x.size else 0.0


def quantile_table(x: np.ndarray, size: int) -> np.ndarray:
    """Values of ``x`` at ``min(size, len(x))`` evenly spaced probabilities (at least one)."""
    if x.size == 0:
        return np.zeros(1)
    m = max(1, min(size, x.size))
    if m == x.size:
        return np.sort(x)
    return np.asarray(np.quantile(x, np.linspace(0.0, 1.0, m)), dtype=np.float64)


def interp_quantiles(table: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Evaluate the quantile function of ``table`` at ``u`` (linear interpolation)."""
    if table.size == 1:
        return np.full(u.shape, table[0])
    # Evenly spaced probabilities: the segment is an index computation, not a binary search.
    t = np.clip(u * (table.size - 1), 0.0, table.size - 1.000001)
    i = t.astype(np.intp)
    lo = table[i]
    return np.asarray(lo + (t - i) * (table[i + 1] - lo))


def category_frequencies(codes: np.ndarray, cardinality: int) -> np.ndarray:
    """Relative frequency of each code ``0..cardinality-1`` (uniform when there are no rows)."""
    k = max(int(cardinality), 1)
    idx = np.clip(codes.astype(np.int64), 0, k - 1)
    counts = np.bincount(idx, minlength=k).astype(np.float64)
    total = counts.sum()
    return counts / total if total > 0 else np.full(k, 1.0 / k)


def draw_codes(cumulative: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Codes drawn by inverting cumulative frequencies at uniforms ``u``."""
    k = cumulative.size
    return np.minimum(np.searchsorted(cumulative, u, side="right"), k - 1)


def finished_frame(columns_as_rows: np.ndarray, columns: tuple[EncodedColumn, ...],
                   fills: np.ndarray) -> EncodedFrame:
    """The sampled frame: integers rounded, the codec's placeholder where a value is missing.

    ``columns_as_rows`` holds one sampled column per row (contiguous per column).
    """
    values = columns_as_rows.T
    pairs = missing_pairs(columns)
    for j, col in enumerate(columns):
        if col.discrete:
            continue
        if col.integer:
            np.round(values[:, j], out=values[:, j])
        if j in pairs:
            values[values[:, pairs[j]] == MISSING_CODE, j] = fills[j]
    return EncodedFrame(values, columns)


def columns_state(columns: Sequence[EncodedColumn]) -> list[dict[str, Any]]:
    return [c.to_dict() for c in columns]


def columns_from_state(state: Sequence[dict[str, Any]]) -> tuple[EncodedColumn, ...]:
    return tuple(EncodedColumn.from_dict(dict(c)) for c in state)
