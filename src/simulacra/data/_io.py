"""Reading and writing tables: CSV (optionally gzipped), TSV and Parquet.

Every write goes to a hidden temporary sibling and is renamed onto the target only when it
is complete (:func:`atomic_path`), so a crash or Ctrl-C never leaves half a file behind.
Every read failure is a :class:`~simulacra.errors.DataReadError` that names the file, says
what is wrong and how to fix it.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import os
import re
import secrets
import shutil
import zlib
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from types import TracebackType
from typing import Literal, Self

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from simulacra.data._sinks import CsvSink, ParquetSink, require_string_names
from simulacra.errors import DataReadError, InvalidParameterError

__all__ = [
    "SUPPORTED_SUFFIXES",
    "TableWriter",
    "atomic_path",
    "read_table",
    "table_name_from",
    "write_table",
]

SUPPORTED_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz", ".parquet", ".pq")
"""File name endings :func:`read_table`, :func:`write_table` and :class:`TableWriter` accept."""

_Format = Literal["csv", "parquet"]
_BLOCK = 1 << 20
_TEMPORARY_MARK = ".tmp-"  # atomic_path writes NAME to ".NAME.tmp-<8 hex digits>"
_SNIFF_CHARS = 1 << 16  # how much of a CSV the separator is guessed from
_SNIFF_LINES = 50
_OTHER_SEPARATORS = (";", "\t", "|")
_DECIMAL_COMMA = r"[+-]?\d+(,\d+)?"
_LEADING_ZERO = r"^[+-]?0\d"
# -$1,234.50, $-1,234.50, €12, 12.5 %: a sign before or after the currency, none twice
_FORMATTED_NUMBER = (r"^(?:(?P<minus>-)\s*[$€£¥]?|[$€£¥]?\s*(?P<after>-)?)\s*"
                     r"(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*%?$")
_ZERO_ROWS = 1000  # rows looked at for leading zeros in whole-number columns
NA_MARKERS = ("#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
              "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null")
"""pandas' markers of a missing value, read as missing only where they cannot be values."""


