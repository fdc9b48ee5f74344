"""Date and time strings: which ``strftime`` format a column uses, and parsing with it.

A string column is a datetime column when *every* non-null value parses with one format of
:data:`DATETIME_FORMATS`. The format is stored in the schema (``Column.datetime_format``) so
that a codec can parse the column and write new values back in the same shape.

Conventions shared with the codecs:

* A format ending in a literal ``Z`` parses to naive timestamps that are in UTC; the column's
  ``timezone`` is ``"UTC"``.
* A format with ``%z`` parses with :func:`parse_datetimes` to UTC. The column's ``timezone`` is
  the one offset all values share (``"UTC+01:00"``, a name pandas accepts), else a common
  zone whose offsets match every value (summer time: ``"Europe/Berlin"``), else ``"UTC"``.
  Written back, ``%z`` gives ``+0100`` and ``%:z`` (inferred where values show the colon)
  ``+01:00``.
* A field written without zero padding in most values (``1/6/2006``, ``9:05``) is spelled
  ``%-m``, ``%-d``, ``%-H``, ``%-I``, ``%-M`` or ``%-S`` (``"%-m/%-d/%Y"``): read like ``%m``
  (strptime accepts one digit or two) and written without padding by our own formatter, on
  every platform. Where a column mixes both, the majority of the values that show it (those
  below 10) decides; a tie keeps the padding.
* Month and day names written in capitals by most values (SAS's ``01JAN2013``) are spelled
  ``%^b`` (glibc's notation), in small letters (Stata's ``01jan2013``) ``%~b`` (simulacra's
  own); read like ``%b`` (strptime ignores case) and written so by our own formatter.
* ``%f`` writes six digits, so ``"10:00:00.5"`` is read correctly but written back
  ``"10:00:00.500000"``.
* Whole numbers that are all dates written ``YYYYMMDD`` (``19750103``) or ``YYYYMM``
  (``199701``) are a datetime column of format ``%Y%m%d`` or ``%Y%m`` that keeps its numeric
  dtype: :func:`parse_datetimes` reads numbers as their digits, and codecs write the digits
  back as numbers (:func:`integer_date_format` says when; it is careful, see there).
* A column that mixes formats without offsets (``2022/04/20`` and ``2022-12-27``) has them
  all, the commonest first, joined by :data:`FORMAT_SEPARATOR`: a value is read with the first
  that parses it, and new values are written in the first (:func:`writing_format`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from simulacra._warnings import quiet

__all__ = [
    "DATETIME_FORMATS",
    "FORMAT_SEPARATOR",
    "INTEGER_DATE_FORMATS",
    "commonest_datetime_format",
    "datetime_timezone",
    "detect_datetime_format",
    "integer_date_format",
    "integer_text",
    "parse_datetimes",
    "parsing_format",
    "shared_parses",
    "strftime_unpadded",
    "writing_format",
]

# two-digit years first: "%Y" would read "8/6/20" as the year 20 (a four-digit year fails "%y")
_DATES = ("%Y-%m-%d", "%d/%m/%y", "%m/%d/%y", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%y", "%d.%m.%Y",
          "%Y/%m/%d", "%d-%m-%Y", "%m-%d-%Y")
_TIMES = ("%H:%M:%S", "%H:%M", "%H:%M:%S.%f", "%I:%M %p", "%I:%M:%S %p")
FORMAT_SEPARATOR = " | "
# formats that codes also fit ("2000-1", a first semester): dates only when written exactly so
_EXACT_ONLY = frozenset({"%Y-%m"})
# zones tried, in order, for a column whose offsets change (summer time): the first whose
# offsets match every value names the column's time zone
_COMMON_ZONES = (
    "Europe/London", "Europe/Berlin", "Europe/Helsinki", "America/New_York", "America/Chicago",
    "America/Denver", "America/Los_Angeles", "America/Anchorage", "America/Halifax",
    "America/Santiago", "Australia/Sydney", "Australia/Adelaide", "Pacific/Auckland",
    "Asia/Jerusalem", "America/Mexico_City", "America/Sao_Paulo",
)
_MAX_MIXED = 3
_MIN_MIXED_SHARE = 0.02  # each format of a mixed column reads at least this share of values


def _build_formats() -> tuple[str, ...]:
    iso = ["%Y-%m-%d"]
    for sep in ("T", " "):
        for time in ("%H:%M:%S", "%H:%M", "%H:%M:%S.%f"):
            iso.append(f"%Y-%m-%d{sep}{time}")
            iso.append(f"%Y-%m-%d{sep}{time}Z")
            iso.append(f"%Y-%m-%d{sep}{time}%z")
    local = [f"{date} {time}" for date in _DATES[1:] for time in _TIMES]
    named = ["%d-%b-%Y", "%d %b %Y", "%b %d, %Y", "%d %B %Y", "%B %d, %Y", "%d-%b-%y",
             "%d%b%Y", "%d%b%Y:%H:%M:%S"]  # SAS DATE9. and DATETIME. (01JAN2013), Stata %td
    other = ["%Y-%m", "%Y%m%dT%H%M%S", "%H:%M:%S", "%H:%M"]
    return (*iso, *_DATES[1:], *local, *named, *other)


DATETIME_FORMATS: tuple[str, ...] = _build_formats()
"""Candidate formats in order of preference (``%d/%m/%Y`` before ``%m/%d/%Y``)."""

_MAX_LENGTH = 40
_ANY_DIGIT = re.compile(r"\d")  # Python's digits include RE2's
_DIRECTIVE = re.compile(r"%([-:^~]?)([a-zA-Z%])")
_NAMES = frozenset("bBaA")  # month and day names, whose case a column may change
_PADDABLE = frozenset("dmHIMS")  # numbers of one or two digits, padded by strftime
# what each directive matches in a value, for finding how its fields were written
_FIELD_TEXT = {"Y": r"\d{4}", "y": r"\d{2}", "d": r"\d{1,2}", "m": r"\d{1,2}",
               "H": r"\d{1,2}", "I": r"\d{1,2}", "M": r"\d{1,2}", "S": r"\d{1,2}",
               "f": r"\d{1,9}", "b": r"[^\W\d_]+", "B": r"[^\W\d_]+", "a": r"[^\W\d_]+",
               "A": r"[^\W\d_]+", "p": r"[AaPp]\.?[Mm]\.?", "z": r"[+-]\d\d:?\d\d",
               "j": r"\d{1,3}", "%": "%"}


# integers that are dates: (format, lowest and highest value, dates needed without a name)
_INTEGER_DATES = (("%Y%m%d", 18000101, 21001231, 5), ("%Y%m", 180001, 210012, 12))
INTEGER_DATE_FORMATS = frozenset(fmt for fmt, *_ in _INTEGER_DATES)
"""Formats of dates written as whole numbers."""
_DATE_NAME_RE = re.compile(
    r"date|datum|fecha|yyyymm|ymd|(?:^|_)(?:dt|day|month|period|dob|when)(?:_|$)")
_NOT_DATE_NAME_RE = re.compile(r"(?:^|_)(?:id|ids|key|no|nr|num|number|code|account|acct)$")


def integer_date_format(name: str, values: np.ndarray) -> str | None:
    """``"%Y%m%d"`` or ``"%Y%m"`` when whole numbers are all dates written so, else None.

    Every value must be a real date (years 1800 to 2100, month 1 to 12, a day the month has),
    which random numbers of eight digits almost never are (about one in a thousand). Careful
    still: a name that calls the column an id or a number (``account_no``) keeps it a number;
    without a name that says date (``date``, ``month``, ``dob``), there must be several
    distinct values (5 days, 12 months) and they must not be a run of consecutive integers
    (row numbers or ids that happen to start at ``20210101``).

    Parameters
    ----------
    name
        The column name, in :func:`~simulacra.schema._pii.normalize_name` form.
    values
        The non-missing values, whole numbers.
    """
    if values.size == 0 or _NOT_DATE_NAME_RE.search(name):
        return None
    low, high = values.min(), values.max()  # most columns end here, before any sorting
    named = bool(_DATE_NAME_RE.search(name))
    for fmt, lowest, highest, needed in _INTEGER_DATES:
        if low < lowest or high > highest:
            continue
        distinct = np.unique(values)
        if not named and (len(distinct) < needed
                          or (len(distinct) > 2 and high - low + 1 == len(distinct))):
            return None
        text = pd.Series(distinct.astype(np.int64).astype(str))
        parsed = pd.to_datetime(text, format=fmt, errors="coerce")
        return fmt if bool(parsed.notna().all()) else None
    return None


def parsing_format(fmt: str) -> str:
    """``fmt`` as strptime reads it: ``%-m`` (unpadded) is ``%m``, which reads ``1`` and ``01``.

    ``%^b`` and ``%~b`` (names in capitals, in small letters) are ``%b``, which reads any case.
    """
    return _DIRECTIVE.sub(lambda m: f"%{m.group(2)}" if m.group(1) in ("-", "^", "~")
                          else m.group(0), fmt)


def parse_datetimes(values: pd.Series, fmt: str) -> pd.Series:
    """Parse strings with ``fmt``; values that do not parse become ``NaT``.

    Parameters
    ----------
    values
        Strings (nulls stay ``NaT``).
    fmt
        A ``strftime`` format. Formats with ``%z`` are parsed to UTC, because values with
        different offsets cannot share one pandas time zone.

    Returns
    -------
    pandas.Series
        ``datetime64`` values, timezone-aware (UTC) when ``fmt`` has ``%z``.
    """
    shared = _SHARED.get()
    arrow = _arrow_of(values) if shared is not None else None
    if arrow is None or shared is None:
        return _parse(values, fmt)
    key = (fmt, str(values.dtype), len(values), tuple(
        (chunk.offset, len(chunk), tuple(0 if b is None else b.address for b in chunk.buffers()))
        for chunk in arrow.chunks))
    if key not in shared:  # the Arrow array is kept: its buffers' addresses stay its own
        shared[key] = (arrow, _parse(values, fmt))
    parsed = shared[key][1]
    return pd.Series(parsed.array.copy(), index=values.index, name=values.name)


_SHARED: ContextVar[dict[tuple[Any, ...], tuple[Any, pd.Series]] | None] = ContextVar(
    "simulacra_shared_parses", default=None)


@contextmanager
def shared_parses() -> Iterator[None]:
    """Within the block, the strings of a column are parsed once per format.

    A fit parses a datetime column several times: the data check (twice from the command
    line), the codec's fit and its encoding, the rules. Mostly distinct values (a timestamp
    to the second) gain nothing from parsing each distinct value once, so within the block
    :func:`parse_datetimes` keeps what it parsed, keyed by the values' Arrow buffers. Those
    cannot change (Arrow's memory is immutable, and the values are kept while the block
    lasts), so a hit is the same text: the result is the same. Other values (NumPy object
    columns, numbers) are parsed each time. Nested blocks share the outer one's; the parses
    are dropped when the outermost ends. Threads other than the caller's parse as usual.
    """
    if _SHARED.get() is not None:
        yield
        return
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def _arrow_of(values: pd.Series) -> pa.ChunkedArray | None:
    """The Arrow array holding ``values`` (pandas' ``str`` columns), else None."""
    array = values.array
    if not isinstance(array, pd.api.extensions.ExtensionArray) or not hasattr(
            array, "__arrow_array__"):
        return None
    try:
        arrow = array.__arrow_array__()
    except (TypeError, ValueError, pa.ArrowException):
        return None
    return arrow if isinstance(arrow, pa.ChunkedArray) else None


def _parse(values: pd.Series, fmt: str) -> pd.Series:
    """:func:`parse_datetimes` itself."""
    fmt = parsing_format(fmt).replace("%:z", "%z")  # pandas reads +02:00 and +0200 alike
    values = _numbers_as_digits(values)  # 19750103: a date written as a number
    # Each distinct value is parsed once (pandas' own cache looks only at the first rows):
    # a column of hourly stamps repeats each value many times, and a fit parses it often.
    codes, distinct = pd.factorize(values)
    if 0 < len(distinct) <= len(values) // _REPEATS:
        parsed = _parse_with(pd.Series(distinct, dtype=values.dtype), fmt)
        return pd.Series(parsed.array.take(codes, allow_fill=True), index=values.index,
                         name=values.name)
    return _parse_with(values, fmt)


#: Values are parsed as distinct ones when each repeats this often on average.
_REPEATS = 2


def _parse_with(values: pd.Series, fmt: str) -> pd.Series:
    """``values`` parsed with ``fmt`` (a parsing format, maybe several: see FORMAT_SEPARATOR)."""
    if FORMAT_SEPARATOR not in fmt:
        return pd.to_datetime(values, format=fmt, errors="coerce", utc="%z" in fmt)
    parsed: pd.Series | None = None
    for one in fmt.split(FORMAT_SEPARATOR):
        found = pd.to_datetime(values, format=one, errors="coerce")
        parsed = found if parsed is None else parsed.fillna(found)
    assert parsed is not None
    return parsed


_PERCENT_OR_FLAGGED = re.compile(r"%(%|[-^~][a-zA-Z])")
OWN_FLAGS = re.compile(r"%[-^~]")
_YEAR = re.compile(r"%(%|Y)")


def strftime_unpadded(moment: dt.datetime, fmt: str) -> str:
    """``moment.strftime(fmt)``, with the flags of the module docstring done here.

    ``%-d`` (and so on) is the field without a leading zero, ``%^b`` in capitals, ``%~b`` in
    small letters.
    """
    if moment.year < 1000 and "%Y" in fmt:  # glibc writes year 626 as "626": read as "0626"
        fmt = _YEAR.sub(lambda m: "%%" if m.group(1) == "%" else f"{moment.year:04d}", fmt)
    if not OWN_FLAGS.search(fmt):
        return moment.strftime(fmt)

    def field(m: re.Match[str]) -> str:
        if m.group(1) == "%":
            return "%%"
        flag, code = m.group(1)[0], m.group(1)[1]
        text = moment.strftime(f"%{code}")
        if flag == "^":
            return text.upper().replace("%", "%%")
        if flag == "~":
            return text.lower().replace("%", "%%")
        return text.lstrip("0") or "0"

    return moment.strftime(_PERCENT_OR_FLAGGED.sub(field, fmt))



def writing_format(fmt: str) -> str:
    """The format new values are written in: the first of a mixed column's formats."""
    return fmt.split(FORMAT_SEPARATOR)[0]


def detect_datetime_format(values: pd.Series, sample: pd.Series) -> str | None:
    """Find the first format of :data:`DATETIME_FORMATS` that parses every value.

    Parameters
    ----------
    values
        All non-null strings of the column.
    sample
        A few thousand of them, tried first so that most columns are rejected cheaply.

    Returns
    -------
    str or None
        Among the formats that parse every value, the first whose output reproduces the
        sample exactly, else the first that parses; None when no format parses them all.
    """
    if sample.empty or not _could_be_datetime(sample):
        return None
    first = str(sample.iloc[0])
    candidates = [f for f in DATETIME_FORMATS if _strptime_ok(first, f)]
    passing = [f for f in candidates if _parses_all(sample, f)
               and (f not in _EXACT_ONLY or _round_trips(sample, f))]
    if not passing:
        mixed = _mixed_formats(sample)
        if mixed is None or not _parses_all(values.drop_duplicates(), mixed):
            return None
        return _with_case_seen(_with_padding_seen(mixed, sample), sample)
    passing.sort(key=lambda f: not _round_trips(sample, f))
    if len(values) > len(sample):
        distinct = values.drop_duplicates()
        passing = [f for f in passing if _parses_all(distinct, f)][:1]
    if not passing:
        return None
    found = passing[0]
    if "%z" in found and sample.str.contains(r"[+-]\d\d:\d\d$").all():
        found = found.replace("%z", "%:z")  # offsets written +02:00 stay so
    return _with_case_seen(_with_padding_seen(found, sample), sample)


def _with_case_seen(fmt: str, sample: pd.Series) -> str:
    """``fmt`` with ``%^b`` or ``%~b`` for names most values write in capitals or small letters.

    Formats with names have no other letters, so a value's letters are its names'.
    """
    if not any(m.group(2) in _NAMES and not m.group(1) for m in _DIRECTIVE.finditer(fmt)):
        return fmt
    letters = sample.astype(str).str.replace(r"[\W\d_]+", "", regex=True)
    letters = letters[letters.str.len() > 1]  # one letter has no case to tell
    if letters.empty:
        return fmt
    if letters.str.isupper().mean() > 0.5:
        flag = "^"
    elif letters.str.islower().mean() > 0.5:
        flag = "~"
    else:
        return fmt
    return _DIRECTIVE.sub(lambda m: f"%{flag}{m.group(2)}"
                          if m.group(2) in _NAMES and not m.group(1) else m.group(0), fmt)


def _with_padding_seen(fmt: str, sample: pd.Series) -> str:
    """``fmt`` with ``%-m`` (and so on) for the fields most values write without padding."""
    return FORMAT_SEPARATOR.join(_padding_of_one(one, sample)
                                 for one in fmt.split(FORMAT_SEPARATOR))


def _padding_of_one(fmt: str, sample: pd.Series) -> str:
    pattern: list[str] = []
    pos = 0
    fields: list[tuple[re.Match[str], str]] = []
    for i, m in enumerate(_DIRECTIVE.finditer(fmt)):
        text = _FIELD_TEXT.get(m.group(2))
        if text is None or m.group(1) == "-":
            return fmt  # a directive whose text we cannot delimit: leave the format alone
        pattern.append(re.escape(fmt[pos : m.start()]))
        pos = m.end()
        if m.group(2) in _PADDABLE:
            fields.append((m, f"f{i}"))
            pattern.append(f"(?P<f{i}>{text})")
        else:
            pattern.append(f"(?:{text})")
    pattern.append(re.escape(fmt[pos:]))
    if not fields:
        return fmt
    shown = sample.str.extract("^" + "".join(pattern) + "$").dropna()
    unpadded = {name for _, name in fields
                if (shown[name].str.len() == 1).sum() > shown[name].str.match(r"0\d").sum()}
    out, pos = [], 0
    for m, name in fields:
        out.append(fmt[pos : m.start()])
        out.append(f"%-{m.group(2)}" if name in unpadded else m.group(0))
        pos = m.end()
    return "".join(out) + fmt[pos:]


def _numbers_as_digits(values: pd.Series) -> pd.Series:
    """Numbers (also in an object column) as their digits; text and the rest as they are."""
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return values
    if pd.api.types.is_numeric_dtype(dtype):
        return integer_text(values)
    if pd.api.types.is_object_dtype(dtype):
        present = values.dropna()
        if (not present.empty and not isinstance(present.iloc[0], str)
                and pd.api.types.infer_dtype(present, skipna=True) in (
                    "integer", "floating", "mixed-integer-float")):
            return integer_text(pd.to_numeric(values))
    return values


def integer_text(values: pd.Series) -> pd.Series:
    """Whole numbers as their digits (``19750103``, not ``19750103.0``); others become None."""
    present = values.notna().to_numpy()
    out = np.full(len(values), None, dtype=object)
    kept = values[present]
    if pd.api.types.is_integer_dtype(kept.dtype):
        out[present] = kept.to_numpy(dtype=np.int64).astype(str)
    else:
        numbers = kept.to_numpy(dtype=np.float64)
        whole = np.isfinite(numbers) & (numbers == np.rint(numbers)) & (np.abs(numbers) < 2**62)
        digits = np.rint(np.where(whole, numbers, 0.0)).astype(np.int64).astype(str)
        text = digits.astype(object)
        text[~whole] = None
        out[present] = text
    return pd.Series(out, index=values.index, dtype=object)


def commonest_datetime_format(sample: pd.Series) -> tuple[str, float] | None:
    """The format of :data:`DATETIME_FORMATS` that reads most of ``sample``, and that share.

    Candidates are the formats reading one of the first 20 distinct values; None when none
    does (or the values do not look like dates at all).
    """
    text = sample.astype(str)
    if text.empty:
        return None
    # np.median, not Series.median: pandas wraps that in warnings.catch_warnings, which races
    # with other threads' blocks before Python 3.14 (see simulacra._warnings)
    length = float(np.median(text.str.len().to_numpy(dtype=np.float64)))
    if length < 4 or length > _MAX_LENGTH:
        return None
    if text.str.contains(r"\d", regex=True).mean() < 0.5:
        return None
    candidates = _candidate_formats(text, 20)
    if not candidates:
        return None
    shares = {f: float(parse_datetimes(text, f).notna().mean()) for f in candidates}
    best = max(candidates, key=lambda f: shares[f])
    return best, shares[best]


def _candidate_formats(sample: pd.Series, heads: int) -> list[str]:
    """The formats that read one of the first ``heads`` distinct values (strptime, cheap)."""
    first = sample.drop_duplicates().iloc[:heads].astype(str).tolist()
    return [f for f in DATETIME_FORMATS if any(_strptime_ok(v, f) for v in first)]


def _mixed_formats(sample: pd.Series) -> str | None:
    """Up to :data:`_MAX_MIXED` formats without offsets that together read every value."""
    naive = [f for f in _candidate_formats(sample, 50) if "%z" not in f and not f.endswith("Z")]
    if len(naive) < 2:
        return None
    reads = {f: parse_datetimes(sample, f).notna().to_numpy() for f in naive}
    left = np.ones(len(sample), dtype=bool)
    chosen: list[str] = []
    while left.any() and len(chosen) < _MAX_MIXED:
        best = max(naive, key=lambda f: int((reads[f] & left).sum()))
        gained = reads[best] & left
        if gained.sum() < _MIN_MIXED_SHARE * len(sample):
            return None
        chosen.append(best)
        left &= ~gained
    return FORMAT_SEPARATOR.join(chosen) if not left.any() and len(chosen) > 1 else None


def datetime_timezone(values: pd.Series, fmt: str) -> str | None:
    """Return the time zone of strings written with ``fmt`` (see the module conventions)."""
    if fmt.endswith("Z"):
        return "UTC"
    if "%z" not in fmt and "%:z" not in fmt:
        return None
    parsed = to_datetime_of_one_zone(values, format=parsing_format(fmt).replace("%:z", "%z"),
                                     errors="coerce")
    if parsed is None:  # mixed offsets, such as summer and winter time
        return _zone_of_offsets(values, fmt) or "UTC"
    tz = getattr(parsed.dt, "tz", None)
    return "UTC" if tz is None else str(tz)


def to_datetime_of_one_zone(values: pd.Series, **kwargs: Any) -> pd.Series | None:
    """``pd.to_datetime(values, **kwargs)``, or None where the values mix time zones.

    pandas 3 raises on mixed offsets; pandas 2 warns (FutureWarning) and returns objects.
    """
    with quiet(FutureWarning,
               "In a future version of pandas, parsing datetimes with mixed time zones"):
        try:
            parsed = pd.to_datetime(values, **kwargs)
        except ValueError:
            return None
    return parsed if pd.api.types.is_datetime64_any_dtype(parsed.dtype) else None


def _zone_of_offsets(values: pd.Series, fmt: str) -> str | None:
    """A time zone whose offset at each value's instant is the offset the value shows."""
    text = values.astype(str)
    shown = text.str.extract(r"([+-])(\d\d):?(\d\d)$")
    if shown.isna().any().any():
        return None
    sign = np.where(shown[0] == "-", -1, 1)
    minutes: np.ndarray = (shown[1].astype(int) * 60 + shown[2].astype(int)).to_numpy() * sign
    instants = parse_datetimes(text, fmt)
    for zone in _COMMON_ZONES:
        local = instants.dt.tz_convert(zone)
        offset = (local.dt.tz_localize(None) - instants.dt.tz_localize(None)).dt.total_seconds()
        if np.array_equal(offset.to_numpy() // 60, minutes):
            return zone
    return None


def _could_be_datetime(sample: pd.Series) -> bool:
    first = str(sample.iloc[0])  # most columns are settled by their first value
    if not 4 <= len(first) <= _MAX_LENGTH or not _ANY_DIGIT.search(first):
        return False
    lengths = sample.str.len()
    if lengths.max() > _MAX_LENGTH or lengths.min() < 4:
        return False
    return bool(sample.str.contains(r"\d", regex=True).all())


def _strptime_ok(text: str, fmt: str) -> bool:
    """Tell whether ``text`` parses with Python's strptime (a cheap pre-filter)."""
    # strptime compiles a pattern per format on first use (0.6 ms each, 85 formats): a
    # format whose separators the text lacks is refused without it
    separators, spaced = _literals(fmt)
    if separators and any(text.count(ch) < k for ch, k in separators):
        return False
    if spaced and not any(ch.isspace() for ch in text):
        return False
    try:
        dt.datetime.strptime(text, fmt)
    except ValueError:
        return False
    return True


@cache
def _literals(fmt: str) -> tuple[tuple[tuple[str, int], ...], bool]:
    """The separators ``fmt`` writes literally (each with its count), and whether a space.

    Every literal must appear in a value that parses: a necessary condition, cheap to test.
    """
    literal = _DIRECTIVE.sub("", fmt)
    counts = {ch: literal.count(ch) for ch in set(literal)
              if not ch.isalnum() and not ch.isspace()}
    return tuple(sorted(counts.items())), any(ch.isspace() for ch in literal)


def _parses_all(values: pd.Series, fmt: str) -> bool:
    try:
        parsed = parse_datetimes(values, fmt)
    except (ValueError, OverflowError):
        return False
    return not bool(parsed.isna().any())


def _round_trips(sample: pd.Series, fmt: str) -> bool:
    if "%z" in fmt or FORMAT_SEPARATOR in fmt:
        return False
    written = parse_datetimes(sample, fmt).dt.strftime(fmt)
    return bool((written == sample).all())


def stamps_to_seconds(stamps: pd.Series) -> np.ndarray:
    """Seconds since 1970 (UTC for aware values) of a datetime64 series; NaT becomes NaN."""
    if getattr(stamps.dt, "tz", None) is not None:  # DatetimeTZDtype or a pyarrow timestamp
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    stamps = stamps.astype("datetime64[ns]")
    ticks = stamps.to_numpy().view(np.int64).astype(np.float64) / 1e9
    return np.where(stamps.isna().to_numpy(), np.nan, ticks)
