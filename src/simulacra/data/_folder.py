"""A folder of table files as a database: one table per CSV/TSV/Parquet file, keys proposed.

:func:`read_folder` reads every table file of a folder (the table is named after the file,
``orders.csv`` -> ``orders``) and proposes primary and foreign keys with
:func:`~simulacra.schema._relations.infer_relations`, or takes them from a schema JSON the
user wrote or edited, which wins as it is. Either way, :func:`~simulacra.schema._relations.
check_keys` counts the rows that break the keys (orphans, repeated primary keys), and
:class:`~simulacra.synth.relational.RelationalSynthesizer` reports the same at fit.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from simulacra.data._io import SUPPORTED_SUFFIXES, read_table, table_name_from
from simulacra.errors import DataReadError, SchemaError
from simulacra.schema._model import Schema
from simulacra.schema._relations import infer_relations

__all__ = ["read_folder", "table_files"]


def table_files(path: str | Path) -> dict[str, Path]:
    """The table files of a folder by table name, sorted; hidden files are left out.

    Raises
    ------
    DataReadError
        ``path`` is not a folder, has no table files, or two files name the same table
        (``orders.csv`` and ``orders.parquet``).
    """
    folder = Path(path)
    if not folder.is_dir():
        raise DataReadError(f"{str(folder)!r} is not a folder. Pass a folder of table files "
                            f"({', '.join(SUPPORTED_SUFFIXES)}).")
    found: dict[str, Path] = {}
    for file in sorted(folder.iterdir()):
        lowered = file.name.lower()
        if file.name.startswith(".") or not file.is_file() or not lowered.endswith(
                SUPPORTED_SUFFIXES):
            continue
        name = table_name_from(file)
        if name in found:
            raise DataReadError(
                f"{str(found[name])!r} and {str(file)!r} are both table {name!r}. Keep one "
                "file per table in the folder.")
        found[name] = file
    if not found:
        raise DataReadError(f"The folder {str(folder)!r} has no table files "
                            f"({', '.join(SUPPORTED_SUFFIXES)}).")
    return found


def read_folder(path: str | Path, schema: Schema | str | Path | None = None
                ) -> tuple[dict[str, pd.DataFrame], Schema]:
    """Read every table file of a folder, with proposed or declared keys.

    Parameters
    ----------
    path
        A folder of CSV, TSV or Parquet files, one table each (hidden files are skipped).
    schema
        A :class:`~simulacra.schema.Schema` or the path of its JSON. When given, it is used
        as it is (its tables, primary keys and foreign keys win over any proposal); only
        its tables are read, and files it does not name are left out. When None, keys and
        relationships are proposed by
        :func:`~simulacra.schema._relations.infer_relations`.

    Returns
    -------
    tuple of (dict of str to pandas.DataFrame, Schema)
        The tables by name (the schema's order, or sorted by file name), and the schema.
        Call :func:`~simulacra.schema._relations.check_keys` on them to count the rows
        that break its keys.

    Raises
    ------
    DataReadError
        The folder has no table files, a file cannot be read, two files name one table, or
        the schema names a table with no file.
    SchemaError
        The schema JSON is malformed, or names columns a file does not have.
    """
    files = table_files(path)
    if schema is None:
        frames = {name: read_table(file) for name, file in files.items()}
        return frames, infer_relations(frames)
    declared = schema if isinstance(schema, Schema) else Schema.read(schema)
    missing = [t.name for t in declared.tables if t.name not in files]
    if missing:
        raise DataReadError(
            f"The schema names table(s) {missing} that the folder {str(path)!r} has no file "
            f"for (it has {', '.join(files)}). Fix the table names in the schema or add the "
            "files.")
    frames = {t.name: read_table(files[t.name]) for t in declared.tables}
    for table in declared.tables:
        absent = [c for c in table.column_names if c not in frames[table.name].columns]
        if absent:
            raise SchemaError(
                f"Table {table.name!r}: the schema names column(s) {absent} that "
                f"{str(files[table.name])!r} does not have. Its columns: "
                f"{', '.join(map(str, frames[table.name].columns))}.")
    return frames, declared
