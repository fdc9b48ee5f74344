"""Checks across columns and tables: keys, foreign keys, formula names, cycles, constraints."""

from __future__ import annotations

import graphlib
from collections.abc import Mapping, Sequence
from typing import Any

from simulacra.constraints import from_dict
from simulacra.errors import InvalidParameterError, SchemaError, SpecError
from simulacra.mock._columns import column_schema
from simulacra.mock._expressions import parse_expression
from simulacra.mock._regex import parse_regex
from simulacra.mock._spec import ColumnSpec, Issues, MockSpec, TableSpec, did_you_mean
from simulacra.mock._spec_columns import INVALID
from simulacra.schema._model import Column, Kind, Table

__all__ = ["check_spec", "column_order", "static_table", "table_order", "unique_capacity"]

_REFUSED_RULES = {
    "fixed_combinations": "it learns the allowed combinations from real data; generate the "
                          "dependent column with cases instead",
    "one_hot": "it learns from real data; generate the group with cases instead",
    "unique": "set unique: true on the column instead (it holds across all chunks)",
}


def check_spec(spec: MockSpec, issues: Issues) -> None:
    """Record every cross-column and cross-table problem of ``spec`` in ``issues``."""
    by_name = {t.name: t for t in spec.tables}
    for table in spec.tables:
        _check_keys(table, by_name, issues)
        names = _output_names(table)
        graph = _dependencies(table, names, issues)
        try:
            column_order(graph)
        except graphlib.CycleError as exc:
            cycle = " -> ".join(exc.args[1]) if len(exc.args) > 1 else "?"
            first = exc.args[1][0] if len(exc.args) > 1 else table.columns[0].name
            issues.add(("tables", table.name, "columns", first),
                       f"the columns depend on each other in a cycle: {cycle}.",
                       "break the cycle: one of these columns must not read the others.")
        _check_constraints(table, issues)
        _check_capacity(table, issues)
    try:
        table_order(spec)
    except graphlib.CycleError as exc:
        cycle = " -> ".join(exc.args[1]) if len(exc.args) > 1 else "?"
        issues.add(("tables",), f"the foreign keys form a cycle: {cycle}.",
                   "make one table the root (no foreign key to the others).")


def _output_names(table: TableSpec) -> list[str]:
    return [*(fk.column for fk in table.foreign_keys), *(c.name for c in table.columns)]


def _check_keys(table: TableSpec, tables: Mapping[str, TableSpec], issues: Issues) -> None:
    path = ("tables", table.name)
    declared = {c.name: c for c in table.columns}
    pk = table.primary_key
    if pk is not None:
        col = declared.get(pk)
        if col is not None and col.generator == INVALID:
            pass  # its own problem is reported
        elif col is None:
            issues.add((*path, "primary_key"), f"the primary key {pk!r} is not a column of "
                       f"{table.name!r}.{did_you_mean(pk, declared)}",
                       f"name one of {', '.join(declared)}.")
        elif not (col.unique or col.generator in ("sequence", "uuid")):
            issues.add((*path, "primary_key"), f"the primary key {pk!r} is a {col.generator} "
                       "column, whose values may repeat.",
                       "use sequence or uuid, or add unique: true to the column.")
        elif col.null_share:
            issues.add((*path, "columns", pk, "null_share"), "a primary key cannot have "
                       "missing values.", "drop null_share.")
    for i, fk in enumerate(table.foreign_keys):
        where = (*path, "foreign_keys", i)
        if fk.column in declared:
            issues.add((*path, "columns", fk.column), f"{fk.column!r} is a foreign key; its "
                       "values come from the parent table.", "remove it from columns.")
        parent = tables.get(fk.parent)
        if parent is None:
            issues.add((*where, "references"), f"references the unknown table {fk.parent!r}."
                       f"{did_you_mean(fk.parent, tables)}", f"name one of {', '.join(tables)}.")
            continue
        if parent.name == table.name:
            issues.add((*where, "references"), "a table cannot reference itself.")
            continue
        target = {c.name: c for c in parent.columns}.get(fk.parent_column)
        if target is None:
            issues.add((*where, "references"), f"the table {fk.parent!r} has no column "
                       f"{fk.parent_column!r}.{did_you_mean(fk.parent_column, target or {})}",
                       f"reference its primary key ({parent.primary_key or 'none set'}).")
        elif fk.parent_column != parent.primary_key and not target.unique:
            issues.add((*where, "references"), f"{fk.parent}.{fk.parent_column} is neither "
                       "the primary key nor a unique column of its table.",
                       f"reference {fk.parent}'s primary key, or set its primary_key.")


