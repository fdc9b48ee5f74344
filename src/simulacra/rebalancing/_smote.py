"""The SMOTE family through imbalanced-learn, on the table's own reversible encoding.

The table goes through :class:`~simulacra.data._codecs.TableCodec`, the codec every
synthesizer uses: numbers and datetimes become continuous columns (missing values imputed
with the median, plus a discrete ``column.missing`` indicator), categories and booleans become
discrete codes (missing is one more code), ids, personal data and free text are left out and
made anew when decoding. imbalanced-learn interpolates the encoded rows; the codec decodes the
new rows back to the table's dtypes (integers rounded, decimals kept, values inside the real
range, datetimes in their format).

Distances: continuous columns are standardized (imbalanced-learn works in raw units, where a
column in dollars would swamp one in years); interpolation is linear, so this changes which
rows are neighbours, not the points between two of them. Discrete columns are categories for
SMOTE-NC (a new row takes the most common value among the neighbours); for SMOTE,
Borderline-SMOTE and ADASYN they are one-hot columns scaled so that differing in one category
counts like one standard deviation, and a new row takes the category of whichever of its two
parents it lies nearer to.

SMOTE-NC (and SMOTEN, when every column is a category) runs in :mod:`._smotenc`, not
imbalanced-learn, whose vote would decide missing cells like categories: there a new row
misses exactly what its base row misses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simulacra._progress import Progress, or_null
from simulacra._random import int_seed
from simulacra._warnings import quiet
from simulacra.data._codecs import TableCodec
from simulacra.data._frame import EncodedColumn, EncodedFrame
from simulacra.errors import InvalidParameterError, SamplingError
from simulacra.rebalancing import _smotenc
from simulacra.rebalancing._classes import Classes
from simulacra.schema import Table

#: Neighbours Borderline-SMOTE looks at to tell border rows (imbalanced-learn's default).
M_NEIGHBORS = 10
_ONE_HOT = 1.0 / np.sqrt(2.0)


@dataclass(frozen=True)
class _Space:
    """The features as imbalanced-learn sees them, and the way back."""

    columns: tuple[int, ...]  # positions of the feature columns in the encoded frame
    continuous: tuple[bool, ...]
    cardinality: tuple[int, ...]
    mean: np.ndarray
    scale: np.ndarray
    one_hot: bool

    @classmethod
    def build(cls, frame: EncodedFrame, columns: Sequence[int], one_hot: bool) -> _Space:
        kinds = tuple(not frame.columns[i].discrete for i in columns)
        values = frame.values[:, list(columns)]
        mean = values.mean(axis=0) if len(values) else np.zeros(len(columns))
        scale = values.std(axis=0) if len(values) else np.ones(len(columns))
        scale = np.where(scale > 0, scale, 1.0)
        return cls(tuple(columns), kinds, tuple(frame.columns[i].cardinality for i in columns),
                   np.where(kinds, mean, 0.0), np.where(kinds, scale, 1.0), one_hot)

    def encode(self, values: np.ndarray) -> np.ndarray:
        x = (values[:, list(self.columns)] - self.mean) / self.scale
        if not self.one_hot:
            return np.asarray(x)
        blocks = [x[:, [j]] if cont else _one_hot(x[:, j], card)
                  for j, (cont, card) in enumerate(zip(self.continuous, self.cardinality,
                                                       strict=True))]
        return np.hstack(blocks) if blocks else x

    def decode(self, x: np.ndarray) -> np.ndarray:
        if self.one_hot:
            x = self._from_one_hot(x)
        return np.asarray(x * self.scale + self.mean)

    def _from_one_hot(self, x: np.ndarray) -> np.ndarray:
        out = np.empty((len(x), len(self.columns)))
        pos = 0
        for j, (cont, card) in enumerate(zip(self.continuous, self.cardinality, strict=True)):
            width = 1 if cont else card
            block = x[:, pos:pos + width]
            out[:, j] = block[:, 0] if cont else np.argmax(block, axis=1)
            pos += width
        return out

    @property
    def categorical(self) -> list[int]:
        """Positions of the discrete features (SMOTE-NC's ``categorical_features``)."""
        return [j for j, cont in enumerate(self.continuous) if not cont]


def _one_hot(codes: np.ndarray, cardinality: int) -> np.ndarray:
    out = np.zeros((len(codes), cardinality))
    out[np.arange(len(codes)), codes.astype(np.int64)] = _ONE_HOT
    return out


def smote_rows(data: pd.DataFrame, table: Table, classes: Classes, adds: np.ndarray, *,
               method: str, k_neighbors: int, rng: np.random.Generator,
               progress: Progress | None = None) -> pd.DataFrame:
    """New rows for every class with ``adds > 0``, made by ``method`` and decoded.

    Parameters
    ----------
    data
        The table (its rows in class order of ``classes``).
    table
        Its schema.
    classes
        The classes of its rows.
    adds
        Rows to add per class.
    method
        ``"smote"``, ``"smotenc"``, ``"borderline"`` or ``"adasyn"``.
    k_neighbors
        Neighbours each new row is interpolated towards.
    rng
        Drives imbalanced-learn (through an int seed), SMOTE-NC, ADASYN's trimming and the
        decoding of generated columns.
    progress
        Advanced once the table is encoded, once per class given rows (imbalanced-learn's
        methods: all of them at once, as it makes them together) and once decoded: 2 plus
        the classes in all.
    """
    sink = or_null(progress)
    classes_given = int(np.count_nonzero(adds))
    codec = TableCodec.fit(data, table)
    frame = codec.encode(data)
    sink.advance()
    labels = [i for i, c in enumerate(frame.columns) if c.source in classes.columns]
    features = [i for i in range(len(frame.columns)) if i not in labels]
    if method == "smote":
        _refuse_categories([frame.columns[i] for i in features])
    space = _Space.build(frame, features, one_hot=method != "smotenc")
    if features:
        _check_neighbours(classes, adds, k_neighbors, method)
        if method == "smotenc" and space.categorical:
            # our own SMOTE-NC / SMOTEN, which keeps the class's missing cells (_smotenc.py)
            layout = _smotenc.MissingLayout.of(codec, frame.columns, features)
            new_x, new_y = _smotenc.resample(
                space.encode(frame.values), classes, adds, np.asarray(space.continuous),
                space.cardinality, layout, k_neighbors, rng, progress=sink)
        else:
            new_x, new_y = _resample(space, frame, classes, adds, method, k_neighbors, rng)
            sink.advance(classes_given)
    else:  # nothing to interpolate: the added rows are their class and the constant columns
        new_y = np.repeat(np.arange(len(classes)), adds)
        new_x = np.empty((len(new_y), 0))
        sink.advance(classes_given)
    values = np.empty((len(new_y), len(frame.columns)))
    values[:, features] = space.decode(new_x)
    values[:, labels] = frame.values[classes.first_rows[new_y]][:, labels]
    new = codec.decode(frame.with_values(values), rng=rng, start=len(data))
    sink.advance()
    return new


def _refuse_categories(columns: Sequence[EncodedColumn]) -> None:
    # A column's own discrete code (not its ".missing" indicator) means categories.
    named = sorted({c.source for c in columns if c.discrete and c.name == c.source})
    if named:
        raise InvalidParameterError(
            f"method='smote' interpolates numbers only, but {len(named)} column(s) hold "
            f"categories or booleans: {', '.join(map(repr, named[:10]))}"
            f"{' ...' if len(named) > 10 else ''}. Use method='smotenc' (made for mixed "
            "data), or 'borderline' / 'adasyn', which one-hot encode categories.")


def _check_neighbours(classes: Classes, adds: np.ndarray, k: int, method: str) -> None:
    small = [int(c) for c in np.flatnonzero(adds) if classes.counts[c] < k + 1]
    if not small:
        return
    c = min(small, key=lambda i: int(classes.counts[i]))
    n = int(classes.counts[c])
    hint = (f"pass k_neighbors={n - 1} or less, or " if n >= 2 else "")
    raise InvalidParameterError(
        f"Class {classes.label(c)} of {', '.join(classes.columns)} has {n} row(s); "
        f"method={method!r} with k_neighbors={k} needs at least {k + 1} (each row and its "
        f"{k} nearest neighbours of the same class). To rebalance it anyway, {hint}use "
        "method='generator', which learns the class with a synthesizer.")


def _resample(space: _Space, frame: EncodedFrame, classes: Classes, adds: np.ndarray,
              method: str, k: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    x = space.encode(frame.values)
    y = classes.codes
    extra = _adasyn_slack(classes, adds) if method == "adasyn" else np.zeros_like(adds)
    strategy = {int(c): int(classes.counts[c] + adds[c] + extra[c])
                for c in np.flatnonzero(adds)}
    sampler = _sampler(method, strategy, k, int_seed(rng), len(x))
    # imbalanced-learn passes sklearn-internal deprecations on; they are not the user's
    with quiet(FutureWarning):
        try:
            x_res, y_res = sampler.fit_resample(x, y)
        except (RuntimeError, ValueError) as exc:
            raise _sampling_error(method, exc) from None
    new_x, new_y = np.asarray(x_res[len(x):], dtype=np.float64), np.asarray(y_res[len(x):])
    if method == "adasyn":
        new_x, new_y = _trim(new_x, new_y, adds, rng)
    _check_delivered(new_y, adds, classes, method)
    return new_x, new_y


def _sampler(method: str, strategy: dict[int, int], k: int, seed: int, n_rows: int) -> Any:
    from imblearn.over_sampling import ADASYN, SMOTE, BorderlineSMOTE

    common: dict[str, Any] = {"sampling_strategy": strategy, "random_state": seed}
    if method == "adasyn":
        return ADASYN(n_neighbors=k, **common)
    if method == "borderline":
        return BorderlineSMOTE(k_neighbors=k, m_neighbors=min(M_NEIGHBORS, n_rows - 1),
                               **common)
    return SMOTE(k_neighbors=k, **common)  # also SMOTE-NC's own rule when all is numbers


def _sampling_error(method: str, exc: Exception) -> SamplingError:
    return SamplingError(
        f"imbalanced-learn could not oversample with method={method!r}: {exc} "
        "ADASYN needs rows of the class with other classes among their neighbours; use "
        "method='smotenc' or 'smote', which do not.")


def _adasyn_slack(classes: Classes, adds: np.ndarray) -> np.ndarray:
    """ADASYN rounds a share of the rows per seed row, so ask for enough to trim back."""
    return np.where(adds > 0, (classes.counts + 1) // 2 + 1, 0).astype(np.int64)


def _trim(x: np.ndarray, y: np.ndarray, adds: np.ndarray, rng: np.random.Generator
          ) -> tuple[np.ndarray, np.ndarray]:
    keep: list[np.ndarray] = []
    for c in np.flatnonzero(adds):
        rows = np.flatnonzero(y == c)
        if rows.size > adds[c]:
            rows = np.sort(rng.choice(rows, size=int(adds[c]), replace=False))
        keep.append(rows)
    kept = np.concatenate(keep) if keep else np.empty(0, dtype=np.int64)
    return x[kept], y[kept]


def _check_delivered(new_y: np.ndarray, adds: np.ndarray, classes: Classes,
                     method: str) -> None:
    made = np.bincount(new_y.astype(np.int64), minlength=len(adds))
    short = [int(c) for c in np.flatnonzero(adds) if made[c] < adds[c]]
    if not short:
        return
    c = short[0]
    why = ("none of its rows lies on the border with another class (fewer than half of "
           f"their {M_NEIGHBORS} nearest neighbours belong to other classes), and "
           "Borderline-SMOTE only oversamples border rows" if method == "borderline"
           else "imbalanced-learn generated fewer rows than asked")
    raise SamplingError(
        f"method={method!r} made {int(made[c])} of the {int(adds[c])} rows asked for class "
        f"{classes.label(c)}: {why}. Use method='smotenc' or 'smote' instead.")
