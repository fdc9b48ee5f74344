"""Chunk sinks behind :class:`~simulacra.data._io.TableWriter`: CSV text and Parquet row groups.

A sink writes to a path it is given (the writer's temporary file) and knows nothing about
atomic renames. The Parquet sink fixes the column types from the first chunk, holding chunks
back while a column is still entirely null (so has no type yet).
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from simulacra.data._text_formats import SWAP_MARKS, apply_text_formats
from simulacra.errors import InvalidParameterError

if TYPE_CHECKING:
    import pyarrow.parquet as pq

__all__ = ["CsvSink", "CsvStyle", "ParquetSink", "as_csv_text", "require_string_names",
           "unencodable"]


@dataclass(frozen=True)
class CsvStyle:
    """How CSV text is laid out.

    A table's ``csv_dialect`` (see :data:`~simulacra.schema._model.CSV_DIALECT_DEFAULTS`),
    with the separator a ``.tsv`` ending fixes.
    """

    sep: str = ","
    decimal: str = "."
    encoding: str = "utf-8"
    line_end: str = "\n"
    quoted: frozenset[str] = frozenset()
    unnamed: frozenset[str] = frozenset()
    trailing_separator: bool = False
    decimal_marks: tuple[tuple[str, str], ...] = ()
    """(column, mark) where a column's decimal mark is not ``decimal``."""
    quoted_missing: frozenset[str] = frozenset()
    end_lines: str = ""

    @property
    def record_end(self) -> str:
        """What ends every line: the line end, after a separator where the file had one."""
        return self.sep + self.line_end if self.trailing_separator else self.line_end

    def header(self, columns: pd.Index) -> list[str]:
        """The header's cells: each column's name, empty for the ``unnamed`` ones."""
        return ["" if str(name) in self.unnamed else str(name) for name in columns]


