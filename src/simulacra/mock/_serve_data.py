"""Data access for the mock REST server: pages, equality filters, bounded caches and JSON.

Nothing here imports the web framework, so it can be tested and reused without the ``serve``
extra. Three caches, each bounded, keep typical requests cheap:

- *tables*: a table of at most ``cache_rows`` rows is materialized (once, through
  ``iter_chunks``) the first time a filter names it; materialized tables share a budget of
  ``cache_rows`` rows and the least recently used one is dropped first. A larger table is
  scanned chunk by chunk for every new filter.
- *matches*: the row positions that match a filter, so paging through one filtered result
  scans once (at most ``MATCH_CACHE_POSITIONS`` positions in all).
- *pages*: the encoded JSON of recent responses (at most ``PAGE_CACHE_BYTES`` bytes).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, Protocol, TypeVar

import numpy as np
import pandas as pd

from simulacra.schema import Column, Kind, Table

MATCH_CACHE_POSITIONS = 5_000_000
PAGE_CACHE_BYTES = 64 * 2**20
_TIME_OF_DAY = re.compile(r"%[-#]?[HIMSfpXcTRrk]")
_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_ISO_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]{1,9})?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?"
)
# "2024-03-30T01:33:07+01:00" sent with a raw "+" arrives as "2024-03-30T01:33:07 01:00".
_MANGLED_PLUS = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]{1,9})?)?) "
    r"([0-9]{2}:?[0-9]{2})"
)

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TableSource(Protocol):
    """What the server needs from a data engine (``simulacra.mock.MockData`` provides it).

    ``rows(table, start, stop)`` must return the same rows for the same range on every call,
    with the index ``start .. stop - 1``, and agree with what ``iter_chunks`` yields for
    those positions.
    """

    @property
    def tables(self) -> list[str]:
        """Table names, parents first."""
        ...

    def n_rows(self, table: str) -> int:
        """How many rows ``table`` has."""
        ...

    def table_schema(self, table: str) -> Table:
        """The columns of ``table`` with their kinds and pandas dtypes."""
        ...

    def rows(self, table: str, start: int, stop: int) -> pd.DataFrame:
        """Rows ``start`` to ``stop - 1`` of ``table``."""
        ...

    def iter_chunks(self, table: str, chunk_rows: int | None = None) -> Iterator[pd.DataFrame]:
        """Every row of ``table``, in order, a chunk at a time."""
        ...


class ApiError(Exception):
    """A request the server refuses: HTTP status, message, and the parameter at fault."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field

    def body(self) -> dict[str, Any]:
        """The JSON body every error response has."""
        return {"error": {"status": self.status, "message": self.message, "field": self.field}}


class LRU(Generic[K, V]):
    """A thread-safe least-recently-used map bounded by a total ``size`` of its values."""

    def __init__(self, budget: int, size: Callable[[V], int]) -> None:
        self._budget = budget
        self._size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._used = 0
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        cost = self._size(value)
        if cost > self._budget:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._used -= self._size(old)
            self._items[key] = value
            self._used += cost
            while self._used > self._budget:
                _, dropped = self._items.popitem(last=False)
                self._used -= self._size(dropped)


Filters = tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class Page:
    """One page of a table: the rows as encoded JSON text, and how many rows match in all."""

    rows_json: str
    total: int


