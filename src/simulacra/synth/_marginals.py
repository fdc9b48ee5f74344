"""Helpers shared by the statistical synthesizers: marginals, missing pairs, column state.

A continuous marginal is stored as a *quantile table*: values at evenly spaced probabilities
``0, 1/(m-1), ..., 1``. Sampling interpolates linearly between them, which is the empirical
quantile function with linear interpolation between order statistics when ``m = n``.

A column whose values sit on a few levels (design points, doses, counts: see
:func:`level_table`) is stored as its levels and their cumulative shares instead, and sampled
as a step function: linear interpolation across the jump between two levels would invent
values between them (ages 118 and 484 of datasets::Orange gave 301; cylinders 4 and 6, 5).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from simulacra.data._frame import EncodedColumn, EncodedFrame

# The code of a ``"<name>.missing"`` indicator column that marks a missing value.
MISSING_CODE = 1
# A continuous column is on levels when it has at most MAX_LEVELS distinct values, held by
# LEVEL_ROWS rows each on average (cart keeps values held by as many rows whole: min_tie).
MAX_LEVELS = 64
LEVEL_ROWS = 5


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


def level_table(x: np.ndarray) -> np.ndarray:
    """The levels of ``x`` and their cumulative shares (2 x k), or an empty (2 x 0) array.

    ``x`` is on levels when it has at most ``MAX_LEVELS`` distinct values and ``LEVEL_ROWS``
    rows per value on average: its values repeat so much that they are the distribution's
    support, not a sample of a continuous one (a value held by one row, like mtcars' eight
    carburettors, is then a level too). Mostly distinct values (an ordinary continuous
    column) give an empty table: they are interpolated as before.
    """
    if x.size == 0:
        return np.zeros((2, 0))
    levels, counts = np.unique(x, return_counts=True)
    if levels.size > MAX_LEVELS or x.size < LEVEL_ROWS * levels.size:
        return np.zeros((2, 0))
    return np.vstack([levels.astype(np.float64), np.cumsum(counts) / x.size])


def draw_levels(table: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Levels of a :func:`level_table` at uniforms ``u`` (its exact quantile function)."""
    at = np.searchsorted(table[1], u, side="right")
    return np.asarray(table[0][np.minimum(at, table.shape[1] - 1)])


def marginal_table(x: np.ndarray, size: int) -> np.ndarray:
    """:func:`level_table` of ``x`` when it is on levels, else its :func:`quantile_table`."""
    levels = level_table(x)
    return levels if levels.size else quantile_table(x, size)


def draw_marginal(table: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Evaluate a :func:`marginal_table` at uniforms ``u`` (levels, or interpolated)."""
    return draw_levels(table, u) if table.ndim == 2 else interp_quantiles(table, u)


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