def read_table(path: str | Path, *, encoding: str = "utf-8") -> pd.DataFrame:
    """Read a CSV, TSV or Parquet file into a DataFrame.

    CSV and TSV types are inferred by pandas, with two changes: whole numbers written with
    leading zeros (``"02134"``, seen in the first 1,000 rows) stay text, and pandas' missing
    markers (``NA``, ``null``, ``None``, ...) are missing only in columns whose other values
    are numbers, dates (anything with a digit) or true/false; empty cells are always missing.
    A column of amounts (``$1,234.50``, ``-€12``, ``12.5%``) is read as their numbers.
    A ``.gz`` ending means gzip. A ``.csv``
    file whose first lines split evenly on ``;``, ``|`` or a tab but not on commas is read
    with that separator (spreadsheets in many locales write ``;``); in a ``;`` file, a
    column whose every value is a number written with a decimal comma (``"3,75"``) is read
    as that number.

    Parameters
    ----------
    path
        A file ending in one of :data:`SUPPORTED_SUFFIXES`.
    encoding
        Text encoding of CSV/TSV files (Parquet stores its own).

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
    p = Path(path)
    _check_readable(p)
    fmt, sep = _format_of(p, DataReadError)
    if fmt == "parquet":
        return _read_parquet(p)
    if sep == ",":
        sep = _sniff_separator(p, encoding)
    frame = _read_formatted_numbers(_read_csv(p, sep, encoding))
    return _read_decimal_commas(frame) if sep == ";" else frame


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
    except BaseException:
        _remove(tmp)
        raise


def write_table(data: pd.DataFrame, path: str | Path) -> None:
    """Write a DataFrame to CSV, TSV or Parquet (chosen by the file ending), atomically.

    Parameters
    ----------
    data
        The table; its index is not written.
    path
        A file ending in one of :data:`SUPPORTED_SUFFIXES`.

    Raises
    ------
    InvalidParameterError
        The ending is not supported, or (Parquet) a column name is not a string.
    """
    p = Path(path)
    fmt, sep = _format_of(p, InvalidParameterError)
    if fmt == "parquet":
        require_string_names(data, p)
    with atomic_path(p) as tmp:
        if fmt == "parquet":
            data.to_parquet(tmp, engine="pyarrow", index=False)
        else:
            gz = p.name.lower().endswith(".gz")
            data.to_csv(
                tmp, sep=sep, index=False, compression="gzip" if gz else None, lineterminator="\n"
            )


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

    Attributes
    ----------
    rows_written : int
        Rows written so far.

    Examples
    --------
    >>> with TableWriter("out.parquet") as writer:  # doctest: +SKIP
    ...     for chunk in chunks:
    ...         writer.write(chunk)
    """

    max_pending_rows = 100_000

    def __init__(self, path: str | Path, *, arrow_schema: pa.Schema | None = None) -> None:
        self.path = Path(path)
        self._format, self._sep = _format_of(self.path, InvalidParameterError)
        if arrow_schema is not None and self._format != "parquet":
            raise InvalidParameterError(
                f"arrow_schema only applies to Parquet files, not {str(self.path)!r}."
            )
        self.arrow_schema = arrow_schema
        self.rows_written = 0
        self._atomic: AbstractContextManager[Path] | None = None
        self._sink: CsvSink | ParquetSink | None = None

    def __enter__(self) -> Self:
        atomic = atomic_path(self.path)
        tmp = atomic.__enter__()
        try:
            if self._format == "parquet":
                self._sink = ParquetSink(
                    tmp, self.path, schema=self.arrow_schema, max_pending_rows=self.max_pending_rows
                )
            else:
                gz = self.path.name.lower().endswith(".gz")
                self._sink = CsvSink(tmp, self.path, sep=self._sep, gz=gz)
        except BaseException as exc:
            atomic.__exit__(type(exc), exc, exc.__traceback__)
            raise
        self._atomic = atomic
        self.rows_written = 0
        return self

    def write(self, chunk: pd.DataFrame) -> None:
        """Append a chunk of rows (same columns as the first chunk)."""
        if self._sink is None:
            raise InvalidParameterError("TableWriter.write was called outside its `with` block.")
        if not isinstance(chunk, pd.DataFrame):
            raise InvalidParameterError(f"Expected a DataFrame chunk, got {type(chunk).__name__}.")
        self._sink.write(chunk)
        self.rows_written += len(chunk)

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
                sink.close()
            except BaseException as err:
                atomic.__exit__(type(err), err, err.__traceback__)
                raise
            atomic.__exit__(None, None, None)
            return
        sink.abort()
        atomic.__exit__(exc_type, exc, tb)


def _format_of(path: Path, error: type[Exception]) -> tuple[_Format, str]:
    """Return the file format and CSV separator for the file's ending, or raise ``error``."""
    name = path.name.lower()
    if name.endswith((".parquet", ".pq")):
        return "parquet", ""
    if name.endswith((".tsv", ".tsv.gz")):
        return "csv", "\t"
    if name.endswith((".csv", ".csv.gz")):
        return "csv", ","
    raise error(
        f"{str(path)!r} has an unsupported file ending. Supported: {', '.join(SUPPORTED_SUFFIXES)}."
    )


def _sniff_separator(p: Path, encoding: str) -> str:
    """``","`` unless the file's first lines split evenly on another separator and not on it."""
    try:
        opener = gzip.open if p.name.lower().endswith(".gz") else open
        with opener(p, "rt", encoding=encoding, errors="replace", newline="") as fh:
            head = fh.read(_SNIFF_CHARS)
    except (LookupError, OSError, EOFError, zlib.error):
        return ","  # the read proper reports what is wrong with the file
    lines = head.splitlines()
    if len(head) == _SNIFF_CHARS and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut off
    lines = lines[:_SNIFF_LINES]
    if _splits_evenly(lines, ","):
        return ","
    even = [sep for sep in _OTHER_SEPARATORS if _splits_evenly(lines, sep)]
    return max(even, key=lambda sep: lines[0].count(sep)) if even else ","


def _splits_evenly(lines: list[str], sep: str) -> bool:
    """Whether every line parses into the same number (at least two) of fields."""
    try:
        widths = {len(row) for row in csv.reader(lines, delimiter=sep) if row}
    except csv.Error:
        return False
    return len(widths) == 1 and widths.pop() > 1


