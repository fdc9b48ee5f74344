"""Reading CSV and TSV text into a DataFrame, with the fixes pandas' defaults need.

pandas infers the types; on top of that:

* the separator of a ``.csv`` is sniffed (``;``, ``|`` and tab besides the comma), and a
  ``;`` file's decimal commas (``3,75``, ``1.234,50 €``) are numbers, as are a tab or ``|``
  file's where a column shows them (``3,75``; else ``1,234`` is a US thousand and more);
* whole numbers written with leading zeros (``02134``) stay text;
* pandas' missing markers (``NA``, ``None``, ...) and cells of spaces are missing only
  where they cannot be values (in columns of numbers, dates or true/false);
* amounts (``$1,234.50``, ``12%``, ``CHF 1'234.50``, ``12,00 EUR``, ``1 234,50``) are
  numbers, their currency and grouping kept in the column's text format;
* a header naming two columns alike, bytes that are not in the encoding and malformed lines
  are a :class:`~simulacra.errors.DataReadError` naming the file, the line and the fix.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import re
import warnings
import zlib
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from simulacra.data._csv_layout import bare_markers, csv_layout, end_lines
from simulacra.data._read_progress import CountedFile, ReadCounter
from simulacra.data._text_formats import (
    SWAP_MARKS,
    amount_format,
    bool_format,
    decimals_format,
)
from simulacra.errors import DataReadError, FitWarning
from simulacra.schema._model import csv_dialect_of
from simulacra.schema._text_format import GROUPING_MARKS

__all__ = ["NA_MARKERS", "read_csv"]

_BLOCK = 1 << 20  # bytes decoded at a time when looking for the first undecodable one
_SNIFF_CHARS = 1 << 16  # how much of a CSV the separator is guessed from
_SNIFF_LINES = 50
_TAIL_BYTES = 1 << 16  # how much of a file's end its empty last lines are looked for in
_OTHER_SEPARATORS = (";", "\t", "|")
_DECIMAL_COMMA = r"[+-]?\d+(,\d+)?(?:[eE][+-]?\d+)?"  # 3,75; 3,44E-02 (Excel)
_LEADING_ZERO = r"^[+-]?0\d"
_THOUSANDS_DOTS = r"[+-]?(?:[1-9]\d{0,2}(?:\.\d{3})+|\d+)"  # 3.750, 12.345.678, 800
# spaces, with the no-break ones French Excel writes (RE2's \s is ASCII only)
_SPACE = "[\\s\u00a0\u202f]"
_GROUPED = f"[,{GROUPING_MARKS}]"  # 1,234.50; 1 234,50 (plain or no-break); Swiss 1'234.50
_SYMBOLS = "$€£¥₹₽₺₩₪₫₴฿₱"
# a sign or code before or after the number: $12, 12 €, CHF 1'234.50, 12,00 EUR, 1.234,50 kr
_CURRENCY = (rf"(?:[{_SYMBOLS}]|R\$|US\$|A\$|C\$|HK\$|NZ\$|S\$|USD|EUR|GBP|CHF|JPY|CNY|SEK|"
             r"NOK|DKK|ISK|PLN|CZK|HUF|RON|BGN|HRK|RSD|RUB|UAH|TRY|ILS|INR|AUD|CAD|NZD|HKD|"
             r"SGD|ZAR|BRL|MXN|ARS|CLP|COP|PEN|KRW|TWD|THB|IDR|MYR|PHP|VND|AED|SAR|Fr|SFr|"
             "kr|Kr|Kč|zł|Ft|lei|"
             "\u043b\u0432|\u0440\u0443\u0431|\u0433\u0440\u043d)")  # Bulgarian, Russian, Ukrainian
# -$1,234.50, $-1,234.50, €12, 12.5 %: a sign before or after the currency, none twice
# (1,234.50), ($1,234.50): accounting's negatives, brackets both or neither (checked after)
_FORMATTED_NUMBER = (rf"^(?P<open>\(?)(?:(?P<minus>-){_SPACE}*{_CURRENCY}?|{_CURRENCY}?"
                     rf"{_SPACE}*(?P<after>-)?){_SPACE}*"
                     rf"(?P<number>\d{{1,3}}(?:{_GROUPED}\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?)"
                     rf"{_SPACE}*(?:%|{_CURRENCY})?(?P<close>\)?)$")
_MARKED = rf"[{_SYMBOLS}%,(){GROUPING_MARKS}\pL]"  # what plain numbers, read already, lack
_ZERO_ROWS = 1000  # rows looked at for leading zeros in whole-number columns
_MIN_HEAD_TEXTS = 20
"""A column showing fewer values in its first rows is read on for its text formats."""
NA_MARKERS = ("#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
              "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null", ".",
              "-", "\u2013", "\u2014", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!")
"""pandas' markers of a missing value, SAS's ``.``, the dashes reports put in empty cells
(``-``, en and em dash) and Excel's error values (``#DIV/0!``); read as missing only where
they cannot be values."""


def read_csv(p: Path, sep: str, encoding: str, counter: ReadCounter | None = None
             ) -> pd.DataFrame:
    r"""Read the CSV (or TSV, by ``sep``) file ``p`` with the fixes of the module docstring.

    A ``.csv`` whose separator is not the comma, whose numbers have decimal commas, whose
    text is not plain UTF-8 (a byte order mark, as spreadsheets write, or another
    ``encoding``), whose lines end in ``\r\n``, whose text columns are all in quotes or
    that ends in empty lines keeps them in ``frame.attrs["csv_dialect"]`` (``{"separator":
    ";", "decimal": ",", "encoding": "utf-8-sig", "line_end": "\r\n", "quoted": ["name"],
    "end_lines": ";;\r\n"}``; also the columns of a decimal-comma file written with points,
    ``"decimal_marks": {"CHF": "."}``, and the quoted columns whose missing cells are quoted,
    ``"quoted_missing"``), for :func:`~simulacra.infer_schema` and CSV output written the way
    it was read. ``counter`` is told the bytes of the file's one full read by pandas.
    """
    head, cut = _head(p, encoding)
    sniffed = sep == ","
    if sniffed:
        sep = _sniff_separator(head, cut)
    frame, header = _read_csv(p, sep, encoding, counter)
    decimal, points = _read_numbers(frame, p, sep, encoding)
    written = _written_encoding(p, encoding)
    layout = csv_layout(head, sep, cut, NA_MARKERS)
    bare = _read_bare_markers(frame, p, sep, encoding, layout.quoted)
    quoted = [str(frame.columns[j]) for j in layout.quoted if j < frame.shape[1]]
    quoted_missing = [str(frame.columns[j]) for j in layout.quoted_missing
                      if j < frame.shape[1] and j not in bare and frame.iloc[:, j].isna().any()]
    unnamed = [str(frame.columns[j]) for j, name in enumerate(header[:frame.shape[1]])
               if not name.strip()]
    trailing = len(header) > frame.shape[1] and not header[-1].strip()
    ending = _end_lines(p, sep, encoding)
    if ((sniffed and sep != ",") or decimal != "." or written != "utf-8"
            or layout.line_end != "\n" or quoted or unnamed or trailing or ending):
        frame.attrs["csv_dialect"] = csv_dialect_of(
            {"separator": sep, "decimal": decimal, "encoding": written,
             "line_end": layout.line_end, "quoted": quoted, "unnamed": unnamed,
             "trailing_separator": trailing, "decimal_marks": dict.fromkeys(points, "."),
             "quoted_missing": quoted_missing, "end_lines": ending},
            str(p))
    return frame


def _read_numbers(frame: pd.DataFrame, p: Path, sep: str, encoding: str
                  ) -> tuple[str, list[str]]:
    """Text columns of numbers with decimal commas, thousands marks and currencies, as numbers.

    Returns the file's decimal mark, and in a file of decimal commas the columns written with
    decimal points (``0.6250`` or Swiss ``CHF 1'234.50`` beside ``12,00 EUR``).
    """
    decimal = "."
    points: list[str] = []
    if sep == ";" or (sep in (",", "\t", "|") and _shows_decimal_commas(frame)):
        # a spreadsheet's locale: 3,75 and 1.234,50 € before US amounts (1,234.50)
        read_by_pandas = [str(name) for name, dtype in frame.dtypes.items()
                          if pd.api.types.is_float_dtype(dtype)]
        commas = _read_decimal_commas(frame)
        if _read_formatted_numbers(frame, european=True) or commas:
            decimal = ","
            thousands = _read_thousands_dots(frame, p, sep, encoding)
            points = [name for name in read_by_pandas
                      if name not in thousands and _shows_points(frame, name)]
    amounts = _read_formatted_numbers(frame)
    return decimal, points + amounts if decimal == "," else points


def _shows_points(frame: pd.DataFrame, name: str) -> bool:
    """Whether a column pandas read as floats shows decimals (it read them after a point).

    Its whole numbers are written without a mark, unless its text format shows decimals.
    """
    values = frame[name].to_numpy(dtype=np.float64)
    values = values[np.isfinite(values)]
    return (name in frame.attrs.get("text_formats", {})
            or bool(np.any(values != np.rint(values))))


def _read_bare_markers(frame: pd.DataFrame, p: Path, sep: str, encoding: str,
                       quoted: tuple[int, ...]) -> set[int]:
    """In a column whose values are all quoted, a bare ``NA`` (or other marker) as missing.

    R's ``write.csv2`` quotes text and writes a missing value ``NA`` bare, so a bare marker
    there is missing while ``"NA"`` (North America) is a value. Text columns keep markers as
    values otherwise (see :func:`_missing_markers`), so only these are looked at, in the whole
    file; rows that do not line up with the frame's leave the column as it is. Returns the
    positions of the columns read so.
    """
    columns = {j: set(frame.iloc[:, j].dropna().unique()) & set(NA_MARKERS) for j in quoted
               if j < frame.shape[1] and _text(frame.iloc[:, j])}
    columns = {j: found for j, found in columns.items() if found}
    read: set[int] = set()
    if not columns:
        return read
    with _open(p, "rt", encoding=encoding, newline="") as fh:
        rows = bare_markers(fh.read(), sep, columns)
    for j, at in (rows or {}).items():
        column = frame.iloc[:, j]
        if not at or at[-1] >= len(column) or not column.iloc[at].isin(columns[j]).all():
            continue
        marked = np.zeros(len(column), dtype=bool)
        marked[at] = True
        frame.isetitem(j, column.where(~marked).array)
        _remember_marker(frame, j, column, marked)
        read.add(j)
    return read


def _text(column: pd.Series) -> bool:
    return column.dtype == object or pd.api.types.is_string_dtype(column.dtype)


def _head(p: Path, encoding: str) -> tuple[str, bool]:
    """The first characters of ``p`` as written (line ends kept), and whether it goes on."""
    try:
        with _open(p, "rt", encoding=encoding, errors="replace", newline="") as fh:
            head = fh.read(_SNIFF_CHARS)
            return head, bool(fh.read(1))
    except (LookupError, OSError, EOFError, zlib.error):
        return "", False  # the read proper reports what is wrong with the file


def _end_lines(p: Path, sep: str, encoding: str) -> str:
    """The empty lines after the last row of ``p``, as written (see :func:`end_lines`)."""
    tail, whole = _tail(p, encoding)
    if not whole and not tail.rstrip(sep + "\r\n"):  # thousands of ';;' lines: read them all
        with _open(p, "rt", encoding=encoding, errors="replace", newline="") as fh:
            tail = fh.read()
    return end_lines(tail, sep)


def _tail(p: Path, encoding: str) -> tuple[str, bool]:
    """The last characters of ``p`` (about :data:`_TAIL_BYTES`), line ends as written.

    And whether they are the whole file.
    """
    try:
        with _open(p, "rb") as fh:
            if p.name.lower().endswith(".gz"):  # no seeking back: read through
                data, start = b"", 0
                while block := fh.read(_BLOCK):
                    start += max(0, len(data) + len(block) - _TAIL_BYTES)
                    data = (data + block)[-_TAIL_BYTES:]
            else:
                size = fh.seek(0, 2)
                start = fh.seek(max(0, size - _TAIL_BYTES) // 4 * 4)  # whole UTF-16/32 units
                data = fh.read()
    except (OSError, EOFError, zlib.error):
        return "", True
    return data.decode(codecs.lookup(encoding).name, errors="replace"), start == 0


def _gzipped(p: Path) -> bool:
    """Whether ``p`` is stored gzipped: its name ends in ``.gz`` (as pandas infers it)."""
    return p.name.lower().endswith(".gz")


def _open(p: Path, mode: str, **text: Any) -> IO[Any]:
    """Open ``p`` as it is stored: gzipped when its name ends in ``.gz``."""
    if _gzipped(p):
        return gzip.open(p, mode, **text)  # type: ignore[return-value]
    return open(p, mode, **text)


def _written_encoding(p: Path, encoding: str) -> str:
    """``encoding``'s codec name, or ``utf-8-sig`` for UTF-8 text that starts with a BOM."""
    name = codecs.lookup(encoding).name  # _read_csv refused an unknown one already
    if name != "utf-8":
        return name
    try:
        with _open(p, "rb") as fh:
            head = fh.read(len(codecs.BOM_UTF8))
    except (OSError, EOFError, zlib.error):
        return name
    return "utf-8-sig" if head == codecs.BOM_UTF8 else name


def _sniff_separator(head: str, more: bool) -> str:
    """``","`` unless the file's first lines split evenly on another separator and not on it.

    ``head``: the file's first characters; ``more``: the file goes on after them.
    """
    lines = head.splitlines(keepends=True)  # a quoted field may span lines
    cut = (more and len(lines) > 1) or len(lines) > _SNIFF_LINES
    lines = lines[:_SNIFF_LINES]
    if _splits_evenly(lines, ",", cut):
        return ","
    even = [sep for sep in _OTHER_SEPARATORS if _splits_evenly(lines, sep, cut)]
    return max(even, key=lambda sep: lines[0].count(sep)) if even else ","


def _splits_evenly(lines: list[str], sep: str, cut: bool) -> bool:
    """Whether every record parses into the same number (at least two) of fields.

    ``cut``: the lines stop inside the file, so their last record may be cut off (in the
    middle of a line, or of a quoted field that spans lines) and is not counted.
    """
    try:
        rows = [row for row in csv.reader(lines, delimiter=sep) if row]
    except csv.Error:
        return False
    if cut and len(rows) > 1:
        rows = rows[:-1]
    widths = {len(row) for row in rows}
    return len(widths) == 1 and widths.pop() > 1


def _read_formatted_numbers(frame: pd.DataFrame, *, european: bool = False) -> list[str]:
    """Text columns of amounts (``$1,234.50``, ``-€12``, ``12.5%``) as their numbers.

    A column converts when every value is such a number and at least one shows a currency
    sign, a thousands comma or a percent sign (plain numbers were read as numbers already).
    ``european``: the marks are swapped (``1.234,50 €``, ``12,5 %``); the text format learned
    is written back so by CSV output with a decimal comma. Returns the columns converted.
    """
    converted = []
    for i in range(frame.shape[1]):
        column = frame.iloc[:, i]
        if not (column.dtype == object or pd.api.types.is_string_dtype(column.dtype)):
            continue
        present = column.dropna()
        head = _marks(present.iloc[:_ZERO_ROWS].astype(str), european).str.strip()
        if head.empty or not head.str.fullmatch(_FORMATTED_NUMBER).all():
            continue  # most text columns stop here, after a look at their first rows
        text = pc.utf8_trim_whitespace(pa.array(
            _marks(present.astype(str), european).to_numpy(dtype=object), pa.string()))
        if not pc.any(pc.match_substring_regex(text, _MARKED)).as_py():
            continue
        parts = pc.extract_regex(text, _FORMATTED_NUMBER)  # RE2, vectorized
        if parts.null_count or pc.any(pc.match_substring_regex(
                parts.field("number"), _LEADING_ZERO)).as_py() or not pc.all(pc.equal(
                pc.utf8_length(parts.field("open")), pc.utf8_length(parts.field("close")))).as_py():
            continue
        if not _one_currency(text) or _spaced_identifiers(text, parts.field("number")):
            continue
        number = pc.cast(pc.replace_substring_regex(parts.field("number"), _GROUPED, ""),
                         pa.float64())
        minus = pc.or_(pc.or_(pc.not_equal(parts.field("minus"), ""),
                              pc.not_equal(parts.field("after"), "")),
                       pc.not_equal(parts.field("open"), ""))
        fmt = amount_format(text.slice(0, _ZERO_ROWS).to_pandas())
        if fmt is not None:
            frame.attrs.setdefault("text_formats", {})[str(frame.columns[i])] = fmt
        values = np.full(len(column), np.nan)
        values[column.notna().to_numpy()] = np.where(minus.to_numpy(zero_copy_only=False), -1.0,
                                                     1.0) * number.to_numpy(zero_copy_only=False)
        frame.isetitem(i, values)
        converted.append(str(frame.columns[i]))
    return converted


def _one_currency(text: pa.Array) -> bool:
    """Whether the amounts name one currency code, or none.

    ``USD 12`` beside ``EUR 7`` is not one column of numbers (``$`` beside ``€`` is read as
    before, the commonest kept).
    """
    codes = pc.replace_substring_regex(text, r"[^\pL]", "")
    return len(pc.unique(codes)) == 1


def _spaced_identifiers(text: pa.Array, number: pa.Array) -> bool:
    """Whether numbers grouped by plain spaces look like identifiers (``612 345 678``).

    A space is a thousands separator in Czech, Polish or Swedish exports, but phone numbers,
    company numbers and the like are written so too; they are all as long, and show no
    decimals, currency or percent.
    """
    if not pc.any(pc.match_substring(number, " ")).as_py():
        return False
    if pc.any(pc.match_substring_regex(text, rf"[.{_SYMBOLS}%\pL]")).as_py():
        return False
    digits = pc.utf8_length(pc.replace_substring_regex(number, r"\D", ""))
    return len(pc.unique(digits)) == 1


def _read_thousands_dots(frame: pd.DataFrame, p: Path, sep: str, encoding: str) -> list[str]:
    """In a file of decimal commas, whole numbers grouped by dots (``3.750``) as 3750.

    pandas reads ``3.750`` as 3.75; where the file writes its decimals with commas, a column
    whose every value is digits grouped by dots in threes (``3.750``, ``12.345``, ``800``)
    holds thousands. Its text format (``{:,.0f}``) writes them back so. Returns the columns
    read so.
    """
    candidates = [i for i in range(frame.shape[1])
                  if pd.api.types.is_float_dtype(frame.iloc[:, i].dtype)
                  and _at_most_three_places(frame.iloc[:, i])]
    converted: list[str] = []
    if not candidates:
        return converted
    texts = _texts_of(p, sep, encoding, candidates, None)
    for i in candidates:
        text = texts[i]
        column = frame.iloc[:, i]
        if (text.empty or len(text) != column.notna().sum()
                or not text.str.fullmatch(_THOUSANDS_DOTS).all()
                or not text.str.contains(".", regex=False).any()):
            continue
        values = np.full(len(column), np.nan)
        values[text.index.to_numpy()] = pd.to_numeric(text.str.replace(".", "", regex=False))
        present = ~np.isnan(values)
        frame.isetitem(i, values.astype(np.int64) if present.all() else values)
        frame.attrs.setdefault("text_formats", {})[str(frame.columns[i])] = "{:,.0f}"
        converted.append(str(frame.columns[i]))
    return converted


def _at_most_three_places(column: pd.Series) -> bool:
    values = column.to_numpy(dtype=np.float64)
    values = values[np.isfinite(values)]
    return bool(values.size) and bool(np.all(np.abs(values * 1000 - np.rint(values * 1000))
                                             < 1e-6 * np.maximum(1.0, np.abs(values))))


def _shows_decimal_commas(frame: pd.DataFrame) -> bool:
    """Whether a column of numbers has a comma that cannot separate thousands (``3,75``).

    ``1,234`` alone could be either; a comma, tab or ``|`` file is read the US way unless one
    column shows otherwise (in a comma file such numbers are quoted: ``"39,1"``, as
    LibreOffice writes them in a German locale).
    """
    for name in frame.columns:
        column = frame[name]
        if column.dtype.kind not in "OSU" and not pd.api.types.is_string_dtype(column):
            continue
        head = column.dropna().iloc[:_ZERO_ROWS].astype(str).str.strip()
        if (not head.empty and head.str.fullmatch(_DECIMAL_COMMA).all()
                and head.str.contains(r",(?:\d{1,2}|\d{4,})$").any()):
            return True
    return False


def _marks(text: pd.Series, european: bool) -> pd.Series:
    return text.str.translate(SWAP_MARKS) if european else text


def _read_decimal_commas(frame: pd.DataFrame) -> int:
    """Text columns whose every value is a number with a decimal comma, as numbers.

    Returns how many columns converted. Such a column's trailing zeros (``1,50``) are kept
    as its text format, like ``1.50``'s.
    """
    converted = 0
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
            converted += 1
            points = text.iloc[:_ZERO_ROWS].str.strip().str.replace(",", ".", regex=False)
            fmt = decimals_format(points)
            if fmt is not None:
                frame.attrs.setdefault("text_formats", {})[str(name)] = fmt
    return converted


def _check_header(p: Path, sep: str, encoding: str) -> list[str]:
    """Refuse a header that names two columns alike (pandas would rename one ``a.1``).

    Returns the header's names as written.
    """
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
    return [str(name) for name in header]


def _without_trailing_blanks(frame: pd.DataFrame, header: list[str]) -> pd.DataFrame:
    """The frame without what spreadsheets leave at its edges.

    That is a last column without a name or a value (a separator at every line end) and rows
    without a value at the end (``;;`` lines).
    """
    if (frame.shape[1] > 1 and len(header) == frame.shape[1] and not header[-1].strip()
            and frame.iloc[:, -1].isna().all()):
        frame = frame.iloc[:, :-1]
    filled = np.flatnonzero(frame.notna().any(axis=1).to_numpy())
    last = filled[-1] + 1 if filled.size else 0
    return frame.iloc[:last] if last < len(frame) else frame


def _warn_unnamed(frame: pd.DataFrame, header: list[str], p: Path) -> None:
    """Say which columns had no name in the header, and what pandas called them."""
    for i, written in enumerate(header[: frame.shape[1]]):
        if written.strip():
            continue
        column = frame.iloc[:, i]
        index = (pd.api.types.is_integer_dtype(column.dtype)
                 and np.array_equal(column.to_numpy(), np.arange(len(column))))
        hint = ("Its values are 0, 1, 2, ...: probably a row index saved with the data "
                "(pandas' to_csv without index=False); drop the column, or name it in the "
                "header row." if index else "Name it in the header row to choose its name.")
        warnings.warn(FitWarning(
            f"{str(p)!r}: column {i + 1} (counting from 1) has no name in the header row, so "
            f"it is called {str(frame.columns[i])!r}. {hint}"
        ), stacklevel=5)


def _head_texts(frame: pd.DataFrame, p: Path, sep: str, encoding: str) -> dict[int, pd.Series]:
    """The text of the first :data:`_ZERO_ROWS` rows of every column of numbers or flags.

    Missing cells and missing markers are left out. Only the first rows are looked at, so
    that a file is read once and a little, not twice.
    """
    typed = [i for i in range(frame.shape[1]) if _numbers_or_flags(frame.iloc[:, i])]
    if not typed:
        return {}
    texts = _texts_of(p, sep, encoding, typed, _ZERO_ROWS)
    # columns empty at the top (a count recorded only in later seasons) are read further
    sparse = [i for i in typed if len(texts[i]) < _MIN_HEAD_TEXTS]
    if sparse and len(frame) > _ZERO_ROWS:
        further = _texts_of(p, sep, encoding, sparse, None)
        texts.update({i: further[i].iloc[:_ZERO_ROWS] for i in sparse})
    return texts


def _texts_of(p: Path, sep: str, encoding: str, columns: list[int], rows: int | None
              ) -> dict[int, pd.Series]:
    """The present, stripped texts of the columns at ``columns`` in the first ``rows`` rows."""
    head = pd.read_csv(p, sep=sep, encoding=encoding, dtype=str, keep_default_na=False,
                       na_values=[""], usecols=columns, nrows=rows, header=0)
    texts = {}
    for i, name in zip(columns, head.columns, strict=True):
        column = head[name].dropna().str.strip()
        texts[i] = column[~column.isin(NA_MARKERS)]
    return texts


def _numbers_or_flags(column: pd.Series) -> bool:
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
        return True
    return pd.api.types.is_object_dtype(dtype) and pd.api.types.infer_dtype(
        column, skipna=True) == "boolean"


def _leading_zeros(frame: pd.DataFrame, head: dict[int, pd.Series], p: Path, sep: str,
                   encoding: str) -> pd.DataFrame:
    """Whole-number columns that hold a value such as ``"02134"`` in ``head``, re-read as text."""
    padded = [i for i, text in head.items()
              if _whole_numbers(frame.iloc[:, i]) and text.str.match(_LEADING_ZERO).any()]
    if not padded:
        return frame
    text = pd.read_csv(p, sep=sep, encoding=encoding, dtype=str, keep_default_na=False,
                       na_values=[""], usecols=padded, header=0, low_memory=False)
    for i, name in zip(padded, text.columns, strict=True):
        frame.isetitem(i, text[name].where(~text[name].isin(NA_MARKERS)).to_numpy())
    return frame


def _learn_text_formats(frame: pd.DataFrame, head: dict[int, pd.Series]) -> pd.DataFrame:
    """Record how numbers with trailing zeros (``12.50``) and flags (``true``) were written.

    Kept in ``frame.attrs["text_formats"]`` (column name -> format), which
    :func:`~simulacra.infer_schema` turns into each column's ``text_format``.
    """
    formats: dict[str, str] = frame.attrs.setdefault("text_formats", {})
    for i, text in head.items():
        column = frame.iloc[:, i]
        if pd.api.types.is_float_dtype(column.dtype):
            fmt = decimals_format(text)
        elif pd.api.types.is_bool_dtype(column.dtype) or pd.api.types.is_object_dtype(column):
            fmt = bool_format(text)  # object columns in ``head`` hold only flags
        else:
            continue
        if fmt is not None:
            formats[str(frame.columns[i])] = fmt
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
    """Read ``NA``, ``null``, ``None``, `` `` ... as missing where the column is not of words.

    In a column of numbers, dates or true/false they can only mean a missing value; in a
    column of words (``"NA"`` for North America, ``"None"`` as an answer) they are values.
    """
    for i in range(frame.shape[1]):
        column = frame.iloc[:, i]
        if not (column.dtype == object or pd.api.types.is_string_dtype(column.dtype)):
            continue
        present = column.notna().to_numpy()
        # a cell of spaces is as empty as an empty one (a spreadsheet shows no difference)
        spaces = _spaces(column)
        marked = (column.isin(NA_MARKERS).to_numpy() | spaces) & present
        if not marked.any():
            continue
        rest = column[~marked & present].astype(str)
        numbers = pd.to_numeric(rest, errors="coerce")
        if rest.empty or (numbers.notna().all() and not rest.str.match(_LEADING_ZERO).any()):
            frame.isetitem(i, pd.to_numeric(column.where(~marked)).to_numpy())
        elif rest.str.lower().isin(("true", "false")).all():
            flags = column.str.lower().map({"true": True, "false": False})
            frame.isetitem(i, flags.astype(object).where(~marked, np.nan).to_numpy())
        elif rest.str.contains(r"\d").all():
            frame.isetitem(i, column.where(~marked).array)
        else:
            continue
        _remember_marker(frame, i, column, marked)
    return frame


def _spaces(column: pd.Series) -> np.ndarray:
    """Which cells are spaces only (none in a column that holds no text, such as flags)."""
    try:
        return column.str.isspace().to_numpy(dtype=bool, na_value=False)
    except AttributeError:  # .str of an object column without strings
        return np.zeros(len(column), dtype=bool)


def _remember_marker(frame: pd.DataFrame, i: int, column: pd.Series, marked: np.ndarray) -> None:
    """Keep the marker a column writes its missing cells with (SAS's ``.``), for CSV output.

    Kept in ``frame.attrs["missing_markers"]`` (column name -> marker), so that CSV output can
    write missing cells as they were read. Where a column writes them several ways (Excel's
    ``#N/A`` and ``#DIV/0!``, or a marker and empty cells), new missing cells cannot be told
    apart: the commonest way is kept (the first seen of a tie), none where empty cells are.
    """
    empty = int((column.isna().to_numpy() & ~marked).sum())
    counts = column[marked].astype(str).value_counts(sort=False)  # in the order first seen
    if not counts.empty and int(counts.max()) > empty:
        frame.attrs.setdefault("missing_markers", {})[str(frame.columns[i])] = str(
            counts.idxmax())


def _read_csv(p: Path, sep: str, encoding: str, counter: ReadCounter | None
              ) -> tuple[pd.DataFrame, list[str]]:
    """The frame read with the fixes of the module docstring, and the header as written."""
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise DataReadError(
            f"Cannot read {str(p)!r}: unknown encoding {encoding!r}. Use a Python codec name "
            "such as 'utf-8', 'latin-1' or 'cp1252'."
        ) from None
    try:
        # a file object, not the path, so that its bytes are counted as pandas reads them
        with (CountedFile(p, counter) if counter is not None else open(p, "rb")) as handle:
            frame = pd.read_csv(handle, sep=sep, encoding=encoding, low_memory=False,
                                keep_default_na=False, na_values=[""],
                                compression="gzip" if _gzipped(p) else None)
        header = _check_header(p, sep, encoding)
        frame = _without_trailing_blanks(frame, header)
        _warn_unnamed(frame, header, p)
        frame = _missing_markers(frame)
        head = _head_texts(frame, p, sep, encoding)
        return _learn_text_formats(_leading_zeros(frame, head, p, sep, encoding), head), header
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
    with _open(p, "rb") as fh:
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
