"""Reading and writing tables: CSV (optionally gzipped), TSV and Parquet.

Every write goes to a hidden temporary sibling and is renamed onto the target only when it
is complete (:func:`atomic_path`), so a crash or Ctrl-C never leaves half a file behind.
Every read failure is a :class:`~simulacra.errors.DataReadError` that names the file, says
what is wrong and how to fix it.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self

import pandas as pd
import pyarrow as pa

from simulacra._frames import frame_fix
from simulacra._progress import Progress, or_null
from simulacra._warnings import quiet
from simulacra.data._read_progress import CountedFile, ReadCounter
from simulacra.data._sinks import (
    CsvSink,
    CsvStyle,
    ParquetSink,
    require_string_names,
)
from simulacra.errors import DataReadError, InvalidParameterError, SchemaError
from simulacra.schema._arrow_types import arrow_type_text
from simulacra.schema._model import Table, csv_dialect_of

__all__ = [
    "SUPPORTED_SUFFIXES",
    "TableWriter",
    "atomic_path",
    "check_writable",
    "read_table",
    "table_name_from",
    "write_table",
]

SUPPORTED_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz", ".parquet", ".pq")
"""File name endings :func:`read_table`, :func:`write_table` and :class:`TableWriter` accept."""

_Format = Literal["csv", "parquet"]
_TEMPORARY_MARK = ".tmp-"  # atomic_path writes NAME to ".NAME.tmp-<8 hex digits>"


def read_table(path: str | Path, *, encoding: str = "utf-8",
               progress: Progress | None = None) -> pd.DataFrame:
    """Read a CSV, TSV or Parquet file into a DataFrame.

    CSV and TSV types are inferred by pandas, with two changes: whole numbers written with
    leading zeros (``"02134"``, seen in the first 1,000 rows) stay text, and pandas' missing
    markers (``NA``, ``null``, ``None``, ...) are missing only in columns whose other values
    are numbers, dates (anything with a digit) or true/false; empty cells are always missing.
    A column of amounts (``$1,234.50``, ``-€12``, ``12.5%``) is read as their numbers. A
    ``.gz`` ending means gzip. A ``.csv`` file whose first lines split evenly on ``;``, ``|``
    or a tab but not on commas is read with that separator (spreadsheets in many locales
    write ``;``); in a ``;`` file, a column whose every value is a number written with a
    decimal comma (``"3,75"``, ``"1.234,50 €"``) is read as that number (see
    :mod:`._csv_read`). How numbers with trailing zeros, amounts and true/false were written
    is kept in ``frame.attrs["text_formats"]`` for :func:`~simulacra.infer_schema` (each
    column's ``text_format``), and such a file's separator and decimal mark in
    ``frame.attrs["csv_dialect"]`` (the table's ``csv_dialect``), so that CSV output can
    write them the same way. A column whose missing
    cells are all written with one such marker (SAS's ``.``) keeps it in
    ``frame.attrs["missing_markers"]``, for :func:`write_table`.

    Parameters
    ----------
    path
        A file ending in one of :data:`SUPPORTED_SUFFIXES`.
    encoding
        Text encoding of CSV/TSV files (Parquet stores its own).
    progress
        Receives a ``"read MB"`` task: the file's megabytes, as they are read.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    DataReadError
        The file does not exist, is a directory, has an unsupported ending, is empty, is not
        text in ``encoding`` (the message gives the byte offset and line of the first bad
        byte), is malformed CSV (with the line), or is not a valid Parquet file.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise InvalidParameterError(
            f"read_table reads a file: pass its path, got {type(path).__name__}. "
            + ("Pass the DataFrame itself to fit, evaluate or infer_schema."
               if isinstance(path, pd.DataFrame) else frame_fix(path)))
    p = Path(path)
    _check_readable(p)
    fmt, sep = _format_of(p, DataReadError)
    counter = ReadCounter(or_null(progress), p.stat().st_size)
    if fmt == "parquet":
        frame = _read_parquet(p, counter)
    else:
        from simulacra.data._csv_read import read_csv  # on first use: the library reads frames

        frame = read_csv(p, sep, encoding, counter)
    counter.finish()
    return frame


def target_of_temporary(path: str | Path) -> str:
    """The path :func:`atomic_path` was writing when handed its temporary sibling, else ``path``."""
    folder, name = os.path.split(str(path))
    match = re.fullmatch(rf"\.(.+){re.escape(_TEMPORARY_MARK)}[0-9a-f]{{8}}", name)
    return os.path.join(folder, match.group(1)) if match else str(path)


def table_name_from(path: str | Path) -> str:
    """Name a table after its file: ``"data/My Sales-2024.csv.gz"`` -> ``"My_Sales_2024"``."""
    name = Path(path).name
    lowered = name.lower()
    for suffix in sorted(SUPPORTED_SUFFIXES, key=len, reverse=True):
        if lowered.endswith(suffix):
            name = name[: -len(suffix)]
            break
    else:
        name = Path(name).stem
    return re.sub(r"\W+", "_", name, flags=re.ASCII).strip("_") or "table"


WRITING = "simulacra_writing"
"""Attribute of an ``OSError`` that names no file: the path being written when it came."""


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary sibling of ``path`` to write to; move it onto ``path`` on success.

    The temporary path (``.NAME.tmp-XXXXXXXX`` in the same directory, so the final rename is
    atomic) does not exist yet: write a file or create a directory there. When the block ends
    normally it replaces ``path`` (a directory replaces a directory); when it raises anything,
    including ``KeyboardInterrupt``, the temporary file or directory is removed and ``path``
    is left as it was. Missing parent directories are created.

    Parameters
    ----------
    path
        The file or directory to write.

    Yields
    ------
    pathlib.Path
        Where to write.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}{_TEMPORARY_MARK}{secrets.token_hex(4)}")
    try:
        yield tmp
        _move_into_place(tmp, target)
    except BaseException as exc:
        _remove(tmp)
        if isinstance(exc, OSError) and not exc.filename:  # a full disk names no file
            setattr(exc, WRITING, str(target))  # OSError has no such field
        raise


MIN_FREE_BYTES = 1_000_000
"""An output is refused before the work when its disk has less free space than this: no
model, table or report of ours is that small and useful, and a full disk was found only after
the work (a 200k-row fit: 1.5 min, then "the disk is full")."""


def check_writable(path: str | Path, *, option: str = "-o") -> None:
    """Refuse, before any work, an output path that cannot be written.

    ``path`` must not be a folder nor lie under a file; the folder it goes to (its nearest
    existing folder, when :func:`atomic_path` would create the others) must take a new file
    (one is created there and removed at once, under a hidden temporary name); and that disk
    must have at least :data:`MIN_FREE_BYTES` free. Nothing is left on disk. A disk that
    fills later is still found, and cleaned up, when writing.

    Parameters
    ----------
    path
        The output file.
    option
        The command-line option that named it, for the messages.

    Raises
    ------
    InvalidParameterError
        The path cannot be written, or its disk is (nearly) full; the message names the path
        and says how to fix it.
    """
    target = Path(path)
    shown = str(target)
    if target.is_dir():
        raise InvalidParameterError(
            f"cannot use {shown!r} ({option}): it is a folder; name a file to write (in it, "
            "or elsewhere). Nothing was done.")
    folder = target.absolute().parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise InvalidParameterError(
            f"cannot use {shown!r} ({option}): it lies under {str(folder)!r}, which is a "
            "file, not a folder. Name a file in a folder (it may not exist yet). Nothing was "
            "done.")
    probe = folder / f".{target.name}{_TEMPORARY_MARK}{secrets.token_hex(4)}"
    try:
        os.close(os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except OSError as exc:
        raise InvalidParameterError(
            f"cannot use {shown!r} ({option}): its folder {str(folder)!r} takes no new file "
            f"({exc.strerror or exc}). Write to a folder you can write to, or ask "
            "for write permission on that one (a read-only disk needs another). Nothing was "
            "done.") from None
    else:
        _remove(probe)
    free = free_space(folder)
    if free is not None and free < MIN_FREE_BYTES:
        raise InvalidParameterError(
            f"cannot use {shown!r} ({option}): its disk is full or nearly ({bytes_text(free)} "
            f"free in {str(folder)!r}). Free some space, or write to another disk. Nothing was "
            "done.")


def free_space(folder: str | Path) -> int | None:
    """Free bytes (for this user) on the disk of ``folder``; None when it cannot be told."""
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def write_table(data: pd.DataFrame, path: str | Path, *,
                text_formats: Mapping[str, str] | None = None,
                missing_markers: Mapping[str, str] | None = None,
                csv_dialect: Mapping[str, Any] | None = None,
                table: Table | None = None,
                parquet_types: Mapping[str, str] | None = None,
                keep_index: bool = False) -> None:
    """Write a DataFrame to CSV, TSV or Parquet (chosen by the file ending), atomically.

    Parameters
    ----------
    data
        The table; its index is not written, except to Parquet with ``keep_index``.
    path
        A file ending in one of :data:`SUPPORTED_SUFFIXES`.
    text_formats
        CSV and TSV only: column name -> the column's ``text_format`` (``"${:,.2f}"``,
        ``"true/false"``), as a schema holds them (``table.text_formats()``); those columns
        are written so. Parquet stores the values themselves and ignores it.
    missing_markers
        CSV and TSV only: column name -> the text of its missing cells (``"."``, ``"NA"``),
        as :func:`read_table` keeps them in ``frame.attrs["missing_markers"]``; other missing
        cells are empty. Parquet ignores it.
    csv_dialect
        CSV and TSV only: ``{"separator": ";", "decimal": ",", "encoding": "utf-8-sig"}``
        as a schema's table holds it (``table.csv_dialect``, learned by :func:`read_table`):
        a ``.csv`` is separated by ``separator`` (a ``.tsv`` always by tabs), numbers are
        written with ``decimal`` and the text in ``encoding``. Parquet ignores it.

    table
        A schema's table (``syn.table_``, ``schema.table()``) whose ``text_format``,
        ``missing_text`` and ``csv_dialect`` fill in those of the three above not given: CSV
        output written the way the real file was; and ``parquet_type`` for the one below.
    parquet_types
        Parquet only: column name -> the type to store it as (``"decimal128(10, 2)"``,
        ``"int8"``), as :func:`read_table` keeps a Parquet file's in
        ``frame.attrs["parquet_types"]`` and a schema's table holds them
        (``table.parquet_types()``); a column whose values do not convert keeps their type.
    keep_index
        Parquet only: ``data``'s index is written as the file's pandas index, so that
        ``pandas.read_parquet`` gives it back as the index (a model learned from such a file).

    Raises
    ------
    InvalidParameterError
        The ending is not supported, or (Parquet) a column name is not a string.
    """
    text_formats, missing_markers, csv_dialect = _written_like(
        table, text_formats, missing_markers, csv_dialect)
    p = Path(path)
    fmt, sep = _format_of(p, InvalidParameterError)
    if fmt == "parquet":
        require_string_names(data, p)
        types = parquet_types if parquet_types is not None else (
            table.parquet_types() if table is not None else {})
        with atomic_path(p) as tmp:
            if not types:
                data.to_parquet(tmp, engine="pyarrow", index=keep_index)
                return
            parquet = ParquetSink(tmp, p, schema=None, max_pending_rows=len(data), types=types,
                                  keep_index=keep_index)
            try:
                parquet.write(data)
            except BaseException:
                parquet.abort()
                raise
            parquet.close()
        return
    style = _style(sep, csv_dialect)
    with atomic_path(p) as tmp:
        sink = CsvSink(tmp, p, style=style, gz=p.name.lower().endswith(".gz"),
                       text_formats=text_formats, missing_markers=missing_markers)
        try:
            sink.write(data)
        finally:
            sink.close()


class TableWriter(AbstractContextManager["TableWriter"]):
    """Stream DataFrame chunks into one CSV, TSV or Parquet file, atomically.

    Use it as a context manager and call :meth:`write` once per chunk. CSV gets one header
    line. Parquet uses the column types of the first chunk (or ``arrow_schema``); later chunks
    are cast to them, so integers that gain missing values stay integers. A column that is
    entirely null in the first chunks has no type yet: those chunks are held back (at most
    :attr:`max_pending_rows` rows) until a chunk shows the type. If the block raises, nothing
    is left at ``path``.

    Parameters
    ----------
    path
        A file ending in one of :data:`SUPPORTED_SUFFIXES`.
    arrow_schema
        Parquet only: the exact column types to write, instead of those of the first chunk.
    text_formats
        CSV and TSV only: column name -> ``text_format``, as for :func:`write_table`.
    missing_markers
        CSV and TSV only: column name -> the text of its missing cells, as for
        :func:`write_table` (a schema's ``table.missing_texts()``).
    csv_dialect
        CSV and TSV only: separator, decimal mark and encoding, as for :func:`write_table`
        (a schema's ``table.csv_dialect``).
    table
        A schema's table that fills in the three above, and Parquet's column types, as for
        :func:`write_table`.
    expected_rows
        The rows that will be written in all, when known: once the first rows are on disk,
        their size per row tells whether that many fit on the disk; if they clearly cannot,
        :meth:`write` raises :class:`~simulacra.errors.InvalidParameterError` (and nothing is
        left at ``path``) instead of filling the disk.
    keep_index
        Parquet only: each chunk's index is written as the file's pandas index (see
        :func:`write_table`); ignored for CSV, which writes no index.

    Attributes
    ----------
    keeps_index : bool
        Whether chunks' indexes are written (``keep_index`` and a Parquet file).
    rows_written : int
        Rows written so far.

    Examples
    --------
    >>> with TableWriter("out.parquet") as writer:  # doctest: +SKIP
    ...     for chunk in chunks:
    ...         writer.write(chunk)
    """

    max_pending_rows = 100_000
    #: Parquet: smaller chunks are gathered into row groups of at least this many rows (a
    #: row group per chunk of ``--chunk-rows 1`` made 20,000 rows a 53 MB file, 169 s).
    #: The default chunk of a sample is as large, so its row groups are the chunks.
    row_group_rows = 50_000

    def __init__(self, path: str | Path, *, arrow_schema: pa.Schema | None = None,
                 text_formats: Mapping[str, str] | None = None,
                 missing_markers: Mapping[str, str] | None = None,
                 csv_dialect: Mapping[str, Any] | None = None,
                 table: Table | None = None, expected_rows: int | None = None,
                 keep_index: bool = False) -> None:
        text_formats, missing_markers, csv_dialect = _written_like(
            table, text_formats, missing_markers, csv_dialect)
        self.path = Path(path)
        self.text_formats = dict(text_formats or {})
        self.missing_markers = dict(missing_markers or {})
        self._format, sep = _format_of(self.path, InvalidParameterError)
        self._style = _style(sep, csv_dialect)
        if arrow_schema is not None and self._format != "parquet":
            raise InvalidParameterError(
                f"arrow_schema only applies to Parquet files, not {str(self.path)!r}."
            )
        self.arrow_schema = arrow_schema
        self.parquet_types = table.parquet_types() if table is not None else {}
        self.expected_rows = expected_rows
        self.keeps_index = keep_index and self._format == "parquet"
        self.rows_written = 0
        self._room_checked = expected_rows is None
        self._tmp: Path | None = None
        self._atomic: AbstractContextManager[Path] | None = None
        self._sink: CsvSink | ParquetSink | None = None
        self._held: list[pd.DataFrame] = []  # Parquet rows not yet a row group
        self._held_rows = 0

    def __enter__(self) -> Self:
        atomic = atomic_path(self.path)
        tmp = atomic.__enter__()
        try:
            if self._format == "parquet":
                self._sink = ParquetSink(
                    tmp, self.path, schema=self.arrow_schema,
                    max_pending_rows=self.max_pending_rows, types=self.parquet_types,
                    keep_index=self.keeps_index)
            else:
                gz = self.path.name.lower().endswith(".gz")
                self._sink = CsvSink(tmp, self.path, style=self._style, gz=gz,
                                     text_formats=self.text_formats,
                                     missing_markers=self.missing_markers)
        except BaseException as exc:
            atomic.__exit__(type(exc), exc, exc.__traceback__)
            raise
        self._atomic = atomic
        self._tmp = tmp
        self.rows_written = 0
        return self

    def write(self, chunk: pd.DataFrame) -> None:
        """Append a chunk of rows (same columns as the first chunk)."""
        if self._sink is None:
            raise InvalidParameterError("TableWriter.write was called outside its `with` block.")
        if not isinstance(chunk, pd.DataFrame):
            raise InvalidParameterError(f"Expected a DataFrame chunk, got {type(chunk).__name__}.")
        self.rows_written += len(chunk)
        if self._format != "parquet":
            self._sink.write(chunk)
        else:
            if self._held and _dtypes_of(chunk) != _dtypes_of(self._held[0]):
                self._flush(self._sink)  # the sink types each chunk as written alone
            # a copy: the caller may reuse its frame once write returns
            self._held.append(chunk if len(chunk) >= self.row_group_rows else chunk.copy())
            self._held_rows += len(chunk)
            if self._held_rows < self.row_group_rows:
                return
            self._flush(self._sink)
        if not self._room_checked:
            self._check_room()

    def _flush(self, sink: CsvSink | ParquetSink) -> None:
        """Write the Parquet rows held back as one row group (or more, for a large chunk)."""
        held, self._held, self._held_rows = self._held, [], 0
        if not held:
            return
        if len(held) == 1:
            sink.write(held[0])
            return
        # the held chunks share their dtypes (_dtypes_of); all-NA columns of a small chunk
        with quiet(FutureWarning):
            sink.write(pd.concat(held))

    def _check_room(self) -> None:
        """Refuse to go on when the rows still to come clearly cannot fit on the disk."""
        assert self._tmp is not None and self.expected_rows is not None
        try:
            size = self._tmp.stat().st_size
        except FileNotFoundError:  # Parquet holds rows back while a column's type is unknown
            return
        if size == 0:
            return
        self._room_checked = True
        on_disk = self.rows_written - self._held_rows
        per_row = size / max(on_disk, 1)
        needed = per_row * max(self.expected_rows - on_disk, 0)
        free = shutil.disk_usage(self._tmp.parent).free
        if needed > ROOM_MARGIN * free:
            raise InvalidParameterError(
                f"Writing {self.expected_rows:,} rows to {str(self.path)!r} would take about "
                f"{bytes_text(needed + size)} ({per_row:,.0f} bytes per row, as the first "
                f"{on_disk:,} rows took), and its disk has {bytes_text(free)} free. "
                "Nothing was written; ask for fewer rows, or write to a disk with room"
                + ("." if self._format == "parquet" else " or to a Parquet file, which takes "
                   "less room."))

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        atomic, sink = self._atomic, self._sink
        self._atomic = self._sink = None
        if atomic is None or sink is None:
            return
        if exc is None:
            try:
                self._flush(sink)
                sink.close()
            except BaseException as err:
                atomic.__exit__(type(err), err, err.__traceback__)
                raise
            atomic.__exit__(None, None, None)
            return
        self._held, self._held_rows = [], 0
        sink.abort()
        atomic.__exit__(exc_type, exc, tb)


def _dtypes_of(frame: pd.DataFrame) -> tuple[object, ...]:
    """Columns and dtypes (index too): chunks alike in these are concatenated unchanged."""
    index = frame.index
    levels = tuple(index.dtypes) if isinstance(index, pd.MultiIndex) else (index.dtype,)
    return tuple(frame.columns), tuple(frame.dtypes), levels, tuple(index.names)


ROOM_MARGIN = 1.2
"""Rows are refused when they would need this many times the disk's free space: an estimate
from the first rows, so only a clear shortfall stops the writing (a full disk still stops it
cleanly)."""


def bytes_text(size: float) -> str:
    """``size`` bytes for a message: ``512 bytes``, ``1.5 GB``, ``6.5e+16 TB``."""
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1000:
            return f"{size:,.0f} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1000
    return f"{size:,.1f} TB" if size < 1e9 else f"{size:.1e} TB"  # size is in TB here


def is_parquet_path(path: str | Path) -> bool:
    """Whether ``path`` names a Parquet file by its ending."""
    return Path(path).name.lower().endswith((".parquet", ".pq"))


def _format_of(path: Path, error: type[Exception]) -> tuple[_Format, str]:
    """Return the file format and CSV separator for the file's ending, or raise ``error``."""
    name = path.name.lower()
    if is_parquet_path(path):
        return "parquet", ""
    if name.endswith((".tsv", ".tsv.gz")):
        return "csv", "\t"
    if name.endswith((".csv", ".csv.gz")):
        return "csv", ","
    hint = next((h for ends, h in _OTHER_FORMATS if name.endswith(ends)), "")
    raise error(
        f"{str(path)!r} has an unsupported file ending. Supported: "
        f"{', '.join(SUPPORTED_SUFFIXES)}.{hint}"
    )


_IN_PYTHON = " or read it with pandas and pass the DataFrame to simulacra's Python API"
_OTHER_FORMATS = (
    ((".xlsx", ".xlsm", ".xls", ".ods"),
     " Save the sheet as CSV (Excel: File > Save As > CSV UTF-8),"
     f"{_IN_PYTHON} (pandas.read_excel)."),
    ((".json", ".jsonl", ".ndjson"), f" Convert it to CSV or Parquet,{_IN_PYTHON} "
                                     "(pandas.read_json)."),
    ((".feather", ".arrow", ".ipc"), f" Convert it to Parquet,{_IN_PYTHON} "
                                     "(pandas.read_feather)."),
    ((".dta", ".sav", ".sas7bdat", ".xpt"), f" Export it as CSV,{_IN_PYTHON} "
                                            "(pandas.read_stata, read_spss, read_sas)."),
)


def _written_like(table: Table | None, text_formats: Mapping[str, str] | None,
                  missing_markers: Mapping[str, str] | None,
                  csv_dialect: Mapping[str, Any] | None
                  ) -> tuple[Mapping[str, str] | None, Mapping[str, str] | None,
                             Mapping[str, Any] | None]:
    """The three ways of writing CSV text, each given or else the table's."""
    if table is None:
        return text_formats, missing_markers, csv_dialect
    if not isinstance(table, Table):
        raise InvalidParameterError(
            f"table must be a schema Table (syn.table_, schema.table()); got "
            f"{type(table).__name__}.")
    return (table.text_formats() if text_formats is None else text_formats,
            table.missing_texts() if missing_markers is None else missing_markers,
            table.csv_dialect if csv_dialect is None else csv_dialect)


def _style(sep: str, csv_dialect: Mapping[str, Any] | None) -> CsvStyle:
    """How to write CSV text with ``csv_dialect``: a ``.tsv`` keeps its tabs."""
    if not csv_dialect or not sep:  # no dialect, or Parquet
        return CsvStyle(sep=sep)
    try:
        dialect = csv_dialect_of(csv_dialect, "csv_dialect")
    except SchemaError as exc:
        raise InvalidParameterError(str(exc)) from None
    written = dialect["separator"] if sep == "," else sep
    return CsvStyle(sep=written, decimal=dialect["decimal"], encoding=dialect["encoding"],
                    line_end=dialect.get("line_end", "\n"),
                    quoted=frozenset(dialect.get("quoted", ())),
                    unnamed=frozenset(dialect.get("unnamed", ())),
                    trailing_separator=dialect.get("trailing_separator", False),
                    decimal_marks=tuple(dialect.get("decimal_marks", {}).items()),
                    quoted_missing=frozenset(dialect.get("quoted_missing", ())),
                    # ";;" lines of a file written as .tsv: tabs
                    end_lines=dialect.get("end_lines", "").replace(dialect["separator"], written))


def _check_readable(p: Path) -> None:
    if not p.exists():
        raise DataReadError(
            f"{str(p)!r} does not exist. Check the path (relative paths start from "
            f"{str(Path.cwd())!r})."
        )
    if p.is_dir():
        raise DataReadError(
            f"{str(p)!r} is a directory, not a file. Pass the path of a CSV or Parquet file."
        )
    if p.stat().st_size == 0:
        raise DataReadError(f"{str(p)!r} is empty (0 bytes). Pass a file with a header and rows.")


def _read_parquet(p: Path, counter: ReadCounter) -> pd.DataFrame:
    import pyarrow.parquet as pq  # on first use: most runs read no Parquet (~10 ms)

    try:
        with CountedFile(p, counter) as handle:
            frame = pd.read_parquet(handle, engine="pyarrow")
        stored = pq.read_schema(p)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise DataReadError(
            f"{str(p)!r} is not a valid Parquet file ({exc}). Re-export it, or check that it "
            "is not a CSV or a partially written file with a .parquet ending."
        ) from None
    types = _stored_types(frame, stored)
    if types:
        frame.attrs["parquet_types"] = types
    return frame


_TYPE_ROWS = 1_000
"""Rows whose values tell the type they would be written as (recording a file's type that a
few rows tell wrongly only writes the file's own type)."""


def _stored_types(frame: pd.DataFrame, stored: pa.Schema) -> dict[str, str]:
    """Column -> the file's type, where the values read would be written as another."""
    try:  # the frame came from Arrow: its columns convert back (else nothing is kept)
        as_read = pa.Schema.from_pandas(frame.head(_TYPE_ROWS), preserve_index=False)
    except (pa.ArrowException, ValueError, TypeError):
        return {}
    out = {}
    for name in frame.columns:
        index = stored.get_field_index(str(name)) if isinstance(name, str) else -1
        text = arrow_type_text(stored.field(index).type) if index >= 0 else None
        if text is not None and as_read.field(str(name)).type != stored.field(index).type:
            out[name] = text
    return out


def _move_into_place(tmp: Path, target: Path) -> None:
    if not tmp.exists():
        raise FileNotFoundError(f"Nothing was written to {str(tmp)!r} for {str(target)!r}.")
    if tmp.is_dir() and target.is_dir() and not target.is_symlink():
        old = target.with_name(f".{target.name}.old-{secrets.token_hex(4)}")
        os.replace(target, old)
        try:
            os.replace(tmp, target)
        except BaseException:
            os.replace(old, target)
            raise
        shutil.rmtree(old, ignore_errors=True)
        return
    os.replace(tmp, target)


def _remove(tmp: Path) -> None:
    try:
        if tmp.is_dir() and not tmp.is_symlink():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.unlink(missing_ok=True)
    except OSError:
        pass
