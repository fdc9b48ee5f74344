"""Top-level conveniences that accept a file path as well as a DataFrame."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from simulacra._frames import frame_fix
from simulacra.errors import InvalidParameterError
from simulacra.schema import Role, Schema
from simulacra.schema import infer_schema as _infer_frame


def infer_schema(data: pd.DataFrame | str | Path, *, name: str | None = None,
                 roles: Mapping[str, Role] | None = None, encoding: str = "utf-8",
                 discover_constraints: bool = False) -> Schema:
    """Infer the schema of a DataFrame, or of a CSV / Parquet file.

    Parameters
    ----------
    data
        A DataFrame, or the path of a ``.csv`` / ``.parquet`` file.
    name
        The table's name; defaults to the file's stem, or ``"table"``.
    roles
        Roles of some columns, e.g. ``{"churn": Role.TARGET}``: synthesizers keep a declared
        target's relations first, and evaluation reads target and sensitive columns.
    encoding
        Text encoding of a CSV file.
    discover_constraints
        Also propose the business rules the data obeys (inequalities, formulas, fixed
        combinations) in the schema's ``constraints``, each with the share of rows that obey
        it, for you to keep or drop.

    Returns
    -------
    Schema
        A one-table schema; save it with ``schema.to_json()`` and edit it freely.
    """
    if isinstance(data, pd.DataFrame):
        return _infer_frame(data, name=name or "table", roles=roles,
                            discover_constraints=discover_constraints)
    if not isinstance(data, (str, os.PathLike)):
        raise InvalidParameterError(
            f"infer_schema expects a pandas DataFrame or a file path, got "
            f"{type(data).__name__}. {frame_fix(data)}")
    # imported here: the file readers load pyarrow's parquet module (~25 ms), which fitting
    # a DataFrame never needs
    from simulacra.data._io import read_table, table_name_from

    frame = read_table(data, encoding=encoding)
    return _infer_frame(frame, name=name or table_name_from(data), roles=roles,
                        discover_constraints=discover_constraints)


def with_roles(schema: Schema, roles: Mapping[str, Role]) -> Schema:
    """A copy of a one-table schema with the given columns' roles set."""
    table = schema.table()
    for column, role in roles.items():
        table = table.replace_column(dataclasses.replace(table.column(column), role=role))
    return schema.replace_table(table)
