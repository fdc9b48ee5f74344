"""What a constraint is: a rule on rows, checked, and where possible built into the data.

A constraint has two halves:

- ``valid(data)``: which rows obey it (vectorized; a row with a missing value in a column the
  rule involves makes no claim and obeys). Every sampled row is checked, so a constraint
  holds in 100% of the output whatever the model does.
- optionally a *reparametrization*: ``transform`` rewrites the real table before the model
  learns it so that the rule cannot be broken (an end date becomes a non-negative duration, a
  derived column disappears and is recomputed), and ``reverse`` maps sampled rows back. This
  wastes no rows; rejection remains the safety net.

The JSON form (``to_dict``) is what a schema's ``constraints`` list holds.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable, Iterable, Mapping
from typing import Any, ClassVar, cast

import numpy as np
import pandas as pd

from simulacra.errors import SchemaError
from simulacra.schema import Column, Table
from simulacra.schema._datetimes import parse_datetimes, stamps_to_seconds


class Constraint(ABC):
    """A business rule that every synthetic row obeys."""

    kind: ClassVar[str]
    #: Whether ``transform``/``reverse`` rewrite columns (else: rejection only). A rule may
    #: turn it off for itself at fit (text dates, a column another rule rewrites).
    reshapes: bool = False
    #: Whether every row ``reverse`` rebuilds obeys the rule by construction, so sampled rows
    #: need no check while the rule reshapes (a fixed combination is picked whole).
    reverse_obeys: ClassVar[bool] = False

    @abstractmethod
    def columns(self) -> list[str]:
        """The columns the rule involves."""

    @abstractmethod
    def valid(self, data: pd.DataFrame) -> np.ndarray:
        """A boolean per row: does it obey the rule."""

    @abstractmethod
    def describe(self) -> str:
        """The rule in a few words, e.g. ``end >= start``."""

    @abstractmethod
    def to_dict(self) -> dict[str, Any]:
        """The JSON form kept in a schema's ``constraints``."""

    def check(self, table: Table) -> None:  # noqa: B027  (optional hook)
        """Raise SchemaError when the rule does not fit the table's columns."""

    def fit(self, data: pd.DataFrame, table: Table) -> None:  # noqa: B027
        """Learn what ``transform``/``reverse`` need from the real data."""

    def transform(self, data: pd.DataFrame) -> pd.DataFrame:
        """Rewrite the real table for the model (identity unless ``reshapes``)."""
        return data

    def reverse(self, data: pd.DataFrame) -> pd.DataFrame:
        """Map sampled rows back to the real table's columns.

        A reverse reads only the rule's ``columns()`` and the model columns transforms
        added: :meth:`ConstraintSet.reverse` gives it those alone.
        """
        return data

    def model_columns(self, table: Table, transformed: pd.DataFrame) -> list[Column]:
        """Schema columns for the columns ``transform`` adds (in the model's table)."""
        return []

    def removed_columns(self) -> list[str]:
        """Columns ``transform`` takes out of the model's table."""
        return []

    def get_state(self) -> dict[str, Any]:
        """Fitted state, as JSON values."""
        return {}

    def set_state(self, state: Mapping[str, Any]) -> None:  # noqa: B027
        """Restore :meth:`get_state`'s output."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.describe()})"


def astype(series: pd.Series, dtype: str) -> pd.Series:
    """``series.astype(dtype)`` for a dtype known only by its name at run time."""
    out: pd.Series = series.astype(cast(Any, dtype))
    return out


def present(data: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Rows where every one of ``columns`` has a value."""
    out = np.ones(len(data), dtype=bool)
    for name in columns:  # column by column: a selection builds a frame (a rule per batch)
        out &= data[name].notna().to_numpy()
    return out


def require_kinds(table: Table, rule: Constraint, columns: list[str],
                  kinds: tuple[str, ...]) -> None:
    """SchemaError when a column of the rule has another kind than ``kinds``."""
    for name in columns:
        column = table.column(name)
        if column.kind.value not in kinds:
            raise SchemaError(
                f"Constraint {rule.describe()!r}: column {name!r} is {column.kind.value}, but "
                f"this rule needs {' or '.join(kinds)} columns. Change the column's kind in "
                "the schema or drop the constraint.")


def as_numbers(series: pd.Series, datetime_format: str | None = None) -> np.ndarray:
    """Float values of a numeric or datetime column (datetimes: seconds since 1970, UTC).

    Datetimes stored as text are parsed with ``datetime_format`` (the schema's).
    """
    if datetime_format is not None and not pd.api.types.is_datetime64_any_dtype(series.dtype):
        series = parse_datetimes(series, datetime_format)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return stamps_to_seconds(series)
    if isinstance(series.dtype, np.dtype) and series.dtype.kind in "fiu":
        # numbers already: to_numeric would hand them back as they are (hundreds of order
        # rules check every batch of candidates)
        return np.asarray(series.to_numpy(dtype=np.float64, na_value=np.nan))
    return np.asarray(pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64,
                                                                      na_value=np.nan))


def with_columns(data: pd.DataFrame, dropped: Iterable[str],
                 added: pd.DataFrame | Mapping[str, pd.Series]) -> pd.DataFrame:
    """``data`` without ``dropped`` and with ``added``'s columns, every column's values shared.

    ``added`` (indexed like ``data``) replaces a column of the same name in place and appends
    the others. One frame is built from the columns: a concat copies every column of a
    sampled chunk, and inserting columns one by one fragments the frame (pandas warns).
    """
    gone = set(dropped)
    columns: dict[Hashable, pd.Series] = {c: data[c] for c in data.columns if c not in gone}
    columns.update(added.items())
    return pd.DataFrame(columns, index=data.index, copy=False)


def row_keys(frame: pd.DataFrame) -> np.ndarray:
    """One string per row joining its values (missing as a value of its own)."""
    parts = [frame[c].astype(object).where(frame[c].notna(), "\x00").astype(str).to_numpy()
             for c in frame.columns]
    keys = parts[0].astype(object)
    for part in parts[1:]:
        keys = keys + "\x1f" + part
    return np.asarray(keys)
