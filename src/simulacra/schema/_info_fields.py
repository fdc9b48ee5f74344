"""Warn when an information field of a user's schema file disagrees with the data it fits.

``missing_share`` and ``cardinality`` are written by ``schema infer`` for the reader: the
synthesizers learn both from the data, so an edit to them changes nothing. Honouring them
would mean inventing missing cells or levels the data do not have (or dropping real ones),
which is a change to the data, not to how it is modelled; so the edit is not honoured, and
the user is told so and what to do instead. ``simulacra fit --schema`` calls it; it is not
part of every fit, since simulacra fits parts of a table under the whole table's schema
itself (rebalancing fits one class or group at a time).

A schema inferred from the whole data and fitted on a part of it (a training split) differs
by chance: the missing shares are compared with a tolerance of a few standard errors, and a
categorical column may show fewer levels than declared (a rare level may be left out of the
part); fewer declared than found, or more than two on a boolean column, is an edit.
"""

from __future__ import annotations

import math
import warnings

import pandas as pd

from simulacra.errors import FitWarning
from simulacra.schema._model import Kind, Table

__all__ = ["warn_information_edits"]

_SHARE_TOLERANCE = 0.05
"""Least absolute difference of missing shares that is told (a smaller one is left alone)."""
_STANDARD_ERRORS = 3.0


def warn_information_edits(data: pd.DataFrame, table: Table) -> None:
    """A :class:`~simulacra.errors.FitWarning` per information field the data contradict."""
    for column in table.columns:
        if column.name not in data.columns or not isinstance(data[column.name], pd.Series):
            continue  # a missing or duplicated column is an error reported elsewhere
        series = data[column.name]
        where = f"Table {table.name!r}, column {column.name!r}"
        missing = float(series.isna().mean()) if len(series) else 0.0
        if _differs(column.missing_share, missing, len(series)):
            warnings.warn(
                f"{where}: 'missing_share' is {column.missing_share:g} in the schema, but "
                f"{missing:.3g} of the data's values are missing. It is information, not a "
                f"setting: the synthesizer learns the share from the data, so the sample will "
                f"have about {missing:.3g} missing. To change it, fill or drop missing values "
                f"in the data before fitting; set it to {missing:.3g} to silence this.",
                FitWarning, stacklevel=2)
        if column.cardinality is None or column.kind not in (Kind.CATEGORICAL, Kind.BOOLEAN):
            continue
        try:
            found = int(series.nunique())
        except TypeError:  # unhashable values (lists): no cardinality was inferred either
            continue
        edited = column.cardinality < found or (column.kind is Kind.BOOLEAN
                                                and column.cardinality > 2)
        if edited:
            warnings.warn(
                f"{where}: 'cardinality' is {column.cardinality} in the schema, but the data "
                f"hold {found} distinct values. It is information, not a setting: the sample "
                f"draws the data's {found} values. To keep fewer, merge or drop levels in the "
                f"data before fitting; set it to {found} to silence this.",
                FitWarning, stacklevel=2)


def _differs(declared: float, found: float, n: int) -> bool:
    """Whether a declared missing share is an edit rather than another sample's share."""
    if n == 0:
        return False
    spread = math.sqrt(max(found * (1.0 - found), 1.0 / n) / n)
    return abs(declared - found) > max(_SHARE_TOLERANCE, _STANDARD_ERRORS * spread)
