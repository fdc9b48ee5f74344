"""Durations written as on a stopwatch, ``38:31:00``, ``22:07`` or ``1:56.30``.

Layouts in a spreadsheet's notation for elapsed time: ``[h]:mm:ss``, ``[hh]:mm:ss``,
``[m]:ss``, ``[mm]:ss``, with ``.0`` to ``.000000000`` after ``ss`` (see
:mod:`simulacra.schema._durations`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from simulacra.schema._duration_fields import (
    extract_fields,
    field_numbers,
    fraction_seconds,
    fraction_widths,
    matched,
    shown,
)

__all__ = ["ClockLayout", "clock_layout", "detect_clock_layout", "parse_clock"]

# the fields of one value; RE2 (pyarrow) and Python's re read it alike
_VALUE = (r"^(?P<lead>\d+):(?P<mid>[0-5]\d)(?::(?P<last>[0-5]\d))?"
          r"(?:\.(?P<frac>\d{1,9}))?$")
VALUE_PY = re.compile(_VALUE)
_LAYOUT = re.compile(r"^\[(?P<lead>h+|m+)\]:(?P<mm>mm:)?ss(?:\.(?P<frac>0{1,9}))?$")
_DURATION_NAME = re.compile(
    r"(?:^|_)(?:duration|elapsed|runtime|run_time|lap_time|laptime|race_time|chip_time|"
    r"gun_time|net_time|finish_time|time_taken|time_spent)(?:_|$)")
_MAX_TIME_OF_DAY_HOUR = 23


@dataclass(frozen=True)
class ClockLayout:
    """How durations are written: leading field hours or minutes, its width, the decimals."""

    hours: bool
    width: int = 1
    decimals: int = 0
    examples = "'38:31:00' or '22:07'"

    def __str__(self) -> str:
        lead = ("h" if self.hours else "m") * self.width
        frac = "." + "0" * self.decimals if self.decimals else ""
        return f"[{lead}]:{'mm:' if self.hours else ''}ss{frac}"

    def parse(self, values: pd.Series) -> np.ndarray:
        """Seconds of each value (NaN where missing or not so written)."""
        return parse_clock(values)


def clock_layout(text: str) -> ClockLayout | None:
    """Parse a layout such as ``"[h]:mm:ss"``; None if ``text`` is not one."""
    found = _LAYOUT.match(text)
    if found is None:
        return None
    hours = found.group("lead")[0] == "h"
    if hours != bool(found.group("mm")):
        return None  # "[h]:ss" or "[m]:mm:ss"
    return ClockLayout(hours, len(found.group("lead")), len(found.group("frac") or ""))


def parse_clock(values: pd.Series) -> np.ndarray:
    """Seconds of durations written ``H:MM:SS`` or ``M:SS`` (decimals allowed).

    Returns
    -------
    numpy.ndarray
        float64 seconds; NaN where a value is missing or is not written so.
    """
    fields = extract_fields(values, _VALUE)
    if len(fields) == 0:
        return np.zeros(0)
    lead, mid, last = (field_numbers(fields, f) for f in ("lead", "mid", "last"))
    three = ~np.isnan(last)
    seconds = np.where(three, lead * 3600 + mid * 60 + np.nan_to_num(last), lead * 60 + mid)
    seconds = seconds + fraction_seconds(fields)
    return np.where(matched(fields), seconds, np.nan)


def detect_clock_layout(name: str, values: pd.Series, sample: pd.Series) -> ClockLayout | None:
    """The layout of a column of ``38:31:00`` / ``22:07`` durations, else None.

    A column is one when every value has that shape and one at least cannot be a time of day
    (a first field above 23, or minutes and seconds with decimals: ``1:56.30``), or ``name``
    says duration. The first value was matched by the caller.
    """
    if extract_fields(sample, _VALUE).null_count:
        return None
    fields = extract_fields(values, _VALUE)
    if fields.null_count:
        return None
    lead_text = fields.field("lead")
    lead = pc.cast(lead_text, pa.int64()).to_numpy(zero_copy_only=False)
    three = shown(fields, "last")
    lap = ~three & (fraction_widths(fields) > 0)  # 1:56.30: no clock writes 12:30.5
    if (not _DURATION_NAME.search(name) and not (lead > _MAX_TIME_OF_DAY_HOUR).any()
            and not lap.any()):
        return None  # each could be a time of day
    hours = bool(three.sum() * 2 >= len(three))  # the layout most values have
    widths = pc.utf8_length(lead_text).to_numpy(zero_copy_only=False)
    zero = pc.starts_with(lead_text, "0").to_numpy(zero_copy_only=False)
    padded = widths[(three == hours) & (widths > 1) & zero]
    width = int(padded.max()) if padded.size else 1
    return ClockLayout(hours, width, int(fraction_widths(fields).max()))

