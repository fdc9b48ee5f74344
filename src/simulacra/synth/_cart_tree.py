"""One column of the CART synthesizer: a tree over earlier columns and its leaves' members.

Trees are fitted with scikit-learn and kept as plain arrays (children, feature, threshold,
members sorted by leaf), so a saved model holds no pickles. For sampling, the arrays are
turned back into scikit-learn's compiled ``Tree`` once per process (:func:`_compiled_tree`),
whose ``apply`` walks rows down the tree in C.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from simulacra.data._frame import EncodedColumn
from simulacra.synth._cart_links import Link, apply_link, linked_rows
from simulacra.synth._cart_strata import grow_stratified
from simulacra.synth._marginals import MISSING_CODE

_SHARED_ROWS = 50  # rows per distinct value on average beyond which a column is coarse
MANY_CLASSES = 64  # a discrete column with more categories is grown on class profiles
_PROFILE_COMPONENTS = 4  # leading components of those profiles the tree regresses on


@dataclass(frozen=True)
class Step:
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
    min_tie: int = 0  # values held by fewer training rows are interpolated (see _smooth)
    point_mass: int = 0  # values held by at least this many rows are kept whole; 0 for none
    link: int = -1  # an earlier column this one equals plus ``link_offset`` in part of the rows
    link_missing: int = -1  # the linked column's missing indicator, or -1
    link_offset: float = 0.0
    link_spike: float = 0.0  # linked column value whose rows are not linked (see Link)
    linked: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))  # per member

    def to_state(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.__dataclass_fields__}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Step:
        # a state saved before ``min_tie`` existed samples as it did then (no interpolation)
        return cls(**{f: state[f] for f in cls.__dataclass_fields__ if f in state})

    @cached_property
    def rare(self) -> tuple[np.ndarray, ...]:
        """Per rank of ``grid``, for the values held by fewer than ``min_tie`` rows.

        A mask of such ranks, then each rank's tie group start and 1 / size, and half the
        gaps to the next lower and higher distinct values (mirrored at the ends, so that
        interpolated values stay inside the observed range). Not part of the state.
        """
        g = self.grid
        distinct = np.flatnonzero(np.diff(g)) + 1 if g.size else np.zeros(0, np.intp)
        if self.min_tie < 2 or distinct.size == 0:
            return (np.zeros(g.size, dtype=bool),)
        first = np.concatenate(([0], distinct))  # start of each tie group
        size = np.diff(np.concatenate((first, [g.size])))
        v = g[first]
        gap = np.diff(v) / 2
        low = np.concatenate(([-gap[0]], gap))  # the lowest value mirrors its upper gap
        high = np.concatenate((gap, [-gap[-1]]))
        group = np.repeat(np.arange(first.size), size)
        return ((size < self.min_tie)[group], first[group].astype(np.float64),
                (1.0 / size)[group], low[group], high[group])

    @cached_property
    def in_point_mass(self) -> np.ndarray:
        """Per rank of ``grid``: whether its value is a point mass. Not part of the state."""
        g = self.grid
        if self.point_mass < 1 or not g.size:
            return np.zeros(g.size, dtype=bool)
        held = np.searchsorted(g, g, "right") - np.searchsorted(g, g, "left")
        return np.asarray(held >= self.point_mass)

    @cached_property
    def tree(self) -> Any:
        """scikit-learn's compiled tree rebuilt from the stored arrays (not part of the state)."""
        return _compiled_tree(self.children, self.feature, self.threshold, self.depth,
                              max(int(self.used.size), 1))

    @property
    def link_(self) -> Link | None:
        return (Link(self.link, self.link_missing, self.link_offset, self.link_spike)
                if self.link >= 0 else None)

    def leaves(self, x: np.ndarray) -> np.ndarray:
        """Leaf node id of every row of ``x`` (float32, one column per used predictor)."""
        if self.depth == 0:
            return np.zeros(x.shape[0], dtype=np.intp)
        return np.asarray(self.tree.apply(x))


