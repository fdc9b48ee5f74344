"""SMOTE-NC and SMOTEN that keep each class's missing values where its real rows have them.

imbalanced-learn's SMOTE-NC treats a missing cell like a category: a number's ``.missing``
indicator and a category's missing code go to the majority of the base row's neighbours. A
majority vote pushes a share towards 0 or 1 (with 5 neighbours, a column missing in 30% of
the class is missing in a new row only when 3 of them miss it) and each column votes alone,
so columns missing together come apart. Here a new row takes its missing pattern from its
base row. SMOTE-NC draws the base row uniformly from the class, so every column, and every
combination of columns, is missing in the added rows as often as in the real rows (in
expectation), and each added row's pattern is one a real row has.

The values follow SMOTE-NC under that pattern. The neighbour to move towards is drawn among
those that have every number the base has, so the new row lies between two real rows (where
none has them all, a number the neighbour misses stays at the base's value: its cell holds
the imputed median, no value to move towards). A category the base has takes the most common
value among the neighbours that have one (the base's own when none does). Everything else is
SMOTE-NC as in imbalanced-learn: neighbours within the class, continuous columns in
standardized units, each differing category counting the class's median standard deviation;
a uniform base row, a neighbour among its ``k``, a uniform step. Without continuous columns it
is SMOTEN: neighbours under the value difference metric, and every column the most common
value among the base row and its neighbours.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from simulacra._progress import Progress, or_null
from simulacra._warnings import quiet
from simulacra.data._codec_base import MISSING_SUFFIX
from simulacra.data._codec_kinds import CategoricalCodec
from simulacra.data._codecs import TableCodec
from simulacra.data._frame import EncodedColumn
from simulacra.rebalancing._classes import Classes


@dataclass(frozen=True)
class MissingLayout:
    """Where the features say "missing" (positions among the features, not the frame).

    Parameters
    ----------
    indicators
        The ``.missing`` indicators (1 = missing).
    masked
        The value column each indicator belongs to.
    coded
        The categories with a code for missing.
    codes
        That code, per column of ``coded``.
    """

    indicators: np.ndarray
    masked: np.ndarray
    coded: np.ndarray
    codes: np.ndarray

    @classmethod
    def of(cls, codec: TableCodec, columns: Sequence[EncodedColumn],
           features: Sequence[int]) -> MissingLayout:
        """The layout of the encoded ``columns`` taken as ``features``."""
        position = {frame_index: j for j, frame_index in enumerate(features)}
        value_of = {columns[i].source: j for j, i in enumerate(features)
                    if not columns[i].discrete}
        indicators, masked, coded, codes = [], [], [], []
        for j, i in enumerate(features):
            col = columns[i]
            if col.name == col.source + MISSING_SUFFIX and col.source in value_of:
                indicators.append(j)
                masked.append(value_of[col.source])
            elif col.discrete and col.name == col.source and _has_missing_code(codec, col):
                coded.append(position[i])
                codes.append(col.cardinality - 1)  # missing is the last code
        return cls(*(np.asarray(v, dtype=np.int64) for v in (indicators, masked, coded, codes)))

    def missing(self, x: np.ndarray) -> np.ndarray:
        """True where a value column's cell is missing (indicators themselves are False)."""
        out = np.zeros(x.shape, dtype=bool)
        out[:, self.masked] = x[:, self.indicators] >= 0.5
        out[:, self.coded] = x[:, self.coded] == self.codes
        return out


def _has_missing_code(codec: TableCodec, column: EncodedColumn) -> bool:
    source = codec.codec(column.source)
    return isinstance(source, CategoricalCodec) and source.has_missing


def resample(x: np.ndarray, classes: Classes, adds: np.ndarray, continuous: np.ndarray,
             cardinality: Sequence[int], layout: MissingLayout, k: int,
             rng: np.random.Generator, progress: Progress | None = None
             ) -> tuple[np.ndarray, np.ndarray]:
    """New rows (in the units of ``x``) and their classes, for every class with ``adds > 0``.

    SMOTE-NC when some column is continuous, SMOTEN when none is. ``progress`` is advanced
    once per class, as its rows are made (its neighbour search is most of the time).
    """
    smoten = not continuous.any()
    made_x, made_y = [], []
    for c in map(int, np.flatnonzero(adds)):
        rows = classes.rows(c)
        neighbours = (vdm_neighbours(x, classes.codes, rows, cardinality, k) if smoten
                      else nc_neighbours(x[rows], continuous, cardinality, k))
        made_x.append(new_rows(x[rows], continuous, cardinality, layout, neighbours,
                               int(adds[c]), voters_include_base=smoten, rng=rng))
        made_y.append(np.full(int(adds[c]), c, dtype=np.int64))
        or_null(progress).advance()
    return np.vstack(made_x), np.concatenate(made_y)


