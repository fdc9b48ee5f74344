"""Order rules (``low <= high``) in the encoded matrix, for models that draw column by column.

A sequential model (CART) can keep an order rule where it is made: when it draws the later of
the two columns, rows that break the rule draw that one value again, given the same earlier
columns. Rejecting the whole row instead would also change how often the earlier columns'
values occur. The shared sampling path still checks every row afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulacra.constraints import ConstraintSet, Inequality, Range
from simulacra.data._codecs import TableCodec
from simulacra.synth._marginals import MISSING_CODE


@dataclass(frozen=True)
class OrderPair:
    """Encoded columns ``low`` and ``high`` (and their missing indicators, -1 for none)."""

    low: int
    high: int
    strict: bool
    low_missing: int
    high_missing: int


def order_pairs(rules: ConstraintSet, codec: TableCodec) -> list[OrderPair]:
    """The order rules enforced by rejection whose columns the model draws as numbers."""
    value = {c.source: j for j, c in enumerate(codec.encoded_columns)
             if c.name == c.source and not c.discrete}
    missing = {c.source: j for j, c in enumerate(codec.encoded_columns)
               if c.name == f"{c.source}.missing"}
    pairs: list[tuple[str, str, bool]] = []
    for rule in rules.rules:
        if rule.reshapes:
            continue
        if isinstance(rule, Inequality):
            pairs.append((rule.low, rule.high, rule.strict))
        elif isinstance(rule, Range):
            pairs += [(b, a, rule.strict) for b, a in ((rule.low, rule.column),
                                                      (rule.column, rule.high))
                      if isinstance(b, str) and isinstance(a, str)]
    pairs = _with_implied(pairs)
    return [OrderPair(value[lo], value[hi], strict, missing.get(lo, -1), missing.get(hi, -1))
            for lo, hi, strict in pairs if lo in value and hi in value]


def _with_implied(pairs: list[tuple[str, str, bool]]) -> list[tuple[str, str, bool]]:
    """The pairs and those their chains imply (``a <= b <= c`` gives ``a <= c``).

    Discovered rules keep only neighbouring inequalities; a total drawn before the subtotal
    between it and the items must already be as large as the items, or no value of the
    subtotal fits between them. Implied pairs are checked as ``<=``.
    """
    above: dict[str, set[str]] = {}
    for lo, hi, _ in pairs:
        above.setdefault(lo, set()).add(hi)
    given = {(lo, hi) for lo, hi, _ in pairs}
    implied: list[tuple[str, str, bool]] = []
    for start in list(above):
        seen: set[str] = set()
        todo = list(above[start])
        while todo:
            node = todo.pop()
            if node in seen or node == start:
                continue
            seen.add(node)
            todo += above.get(node, ())
        implied += [(start, hi, False) for hi in sorted(seen) if (start, hi) not in given]
    return pairs + implied


def pairs_by_column(pairs: list[OrderPair]) -> dict[int, list[OrderPair]]:
    """The pairs each encoded column belongs to, in the order of ``pairs``.

    A column of a long chain of rules has hundreds of implied pairs in all, and only a few
    of its own: looking them up per drawn column, not scanning every pair, kept a 300-column
    table from spending most of its sampling there.
    """
    out: dict[int, list[OrderPair]] = {}
    for p in pairs:
        out.setdefault(p.low, []).append(p)
        if p.high != p.low:
            out.setdefault(p.high, []).append(p)
    return out


#: Cells gathered at a time when checking many pairs at once (pairs by rows).
_BLOCK_CELLS = 1 << 21
#: Up to this many rows, their cells are gathered at once; beyond, read column by column.
_FEW_ROWS = 512


class OrderCheck:
    """Which rows break one of ``pairs`` at column ``target``, all pairs checked at once.

    ``pairs`` all hold ``target``; ``known[i]``: the rows where pair ``i``'s other column
    counts (None: every row). A row breaks a pair when both values are present and out of
    order, so it breaks one of the pairs where ``target`` is the high side exactly when its
    value lies below the largest present low value (at or below it, for strict pairs), and
    likewise above the smallest high value. A column in a chain of rules holds hundreds of
    implied pairs: one comparison per row, not one call per pair, kept a 300-column table
    from spending most of its sampling checking them.
    """

    def __init__(self, target: int, pairs: list[OrderPair],
                 known: list[np.ndarray | None]) -> None:
        self.target, self.pairs = target, pairs
        first = pairs[0]
        self.own = first.high_missing if first.high == target else first.low_missing
        self.groups: list[tuple[bool, bool, np.ndarray, np.ndarray, np.ndarray | None]] = []
        for high_side in (True, False):
            for strict in (False, True):
                chosen = [i for i, p in enumerate(pairs)
                          if (p.high == target) == high_side and p.strict == strict]
                if not chosen:
                    continue
                others = np.array([pairs[i].low if high_side else pairs[i].high
                                   for i in chosen], dtype=np.intp)
                missing = np.array([pairs[i].low_missing if high_side else pairs[i].high_missing
                                    for i in chosen], dtype=np.intp)
                masks = [known[i] for i in chosen]
                counted = None  # imputing: per pair, the rows where it counts
                if any(m is not None for m in masks):
                    size = next(len(m) for m in masks if m is not None)
                    counted = np.stack([np.ones(size, dtype=bool) if m is None else m
                                        for m in masks])
                self.groups.append((high_side, strict, others, missing, counted))

    def broken(self, out: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Positions in ``rows`` (None: every row of ``out``) of the rows breaking a pair."""
        x = out[:, self.target] if rows is None else out[rows, self.target]
        bad = np.zeros(x.shape[0], dtype=bool)
        for high_side, strict, others, missing, counted in self.groups:
            if rows is not None and rows.size <= _FEW_ROWS:
                bound = _bound_gathered(out, rows, high_side, others, missing, counted)
            else:
                bound = _bound_by_column(out, rows, high_side, others, missing, counted)
            if high_side:
                bad |= x <= bound if strict else x < bound
            else:
                bad |= x >= bound if strict else x > bound
        if self.own >= 0:
            bad &= out[rows if rows is not None else slice(None), self.own] != MISSING_CODE
        return np.flatnonzero(bad)

    def clamp(self, out: np.ndarray, rows: np.ndarray) -> None:
        """Move each of ``rows`` onto the bound it breaks, pair after pair in their order.

        As a loop over the pairs that sets the rows breaking each onto its other value,
        with every pair counted in every row: the rows go through their pairs together,
        each from one pair it breaks to the next.
        """
        pairs = [p for p in self.pairs if not p.strict
                 and (p.low if p.high == self.target else p.high) != self.target]
        if not pairs or rows.size == 0:
            return
        up = np.array([p.high == self.target for p in pairs])[:, None]  # raised to a low
        others = np.array([p.low if p.high == self.target else p.high for p in pairs],
                          dtype=np.intp)
        values = _cells(out, rows, others)  # pairs by rows; only the target column moves
        counts = np.ones(values.shape, dtype=bool)
        for i, p in enumerate(pairs):
            gap = p.low_missing if p.high == self.target else p.high_missing
            if gap >= 0:
                counts[i] = out[rows, gap] != MISSING_CODE
        if self.own >= 0:
            counts &= out[rows, self.own] != MISSING_CODE
        x = out[rows, self.target]
        done = np.full(rows.size, -1)  # the last pair each row went through
        order = np.arange(len(pairs))[:, None]
        active = np.arange(rows.size)
        while active.size:
            now, held = x[active], values[:, active]
            hits = np.where(up, held > now, now > held) & counts[:, active]
            hits &= order > done[active]
            moving = hits.any(axis=0)
            active, first = active[moving], hits[:, moving].argmax(axis=0)
            x[active] = values[first, active]
            done[active] = first
        out[rows, self.target] = x