def _compiled_tree(children: np.ndarray, feature: np.ndarray, threshold: np.ndarray,
                   depth: int, n_features: int) -> Any:
    """Build a ``sklearn.tree._tree.Tree`` whose ``apply`` follows our arrays.

    Fields we do not store (impurity, sample counts, and any a newer scikit-learn adds) are
    zero: ``apply`` reads only the children, feature, threshold and the missing-value
    direction, and our predictors are never NaN.
    """
    from sklearn.tree._tree import NODE_DTYPE, Tree

    k = len(children)
    leaf = children[:, 0] == np.arange(k)
    nodes = np.zeros(k, dtype=NODE_DTYPE)
    nodes["left_child"] = np.where(leaf, -1, children[:, 0])
    nodes["right_child"] = np.where(leaf, -1, children[:, 1])
    nodes["feature"] = np.where(leaf, -2, feature)
    nodes["threshold"] = np.where(leaf, -2.0, threshold)
    tree = Tree(n_features, np.array([1], dtype=np.intp), 1)
    tree.__setstate__({"max_depth": depth, "node_count": k, "nodes": nodes,
                       "values": np.zeros((k, 1, 1))})
    return tree


# ---- fitting one column -------------------------------------------------------------------
def _category_scores(codes: np.ndarray, card: int, y: np.ndarray, y_card: int) -> np.ndarray:
    """Score categories by their relation to the target.

    A threshold split on scores is then a meaningful split of categories (Breiman's ordering;
    for a multi-class target, the first principal component of the class frequencies).
    """
    counts = np.bincount(codes, minlength=card).astype(np.float64)
    if y_card == 0 or y_card == 2:
        sums = np.bincount(codes, weights=y, minlength=card)
        prior = float(y.mean()) if y.size else 0.0
        return (sums + prior) / (counts + 1.0)  # one pseudo-row of the global mean
    table = np.bincount(codes * y_card + y.astype(np.int64),
                        minlength=card * y_card).reshape(card, y_card)
    glob = table.sum(0) / max(table.sum(), 1)
    prob = (table + glob) / (counts[:, None] + 1.0)
    w = np.sqrt(counts + 1.0)[:, None]
    centered = prob - np.average(prob, axis=0, weights=counts + 1.0)
    _, _, vt = np.linalg.svd(w * centered, full_matrices=False)
    return np.asarray(prob @ vt[0], dtype=np.float64)


