"""Durations written as text: ``38:31:00``, ``1:56.30``, ``2 days 20:37:56``, ``PT20H7M``.

Such a column is numerical: its values are learned as seconds, like a ``timedelta`` column,
and its ``text_format`` is the layout they are written in. Three families:

* a stopwatch's, in a spreadsheet's notation for elapsed time
  (:mod:`~simulacra.schema._duration_clock`): ``[h]:mm:ss``: hours (as many as there are,
  unpadded), minutes and seconds of two digits; ``[hh]:mm:ss`` pads the hours to two digits
  (``05:10:00``), ``[hhh]`` to three; ``[m]:ss``: minutes (as many as there are) and
  seconds; ``[mm]:ss`` pads the minutes; ``.0`` to ``.000000000`` after ``ss``: that many
  decimals of a second (``1:02:03.45``);
* pandas' text of a timedelta (:mod:`~simulacra.schema._duration_days`):
  ``[d] days hh:mm:ss`` (``2 days 20:37:56``, ``-1 days +23:59:59``), decimals likewise
  (``[d] days hh:mm:ss.000000``), and ``[d] days`` for whole days;
* ISO 8601 (:mod:`~simulacra.schema._duration_iso`): ``PnDTnHnMnS`` writes every field
  (``P0DT1H0M0S``, as pandas' ``isoformat()``), ``PTnHnMnS`` starts at hours; a ``~`` at the
  end leaves out zero fields (``PnDTnHnMnS~``: ``PT20H7M``); ``n.###S`` writes up to three
  decimals of a second, ``n.000S`` always three.

A column is read so when every value has one family's shape. ``12:30`` and ``1:02:03`` can
also be times of day: a stopwatch column needs one value at least that cannot be one (a
first field above 23: ``38:31:00``, ``75:20``; minutes and seconds with decimals:
``1:56.30``), or a name that says duration (``duration``, ``elapsed``, ``lap_time``).
Otherwise they are times of day (:mod:`simulacra.schema._datetimes`), and are written back
as they were all the same. Stopwatch values with two fields are minutes and seconds (a race
under an hour), with three hours, minutes and seconds; a column that mixes both is read value
by value and written in the layout most of its values have.
"""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
import pandas as pd

from simulacra.schema import _duration_clock, _duration_days, _duration_iso
from simulacra.schema._duration_clock import ClockLayout, clock_layout, detect_clock_layout
from simulacra.schema._duration_days import DaysLayout, days_layout, detect_days_layout
from simulacra.schema._duration_iso import IsoLayout, detect_iso_layout, iso_layout

__all__ = ["ClockLayout", "DaysLayout", "DurationLayout", "IsoLayout", "detect_duration_layout",
           "duration_layout", "duration_text_seconds", "parse_durations"]

DurationLayout: TypeAlias = ClockLayout | DaysLayout | IsoLayout


def duration_layout(text: str | None) -> DurationLayout | None:
    """Parse a layout such as ``"[h]:mm:ss"`` or ``"PnDTnHnMnS"``; None if ``text`` is none."""
    if not text:
        return None
    return clock_layout(text) or days_layout(text) or iso_layout(text)


def parse_durations(values: pd.Series, layout: DurationLayout | None = None) -> np.ndarray:
    """Seconds of durations written in ``layout``'s family (default: ``H:MM:SS``, ``M:SS``).

    Returns
    -------
    numpy.ndarray
        float64 seconds; NaN where a value is missing or is not written so.
    """
    return (layout or ClockLayout(hours=True)).parse(values)


def duration_text_seconds(series: pd.Series, text_format: str | None) -> np.ndarray | None:
    """Seconds of a column of text written in the duration layout ``text_format``, else None.

    None also for numbers and timedeltas, which are durations already.
    """
    dtype = series.dtype
    layout = duration_layout(text_format)
    if (layout is None or pd.api.types.is_numeric_dtype(dtype)
            or pd.api.types.is_timedelta64_dtype(dtype)):
        return None
    return layout.parse(series)


def detect_duration_layout(name: str, values: pd.Series,
                           sample: pd.Series) -> DurationLayout | None:
    """The layout of strings that are durations (see the module docstring), else None.

    Parameters
    ----------
    name
        The column name, in :func:`~simulacra.schema._pii.normalize_name` form.
    values
        The column's non-null strings.
    sample
        A few thousand of them, looked at first so that other columns are passed over cheaply.
    """
    if values.empty:
        return None
    # the first value picks the family; Python's \d and whitespace cover RE2's, so a first
    # value Python refuses refuses the column
    first = str(sample.iloc[0]).strip()
    if _duration_clock.VALUE_PY.match(first):
        return detect_clock_layout(name, values, sample)
    if _duration_days.VALUE_PY.match(first):
        return detect_days_layout(values, sample)
    if _duration_iso.VALUE_PY.match(first):
        return detect_iso_layout(values, sample)
    return None
