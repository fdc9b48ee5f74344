"""Keys of a database: which columns are keys, key uniqueness, links from children to parents.

Key values are compared by their text labels (the same reading as category labels: ``1``,
``1.0`` and ``"1"`` are one key), so a key column read back from CSV or SQL with another
dtype still links. A key of several columns is the tuple of its parts; a row with any part
missing has no key.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulacra.evaluation._context import _labels
from simulacra.schema import Column, ForeignKey, Kind, Role, Schema, Table

#: Kinds the evaluation compares; everything else is generated, not learned.
EVALUATED_KINDS = (Kind.NUMERICAL, Kind.DATETIME, Kind.CATEGORICAL, Kind.BOOLEAN)
_SEPARATOR = "\x1f"


def primary_key_columns(table: Table) -> tuple[str, ...]:
    """The columns of ``table``'s primary key.

    ``primary_key`` when set; otherwise two or more columns of role ``entity_key`` form a
    composite key (the convention of :mod:`simulacra.data` until the schema holds composite
    keys itself); otherwise none.
    """
    if table.primary_key is not None:
        return (table.primary_key,)
    keys = tuple(table.columns_with_role(Role.ENTITY_KEY))
    return keys if len(keys) >= 2 else ()


def key_columns(schema: Schema, table: Table) -> list[str]:
    """Every column of ``table`` that is a primary key or either end of a foreign key."""
    keys = list(primary_key_columns(table))
    for fk in schema.foreign_keys:
        if fk.child_table == table.name:
            keys += fk.child_columns
        if fk.parent_table == table.name:
            keys += fk.parent_columns
    return [c for c in dict.fromkeys(keys) if c in table.column_names]


def keys_as_ids(schema: Schema, table: Table) -> Table:
    """``table`` with its key columns of kind id (so they are not compared as values)."""
    for name in key_columns(schema, table):
        column = table.column(name)
        if column.kind != Kind.ID:
            table = table.replace_column(dataclasses.replace(
                column, kind=Kind.ID, role=Role.FEATURE if column.role in (
                    Role.TARGET, Role.SENSITIVE) else column.role))
    return table


def evaluated_columns(table: Table) -> list[Column]:
    """The columns of ``table`` whose values are compared."""
    return [c for c in table.columns if c.kind in EVALUATED_KINDS]


def key_labels(frame: pd.DataFrame, columns: tuple[str, ...] | list[str]) -> np.ndarray:
    """One text label per row for the key ``columns`` (None where any part is missing)."""
    missing = np.zeros(len(frame), dtype=bool)
    parts: list[np.ndarray] = []
    for column in columns:
        codes, labels = _labels(frame[column].reset_index(drop=True))
        missing |= codes < 0
        text = (labels[np.maximum(codes, 0)] if labels.size
                else np.full(len(frame), "", dtype=object))
        parts.append(text.astype(object))
    joined = pd.Series(parts[0])
    for part in parts[1:]:
        joined = joined + _SEPARATOR + pd.Series(part)
    out = joined.to_numpy(dtype=object, copy=True)
    out[missing] = None
    return out


@dataclass(frozen=True)
class Uniqueness:
    """How well a table's primary key identifies its rows."""

    rows: int
    missing: int
    duplicated: int

    @property
    def share(self) -> float:
        """Distinct present keys per row: 1.0 when every row has its own key."""
        return 1.0 if self.rows == 0 else (self.rows - self.missing - self.duplicated) / self.rows


def uniqueness(frame: pd.DataFrame, columns: tuple[str, ...]) -> Uniqueness:
    """Count rows without a key and rows whose key an earlier row already has."""
    labels = key_labels(frame, columns)
    present = labels[pd.notna(labels)]
    duplicated = int(pd.Series(present).duplicated().sum())
    return Uniqueness(len(frame), int(len(labels) - present.size), duplicated)


@dataclass(frozen=True)
class Link:
    """Each child row's parent row under one foreign key.

    Parameters
    ----------
    parent_row
        Position of the parent row per child row; -1 when the reference is missing (null)
        or dangling (no parent has that key).
    null
        Child rows whose reference is missing.
    n_parents
        Rows of the parent table.
    """

    parent_row: np.ndarray
    null: np.ndarray
    n_parents: int

    @property
    def resolved(self) -> np.ndarray:
        """Child rows whose reference names an existing parent."""
        out: np.ndarray = self.parent_row >= 0
        return out

    @property
    def dangling(self) -> np.ndarray:
        """Child rows whose reference names no parent."""
        out: np.ndarray = ~self.resolved & ~self.null
        return out

    def children_per_parent(self) -> np.ndarray:
        """How many child rows refer to each parent row (in parent row order)."""
        counts: np.ndarray = np.bincount(self.parent_row[self.resolved],
                                         minlength=self.n_parents)
        return counts


def link(child: pd.DataFrame, parent: pd.DataFrame, fk: ForeignKey) -> Link:
    """Find each child row's parent (the first parent row with that key, if keys repeat)."""
    child_keys = key_labels(child, fk.child_columns)
    parent_keys = key_labels(parent, fk.parent_columns)
    first = pd.notna(parent_keys) & ~pd.Series(parent_keys).duplicated().to_numpy()
    positions = np.flatnonzero(first)
    index = pd.Index(parent_keys[first])
    null = pd.isna(child_keys)
    hit = np.full(len(child), -1, dtype=np.int64)
    if len(child) and positions.size:
        found = index.get_indexer(pd.Index(np.where(null, "", child_keys).astype(object)))
        hit = np.where((found >= 0) & ~null, positions[np.maximum(found, 0)], -1)
    return Link(hit.astype(np.int64), np.asarray(null, dtype=bool), len(parent))


def relationship_name(fk: ForeignKey) -> str:
    """``child.column -> parent.column`` (columns in parentheses when a key has several)."""
    def side(table: str, columns: tuple[str, ...]) -> str:
        return f"{table}.{columns[0]}" if len(columns) == 1 else f"{table}({', '.join(columns)})"
    return f"{side(fk.child_table, fk.child_columns)} -> {side(fk.parent_table, fk.parent_columns)}"