def _read_formatted_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns of amounts (``$1,234.50``, ``-€12``, ``12.5%``) as their numbers.

    A column converts when every value is such a number and at least one shows a currency
    sign, a thousands comma or a percent sign (plain numbers were read as numbers already).
    """
    for i in range(frame.shape[1]):
        column = frame.iloc[:, i]
        if not (column.dtype == object or pd.api.types.is_string_dtype(column.dtype)):
            continue
        present = column.dropna()
        head = present.iloc[:_ZERO_ROWS].astype(str).str.strip()
        if head.empty or not head.str.fullmatch(_FORMATTED_NUMBER).all():
            continue  # most text columns stop here, after a look at their first rows
        text = pc.utf8_trim_whitespace(pa.array(present.astype(str).to_numpy(dtype=object),
                                                pa.string()))
        if not pc.any(pc.match_substring_regex(text, r"[$€£¥%,]")).as_py():
            continue
        parts = pc.extract_regex(text, _FORMATTED_NUMBER)  # RE2, vectorized
        if parts.null_count or pc.any(pc.match_substring_regex(
                parts.field("number"), _LEADING_ZERO)).as_py():
            continue
        number = pc.cast(pc.replace_substring(parts.field("number"), ",", ""), pa.float64())
        minus = pc.or_(pc.not_equal(parts.field("minus"), ""),
                       pc.not_equal(parts.field("after"), ""))
        values = np.full(len(column), np.nan)
        values[column.notna().to_numpy()] = np.where(minus.to_numpy(zero_copy_only=False), -1.0,
                                                     1.0) * number.to_numpy(zero_copy_only=False)
        frame.isetitem(i, values)
    return frame


def _read_decimal_commas(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns whose every value is a number with a decimal comma, as numbers."""
    for name in frame.columns:
        column = frame[name]
        if column.dtype.kind not in "OSU" and not pd.api.types.is_string_dtype(column):
            continue
        present = column.dropna()
        text = present.astype(str)
        if present.empty or not text.str.fullmatch(_DECIMAL_COMMA).all():
            continue
        if text.str.contains(",", regex=False).any():
            frame[name] = pd.to_numeric(column.str.replace(",", ".", regex=False))
    return frame


def _check_header(p: Path, sep: str, encoding: str) -> None:
    """Refuse a header that names two columns alike (pandas would rename one ``a.1``)."""
    header = pd.read_csv(p, sep=sep, encoding=encoding, header=None, nrows=1, dtype=str,
                         keep_default_na=False).iloc[0].tolist() if p.stat().st_size else []
    seen: dict[str, int] = {}
    for i, name in enumerate(header):
        if name in seen and name != "":
            raise DataReadError(
                f"{str(p)!r}: columns {seen[name] + 1} and {i + 1} (counting from 1) are both "
                f"named {name!r}. Rename one of them in the header row."
            )
        seen.setdefault(name, i)


def _leading_zeros(frame: pd.DataFrame, p: Path, sep: str, encoding: str) -> pd.DataFrame:
    """Whole-number columns that hold a value such as ``"02134"``, re-read as text.

    Only the first :data:`_ZERO_ROWS` rows are looked at for such values, so that a file
    without them is read once and a half, not twice.
    """
    whole = [i for i in range(frame.shape[1]) if _whole_numbers(frame.iloc[:, i])]
    if not whole:
        return frame
    head = pd.read_csv(p, sep=sep, encoding=encoding, dtype=str, keep_default_na=False,
                       na_values=[""], usecols=whole, nrows=_ZERO_ROWS, header=0)
    padded = [i for i, name in zip(whole, head.columns, strict=True)
              if head[name].str.match(_LEADING_ZERO).any()]
    if not padded:
        return frame
    text = pd.read_csv(p, sep=sep, encoding=encoding, dtype=str, keep_default_na=False,
                       na_values=[""], usecols=padded, header=0, low_memory=False)
    for i, name in zip(padded, text.columns, strict=True):
        frame.isetitem(i, text[name].where(~text[name].isin(NA_MARKERS)).to_numpy())
    return frame


def _whole_numbers(column: pd.Series) -> bool:
    if pd.api.types.is_integer_dtype(column.dtype):
        return True
    if not pd.api.types.is_float_dtype(column.dtype):
        return False
    values = column.to_numpy(dtype=np.float64)
    values = values[np.isfinite(values)]
    return bool(values.size) and bool(np.all(values == np.rint(values)))


