"""The schema: frozen values with a versioned JSON form that a user can read, edit and pass back.

Edits return a new value (``dataclasses.replace`` or :meth:`Table.replace_column`); nothing is
mutated in place, so a synthesizer never has to guard against a schema changing under it.
"""

from __future__ import annotations

import codecs
import dataclasses
import functools
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from numbers import Integral, Real
from pathlib import Path
from typing import Any

import pandas as pd

from simulacra.errors import SchemaError
from simulacra.schema._datetimes import parse_datetimes
from simulacra.schema._kind_fields import check_columns_apply
from simulacra.schema._rule_fields import RULE_FIELDS, is_iso_date, rule_problem
from simulacra.schema._text_format import text_format_problem

SPEC_VERSION = 1
_SPEC_KEY = "simulacra_schema"


class Kind(StrEnum):
    """What a column holds, which decides how it is encoded and generated."""

    NUMERICAL = "numerical"
    CATEGORICAL = "categorical"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    ID = "id"
    TEXT = "text"
    PII = "pii"


class Role(StrEnum):
    """What a column is for: evaluation and sampling read the target and sensitive columns."""

    FEATURE = "feature"
    TARGET = "target"
    SENSITIVE = "sensitive"
    ENTITY_KEY = "entity_key"
    SEQUENCE_INDEX = "sequence_index"


class PIIType(StrEnum):
    """Kinds of personal data that are regenerated, never learned from real values."""

    EMAIL = "email"
    PHONE = "phone"
    PERSON_NAME = "person_name"
    FIRST_NAME = "first_name"
    LAST_NAME = "last_name"
    STREET_ADDRESS = "street_address"
    CREDIT_CARD = "credit_card"
    IBAN = "iban"
    NATIONAL_ID = "national_id"
    IP_ADDRESS = "ip_address"
    CODE = "code"
    """A mostly unique string of no known type (plate, SKU, user name, URL): regenerated with
    the layout of the real values, only parts that many values share kept."""


@dataclass(frozen=True)
class Column:
    """One column: its kind and role, and what the codecs need to restore it exactly.

    Only the fields that matter for the column's kind are set; the rest stay None.
    """

    name: str
    kind: Kind
    role: Role = Role.FEATURE
    dtype: str = "object"
    missing_share: float = 0.0
    unique: bool = False
    # numerical
    integer: bool | None = None
    decimals: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    # categorical / boolean
    cardinality: int | None = None
    # datetime
    datetime_format: str | None = None
    timezone: str | None = None
    # pii
    pii_type: PIIType | None = None
    locale: str | None = None
    # id
    id_format: str | None = None
    # how CSV output writes the values (see simulacra.schema._text_format) and missing cells
    text_format: str | None = None
    missing_text: str | None = None
    # how Parquet output stores them, where not as the values say (simulacra.schema._arrow_types)
    parquet_type: str | None = None

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "kind", Kind(self.kind))
            object.__setattr__(self, "role", Role(self.role))
            if self.pii_type is not None:
                object.__setattr__(self, "pii_type", PIIType(self.pii_type))
        except ValueError as exc:
            raise SchemaError(f"Column {self.name!r}: {exc}. {_choices_hint()}") from None
        _check_field_types(self)
        if self.kind is Kind.PII and self.pii_type is None:
            raise SchemaError(
                f"Column {self.name!r} has kind 'pii' but no 'pii_type'. "
                f"Set 'pii_type' to one of: {', '.join(PIIType)}."
            )
        if not 0.0 <= self.missing_share <= 1.0:
            raise SchemaError(
                f"Column {self.name!r}: 'missing_share' must be in [0, 1]. "
                f"Got {self.missing_share!r}."
            )
        if self.text_format is not None:
            problem = text_format_problem(self.text_format, self.kind.value)
            if problem:
                raise SchemaError(f"Column {self.name!r}: {problem}")
        if self.missing_text is not None and (not isinstance(self.missing_text, str)
                                              or self.missing_text.strip() == ""
                                              or "\n" in self.missing_text):
            raise SchemaError(
                f"Column {self.name!r}: 'missing_text' is how CSV output writes a missing "
                f"cell, a word such as '.' or 'NA'. Got {self.missing_text!r}; remove it to "
                "write missing cells empty.")
        if self.parquet_type is not None:
            _check_parquet_type(self)
        low, high = self.minimum, self.maximum
        if low is not None and high is not None and low > high:
            raise SchemaError(
                f"Column {self.name!r}: 'minimum' ({low}) is above 'maximum' ({high}). "
                "Swap them, or remove one to take it from the data."
            )

    @property
    def is_generated(self) -> bool:
        """True when values are regenerated rather than learned (ids, PII, free text)."""
        return self.kind in (Kind.ID, Kind.PII, Kind.TEXT)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: defaults and unset fields are left out."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("name", "kind") or value != f.default:
                out[f.name] = value.value if isinstance(value, StrEnum) else value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "", position: int = 1) -> Column:
        """Build from the JSON form; unknown keys are an error, not silently ignored.

        ``where`` starts error messages (``"Table 'sales': "``); ``position`` (from 1) names
        an entry that is not an object.
        """
        if not isinstance(data, Mapping):
            raise SchemaError(f'{where}column entry {position} must be an object such as '
                              f'{{"name": "age", "kind": "numerical"}}. Got {data!r}.')
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        name = data.get("name", "?")
        if unknown:
            raise SchemaError(
                f"{where}column {name!r} has unknown key(s) {unknown}. "
                f"Allowed keys: {', '.join(sorted(known))}."
            )
        missing = [k for k in ("name", "kind") if k not in data]
        if missing:
            raise SchemaError(f"{where}column {name!r} lacks required key(s) {missing}.")
        return cls(**dict(data))


