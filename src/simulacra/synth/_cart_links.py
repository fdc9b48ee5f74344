"""Links of a CART column to an earlier one: ``y = x + d`` in a share of the rows.

Real tables repeat a value across columns in part of their rows: a house never remodelled has
its remodel year equal to its build year (54% of ames), a delivery dated the day of the order,
years at the company equal to years in the role. A tree's leaf mixes rows with different
``x``, so copying a member's own ``y`` keeps the link only by chance, and a classifier spots the
missing spike of ``y - x = 0`` at once. So each continuous column looks, among the continuous
columns its tree learns from, for the one whose most frequent difference ``d`` holds in the
largest share of rows beyond chance. Members that obey the link are flagged; when such a
member is drawn, the synthetic row gets its own ``x + d`` instead of the member's ``y``. The
share of linked rows per leaf, and so its relation to the predictors, is learnt like any
other value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from simulacra.data._frame import EncodedColumn
from simulacra.synth._marginals import MISSING_CODE

MIN_SHARE = 0.05  # least share of rows obeying a link
MIN_LIFT = 4.0  # how many times more often than with the columns paired at random
MIN_ROWS = 20
SEARCH_ROWS = 20_000  # rows searched (a subsample beyond that); the link is flagged on all
SPIKE_SHARE = 0.25  # a value of the linked column this common among obeying rows is a spike
_DECIMALS = 9  # differences are compared after rounding away float noise


@dataclass(frozen=True)
class Link:
    """Column ``column`` (with missing indicator ``missing`` or -1) plus ``offset``.

    ``spike`` is the value of ``column`` most frequent among the rows that obey: rows at it
    are not linked (two columns both zero where a house has no basement share an absence, not
    a value; tying them would copy a nonzero value where the member had zero).
    """

    column: int
    missing: int
    offset: float
    spike: float


def find_link(values: np.ndarray, cols: Sequence[EncodedColumn], j: int, before: Sequence[int],
             missing_of: Mapping[int, int], rng: np.random.Generator) -> Link | None:
    """The strongest link of column ``j`` (on the rows of ``values``) to a column in ``before``."""
    with np.errstate(over="ignore", invalid="ignore"):  # near float64's largest: no offset
        return _find_link(values, cols, j, before, missing_of, rng)


def _find_link(values: np.ndarray, cols: Sequence[EncodedColumn], j: int, before: Sequence[int],
               missing_of: Mapping[int, int], rng: np.random.Generator) -> Link | None:
    if cols[j].discrete or values.shape[0] < MIN_ROWS:
        return None
    search = values
    if values.shape[0] > SEARCH_ROWS:
        search = values[rng.choice(values.shape[0], SEARCH_ROWS, replace=False)]
    candidates = [k for k in before if not cols[k].discrete and k != j]
    if not candidates:
        return None
    present = np.column_stack([_present(search, missing_of.get(k, -1)) for k in candidates])
    diffs = np.round(search[:, [j]] - search[:, candidates], _DECIMALS)
    diffs[~present] = np.nan
    # a link needs its offset in MIN_SHARE of the rows: most pairs fail this at once
    enough = _most_repeated(diffs) >= np.maximum(MIN_SHARE * present.sum(0), MIN_ROWS)
    best: tuple[float, Link] | None = None
    for i in np.flatnonzero(enough):
        k, rows = candidates[i], present[:, i]
        y, x = search[rows, j], search[rows, k]
        offsets, counts = np.unique(diffs[rows, i], return_counts=True)
        offset = float(offsets[np.argmax(counts)])
        link = Link(k, missing_of.get(k, -1), offset, _spike(x[_obeys(y, x, offset)]))
        share = float(np.mean(_informative(y, x, link)))
        chance = _chance(y, x, link)
        strong = share >= MIN_SHARE and share >= MIN_LIFT * chance and share * y.size >= MIN_ROWS
        if strong and (best is None or share - chance > best[0]):
            best = (share - chance, link)
    return best[1] if best else None


def linked_rows(values: np.ndarray, j: int, link: Link) -> np.ndarray:
    """Rows of ``values`` where column ``j`` equals its linked column plus the offset."""
    ok = _informative(values[:, j], values[:, link.column], link)
    return np.asarray(ok & _present(values, link.missing), dtype=bool)


def apply_link(y: np.ndarray, linked: np.ndarray, out: np.ndarray, link: Link) -> np.ndarray:
    """``y`` with the ``linked`` rows set to their own link column plus the offset."""
    use = linked & _present(out, link.missing)
    y = np.array(y, dtype=np.float64)
    y[use] = out[use, link.column] + link.offset
    return y


def _chance(y: np.ndarray, x: np.ndarray, link: Link) -> float:
    """The share of rows that would obey ``link`` with ``x`` and ``y`` paired at random."""
    xs, x_counts = np.unique(np.round(x[x != link.spike] + link.offset, _DECIMALS),
                             return_counts=True)
    ys, y_counts = np.unique(np.round(y, _DECIMALS), return_counts=True)
    at = np.minimum(np.searchsorted(ys, xs), ys.size - 1)
    hit = ys[at] == xs
    return float(np.sum(x_counts[hit] * y_counts[at[hit]]) / (x.size * y.size))


def _most_repeated(values: np.ndarray) -> np.ndarray:
    """How many times each column's most frequent value occurs (NaN never counts)."""
    ordered = np.sort(values, axis=0)
    same = ordered[1:] == ordered[:-1]
    at = np.arange(1, same.shape[0] + 1)[:, None]
    since = at - np.maximum.accumulate(np.where(same, 0, at), axis=0)  # equal neighbours in a row
    return np.asarray(since.max(axis=0, initial=0) + 1)


def _present(values: np.ndarray, missing: int) -> np.ndarray:
    if missing < 0:
        return np.ones(values.shape[0], dtype=bool)
    return np.asarray(values[:, missing] != MISSING_CODE, dtype=bool)


def _spike(x: np.ndarray) -> float:
    values, counts = np.unique(x, return_counts=True)
    if not values.size or counts.max() < SPIKE_SHARE * x.size:
        return np.nan  # no value stands out: every obeying row is linked
    return float(values[np.argmax(counts)])


def _informative(y: np.ndarray, x: np.ndarray, link: Link) -> np.ndarray:
    return np.asarray(_obeys(y, x, link.offset) & (x != link.spike))


def _obeys(y: np.ndarray, x: np.ndarray, offset: float) -> np.ndarray:
    return np.asarray(np.round(y - x, _DECIMALS) == offset)
