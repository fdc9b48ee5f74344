"""Strata of a CART column: one earlier column whose every value gets a tree of its own.

Some columns are tied to an earlier one value by value: an occupation code fixes its
prestige score, and an income in constant dollars (a bracket times that year's deflator)
reveals its year. A tree with leaves of dozens of rows mixes codes or years, so it draws
prestige scores of other occupations and incomes of other years: combinations no real row
has, which a classifier finds at once (a pair AUC of 0.86 on gss_wages). When either column
determines the other in nearly every row, the column is drawn within the stratum of its
earlier partner's value: the tree first routes a row by that value (a balanced chain of
splits), then grows as usual inside each stratum.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

MIN_SHARE = 0.99  # least share of rows that follow the dependency
MAX_CHANCE_SHARE = 0.9  # with the columns paired at random, it must hold in fewer rows
MIN_STRATUM_ROWS = 5  # rows per value on average, or a column is too fine to stratify by
SEARCH_ROWS = 20_000
_TABLE_CELLS = 1 << 20  # a contingency table this small is counted directly
# a grown tree: children, feature, threshold, and each row's leaf
Grown = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


class StrataSearch:
    """Finds, for a column, the earlier column to stratify it by (codes computed once)."""

    def __init__(self, values: np.ndarray, rng: np.random.Generator) -> None:
        if values.shape[0] > SEARCH_ROWS:
            values = values[rng.choice(values.shape[0], SEARCH_ROWS, replace=False)]
        n = values.shape[0]
        self._codes: list[np.ndarray | None] = []
        self._shuffled: list[np.ndarray | None] = []
        for j in range(values.shape[1]):
            codes = _codes(values[:, j])
            fine = (codes.max(initial=0) + 1) * MIN_STRATUM_ROWS > n
            self._codes.append(None if fine else codes)
            self._shuffled.append(None if fine else rng.permutation(codes))

    def find(self, j: int, before: Sequence[int]) -> int:
        """The earlier column to stratify column ``j`` by, or -1.

        Candidates (and ``j``) have at least ``MIN_STRATUM_ROWS`` rows per value and either
        determine ``j`` or are determined by it in ``MIN_SHARE`` of the rows, and in at most
        ``MAX_CHANCE_SHARE`` with their values shuffled. The coarsest wins: fewer, larger
        strata.
        """
        y = self._codes[j]
        if y is None or y.max(initial=0) < 1:
            return -1
        best, best_groups = -1, np.inf
        for k in before:
            x, shuffled = self._codes[k], self._shuffled[k]
            if x is None or shuffled is None:
                continue
            groups = x.max(initial=0) + 1
            if groups < 2 or groups >= best_groups:
                continue
            if ((_determined(x, y) >= MIN_SHARE and _determined(shuffled, y) <= MAX_CHANCE_SHARE)
                    or (_determined(y, x) >= MIN_SHARE
                        and _determined(y, shuffled) <= MAX_CHANCE_SHARE)):
                best, best_groups = k, groups
        return best


def grow_stratified(x: np.ndarray, grow: Callable[[np.ndarray], Grown], at: int) -> Grown:
    """A tree that routes rows by each distinct value of ``x`` (predictor ``at``), then grows.

    ``grow(rows)`` fits a tree on the rows at the indices ``rows``. Node ids stay in preorder.
    """
    order = np.argsort(x, kind="stable")
    cuts, first = np.unique(x[order], return_index=True)
    bounds = np.append(first, x.size)
    nodes: list[tuple[int, int]] = []
    feature: list[np.ndarray] = []
    threshold: list[np.ndarray] = []
    leaves = np.zeros(x.size, dtype=np.int64)

    def build(lo: int, hi: int) -> int:
        """Append the subtree for strata ``lo:hi`` of ``cuts``; return its root id."""
        root = len(nodes)
        if hi - lo == 1:
            rows = order[bounds[lo]:bounds[lo + 1]]
            children, feat, thr, leaf_of = grow(rows)
            nodes.extend(map(tuple, children + root))
            feature.append(feat)
            threshold.append(thr)
            leaves[rows] = leaf_of + root
            return root
        mid = (lo + hi) // 2
        nodes.append((-1, -1))
        feature.append(np.array([at], dtype=np.int64))
        threshold.append(np.array([(float(cuts[mid - 1]) + float(cuts[mid])) / 2]))
        left = build(lo, mid)
        nodes[root] = (left, build(mid, hi))
        return root

    build(0, cuts.size)
    return (np.asarray(nodes, dtype=np.int64), np.concatenate(feature),
            np.concatenate(threshold), leaves)


def _codes(x: np.ndarray) -> np.ndarray:
    return np.unique(x, return_inverse=True)[1].astype(np.int64)


def _determined(a: np.ndarray, b: np.ndarray) -> float:
    """Share of rows whose ``b`` is the most frequent ``b`` of their ``a``."""
    a_card, b_card = int(a.max(initial=0)) + 1, int(b.max(initial=0)) + 1
    if a_card * b_card <= _TABLE_CELLS:
        table = np.bincount(a * b_card + b, minlength=a_card * b_card).reshape(a_card, b_card)
        return float(table.max(axis=1).sum() / a.size)
    pairs = a * b_card + b
    keys, counts = np.unique(pairs, return_counts=True)
    owner = keys // b_card
    order = np.lexsort((-counts, owner))  # per value of a, its most frequent pair first
    first = np.ones(order.size, dtype=bool)
    first[1:] = owner[order][1:] != owner[order][:-1]
    return float(counts[order][first].sum() / a.size)
