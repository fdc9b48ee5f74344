"""The datetime codec: timestamps as a count of steps since the column's earliest value.

The step is the largest that is exact for the data: a multiple of a day when every value is
at midnight (local midnight for time-zone-aware columns, counted on the wall clock so that
daylight saving changes cannot shift a date), else the largest grid every value falls on
(5 minutes, a second, a nanosecond), counted in UTC for aware columns. Dates that are all the
first (or all the last) of their month count months instead, so monthly, quarterly and yearly
series stay on their calendar. A step is taken from the common divisor of the values' gaps
only when at least ``GRID_VALUES`` distinct values support it; fewer values keep the largest
round step that divides it (a day or week; 1, 5, 10, 15 or 30 seconds or minutes, an hour, a
power of ten of a second; a month, quarter, half year or year), as two or three random gaps
often share a divisor (three dates 282 and 376 days apart made a 94-day grid). Counts are
whole numbers, so float64 holds them exactly (below 2**53 steps). Columns of date strings are
parsed with the schema's ``datetime_format`` and written back with it
(:mod:`simulacra.data._datetime_format`), so they keep their exact style.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from dataclasses import dataclass
from typing import Any, Self

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from simulacra.data._codec_base import ColumnCodec, missing_of, with_indicator
from simulacra.data._datetime_format import TICKS_PER_SECOND, format_datetimes
from simulacra.data._dtypes import (
    ArrayLike,
    marker_value,
    missing_marker,
    python_type,
    resolve_dtype,
    strings_to_dtype,
)
from simulacra.data._frame import EncodedColumn
from simulacra.errors import DataValidationError, FitWarning, Issue, SchemaError
from simulacra.schema._datetimes import (
    FORMAT_SEPARATOR,
    INTEGER_DATE_FORMATS,
    parse_datetimes,
    writing_format,
)
from simulacra.schema._model import Column, Kind, localizes


@dataclass(frozen=True)
class _Ticks:
    """A datetime column as integer ticks since 1970."""

    wall: np.ndarray  # local clock time
    utc: np.ndarray | None  # the same instants in UTC, for aware columns
    missing: np.ndarray
    unit: str
    tz: str | None


def _ints(stamps: pd.Series) -> np.ndarray:
    out: np.ndarray = stamps.to_numpy().view(np.int64)
    return out


def _numpy_backed(stamps: pd.Series) -> pd.Series:
    """Timestamps held by pyarrow as the same timestamps held by numpy."""
    dtype = stamps.dtype
    if not isinstance(dtype, pd.ArrowDtype):
        return stamps
    arrow = dtype.pyarrow_dtype
    tz = getattr(arrow, "tz", None)
    unit: Any = str(getattr(arrow, "unit", "us"))
    numpy_backed = pd.DatetimeTZDtype(unit, tz) if tz else np.dtype(f"datetime64[{unit}]")
    return stamps.astype(numpy_backed)


def _from_stamps(stamps: pd.Series, missing: np.ndarray, tz_hint: str | None) -> _Ticks:
    stamps = _numpy_backed(stamps)
    dtype = stamps.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        unit = str(dtype.unit)
    else:
        unit = np.datetime_data(str(dtype))[0]
    tz = getattr(dtype, "tz", None)
    if tz is None:
        return _Ticks(_ints(stamps), None, missing, unit, None)
    shown = stamps.dt.tz_convert(tz_hint) if tz_hint else stamps
    utc = _ints(stamps.dt.tz_convert("UTC").dt.tz_localize(None))
    return _Ticks(_ints(shown.dt.tz_localize(None)), utc, missing,
                  unit, str(tz_hint or tz))


def to_ticks(series: pd.Series, column: Column) -> _Ticks:
    """Parse a datetime column of any form (datetime64, strings with a format, objects)."""
    missing = series.isna().to_numpy()
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return _from_stamps(_localized(series, column), missing, None)
    fmt = column.datetime_format
    try:
        stamps = (parse_datetimes(series, fmt) if fmt
                  else pd.to_datetime(series, errors="coerce"))
    except (ValueError, TypeError) as exc:
        raise _bad(column, series, missing, f"they cannot be read as datetimes ({exc})") from None
    unread = stamps.isna().to_numpy() & ~missing
    if unread.any():
        got = f"format {fmt!r}" if fmt else "any datetime format"
        raise _bad(column, series, unread, f"some values do not match {got}")
    hint = column.timezone if fmt and ("%z" in fmt or "%:z" in fmt) else None
    return _from_stamps(_localized(stamps, column), missing, hint)


def _localized(stamps: pd.Series, column: Column) -> pd.Series:
    """Naive values as local times in the column's ``timezone`` (unchanged without one).

    Not for dates written with an offset (converted to the zone instead) or a literal ``Z``
    (UTC). A local time the zone skips (02:30 when summer time starts) is an error naming
    the rows; one it repeats (02:30 when it ends) is taken in standard time, as on output.
    """
    fmt = column.datetime_format
    if (column.timezone is None or getattr(stamps.dt, "tz", None) is not None
            or (fmt is not None and not localizes(column))):
        return stamps
    stamps = _numpy_backed(stamps)
    try:
        local = stamps.dt.tz_localize(column.timezone, nonexistent="NaT",
                                      ambiguous=np.zeros(len(stamps), dtype=bool))
    except (ValueError, KeyError, OSError) as exc:  # an unknown zone: ZoneInfoNotFoundError
        raise SchemaError(
            f"Column {column.name!r}: 'timezone' {column.timezone!r} is not a time zone "
            f"({exc}). Use an IANA name such as 'Europe/Berlin', 'UTC' or an offset such as "
            "'UTC+01:00', or remove it.") from None
    skipped = (local.isna() & stamps.notna()).to_numpy()
    if skipped.any():
        rows = tuple(int(i) for i in np.flatnonzero(skipped)[:3])
        raise DataValidationError.of([Issue(
            f"the values are local times in {column.timezone!r} (the column's 'timezone'), "
            f"but some do not exist there (its clocks skip them when summer time starts), "
            f"such as {str(stamps.iloc[rows[0]])!r}.",
            column=column.name, rows=rows, n_rows=int(skipped.sum()),
            fix="Set 'timezone' to the zone the values were recorded in, or remove it to "
                "keep them naive.")])
    out: pd.Series = local
    return out


def _python_ints(text: pa.Array, missing: np.ndarray | None, marker: str) -> np.ndarray:
    """Digits as Python ints in an object array, the column's missing value where missing."""
    out = np.asarray(pc.cast(text, pa.int64()).to_numpy(zero_copy_only=False)).astype(object)
    if missing is not None and missing.any():
        out[missing] = marker_value(marker)
    return out


