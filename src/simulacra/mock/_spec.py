"""The mock-data spec: frozen dataclasses, read from YAML or JSON with line numbers.

:func:`load_spec` reads the text twice: ``yaml.compose`` gives every key's line (JSON parses
as YAML too, so both formats get lines), ``yaml.safe_load`` the values. Every problem is
collected and raised once as a :class:`~simulacra.errors.SpecError` whose lines read
``spec.yaml, line 14 (tables.customers.columns.age): what is wrong. Fix: how to fix it.``
Column specs are parsed in :mod:`._spec_columns`; cross-table checks (foreign keys, formula
names, cycles, constraints) run in :mod:`._checks`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from simulacra.errors import DataReadError, InvalidParameterError, SpecError

__all__ = [
    "CaseSpec",
    "ColumnSpec",
    "ForeignKeySpec",
    "Issues",
    "MockSpec",
    "TableSpec",
    "did_you_mean",
    "load_spec",
]

SPEC_VERSION = 1
PathKey = tuple[str | int, ...]


@dataclass(frozen=True)
class CaseSpec:
    """One branch of a ``cases`` column: ``condition`` None is the ``else`` branch."""

    condition: str | None
    value: ColumnSpec


@dataclass(frozen=True)
class ColumnSpec:
    """How one column is generated.

    ``generator`` is the key that names the generator (``normal``, ``faker``, ...) and
    ``params`` its value, normalized (a dict of parameters, a list of values, a string).
    ``path`` is the field path used in error messages.
    """

    name: str
    generator: str
    params: Any
    path: tuple[str | int, ...] = ()
    null_share: float = 0.0
    unique: bool = False
    minimum: float | None = None
    maximum: float | None = None
    decimals: int | None = None
    locale: str | None = None
    weights: tuple[float, ...] | None = None
    format: str | None = None
    timezone: str | None = None
    args: Mapping[str, Any] = field(default_factory=dict)
    pool: int | None = None
    cases: tuple[CaseSpec, ...] = ()

    @property
    def where(self) -> str:
        """The field path as text (``tables.customers.columns.age``)."""
        return format_path(self.path)


@dataclass(frozen=True)
class ForeignKeySpec:
    """``column`` holds a key of ``parent.parent_column``.

    The first foreign key of a table drives its row count: every parent row gets
    ``per_parent`` children. Further foreign keys pick a parent row at random.
    """

    column: str
    parent: str
    parent_column: str
    per_parent: ColumnSpec | None = None


@dataclass(frozen=True)
class TableSpec:
    """One table: its row count (root tables), keys, columns and constraints."""

    name: str
    columns: tuple[ColumnSpec, ...]
    rows: int = 100
    primary_key: str | None = None
    foreign_keys: tuple[ForeignKeySpec, ...] = ()
    constraints: tuple[Mapping[str, Any], ...] = ()

    @property
    def is_root(self) -> bool:
        """True when the table has no foreign key (its row count is its own)."""
        return not self.foreign_keys

    @property
    def column_names(self) -> list[str]:
        """Output column names: the primary key, foreign keys, then the others as declared."""
        declared = [c.name for c in self.columns]
        fks = [fk.column for fk in self.foreign_keys]
        if self.primary_key in declared:
            rest = [c for c in declared if c != self.primary_key]
            return [self.primary_key, *fks, *rest]
        return [*fks, *declared]

    def column(self, name: str) -> ColumnSpec:
        """The declared column called ``name``."""
        for col in self.columns:
            if col.name == name:
                return col
        raise InvalidParameterError(
            f"Table {self.name!r} declares no column {name!r}. "
            f"Columns: {', '.join(c.name for c in self.columns)}."
        )


@dataclass(frozen=True)
class MockSpec:
    """A parsed, validated spec: tables in the order declared, default seed and locale."""

    tables: tuple[TableSpec, ...]
    seed: int | None = None
    locale: str = "en_US"
    source: str = "spec"

    @property
    def table_names(self) -> list[str]:
        """Table names in the order declared."""
        return [t.name for t in self.tables]

    def table(self, name: str) -> TableSpec:
        """The table called ``name`` (InvalidParameterError listing the tables if unknown)."""
        for t in self.tables:
            if t.name == name:
                return t
        raise InvalidParameterError(
            f"The mock spec {self.source} has no table {name!r}. "
            f"Tables: {', '.join(self.table_names)}."
        )


# ---- problems, with file, line and field path -----------------------------------------------
def did_you_mean(word: str, options: Iterable[str]) -> str:
    """`` Did you mean 'x'?`` for a close option, else an empty string."""
    close = difflib.get_close_matches(str(word), list(options), n=1, cutoff=0.6)
    return f" Did you mean {close[0]!r}?" if close else ""


def format_path(path: PathKey) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


class Issues:
    """Problems found in a spec, each with the line of its field; raised once at the end."""

    def __init__(self, source: str, lines: Mapping[PathKey, int]) -> None:
        self.source = source
        self.lines = lines
        self.messages: list[str] = []

    def line_of(self, path: PathKey) -> int | None:
        for k in range(len(path), -1, -1):
            if path[:k] in self.lines:
                return self.lines[path[:k]]
        return None

    def add(self, path: PathKey, message: str, fix: str = "") -> None:
        line = self.line_of(path)
        at = f", line {line}" if line is not None else ""
        text = f"{self.source}{at} ({format_path(path)}): {message}"
        self.messages.append(f"{text} Fix: {fix}" if fix else text)

    def raise_if_any(self) -> None:
        if not self.messages:
            return
        n = len(self.messages)
        head = f"The mock spec {self.source} has {n} problem{'s' if n != 1 else ''}:"
        raise SpecError("\n".join([head, *(f"  - {m}" for m in self.messages)]))

    def check_keys(self, path: PathKey, data: Mapping[str, Any], allowed: Sequence[str],
                   what: str) -> None:
        for key in data:
            if key not in allowed:
                self.add((*path, str(key)), f"unknown key {str(key)!r} in {what}."
                         f"{did_you_mean(str(key), allowed)}",
                         f"use one of {', '.join(allowed)}.")


# ---- reading ----------------------------------------------------------------------------------
def _read_text(source: str | Path) -> tuple[str, str]:
    p = Path(source)
    try:
        return p.read_text(encoding="utf-8"), str(p)
    except FileNotFoundError:
        raise DataReadError(
            f"The mock spec {str(p)!r} does not exist. Check the path, or start from the "
            "example: `simulacra mock --example > spec.yaml`."
        ) from None
    except IsADirectoryError:
        raise DataReadError(f"The mock spec {str(p)!r} is a directory, not a file.") from None
    except UnicodeDecodeError:
        raise DataReadError(f"The mock spec {str(p)!r} is not UTF-8 text.") from None


def _lines(node: yaml.Node, path: PathKey, out: dict[PathKey, int], dupes: list[PathKey]) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                dupes.append((*path, key))
            seen.add(key)
            out[(*path, key)] = key_node.start_mark.line + 1
            _lines(value_node, (*path, key), out, dupes)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out[(*path, i)] = item.start_mark.line + 1
            _lines(item, (*path, i), out, dupes)


def _bad_scalar_line(text: str) -> str:
    """Where the first value that PyYAML cannot build (such as 2020-13-01) is, as ', line N'."""
    loader = yaml.SafeLoader(text)
    try:
        stack = [loader.get_single_node()]
        while stack:
            node = stack.pop(0)
            if isinstance(node, yaml.ScalarNode):
                try:
                    loader.construct_object(node, deep=True)
                except (ValueError, OverflowError):
                    return f", line {node.start_mark.line + 1}"
            elif isinstance(node, yaml.MappingNode):
                stack.extend(n for pair in node.value for n in pair)
            elif isinstance(node, yaml.SequenceNode):
                stack.extend(node.value)
    finally:
        loader.dispose()
    return ""


def parse_text(text: str, source: str) -> tuple[Any, dict[PathKey, int], list[PathKey]]:
    """Values, the line of every key, and duplicated keys of YAML or JSON text."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except (ValueError, OverflowError) as exc:  # a value of a YAML type that does not exist
        raise SpecError(
            f"{source}{_bad_scalar_line(text)}: a value cannot be read ({exc}). Fix: write "
            "a real date such as 2024-01-31 (year-month-day), or quote the value to keep it "
            "as text."
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f", line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError(
            f"{source}{at}: not valid YAML or JSON: {problem}. Fix: check the indentation, "
            "colons and quotes on that line (quote values that contain ': ' or start with "
            "'{', '[', '*', '&' or '!')."
        ) from None
    lines: dict[PathKey, int] = {}
    dupes: list[PathKey] = []
    if node is not None:
        lines[()] = node.start_mark.line + 1
        _lines(node, (), lines, dupes)
    return data, lines, dupes


