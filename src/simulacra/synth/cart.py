"""Sequential CART synthesis (synthpop-style): each column drawn from a tree on the ones before.

The first column is drawn from its marginal; every later column from a decision tree fitted
on the columns before it: a synthetic partial row is pushed down the tree to a leaf and takes
the value of a real training member of that leaf, smoothed for continuous columns so that
synthetic rows do not sit on real ones. Trees are fitted with scikit-learn but kept as plain
arrays (children, feature, threshold, members sorted by leaf), so sampling is vectorized numpy
and a saved model holds no pickles.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from simulacra._progress import Progress
from simulacra._random import SeedLike, int_seed
from simulacra.data._frame import EncodedColumn, EncodedFrame
from simulacra.synth._base import BaseSynthesizer
from simulacra.synth._params import Check, Interval, Options

_MISSING_CODE = 1  # a "<name>.missing" indicator is 1 where the value is missing
_ORDER_BINS = 16  # bins per column when measuring dependence for the visit order
_ORDER_ROWS = 20_000  # rows used to measure dependence (a subsample beyond that)
_MAX_REDRAWS = 20


@dataclass(frozen=True)
class _Step:
    """One column's sampler: a tree over earlier columns and the leaf members' values.

    Node ids are in preorder (scikit-learn's depth-first builder), so the members of any
    subtree are contiguous once sorted by leaf: ``start``/``end`` give each node's range.
    Predictors are the columns ``used``; a discrete one is first mapped through its slice of
    ``lut`` (category -> score ordering the categories by their relation to the target).
    """

    target: int
    missing: int  # index of the indicator column whose rows are missing, or -1
    fill: float  # the encoded value of missing rows
    discrete: bool
    integer: bool
    low: float
    high: float
    children: np.ndarray  # (nodes, 2) int64; a leaf points to itself
    feature: np.ndarray  # int64, index into ``used``; 0 at leaves
    threshold: np.ndarray  # float64; +inf at leaves
    depth: int
    used: np.ndarray  # int64 encoded-column indices
    lut: np.ndarray  # float64, concatenated category scores
    lut_start: np.ndarray  # int64 per used column; -1 for a raw (continuous/binary) one
    start: np.ndarray  # int64 per node
    end: np.ndarray  # int64 per node
    values: np.ndarray  # float64 members' target values, sorted by leaf then value
    bandwidth: np.ndarray  # float64 per node, in ranks of ``grid`` (zeros if discrete)
    grid: np.ndarray  # float64 sorted training values of a continuous target (else empty)
    tie_start: np.ndarray  # int64 per member: first rank of its value in ``grid``
    tie_count: np.ndarray  # int64 per member: how often its value occurs in ``grid``

    def to_state(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.__dataclass_fields__}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> _Step:
        return cls(**{f: state[f] for f in cls.__dataclass_fields__})


class CARTSynthesizer(BaseSynthesizer):
    """Sequential decision-tree synthesizer (synthpop's CART), vectorized and pickle-free.

    Parameters
    ----------
    min_samples_leaf
        Fewest training rows in a leaf. None uses ``max(5, round(leaf_scale * sqrt(n)))``:
        leaves grow with the data, so a synthetic row mixes many real rows.
    leaf_scale
        The factor of the ``min_samples_leaf`` rule above.
    max_depth
        Deepest split of a tree; None for unlimited (leaf size then bounds the trees).
    smoothing
        ``"density"`` adds Gaussian noise to continuous values with a per-leaf Silverman
        bandwidth (then rounds integer columns and clips to the observed range);
        ``"none"`` returns real members' values as they are.
    bandwidth
        A factor on the smoothing bandwidth.
    order
        ``"auto"`` visits columns greedily by mutual information, starting from the column
        most tied to the others; ``"given"`` keeps the table's column order.
    reject_copies
        Redraw synthetic rows equal to a training row that is unique in the training data.
    seed
        Seed for fitting and sampling.
    """

    name: ClassVar[str] = "cart"
    _param_checks: ClassVar[dict[str, Check]] = {
        "min_samples_leaf": Interval(int, 1, None, allow_none=True),
        "leaf_scale": Interval(float, 0.0, None),
        "max_depth": Interval(int, 1, None, allow_none=True),
        "smoothing": Options(("density", "none")),
        "bandwidth": Interval(float, 0.0, None),
        "order": Options(("auto", "given")),
        "reject_copies": Options((True, False)),
    }

    def __init__(self, *, min_samples_leaf: int | None = None, leaf_scale: float = 0.5,
                 max_depth: int | None = None, smoothing: str = "density",
                 bandwidth: float = 1.0, order: str = "auto", reject_copies: bool = True,
                 seed: SeedLike = None) -> None:
        self.min_samples_leaf = min_samples_leaf
        self.leaf_scale = leaf_scale
        self.max_depth = max_depth
        self.smoothing = smoothing
        self.bandwidth = bandwidth
        self.order = order
        self.reject_copies = reject_copies
        self.seed = seed

    # ---- fit ----------------------------------------------------------------------------
    def _fit(self, frame: EncodedFrame, *, rng: np.random.Generator, progress: Progress) -> None:
        values, cols = frame.values, frame.columns
        units = _units(cols)
        if self.order == "auto":
            units = _auto_order(values, cols, units, rng)
        leaf = self.min_samples_leaf
        if leaf is None:
            leaf = max(5, round(self.leaf_scale * math.sqrt(frame.n_rows)))
        scale = self.bandwidth if self.smoothing == "density" else 0.0
        progress.start("fit trees", total=len(cols))
        steps: list[_Step] = []
        before: list[int] = []
        for unit in units:
            for j in unit:
                # a value column is learnt on its present rows; its indicator is then constant
                missing = unit[0] if j != unit[0] else -1
                rows = values[:, missing] != _MISSING_CODE if missing >= 0 else None
                steps.append(_fit_step(values, cols, j, before, rows, missing,
                                       leaf, self.max_depth, scale, int_seed(rng)))
                progress.advance()
            before.extend(unit)
        progress.finish()
        self.steps_ = steps
        self.columns_ = cols
        self.copy_hashes_ = _unique_row_hashes(values, steps)

    # ---- sample -------------------------------------------------------------------------
    def _sample(self, n: int, *, rng: np.random.Generator) -> EncodedFrame:
        out = self._draw(n, rng)
        if self.reject_copies and self.copy_hashes_.size:
            for _ in range(_MAX_REDRAWS):
                bad = np.flatnonzero(_is_member(_row_hashes(out, self.steps_), self.copy_hashes_))
                if bad.size == 0:
                    break
                out[bad] = self._draw(bad.size, rng)
        return EncodedFrame(out, self.columns_)

    def _draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        out = np.zeros((n, len(self.columns_)), order="F")  # column-wise writes and reads
        for step in self.steps_:
            out[:, step.target] = _sample_step(step, out, rng)
        return np.ascontiguousarray(out)

    # ---- state --------------------------------------------------------------------------
    def _get_state(self) -> dict[str, Any]:
        return {
            "columns": [c.to_dict() for c in self.columns_],
            "steps": [s.to_state() for s in self.steps_],
            "copy_hashes": self.copy_hashes_,
        }

    def _set_state(self, state: dict[str, Any]) -> None:
        self.columns_ = tuple(EncodedColumn.from_dict(c) for c in state["columns"])
        self.steps_ = [_Step.from_state(s) for s in state["steps"]]
        self.copy_hashes_ = np.asarray(state["copy_hashes"], dtype=np.uint64)


# ---- visit order --------------------------------------------------------------------------
def _units(cols: Sequence[EncodedColumn]) -> list[list[int]]:
    """Columns grouped so that a missing indicator stays just before its value column."""
    units: list[list[int]] = []
    i = 0
    while i < len(cols):
        paired = (i + 1 < len(cols) and cols[i].discrete
                  and cols[i].name == cols[i + 1].name + ".missing")
        units.append([i, i + 1] if paired else [i])
        i += 2 if paired else 1
    return units


def _unit_codes(values: np.ndarray, cols: Sequence[EncodedColumn], unit: list[int]) -> np.ndarray:
    """Code a unit in at most ``_ORDER_BINS`` bins (quantiles or the most frequent codes)."""
    j = unit[-1]
    x = values[:, j]
    if cols[j].discrete:
        counts = np.bincount(x.astype(np.int64))
        top = np.argsort(-counts, kind="stable")[: _ORDER_BINS - 1]
        remap = np.full(counts.size, _ORDER_BINS - 1)
        remap[top] = np.arange(top.size)
        codes = remap[x.astype(np.int64)]
    else:
        edges = np.unique(np.quantile(x, np.linspace(0, 1, _ORDER_BINS - 1)[1:-1]))
        codes = np.searchsorted(edges, x, side="right")
    if len(unit) == 2:  # missing rows get a code of their own
        codes = np.where(values[:, unit[0]] == _MISSING_CODE, _ORDER_BINS, codes)
    return np.asarray(codes, dtype=np.int64)


def _nmi(a: np.ndarray, b: np.ndarray) -> float:
    """Mutual information of two code vectors over the geometric mean of their entropies."""
    ka, kb = int(a.max()) + 1, int(b.max()) + 1
    joint = np.bincount(a * kb + b, minlength=ka * kb).reshape(ka, kb) / a.size
    pa, pb = joint.sum(1), joint.sum(0)
    nz = joint > 0
    mi = float(np.sum(joint[nz] * np.log(joint[nz] / np.outer(pa, pb)[nz])))
    ha = -float(np.sum(pa[pa > 0] * np.log(pa[pa > 0])))
    hb = -float(np.sum(pb[pb > 0] * np.log(pb[pb > 0])))
    return mi / math.sqrt(ha * hb) if ha > 0 and hb > 0 else 0.0


def _auto_order(values: np.ndarray, cols: Sequence[EncodedColumn], units: list[list[int]],
                rng: np.random.Generator) -> list[list[int]]:
    """Order units greedily by mutual information.

    Start with the unit most tied to all others, then always take the unit most tied to those
    already placed, tier by tier (see :func:`_tier`).
    """
    if values.shape[0] > _ORDER_ROWS:
        values = values[rng.choice(values.shape[0], _ORDER_ROWS, replace=False)]
    codes = [_unit_codes(values, cols, u) for u in units]
    k = len(units)
    dep = np.zeros((k, k))
    for a in range(k):
        for b in range(a + 1, k):
            dep[a, b] = dep[b, a] = _nmi(codes[a], codes[b])
    tier = np.array([_tier(cols[u[-1]], len(u), len(values)) for u in units])
    placed = [int(np.argmax(dep.sum(1) - 1e9 * tier))]
    left = set(range(k)) - set(placed)
    while left:
        cand = sorted(left)
        gain = dep[np.ix_(cand, placed)].sum(1) - 1e9 * tier[cand]
        placed.append(cand[int(np.argmax(gain))])
        left.discard(placed[-1])
    return [units[i] for i in placed]


def _tier(col: EncodedColumn, width: int, n: int) -> int:
    """Rank columns for the visit order: binary columns first, then the rest.

    A binary column is a cheap marginal that every later tree can split on cleanly (flags,
    classes); discrete columns with more categories than sqrt(n) go last.
    """
    if col.discrete and col.cardinality <= 2 and width == 1:
        return 0
    return 2 if col.discrete and col.cardinality > math.sqrt(n) else 1


# ---- fitting one column -------------------------------------------------------------------
def _category_scores(codes: np.ndarray, card: int, y: np.ndarray, y_card: int) -> np.ndarray:
    """Score categories by their relation to the target.

    A threshold split on scores is then a meaningful split of categories (Breiman's ordering;
    for a multi-class target, the first principal component of the class frequencies).
    """
    counts = np.bincount(codes, minlength=card).astype(np.float64)
    if y_card == 0 or y_card == 2:
        sums = np.bincount(codes, weights=y, minlength=card)
        prior = float(y.mean())
        return (sums + prior) / (counts + 1.0)  # one pseudo-row of the global mean
    table = np.bincount(codes * y_card + y.astype(np.int64),
                        minlength=card * y_card).reshape(card, y_card)
    glob = table.sum(0) / table.sum()
    prob = (table + glob) / (counts[:, None] + 1.0)
    w = np.sqrt(counts + 1.0)[:, None]
    centered = prob - np.average(prob, axis=0, weights=counts + 1.0)
    _, _, vt = np.linalg.svd(w * centered, full_matrices=False)
    return np.asarray(prob @ vt[0], dtype=np.float64)


def _design(values: np.ndarray, cols: Sequence[EncodedColumn], predictors: list[int],
            y: np.ndarray, y_card: int) -> tuple[np.ndarray, list[np.ndarray | None]]:
    """Build the predictor matrix a tree learns from, and each predictor's category scores."""
    x = np.empty((values.shape[0], len(predictors)), dtype=np.float32)
    luts: list[np.ndarray | None] = []
    for k, p in enumerate(predictors):
        col = values[:, p]
        if cols[p].discrete and cols[p].cardinality > 2:
            lut = _category_scores(col.astype(np.int64), cols[p].cardinality, y, y_card)
            x[:, k] = lut[col.astype(np.int64)]
            luts.append(lut)
        else:
            x[:, k] = col
            luts.append(None)
    return x, luts


def _fit_step(values: np.ndarray, cols: Sequence[EncodedColumn], j: int, predictors: list[int],
              rows: np.ndarray | None, missing: int, leaf: int, max_depth: int | None,
              scale: float, seed: int) -> _Step:
    """Fit the sampler of column ``j`` on ``rows`` (all when None)."""
    col = cols[j]
    fill = float(np.median(values[~rows, j])) if rows is not None and (~rows).any() else 0.0
    if rows is not None:
        values = values[rows]
    y = values[:, j]
    y_card = col.cardinality if col.discrete else 0
    if y.size == 0:
        predictors = []
    x, luts = _design(values, cols, predictors, y, y_card)
    children, feature, threshold = _grow(x, y, col.discrete, leaf, max_depth, seed)
    used = np.unique(feature[np.isfinite(threshold)])
    remap = np.zeros(max(len(predictors), 1), dtype=np.int64)
    remap[used] = np.arange(used.size)
    feature = remap[feature]
    x = x[:, used]
    lut_parts = [luts[u] for u in used]
    lut_start = np.cumsum([0] + [len(p) if p is not None else 0 for p in lut_parts])[:-1]
    lut_start = np.where([p is None for p in lut_parts], -1, lut_start).astype(np.int64)
    depth = _depth(children)
    leaves = _traverse(children, feature, threshold, x, depth)
    order = np.lexsort((y, leaves))
    bounds = np.concatenate(([0], np.cumsum(np.bincount(leaves, minlength=len(children)))))
    last = _last_descendant(children, depth)
    start, end = bounds[:-1], bounds[last + 1]
    vals = y[order]
    grid = np.sort(y) if not col.discrete else np.zeros(0)
    tie_start = np.searchsorted(grid, vals) if grid.size else np.zeros(0, np.int64)
    tie_count = np.searchsorted(grid, vals, "right") - tie_start if grid.size else tie_start
    bw = np.zeros(len(children))
    if grid.size and scale > 0:
        bw = _bandwidths(tie_start + (tie_count - 1) / 2, start, end, scale)
    present = y if y.size else np.zeros(1)
    return _Step(
        target=j, missing=missing, fill=fill, discrete=col.discrete, integer=col.integer,
        low=float(present.min()), high=float(present.max()), children=children,
        feature=feature, threshold=threshold, depth=depth,
        used=np.asarray(predictors, dtype=np.int64)[used] if used.size else used.astype(np.int64),
        lut=np.concatenate([p for p in lut_parts if p is not None] or [np.zeros(0)]),
        lut_start=lut_start, start=start.astype(np.int64), end=end.astype(np.int64),
        values=vals, bandwidth=bw, grid=grid, tie_start=tie_start.astype(np.int64),
        tie_count=tie_count.astype(np.int64),
    )


def _grow(x: np.ndarray, y: np.ndarray, discrete: bool, leaf: int, max_depth: int | None,
          seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fit a scikit-learn tree and return it as (children, feature, threshold) arrays."""
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    if x.shape[1] == 0 or y.size < 2 * leaf or np.all(y == y[0]):
        return np.zeros((1, 2), dtype=np.int64), np.zeros(1, np.int64), np.full(1, np.inf)
    model = (DecisionTreeClassifier if discrete else DecisionTreeRegressor)(
        min_samples_leaf=leaf, max_depth=max_depth, random_state=seed)
    tree = model.fit(x, y).tree_
    ids = np.arange(tree.node_count)
    is_leaf = tree.children_left < 0
    children = np.stack([np.where(is_leaf, ids, tree.children_left),
                         np.where(is_leaf, ids, tree.children_right)], axis=1)
    feature = np.where(is_leaf, 0, tree.feature).astype(np.int64)
    threshold = np.where(is_leaf, np.inf, tree.threshold).astype(np.float64)
    return children.astype(np.int64), feature, threshold


def _depth(children: np.ndarray) -> int:
    """Count the splits on the longest root-to-leaf path."""
    depth = np.zeros(len(children), dtype=np.int64)
    internal = np.flatnonzero(children[:, 0] != np.arange(len(children)))
    for i in internal:  # preorder: a parent comes before its children
        depth[children[i]] = depth[i] + 1
    return int(depth.max())


def _last_descendant(children: np.ndarray, depth: int) -> np.ndarray:
    """Find the highest node id in each node's subtree (its rightmost leaf, in preorder)."""
    last = np.arange(len(children))
    for _ in range(depth):
        last = last[children[last, 1]]
    return last


def _bandwidths(vals: np.ndarray, start: np.ndarray, end: np.ndarray, scale: float) -> np.ndarray:
    """Silverman's rule per node, ``0.9 min(sd, IQR/1.34) m^(-1/5)``, on sorted members."""
    m = np.maximum(end - start, 1)
    c = vals - (vals.mean() if vals.size else 0.0)  # centred, for a stable variance
    csum = np.concatenate(([0.0], np.cumsum(c)))
    csq = np.concatenate(([0.0], np.cumsum(c * c)))
    mean = (csum[end] - csum[start]) / m
    var = np.maximum((csq[end] - csq[start]) / m - mean**2, 0.0)
    # members are sorted by value only within a leaf; quartiles are exact for leaves
    top = max(vals.size - 1, 0)
    q1 = vals[np.minimum(start + (m - 1) // 4, top)] if vals.size else mean
    q3 = vals[np.minimum(start + 3 * (m - 1) // 4, top)] if vals.size else mean
    spread = np.sqrt(var)
    iqr = (q3 - q1) / 1.34
    spread = np.where(iqr > 0, np.minimum(spread, iqr), spread)
    return np.asarray(scale * 0.9 * spread * m ** -0.2, dtype=np.float64)


# ---- sampling -----------------------------------------------------------------------------
def _traverse(children: np.ndarray, feature: np.ndarray, threshold: np.ndarray,
              x: np.ndarray, depth: int) -> np.ndarray:
    """Leaf id of every row of ``x`` (float32, one column per used predictor), by depth."""
    n = x.shape[0]
    node = np.zeros(n, dtype=np.int64)
    flat, kids = x.ravel(order="F"), children.ravel()  # column-major: no copy from _predictors
    column_start = feature * n
    is_leaf = np.isinf(threshold)
    rows = np.arange(n, dtype=np.int64)  # rows still above a leaf
    cur = node
    for level in range(depth):
        right = flat[column_start[cur] + rows] > threshold[cur]
        cur = kids[2 * cur + right]
        if level % 3 == 2 and level + 1 < depth:  # park finished rows now and then
            done = is_leaf[cur]
            node[rows[done]] = cur[done]
            keep = ~done
            rows, cur = rows[keep], cur[keep]
    node[rows] = cur
    return node


def _smooth(step: _Step, pick: np.ndarray, node: np.ndarray,
            rng: np.random.Generator) -> np.ndarray:
    """Gaussian smoothing in rank space, mapped back through the empirical quantiles.

    Values stay on observed values with their frequencies (point masses such as 0, round
    amounts and integers survive), while a drawn member moves among its neighbours.
    """
    m, n = step.grid.size, pick.size
    pos = step.tie_start[pick] + rng.random(n) * step.tie_count[pick]
    pos += step.bandwidth[node] * rng.standard_normal(n)
    pos = np.abs(pos)  # reflect at both ends so ranks stay uniform
    pos = np.where(pos >= m, 2 * m - pos, pos)
    return np.asarray(step.grid[np.clip(pos.astype(np.int64), 0, m - 1)])


def _predictors(step: _Step, out: np.ndarray) -> np.ndarray:
    x = np.asfortranarray(out[:, step.used], dtype=np.float32)
    for k in np.flatnonzero(step.lut_start >= 0):
        x[:, k] = step.lut[step.lut_start[k] + out[:, step.used[k]].astype(np.int64)]
    return x


def _sample_step(step: _Step, out: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw column ``step.target`` for every row of ``out`` (earlier columns filled)."""
    n = out.shape[0]
    x = _predictors(step, out) if step.depth else np.zeros((n, 1), np.float32)
    node = _traverse(step.children, step.feature, step.threshold, x, step.depth)
    lo, hi = step.start[node], step.end[node]
    pick = lo + (rng.random(n) * (hi - lo)).astype(np.int64)
    y = step.values[np.minimum(pick, step.values.size - 1)] if step.values.size else (
        np.full(n, step.fill))
    if step.grid.size and step.values.size:
        y = _smooth(step, pick, node, rng)
    if step.missing >= 0:
        y = np.where(out[:, step.missing] == _MISSING_CODE, step.fill, y)
    return y


# ---- copies of training rows --------------------------------------------------------------
def _row_hashes(values: np.ndarray, steps: Sequence[_Step]) -> np.ndarray:
    """Hash each row's decoded-relevant values to 64 bits (a missing value's fill is not)."""
    v = values.copy()
    for s in steps:
        if s.missing >= 0:
            v[:, s.target] = np.where(v[:, s.missing] == _MISSING_CODE, 0.0, v[:, s.target])
    bits = (v.astype(np.float32) + np.float32(0.0)).view(np.uint32).astype(np.uint64)
    h = np.full(values.shape[0], 0x9E3779B97F4A7C15, dtype=np.uint64)
    for j in range(bits.shape[1]):
        h = (h ^ bits[:, j]) * np.uint64(0x100000001B3)
        h ^= h >> np.uint64(29)
    return h


def _unique_row_hashes(values: np.ndarray, steps: Sequence[_Step]) -> np.ndarray:
    """Sorted hashes of training rows that occur once: copying those would copy a person."""
    hashes, counts = np.unique(_row_hashes(values, steps), return_counts=True)
    return np.asarray(hashes[counts == 1], dtype=np.uint64)


def _is_member(hashes: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    pos = np.minimum(np.searchsorted(sorted_set, hashes), sorted_set.size - 1)
    return np.asarray(sorted_set[pos] == hashes)