_OFFSET = re.compile(r"([+-]\d\d):?(\d\d)$")


def _warn_of_one_layout(series: pd.Series, column: Column) -> None:
    """Say so where new values cannot be written as varied as the real text was.

    A column of several formats is written in the first; offsets that match no time zone are
    learned as instants in UTC and written ``+00:00``.
    """
    fmt = column.datetime_format
    if not fmt or pd.api.types.is_datetime64_any_dtype(series.dtype):
        return
    formats = fmt.split(FORMAT_SEPARATOR)
    if len(formats) > 1 and _some_but_not_all(series, formats[0]):
        # (a first format no value is written in is the user's choice of output: no news)
        warnings.warn(FitWarning(
            f"Column {column.name!r} is written in {len(formats)} formats ({fmt}); new values "
            f"are written in the first, {formats[0]!r}. Edit its 'datetime_format' to choose "
            "another first."), stacklevel=5)
    if column.timezone == "UTC" and ("%z" in fmt or "%:z" in fmt):
        found = series.dropna().astype(str).str.strip().str.extract(_OFFSET.pattern)
        offsets = sorted(set((found[0] + ":" + found[1]).dropna()) - {"+00:00", "-00:00"})
        if offsets:
            shown = ", ".join(offsets[:4]) + (" ..." if len(offsets) > 4 else "")
            warnings.warn(FitWarning(
                f"Column {column.name!r}: its values carry UTC offsets ({shown}) that match no "
                "one time zone; they are learned as instants in UTC and new values are written "
                "+00:00. Set the column's 'timezone' to the zone they were written in (such "
                "as 'Asia/Kolkata') to write its offsets."), stacklevel=5)


def _some_but_not_all(series: pd.Series, fmt: str) -> bool:
    """Whether ``fmt`` reads some of the column's values, and not every one."""
    present = series.dropna()
    try:
        read = parse_datetimes(present, fmt).notna().to_numpy()
    except (ValueError, OverflowError):
        return False
    return bool(read.any() and not read.all())


