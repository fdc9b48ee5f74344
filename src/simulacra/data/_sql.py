"""Whole databases through SQLAlchemy: read tables with their keys, write them back atomically.

:func:`read_database` reflects the tables of a database URL (``sqlite:///shop.db``,
``postgresql+psycopg://user@host/db``) with their primary keys, composite ones included, and
foreign keys, reads the rows, and gives each column a dtype and :class:`~simulacra.schema.Kind`
from its SQL type and values. :func:`write_database` creates the tables with real SQL types,
``PRIMARY KEY`` and ``FOREIGN KEY`` clauses and inserts the rows, parents before children, in
one transaction; a SQLite file is written to a temporary sibling and renamed onto the target,
so a failure never leaves half a database behind. PostgreSQL (``postgresql+psycopg://``) is
tested against a real server: its DDL is transactional too, so a failed write leaves no table
and a failed replace keeps the old ones. Tables are read from and written to the connection's
default schema (``public`` unless the user's ``search_path`` says otherwise); names are quoted
where SQL needs it (``"order"``, ``"Customers"``).

Until :class:`~simulacra.schema.Table` holds a composite primary key, a table whose
``primary_key`` is None and which has two or more columns of role ``entity_key`` has those
columns as its composite key (:func:`primary_key_columns`); :func:`read_database` writes
composite keys that way.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import URL, Engine

from simulacra.data._io import atomic_path
from simulacra.errors import DataReadError, InvalidParameterError, SchemaError
from simulacra.schema._infer import infer_column
from simulacra.schema._model import Column, ForeignKey, Kind, Role, Schema, Table

__all__ = ["parents_first", "primary_key_columns", "read_database", "write_database"]

_INSERT_ROWS = 20_000
# SQLite has no time zones: aware stamps are written in UTC with their offset, which
# SQLAlchemy's ISO parser (and so read_database) reads back as aware
_SQLITE_UTC = sqlite.DATETIME(  # type: ignore[no-untyped-call]
    storage_format="%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d"
                   ".%(microsecond)06d+00:00")


def primary_key_columns(table: Table) -> tuple[str, ...]:
    """The columns of ``table``'s primary key: ``primary_key``, or its ``entity_key`` columns.

    Two or more columns of role ``entity_key`` in a table without ``primary_key`` form a
    composite key (the convention until the schema holds composite keys itself).
    """
    if table.primary_key is not None:
        return (table.primary_key,)
    keys = tuple(table.columns_with_role(Role.ENTITY_KEY))
    return keys if len(keys) >= 2 else ()


def parents_first(schema: Schema) -> list[str]:
    """Table names ordered so that every table comes after the tables it refers to.

    Raises
    ------
    SchemaError
        A foreign key names an unknown table, or the foreign keys form a cycle (the message
        names the tables on it).
    """
    names = [t.name for t in schema.tables]
    parents: dict[str, list[str]] = {n: [] for n in names}
    for fk in schema.foreign_keys:
        for name in (fk.child_table, fk.parent_table):
            if name not in parents:
                raise SchemaError(
                    f"A foreign key {_fk_text(fk)} names the table {name!r}, which the schema "
                    f"does not have. Tables: {', '.join(names)}.")
        parents[fk.child_table].append(fk.parent_table)
    order: list[str] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            cycle = [*path[path.index(name):], name]
            raise SchemaError(
                f"The foreign keys form a cycle: {' -> '.join(cycle)} (child -> parent). "
                "Relational synthesis and writing need tables that can be created parents "
                "first: drop one foreign key of the cycle from the schema.")
        state[name] = 1
        for parent in parents[name]:
            visit(parent, [*path, name])
        state[name] = 2
        order.append(name)

    for name in names:
        visit(name, [])
    return order


def _fk_text(fk: ForeignKey) -> str:
    return (f"{fk.child_table}({', '.join(fk.child_columns)}) -> "
            f"{fk.parent_table}({', '.join(fk.parent_columns)})")


# ---- connecting ---------------------------------------------------------------------------
def _shown(url: str | URL) -> str:
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except (sa.exc.ArgumentError, TypeError, AttributeError, ValueError):  # not a URL at all
        return str(url)


def _engine(url: str | URL, *, must_exist: bool) -> Engine:
    shown = _shown(url)
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError:
        raise DataReadError(
            f"{shown!r} is not a database URL. Write it as dialect+driver://user:password@host"
            "/database, e.g. sqlite:///shop.db or postgresql+psycopg://me@localhost/shop."
        ) from None
    if parsed.get_backend_name() == "sqlite" and must_exist:
        path = parsed.database
        if path not in (None, "", ":memory:") and not Path(path).is_file():
            raise DataReadError(f"The SQLite database {path!r} (from {shown!r}) does not exist.")
    try:
        engine = sa.create_engine(parsed)
    except (sa.exc.NoSuchModuleError, ImportError) as exc:
        raise DataReadError(
            f"Cannot open {shown!r}: SQLAlchemy has no driver for it ({exc}). Install the "
            "driver (e.g. `pip install psycopg` for postgresql+psycopg://) or fix the URL."
        ) from None
    if parsed.get_backend_name() == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_foreign_keys)
    return engine


def _sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@contextmanager
def _opened(url: str | URL, *, must_exist: bool) -> Iterator[Engine]:
    engine = _engine(url, must_exist=must_exist)
    try:
        yield engine
    except sa.exc.OperationalError as exc:
        raise DataReadError(
            f"Cannot use the database {_shown(url)!r}: {exc.orig}. Check that it is "
            "running and reachable and that the user may read it."
        ) from None
    finally:
        engine.dispose()


# ---- reading ------------------------------------------------------------------------------
def read_database(url: str | URL, tables: Sequence[str] | None = None
                  ) -> tuple[dict[str, pd.DataFrame], Schema]:
    """Read the tables of a database with their primary and foreign keys.

    Parameters
    ----------
    url
        A SQLAlchemy URL, e.g. ``"sqlite:///shop.db"`` or
        ``"postgresql+psycopg://me@localhost/shop"``.
    tables
        The tables to read; None reads every table. Foreign keys to tables left out are
        dropped.

    Returns
    -------
    tuple of (dict of str to pandas.DataFrame, Schema)
        The rows of each table, and a schema whose tables carry their primary keys
        (composite ones as ``entity_key`` columns, see :func:`primary_key_columns`) and whose
        ``foreign_keys`` are the database's. Key columns have kind ``id``; the others are
        inferred from their values, with dtypes from their SQL types (integers with NULLs are
        ``float64``, ``NUMERIC`` ``float64``, dates and timestamps ``datetime64[us]``,
        ``TIMESTAMP WITH TIME ZONE`` ``datetime64[us, UTC]`` whatever the session's time
        zone, UUIDs ``str``).

    Raises
    ------
    DataReadError
        The URL cannot be parsed or opened (no driver, no such SQLite file, server down), the
        database has no tables, or ``tables`` names one it does not have.
    """
    with _opened(url, must_exist=True) as engine:
        inspector = sa.inspect(engine)
        available = inspector.get_table_names()
        names = _chosen_tables(available, tables, url)
        meta = sa.MetaData()
        meta.reflect(engine, only=names)
        reflected = {n: meta.tables[n] for n in names}
        frames: dict[str, pd.DataFrame] = {}
        with engine.connect() as conn:
            for name, table in reflected.items():
                rows = conn.execute(sa.select(table)).all()
                raw = pd.DataFrame.from_records(rows, columns=[c.name for c in table.columns])
                frames[name] = _typed_frame(raw, table)
    keys = {n: [c.name for c in t.primary_key.columns] for n, t in reflected.items()}
    fks = [ForeignKey(n, tuple(fk.column_keys), fk.referred_table.name,
                      tuple(e.column.name for e in fk.elements))
           for n, t in reflected.items() for fk in t.foreign_key_constraints
           if fk.referred_table.schema is None and fk.referred_table.name in reflected]
    schema_tables = tuple(_table_schema(n, frames[n], keys[n], fks) for n in names)
    return frames, Schema(schema_tables, tuple(fks))


def _chosen_tables(available: list[str], wanted: Sequence[str] | None,
                   url: str | URL) -> list[str]:
    if not available:
        raise DataReadError(f"The database {_shown(url)!r} has no tables.")
    if wanted is None:
        return list(available)
    if isinstance(wanted, str):
        raise InvalidParameterError(f"tables must be a list of names. Got the string {wanted!r}.")
    missing = [t for t in wanted if t not in available]
    if missing:
        raise DataReadError(
            f"The database {_shown(url)!r} has no table(s) {missing}. Tables: "
            f"{', '.join(available)}.")
    return list(dict.fromkeys(wanted))


def _typed_frame(raw: pd.DataFrame, table: sa.Table) -> pd.DataFrame:
    out = {}
    for col in table.columns:
        out[col.name] = _typed_series(raw[col.name], col.type)
    return pd.DataFrame(out, index=raw.index)


def _typed_series(values: pd.Series, sql_type: Any) -> pd.Series:
    present = values.notna()
    try:
        python_type = sql_type.python_type
    except NotImplementedError:
        return values
    if python_type is bool:
        return values.astype(bool) if present.all() else values.astype("boolean")
    if python_type is int:
        numbers = pd.to_numeric(values)
        return numbers.astype(np.int64) if present.all() else numbers.astype(np.float64)
    if python_type is float or isinstance(sql_type, sa.Numeric):
        return pd.to_numeric(values).astype(np.float64)
    if isinstance(sql_type, (sa.DateTime, sa.Date)):
        # PostgreSQL gives TIMESTAMP WITH TIME ZONE in the session's zone: read it as UTC
        aware = bool(getattr(sql_type, "timezone", False)) or _any_aware(values[present])
        stamps = pd.to_datetime(values, utc=aware)
        unit = "datetime64[us, UTC]" if aware else "datetime64[us]"
        return stamps.astype(pd.api.types.pandas_dtype(unit))
    if python_type is uuid.UUID:
        return values.map(lambda v: str(v) if isinstance(v, uuid.UUID) else v)
    return values


def _any_aware(values: pd.Series) -> bool:
    first = values.iloc[0] if len(values) else None
    return getattr(first, "tzinfo", None) is not None


def _table_schema(name: str, frame: pd.DataFrame, key: list[str],
                  fks: Sequence[ForeignKey]) -> Table:
    referenced = {c for fk in fks if fk.child_table == name for c in fk.child_columns}
    referenced |= {c for fk in fks if fk.parent_table == name for c in fk.parent_columns}
    columns = []
    for col_name in frame.columns:
        series = frame[col_name]
        if col_name in key or col_name in referenced:
            role = Role.ENTITY_KEY if len(key) > 1 and col_name in key else Role.FEATURE
            columns.append(_key_column(series, role, unique=key == [col_name]))
        else:
            columns.append(infer_column(series))
    return Table(name, tuple(columns), primary_key=key[0] if len(key) == 1 else None)


def _key_column(series: pd.Series, role: Role, *, unique: bool) -> Column:
    numeric = pd.api.types.is_numeric_dtype(series.dtype)
    present = series.dropna()
    fractions = pd.api.types.is_float_dtype(series.dtype) and not np.array_equal(
        present, np.round(present))  # a REAL key of fractions (hours 690.58): no integer id
    return Column(str(series.name), Kind.ID, role=role, dtype=str(series.dtype),
                  missing_share=float(series.isna().mean()) if len(series) else 0.0,
                  unique=unique, integer=False if fractions else None,
                  id_format="integer" if numeric and not fractions else None)


# ---- writing ------------------------------------------------------------------------------
def write_database(url: str | URL, frames: Mapping[str, pd.DataFrame], schema: Schema, *,
                   if_exists: Literal["fail", "replace"] = "fail") -> None:
    """Create the schema's tables in a database and insert the frames, all or nothing.

    Tables get SQL types from their columns' dtypes (integers and integer keys ``BIGINT``,
    floats ``DOUBLE PRECISION``, ``BOOLEAN``, ``TIMESTAMP`` or ``TIMESTAMP WITH TIME ZONE``,
    ``TEXT``; a referencing column takes the type of the column it refers to), their
    ``PRIMARY KEY`` (composite ones too), the schema's ``FOREIGN KEY`` clauses and ``UNIQUE``
    on the other columns they refer to. Rows are inserted parents first in one transaction.
    A SQLite file is built under a temporary name beside the target and renamed onto it at
    the end.

    Parameters
    ----------
    url
        A SQLAlchemy URL, e.g. ``"sqlite:///synthetic.db"``.
    frames
        One DataFrame per table of ``schema``, with its columns.
    schema
        Tables, keys and foreign keys.
    if_exists
        ``"fail"`` refuses a SQLite file that exists or a database that already has one of
        the tables; ``"replace"`` replaces the file, or drops those tables first, children
        before parents by the database's own foreign keys, within the same transaction
        (PostgreSQL and SQLite roll the drop back when the write fails). Tables outside the
        schema that refer to one of them block the replace.

    Raises
    ------
    DataReadError
        The URL cannot be parsed or opened.
    SchemaError
        A frame is missing or lacks columns of its table, the foreign keys form a cycle or
        name unknown columns, a name is too long for the database (63 bytes in PostgreSQL),
        the rows break a key (duplicate primary keys, references to no parent), or the
        database refuses a value or the tables.
    InvalidParameterError
        The target exists and ``if_exists`` is ``"fail"``, or other tables refer to a table
        to replace.
    """
    if if_exists not in ("fail", "replace"):
        raise InvalidParameterError(
            f"if_exists must be 'fail' or 'replace'. Got {if_exists!r}.")
    order = parents_first(schema)
    _check_frames(frames, schema)
    meta = _metadata(schema, order)
    parsed = _parsed(url)
    path = parsed.database if parsed.get_backend_name() == "sqlite" else None
    if path in (None, "", ":memory:"):
        with _opened(parsed, must_exist=False) as engine:
            _fill(engine, meta, frames, order, if_exists=if_exists, url=url)
        return
    target = Path(str(path))
    if target.exists() and if_exists == "fail":
        raise InvalidParameterError(
            f"The SQLite database {str(target)!r} exists. Write to another file or remove "
            "this one first (from Python, pass if_exists='replace' to replace it).")
    with atomic_path(target) as tmp, _opened(parsed.set(database=str(tmp)),
                                             must_exist=False) as engine:
        _fill(engine, meta, frames, order, if_exists="fail", url=url)
    for leftover in (Path(f"{tmp}-journal"), Path(f"{tmp}-wal")):
        if leftover.exists():
            os.remove(leftover)


def _parsed(url: str | URL) -> URL:
    try:
        return sa.make_url(url)
    except sa.exc.ArgumentError:
        raise DataReadError(
            f"{_shown(url)!r} is not a database URL. Write it as dialect+driver://user:"
            "password@host/database, e.g. sqlite:///synthetic.db.") from None


def _check_frames(frames: Mapping[str, pd.DataFrame], schema: Schema) -> None:
    for table in schema.tables:
        frame = frames.get(table.name)
        if not isinstance(frame, pd.DataFrame):
            raise SchemaError(
                f"write_database: no DataFrame for table {table.name!r}. Pass one frame per "
                f"table of the schema ({', '.join(t.name for t in schema.tables)}).")
        missing = [c for c in table.column_names if c not in frame.columns]
        if missing:
            raise SchemaError(
                f"write_database: the frame of table {table.name!r} lacks column(s) {missing}."
                f" Its columns: {list(frame.columns)[:20]}.")
    for fk in schema.foreign_keys:
        if len(fk.child_columns) != len(fk.parent_columns) or not fk.child_columns:
            raise SchemaError(f"write_database: the foreign key {_fk_text(fk)} needs as many "
                              "child as parent columns (at least one). Fix it in the schema.")
        for name, cols in ((fk.child_table, fk.child_columns),
                           (fk.parent_table, fk.parent_columns)):
            known = schema.table(name).column_names
            if any(c not in known for c in cols):
                raise SchemaError(
                    f"write_database: the foreign key {_fk_text(fk)} names column(s) "
                    f"{[c for c in cols if c not in known]} that table {name!r} does not "
                    f"have. Its columns: {', '.join(known)}.")


def _metadata(schema: Schema, order: list[str]) -> sa.MetaData:
    """SQL tables, parents first; a referencing column takes the SQL type of its parent's.

    Columns referred to that are not the primary key get a ``UNIQUE`` constraint, which SQL
    requires of a foreign key's target.
    """
    meta = sa.MetaData()
    types: dict[tuple[str, str], Any] = {}
    for name in order:
        table = schema.table(name)
        key = primary_key_columns(table)
        fks = [fk for fk in schema.foreign_keys if fk.child_table == name]
        refs = {c: (fk.parent_table, p) for fk in fks
                for c, p in zip(fk.child_columns, fk.parent_columns, strict=True)}
        items: list[Any] = []
        for c in table.columns:
            sql_type = types[refs[c.name]] if c.name in refs else _sql_type(c)
            types[(name, c.name)] = sql_type
            items.append(sa.Column(c.name, sql_type, nullable=c.name not in key,
                                   autoincrement=False))
        if key:
            items.append(sa.PrimaryKeyConstraint(*key))
        referenced = {fk.parent_columns for fk in schema.foreign_keys if fk.parent_table == name}
        items += [sa.UniqueConstraint(*cols) for cols in sorted(referenced) if cols != key]
        for fk in fks:
            parent = meta.tables[fk.parent_table]
            items.append(sa.ForeignKeyConstraint(
                list(fk.child_columns), [parent.c[c] for c in fk.parent_columns]))
        sa.Table(name, meta, *items)
    return meta


def _sql_type(column: Column) -> Any:
    try:
        dtype = pd.api.types.pandas_dtype(column.dtype)
    except TypeError:
        dtype = np.dtype(object)
    if pd.api.types.is_bool_dtype(dtype):
        return sa.Boolean()
    if pd.api.types.is_integer_dtype(dtype):
        return sa.BigInteger()
    if pd.api.types.is_float_dtype(dtype):
        # integer ids with NULLs are float64; a key of fractions (hours 690.58) stays REAL
        if (column.kind is Kind.ID and column.integer is not False) or (
                column.integer and column.kind is not Kind.NUMERICAL):
            return sa.BigInteger()
        return sa.Double()
    if pd.api.types.is_datetime64_any_dtype(dtype):
        if isinstance(dtype, pd.DatetimeTZDtype):
            return sa.DateTime(timezone=True).with_variant(_SQLITE_UTC, "sqlite")
        return sa.DateTime(timezone=column.timezone is not None)
    return sa.Text()


def _fill(engine: Engine, meta: sa.MetaData, frames: Mapping[str, pd.DataFrame],
          order: list[str], *, if_exists: str, url: str | URL) -> None:
    _check_identifiers(engine, meta)
    with engine.begin() as conn:
        existing = [n for n in order if sa.inspect(conn).has_table(n)]
        if existing and if_exists == "fail":
            raise InvalidParameterError(
                f"The database {_shown(url)!r} already has table(s) {existing}. Write to "
                "another database or drop those tables first (from Python, pass "
                "if_exists='replace' to drop and re-create them).")
        try:
            if existing:
                _drop(conn, existing, url)
            meta.create_all(conn)
        except sa.exc.DBAPIError as exc:
            _reraise(exc, f"write_database: cannot create the tables in {_shown(url)!r}",
                     "Check that the user may create and drop tables there.")
        for name in order:
            _insert(conn, meta.tables[name], frames[name])


def _check_identifiers(engine: Engine, meta: sa.MetaData) -> None:
    limit = engine.dialect.max_identifier_length
    names = [t.name for t in meta.tables.values()]
    names += [c.name for t in meta.tables.values() for c in t.columns]
    long = sorted({n for n in names if len(n.encode("utf-8")) > limit})
    if long:
        raise SchemaError(
            f"write_database: {engine.dialect.name} names are at most {limit} bytes long, and "
            f"table or column name(s) {long} are longer. Rename them in the frames and the "
            "schema.")


def _drop(conn: sa.Connection, existing: list[str], url: str | URL) -> None:
    """Drop tables being replaced, children first by the database's own foreign keys."""
    inspector = sa.inspect(conn)
    blockers = sorted(
        f"{table}({', '.join(fk['constrained_columns'])}) -> {fk['referred_table']}"
        for (_, table), fks in inspector.get_multi_foreign_keys().items()
        if table not in existing for fk in fks
        if fk["referred_table"] in existing and fk.get("referred_schema") is None)
    if blockers:
        raise InvalidParameterError(
            f"write_database cannot replace table(s) {existing} in {_shown(url)!r}: other "
            f"tables refer to them ({'; '.join(blockers)}). Drop those foreign keys or "
            "tables first, or write to another database.")
    old = sa.MetaData()
    old.reflect(conn, only=existing)
    old.drop_all(conn, tables=[old.tables[n] for n in existing])