_TEXT_FIELDS = ("name", "dtype", "datetime_format", "timezone", "locale", "id_format",
                "text_format", "parquet_type")
_FLAG_FIELDS = ("unique", "integer")
_NUMBER_FIELDS = ("missing_share", "minimum", "maximum")
_COUNT_FIELDS = ("decimals", "cardinality")


def _check_parquet_type(column: Column) -> None:
    from simulacra.schema._arrow_types import arrow_type  # pyarrow's types: only when set

    try:
        arrow_type(column.parquet_type or "")
    except ValueError as exc:
        raise SchemaError(
            f"Column {column.name!r}: 'parquet_type' is the type Parquet output stores the "
            f"column as, in pyarrow's words ('int8', 'decimal128(10, 2)', 'timestamp[ms, "
            f"tz=UTC]'); {exc}. Remove it to store the type the values have.") from None


@functools.lru_cache(maxsize=256)
def _pandas_knows(dtype: str) -> bool:
    if dtype.startswith("datetime64[") and "," in dtype:  # aware: the zone is kept as printed
        return True                                         # (pytz.FixedOffset(60)), not read
    try:
        pd.api.types.pandas_dtype(dtype)
    except (TypeError, ValueError):  # pandas 2: ValueError for some arrow names
        return False
    return True


def _check_field_types(column: Column) -> None:
    """Refuse a field of the wrong type (``"minimum": "0"``) before anything compares it.

    An edited schema JSON is the usual source: the message names the column and the field.
    """
    def refuse(key: str, wanted: str) -> SchemaError:
        return SchemaError(f"Column {column.name!r}: {key!r} must be {wanted}. "
                           f"Got {getattr(column, key)!r}.")

    for key in _TEXT_FIELDS:
        if getattr(column, key) is not None and not isinstance(getattr(column, key), str):
            raise refuse(key, "text")
    for key in _FLAG_FIELDS:
        if getattr(column, key) is not None and not isinstance(getattr(column, key), bool):
            raise refuse(key, "true or false")
    for key in _NUMBER_FIELDS:
        value = getattr(column, key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, Real)
                                  or not math.isfinite(float(value))):
            raise refuse(key, "a finite number")
    for key in _COUNT_FIELDS:
        value = getattr(column, key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, Integral)
                                  or value < 0):
            raise refuse(key, "a whole number, 0 or more")
    _check_datetime_fields(column)
    if not _pandas_knows(column.dtype):  # else accepted at fit and refused only at sample
        raise SchemaError(
            f"Column {column.name!r}: 'dtype' {column.dtype!r} is not a dtype pandas knows. "
            "Use the name pandas prints for the column (str(df[col].dtype)), such as "
            "'int64', 'float64', 'object' or 'category', or leave the inferred one.")


