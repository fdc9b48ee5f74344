"""Classes of rows and how many rows each one gets.

A *class* is one combination of values of the label columns: the target for
:func:`~simulacra.rebalancing.rebalance`, the sensitive column(s) (and the target) for
:func:`~simulacra.rebalancing.rebalance_groups`. Counts are exact integers so that a ratio or a
set of shares gives one predictable result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simulacra.errors import DataValidationError, InvalidParameterError, Issue

#: Above this many distinct values a label column is taken for a measurement, not a class.
MAX_CLASSES = 100
#: Guards ``floor(ratio * count)`` against float error (``0.29 * 100`` is ``28.999...``).
_EPS = 1e-9


@dataclass(frozen=True)
class Classes:
    """Rows grouped by the values of the label columns.

    Parameters
    ----------
    columns
        The label columns.
    codes
        The class of each row, ``0 .. k-1`` (classes in order of first appearance).
    values
        The label values of each class, one tuple per class.
    counts
        Rows per class.
    first_rows
        The position of one row of each class.
    """

    columns: tuple[str, ...]
    codes: np.ndarray
    values: tuple[tuple[Any, ...], ...]
    counts: np.ndarray
    first_rows: np.ndarray

    def __len__(self) -> int:
        return len(self.values)

    def label(self, c: int) -> str:
        """The class as a user reads it: ``'bad'`` or ``('A', 'yes')``."""
        value = self.values[c]
        return repr(value[0]) if len(value) == 1 else repr(value)

    def conditions(self, c: int) -> dict[str, Any]:
        """The label values of class ``c`` by column."""
        return dict(zip(self.columns, self.values[c], strict=True))

    def rows(self, c: int) -> np.ndarray:
        """Positions of the rows of class ``c``."""
        return np.flatnonzero(self.codes == c)


def find_classes(data: pd.DataFrame, columns: Sequence[str], *, what: str,
                 missing_is_class: bool) -> Classes:
    """Group the rows of ``data`` by the values of ``columns``.

    Parameters
    ----------
    data
        The table.
    columns
        The label columns.
    what
        How errors name the columns ("the target", "the sensitive column").
    missing_is_class
        True: a missing value is a class of its own. False: it is a data error naming rows.
    """
    parts = [_codes(data[name], name, what, missing_is_class) for name in columns]
    combined = np.zeros(len(data), dtype=np.int64)
    for codes, size in parts:
        combined = combined * size + codes
    _, first, inverse, counts = np.unique(combined, return_index=True, return_inverse=True,
                                          return_counts=True)
    order = np.argsort(first, kind="stable")  # classes in order of first appearance
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    first_rows = first[order]
    picked = data.iloc[first_rows][list(columns)]
    values = tuple(tuple(row) for row in picked.itertuples(index=False, name=None))
    return Classes(tuple(columns), rank[inverse.ravel()], values, counts[order], first_rows)


def _codes(series: pd.Series, name: str, what: str, missing_is_class: bool
           ) -> tuple[np.ndarray, int]:
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    codes = np.asarray(codes, dtype=np.int64)
    missing = codes < 0
    if missing.any() and not missing_is_class:
        rows = tuple(int(i) for i in np.flatnonzero(missing)[:5])
        raise DataValidationError.of([Issue(
            f"{what} has missing values; a row without a class cannot be rebalanced.",
            column=name, rows=rows, n_rows=int(missing.sum()),
            fix="Drop those rows or fill them with a class before rebalancing.")])
    size = len(uniques) + 1
    if len(uniques) > MAX_CLASSES:
        raise InvalidParameterError(
            f"{what.capitalize()} {name!r} has {len(uniques)} distinct values; rebalancing "
            f"works on class labels (at most {MAX_CLASSES}). Bin a measured column into a "
            "few classes first, for example with pandas.cut.")
    return np.where(missing, len(uniques), codes), size


def ratio_additions(counts: np.ndarray, ratio: float) -> np.ndarray:
    """Rows to add per class so that each has at least ``floor(ratio * largest count)``.

    Classes already at or above that count get none.
    """
    goal = int(np.floor(ratio * int(counts.max()) + _EPS))
    return np.asarray(np.maximum(goal - counts, 0), dtype=np.int64)


def share_additions(classes: Classes, shares: Mapping[Any, float] | None) -> np.ndarray:
    """Rows to add per class to reach ``shares`` (parity when None) by adding rows only.

    The smallest table that holds every class's rows at its share has
    ``max(count / share)`` rows; each class is raised to ``round(share * that)``.
    """
    counts = classes.counts
    if shares is None:
        return np.asarray(counts.max() - counts, dtype=np.int64)
    wanted = _share_vector(classes, shares)
    total = float(np.max(counts / wanted))
    goal = np.maximum(np.rint(wanted * total).astype(np.int64), counts)
    return np.asarray(goal - counts, dtype=np.int64)


def _share_vector(classes: Classes, shares: Mapping[Any, float]) -> np.ndarray:
    keys = [v[0] if len(v) == 1 else v for v in classes.values]
    known = {_key(k) for k in keys}
    unknown = [k for k in shares if _key(k) not in known]
    absent = [k for k in keys if _lookup(shares, k) is None]
    if unknown or absent:
        raise InvalidParameterError(
            f"shares must give a share to every group of {', '.join(classes.columns)} and to "
            f"nothing else. Groups: {keys}. Unknown: {unknown}. Without a share: {absent}.")
    try:
        wanted = np.array([float(_lookup(shares, k) or 0.0) for k in keys])
    except (TypeError, ValueError):
        wanted = np.full(len(keys), np.nan)
    if not np.all(np.isfinite(wanted)) or np.any(wanted <= 0):
        raise InvalidParameterError(
            f"Every share must be a positive number (rows can only be added, so no group can "
            f"shrink to 0). Got {dict(shares)}.")
    return np.asarray(wanted / wanted.sum(), dtype=np.float64)


def _key(value: Any) -> Any:
    """A dictionary key under which missing values (NaN, None, NA) meet."""
    if isinstance(value, tuple):
        return tuple(_key(v) for v in value)
    return "\0missing" if _is_missing(value) else value


def _is_missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _lookup(shares: Mapping[Any, float], key: Any) -> float | None:
    wanted = _key(key)
    for k, v in shares.items():
        if _key(k) == wanted:
            return v
    return None


def split_additions(groups: Classes, cells: Classes, group_adds: np.ndarray) -> np.ndarray:
    """Spread each group's additions over its cells in proportion to their rows.

    The largest-remainder method keeps every group's total exact, so a group keeps its own
    mix of target values.
    """
    group_of_cell = groups.codes[cells.first_rows]
    adds = np.zeros(len(cells), dtype=np.int64)
    for g in np.flatnonzero(group_adds):
        members = np.flatnonzero(group_of_cell == g)
        weights = cells.counts[members] / cells.counts[members].sum()
        exact = weights * int(group_adds[g])
        base = np.floor(exact).astype(np.int64)
        short = int(group_adds[g]) - int(base.sum())
        order = np.argsort(-(exact - base), kind="stable")
        base[order[:short]] += 1
        adds[members] = base
    return adds