def _design(values: np.ndarray, cols: Sequence[EncodedColumn], predictors: Sequence[int],
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
            x[:, k] = _within_float32(col)
            luts.append(None)
    return x, luts


_FLOAT32_MAX = float(np.finfo(np.float32).max)


def _within_float32(values: np.ndarray) -> np.ndarray:
    """Values as trees compare them (float32): beyond its range they are its largest."""
    # two ufuncs: np.clip's wrapper cost 20 us a call, 11 ms of ames' fit
    return np.asarray(np.minimum(np.maximum(values, -_FLOAT32_MAX), _FLOAT32_MAX))


def _class_profiles(x: np.ndarray, codes: np.ndarray, card: int) -> np.ndarray:
    """Return stand-in regression targets for a column of many categories.

    Each row gets its category's mean predictor profile (standardized), reduced to its
    leading components.

    A classifier over thousands of classes costs time in proportion to the classes at every
    candidate split, yet the leaves only need to gather rows whose categories look alike:
    rows of one category share a profile, and categories with similar profiles share leaves.
    Sampling still draws the members' own categories.
    """
    x = x.astype(np.float64)  # float32 sums of huge values overflow
    z = (x - x.mean(0)) / np.maximum(x.std(0), 1e-12)
    counts = np.bincount(codes, minlength=card).astype(np.float64)
    means = np.zeros((card, x.shape[1]))
    for k in range(x.shape[1]):
        means[:, k] = np.bincount(codes, weights=z[:, k], minlength=card)
    means /= np.maximum(counts, 1.0)[:, None]
    if x.shape[1] > _PROFILE_COMPONENTS:
        w = np.sqrt(counts)[:, None]
        _, _, vt = np.linalg.svd(w * means, full_matrices=False)
        means = means @ vt[:_PROFILE_COMPONENTS].T
    return np.asarray(means[codes], dtype=np.float64)


@dataclass(frozen=True)
class Settings:
    """How every tree of a model is grown and smoothed.

    ``root``: the encoded column (a declared target) every tree splits on first when it is
    among the predictors. ``coarse``: see :func:`_smoothable`.
    """

    leaf: int
    max_depth: int | None
    scale: float  # smoothing bandwidth factor; 0 for none
    root: int = -1
    coarse: float = 0.0
    min_tie: int = 0  # see Step.min_tie; applies to smoothed columns only
    point_mass: float = 0.0  # share of the rows that makes a value a point mass (Step.point_mass)


def fit_step(values: np.ndarray, cols: Sequence[EncodedColumn], j: int,
             predictors: Sequence[int], rows: np.ndarray | None, missing: int,
             settings: Settings, seed: int, link: Link | None = None,
             stratum: int = -1) -> Step:
    """Fit the sampler of column ``j`` on ``rows`` (all when None).

    ``link``: see ``synth/_cart_links.py``; ``stratum``: an earlier column (in
    ``predictors``) whose every value gets a tree of its own (``synth/_cart_strata.py``).
    """
    leaf, max_depth, scale = settings.leaf, settings.max_depth, settings.scale
    col = cols[j]
    fill = float(np.median(values[~rows, j])) if rows is not None and (~rows).any() else 0.0
    if rows is not None:
        values = values[rows]
    y = values[:, j]
    y_card = col.cardinality if col.discrete else 0
    if y.size == 0:
        predictors = ()
    x, luts = _design(values, cols, predictors, y, y_card)
    y_fit, classify = y, col.discrete
    if col.discrete and y_card > MANY_CLASSES and x.shape[1] > 0:
        y_fit, classify = _class_profiles(x, y.astype(np.int64), y_card), False
    if stratum in predictors:
        at = predictors.index(stratum)
        children, feature, threshold, leaves = grow_stratified(
            x[:, at], lambda r: _grow(x[r], y_fit[r], classify, leaf, max_depth, seed), at)
    else:
        root = predictors.index(settings.root) if settings.root in predictors else -1
        children, feature, threshold, leaves = _grow_rooted(x, y_fit, classify, leaf,
                                                            max_depth, seed, root)
    used = np.unique(feature[np.isfinite(threshold)])
    remap = np.zeros(max(len(predictors), 1), dtype=np.int64)
    remap[used] = np.arange(used.size)
    feature = remap[feature]
    lut_parts = [luts[u] for u in used]
    lut_start = np.cumsum([0] + [len(p) if p is not None else 0 for p in lut_parts])[:-1]
    lut_start = np.where([p is None for p in lut_parts], -1, lut_start).astype(np.int64)
    depth = _depth(children)
    order = np.lexsort((y, leaves))
    bounds = np.concatenate(([0], np.cumsum(np.bincount(leaves, minlength=len(children)))))
    start, end = bounds[:-1], bounds[_last_descendant(children, depth) + 1]
    vals = y[order]
    grid = np.sort(y) if not col.discrete else np.zeros(0)
    tie_start = np.searchsorted(grid, vals) if grid.size else np.zeros(0, np.int64)
    tie_count = np.searchsorted(grid, vals, "right") - tie_start if grid.size else tie_start
    bw = np.zeros(len(children))
    min_tie = point_mass = 0
    if grid.size and scale > 0 and _smoothable(grid, settings.coarse):
        bw = _bandwidths(tie_start + (tie_count - 1) / 2, start, end, scale)
        min_tie = settings.min_tie
        if settings.point_mass > 0:  # never a value rare enough to be interpolated
            point_mass = max(math.ceil(settings.point_mass * grid.size), min_tie, 2)
    present = y if y.size else np.zeros(1)
    return Step(
        target=j, missing=missing, fill=fill, discrete=col.discrete, integer=col.integer,
        low=float(present.min()), high=float(present.max()), children=children,
        feature=feature, threshold=threshold, depth=depth,
        used=np.asarray(predictors, dtype=np.int64)[used] if used.size else used.astype(np.int64),
        lut=np.concatenate([p for p in lut_parts if p is not None] or [np.zeros(0)]),
        lut_start=lut_start, start=start.astype(np.int64), end=end.astype(np.int64),
        values=vals, bandwidth=bw, grid=grid, tie_start=tie_start.astype(np.int64),
        tie_count=tie_count.astype(np.int64), min_tie=min_tie, point_mass=point_mass,
        **_link_fields(link, values, j, order),
    )


def _link_fields(link: Link | None, values: np.ndarray, j: int,
                 order: np.ndarray) -> dict[str, Any]:
    if link is None:
        return {}
    return {"link": link.column, "link_missing": link.missing, "link_offset": link.offset,
            "link_spike": link.spike, "linked": linked_rows(values, j, link)[order]}


def _smoothable(grid: np.ndarray, coarse: float) -> bool:
    """Whether a column has more than ``max(coarse * sqrt(n), n / 50)`` distinct values.

    A column with few distinct values (counts, ratings, codes stored as numbers) is discrete:
    each value is shared by many rows, so copying one reveals little, while moving values
    across neighbours in rank space would break its exact relations to other columns (a rare
    value next to a common one is flooded by it). In large tables a value shared by 50 rows
    on average counts as coarse too (occupation codes, bracketed incomes).
    """
    if coarse == 0:
        return True
    distinct = 1 + int(np.count_nonzero(np.diff(grid)))
    return distinct > max(coarse * math.sqrt(grid.size), grid.size / _SHARED_ROWS)


def _grow_rooted(x: np.ndarray, y: np.ndarray, discrete: bool, leaf: int,
                 max_depth: int | None, seed: int, root: int) -> tuple[np.ndarray, ...]:
    """Like :func:`_grow`, but the first split is the best one on predictor ``root`` (if >= 0).

    Each side then grows its own tree, so every column keeps its relation to the root column
    (a declared target) whatever its other predictors.
    """
    if root < 0 or max_depth == 1:
        return _grow(x, y, discrete, leaf, max_depth, seed)
    cut = _grow(x[:, [root]], y, discrete, leaf, 1, seed)
    if len(cut[0]) == 1:  # no split on the root column
        return _grow(x, y, discrete, leaf, max_depth, seed)
    left = x[:, root] <= cut[2][0]
    deeper = None if max_depth is None else max_depth - 1
    a = _grow(x[left], y[left], discrete, leaf, deeper, seed)
    b = _grow(x[~left], y[~left], discrete, leaf, deeper, seed)
    na = len(a[0])
    children = np.vstack([[[1, 1 + na]], a[0] + 1, b[0] + 1 + na])
    leaves = np.empty(y.shape[0], dtype=np.int64)
    leaves[left], leaves[~left] = a[3] + 1, b[3] + 1 + na
    return (children, np.concatenate([[root], a[1], b[1]]),
            np.concatenate([cut[2][:1], a[2], b[2]]), leaves)


def _grow(x: np.ndarray, y: np.ndarray, discrete: bool, leaf: int, max_depth: int | None,
          seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Fit a scikit-learn tree; return (children, feature, threshold) and each row's leaf."""
    from sklearn import config_context
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    if x.shape[1] == 0 or y.shape[0] < 2 * leaf or np.all(y == y[0]):
        one = np.zeros(1, np.int64)
        return np.zeros((1, 2), np.int64), one, np.full(1, np.inf), np.zeros(y.shape[0], np.int64)
    model = (DecisionTreeClassifier if discrete else DecisionTreeRegressor)(
        min_samples_leaf=leaf, max_depth=max_depth, random_state=seed)
    # Our predictors are finite float32 and our parameters valid: scikit-learn's per-fit
    # checks cost about as much as growing a small tree, and a table grows many.
    # (scikit-learn's config is per thread; its warning on many classes is silenced by the
    # caller, see _cart_jobs.fit_steps)
    with config_context(skip_parameter_validation=True):
        tree = model.fit(np.asarray(x, dtype=np.float32), y, check_input=False).tree_
    ids = np.arange(tree.node_count)
    is_leaf = tree.children_left < 0
    children = np.stack([np.where(is_leaf, ids, tree.children_left),
                         np.where(is_leaf, ids, tree.children_right)], axis=1)
    feature = np.where(is_leaf, 0, tree.feature).astype(np.int64)
    threshold = np.where(is_leaf, np.inf, tree.threshold).astype(np.float64)
    return children.astype(np.int64), feature, threshold, tree.apply(x).astype(np.int64)


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
def _smooth(step: Step, pick: np.ndarray, node: np.ndarray,
            rng: np.random.Generator) -> np.ndarray:
    """Gaussian smoothing in rank space, mapped back through the empirical quantiles.

    Values shared by at least ``min_tie`` training rows stay on their value with their
    frequencies (point masses such as 0, round amounts and integers survive), while a drawn
    member moves among its neighbours. A position in a rarer value's tie group is mapped
    linearly from halfway to the next lower distinct value to halfway to the next higher
    one (the value itself at the group's middle), so a value held by one training row is not
    reproduced exactly: a synthetic copy of it would single that row out. Staying within
    half the gaps keeps values on the same side of every tree split on the column (splits
    lie halfway between training values); spanning whole gaps broke relations in tests.
    Integer columns are rounded, as the codec would.

    A member holding a heavy point mass (``Step.point_mass``: a zero frontage, a zero
    balance) keeps it, and another member whose smoothed position lands in such a block
    keeps its own value: a leaf's bandwidth spans its whole spread, so the noise would
    otherwise carry a leaf's zeros onto its other values and back, blurring the mass and
    the relation that decides it (no frontage where there is no street).
    """
    m, n = step.grid.size, pick.size
    own = rng.random(n) * step.tie_count[pick]
    own += step.tie_start[pick]
    pos = own + step.bandwidth[node] * rng.standard_normal(n, dtype=np.float32)
    np.abs(pos, out=pos)  # reflect at both ends so ranks stay uniform
    over = pos >= m
    pos[over] = 2 * m - pos[over]
    at = np.clip(pos.astype(np.intp), 0, m - 1)
    if step.point_mass:
        mass = step.in_point_mass
        kept = mass[np.minimum(step.tie_start[pick], m - 1)] | mass[at]
        pos[kept] = own[kept]
        at = np.clip(pos.astype(np.intp), 0, m - 1)
    y = step.grid[at]
    rare = step.rare
    if len(rare) > 1:
        soft = np.flatnonzero(rare[0][at])
        r = at[soft]
        d = 2 * (pos[soft] - rare[1][r]) * rare[2][r] - 1  # in [-1, 1) across the group
        y[soft] += d * np.where(d < 0, rare[3][r], rare[4][r])
        if step.integer:
            y[soft] = np.round(y[soft])
    return np.asarray(y)


def predictors(step: Step, out: np.ndarray) -> np.ndarray:
    """The float32 predictor matrix of ``step`` for the partial rows ``out``."""
    x = np.empty((out.shape[0], step.used.size), dtype=np.float32, order="F")
    for k, j in enumerate(step.used):
        if step.lut_start[k] >= 0:
            x[:, k] = step.lut[step.lut_start[k] + out[:, j].astype(np.intp)]
        else:
            x[:, k] = _within_float32(out[:, j])
    return x


def step_inputs(step: Step, out: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``out[rows]`` for :func:`sample_step`: only the columns it reads are copied.

    The others are zero. Redrawing the rows that break an order rule copied every column of
    them (a third of a 300-column sample's time).
    """
    columns = [*step.used.tolist(), step.missing]
    link = step.link_
    if link is not None:
        columns += [link.column, link.missing]
    read = np.unique(np.asarray([c for c in columns if c >= 0], dtype=np.intp))
    part = np.zeros((rows.size, out.shape[1]), order="F")
    part[:, read] = out[np.ix_(rows, read)]
    return part


def sample_step(step: Step, out: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw column ``step.target`` for every row of ``out`` (earlier columns filled)."""
    n = out.shape[0]
    node = step.leaves(predictors(step, out)) if step.depth else np.zeros(n, np.intp)
    lo, hi = step.start[node], step.end[node]
    pick = np.minimum(lo + (rng.random(n) * (hi - lo)).astype(np.int64), hi - 1)
    if not step.values.size:
        y = np.full(n, step.fill)
    elif step.grid.size:
        y = _smooth(step, pick, node, rng)
    else:
        y = step.values[pick]
    link = step.link_
    if link is not None:
        y = apply_link(y, step.linked[pick], out, link)
    if step.missing >= 0:
        y = np.where(out[:, step.missing] == MISSING_CODE, step.fill, y)
    return y