def _check_datetime_fields(column: Column) -> None:
    """A format with an unknown directive (``%Q``) or a time zone pandas does not know.

    The time zone is checked where it is used: dates written with an offset (``%z``, converted
    to it) and naive dates (text without an offset, a DataFrame's naive datetime64 column:
    local times in it). A literal ``Z`` says UTC, so another zone there is refused; on a
    DataFrame's aware column it is information (its zone object, printed).
    """
    if column.datetime_format is not None:
        try:
            parse_datetimes(pd.Series(["2000-01-01"]), column.datetime_format)
        except ValueError as exc:
            raise SchemaError(
                f"Column {column.name!r}: 'datetime_format' {column.datetime_format!r} is not "
                f"a strftime format ({exc}). Use directives such as '%Y-%m-%d' or "
                "'%d/%m/%Y %H:%M'.") from None
    if column.timezone is None:
        return
    fmt = column.datetime_format or ""
    if fmt.endswith("Z") and column.timezone != "UTC":
        raise SchemaError(
            f"Column {column.name!r}: 'timezone' {column.timezone!r} on dates written with a "
            f"literal 'Z' ({fmt!r}), which says they are UTC: the zone can only be 'UTC'. "
            "Remove 'timezone' (or set 'UTC'); for local times in a zone, convert the column "
            "before fitting (in pandas: .dt.tz_convert(zone)).")
    if "%z" in fmt or "%:z" in fmt or localizes(column):
        try:
            pd.Timestamp(0, tz="UTC").tz_convert(column.timezone)
        except (ValueError, KeyError, OSError) as exc:  # ZoneInfoNotFoundError is a KeyError
            raise SchemaError(
                f"Column {column.name!r}: 'timezone' {column.timezone!r} is not a time zone "
                f"({exc}). Use an IANA name such as 'Europe/Berlin', 'UTC' or an offset such "
                "as 'UTC+01:00'.") from None


def localizes(column: Column) -> bool:
    """Whether the column's ``timezone`` makes its values local times in that zone.

    True for text dates without an offset (nor a literal ``Z``) and a DataFrame's naive
    datetime64 column. Python datetime objects (dtype object, no format) may be aware or
    not: the codec localizes them when they are naive.
    """
    if column.timezone is None or column.kind is not Kind.DATETIME:
        return False
    fmt = column.datetime_format
    if fmt is not None:
        return not ("%z" in fmt or "%:z" in fmt or fmt.endswith("Z"))
    return column.dtype.startswith("datetime64") and "," not in column.dtype


def _choices_hint() -> str:
    return (
        f"Kinds: {', '.join(Kind)}. Roles: {', '.join(Role)}. "
        f"PII types: {', '.join(PIIType)}."
    )


#: Kinds of business rule a table's ``constraints`` may declare (see simulacra.constraints).
CONSTRAINT_KINDS = tuple(RULE_FIELDS)


def constraint_columns(rule: Mapping[str, Any]) -> list[str]:
    """The column names a constraint's JSON form refers to.

    A range's bound written as an ISO date (``"2020-03-01"``) is a fixed date, no column.
    """
    named = [rule[k] for k in ("column", "low", "high") if isinstance(rule.get(k), str)
             and not (k != "column" and rule.get("kind") == "range" and is_iso_date(rule[k]))]
    listed = rule.get("columns", [])
    return named + (list(listed) if isinstance(listed, list) else [])


CSV_SEPARATORS = (",", ";", "\t", "|")
DECIMAL_MARKS = (".", ",")