def _bound_by_column(out: np.ndarray, rows: np.ndarray | None, high_side: bool,
                     others: np.ndarray, missing: np.ndarray,
                     counted: np.ndarray | None) -> np.ndarray:
    """The largest (``high_side``; else smallest) counted value of ``others`` per row.

    At each of ``rows`` (None: every row), a column at a time, where it lies: NaN (none
    counted) gives way to any value.
    """
    at: slice | np.ndarray = slice(None) if rows is None else rows
    join = np.fmax if high_side else np.fmin
    bound = np.full(out.shape[0] if rows is None else rows.size, np.nan)
    for i, (other, gap) in enumerate(zip(others.tolist(), missing.tolist(), strict=True)):
        keep = None if gap < 0 else out[at, gap] != MISSING_CODE
        if counted is not None:
            keep = counted[i, at] if keep is None else keep & counted[i, at]
        if keep is None:
            join(bound, out[at, other], out=bound)
        else:
            join(bound, out[at, other], out=bound, where=keep)
    return bound


def _bound_gathered(out: np.ndarray, rows: np.ndarray, high_side: bool, others: np.ndarray,
                    missing: np.ndarray, counted: np.ndarray | None) -> np.ndarray:
    """As :func:`_bound_by_column`, for a few rows: their cells gathered at once, in blocks."""
    join = np.fmax if high_side else np.fmin
    bound: np.ndarray | None = None
    step = max(1, _BLOCK_CELLS // max(1, rows.size))
    for b in range(0, others.size, step):
        at = slice(b, b + step)
        values = _cells(out, rows, others[at])
        gaps = np.flatnonzero(missing[at] >= 0)
        if gaps.size:
            absent = _cells(out, rows, missing[at][gaps]) == MISSING_CODE
            values[gaps] = np.where(absent, np.nan, values[gaps])
        if counted is not None:
            values = np.where(counted[at][:, rows], values, np.nan)
        part = join.reduce(values, axis=0)
        bound = part if bound is None else join(bound, part, out=bound)
    assert bound is not None, "a group holds one pair or more"
    return bound


def _cells(out: np.ndarray, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """A copy of ``out``'s ``columns`` at ``rows``, one line per column."""
    return np.asarray(out[np.ix_(rows, columns)].T)
