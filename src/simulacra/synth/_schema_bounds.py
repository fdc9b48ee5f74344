"""Schema bounds tighter than the real values: learned unbounded, held by rejection.

Clipping real values to bounds a user tightened piled every row outside them onto the
bounds (ages in [30, 40] where 15% of real rows lie: 68% of the sample was 40). Instead the
model learns such a column from its real values, and a :class:`SchemaBounds` rule redraws the
rows outside, so the sample keeps the real shape within the bounds. Bounds that cut no real
value (every inferred schema) change nothing.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from simulacra.constraints import SchemaBounds
from simulacra.data._codec_kinds import to_floats
from simulacra.errors import SchemaError
from simulacra.schema import Column, Kind, Table
from simulacra.schema._durations import duration_layout


def held_bounds(data: pd.DataFrame, table: Table) -> tuple[Table, list[SchemaBounds]]:
    """The table the model learns (cutting bounds opened) and a rule for each cut column."""
    columns: list[Column] = []
    rules: list[SchemaBounds] = []
    for column in table.columns:
        opened = _opened(data, table, column)
        columns.append(opened)
        if opened is not column:
            rules.append(SchemaBounds(column.name, column.minimum, column.maximum))
    if not rules:
        return table, []
    return dataclasses.replace(table, columns=tuple(columns)), rules


def _opened(data: pd.DataFrame, table: Table, column: Column) -> Column:
    """``column`` without the bounds that cut its real values (itself when none does)."""
    if (column.kind != Kind.NUMERICAL or (column.minimum is None and column.maximum is None)
            or duration_layout(column.text_format) is not None):  # durations held as text
        return column  # a rule reads no duration text: such bounds are clipped, as before
    x = to_floats(data[column.name], f"column {column.name!r}", column.text_format)
    real = x[np.isfinite(x)]
    if not real.size:
        return column
    low = -np.inf if column.minimum is None else column.minimum
    high = np.inf if column.maximum is None else column.maximum
    inside = (real >= low) & (real <= high)
    if inside.all():
        return column
    if not inside.any():
        raise SchemaError(
            f"Table {table.name!r}, column {column.name!r}: no real value lies within the "
            f"schema's bounds [{_shown(column.minimum)}, {_shown(column.maximum)}] (the "
            f"values run from {real.min():g} to {real.max():g}), so the model has nothing to "
            "learn the column from there. Set 'minimum'/'maximum' around some real values, "
            "or remove them.")
    return dataclasses.replace(
        column,
        minimum=None if column.minimum is not None and real.min() < column.minimum
        else column.minimum,
        maximum=None if column.maximum is not None and real.max() > column.maximum
        else column.maximum)


def _shown(bound: float | None) -> str:
    return "none" if bound is None else f"{bound:g}"
