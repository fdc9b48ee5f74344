"""Reading CSV and TSV text into a DataFrame, with the fixes pandas' defaults need.

pandas infers the types; on top of that:

* the separator of a ``.csv`` is sniffed (``;``, ``|`` and tab besides the comma), and a
  ``;`` file's decimal commas (``3,75``) are numbers;
* whole numbers written with leading zeros (``02134``) stay text;
* pandas' missing markers (``NA``, ``None``, ...) are missing only where they cannot be
  values (in columns of numbers, dates or true/false);
* amounts (``$1,234.50``, ``12%``) are numbers;
* a header naming two columns alike, bytes that are not in the encoding and malformed lines
  are a :class:`~simulacra.errors.DataReadError` naming the file, the line and the fix.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import re
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from simulacra.errors import DataReadError

__all__ = ["NA_MARKERS", "read_csv"]

_BLOCK = 1 << 20  # bytes decoded at a time when looking for the first undecodable one
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


def read_csv(p: Path, sep: str, encoding: str) -> pd.DataFrame:
    """Read the CSV (or TSV, by ``sep``) file ``p`` with the fixes of the module docstring."""
    if sep == ",":
        sep = _sniff_separator(p, encoding)
    frame = _read_formatted_numbers(_read_csv(p, sep, encoding))
    return _read_decimal_commas(frame) if sep == ";" else frame


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
                         keep_default_na=False).iloc[0].tolist()
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