class _Columns:
    """The column order fixed by the first chunk; later chunks are checked and reordered."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.names: list[Any] | None = None
        self.chunks = 0

    def align(self, chunk: pd.DataFrame) -> pd.DataFrame:
        self.chunks += 1
        got = list(chunk.columns)
        if self.names is None:
            self.names = got
            return chunk
        if got == self.names:
            return chunk
        if len(set(got)) == len(got) and set(got) == set(self.names):
            return chunk[self.names]
        raise InvalidParameterError(
            f"Chunk {self.chunks} written to {str(self.path)!r} has columns {got}, but the "
            f"first chunk had {self.names}. Write chunks with the same columns."
        )


@contextlib.contextmanager
def unencodable(target: Path, encoding: str) -> Iterator[None]:
    """Turn a value the output encoding cannot hold into an error that says what to do."""
    try:
        yield
    except UnicodeEncodeError as exc:
        bad = exc.object[exc.start:exc.end] if isinstance(exc.object, str) else "?"
        raise InvalidParameterError(
            f"{str(target)!r} cannot be written in {encoding}: it cannot hold {bad!r}. Write "
            "UTF-8 instead (remove 'encoding' from the table's csv_dialect in the schema) or "
            "Parquet.") from None


def as_csv_text(chunk: pd.DataFrame, text_formats: Mapping[str, str],
                missing_markers: Mapping[str, str] | None = None,
                decimal: str = ".", decimal_marks: Mapping[str, str] | None = None
                ) -> pd.DataFrame:
    """The frame as CSV should show it: text formats applied, whole floats as integers.

    ``missing_markers`` (column name -> text such as ``.``) writes those columns' missing
    cells as that text; other missing cells are empty. With a ``decimal`` comma, numbers
    written in a format swap its marks (``1.234,50``); pandas' ``to_csv(decimal=",")``
    writes the other floats. ``decimal_marks`` (column name -> mark) names the columns
    written with another mark than ``decimal`` (Swiss ``CHF 1'234.50`` beside ``12,00 EUR``):
    their floats are written here, as text.
    """
    marks = {str(name): (decimal_marks or {}).get(str(name), decimal) for name in chunk.columns}
    text = _decimal_commas(apply_text_formats(chunk, text_formats), chunk, text_formats, marks)
    text = _whole_floats_as_integers(text)
    text = _floats_with_their_mark(text, {n: m for n, m in marks.items() if m != decimal})
    return _with_missing_markers(text, missing_markers or {}, marks)


def _decimal_commas(text: pd.DataFrame, chunk: pd.DataFrame, formats: Mapping[str, str],
                    marks: Mapping[str, str]) -> pd.DataFrame:
    """Number formats' text with the decimal and thousands marks swapped, in comma columns."""
    out = text
    for name, fmt in formats.items():
        if ("{" not in fmt or name not in text.columns or marks.get(name) != ","
                or not _numeric(chunk[name]) or _numeric(text[name])):
            continue  # flags and durations, or a column the format did not apply to
        if out is text:
            out = text.copy(deep=False)
        out[name] = text[name].str.translate(SWAP_MARKS)
    return out


def _floats_with_their_mark(chunk: pd.DataFrame, marks: Mapping[str, str]) -> pd.DataFrame:
    """The float columns in ``marks`` as text with that decimal mark (missing cells kept).

    pandas' ``to_csv`` writes every float with one mark; these columns differ from it.
    """
    out = chunk
    for name, mark in marks.items():
        if name not in chunk.columns or not pd.api.types.is_float_dtype(chunk[name].dtype):
            continue
        if out is chunk:
            out = chunk.copy(deep=False)
        column = chunk[name]
        out[name] = column.astype(str).str.replace(".", mark, regex=False).where(column.notna())
    return out


def _numeric(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column.dtype) or pd.api.types.is_bool_dtype(column.dtype)


def _with_missing_markers(chunk: pd.DataFrame, markers: Mapping[str, str],
                          decimals: Mapping[str, str]) -> pd.DataFrame:
    """Missing cells of the columns in ``markers`` as their marker.

    The column becomes text, which pandas writes without its decimal mark (``decimals``,
    column name -> mark): its floats are written here with it (``1,5`` beside R's ``NA``).
    """
    out = chunk
    for name, marker in markers.items():
        if name not in chunk.columns:
            continue
        column = chunk[name]
        missing = column.isna().to_numpy()
        if missing.any():
            if out is chunk:
                out = chunk.copy(deep=False)
            decimal = decimals.get(str(name), ".")
            if decimal != "." and pd.api.types.is_float_dtype(column.dtype):
                column = column.astype(str).str.replace(".", decimal, regex=False)
            out[name] = column.astype(object).where(~missing, marker)
    return out


def _whole_floats_as_integers(chunk: pd.DataFrame) -> pd.DataFrame:
    """Float columns whose values are all whole numbers, as integers: ``3``, not ``3.0``.

    Integer columns with missing values are floats in pandas; written as text they should
    read as the integers they hold.
    """
    out = chunk
    for i, dtype in enumerate(chunk.dtypes):
        if not (isinstance(dtype, np.dtype) and dtype.kind == "f"):
            continue
        values = chunk.iloc[:, i].to_numpy()
        present = values[~np.isnan(values)]
        if (present.size and np.all(np.abs(present) < 2.0**53)
                and np.all(present == np.rint(present))):
            if out is chunk:
                out = chunk.copy(deep=False)
            out.isetitem(i, chunk.iloc[:, i].astype("Int64").array)
    return out


_TRAILING = "\x00trailing separator"  # the name of no column a table could have


class CsvSink:
    """Appends chunks as CSV text (one header) to ``tmp``; ``target`` names it in messages.

    Columns named in ``text_formats`` are written in their format (``$1,234.50``, ``true``),
    and the missing cells of those in ``missing_markers`` as their marker (``.``); the
    ``style``'s quoted columns have every present value in quotes, and its ``end_lines``
    follow the last row.
    """

    def __init__(self, tmp: Path, target: Path, *, style: CsvStyle, gz: bool,
                 text_formats: Mapping[str, str] | None = None,
                 missing_markers: Mapping[str, str] | None = None) -> None:
        self._style = style
        self._target = target
        self._formats = dict(text_formats or {})
        self._markers = dict(missing_markers or {})
        self._columns = _Columns(target)
        self._raw: IO[bytes] | None = None
        if gz:  # the header names the target's file, not the temporary one being written
            self._raw = open(tmp, "wb")  # noqa: SIM115
            packed = gzip.GzipFile(filename=target.name.removesuffix(".gz"), mode="wb",
                                   fileobj=self._raw)
            self._handle: IO[str] = io.TextIOWrapper(packed, encoding=style.encoding,
                                                     newline="")
        else:
            self._handle = open(tmp, "w", encoding=style.encoding, newline="")  # noqa: SIM115

    def write(self, chunk: pd.DataFrame) -> None:
        header = self._columns.names is None
        chunk = self._columns.align(chunk)
        style = self._style
        text = as_csv_text(chunk, self._formats, self._markers, style.decimal,
                           dict(style.decimal_marks))
        with unencodable(self._target, style.encoding):
            if style.quoted.isdisjoint(map(str, chunk.columns)):
                names = style.header(text.columns)
                if style.trailing_separator:  # an empty last field: Python 3.13's csv module
                    text = text.assign(**{_TRAILING: ""})  # refuses a line end with a separator
                    names.append("")
                text.to_csv(self._handle, sep=style.sep, decimal=style.decimal, index=False,
                            header=names if header else False, lineterminator=style.line_end)
            else:
                self._handle.write(_quoted_csv(text, chunk.isna().to_numpy(), style, header))

    def close(self) -> None:
        if self._columns.names is not None:  # the empty lines after the rows, as read
            self._handle.write(self._style.end_lines)
        self._handle.close()
        if self._raw is not None:  # a GzipFile leaves the file it was given open
            self._raw.close()

    def abort(self) -> None:
        with contextlib.suppress(Exception):  # the original exception matters, not this one
            self._handle.close()
        if self._raw is not None:
            with contextlib.suppress(Exception):
                self._raw.close()


def _quoted_csv(text: pd.DataFrame, missing: np.ndarray, style: CsvStyle, header: bool) -> str:
    """``text`` as CSV with the style's columns quoted throughout, and the header.

    pandas writes the fields (its numbers, its minimal quotes); they are read back and
    quoted again where the style says. Missing cells (empty, or a marker such as R's ``NA``)
    stay bare, as R writes them (a quoted ``"NA"`` in a text column reads back as text),
    except in the style's ``quoted_missing`` columns (pandas' ``QUOTE_NONNUMERIC``).
    """
    rendered = text.to_csv(None, sep=style.sep, decimal=style.decimal, index=False,
                           header=style.header(text.columns) if header else False,
                           lineterminator="\n")
    records = list(csv.reader(io.StringIO(rendered, newline=""), delimiter=style.sep))
    quoted = [str(name) in style.quoted for name in text.columns]
    quoted_missing = [q and str(name) in style.quoted_missing
                      for q, name in zip(quoted, text.columns, strict=True)]
    lines = []
    if header:
        lines.append(style.sep.join(_quote(name) for name in records.pop(0)))
    for row, fields in enumerate(records):
        lines.append(style.sep.join(
            _quote(field) if (quoted_missing[j] if missing[row, j] else quoted[j])
            else _minimal(field, style.sep)
            for j, field in enumerate(fields)))
    return "".join(line + style.record_end for line in lines)


def _quote(field: str) -> str:
    return '"' + field.replace('"', '""') + '"'


def _minimal(field: str, sep: str) -> str:
    if sep in field or any(c in field for c in '"\r\n'):
        return _quote(field)
    return field


class ParquetSink:
    """Writes chunks with one Parquet schema, holding back chunks while a type is unknown."""

    def __init__(
        self, tmp: Path, target: Path, *, schema: pa.Schema | None, max_pending_rows: int,
        types: Mapping[str, str] | None = None, keep_index: bool = False,
    ) -> None:
        self._types = dict(types or {})  # column -> the Parquet type it is stored as
        self._keep_index = keep_index  # the chunks' index as the file's pandas index
        self._tmp = tmp
        self._target = target
        self._schema = schema
        self._explicit = schema is not None
        self._max_pending = max_pending_rows
        self._columns = _Columns(target)
        self._pending: list[pd.DataFrame] = []
        self._pending_rows = 0
        self._writer: pq.ParquetWriter | None = None

    def write(self, chunk: pd.DataFrame) -> None:
        require_string_names(chunk, self._target)
        chunk = self._columns.align(chunk)
        if self._writer is not None:
            self._writer.write_table(self._to_arrow(chunk))
            return
        if not self._explicit:
            found = _stored_as(_arrow_schema_of(chunk, self._columns.chunks, self._keep_index),
                               chunk, self._types)
            self._schema = found if self._schema is None else _fill_null_types(self._schema, found)
        self._pending.append(chunk)
        self._pending_rows += len(chunk)
        resolved = self._explicit or not _has_null_types(self._schema)
        if resolved or self._pending_rows >= self._max_pending:
            self._open()

    def close(self) -> None:
        if self._writer is None:
            self._open()
        assert self._writer is not None
        self._writer.close()

    def abort(self) -> None:
        if self._writer is not None:
            with contextlib.suppress(Exception):  # the original exception matters, not this one
                self._writer.close()

    def _open(self) -> None:
        schema = self._schema if self._schema is not None else pa.schema([])
        self._schema = schema
        import pyarrow.parquet as pq  # on first use: most runs write no Parquet (~10 ms)

        self._writer = pq.ParquetWriter(self._tmp, schema)
        pending, self._pending = self._pending, []
        for chunk in pending:
            self._writer.write_table(self._to_arrow(chunk))

    def _to_arrow(self, chunk: pd.DataFrame) -> pa.Table:
        try:
            return pa.Table.from_pandas(chunk, schema=self._schema,
                                        preserve_index=self._keep_index)
        except (pa.ArrowException, ValueError, TypeError) as exc:
            raise InvalidParameterError(
                f"A chunk does not fit the Parquet column types {_describe(self._schema)} "
                f"fixed by the first chunk(s): {exc}. Pass arrow_schema= to TableWriter to set "
                "the types, or make the chunks' dtypes agree."
            ) from None


def _arrow_schema_of(chunk: pd.DataFrame, number: int, keep_index: bool) -> pa.Schema:
    try:
        schema = pa.Schema.from_pandas(chunk, preserve_index=keep_index)
    except (pa.ArrowException, ValueError, TypeError) as exc:
        raise InvalidParameterError(
            f"Chunk {number} cannot be written to Parquet: {exc}. Clean the column's values "
            "so that they have one type, or write CSV."
        ) from None
    # pandas' own metadata travels along, so that Int64 and boolean columns read back with
    # their dtypes; category columns stay dictionaries (each chunk may have its own categories)
    return schema


def _stored_as(schema: pa.Schema, chunk: pd.DataFrame, types: Mapping[str, str]) -> pa.Schema:
    """``schema`` with the columns of ``types`` given that type where the chunk converts.

    A schema edited to another kind may no longer fit a column's type: its values' type stays.
    """
    if not types:
        return schema
    from simulacra.schema._arrow_types import arrow_type

    for name, text in types.items():
        index = schema.get_field_index(name)
        if index < 0:
            continue
        try:
            wanted = arrow_type(text)
            pa.array(chunk[name], type=wanted, from_pandas=True)
        except (pa.ArrowException, ValueError, TypeError):
            continue
        schema = schema.set(index, schema.field(index).with_type(wanted))
    return schema


def _has_null_types(schema: pa.Schema | None) -> bool:
    return schema is not None and any(pa.types.is_null(f.type) for f in schema)


def _fill_null_types(schema: pa.Schema, found: pa.Schema) -> pa.Schema:
    """Give still-untyped (null) fields of ``schema`` the type ``found`` has for them."""
    return pa.schema(
        [f.with_type(found.field(f.name).type) if pa.types.is_null(f.type) else f for f in schema]
    )


def _describe(schema: pa.Schema | None) -> str:
    if schema is None:
        return "{}"
    return "{" + ", ".join(f"{f.name}: {f.type}" for f in schema) + "}"


def require_string_names(data: pd.DataFrame, path: Path) -> None:
    bad = [c for c in data.columns if not isinstance(c, str)]
    if bad:
        raise InvalidParameterError(
            f"Parquet file {str(path)!r} needs string column names; got {bad}. "
            "Rename them, e.g. data.columns = data.columns.map(str)."
        )