CSV_DIALECT_DEFAULTS: dict[str, Any] = {"separator": ",", "decimal": ".", "encoding": "utf-8",
                                         "line_end": "\n", "quoted": [], "unnamed": [],
                                         "trailing_separator": False, "decimal_marks": {},
                                         "quoted_missing": [], "end_lines": ""}
r"""Each ``csv_dialect`` key's default. ``line_end``: ``"\n"`` or ``"\r\n"``. ``quoted``: the
columns whose every value is written in quotes, with the header (R's ``write.csv2``,
LibreOffice's "quote all text cells"); other fields are quoted only where they must be.
``unnamed``: the columns whose header cell is written empty (R's and pandas' row names,
read as ``Unnamed: 0``). ``trailing_separator``: every line ends in a separator
(``Datum;Menge;``, as some spreadsheets write). ``decimal_marks``: column -> its decimal mark
where it is not the file's (Swiss ``CHF 1'234.50`` in a file of decimal commas).
``quoted_missing``: quoted columns whose missing cells are quoted too (``"NA"``, pandas'
``QUOTE_NONNUMERIC``). ``end_lines``: what follows the last row, as written: empty lines or
lines of separators (``";;\r\n\r\n"``)."""
_CSV_DIALECT_ALWAYS = ("separator", "decimal", "encoding")
LINE_ENDS = ("\n", "\r\n")


def csv_dialect_of(dialect: Any, where: str) -> dict[str, Any]:
    """A ``csv_dialect`` checked and completed: separator, decimal mark and encoding.

    ``where`` names it in errors (``"Table 'sales': 'csv_dialect'"``). The encoding is
    given by its codec's name (``"cp1252"``, ``"utf-8-sig"`` for UTF-8 with a BOM). The
    other keys of :data:`CSV_DIALECT_DEFAULTS` are kept only where they are not the default,
    so that a dialect read before they existed compares and saves as it did.
    """
    if not isinstance(dialect, Mapping):
        raise SchemaError(f'{where} must be an object such as {{"separator": ";", '
                          f'"decimal": ","}}. Got {dialect!r}.')
    unknown = sorted(set(dialect) - set(CSV_DIALECT_DEFAULTS))
    if unknown:
        raise SchemaError(f"{where} has unknown key(s) {unknown}; it takes "
                          f"{', '.join(map(repr, CSV_DIALECT_DEFAULTS))}.")
    separator, decimal, encoding, line_end, quoted, unnamed, trailing, marks, quoted_missing, \
        end_lines = (dialect.get(k, d) for k, d in CSV_DIALECT_DEFAULTS.items())
    try:
        encoding = codecs.lookup(encoding).name
    except (LookupError, TypeError):
        raise SchemaError(f"{where}: 'encoding' must be a Python codec name such as 'utf-8', "
                          f"'utf-8-sig' or 'cp1252'. Got {encoding!r}.") from None
    if separator not in CSV_SEPARATORS:
        raise SchemaError(f"{where}: 'separator' must be one of {list(CSV_SEPARATORS)}. "
                          f"Got {separator!r}.")
    if decimal not in DECIMAL_MARKS:
        raise SchemaError(f"{where}: 'decimal' must be '.' or ','. Got {decimal!r}.")
    if line_end not in LINE_ENDS:
        raise SchemaError(f"{where}: 'line_end' must be {LINE_ENDS[0]!r} or {LINE_ENDS[1]!r}. "
                          f"Got {line_end!r}.")
    for key, names, example in (("quoted", quoted, '["name", "city"]'),
                                ("unnamed", unnamed, '["Unnamed: 0"]'),
                                ("quoted_missing", quoted_missing, '["Ozone"]')):
        if (not isinstance(names, list | tuple) or not all(isinstance(n, str) for n in names)
                or len(set(names)) != len(names)):
            raise SchemaError(f"{where}: {key!r} must be a list of column names, each once, "
                              f"such as {example}. Got {names!r}.")
    if not isinstance(trailing, bool):
        raise SchemaError(f"{where}: 'trailing_separator' must be true or false. "
                          f"Got {trailing!r}.")
    _check_decimal_marks(marks, where)
    _check_end_lines(end_lines, separator, where)
    out: dict[str, Any] = {"separator": separator, "decimal": decimal, "encoding": encoding}
    if line_end != CSV_DIALECT_DEFAULTS["line_end"]:
        out["line_end"] = line_end
    for key, names in (("quoted", quoted), ("unnamed", unnamed)):
        if names:
            out[key] = list(names)
    if trailing:
        out["trailing_separator"] = True
    if marks:
        out["decimal_marks"] = dict(marks)
    if quoted_missing:
        out["quoted_missing"] = list(quoted_missing)
    if end_lines:
        out["end_lines"] = end_lines
    return out


