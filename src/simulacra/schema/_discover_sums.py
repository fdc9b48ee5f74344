"""Sums of several columns: ``total = a + b + c`` (a questionnaire total of its items).

For each candidate total, the candidate items are the numbers that are not negative and do
not exceed it on most probe rows (the :data:`MAX_ITEMS` most correlated with it in a wide
table). Their coefficients are fitted by least squares on the probe rows where all are
present (at a threshold below 1, the rows that fit worst are dropped and the fit repeated); a
sum is kept only when every coefficient comes out 0 or 1 (with independent candidates the
fit has one answer, so no item is to spare: a column that is 0 where the sum holds gets 0).
It is then checked on every row: rows it misses join the fit once (an item that is rarely
non-zero, such as a low-quality floor area, may be 0 on every probe row).

Subtotals are searched before totals (by their mean size), and each sum found takes part in
the later fits: a total is fitted first with the found subtotals in place of their items,
then with the items in place of the subtotals (the sum found is then written with the
subtotals again: ``total = s1 + s2`` rather than every item). Fitting both at once would
leave the fit without a single answer. Differences fall out as sums of the larger column
(``net = gross - tax`` is ``gross = net + tax``). Sums with reversed items, items that may be
negative and a constant are searched afterwards (:mod:`~simulacra.schema._discover_signed`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from simulacra.schema._discover import _Block

__all__ = ["SUM_PROBE_ROWS", "Terms", "evenly_spaced", "find_sums", "matches"]

SUM_PROBE_ROWS = 512  # rows a total's items are fitted on
SCREEN_ROWS = 128  # of those, rows that pick the candidate items
MAX_ITEMS = 64  # candidate items fitted at once: those most correlated with the total
MIN_TERMS = 3  # fewer are found with the other formulas (where they are searched)
_SLACK = 0.1  # share of probe rows a candidate item may break "0 <= item <= total" in
_COEF_SLACK = 0.05  # how far a fitted coefficient may be from 0 or 1
_TRIM = 0.9  # share of rows kept when the fit is repeated without the worst rows
_ROUNDS = 3
_RIDGE = 1e-9


class Terms(NamedTuple):
    """A found sum by column position: ``total = constant + sum(plus) - sum(minus)``."""

    total: int
    plus: tuple[int, ...]
    minus: tuple[int, ...] = ()
    constant: int = 0


def matches(target: np.ndarray, value: np.ndarray, allowed: np.ndarray, rel: float
            ) -> np.ndarray:
    """Rows where ``value`` equals ``target`` within ``allowed`` plus relative float noise.

    A missing or non-finite side is a mismatch.
    """
    with np.errstate(all="ignore"):
        dev = np.abs(target - value)
        ok = np.isfinite(dev) & (dev <= allowed + rel * (np.abs(target) + np.abs(value)))
    return np.asarray(ok, dtype=bool)


def find_sums(block: _Block, threshold: float, *, skip: set[int],
              known: dict[int, set[int]], pairs_searched: int) -> list[Terms]:
    """Sums (all items added, no constant) where the total is the sum on most rows.

    ``skip`` are the columns another formula derives in every row, ``known`` the two-input
    sums found (total: its two items) among the first ``pairs_searched`` columns; a sum of
    two is proposed only where one of its columns lies beyond those.
    """
    probe = evenly_spaced(len(block.values), SUM_PROBE_ROWS)
    x = block.values[probe]
    screen = x[:: max(1, len(x) // SCREEN_ROWS)]
    candidates = _candidate_items(screen, block, threshold)
    ranks: np.ndarray | None = None  # wanted by wide totals only
    known = {t: set(items) for t, items in known.items()}
    found: list[Terms] = []
    size = np.nansum(np.abs(x), axis=0) / np.maximum((~np.isnan(x)).sum(axis=0), 1)
    for t in (int(t) for t in np.argsort(size, kind="stable")):
        pool = np.flatnonzero(candidates[t])  # subtotals (smaller) come before totals
        if t in skip or pool.size < 2:
            continue
        if pool.size > MAX_ITEMS:
            ranks = _correlations(x) if ranks is None else ranks
            pool = np.sort(pool[np.argsort(-ranks[t, pool], kind="stable")[:MAX_ITEMS]])
        if not _may_add_up(screen, block, t, pool, threshold):
            continue
        items = _best_sum(block, probe, t, pool, known, threshold)
        if items is not None:
            known[t] = set(items)
            if len(items) >= MIN_TERMS or max(t, *items) >= pairs_searched:
                found.append(Terms(t, items))
    return found


def evenly_spaced(n: int, size: int) -> np.ndarray:
    """Up to ``size`` evenly spaced row positions of ``n`` (deterministic)."""
    return np.arange(n) if n <= size else np.unique(np.linspace(0, n - 1, size).astype(int))


def _candidate_items(x: np.ndarray, block: _Block, threshold: float) -> np.ndarray:
    """``out[t, j]``: column ``j`` may be an item of total ``t`` (a k x k boolean matrix).

    An item is present where its total is, is not negative and does not exceed the total,
    each on most of the rows ``x`` (rounding and float noise forgiven).
    """
    k = x.shape[1]
    has = ~np.isnan(x)
    noise = block.rel * np.abs(x)
    nonnegative = ((x >= -block.half - noise) & has).sum(axis=0) >= (
        threshold - _SLACK) * np.maximum(has.sum(axis=0), 1)
    out = np.zeros((k, k), dtype=bool)
    for t in np.flatnonzero(nonnegative & (has.sum(axis=0) >= MIN_TERMS)):
        rows = has[:, t]
        xt, xs = x[rows, t : t + 1], x[rows]
        with np.errstate(all="ignore"):
            below = xs <= xt + block.half[t] + block.half + noise[rows, t : t + 1] + noise[rows]
        need = (threshold - _SLACK) * rows.sum()
        both = has[rows]
        out[t] = nonnegative & (both.sum(axis=0) >= need) & ((below & both).sum(axis=0) >= need)
        out[t, t] = False
    return out


def _correlations(x: np.ndarray) -> np.ndarray:
    """Correlations of every pair of columns over the rows where both are present.

    A wide table's total is fitted with the :data:`MAX_ITEMS` candidates most correlated
    with it (its items make up its variation).
    """
    has = (~np.isnan(x)).astype(np.float64)
    v = np.nan_to_num(x / _largest(x))  # within [-1, 1]: no product overflows
    n = np.maximum(has.T @ has, 1.0)
    mean_a, mean_b = (v.T @ has) / n, (has.T @ v) / n  # [a, b]: a's mean, b's mean
    cov = (v.T @ v) / n - mean_a * mean_b
    var_a = ((v * v).T @ has) / n - mean_a**2
    var_b = (has.T @ (v * v)) / n - mean_b**2
    with np.errstate(all="ignore"):
        corr = cov / np.sqrt(var_a * var_b)
    return np.where(np.isfinite(corr), corr, -np.inf)


def _largest(x: np.ndarray) -> np.ndarray:
    """Each column's largest absolute value (1 where it has none)."""
    top = np.max(np.where(np.isnan(x), 0.0, np.abs(x)), axis=0, initial=0.0)
    return np.where(top > 0, top, 1.0)