class Pager:
    """Pages and single rows of every table of a source, filtered by column equality."""

    def __init__(self, source: TableSource, *, cache_rows: int) -> None:
        self.source = source
        self.schemas = {name: source.table_schema(name) for name in source.tables}
        self._tables: LRU[str, pd.DataFrame] = LRU(cache_rows, len)
        self._cache_rows = cache_rows
        self._matches: LRU[tuple[str, Filters], np.ndarray] = LRU(MATCH_CACHE_POSITIONS, len)
        self._locks = {name: threading.Lock() for name in self.schemas}
        # A source need not be thread-safe (MockData keeps a small cache of blocks).
        self._source_lock = threading.RLock()
        self._dates = {name: frozenset(c.name for c in table.columns if is_date_only(c))
                       for name, table in self.schemas.items()}

    def check_filters(self, table: str, filters: Filters) -> None:
        """Refuse a filter on a column the table does not have (400)."""
        columns = self.schemas[table].column_names
        for name, _ in filters:
            if name not in columns:
                raise ApiError(
                    400,
                    f"Unknown query parameter {name!r} for table {table!r}: it is neither "
                    f"'limit', 'offset' nor a column. Columns: {', '.join(columns)}.",
                    name,
                )

    def page(self, table: str, offset: int, limit: int, filters: Filters) -> Page:
        """Rows ``offset`` to ``offset + limit - 1`` of those matching every filter."""
        if not filters:
            total = self.source.n_rows(table)
            start, stop = min(offset, total), min(offset + limit, total)
            return Page(self._encode(table, self._slice(table, start, stop)), total)
        positions = self._match(table, filters)
        chosen = positions[offset : offset + limit]
        return Page(self._encode(table, self._take(table, chosen)), len(positions))

    def row(self, table: str, index: int) -> str:
        """Row ``index`` (0-based position) as encoded JSON text."""
        total = self.source.n_rows(table)
        if index >= total:
            raise ApiError(
                404, f"Table {table!r} has {total} rows (0 to {total - 1}); got row {index}.",
                "row",
            )
        encoded = self._encode(table, self._slice(table, index, index + 1))
        return encoded[1:-1]

    def _encode(self, table: str, frame: pd.DataFrame) -> str:
        return encode_rows(frame, dates=self._dates[table])

    # -- data access ----------------------------------------------------------------------

    def _slice(self, table: str, start: int, stop: int) -> pd.DataFrame:
        cached = self._tables.get(table)
        if cached is not None:
            return cached.iloc[start:stop]
        with self._source_lock:
            return self.source.rows(table, start, stop)

    def _take(self, table: str, positions: np.ndarray) -> pd.DataFrame:
        cached = self._tables.get(table)
        if cached is not None:
            return cached.iloc[positions]
        if len(positions) == 0:
            return self._slice(table, 0, 0)
        # Fetch each run of nearby positions with one call to the source.
        breaks = np.flatnonzero(np.diff(positions) > 100) + 1
        parts = []
        for run in np.split(positions, breaks):
            start = int(run[0])
            block = self._slice(table, start, int(run[-1]) + 1)
            parts.append(block.iloc[run - start])
        return pd.concat(parts)

    def _materialized(self, table: str) -> pd.DataFrame | None:
        if self.source.n_rows(table) > self._cache_rows:
            return None
        with self._locks[table]:
            cached = self._tables.get(table)
            if cached is None:
                with self._source_lock:
                    chunks = list(self.source.iter_chunks(table))
                cached = pd.concat(chunks, ignore_index=True) if chunks else self._slice(
                    table, 0, 0)
                self._tables.put(table, cached)
            return cached

    def _match(self, table: str, filters: Filters) -> np.ndarray:
        key = (table, filters)
        positions = self._matches.get(key)
        if positions is not None:
            return positions
        full = self._materialized(table)
        if full is not None:
            positions = np.flatnonzero(_mask(full, filters))
        else:
            found, seen = [], 0
            with self._source_lock:
                for chunk in self.source.iter_chunks(table):
                    found.append(np.flatnonzero(_mask(chunk, filters)) + seen)
                    seen += len(chunk)
            positions = np.concatenate(found) if found else np.zeros(0, dtype=np.int64)
        self._matches.put(key, positions)
        return positions


# -- filters -------------------------------------------------------------------------------


def _mask(frame: pd.DataFrame, filters: Filters) -> np.ndarray:
    mask = np.ones(len(frame), dtype=bool)
    for name, values in filters:
        mask &= column_matches(frame[name], values)
    return mask