def _bad(column: Column, series: pd.Series, rows_mask: np.ndarray, what: str) -> Exception:
    rows = tuple(int(i) for i in np.flatnonzero(rows_mask)[:3])
    example = f" such as {series.iloc[rows[0]]!r}" if rows else ""
    fix = ("Set the column's 'datetime_format' to the strftime format of its values, or set "
           "its kind to 'categorical'.")
    if rows and isinstance(series.iloc[rows[0]], dt.datetime):  # objects: no format to set
        fix = ("Its values are datetimes of several time zones (or mixed with other objects): "
               "convert them to one zone, df[col] = pd.to_datetime(df[col], utc=True) (then "
               ".dt.tz_convert(zone) if you like), or set its kind to 'categorical'.")
    return DataValidationError.of([Issue(
        f"the column is a datetime but {what}{example}.",
        column=column.name, rows=rows, n_rows=int(rows_mask.sum()), fix=fix,
    )])


# Distinct values from which the common divisor of their gaps is the column's step: k random
# gaps share a divisor above 1 with probability 1 - 1/zeta(k), 0.2% for the 9 gaps of 10 values
# (39% for the 2 of 3). Fewer values keep a round step (_ROUND_DAYS, _round_ticks, _ROUND_MONTHS).
GRID_VALUES = 10
_ROUND_DAYS = (1, 7)
_ROUND_MONTHS = (1, 3, 6, 12)


