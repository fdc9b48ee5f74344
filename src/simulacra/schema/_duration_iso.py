"""Durations written in ISO 8601: ``P2DT20H37M56S``, ``PT20H7M``, ``PT1.5S``.

Only days, hours, minutes and seconds are read: years and months have no fixed length. A
layout writes ISO's own template, each field an ``n`` before its letter, from the largest
unit the column writes down to seconds:

* ``PnDTnHnMnS`` writes every field, zeros too, as pandas' ``Timedelta.isoformat()`` does
  (``P0DT1H0M0S``); ``PTnHnMnS`` has no days (hours as many as there are: ``PT68H0M0S``),
  likewise ``PTnMnS`` and ``PTnS``;
* a ``~`` at the end leaves out the fields that are zero (``PnDTnHnMnS~``: ``PT20H7M``,
  ``P2D``; nothing at all is ``PT0S``), as most other writers do;
* decimals of a second go between the seconds' ``n`` and ``S``: ``.000`` always writes three,
  ``.###`` up to three with trailing zeros dropped (a spreadsheet's ``0`` and ``#``):
  ``PTnHnMn.###S~`` writes ``PT1.5S``.

A negative duration is written with a leading minus (``-PT1M``), except in ``PnDTnHnMnS``,
which writes it as pandas does: days counted down, the rest up (``P-1DT23H59M59S``). Both
are read in any layout.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from simulacra.schema._duration_fields import (
    extract_fields,
    field_numbers,
    fraction_seconds,
    fraction_widths,
    matched,
    shown,
)

__all__ = ["UNITS", "IsoLayout", "detect_iso_layout", "iso_layout", "parse_iso"]

_VALUE = (r"^(?P<neg>-?)P(?:(?P<D>-?\d+)D)?(?P<T>T?)(?:(?P<H>\d+)H)?(?:(?P<M>\d+)M)?"
          r"(?:(?P<S>\d+)(?:\.(?P<frac>\d{1,9}))?S)?$")
VALUE_PY = re.compile(_VALUE)
_LAYOUT = re.compile(r"^P(?:nD)?T(?:nH)?(?:nM)?n(?:\.(?P<frac>0{1,9}|#{1,9}))?S~?$")
UNITS = {"D": 86_400, "H": 3600, "M": 60, "S": 1}
"""The units read, largest first, in seconds."""


@dataclass(frozen=True)
class IsoLayout:
    """An ISO 8601 duration: the largest unit written, zeros written or left out, decimals."""

    lead: str = "D"
    every_field: bool = False
    decimals: int = 0
    fixed: bool = False
    """Every value shows ``decimals`` decimals (else trailing zeros are dropped)."""
    examples = "'P2DT20H37M56S' or 'PT20H7M'"

    def units(self) -> list[str]:
        """The units written, the largest first."""
        return list(UNITS)[list(UNITS).index(self.lead):]

    def __str__(self) -> str:
        date = "nD" if self.lead == "D" else ""
        time = "".join(f"n{u}" for u in self.units() if u in "HM")
        frac = "." + ("0" if self.fixed else "#") * self.decimals if self.decimals else ""
        return f"P{date}T{time}n{frac}S{'' if self.every_field else '~'}"

    def parse(self, values: pd.Series) -> np.ndarray:
        """Seconds of each value (NaN where missing or not so written)."""
        return parse_iso(values)


def iso_layout(text: str) -> IsoLayout | None:
    """Parse a layout such as ``"PnDTnHnMnS"``; None if ``text`` is not one."""
    found = _LAYOUT.match(text)
    if found is None:
        return None
    lead = next(u for u in UNITS if f"n{u}" in text or u == "S")
    frac = found.group("frac") or ""
    layout = IsoLayout(lead, not text.endswith("~"), len(frac), frac.startswith("0"))
    return layout if str(layout) == text else None  # fields missing between: "PnDTnMnS"


def _fields(values: pd.Series) -> tuple[pa.StructArray, np.ndarray]:
    """The fields of each value, and which values are durations.

    A duration writes some field, and ``T`` before time fields only: ``P5M`` is five months
    (not read), ``PT5M`` five minutes.
    """
    fields = extract_fields(values, _VALUE)
    time = shown(fields, "H") | shown(fields, "M") | shown(fields, "S")
    ok = matched(fields) & (time | shown(fields, "D")) & (shown(fields, "T") == time)
    return fields, ok


def parse_iso(values: pd.Series) -> np.ndarray:
    """Seconds of ISO 8601 durations in days, hours, minutes and seconds."""
    fields, ok = _fields(values)
    if len(ok) == 0:
        return np.zeros(0)
    total = sum(np.nan_to_num(field_numbers(fields, u)) * size
                for u, size in UNITS.items()) + fraction_seconds(fields)
    sign = np.where(shown(fields, "neg"), -1.0, 1.0)
    return np.where(ok, sign * total, np.nan)


def detect_iso_layout(values: pd.Series, sample: pd.Series) -> IsoLayout | None:
    """The layout of a column of ISO 8601 durations, else None.

    The largest unit any value writes leads; every field is written when every value writes
    each one from there down to seconds; decimals as many as the values show, always that many
    when every value shows them alike and one at least ends in a zero (``PT1.50S``).
    """
    if not _fields(sample)[1].all():
        return None
    fields, ok = _fields(values)
    if not ok.all():
        return None
    written = {u: shown(fields, u) for u in UNITS}
    lead = next((u for u in UNITS if written[u].any()), "S")
    every = bool(np.logical_and.reduce([written[u] for u in list(UNITS)[list(UNITS).index(lead):]]
                                       ).all())
    widths = fraction_widths(fields)
    decimals = int(widths.max())
    frac = fields.field("frac").to_pandas()
    fixed = bool(decimals and (widths == decimals).all() and frac.str.endswith("0").any())
    return IsoLayout(lead, every, decimals, fixed)