def _may_add_up(x: np.ndarray, block: _Block, t: int, pool: np.ndarray, threshold: float
                ) -> bool:
    """Whether all of ``pool`` together reach column ``t`` on most rows ``x``.

    If they do not, no subset of these items (none negative) adds up to it.
    """
    rows = ~np.isnan(x[:, t])
    with np.errstate(all="ignore"):
        reach = np.nansum(x[rows][:, pool], axis=1) + block.half[pool].sum() + block.half[t]
        ok = reach * (1 + block.rel) >= x[rows, t]
    return bool(ok.sum() >= (threshold - _SLACK) * max(rows.sum(), 1))


def _best_sum(block: _Block, probe: np.ndarray, t: int, pool: np.ndarray,
              known: dict[int, set[int]], threshold: float) -> tuple[int, ...] | None:
    """Items of ``pool`` (two or more) adding up to column ``t``, in found subtotals if any.

    A found subtotal and all its items together leave the fit without a single answer, so
    the subtotals are fitted without their items, then the items (of subtotals of subtotals
    too, candidates or not) without the subtotals.
    """
    totals = [s for s in pool if s in known]
    covered = set().union(*(known[s] for s in totals))
    atoms = _leaves(set(pool.tolist()), known)
    tries = [pool[~np.isin(pool, list(covered))],
             np.array(sorted(atoms), dtype=np.int64)[: 2 * MAX_ITEMS], pool]
    for n, tried in enumerate(tries):
        if tried.size < 2 or any(np.array_equal(tried, tries[m]) for m in range(n)):
            continue
        fitted = _fitted_sum(block, probe, t, tried, threshold)
        if fitted is None:
            continue
        items, share = fitted
        grouped = _grouped(items, known)
        return grouped if _holds(block, Terms(t, grouped))[1] >= share else items
    return None


