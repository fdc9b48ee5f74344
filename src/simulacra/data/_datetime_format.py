"""Writing timestamps as strings in a ``strftime`` format, fast.

pandas formats one timestamp at a time (about 1 µs each). Here the format is split into
runs of date directives, time directives, fractions (``%f``) and offsets (``%z``); a date run
depends only on the day, so it is formatted once per distinct day with Python's own
``strftime`` (exact semantics, a few thousand calls at most) and spread with a ``take``;
hours, minutes and seconds are composed from two-digit tables. Formats with directives not
listed here fall back to pandas.

Unpadded fields (``%-d``, ``%-m``, ``%-H`` ...) are produced here, not by the platform's
``strftime`` (where only glibc knows them): the padded field with its leading zero dropped.
So are names in capitals (``%^b``: ``JAN``, as SAS writes them; glibc's notation) and in
small letters (``%~b``: ``jan``, as Stata writes them; simulacra's own), and ``%Y`` of years
before 1000 in four digits (``0626``, as ``strptime`` reads them; glibc writes ``626``).
"""

from __future__ import annotations

import datetime as dt
import functools
import re

import numpy as np
import pandas as pd
import pyarrow as pa

from simulacra.data._strings import join, zero_pad
from simulacra.schema._datetimes import OWN_FLAGS, strftime_unpadded

__all__ = ["format_datetimes", "strftime_unpadded"]

_DIRECTIVE = re.compile(r"%([-:^~]?)([a-zA-Z%])")  # %-d: no padding; %:z: +02:00; %^b: JAN
_DATE = frozenset("aAbBCdDeFgGhjmuUVwWxyY")
_TIME = frozenset("HIklMpPrRSTX")
_ARITHMETIC_TIME = frozenset("HIMSp")
_EPOCH = dt.datetime(1970, 1, 1)
_DENSE_LIMIT = 1 << 23
TICKS_PER_SECOND = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}


def _runs(fmt: str) -> list[tuple[str, str]] | None:
    """Split ``fmt`` into runs ``(class, sub-format)``; None if it has unsupported parts."""
    runs: list[tuple[str, str]] = []
    pos = 0
    for m in _DIRECTIVE.finditer(fmt):
        literal = fmt[pos : m.start()]
        pos = m.end()
        code = m.group(2)
        if code == "%":
            literal += "%%"
            cls = "lit"
        elif code in _DATE:
            cls = "date"
        elif code in _TIME:
            cls = "time"
        elif code == "f" and not m.group(1):
            cls = "frac"
        elif code == "z" and m.group(1) in ("", ":"):
            cls = "offset"
        else:
            return None
        if m.group(1) == ":" and code != "z":
            return None
        _append(runs, "lit", literal)
        _append(runs, cls, m.group(0) if cls != "lit" else "")
    _append(runs, "lit", fmt[pos:])
    return runs


def _append(runs: list[tuple[str, str]], cls: str, text: str) -> None:
    if not text:
        return
    if runs and (runs[-1][0] == cls or cls == "lit") and runs[-1][0] not in ("frac", "offset"):
        runs[-1] = (runs[-1][0], runs[-1][1] + text)
    else:
        runs.append((cls, text))