def _check_decimal_marks(marks: Any, where: str) -> None:
    if not isinstance(marks, Mapping) or not all(
            isinstance(name, str) and mark in DECIMAL_MARKS for name, mark in marks.items()):
        raise SchemaError(f"{where}: 'decimal_marks' must map column names to '.' or ',', "
                          f"such as {{\"Betrag\": \".\"}}. Got {marks!r}.")


def _check_end_lines(end_lines: Any, separator: str, where: str) -> None:
    """``end_lines`` holds line ends and separators only: no values."""
    if not isinstance(end_lines, str) or end_lines.strip(f"\r\n{separator}"):
        raise SchemaError(f"{where}: 'end_lines' is what follows the last row: empty lines or "
                          f"lines of separators, such as {';;' + chr(13) + chr(10)!r}. "
                          f"Got {end_lines!r}; remove it to end the file after the last row.")


@dataclass(frozen=True)
class Table:
    """A table: its columns in order, its primary key and its business rules.

    ``constraints`` holds each rule's JSON form (``{"kind": "inequality", "low": "start",
    "high": "end"}``); :mod:`simulacra.constraints` gives them meaning. ``csv_dialect`` is how
    the CSV the table was read from separated fields and wrote decimals
    (``{"separator": ";", "decimal": ","}``), line ends and quotes (see
    :data:`CSV_DIALECT_DEFAULTS`), for CSV output written the same way; None for a plain
    comma-separated UTF-8 file with decimal points, a DataFrame or Parquet.
    """

    name: str
    columns: tuple[Column, ...]
    primary_key: str | None = None
    constraints: tuple[dict[str, Any], ...] = ()
    csv_dialect: dict[str, Any] | None = None

    def __repr__(self) -> str:
        """One line: the name and the first columns' kinds (.to_dict() has everything)."""
        cols = ", ".join(f"{c.name} {c.kind.value}" for c in self.columns[:8])
        more = f", ... ({len(self.columns) - 8} more)" if len(self.columns) > 8 else ""
        key = f"; key {self.primary_key!r}" if self.primary_key else ""
        rules = f"; {len(self.constraints)} rules" if self.constraints else ""
        return f"Table({self.name!r}: {len(self.columns)} columns: {cols}{more}{key}{rules})"

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", tuple(self.columns))
        object.__setattr__(self, "constraints", tuple(dict(c) for c in self.constraints))
        names = [c.name for c in self.columns]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise SchemaError(f"Table {self.name!r} lists column(s) {dupes} more than once.")
        if self.primary_key is not None and self.primary_key not in names:
            raise SchemaError(
                f"Table {self.name!r}: primary key {self.primary_key!r} is not one of its "
                f"columns ({', '.join(names)})."
            )
        for i, rule in enumerate(self.constraints):
            self._check_constraint(i, rule, names)
        if self.csv_dialect is not None:
            dialect = csv_dialect_of(self.csv_dialect, f"Table {self.name!r}: 'csv_dialect'")
            for key in ("quoted", "unnamed", "quoted_missing", "decimal_marks"):
                if key in dialect:  # a column dropped (a reshaping rule's) is not written
                    kept = [c for c in dialect[key] if c in names]
                    dialect[key] = ({c: dialect[key][c] for c in kept}
                                    if isinstance(dialect[key], dict) else kept)
                    if not kept:
                        del dialect[key]
            default = {k: CSV_DIALECT_DEFAULTS[k] for k in _CSV_DIALECT_ALWAYS}
            object.__setattr__(self, "csv_dialect", None if dialect == default else dialect)

    def _check_constraint(self, i: int, rule: Mapping[str, Any], names: list[str]) -> None:
        where = f"Table {self.name!r}, constraint {i + 1} ({rule.get('kind', '?')})"
        if rule.get("kind") not in CONSTRAINT_KINDS:
            raise SchemaError(f"{where}: 'kind' must be one of {', '.join(CONSTRAINT_KINDS)}. "
                              f"Got {rule.get('kind')!r}.")
        problem = rule_problem(rule)  # the words fit would use: checked here, before fitting
        if problem:
            raise SchemaError(f"{where}: {problem}")
        unknown = [c for c in constraint_columns(rule) if c not in names]
        if unknown:
            raise SchemaError(f"{where} names column(s) {unknown} that the table does not "
                              f"have. Columns: {', '.join(names)}.")

    @property
    def column_names(self) -> list[str]:
        """Column names in order."""
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        """The column called ``name``."""
        for col in self.columns:
            if col.name == name:
                return col
        raise SchemaError(
            f"Table {self.name!r} has no column {name!r}. Columns: {', '.join(self.column_names)}."
        )

    def replace_column(self, column: Column) -> Table:
        """A new table with the column of the same name replaced."""
        self.column(column.name)
        cols = tuple(column if c.name == column.name else c for c in self.columns)
        return dataclasses.replace(self, columns=cols)

    def text_formats(self) -> dict[str, str]:
        """Each column's ``text_format``, for :func:`~simulacra.write_table` (CSV output)."""
        return {c.name: c.text_format for c in self.columns if c.text_format is not None}

    def parquet_types(self) -> dict[str, str]:
        """Each column's ``parquet_type``, for :func:`~simulacra.write_table` (Parquet output)."""
        return {c.name: c.parquet_type for c in self.columns if c.parquet_type is not None}

    def missing_texts(self) -> dict[str, str]:
        """Each column's ``missing_text``, for :func:`~simulacra.write_table` (CSV output)."""
        return {c.name: c.missing_text for c in self.columns if c.missing_text is not None}

    def columns_with_role(self, role: Role) -> list[str]:
        """Names of the columns that have ``role``."""
        return [c.name for c in self.columns if c.role is role]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        out: dict[str, Any] = {"name": self.name}
        if self.primary_key is not None:
            out["primary_key"] = self.primary_key
        out["columns"] = [c.to_dict() for c in self.columns]
        if self.constraints:
            out["constraints"] = [dict(c) for c in self.constraints]
        if self.csv_dialect is not None:
            out["csv_dialect"] = {k: v for k, v in self.csv_dialect.items()
                                  if v != CSV_DIALECT_DEFAULTS[k]}  # defaults left out
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], position: int = 1) -> Table:
        """Build from the JSON form; ``position`` (from 1) names a table without a name."""
        if not isinstance(data, Mapping):
            raise SchemaError(f"The schema's table {position} must be an object with 'name' "
                              f"and 'columns'. Got {data!r}.")
        unknown = sorted(set(data) - {"name", "primary_key", "columns", "constraints",
                                      "csv_dialect"})
        name = data.get("name")
        if not isinstance(name, str):
            raise SchemaError(f"The schema's table {position} needs a 'name' that is text. "
                              f"Got {name!r}.")
        if unknown:
            raise SchemaError(f"Table {name!r} has unknown key(s) {unknown}.")
        if not isinstance(data.get("columns"), list):
            raise SchemaError(f"Table {name!r} needs a 'columns' list.")
        where = f"Table {name!r}: "
        cols = tuple(Column.from_dict(c, where, i + 1) for i, c in enumerate(data["columns"]))
        rules = data.get("constraints", [])
        if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules):
            raise SchemaError(f"{where}'constraints' must be a list of objects.")
        key = data.get("primary_key")
        if key is not None and not isinstance(key, str):
            raise SchemaError(f"{where}'primary_key' must be a column name. Got {key!r}.")
        return cls(name=name, columns=cols, primary_key=key,
                   constraints=tuple(rules), csv_dialect=data.get("csv_dialect"))


