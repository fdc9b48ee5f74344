"""``fit --schema``: read the user's schema for one table and name its part in fit's errors.

Problems that only fit finds (a rule on a column of the wrong kind, an expression that cannot
be computed, an unknown locale or id template) are raised by layers that do not know the
schema file (fit names a rule by its place: ``constraints.NAMED_RULE``); here the file and
the rule as the user wrote it are added, so that the message says which entry to change.
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from simulacra.constraints import NAMED_RULE
from simulacra.data._fake import parse_id_template
from simulacra.data._locale_data import locale_data
from simulacra.errors import FitWarning, SchemaError, SimulacraError
from simulacra.schema import Kind, Role, Schema, Table, warn_information_edits

__all__ = ["fit_naming_the_schema", "read_fit_schema"]


def read_fit_schema(path: Path, roles: dict[str, Role]) -> Schema:
    """The schema file of the one table ``fit`` learns, with the roles of the options set.

    ``--target`` wins over a target the file marks: the file's becomes a feature, with a
    :class:`FitWarning` (two targets would make utility and rebalancing pick one silently).
    """
    schema = Schema.read(path)
    if len(schema.tables) != 1:
        raise SchemaError(
            f"{path}: the schema has {len(schema.tables)} tables "
            f"({', '.join(t.name for t in schema.tables)}), but `fit` learns one table from "
            "one file. Give the schema of this table alone (`simulacra schema infer DATA`), "
            "or pass the folder of all the tables' files as DATA to fit a database with it.")
    table = schema.table()
    if Role.TARGET in roles.values():
        flag = next(c for c, r in roles.items() if r is Role.TARGET)
        for name in table.columns_with_role(Role.TARGET):
            if name != flag:
                warnings.warn(f"{path}: table {table.name!r} marks {name!r} as the target, "
                              f"and --target names {flag!r}: --target wins, {name!r} is "
                              "learned as a feature. Change the schema's 'role' to silence "
                              "this.", FitWarning, stacklevel=2)
                table = table.replace_column(dataclasses.replace(table.column(name),
                                                                 role=Role.FEATURE))
    for column, role in roles.items():
        table = table.replace_column(dataclasses.replace(table.column(column), role=role))
    _check_generated_columns(table, path)
    return schema.replace_table(table)


def fit_naming_the_schema(syn: Any, frame: pd.DataFrame, schema: Schema, path: Path,
                          **fit_args: Any) -> None:
    """``syn.fit``; a rule's error at fit names the file, the table and the rule's number.

    Edited information fields (``missing_share``, ``cardinality``) that the data contradict
    are told first, in a :class:`FitWarning` each.
    """
    warn_information_edits(frame, schema.table())
    try:
        syn.fit(frame, schema, **fit_args)
    except SimulacraError as exc:
        number, own = getattr(exc, NAMED_RULE, (None, None))
        if number is None:
            if type(exc) is SchemaError and not str(exc).startswith(str(path)):
                raise SchemaError(f"{path}: {exc}") from None  # the schema does not fit the data
            raise
        table = schema.table()
        if own is None or number > len(table.constraints):  # its message names it already
            raise type(exc)(f"{path}: {exc} Edit or remove that entry of 'constraints'."
                            ) from None
        rule = table.constraints[number - 1]  # named as the user wrote it
        raise type(exc)(f"{path}: table {table.name!r}, constraint {number} "
                        f"({rule.get('kind')}, {_fields(rule)}): {own} Edit or remove "
                        "that entry of 'constraints'.") from None


def _fields(rule: dict[str, Any]) -> str:
    """A rule's fields as the user wrote them (``low: Home, high: Job``)."""
    return ", ".join(f"{k}: {v}" for k, v in rule.items()
                     if k in ("column", "columns", "low", "high", "expression"))


def _check_generated_columns(table: Table, path: Path) -> None:
    """An id template or locale that fit would refuse without naming the column."""
    for column in table.columns:
        where = f"{path}: table {table.name!r}, column {column.name!r}"
        try:
            if column.kind is Kind.ID and column.id_format not in (None, "integer", "uuid"):
                parse_id_template(column.id_format or "")
            if column.locale is not None and column.kind in (Kind.PII, Kind.TEXT):
                locale_data(column.locale)
        except SchemaError as exc:
            raise SchemaError(f"{where}: {exc}") from None