def _missing_markers(frame: pd.DataFrame) -> pd.DataFrame:
    """Read ``NA``, ``null``, ``None`` ... as missing where the column is not made of words.

    In a column of numbers, dates or true/false they can only mean a missing value; in a
    column of words (``"NA"`` for North America, ``"None"`` as an answer) they are values.
    """
    for i in range(frame.shape[1]):
        column = frame.iloc[:, i]
        if not (column.dtype == object or pd.api.types.is_string_dtype(column.dtype)):
            continue
        marked = column.isin(NA_MARKERS).to_numpy()
        if not marked.any():
            continue
        rest = column[~marked & column.notna().to_numpy()].astype(str)
        numbers = pd.to_numeric(rest, errors="coerce")
        if rest.empty or (numbers.notna().all() and not rest.str.match(_LEADING_ZERO).any()):
            frame.isetitem(i, pd.to_numeric(column.where(~marked)).to_numpy())
        elif rest.str.lower().isin(("true", "false")).all():
            flags = column.str.lower().map({"true": True, "false": False})
            frame.isetitem(i, flags.astype(object).where(~marked, np.nan).to_numpy())
        elif rest.str.contains(r"\d").all():
            frame.isetitem(i, column.where(~marked).array)
    return frame


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


def _read_csv(p: Path, sep: str, encoding: str) -> pd.DataFrame:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise DataReadError(
            f"Cannot read {str(p)!r}: unknown encoding {encoding!r}. Use a Python codec name "
            "such as 'utf-8', 'latin-1' or 'cp1252'."
        ) from None
    try:
        frame = pd.read_csv(p, sep=sep, encoding=encoding, low_memory=False,
                            keep_default_na=False, na_values=[""])
        _check_header(p, sep, encoding)
        return _missing_markers(_leading_zeros(frame, p, sep, encoding))
    except UnicodeDecodeError as exc:
        raise _decode_error(p, encoding, exc) from None
    except pd.errors.EmptyDataError:
        raise DataReadError(
            f"{str(p)!r} has no data: not even a header row. Pass a file with a header and rows."
        ) from None
    except pd.errors.ParserError as exc:
        raise _parser_error(p, sep, exc) from None
    except (OSError, EOFError, zlib.error) as exc:
        raise DataReadError(f"{str(p)!r} cannot be read: {exc}.") from None


def _read_parquet(p: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(p, engine="pyarrow")
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise DataReadError(
            f"{str(p)!r} is not a valid Parquet file ({exc}). Re-export it, or check that it "
            "is not a CSV or a partially written file with a .parquet ending."
        ) from None


def _parser_error(p: Path, sep: str, exc: pd.errors.ParserError) -> DataReadError:
    text = str(exc).strip()
    where = re.search(r"(line|row) (\d+)", text)
    at = f" near {where.group(1)} {where.group(2)}" if where else ""
    return DataReadError(
        f"{str(p)!r} is not well-formed {'TSV' if sep == chr(9) else 'CSV'}{at}: {text}. "
        "Check that every row has as many separators as the header and that quotes are closed."
    )


def _decode_error(p: Path, encoding: str, exc: UnicodeDecodeError) -> DataReadError:
    found = _first_undecodable(p, encoding)
    if found is None:
        detail = f"{exc.reason}"
    else:
        offset, line, byte = found
        detail = f"byte 0x{byte:02x} at offset {offset} (line {line}) cannot be decoded"
    return DataReadError(
        f"{str(p)!r} is not valid {encoding} text: {detail}. Re-save the file as UTF-8, or "
        "pass its encoding (for example encoding='latin-1' or 'cp1252'; on the command line "
        "--encoding latin-1)."
    )


def _first_undecodable(p: Path, encoding: str) -> tuple[int, int, int] | None:
    """Find the first byte that does not decode: its offset, (approximate) line and value."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = newlines = 0
    opener = gzip.open if p.name.lower().endswith(".gz") else open
    with opener(p, "rb") as fh:
        while True:
            block = fh.read(_BLOCK)
            held = decoder.getstate()[0]
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError as err:
                data = held + block
                at = offset - len(held) + err.start
                line = newlines + data[len(held) : max(len(held), err.start)].count(b"\n") + 1
                return at, line, data[err.start]
            if not block:
                return None
            offset += len(block)
            newlines += block.count(b"\n")


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
