"""Sums with reversed items and a constant: ``RAWVT = 14 - B9A - B9E + B9G + B9I``.

A questionnaire scores a reversed item as ``6 - q4`` (on a scale of 1 to 5), so its total is a
constant plus some items less others; an income may add an item that can be negative. These
are searched after the plain sums of :mod:`~simulacra.schema._discover_sums`, for the columns
no formula found so far derives. Each total's coefficients are fitted by least squares from
the covariances of the probe rows (a missing value counted at its column's mean: one matrix
for all totals); a sum is tried only when the items explain nearly all of the total and
each coefficient comes out near -1, 0 or 1. Its constant is the whole number nearest the
median of what the items leave on the probe rows, and it is checked, like any formula, on
every row; where it misses a few, the items are fitted again on the rows with all present
(as the plain sums are) with the rows missed added. Sums with weights or a constant that is
no whole number are not found, nor one whose total is far off in a few probe rows (a typo
ten times the total pulls the fit off every coefficient).

A total's candidate items are the numbers present where it is whose spread (largest less
smallest value on the probe rows) does not exceed the total's: the widest column of a
relation is its total, so each relation has one form to be found in (``c = a - b`` is ``a = b
+ c``). In a wide table, the :data:`~simulacra.schema._discover_sums.MAX_ITEMS` most
correlated with the total in either direction (a reversed item goes against it) are fitted.
A sum is proposed only where it is signed (an item taken away, a constant, an item below 0):
plain sums are the plain search's, and one it missed is not proposed here either.
A column that a formula found earlier derives is neither a total nor an item (it would stand
beside its own items, and the relation was found already); a total found here is no later
item, and its items no later totals (``a = 1 - b - c`` is ``c = 1 - a - b - d`` again where
``d`` is rarely 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from simulacra.schema._discover_sums import (
    _RIDGE,
    _SLACK,
    MAX_ITEMS,
    MIN_TERMS,
    SUM_PROBE_ROWS,
    Terms,
    _holds,
    _largest,
    _least_squares,
    evenly_spaced,
)

if TYPE_CHECKING:
    from simulacra.schema._discover import _Block

__all__ = ["find_signed_sums"]

_EXPLAINED = 0.95  # share of a total's variance its items must explain to be fitted
_SCREEN_SLACK = 0.35  # how far a coefficient fitted from the covariances may be from -1, 0, 1


def find_signed_sums(block: _Block, threshold: float, *, derived: set[int],
                     pairs_searched: int) -> list[Terms]:
    """Sums ``total = constant + sum(plus) - sum(minus)`` holding on most rows.

    ``derived`` are the columns a formula found earlier derives: neither totals nor items. A
    sum of two items with no constant is proposed only where one of its columns lies beyond
    the first ``pairs_searched`` (the search of three columns finds the others).
    """
    return _signed_sums(block, threshold, derived, pairs_searched)


def _signed_sums(block: _Block, threshold: float, derived: set[int], pairs_searched: int
                 ) -> list[Terms]:
    probe = evenly_spaced(len(block.values), SUM_PROBE_ROWS)
    x = block.values[probe]
    moments = _Moments.of(x, threshold)
    spread = _spread(x)
    taken = np.zeros(x.shape[1], dtype=bool)  # derived: no item
    taken[list(derived)] = True
    summed = taken.copy()  # derived or an item of a sum found here: no total
    found: list[Terms] = []
    size = np.nansum(np.abs(x), axis=0) / np.maximum((~np.isnan(x)).sum(axis=0), 1)
    for t in (int(t) for t in np.argsort(size, kind="stable")):
        if summed[t]:
            continue
        narrower = spread <= spread[t] * (1 + block.rel) + 2 * (block.half + block.half[t])
        pool = np.flatnonzero(moments.together[t] & narrower & ~taken)
        pool = pool[pool != t]
        if pool.size > MAX_ITEMS:
            strength = np.abs(moments.corr[t, pool])  # a reversed item goes against it
            pool = np.sort(pool[np.argsort(-strength, kind="stable")[:MAX_ITEMS]])
        signs = moments.signs(t, pool, threshold) if pool.size >= 2 else None
        if signs is None:
            continue
        terms = _fitted_terms(block, probe, t, (pool, signs), threshold)
        if terms is None:
            continue
        taken[t] = summed[t] = True
        summed[[*terms.plus, *terms.minus]] = True
        columns = (t, *terms.plus, *terms.minus)
        if _is_signed(x, terms) and (len(columns) > MIN_TERMS or terms.constant
                                     or max(columns) >= pairs_searched):
            found.append(terms)
    return found


def _is_signed(x: np.ndarray, terms: Terms) -> bool:
    """Whether a sum has an item taken away, a constant or an item below 0 on rows ``x``.

    The others are plain sums: those the search of plain sums missed are left out, so that a
    table without signed sums keeps its rules (in a sparse table, ``ps_1965 = ps_south_africa
    + ps_dept_2653 + ps_dept_2678`` in 517 of 518 grants, through zeros, is one more).
    """
    with np.errstate(invalid="ignore"):
        return bool(terms.minus or terms.constant or (x[:, list(terms.plus)] < 0).any())


@dataclass(frozen=True)
class _Moments:
    """Correlations of the probe columns, each missing value taken as its column's mean.

    Every column not yet derived is fitted as a total and most add up to nothing: a fit from
    these takes a few dozen microseconds and most often tells the sum, as the fit on the rows
    with all items present (a hundred times dearer) would.
    """

    corr: np.ndarray  # [i, j]: correlation of columns i and j (0 where one is constant)
    sd: np.ndarray  # each column's standard deviation (1 where it is constant)
    together: np.ndarray  # [t, j]: column j is present where t is, on most rows

    @classmethod
    def of(cls, x: np.ndarray, threshold: float) -> _Moments:
        has = ~np.isnan(x)
        scale = _largest(x)
        with np.errstate(all="ignore"):  # within [-1, 1]: no product overflows
            mean = np.nansum(x / scale, axis=0) / np.maximum(has.sum(axis=0), 1)
        v = np.where(has, x / scale - mean, 0.0)
        cov = (v.T @ v) / max(len(v), 1)
        sd = np.sqrt(np.diag(cov))
        sd = np.where(sd > 0, sd, 1.0)
        corr = cov / np.outer(sd, sd)
        corr[np.diag_indices_from(corr)] = 1.0 + _RIDGE  # a constant column gets no weight
        h = has.astype(np.float64)
        counts = h.T @ h
        alone = np.diag(counts)
        together = (counts >= (threshold - _SLACK) * alone[:, None]) & (alone[:, None] > 0)
        return cls(corr, sd * scale, together)

    def signs(self, t: int, pool: np.ndarray, threshold: float) -> np.ndarray | None:
        """Coefficients -1, 0 or 1 of ``pool`` in column ``t``, fitted from these, if any.

        None unless the fit explains nearly all of ``t``'s variance and each coefficient is
        near -1, 0 or 1. A sum explains all but the rows it misses or where an item is missing
        (counted at its mean), so the bars are low; lower still where it may miss more rows.
        """
        toward = self.corr[pool, t]
        with np.errstate(all="ignore"):
            unit = np.linalg.solve(self.corr[np.ix_(pool, pool)], toward)
        coef = unit * self.sd[t] / self.sd[pool]
        rounded = np.rint(coef)
        near = (toward @ unit >= max(0.5, _EXPLAINED - 5 * (1 - threshold))
                and (np.abs(coef - rounded) <= _SCREEN_SLACK).all()
                and np.isin(rounded, (-1, 0, 1)).all() and np.count_nonzero(rounded) >= 2)
        return rounded if near else None


def _spread(x: np.ndarray) -> np.ndarray:
    """Each column's largest less smallest value (0 where it has none)."""
    has = ~np.isnan(x)
    high = np.max(np.where(has, x, -np.inf), axis=0, initial=-np.inf)
    low = np.min(np.where(has, x, np.inf), axis=0, initial=np.inf)
    return np.where(has.any(axis=0), high - low, 0.0)


