"""Durations written as pandas writes a timedelta: ``2 days 20:37:56``, ``-1 days +23:59:59``.

``str(pd.Timedelta)`` and ``DataFrame.to_csv`` write whole days, the word ``days`` (even for
one), then the time of day in two-digit fields, with six (or nine) decimals in a column where
some value has a fraction of a second (``str()`` of each value writes them only on values
that have one). A negative duration counts whole days down and the
time up from there, so ``-1 days +23:59:59`` is minus one second. A column of whole days only
is written ``2 days``.

Layouts: ``[d] days hh:mm:ss``, with ``.000000`` after ``ss`` for decimals (``.000000~``: not
on whole seconds, as a number format's ``~`` writes whole numbers without decimals), and
``[d] days``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulacra.schema._duration_fields import (
    extract_fields,
    field_numbers,
    fraction_seconds,
    fraction_widths,
    matched,
    shown,
)

__all__ = ["DaysLayout", "days_layout", "detect_days_layout", "parse_days"]

_VALUE = (r"^(?P<days>-?\d+) days(?: (?P<plus>\+?)(?P<h>[01]\d|2[0-3]):(?P<m>[0-5]\d):"
          r"(?P<s>[0-5]\d)(?:\.(?P<frac>\d{1,9}))?)?$")
VALUE_PY = re.compile(_VALUE)
_LAYOUT = re.compile(r"^\[d\] days(?P<clock> hh:mm:ss(?:\.(?P<frac>0{1,9})(?P<bare>~?))?)?$")
DAY = 86_400


@dataclass(frozen=True)
class DaysLayout:
    """pandas' text of a timedelta: whole days, then the time of day (unless ``clock`` is off)."""

    decimals: int = 0
    clock: bool = True
    bare_wholes: bool = False
    """Whole seconds are written without decimals (``str()`` of each value)."""
    examples = "'2 days 20:37:56' or '-1 days +23:59:59'"

    def __str__(self) -> str:
        if not self.clock:
            return "[d] days"
        frac = "." + "0" * self.decimals + ("~" if self.bare_wholes else "")
        return "[d] days hh:mm:ss" + (frac if self.decimals else "")

    def parse(self, values: pd.Series) -> np.ndarray:
        """Seconds of each value (NaN where missing or not so written)."""
        return parse_days(values)


def days_layout(text: str) -> DaysLayout | None:
    """Parse a layout such as ``"[d] days hh:mm:ss"``; None if ``text`` is not one."""
    found = _LAYOUT.match(text)
    if found is None:
        return None
    return DaysLayout(len(found.group("frac") or ""), clock=bool(found.group("clock")),
                      bare_wholes=bool(found.group("bare")))


def parse_days(values: pd.Series) -> np.ndarray:
    """Seconds of durations written ``2 days 20:37:56`` (see the module docstring)."""
    fields = extract_fields(values, _VALUE)
    if len(fields) == 0:
        return np.zeros(0)
    days, hours, minutes, seconds = (np.nan_to_num(field_numbers(fields, f))
                                     for f in ("days", "h", "m", "s"))
    total = days * DAY + hours * 3600 + minutes * 60 + seconds + fraction_seconds(fields)
    return np.where(matched(fields), total, np.nan)


def detect_days_layout(values: pd.Series, sample: pd.Series) -> DaysLayout | None:
    """The layout of a column of ``2 days 20:37:56`` durations, else None.

    The first value was matched by the caller; every value must match.
    """
    if extract_fields(sample, _VALUE).null_count:
        return None
    fields = extract_fields(values, _VALUE)
    if fields.null_count:
        return None
    clock = bool(shown(fields, "h").any())  # pandas writes all or none of a column so
    widths = fraction_widths(fields)
    return DaysLayout(int(widths.max()), clock=clock, bare_wholes=bool((widths == 0).any()))
