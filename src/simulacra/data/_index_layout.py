"""A DataFrame's index, learned like its columns and given back as the index of every sample.

An index holds data when it is a MultiIndex, when a level is named, or when its one unnamed
level is anything but integers (dates, periods, durations, labels such as R's row names). A
RangeIndex, or the unnamed integers a filtered frame keeps, only numbers rows and is left out.
At fit the levels become the first columns (an unnamed level as ``__index_level_<i>__``,
pandas' own name for it, with more underscores if a column already has it), so the schema
infers their kinds: a unique level an id, dates a datetime, a country a category. Samples get
them back as their index: same names, level order and dtype (a timezone included; periods are
learned as their start times). A level that cannot be learned leaves the whole index out
with a ``FitWarning``, as before: a name that is not a string, or intervals.
"""

from __future__ import annotations

import contextlib
import dataclasses
import warnings
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, Self

import pandas as pd

from simulacra.errors import FitWarning, InvalidParameterError, SchemaError
from simulacra.schema import Table, infer_schema

_UNNAMED = "__index_level_{}__"


def holds_data(index: pd.Index) -> bool:
    """Whether ``index`` says something about its rows (see the module docstring)."""
    if isinstance(index, pd.MultiIndex) or index.name is not None:
        return True
    return pd.api.types.infer_dtype(index, skipna=True) not in ("integer", "empty")


