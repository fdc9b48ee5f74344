"""Writing mock tables: one Parquet or CSV file per table, or one SQLite database.

Tables are streamed block by block (never a whole table in memory). Files are written in a
hidden staging folder inside the output folder and moved into place only when every table
is complete; the SQLite database is written to a temporary name and renamed. An interrupted
or failed run leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulacra._progress import Progress, or_null
from simulacra.data._io import TableWriter, atomic_path
from simulacra.errors import InvalidParameterError
from simulacra.mock._engine import MockData
from simulacra.mock._spec import MockSpec, load_spec
from simulacra.schema._model import Table

__all__ = ["FORMATS", "SQLITE_NAME", "sql_type", "write_mock"]

FORMATS = ("parquet", "csv", "sqlite")
SQLITE_NAME = "mock.sqlite"


def write_mock(spec: MockSpec | Mapping[str, Any] | str | Path, out: str | Path, *,
               rows: int | None = None,
               format: str = "parquet", seed: int | None = None,
               progress: Progress | None = None) -> dict[str, int]:
    """Generate every table of ``spec`` and write it under the folder ``out``.

    Parameters
    ----------
    spec
        From :func:`~simulacra.mock.load_spec`, or what it reads (a file, a mapping).
    out
        The output folder (created if missing). Parquet and CSV give ``TABLE.parquet`` /
        ``TABLE.csv`` per table; SQLite gives ``mock.sqlite`` with PRIMARY KEY and FOREIGN
        KEY clauses. Files of the same names are replaced; other files are left alone.
    rows
        Row count of every root table (default: the spec's ``rows``).
    format
        ``"parquet"``, ``"csv"`` or ``"sqlite"``.
    seed
        Default: the spec's seed, else 0.
    progress
        Receives one task per table, advanced by rows written.

    Returns
    -------
    dict
        Rows written per table, parents first.

    Raises
    ------
    InvalidParameterError
        Unknown format, negative rows or seed, or ``out`` is a file.
    SamplingError
        A table's constraints reject too many rows (the message names the rule).
    """
    if not isinstance(spec, MockSpec):  # a spec's file or mapping, as load_spec reads
        spec = load_spec(spec)
    if format not in FORMATS:
        raise InvalidParameterError(
            f"Unknown mock output format {format!r}. Use one of: {', '.join(FORMATS)}.")
    target = Path(out)
    if target.exists() and not target.is_dir():
        raise InvalidParameterError(
            f"The output {str(target)!r} is a file; write_mock needs a folder. Pass a folder "
            "path (it is created if missing).")
    data = MockData(spec, seed=seed, rows=rows)
    report = or_null(progress)
    target.mkdir(parents=True, exist_ok=True)
    if format == "sqlite":
        with atomic_path(target / SQLITE_NAME) as tmp:
            return _write_sqlite(data, tmp, report)
    with _staging(target) as staging:
        written = {}
        for table in data.tables:
            written[table] = _write_file(data, table, staging / f"{table}.{format}", report)
        for table in data.tables:
            os.replace(staging / f"{table}.{format}", target / f"{table}.{format}")
    return written


@contextlib.contextmanager
def _staging(target: Path) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix=".mock-tmp-", dir=target))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _write_file(data: MockData, table: str, path: Path, progress: Progress) -> int:
    progress.start(f"mock {table}", total=data.n_rows(table))
    try:
        # a price with `decimals: 2` reads 19.90 in a CSV, not 19.9
        with TableWriter(path, table=data.table_schema(table),
                         expected_rows=data.n_rows(table)) as writer:
            for chunk in data.iter_chunks(table):
                writer.write(chunk)
                progress.advance(len(chunk))
        return writer.rows_written
    finally:
        progress.finish()


# ---- SQLite ------------------------------------------------------------------------------------
def sql_type(dtype: str) -> str:
    """The SQLite column type of a pandas dtype."""
    lowered = dtype.lower()
    if lowered.startswith(("int", "uint", "bool")):
        return "INTEGER"
    if lowered.startswith("float"):
        return "REAL"
    return "TEXT"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def create_table_sql(schema: Table, foreign_keys: list[tuple[str, str, str]]) -> str:
    """CREATE TABLE with column types, the primary key and the foreign keys."""
    lines = []
    for col in schema.columns:
        extra = " NOT NULL" if col.missing_share == 0 else ""
        extra += " PRIMARY KEY" if col.name == schema.primary_key else ""
        lines.append(f"  {_quote(col.name)} {sql_type(col.dtype)}{extra}")
    for column, parent, parent_column in foreign_keys:
        lines.append(f"  FOREIGN KEY ({_quote(column)}) REFERENCES "
                     f"{_quote(parent)} ({_quote(parent_column)})")
    return f"CREATE TABLE {_quote(schema.name)} (\n" + ",\n".join(lines) + "\n)"


def _write_sqlite(data: MockData, path: Path, progress: Progress) -> dict[str, int]:
    written: dict[str, int] = {}
    con = sqlite3.connect(path)
    try:
        for table in data.tables:
            schema = data.table_schema(table)
            fks = [(fk.column, fk.parent, fk.parent_column)
                   for fk in data.spec.table(table).foreign_keys]
            con.execute(create_table_sql(schema, fks))
            insert = (f"INSERT INTO {_quote(table)} VALUES "
                      f"({', '.join('?' * len(schema.columns))})")
            progress.start(f"mock {table}", total=data.n_rows(table))
            written[table] = 0
            for chunk in data.iter_chunks(table):
                con.executemany(insert, _sql_rows(chunk, schema))
                written[table] += len(chunk)
                progress.advance(len(chunk))
            progress.finish()
        con.commit()
    finally:
        con.close()
    return written


def _sql_rows(chunk: pd.DataFrame, schema: Table) -> Iterator[tuple[Any, ...]]:
    columns = [_sql_values(chunk[c.name], c.datetime_format) for c in schema.columns]
    return zip(*columns, strict=True)


def _sql_values(series: pd.Series, datetime_format: str | None) -> list[Any]:
    missing = series.isna().to_numpy()
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        tz = getattr(series.dtype, "tz", None) is not None
        fmt = datetime_format or ("%Y-%m-%dT%H:%M:%S%z" if tz else "%Y-%m-%d %H:%M:%S")
        series = series.dt.strftime(fmt)
    elif pd.api.types.is_bool_dtype(series.dtype):
        series = series.astype("Int64")
    values: list[Any] = series.astype(object).tolist()
    if missing.any():
        for i in np.flatnonzero(missing):
            values[int(i)] = None
    return values
