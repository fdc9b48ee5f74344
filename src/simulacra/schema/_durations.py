"""Durations written as text, ``38:31:00`` or ``22:07``, as race results write elapsed times.

Such a column is numerical: its values are learned as seconds, like a ``timedelta`` column,
and its ``text_format`` is the layout they are written in, in a spreadsheet's notation for
elapsed time:

* ``[h]:mm:ss``: hours (as many as there are, unpadded), minutes and seconds of two digits;
  ``[hh]:mm:ss`` pads the hours to two digits (``05:10:00``), ``[hhh]`` to three;
* ``[m]:ss``: minutes (as many as there are) and seconds; ``[mm]:ss`` pads the minutes;
* ``.0`` to ``.000000000`` after ``ss``: that many decimals of a second (``1:02:03.45``).

A column is read so when every value has that shape and one at least cannot be a time of day
(a first field above 23: ``38:31:00``, ``75:20``), or the column's name says duration
(``duration``, ``elapsed``, ``lap_time``). Otherwise ``12:30`` and ``1:02:03`` are times of day
(:mod:`simulacra.schema._datetimes`), and are written back as they were all the same.
Values with two fields are minutes and seconds (a race under an hour), with three hours,
minutes and seconds; a column that mixes both is read value by value and written in the
layout most of its values have.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["DurationLayout", "detect_duration_layout", "duration_layout", "duration_text_seconds",
           "parse_durations"]

# the fields of one value; RE2 (pyarrow) and Python's re read it alike
_VALUE = (r"^(?P<lead>\d+):(?P<mid>[0-5]\d)(?::(?P<last>[0-5]\d))?"
          r"(?:\.(?P<frac>\d{1,9}))?$")
_VALUE_PY = re.compile(_VALUE)
_LAYOUT = re.compile(r"^\[(?P<lead>h+|m+)\]:(?P<mm>mm:)?ss(?:\.(?P<frac>0{1,9}))?$")
_DURATION_NAME = re.compile(
    r"(?:^|_)(?:duration|elapsed|runtime|run_time|lap_time|laptime|race_time|chip_time|"
    r"gun_time|net_time|finish_time|time_taken|time_spent)(?:_|$)")
_MAX_TIME_OF_DAY_HOUR = 23


@dataclass(frozen=True)
class DurationLayout:
    """How durations are written: leading field hours or minutes, its width, the decimals."""

    hours: bool
    width: int = 1
    decimals: int = 0

    def __str__(self) -> str:
        lead = ("h" if self.hours else "m") * self.width
        frac = "." + "0" * self.decimals if self.decimals else ""
        return f"[{lead}]:{'mm:' if self.hours else ''}ss{frac}"


def duration_layout(text: str | None) -> DurationLayout | None:
    """Parse a layout such as ``"[h]:mm:ss"``; None if ``text`` is not one."""
    found = _LAYOUT.match(text or "")
    if found is None:
        return None
    hours = found.group("lead")[0] == "h"
    if hours != bool(found.group("mm")):
        return None  # "[h]:ss" or "[m]:mm:ss"
    return DurationLayout(hours, len(found.group("lead")), len(found.group("frac") or ""))


def _fields(values: pd.Series) -> pa.StructArray:
    """Each value's fields (null where it is missing or not a duration)."""
    text = pa.array(values.astype("string").array, pa.string())  # missing: null
    array = pc.utf8_trim_whitespace(text)
    fields: pa.StructArray = pc.extract_regex(array, _VALUE)
    return fields


def _numbers(fields: pa.StructArray, name: str) -> np.ndarray:
    part = pc.if_else(pc.equal(fields.field(name), ""), pa.scalar(None, pa.string()),
                      fields.field(name))
    out: np.ndarray = pc.cast(part, pa.float64()).to_numpy(zero_copy_only=False)
    return out


def parse_durations(values: pd.Series) -> np.ndarray:
    """Seconds of durations written ``H:MM:SS`` or ``M:SS`` (decimals allowed).

    Returns
    -------
    numpy.ndarray
        float64 seconds; NaN where a value is missing or is not written so.
    """
    fields = _fields(values)
    if len(fields) == 0:
        return np.zeros(0)
    lead, mid, last = (_numbers(fields, f) for f in ("lead", "mid", "last"))
    frac_text = fields.field("frac")
    frac = _numbers(fields, "frac") / 10.0 ** np.asarray(
        pc.fill_null(pc.utf8_length(frac_text), 0).to_numpy(zero_copy_only=False))
    three = ~np.isnan(last)
    seconds = np.where(three, lead * 3600 + mid * 60 + np.nan_to_num(last), lead * 60 + mid)
    seconds = seconds + np.nan_to_num(frac)
    matched = fields.is_valid().to_numpy(zero_copy_only=False)
    return np.where(matched, seconds, np.nan)


def duration_text_seconds(series: pd.Series, text_format: str | None) -> np.ndarray | None:
    """Seconds of a column of text written in the duration layout ``text_format``, else None.

    None also for numbers and timedeltas, which are durations already.
    """
    dtype = series.dtype
    if (duration_layout(text_format) is None or pd.api.types.is_numeric_dtype(dtype)
            or pd.api.types.is_timedelta64_dtype(dtype)):
        return None
    return parse_durations(series)


def detect_duration_layout(name: str, values: pd.Series, sample: pd.Series) -> str | None:
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
    # Python's \d and whitespace cover RE2's: a first value it refuses refuses the column
    if values.empty or not _VALUE_PY.match(str(sample.iloc[0]).strip()):
        return None
    if _fields(sample).null_count:
        return None
    fields = _fields(values)
    if fields.null_count:
        return None
    lead_text = fields.field("lead")
    lead = pc.cast(lead_text, pa.int64()).to_numpy(zero_copy_only=False)
    three = pc.not_equal(fields.field("last"), "").to_numpy(zero_copy_only=False)
    if not _DURATION_NAME.search(name) and not (lead > _MAX_TIME_OF_DAY_HOUR).any():
        return None  # each could be a time of day
    hours = bool(three.sum() * 2 >= len(three))  # the layout most values have
    widths = pc.utf8_length(lead_text).to_numpy(zero_copy_only=False)
    zero = pc.starts_with(lead_text, "0").to_numpy(zero_copy_only=False)
    padded = widths[(three == hours) & (widths > 1) & zero]
    width = int(padded.max()) if padded.size else 1
    decimals = int(pc.max(pc.utf8_length(fields.field("frac"))).as_py() or 0)
    return str(DurationLayout(hours, width, decimals))