def _dense(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct ``keys`` (sorted) and each key's index among them."""
    if keys.size == 0:
        return keys, keys
    low, high = int(keys.min()), int(keys.max())
    if high - low < _DENSE_LIMIT:
        present = np.zeros(high - low + 1, dtype=bool)
        present[keys - low] = True
        rank = np.cumsum(present) - 1
        return np.flatnonzero(present) + low, rank[keys - low]
    return np.unique(keys, return_inverse=True)


def _spread(keys: np.ndarray, render: functools.partial[str]) -> pa.Array:
    distinct, index = _dense(keys)
    table = pa.array([render(int(k)) for k in distinct], pa.string())
    return table.take(pa.array(index))


def _date_text(day: int, fmt: str) -> str:
    return strftime_unpadded(_EPOCH + dt.timedelta(days=day), fmt)


def _time_text(second: int, fmt: str) -> str:
    return strftime_unpadded(_EPOCH + dt.timedelta(seconds=second), fmt)


def _offset_text(seconds: int, colon: bool = False) -> str:
    sign = "-" if seconds < 0 else "+"
    minutes = abs(seconds) // 60
    return f"{sign}{minutes // 60:02d}{':' if colon else ''}{minutes % 60:02d}"


@functools.cache
def _two_digits(padded: bool) -> pa.Array:
    return pa.array([f"{i:02d}" if padded else str(i) for i in range(100)], pa.string())


def _time_pieces(second: np.ndarray, fmt: str) -> list[pa.Array | str]:
    """Hours, minutes, seconds and AM/PM composed from tables (no per-value formatting)."""
    hour, rest = np.divmod(second, 3600)
    minute, sec = np.divmod(rest, 60)
    fields = {"H": hour, "M": minute, "S": sec, "I": (hour + 11) % 12 + 1}
    pieces: list[pa.Array | str] = []
    pos = 0
    for m in _DIRECTIVE.finditer(fmt):
        pieces.append(fmt[pos : m.start()])
        pos = m.end()
        code = m.group(2)
        if code == "%":
            pieces.append("%")
        elif code == "p":
            pieces.append(pa.array(np.where(hour < 12, "AM", "PM")))
        else:
            pieces.append(_two_digits(not m.group(1)).take(pa.array(fields[code])))
    pieces.append(fmt[pos:])
    return pieces


def format_datetimes(wall: np.ndarray, unit: str, fmt: str, *, utc: np.ndarray | None = None,
                     tz: str | None = None) -> pa.Array:
    """Format wall-clock ticks (int64 counts of ``unit`` since 1970) with ``fmt``.

    Parameters
    ----------
    wall
        Local (wall-clock) times as integer ticks.
    unit
        ``"s"``, ``"ms"``, ``"us"`` or ``"ns"``.
    fmt
        A ``strftime`` format.
    utc
        The same instants in UTC, for ``%z`` (offset zero when None).
    tz
        Their time zone, for the general path (``%Z`` and rare directives).
    """
    runs = _runs(fmt)
    if runs is None:
        return _pandas_format(wall, unit, fmt, utc, tz)
    per_second = TICKS_PER_SECOND[unit]
    seconds, sub = np.divmod(wall, per_second)
    day, second = np.divmod(seconds, 86_400)
    n = len(wall)
    pieces: list[pa.Array | str] = []
    for cls, text in runs:
        if cls == "lit":
            pieces.append(text.replace("%%", "%"))
        elif cls == "date":
            pieces.append(_spread(day, functools.partial(_date_text, fmt=text)))
        elif cls == "time" and set(_DIRECTIVE.findall(text)) <= _ARITHMETIC_FIELDS:
            pieces.extend(_time_pieces(second, text))
        elif cls == "time":
            pieces.append(_spread(second, functools.partial(_time_text, fmt=text)))
        elif cls == "frac":
            pieces.append(zero_pad(sub * 10**6 // per_second, 6))
        else:
            offsets = np.zeros(n, np.int64) if utc is None else (wall - utc) // per_second
            pieces.append(_spread(offsets, functools.partial(_offset_text,
                                                             colon=text == "%:z")))
    return join(pieces, n)


_ARITHMETIC_FIELDS = {(flag, c) for flag in ("", "-") for c in _ARITHMETIC_TIME} | {("", "%")}


def _pandas_format(wall: np.ndarray, unit: str, fmt: str, utc: np.ndarray | None,
                   tz: str | None) -> pa.Array:
    """The slow, general path: pandas formats each value."""
    if utc is not None and tz is not None:
        stamps = pd.DatetimeIndex(utc.astype(f"datetime64[{unit}]")).tz_localize("UTC")
        stamps = stamps.tz_convert(tz)
    else:
        stamps = pd.DatetimeIndex(wall.astype(f"datetime64[{unit}]"))
    early = "%Y" in fmt and bool(len(stamps)) and stamps.min().year < 1000  # padded here
    if OWN_FLAGS.search(fmt) or early:  # %-d, %^b, %~b: each value through our own (rare)
        text = [None if pd.isna(s) else strftime_unpadded(s, fmt) for s in stamps]
        return pa.array(text, pa.string())
    return pa.array(np.asarray(stamps.strftime(fmt), dtype=object), pa.string())