def _dependencies(table: TableSpec, names: Sequence[str],
                  issues: Issues) -> dict[str, list[str]]:
    graph: dict[str, list[str]] = {fk.column: [] for fk in table.foreign_keys}
    for col in table.columns:
        graph[col.name] = []
        for path, text in _expressions(col):
            try:
                used = parse_expression(text).names
            except SpecError:
                continue  # reported when the column was parsed
            for name in used:
                if name not in names:
                    issues.add(path, f"the expression {text!r} names the unknown column "
                               f"{name!r}.{did_you_mean(name, names)}",
                               f"use columns of {table.name!r}: {', '.join(names)}.")
                elif name != col.name:
                    graph[col.name].append(name)
                else:
                    issues.add(path, f"the column {name!r} reads itself.",
                               "compute it from other columns.")
    return graph


def _expressions(col: ColumnSpec) -> list[tuple[tuple[str | int, ...], str]]:
    out: list[tuple[tuple[str | int, ...], str]] = []
    if col.generator == "formula" and col.params:
        out.append(((*col.path, "formula"), str(col.params)))
    for i, case in enumerate(col.cases):
        if case.condition is not None:
            out.append(((*col.path, "cases", i, "if"), case.condition))
        out.extend(_expressions(case.value))
    return out


def column_order(graph: Mapping[str, Sequence[str]]) -> list[str]:
    """Columns in an order where every column comes after those it reads."""
    return list(graphlib.TopologicalSorter(graph).static_order())


def table_order(spec: MockSpec) -> list[str]:
    """Tables with every parent before its children (declaration order otherwise)."""
    known = set(spec.table_names)
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for t in spec.tables:
        sorter.add(t.name, *(fk.parent for fk in t.foreign_keys
                             if fk.parent in known and fk.parent != t.name))
    sorter.prepare()
    rank = {name: i for i, name in enumerate(spec.table_names)}
    order: list[str] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready(), key=rank.__getitem__)
        order.extend(ready)
        sorter.done(*ready)
    return order


def static_table(table: TableSpec, parents: Mapping[str, TableSpec] | None = None) -> Table:
    """The schema of a table's output as far as the spec alone tells it."""
    cols: dict[str, Column] = {}
    for fk in table.foreign_keys:
        parent = (parents or {}).get(fk.parent)
        ref = next((c for c in parent.columns if c.name == fk.parent_column), None) \
            if parent else None
        base = column_schema(ref) if ref is not None else Column(fk.column, Kind.ID)
        cols[fk.column] = Column(fk.column, Kind.ID, dtype=base.dtype, id_format=base.id_format)
    for col in table.columns:
        cols[col.name] = column_schema(col, key=col.name == table.primary_key)
    return Table(table.name, tuple(cols[n] for n in table.column_names),
                 primary_key=table.primary_key)


def _check_constraints(table: TableSpec, issues: Issues) -> None:
    if not table.constraints or any(c.generator == INVALID for c in table.columns):
        return
    try:
        schema = static_table(table)
    except SchemaError:
        return
    for i, rule in enumerate(table.constraints):
        path = ("tables", table.name, "constraints", i)
        kind = str(rule.get("kind"))
        if kind in _REFUSED_RULES:
            issues.add((*path, "kind"), f"the constraint kind {kind!r} does not apply to mock "
                       f"data: {_REFUSED_RULES[kind]}.")
            continue
        try:
            built = from_dict(rule)
            _check_columns(built.columns(), schema)
            built.check(schema)
        except (SchemaError, InvalidParameterError) as exc:
            issues.add(path, str(exc).rstrip("."),
                       "see the constraint kinds in docs/mock.md (range, inequality, "
                       "positive, negative, formula, predicate).")


def _check_columns(names: Sequence[str], schema: Table) -> None:
    missing = [n for n in names if n not in schema.column_names]
    if missing:
        raise SchemaError(f"the constraint names the unknown column(s) {missing}; columns: "
                          f"{', '.join(schema.column_names)}")


def _check_capacity(table: TableSpec, issues: Issues) -> None:
    if not table.is_root:
        return
    for col in table.columns:
        cap = unique_capacity(col)
        if cap is not None and table.rows > cap:
            issues.add((*col.path, "unique"), f"a unique {col.generator} column can take "
                       f"{cap:,} distinct values, fewer than the table's {table.rows:,} rows.",
                       "add values, lengthen the pattern, lower rows, or drop unique.")


def unique_capacity(col: ColumnSpec) -> int | None:
    """How many distinct values a unique choice, empirical or regex column can take."""
    if not col.unique:
        return None
    if col.generator in ("choice", "empirical") and isinstance(col.params, list):
        return len(set(map(_hashable, col.params)))
    if col.generator == "regex" and col.params:
        try:
            return parse_regex(col.params).capacity()
        except SpecError:
            return None
    return None


def _hashable(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool)) else str(value)
