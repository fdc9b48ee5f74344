"""Missing values shared by many columns: one pattern per row, drawn once.

The codec gives each number column with missing values an indicator ``<name>.missing``. A
model that draws each indicator on its own (a tree each in ``cart``, a latent normal each in
``copula``, a node each in ``bayesnet``) cannot keep many columns missing together in a few
rows (a questionnaire section left out, a panel's unreported years): each item keeps about
its share, but the gaps no longer fall in the same rows, and a total of the items is missing
far more often than in the real rows.

A *block* is a group of indicators whose every two members' missing rows overlap by at least
half of their union (Jaccard index >= ``JACCARD``, complete linkage), and whose missing cells
lie mostly (``COVERAGE``) in joint patterns, two or more members missing together in at least
``MIN_PATTERN_ROWS`` rows. A block's rows are coded by their pattern: each pattern seen in at
least ``MIN_PATTERN_ROWS`` rows is a level of its own, and every rarer pattern shares one
*rare* level. A model draws the level as it would a discrete column (the model's part), and
the level sets every member's indicator at once (``MissingBlock.indicators``). A row at the
rare level draws how many members are missing from the real rare rows' counts, then which
ones, each member weighted by its share among those rows (without replacement), and draws
again while that gives a frequent pattern: a pattern seen in a single real row comes back no
more often than chance makes it, while the members' shares and how many go missing together
are kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulacra.synth._marginals import MISSING_CODE

JACCARD = 0.5  # least overlap of two members' missing rows, over their union
COVERAGE = 0.5  # least share of a block's missing cells that lie in frequent joint patterns
MIN_PATTERN_ROWS = 5  # fewest rows that make a pattern a level of its own
_RARE_REDRAWS = 20  # draws of a rare-level row that still gives a frequent pattern


@dataclass(frozen=True)
class MissingBlock:
    """Indicators drawn together: a level per row, decoded into every member's indicator.

    ``column`` is where the model keeps the level, numbered past the encoded columns (or the
    attributes), since the level is no column of the table: ``cart``'s step, ``copula``'s
    latent column, ``bayesnet``'s node. ``patterns`` holds the frequent levels'
    indicator codes (one row per level); level ``rare`` (``len(patterns)``, or -1 when every
    real pattern is frequent) stands for all the rarer ones.
    """

    column: int
    members: np.ndarray  # int64 indicator columns, ascending
    patterns: np.ndarray  # float64 (levels, members) indicator codes
    rare: int
    rare_share: np.ndarray  # float64 per member: share missing among rows of rare patterns
    rare_count: np.ndarray  # float64 by count 0..members: share of rare rows missing that many

    @property
    def n_levels(self) -> int:
        """How many levels the block's rows take (the frequent patterns, and the rare one)."""
        return len(self.patterns) + (1 if self.rare >= 0 else 0)

    def to_state(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.__dataclass_fields__}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> MissingBlock:
        return cls(column=int(state["column"]),
                   members=np.asarray(state["members"], dtype=np.int64),
                   patterns=np.asarray(state["patterns"], dtype=np.float64),
                   rare=int(state["rare"]),
                   rare_share=np.asarray(state["rare_share"], dtype=np.float64),
                   rare_count=np.asarray(state["rare_count"], dtype=np.float64))

    def indicators(self, levels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The members' indicator codes (rows x members) for each row's drawn level."""
        at = levels.astype(np.intp)
        out = self.patterns[np.minimum(at, len(self.patterns) - 1)]
        rows = np.flatnonzero(at == self.rare)
        for _ in range(_RARE_REDRAWS):
            if rows.size == 0:
                break
            out[rows] = np.where(self._rare_draw(rows.size, rng), MISSING_CODE, 0.0)
            rows = rows[self._frequent(out[rows])]
        return out

    def _rare_draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Missing members (rows x members) of ``n`` rare rows: a count, then weighted picks."""
        count = rng.choice(self.rare_count.size, size=n, p=self.rare_count)
        # weighted sampling without replacement (Efraimidis and Spirakis): the ``count``
        # members with the largest log(u) / weight; a member never missing is never picked
        with np.errstate(divide="ignore"):
            key = np.log(rng.random((n, self.members.size))) / self.rare_share
        rank = np.argsort(np.argsort(-key, axis=1, kind="stable"), axis=1, kind="stable")
        return np.asarray(rank < count[:, None])

    def _frequent(self, codes: np.ndarray) -> np.ndarray:
        """Rows of ``codes`` equal to a frequent pattern."""
        hit = np.zeros(codes.shape[0], dtype=bool)
        for pattern in self.patterns:
            hit |= np.all(codes == pattern, axis=1)
        return hit


def find_blocks(values: np.ndarray, indicators: Sequence[int]) -> list[np.ndarray]:
    """Groups of ``indicators`` (ascending columns) whose missing rows largely coincide.

    See the module docstring for the criterion.
    """
    counts = np.array([np.count_nonzero(values[:, j] == MISSING_CODE) for j in indicators])
    cand = np.asarray(indicators, dtype=np.int64)[counts >= MIN_PATTERN_ROWS]
    if cand.size < 2:
        return []
    jac = _jaccard(values[:, cand] == MISSING_CODE)
    linked = np.flatnonzero(np.count_nonzero(jac >= JACCARD, axis=1) > 1)  # beyond itself
    if linked.size < 2:
        return []
    # imported only here: scipy's clustering took 30 ms of every fit without such columns
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    dist = 1.0 - jac[np.ix_(linked, linked)]
    np.fill_diagonal(dist, 0.0)
    # complete linkage: a cluster's largest distance is its merge height
    labels = fcluster(linkage(squareform(dist, checks=False), "complete"), 1.0 - JACCARD,
                      "distance")
    blocks = []
    for label in np.unique(labels):
        members = np.sort(cand[linked[labels == label]])
        if members.size > 1 and _joint_share(values[:, members] == MISSING_CODE) >= COVERAGE:
            blocks.append(members)
    return blocks


def _jaccard(missing: np.ndarray) -> np.ndarray:
    """Jaccard index of every two columns' missing rows (a boolean matrix's columns)."""
    from scipy import sparse

    m = sparse.csc_matrix(missing, dtype=np.float64)
    inter = (m.T @ m).toarray()
    count = np.diag(inter)
    return np.asarray(inter / (count[:, None] + count[None, :] - inter))


def _patterns(missing: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each distinct row pattern, each row's pattern, and how many rows hold each.

    Patterns are ordered by their rows, most first (ties in the order of ``np.unique``).
    """
    pats, inverse, counts = np.unique(missing, axis=0, return_inverse=True, return_counts=True)
    order = np.argsort(-counts, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return pats[order], rank[inverse.ravel()], counts[order]


def _joint_share(missing: np.ndarray) -> float:
    """Share of the missing cells that lie in frequent patterns of two or more members."""
    pats, _, counts = _patterns(missing)
    cells = counts * pats.sum(axis=1)
    joint = (counts >= MIN_PATTERN_ROWS) & (pats.sum(axis=1) >= 2)
    return float(cells[joint].sum() / max(cells.sum(), 1))


def fit_block(values: np.ndarray, members: np.ndarray,
              column: int) -> tuple[MissingBlock, np.ndarray]:
    """The block of ``members`` whose level is ``column``, and each training row's level."""
    missing = values[:, members] == MISSING_CODE
    pats, level, counts = _patterns(missing)
    frequent = int(np.count_nonzero(counts >= MIN_PATTERN_ROWS))
    rare_rows = level >= frequent
    level = np.minimum(level, frequent)
    rare = missing[rare_rows]
    count = np.bincount(rare.sum(axis=1), minlength=members.size + 1)
    block = MissingBlock(column=column, members=members.astype(np.int64),
                         patterns=np.where(pats[:frequent], float(MISSING_CODE), 0.0),
                         rare=frequent if rare.size else -1,
                         rare_share=rare.mean(axis=0) if rare.size else np.zeros(members.size),
                         rare_count=count / max(count.sum(), 1))
    return block, level.astype(np.float64)


def fit_blocks(values: np.ndarray, indicators: Sequence[int],
               first: int) -> tuple[list[MissingBlock], list[np.ndarray]]:
    """The blocks among ``indicators`` (levels numbered from ``first``) and their rows' levels."""
    blocks: list[MissingBlock] = []
    levels: list[np.ndarray] = []
    for members in find_blocks(values, indicators):
        block, level = fit_block(values, members, first + len(blocks))
        blocks.append(block)
        levels.append(level)
    return blocks, levels