@dataclass(frozen=True)
class ForeignKey:
    """``child_table.child_columns`` refers to ``parent_table.parent_columns``."""

    child_table: str
    child_columns: tuple[str, ...]
    parent_table: str
    parent_columns: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "child_table": self.child_table,
            "child_columns": list(self.child_columns),
            "parent_table": self.parent_table,
            "parent_columns": list(self.parent_columns),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], position: int = 1) -> ForeignKey:
        """Build from the JSON form; ``position`` (from 1) names it in errors."""
        where = f"The schema's foreign key {position}"
        keys = ("child_table", "child_columns", "parent_table", "parent_columns")
        example = ('{"child_table": "orders", "child_columns": ["customer_id"], '
                   '"parent_table": "customers", "parent_columns": ["id"]}')
        if not isinstance(data, Mapping):
            raise SchemaError(f"{where} must be an object such as {example}. Got {data!r}.")
        unknown = sorted(set(data) - set(keys))
        missing = [k for k in keys if k not in data]
        if unknown or missing:
            said = ([f"lacks the key(s) {missing}"] if missing else []) + (
                [f"has unknown key(s) {unknown}"] if unknown else [])
            raise SchemaError(f"{where} {' and '.join(said)}; it takes {', '.join(keys)}, "
                              f"such as {example}.")
        for key in ("child_table", "parent_table"):
            if not isinstance(data[key], str):
                raise SchemaError(f"{where}: {key!r} must be a table name. Got {data[key]!r}.")
        for key in ("child_columns", "parent_columns"):
            names = data[key]
            if (not isinstance(names, list) or not names
                    or not all(isinstance(n, str) for n in names)):
                raise SchemaError(f"{where}: {key!r} must be a list of column names, such as "
                                  f'["customer_id"]. Got {names!r}.')
        return cls(data["child_table"], tuple(data["child_columns"]), data["parent_table"],
                   tuple(data["parent_columns"]))