def nc_neighbours(x: np.ndarray, continuous: np.ndarray, cardinality: Sequence[int],
                  k: int) -> np.ndarray:
    """The ``k`` nearest other rows of each row of one class, as SMOTE-NC measures them.

    ``x`` holds standardized continuous columns and integer codes; a differing category adds
    the class's median standard deviation of the continuous columns (imbalanced-learn's
    one-hot columns of ``median / sqrt(2)``).
    """
    from sklearn.neighbors import NearestNeighbors

    numbers = x[:, continuous]
    median_std = float(np.median(numbers.std(axis=0))) if numbers.shape[1] else 1.0
    categories = [_one_hot(x[:, j], cardinality[j]) * (median_std / np.sqrt(2.0))
                  for j in map(int, np.flatnonzero(~continuous))]
    # sparse, as imbalanced-learn builds it: a category may have thousands of values
    space = sparse.hstack([sparse.csr_matrix(numbers), *categories], format="csr")
    found: np.ndarray = NearestNeighbors(n_neighbors=k).fit(space).kneighbors(
        return_distance=False)  # no query: each row is not its own neighbour
    return found


def vdm_neighbours(codes: np.ndarray, classes: np.ndarray, rows: np.ndarray,
                   cardinality: Sequence[int], k: int) -> np.ndarray:
    """SMOTEN's neighbours of the class ``rows``: the row itself, then its ``k`` nearest.

    The value difference metric is fitted on every class, as imbalanced-learn's SMOTEN does.
    """
    from imblearn.metrics.pairwise import ValueDifferenceMetric
    from sklearn.neighbors import NearestNeighbors

    codes = codes.astype(np.int64)
    vdm = ValueDifferenceMetric(n_categories=list(cardinality)).fit(codes, classes)
    # imbalanced-learn's own calls, deprecated by SciPy 1.18
    with quiet(DeprecationWarning, "`(distance_matrix|minkowski_distance(_p)?)` is deprecated"):
        distances = vdm.pairwise(codes[rows])
    nn = NearestNeighbors(n_neighbors=k, metric="precomputed").fit(distances)
    others: np.ndarray = nn.kneighbors(return_distance=False)
    return np.column_stack([np.arange(len(rows)), others])


def new_rows(x: np.ndarray, continuous: np.ndarray, cardinality: Sequence[int],
             layout: MissingLayout, neighbours: np.ndarray, n_new: int, *,
             voters_include_base: bool, rng: np.random.Generator) -> np.ndarray:
    """``n_new`` rows of one class whose rows are ``x``, each with its base row's missing cells.

    Parameters
    ----------
    x
        The class's rows: standardized continuous columns, integer codes for the others.
    continuous
        Which columns are continuous.
    cardinality
        Codes per column (0 for a continuous one).
    layout
        Where the columns say "missing".
    neighbours
        Per row, the rows it is interpolated towards (the first column is the row itself
        when ``voters_include_base``).
    n_new
        Rows to make.
    voters_include_base
        SMOTEN: the base row votes on its categories too; SMOTE-NC: only its neighbours.
    rng
        Draws the base rows, their neighbours, the steps and the ties among categories.
    """
    own = 1 if voters_include_base else 0
    missing = layout.missing(x)
    base = rng.integers(len(x), size=n_new)
    partner = _partners(neighbours[:, own:], missing[:, continuous], base, rng)
    step = rng.random(n_new)[:, None]
    out = x[base].copy()  # the indicators: the base row's pattern
    moves = continuous & ~missing[base] & ~missing[partner]
    out[moves] = (x[base] + step * (x[partner] - x[base]))[moves]
    voters = neighbours[base]
    indicators = set(layout.indicators.tolist())
    for j in map(int, np.flatnonzero(~continuous)):
        if j not in indicators:
            out[:, j] = _vote(x[:, j], missing[:, j], base, voters, cardinality[j], rng)
    return out


def _partners(neighbours: np.ndarray, missing: np.ndarray, base: np.ndarray,
              rng: np.random.Generator) -> np.ndarray:
    """One neighbour per base row, at random among those that have every number it has.

    Moving all columns towards one row that has them keeps the new row on the segment
    between two real rows, so relations both rows share (dates in order) hold. Where no
    neighbour has them all, any neighbour: the cells it misses stay at the base's values.
    """
    lacks = (missing[neighbours] & ~missing[:, None, :]).any(axis=2)  # (rows, k)
    allowed = ~lacks | lacks.all(axis=1, keepdims=True)
    keys = np.where(allowed[base], rng.random((len(base), neighbours.shape[1])), -1.0)
    chosen: np.ndarray = neighbours[base, np.argmax(keys, axis=1)]
    return chosen


def _vote(codes: np.ndarray, missing: np.ndarray, base: np.ndarray, voters: np.ndarray,
          cardinality: int, rng: np.random.Generator) -> np.ndarray:
    """The most common code among the voters that have one (ties at random).

    Missing where the base row misses the column; the base row's code where no voter has one.
    """
    n = len(voters)
    present = ~missing[voters]
    slots = (np.arange(n)[:, None] * cardinality + codes[voters].astype(np.int64))[present]
    counts = np.bincount(slots, minlength=n * cardinality).reshape(n, cardinality)
    winner = np.argmax(counts + rng.random(counts.shape), axis=1).astype(np.float64)
    keep_base = missing[base] | (counts.sum(axis=1) == 0)
    out: np.ndarray = np.where(keep_base, codes[base], winner)
    return out


def _one_hot(codes: np.ndarray, cardinality: int) -> sparse.csr_matrix:
    n = len(codes)
    return sparse.csr_matrix((np.ones(n), (np.arange(n), codes.astype(np.int64))),
                             shape=(n, cardinality))