@dataclass(frozen=True)
class IndexLayout:
    """Where each level of a learned index sits among the columns, and how to restore it."""

    columns: tuple[str, ...]  # the level's name as a column while learned
    names: tuple[str | None, ...]  # the level's own name
    dtypes: tuple[str, ...]  # the level's dtype, given back on samples
    periods: tuple[str | None, ...]  # a period level's frequency: learned as start times

    @classmethod
    def split(cls, data: pd.DataFrame) -> tuple[pd.DataFrame, Self | None]:
        """``data`` with the index's levels as its first columns, and their layout.

        ``data`` itself (no layout) when the index only numbers rows or cannot be learned.
        """
        index = data.index
        if not holds_data(index):
            return data, None
        levels = [index.get_level_values(i) for i in range(index.nlevels)]
        refused = _unlearnable(levels)
        if refused:
            warnings.warn(FitWarning(
                f"The DataFrame's index ({type(index).__name__}) is not learned: {refused}. "
                "Samples get row numbers. To synthesize its values, move them into columns "
                "with data.reset_index()."), stacklevel=3)
            return data, None
        _refuse_clashes(levels, data.columns)
        columns = _column_names(levels, data.columns)
        front = levels_as_columns(index, columns)
        layout = cls(columns=tuple(columns),
                     names=tuple(_name(level) for level in levels),
                     dtypes=tuple(str(level.dtype) for level in levels),
                     periods=tuple(level.freqstr if isinstance(level, pd.PeriodIndex) else None
                                   for level in levels))
        return pd.concat([front, data.reset_index(drop=True)], axis=1), layout

    def complete(self, table: Table, data: pd.DataFrame) -> Table:
        """``table`` with the levels it does not declare inferred from ``data``, first."""
        return with_levels_declared(table, data, self.columns)

    def restore(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` with the level columns moved back into its index."""
        arrays = [self._level(frame[column], i) for i, column in enumerate(self.columns)]
        rest = frame.drop(columns=list(self.columns))
        if len(arrays) == 1:
            return rest.set_axis(arrays[0], axis=0)
        return rest.set_axis(pd.MultiIndex.from_arrays(arrays, names=self.names), axis=0)

    def as_columns(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Rows given with this index (``impute``) as columns; others as they are."""
        if not holds_data(frame.index):
            return frame.reset_index(drop=True)
        if tuple(frame.index.names) != self.names:
            raise InvalidParameterError(
                f"The rows' index has the levels {list(frame.index.names)}; the model learned "
                f"the index {list(self.names)}. Give rows with that index, or its levels as "
                "columns with a plain row-number index.")
        front = levels_as_columns(frame.index, self.columns)
        return pd.concat([front, frame.reset_index(drop=True)], axis=1)

    def _level(self, values: pd.Series, i: int) -> pd.Index:
        if self.periods[i] is not None:
            values = values.dt.to_period(self.periods[i])
        elif str(values.dtype) != self.dtypes[i]:
            # a level with missing values drawn cannot be integers again: it stays nullable
            with contextlib.suppress(TypeError, ValueError):
                values = values.astype(pd.api.types.pandas_dtype(self.dtypes[i]))
        level: pd.Index = pd.Index(values)
        return level.rename(self.names[i])  # pd.Index(name=None) would keep the column's

    def to_state(self) -> dict[str, Any]:
        """JSON form, for a saved model."""
        return {field.name: list(getattr(self, field.name))
                for field in dataclasses.fields(self)}

    @classmethod
    def from_state(cls, state: dict[str, Any] | None) -> Self | None:
        """What :meth:`to_state` gave; None for a model saved without an index."""
        if state is None:
            return None
        return cls(**{field.name: tuple(state[field.name])
                      for field in dataclasses.fields(cls)})


def learned_columns(index: pd.Index, columns: pd.Index) -> list[str] | None:
    """The columns ``fit`` learns ``index``'s levels as, beside ``columns``.

    None when it does not learn them: the index only numbers rows, cannot be learned, or
    clashes with a column.
    """
    if not holds_data(index):
        return None
    levels = [index.get_level_values(i) for i in range(index.nlevels)]
    taken = {name for name in columns if isinstance(name, str)}
    if _unlearnable(levels) or any(level.name in taken for level in levels):
        return None
    return _column_names(levels, columns)


def levels_as_columns(index: pd.Index, columns: list[str] | tuple[str, ...]) -> pd.DataFrame:
    """``index``'s levels as a frame of ``columns``, as learned (periods as start times)."""
    return pd.DataFrame({name: _learned_values(index.get_level_values(i))
                         for i, name in enumerate(columns)})


def with_levels_declared(table: Table, data: pd.DataFrame,
                         columns: list[str] | tuple[str, ...]) -> Table:
    """``table`` with the level ``columns`` it does not declare inferred from ``data``, first."""
    missing = [name for name in columns if name not in table.column_names]
    if not missing:
        return table
    inferred = infer_schema(data[missing], discover_constraints=False).table().columns
    return dataclasses.replace(table, columns=(*inferred, *table.columns))


def _unlearnable(levels: list[pd.Index]) -> str:
    """Why the index cannot be learned, or '' when it can."""
    for i, level in enumerate(levels):
        if level.name is not None and not isinstance(level.name, str):
            return (f"level {i} is named {level.name!r}, not a string (name it with "
                    "data.rename_axis)")
        if isinstance(level, pd.IntervalIndex):
            return f"level {_shown(level.name, i)} holds intervals"
    return ""


def _refuse_clashes(levels: list[pd.Index], columns: pd.Index) -> None:
    taken = {name for name in columns if isinstance(name, str)}
    for i, level in enumerate(levels):
        if level.name in taken:
            raise SchemaError(
                f"The DataFrame's index level {level.name!r} (level {i}) and its column "
                f"{level.name!r} share a name; simulacra learns the index as columns and needs "
                f"distinct names. Fix: rename the level "
                f"(data.rename_axis(index={{{level.name!r}: 'new_name'}})) or the column, or "
                "drop an index that holds nothing with data.reset_index(drop=True).")


def _column_names(levels: list[pd.Index], columns: pd.Index) -> list[str]:
    taken = {str(name) for name in columns} | {str(level.name) for level in levels}
    out = []
    for i, level in enumerate(levels):
        name = _name(level)
        if name is None:
            name = _UNNAMED.format(i)
            while name in taken:  # never a column's name
                name = f"_{name}_"
        out.append(name)
    return out


def _learned_values(level: pd.Index) -> Any:
    """A level's values as a column: periods as their start times (columns cannot hold them)."""
    if isinstance(level, pd.PeriodIndex):
        return level.to_timestamp().array
    return level.array


def _name(level: pd.Index) -> str | None:
    """A level's name: a string or None (others are refused before, by ``_unlearnable``)."""
    return level.name if isinstance(level.name, str) else None


def _shown(name: Hashable, i: int) -> str:
    return repr(name) if name is not None else f"{i} (unnamed)"