@dataclass(frozen=True)
class Schema:
    """Tables and the foreign keys between them."""

    tables: tuple[Table, ...]
    foreign_keys: tuple[ForeignKey, ...] = field(default_factory=tuple)

    def __repr__(self) -> str:
        """One line per table (the dataclass's ran to 27 kB)."""
        keys = f", {len(self.foreign_keys)} foreign keys" if self.foreign_keys else ""
        return f"Schema({', '.join(repr(t) for t in self.tables)}{keys})"

    def __post_init__(self) -> None:
        object.__setattr__(self, "tables", tuple(self.tables))
        object.__setattr__(self, "foreign_keys", tuple(self.foreign_keys))
        if not self.tables:
            raise SchemaError("A schema needs at least one table.")

    @classmethod
    def single(cls, table: Table) -> Schema:
        """A schema of one table."""
        return cls((table,))

    def table(self, name: str | None = None) -> Table:
        """The table called ``name``; without a name, the only table."""
        if name is None:
            if len(self.tables) != 1:
                raise SchemaError(
                    f"The schema has {len(self.tables)} tables; name one of: "
                    f"{', '.join(t.name for t in self.tables)}."
                )
            return self.tables[0]
        for t in self.tables:
            if t.name == name:
                return t
        raise SchemaError(
            f"The schema has no table {name!r}. Tables: {', '.join(t.name for t in self.tables)}."
        )

    def replace_table(self, table: Table) -> Schema:
        """A new schema with the table of the same name replaced."""
        self.table(table.name)
        tables = tuple(table if t.name == table.name else t for t in self.tables)
        return dataclasses.replace(self, tables=tables)

    def to_dict(self) -> dict[str, Any]:
        """The versioned JSON form."""
        return {
            _SPEC_KEY: SPEC_VERSION,
            "tables": [t.to_dict() for t in self.tables],
            "foreign_keys": [fk.to_dict() for fk in self.foreign_keys],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Schema:
        """Build from the JSON form, checking its version."""
        if not isinstance(data, Mapping) or _SPEC_KEY not in data:
            raise SchemaError(
                f"This is not a simulacra schema: the key {_SPEC_KEY!r} is missing. "
                "Create one with `simulacra schema infer DATA -o schema.json`."
            )
        version = data[_SPEC_KEY]
        if type(version) is not int:  # true and 1.0 compare equal to 1
            raise SchemaError(f"{_SPEC_KEY!r} must be the whole number {SPEC_VERSION}, the "
                              f"spec version. Got {version!r}. Write {SPEC_VERSION}, or "
                              "re-create the file with `simulacra schema infer`.")
        if version != SPEC_VERSION:
            raise SchemaError(
                f"Schema spec version {version!r} is not supported by this simulacra, which "
                f"reads version {SPEC_VERSION}. Re-create it with `simulacra schema infer`."
            )
        unknown = sorted(set(data) - {_SPEC_KEY, "tables", "foreign_keys"})
        if unknown:
            raise SchemaError(f"The schema has unknown top-level key(s) {unknown}.")
        for key in ("tables", "foreign_keys"):
            if not isinstance(data.get(key, []), list):
                raise SchemaError(f"The schema's {key!r} must be a list of objects, one per "
                                  f"{key[:-1].replace('_', ' ')}. Got {data[key]!r}.")
        tables = tuple(Table.from_dict(t, i + 1) for i, t in enumerate(data.get("tables", [])))
        fks = tuple(ForeignKey.from_dict(f, i + 1)
                    for i, f in enumerate(data.get("foreign_keys", [])))
        return cls(tables, fks)

    def to_json(self) -> str:
        """The JSON text, indented for editing."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str, source: str = "schema") -> Schema:
        """Parse JSON text; ``source`` names the file in error messages.

        This is how a user's schema file is read, so it is held to more than a saved model's
        schema (:meth:`from_dict`): a key given twice in one object, and fields that cannot
        do anything for their column (see :mod:`simulacra.schema._kind_fields`), are refused.
        """
        try:
            data = json.loads(text.removeprefix("\ufeff"), object_pairs_hook=_unique_keys)
        except json.JSONDecodeError as exc:
            raise SchemaError(
                f"{source} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
            ) from None
        except _DuplicateKeyError as exc:
            raise SchemaError(f"{source}: {exc}") from None
        try:
            schema = cls.from_dict(data)
            for table in schema.tables:
                check_columns_apply(table)
        except SchemaError as exc:
            raise SchemaError(f"{source}: {exc}") from None
        return schema

    @classmethod
    def read(cls, path: str | Path) -> Schema:
        """Read a schema JSON file (UTF-8, with or without a byte order mark)."""
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8-sig")  # Notepad and PowerShell write a BOM
        except FileNotFoundError:
            raise SchemaError(f"Schema file {str(p)!r} does not exist.") from None
        except IsADirectoryError:
            raise SchemaError(f"Schema file {str(p)!r} is a folder. Give the schema JSON "
                              "file (from `simulacra schema infer DATA -o schema.json`).") from None
        except UnicodeDecodeError:
            raise SchemaError(f"Schema file {str(p)!r} is not UTF-8 text.") from None
        except OSError as exc:
            raise SchemaError(f"Schema file {str(p)!r} cannot be read: "
                              f"{exc.strerror or exc}.") from None
        return cls.from_json(text, source=str(p))


class _DuplicateKeyError(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object's keys, refusing one given twice (``json`` would keep the last)."""
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            named = dict(pairs).get("name")
            where = f"the object named {named!r}" if isinstance(named, str) else "one object"
            raise _DuplicateKeyError(
                f"the key {key!r} is given twice in {where} ({seen[key]!r}, then "
                f"{value!r}). Keep one.")
        seen[key] = value
    return seen