def _fitted_sum(block: _Block, probe: np.ndarray, t: int, pool: np.ndarray,
                threshold: float) -> tuple[tuple[int, ...], float] | None:
    """Items of ``pool`` adding up to column ``t`` in ``threshold`` of the rows, and the share.

    A second fit adds the rows the first sum misses.
    """
    rows, best, best_share = probe, None, -1.0
    for _ in range(2):
        fitted = _least_squares(block.values, rows, t, pool, threshold)
        if fitted is None:
            break
        items = fitted[0]
        ok, share = _holds(block, Terms(t, tuple(int(i) for i in items)))
        if share > best_share:
            best, best_share = items, share
        missed = np.flatnonzero(~ok)
        if not missed.size or share < threshold - _SLACK:
            break
        rows = np.union1d(probe, missed[:: max(1, missed.size // SUM_PROBE_ROWS)])
    if best is None or best_share < threshold:
        return None
    return tuple(int(i) for i in best), best_share


def _least_squares(values: np.ndarray, rows: np.ndarray, t: int, pool: np.ndarray,
                   threshold: float, *, signed: bool = False
                   ) -> tuple[np.ndarray, np.ndarray] | None:
    """Items whose coefficients come out 1 (all others 0) on ``rows`` with all present.

    Returned with their coefficients; ``signed``: fitted with an intercept, each -1 or 1.
    """
    x = values[np.ix_(rows, np.append(pool, t))]
    x = x[~np.isnan(x).any(axis=1)]
    # a column equal to an earlier one on these rows leaves the fit no single answer (equal
    # columns are found by a fingerprint: a weighted sum of their values)
    weights = np.random.default_rng(0).random((len(x), 1))
    with np.errstate(all="ignore"):
        fingerprint = (weights * x[:, :-1]).sum(axis=0)  # row by row: equal columns alike
    first = np.sort(np.unique(fingerprint, return_index=True)[1])
    if signed and len(x):  # nor does one that is constant there, beside the intercept
        first = first[np.ptp(x[:, first], axis=0) > 0]
    pool, a, b = pool[first], x[:, first], x[:, -1]
    if signed:
        a = np.column_stack([a, np.ones(len(a))])
    allowed = (-1, 0, 1) if signed else (0, 1)
    if len(b) < 2 * a.shape[1]:
        return None
    keep = np.ones(len(b), dtype=bool)
    # where the rule must hold in every row, one fit tells: no row may pull it off
    for _ in range(_ROUNDS if threshold < 1.0 else 1):
        coef = _solve(a[keep], b[keep])
        rounded = np.rint(coef[: pool.size])  # the intercept is rounded once the items are
        if (np.abs(coef[: pool.size] - rounded) <= _COEF_SLACK).all() and np.isin(
                rounded, allowed).all():
            used = rounded != 0
            return (pool[used], rounded[used]) if used.sum() >= 2 else None
        with np.errstate(all="ignore"):  # rows that break the rule pull the fit: drop them
            residual = np.abs(b - a @ coef)
        keep = residual <= np.quantile(residual[keep], _TRIM)
        if keep.sum() < 2 * a.shape[1]:
            return None
    return None


def _solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Least-squares coefficients of ``b`` on the columns of ``a``.

    Normal equations of unit-length columns with a little ridge: a tenth of the time
    ``lstsq`` takes on small matrices, and columns that are 0 or repeat one another get
    coefficients that are not 0 or 1 (a zero column gets 0) instead of an error.
    """
    largest = _largest(a)
    norms = np.linalg.norm(a / largest, axis=0)
    scale = largest * np.where(norms > 0, norms, 1.0)
    unit = a / scale
    gram = unit.T @ unit + _RIDGE * np.eye(a.shape[1])
    with np.errstate(all="ignore"):  # a huge total overflows: no coefficient comes out 0 or 1
        return np.asarray(np.linalg.solve(gram, unit.T @ b) / scale)


def _leaves(columns: set[int], known: dict[int, set[int]]) -> set[int]:
    """``columns`` with each found subtotal replaced by its items, down to plain columns."""
    out: set[int] = set()
    todo, seen = list(columns), set()
    while todo:
        col = todo.pop()
        if col in seen:
            continue
        seen.add(col)
        if col in known:
            todo += known[col]
        else:
            out.add(col)
    return out


def _grouped(items: tuple[int, ...], known: dict[int, set[int]]) -> tuple[int, ...]:
    """``items`` with the items of each found subtotal replaced by the subtotal.

    Subtotals with most items go first, and it is repeated for subtotals of subtotals.
    """
    out = set(items)
    while True:
        inside = [s for s in sorted(known, key=lambda s: -len(known[s]))
                  if s not in out and known[s] <= out]
        if not inside:
            return tuple(sorted(out))
        out = (out - known[inside[0]]) | {inside[0]}


def _holds(block: _Block, terms: Terms) -> tuple[np.ndarray, float]:
    """Per row, whether the sum ``terms`` holds (or neither side has a value), and the share.

    The share counts the rows where either side has a value.
    """
    x, t = block.values, terms.total
    cols = [*terms.plus, *terms.minus]
    with np.errstate(all="ignore"):
        total = x[:, list(terms.plus)].sum(axis=1)  # NaN where an item is missing
        if terms.minus:
            total = total - x[:, list(terms.minus)].sum(axis=1)
        if terms.constant:
            total = total + terms.constant
    present = ~np.isnan(x[:, t]) | ~np.isnan(total)
    ok = np.zeros(len(x), dtype=bool)
    allowed = np.full(int(present.sum()), block.half[cols].sum() + block.half[t])
    ok[present] = matches(x[present, t], total[present], allowed, block.rel)
    return ok | ~present, float(ok[present].mean()) if present.any() else 0.0