def column_matches(series: pd.Series, values: tuple[str, ...]) -> np.ndarray:
    """Where ``series`` equals any of ``values`` (query text, parsed by the column's dtype).

    Raises
    ------
    ApiError
        (400) when a value cannot be read as the column's type.
    """
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        dtype = dtype.categories.dtype
    if pd.api.types.is_float_dtype(dtype):
        numbers = np.asarray(series, dtype="float64")
        targets = [_parse_number(series.name, v) for v in values]
        # JSON shows 15 significant digits: a value copied from a response must match.
        hits = np.zeros(len(numbers), dtype=bool)
        for target in targets:
            hits |= np.isclose(numbers, target, rtol=1e-14, atol=0.0)
        return hits
    if pd.api.types.is_bool_dtype(dtype):
        parsed: list[Any] = [_parse_bool(series.name, v) for v in values]
    elif pd.api.types.is_integer_dtype(dtype):
        parsed = [_parse_integer(series.name, v) for v in values]
    elif isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype):
        tz = getattr(dtype, "tz", None)
        parsed = [t for v in values for t in _parse_time(series.name, v, tz)]
    elif pd.api.types.is_object_dtype(dtype):
        return np.asarray(series.map(_as_text).isin(values), dtype=bool)
    else:
        parsed = list(values)
    return np.asarray(series.isin(parsed), dtype=bool)


def _refuse(column: object, text: str, what: str, hint: str = "") -> ApiError:
    return ApiError(
        400, f"Filter {column!r} needs {what} (the column's type); got {text!r}.{hint}",
        str(column),
    )


def _parse_number(column: object, text: str) -> float:
    """A finite number written in decimal (``12``, ``-0.5``, ``1e3``), nothing else."""
    if not _NUMBER.fullmatch(text.strip()):
        raise _refuse(column, text, "a number")
    return float(text.strip())


def _parse_integer(column: object, text: str) -> int:
    """An integer: ``40``, or a number equal to one (``40.0``, ``4e1``); not ``1_0``."""
    stripped = text.strip()
    if not _NUMBER.fullmatch(stripped):
        raise _refuse(column, text, "an integer")
    number = Decimal(stripped)
    if number != number.to_integral_value():
        raise _refuse(column, text, "an integer")
    return int(number)


def _parse_bool(column: object, text: str) -> bool:
    low = text.strip().lower()
    if low in _TRUE or low in _FALSE:
        return low in _TRUE
    raise ApiError(
        400, f"Filter {column!r} needs true or false (the column is boolean); got {text!r}.",
        str(column),
    )


def _parse_time(column: object, text: str, tz: Any) -> list[pd.Timestamp]:
    """The instants a date or time filter names: one, or two for a local time in a DST overlap.

    Only ISO 8601 is read (``2024-05-31``, ``2024-05-31T04:17:56``, with fractions of a
    second and an offset ``+02:00`` or ``Z``), so a ``+`` sent unencoded, which reaches the
    server as a space, is refused instead of read as another time.
    """
    stripped = text.strip()
    if _MANGLED_PLUS.fullmatch(stripped):
        encoded = _MANGLED_PLUS.sub(r"\1%2B\2", stripped)
        raise _refuse(
            column, text, "an ISO 8601 date or time",
            f" The offset seems to have lost its '+': in a URL a '+' reads as a space, so "
            f"send it as %2B: {encoded}.",
        )
    if not _ISO_TIME.fullmatch(stripped):
        raise _refuse(column, text, "an ISO 8601 date or time",
                      " Write it as 2024-05-31 or 2024-05-31T04:17:56.")
    try:
        value = pd.Timestamp(stripped)
    except (ValueError, OverflowError):
        raise _refuse(column, text, "an ISO 8601 date or time") from None
    if tz is None and value.tzinfo is not None:
        raise ApiError(
            400, f"Filter {column!r}: the column has no time zone, so give a time without "
            f"an offset; got {text!r}.", str(column),
        )
    if tz is None:
        return [value]
    if value.tzinfo is not None:
        return [value.tz_convert(tz)]
    # A local time without an offset: none (clocks jump forward) or two (clocks go back).
    both = {value.tz_localize(tz, ambiguous=first, nonexistent="NaT") for first in (True, False)}
    found = [t for t in both if not pd.isna(t)]
    if not found:
        raise ApiError(
            400, f"Filter {column!r}: {stripped} does not exist in {tz} (the clocks skip it "
            f"when daylight saving time starts), so no row can have it. Give a time with "
            f"its offset as the JSON shows it (a '+' sent as %2B).", str(column),
        )
    return sorted(found)


def _as_text(value: object) -> object:
    """How a value of an object column reads in JSON, so a filter can match what it shows."""
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, str | bool | int | float | Decimal | np.generic):
        return str(value.item() if isinstance(value, np.generic) else value)
    return value