def _insert(conn: sa.Connection, table: sa.Table, frame: pd.DataFrame) -> None:
    frame = frame[[c.name for c in table.columns]]
    for start in range(0, len(frame), _INSERT_ROWS):
        records = _records(frame.iloc[start:start + _INSERT_ROWS], table)
        try:
            conn.execute(table.insert(), records)
        except sa.exc.IntegrityError as exc:
            _reraise(exc, f"write_database: the rows of table {table.name!r} break a key of "
                     "the schema", "Check the primary keys for duplicates and the foreign "
                     "keys for values with no parent.")
        except sa.exc.DBAPIError as exc:
            _reraise(exc, f"write_database: the database refuses a value of table "
                     f"{table.name!r}", "Check the column's values against its SQL type.")


def _reraise(exc: sa.exc.DBAPIError, what: str, fix: str) -> None:
    if isinstance(exc, sa.exc.OperationalError):
        raise exc  # a connection problem: _opened names it
    detail = " ".join(str(exc.orig).split())
    raise SchemaError(f"{what} ({detail}). Nothing was written. {fix}") from None


def _records(frame: pd.DataFrame, table: sa.Table) -> list[dict[str, Any]]:
    columns = {}
    for name in frame.columns:
        series = frame[name]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            series = series.dt.tz_convert("UTC")  # SQLite keeps no zone: see _SQLITE_UTC
        values = series.astype(object).to_numpy()
        missing = series.isna().to_numpy()
        if missing.any():
            values = values.copy()
            values[missing] = None
        if pd.api.types.is_datetime64_any_dtype(series.dtype):
            values = np.array([None if v is None else v.to_pydatetime() for v in values],
                              dtype=object)
        elif (isinstance(table.c[name].type, sa.Integer)
              and pd.api.types.is_float_dtype(series.dtype)):
            values = _whole_numbers(series, missing, table.name)
        columns[name] = [v.item() if isinstance(v, np.generic) else v for v in values]
    names = list(columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def _whole_numbers(series: pd.Series, missing: np.ndarray, table: str) -> np.ndarray:
    """Floats of an integer column (a key with NULLs) as Python ints."""
    numbers = series.to_numpy(dtype=np.float64)
    bad = ~missing & (numbers != np.round(numbers))
    if bad.any():
        raise SchemaError(
            f"write_database: column {series.name!r} of table {table!r} is an integer key in "
            f"the database but holds {int(bad.sum())} fractional value(s), e.g. "
            f"{numbers[bad][0]!r}. Round them or fix the column's kind in the schema.")
    out = np.empty(len(numbers), dtype=object)
    out[:] = [None if m else int(v) for v, m in zip(numbers, missing, strict=True)]
    return out