def load_spec(source: str | Path | Mapping[str, Any]) -> MockSpec:
    """Read and validate a mock-data spec.

    Parameters
    ----------
    source
        A path to a YAML or JSON file, or the spec as a mapping (as ``yaml.safe_load``
        returns it). A string is taken as a path.

    Returns
    -------
    MockSpec

    Raises
    ------
    DataReadError
        The file does not exist or is not UTF-8 text.
    SpecError
        The text is not YAML/JSON, or the spec has problems: all of them are listed, each
        with file, line and field path, what was got and how to fix it.
    """
    from simulacra.mock._checks import check_spec
    from simulacra.mock._spec_tables import build_spec

    if isinstance(source, Mapping):
        data: Any = source
        name = "spec"
        lines: dict[PathKey, int] = {}
        dupes: list[PathKey] = []
    else:
        text, name = _read_text(source)
        data, lines, dupes = parse_text(text, name)
    issues = Issues(name, lines)
    for path in dupes:
        issues.add(path, f"the key {path[-1]!r} appears more than once.",
                   "keep one of them (YAML keeps only the last).")
    spec = build_spec(data, issues, name)
    if spec is not None:
        check_spec(spec, issues)  # also when parsing found problems: report them all at once
    issues.raise_if_any()
    assert spec is not None
    return spec