# -- JSON ----------------------------------------------------------------------------------


def is_date_only(column: Column) -> bool:
    """True for a datetime column whose format shows a date and no time of day."""
    fmt = column.datetime_format
    return column.kind is Kind.DATETIME and fmt is not None and not _TIME_OF_DAY.search(fmt)


def encode_rows(frame: pd.DataFrame, dates: Collection[str] = ()) -> str:
    """The rows of ``frame`` as a JSON array of objects.

    Dates and times read as ISO 8601 (a time zone keeps its offset; the columns named in
    ``dates`` as a date alone), missing values and non-finite numbers as null, numpy scalars
    as plain numbers (floats in their shortest exact form).
    """
    names = [str(name) for name in frame.columns]
    columns = [_json_column(series, name in dates) for name, series in frame.items()]
    records = [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]
    if not columns:
        records = [{} for _ in range(len(frame))]
    return json.dumps(records, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _json_column(series: pd.Series, date_only: bool = False) -> list[Any]:
    """The values of one column as JSON-ready Python objects."""
    dtype = series.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        return _iso_aware(series)
    if pd.api.types.is_datetime64_dtype(dtype):
        return _iso_naive(series.to_numpy(), date_only)
    if isinstance(dtype, pd.CategoricalDtype):
        labels = _json_column(pd.Series(dtype.categories))
        return [None if code < 0 else labels[code] for code in series.cat.codes.tolist()]
    if pd.api.types.is_float_dtype(dtype):
        numbers = series.to_numpy(dtype="float64", na_value=np.nan)
        if getattr(dtype, "itemsize", 8) < 8:  # float32: its shortest text, not float64's
            numbers = series.to_numpy(dtype=str).astype("float64")
        values: list[Any] = numbers.tolist()
        for i in np.flatnonzero(~np.isfinite(numbers)):
            values[i] = None
        return values
    values = list(series.to_numpy(dtype=object))
    for i in np.flatnonzero(series.isna().to_numpy()):
        values[i] = None
    if pd.api.types.is_object_dtype(dtype):
        return [_json_scalar(v) for v in values]
    return values


def _iso_aware(series: pd.Series) -> list[str | None]:
    """ISO 8601 text of times with a zone: the local time and its offset (``+02:00``)."""
    local = series.dt.tz_localize(None).to_numpy()
    utc = series.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
    minutes = np.nan_to_num((local - utc) / np.timedelta64(1, "m")).astype(np.int64)
    offsets, which = np.unique(minutes, return_inverse=True)
    suffix = [f"{'-' if m < 0 else '+'}{abs(m) // 60:02d}:{abs(m) % 60:02d}" for m in offsets]
    text = _iso_naive(local)
    return [None if t is None else t + suffix[k] for t, k in zip(text, which, strict=True)]


def _iso_naive(values: np.ndarray, date_only: bool = False) -> list[str | None]:
    """ISO 8601 text of each value at the coarsest unit (s, ms, us, ns) that shows it exactly.

    The unit is chosen value by value, so a row reads the same in every page.
    """
    missing = np.isnat(values)
    if date_only:
        return _as_text_list(np.datetime_as_string(values, unit="D"), missing)
    base = np.datetime_data(values.dtype)[0]
    per_second = {"ms": 10**3, "us": 10**6, "ns": 10**9}.get(base, 1)
    ticks = values.view(np.int64)
    units = np.full(len(values), base if base in ("ms", "us", "ns") else "s", dtype=object)
    for name, step in (("us", per_second // 10**6), ("ms", per_second // 1000),
                       ("s", per_second)):
        if step >= 1:
            units[ticks % step == 0] = name
    text = np.empty(len(values), dtype=object)
    for unit in set(units.tolist()):
        chosen = units == unit
        text[chosen] = np.datetime_as_string(values[chosen], unit=unit)
    return _as_text_list(text, missing)


def _as_text_list(text: np.ndarray, missing: np.ndarray) -> list[str | None]:
    return [None if m else str(t) for m, t in zip(missing, text, strict=True)]


def _json_scalar(value: object) -> object:
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, np.generic):
        return value.item()
    return value