def _round_ticks(per_second: int) -> tuple[int, ...]:
    """Round steps in ticks: powers of ten of a second, 1-30 seconds or minutes, hour, day."""
    subsecond = [per_second // 10**k for k in range(1, 10) if per_second % 10**k == 0]
    seconds = (1, 5, 10, 15, 30, 60, 300, 600, 900, 1800, 3600, 86_400, 7 * 86_400)
    return tuple(sorted({1, *subsecond, *(s * per_second for s in seconds)}))


def _grid(diffs: np.ndarray, round_steps: tuple[int, ...]) -> int:
    """The largest step every difference is a multiple of (5 minutes, a week, a tick).

    With fewer than ``GRID_VALUES`` distinct values, the largest of ``round_steps`` that is
    such a step (or 1).
    """
    step = max(int(np.gcd.reduce(diffs)) if diffs.size else 0, 1)
    if np.unique(diffs).size >= GRID_VALUES:
        return step
    return max((r for r in round_steps if step % r == 0), default=1)


def _months(ticks: np.ndarray, unit: str) -> np.ndarray:
    """Months since January 1970 of each tick (NaT where a tick is missing)."""
    out: np.ndarray = ticks.view(f"datetime64[{unit}]").astype("datetime64[M]").view(np.int64)
    return out


def _month_ticks(months: np.ndarray, unit: str, anchor: str) -> np.ndarray:
    """The first (or last) day of each month, as ticks."""
    start = months.astype(np.int64).view("datetime64[M]")
    if anchor == "end":
        days = (start + np.timedelta64(1, "M")).astype("datetime64[D]") - np.timedelta64(1, "D")
    else:
        days = start.astype("datetime64[D]")
    out: np.ndarray = days.astype(f"datetime64[{unit}]").view(np.int64)
    return out


def _calendar_anchor(ticks: np.ndarray, unit: str) -> str | None:
    """'start' or 'end' when every date is the first (or every one the last) of its month.

    Such columns (monthly, quarterly or yearly series) are on a grid of months, which no
    fixed number of days describes; a single date says nothing about one.
    """
    months = _months(ticks, unit)
    if np.unique(months).size < 2:
        return None
    for anchor in ("start", "end"):
        if np.array_equal(_month_ticks(months, unit, anchor), ticks):
            return anchor
    return None


class DatetimeCodec(ColumnCodec):
    """Units since the earliest value, with a missing indicator when needed."""

    kind = Kind.DATETIME

    @classmethod
    def fit(cls, series: pd.Series, column: Column, *, salt: str) -> Self:
        t = to_ticks(series, column)
        _warn_of_one_layout(series, column)
        present = ~t.missing
        day = 86_400 * TICKS_PER_SECOND[t.unit]
        state: dict[str, Any] = {
            "unit": t.unit, "tz": t.tz, "has_missing": bool(t.missing.any()),
            "all_missing": not bool(present.any()), "marker": missing_marker(series),
            "mode": "wall", "step": day, "origin": 0, "span": 0, "median": 0.0,
        }
        if present.any():
            days = not np.any(t.wall[present] % day)
            ticks = t.wall if days or t.utc is None else t.utc
            anchor = _calendar_anchor(t.wall[present], t.unit) if days else None
            if anchor is not None:
                ticks = _months(t.wall, t.unit)
            origin = int(ticks[present].min())
            diffs = ticks[present] - origin
            if anchor is not None:
                step = _grid(diffs, _ROUND_MONTHS)
            elif days:
                step = _grid(diffs // day, _ROUND_DAYS) * day
            else:
                step = _grid(diffs, _round_ticks(TICKS_PER_SECOND[t.unit]))
            state.update(
                mode="wall" if days or t.utc is None else "utc", step=step, origin=origin,
                span=int(diffs.max() // step), median=float(np.median(diffs // step)),
            )
            if anchor is not None:
                state["calendar"] = anchor  # origin and step count months
        state["constant"] = not state["has_missing"] and state["span"] == 0
        if python_type(series) == "date":
            state["python"] = "date"  # datetime.date objects come back as such (older: Timestamps)
        return cls(column, state)

    def _encoded_columns(self) -> tuple[EncodedColumn, ...]:
        s = self.state
        if s["all_missing"] or s["constant"]:
            return ()
        value = EncodedColumn(self.column.name, self.column.name, discrete=False, integer=True)
        return (self._missing_column(), value) if s["has_missing"] else (value,)

    def encode(self, series: pd.Series) -> np.ndarray:
        if not self.encoded:
            return super().encode(series)
        s = self.state
        t = to_ticks(series, self.column)
        ticks = t.utc if s["mode"] == "utc" and t.utc is not None else t.wall
        if s.get("calendar"):
            ticks = _months(ticks, s["unit"])
        units = (ticks - s["origin"]) / s["step"]
        values = np.clip(np.where(t.missing, s["median"], units), 0, s["span"])
        return with_indicator(values, t.missing, s["has_missing"])

    def decode(self, block: np.ndarray, *, rng: np.random.Generator, start: int) -> ArrayLike:
        s = self.state
        n = block.shape[0]
        if self.encoded:
            raw = block[:, -1]
            units = np.clip(np.rint(np.where(np.isfinite(raw), raw, s["median"])), 0, s["span"])
        else:
            units = np.zeros(n)
        ticks = s["origin"] + units.astype(np.int64) * s["step"]
        if s.get("calendar"):
            ticks = _month_ticks(ticks, s["unit"], s["calendar"])
        missing = missing_of(block, s["has_missing"])
        if s["all_missing"]:
            missing = np.ones(n, dtype=bool)
        return self._output(ticks, missing)

    def _stamps(self, ticks: np.ndarray) -> pd.DatetimeIndex:
        s = self.state
        naive = pd.DatetimeIndex(ticks.view(f"datetime64[{s['unit']}]"))
        if s["tz"] is None:
            return naive
        if s["mode"] == "utc":
            return naive.tz_localize("UTC").tz_convert(s["tz"])
        return naive.tz_localize(s["tz"], ambiguous=np.zeros(len(ticks), dtype=bool),
                                 nonexistent="shift_forward")

    def _output(self, ticks: np.ndarray, missing: np.ndarray | None) -> ArrayLike:
        s = self.state
        stamps = self._stamps(ticks)
        fmt = self.column.datetime_format
        dtype = self.column.dtype
        if fmt:
            wall, utc = ticks, None
            if s["tz"] is not None:
                wall = _ints(pd.Series(stamps.tz_localize(None)))
                utc = _ints(pd.Series(stamps.tz_convert("UTC").tz_localize(None)))
            text = format_datetimes(wall, s["unit"], writing_format(fmt), utc=utc, tz=s["tz"])
            if fmt in INTEGER_DATE_FORMATS and resolve_dtype(dtype) == np.dtype(object):
                return _python_ints(text, missing, s["marker"])  # 19750103 held as objects
            return strings_to_dtype(text, missing, dtype, s["marker"])
        if missing is not None and missing.any():
            stamps = pd.DatetimeIndex(stamps.where(~missing))
        target = resolve_dtype(dtype)
        if s["tz"] is not None and isinstance(target, np.dtype) and target.kind == "M":
            # naive in the data, local times in the column's zone: they come back aware
            unit: Any = np.datetime_data(target)[0]
            target = pd.DatetimeTZDtype(unit, tz=str(s["tz"]))
        if pd.api.types.is_datetime64_any_dtype(target):
            out: ArrayLike = stamps.array.astype(target)
            return out
        if s.get("python") == "date":
            out = np.asarray(stamps.date, dtype=object)
        else:
            out = np.asarray(stamps.astype(object), dtype=object)
        if missing is not None and missing.any():
            out[missing] = marker_value(s["marker"])
        return out