def _fitted_terms(block: _Block, probe: np.ndarray, t: int,
                  screened: tuple[np.ndarray, np.ndarray], threshold: float) -> Terms | None:
    """The signed sum giving column ``t`` in ``threshold`` of the rows, if any.

    ``screened`` (the candidate items and their signs from :meth:`_Moments.signs`) is tried
    first. Where it misses rows but few, the candidates are fitted again by least squares on
    the probe rows and the rows missed (an item rarely non-zero may be 0, so left out, on
    every probe row), and the better sum kept.
    """
    pool, signs = screened
    best = _with_constant(block, probe, t, pool[signs != 0], signs[signs != 0])
    if best is None:
        return None
    ok, best_share = _holds(block, best)
    missed = np.flatnonzero(~ok)
    if missed.size and best_share >= threshold - _SLACK:
        rows = np.union1d(probe, missed[:: max(1, missed.size // SUM_PROBE_ROWS)])
        fitted = _least_squares(block.values, rows, t, pool, threshold, signed=True)
        again = _with_constant(block, rows, t, *fitted) if fitted is not None else None
        share = _holds(block, again)[1] if again is not None else -1.0
        if share > best_share:
            best, best_share = again, share
    return best if best_share >= threshold else None


def _with_constant(block: _Block, rows: np.ndarray, t: int, items: np.ndarray,
                   signs: np.ndarray) -> Terms | None:
    """The sum of ``items`` with ``signs`` and the whole number that best completes it."""
    x = block.values[rows]
    with np.errstate(all="ignore"):
        rest = x[:, t] - (x[:, items] * signs).sum(axis=1)
    rest = rest[np.isfinite(rest)]
    if not rest.size or not np.isfinite(constant := np.rint(np.median(rest))):
        return None
    order = np.argsort(items, kind="stable")
    items, signs = items[order], signs[order]
    return Terms(t, tuple(int(i) for i in items[signs > 0]),
                 tuple(int(i) for i in items[signs < 0]), int(constant))
