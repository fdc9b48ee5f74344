"""Parsing the top level and the tables of a spec (columns: :mod:`._spec_columns`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simulacra.mock._spec import (
    SPEC_VERSION,
    ColumnSpec,
    ForeignKeySpec,
    Issues,
    MockSpec,
    PathKey,
    TableSpec,
)
from simulacra.mock._spec_columns import INVALID, check_faker, parse_column

__all__ = ["COUNT_GENERATORS", "build_spec"]

_TOP = ("version", "seed", "locale", "tables")
_TABLE = ("rows", "primary_key", "foreign_keys", "columns", "constraints")
_FK = ("column", "references", "per_parent")
COUNT_GENERATORS = ("constant", "poisson", "uniform", "normal", "lognormal", "choice",
                    "empirical")
DEFAULT_ROWS = 100


def build_spec(data: Any, issues: Issues, source: str) -> MockSpec | None:
    """The spec from loaded YAML/JSON values; problems go to ``issues``."""
    if not isinstance(data, Mapping):
        issues.add((), f"a spec is a mapping with 'tables'; got {type(data).__name__}.",
                   "start from `simulacra mock --example`.")
        return None
    issues.check_keys((), data, _TOP, "the spec")
    version = data.get("version", SPEC_VERSION)
    if version != SPEC_VERSION:
        issues.add(("version",), f"spec version {version!r} is not supported; this simulacra "
                   f"reads version {SPEC_VERSION}.", f"set version: {SPEC_VERSION}.")
    seed = data.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool) or seed < 0):
        issues.add(("seed",), f"seed must be a non-negative integer; got {seed!r}.")
        seed = None
    locale = data.get("locale", "en_US")
    if not isinstance(locale, str):
        issues.add(("locale",), f"locale must be a string such as en_US; got {locale!r}.")
        locale = "en_US"
    tables = data.get("tables")
    if not isinstance(tables, Mapping) or not tables:
        issues.add(("tables",) if "tables" in data else (),
                   "the spec needs 'tables': a mapping of table name to table.",
                   "add tables: {customers: {rows: 100, columns: {...}}}.")
        return None
    parsed = [_table(str(name), body, ("tables", str(name)), issues)
              for name, body in tables.items()]
    specs = tuple(t for t in parsed if t is not None)
    for table in specs:
        for col in table.columns:
            check_faker(col, locale, issues)
    return MockSpec(specs, seed=seed, locale=locale, source=source)


def _table(name: str, body: Any, path: PathKey, issues: Issues) -> TableSpec | None:
    if not isinstance(body, Mapping):
        issues.add(path, f"a table is a mapping with 'columns'; got {body!r}.")
        return None
    issues.check_keys(path, body, _TABLE, "a table")
    rows = body.get("rows", DEFAULT_ROWS)
    if not isinstance(rows, int) or isinstance(rows, bool) or rows < 0:
        issues.add((*path, "rows"), f"rows must be a non-negative integer; got {rows!r}.")
        rows = DEFAULT_ROWS
    columns = body.get("columns")
    if not isinstance(columns, Mapping) or not columns:
        issues.add((*path, "columns") if "columns" in body else path,
                   "a table needs 'columns': a mapping of column name to generator.")
        columns = {}
    cols = [parse_column(str(k), v, (*path, "columns", str(k)), issues)
            for k, v in columns.items()]
    fks = _foreign_keys(body.get("foreign_keys", []), (*path, "foreign_keys"), issues)
    if fks and "rows" in body:
        issues.add((*path, "rows"), "a table with foreign keys gets its row count from its "
                   "parents (per_parent), so 'rows' would be ignored.",
                   "drop rows, or set per_parent on the first foreign key.")
    pk = body.get("primary_key")
    if pk is not None and not isinstance(pk, str):
        issues.add((*path, "primary_key"), f"primary_key must be a column name; got {pk!r}.")
        pk = None
    rules = body.get("constraints", [])
    if not isinstance(rules, list) or not all(isinstance(r, Mapping) for r in rules):
        issues.add((*path, "constraints"), "constraints must be a list of mappings such as "
                   "{kind: inequality, low: a, high: b}.")
        rules = []
    return TableSpec(name=name, columns=tuple(cols), rows=rows,
                     primary_key=pk, foreign_keys=tuple(fks),
                     constraints=tuple(dict(r) for r in rules))


def _foreign_keys(items: Any, path: PathKey, issues: Issues) -> list[ForeignKeySpec]:
    if not isinstance(items, list):
        issues.add(path, "foreign_keys must be a list of {column, references, per_parent}.")
        return []
    out = []
    for i, item in enumerate(items):
        where = (*path, i)
        if not isinstance(item, Mapping):
            issues.add(where, f"a foreign key is a mapping; got {item!r}.")
            continue
        issues.check_keys(where, item, _FK, "a foreign key")
        column, ref = item.get("column"), item.get("references")
        if not isinstance(column, str) or not isinstance(ref, str) or ref.count(".") != 1:
            issues.add(where, "a foreign key needs column: <name> and references: "
                       f"<table>.<column>; got column={column!r}, references={ref!r}.")
            continue
        per_parent = None
        if "per_parent" in item:
            if i > 0:
                issues.add((*where, "per_parent"), "only the first foreign key sets "
                           "per_parent (it decides the row count); the others pick a parent "
                           "at random.", "move per_parent to the first foreign key.")
            per_parent = _count(item["per_parent"], (*where, "per_parent"), issues)
        elif i == 0:
            issues.add(where, "the first foreign key needs per_parent: how many child rows "
                       "each parent row gets.", "add per_parent: {poisson: {lam: 3}} (or a "
                       "number).")
        parent, parent_column = ref.split(".")
        out.append(ForeignKeySpec(column, parent, parent_column, per_parent))
    return out


def _count(value: Any, path: PathKey, issues: Issues) -> ColumnSpec | None:
    if isinstance(value, int) and not isinstance(value, bool):
        value = {"constant": value}
    spec = parse_column("per_parent", value, path, issues)
    if spec.generator == INVALID:
        return None
    if spec.generator not in COUNT_GENERATORS:
        issues.add(path, f"per_parent takes a count distribution, one of "
                   f"{', '.join(COUNT_GENERATORS)}; got {spec.generator}.")
        return None
    constant = value.get("constant") if isinstance(value, Mapping) else None
    if isinstance(constant, (int, float)) and not isinstance(constant, bool) and constant < 0:
        issues.add(path, f"per_parent is how many child rows each parent row gets: 0 or "
                   f"more; got {constant}.", "give a count of 0 or more.")
        return None
    return spec
