"""Durations in seconds written as text, for a whole column without a loop.

The layouts are those of :mod:`simulacra.schema._durations`. Seconds are rounded to the
layout's decimals first, so that ``59.996`` becomes ``1:00.00`` rather than ``0:60.00``.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulacra.data._strings import join, zero_pad
from simulacra.schema._duration_days import DAY
from simulacra.schema._duration_iso import UNITS
from simulacra.schema._durations import ClockLayout, DaysLayout, DurationLayout, IsoLayout

__all__ = ["duration_text"]


def duration_text(seconds: np.ndarray, layout: DurationLayout) -> pa.Array:
    """Durations in seconds written in ``layout`` (``38:31:00``, ``2 days 20:37:56``, ...)."""
    values = np.nan_to_num(np.asarray(seconds, dtype=np.float64))
    if isinstance(layout, ClockLayout):
        return _clock_text(values, layout)
    if isinstance(layout, DaysLayout):
        return _days_text(values, layout)
    return _iso_text(values, layout)


def _ticks(seconds: np.ndarray, decimals: int) -> np.ndarray:
    """Seconds as whole units of the last decimal shown."""
    ticks: np.ndarray = np.rint(seconds * 10**decimals).astype(np.int64)
    return ticks


def _integers(values: np.ndarray) -> pa.Array:
    """Integers, negative ones too, as text."""
    return pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())


def _hh_mm_ss(whole: np.ndarray, lead_width: int) -> list[pa.Array | str]:
    """``whole`` seconds as hours (unbounded, padded to ``lead_width``), minutes, seconds."""
    hours, rest = np.divmod(whole, 3600)
    minute, second = np.divmod(rest, 60)
    return [zero_pad(hours, lead_width), ":", zero_pad(minute, 2), ":", zero_pad(second, 2)]


def _clock_text(seconds: np.ndarray, layout: ClockLayout) -> pa.Array:
    """``38:31:00``; a negative duration gets a leading minus."""
    scale = 10**layout.decimals
    ticks = _ticks(seconds, layout.decimals)
    whole, frac = np.divmod(np.abs(ticks), scale)
    if layout.hours:
        pieces = _hh_mm_ss(whole, layout.width)
    else:
        lead, second = np.divmod(whole, 60)
        pieces = [zero_pad(lead, layout.width), ":", zero_pad(second, 2)]
    if layout.decimals:
        pieces += [".", zero_pad(frac, layout.decimals)]
    if (ticks < 0).any():
        pieces.insert(0, pa.array(np.where(ticks < 0, "-", "")))
    return join(pieces, len(ticks))


def _days_text(seconds: np.ndarray, layout: DaysLayout) -> pa.Array:
    """``2 days 20:37:56`` as pandas writes it: ``-1 days +23:59:59`` is minus a second."""
    if not layout.clock:  # whole days
        return join([_integers(np.rint(seconds / DAY)), " days"], len(seconds))
    scale = 10**layout.decimals
    days, rest = np.divmod(_ticks(seconds, layout.decimals), DAY * scale)  # days floored
    whole, frac = np.divmod(rest, scale)
    pieces: list[pa.Array | str] = [_integers(days), " days "]
    if (days < 0).any():
        pieces.append(pa.array(np.where(days < 0, "+", "")))
    pieces += _hh_mm_ss(whole, 2)
    if layout.decimals:
        digits = join([".", zero_pad(frac, layout.decimals)], len(seconds))
        pieces.append(pc.if_else(pa.array(frac != 0), digits, "") if layout.bare_wholes
                      else digits)
    return join(pieces, len(seconds))


def _iso_text(seconds: np.ndarray, layout: IsoLayout) -> pa.Array:
    """``P2DT20H37M56S``, ``PT20H7M`` or ``PT1.5S`` (see :mod:`~simulacra.schema._duration_iso`)."""
    n = len(seconds)
    scale = 10**layout.decimals
    ticks = _ticks(seconds, layout.decimals)
    signed_days = layout.lead == "D" and layout.every_field  # pandas: P-1DT23H59M59S
    units = layout.units()
    lead_value, rest = np.divmod(ticks if signed_days else np.abs(ticks),
                                 UNITS[units[0]] * scale)
    whole, frac = np.divmod(rest, scale)
    values = {units[0]: lead_value}
    for unit in units[1:]:
        values[unit], whole = np.divmod(whole, UNITS[unit])
    parts = {u: join([_integers(v), u], n) for u, v in values.items()}
    if layout.decimals:
        parts["S"] = join([_integers(values["S"]), _fraction(frac, layout), "S"], n)
    if layout.every_field:
        date = [parts.pop("D")] if "D" in parts else []
        pieces: list[pa.Array | str] = ["P", *date, "T", *parts.values()]
    else:
        pieces = ["P", *_nonzero_fields(parts, values, frac)]
    if not signed_days and (ticks < 0).any():
        pieces.insert(0, pa.array(np.where(ticks < 0, "-", "")))
    return join(pieces, n)


def _fraction(frac: np.ndarray, layout: IsoLayout) -> pa.Array:
    """``.25`` (trailing zeros dropped, or kept when the layout's decimals are fixed)."""
    digits = zero_pad(frac, layout.decimals)
    if layout.fixed:
        return join([".", digits], len(frac))
    digits = pc.utf8_rtrim(digits, characters="0")
    return pc.if_else(pc.greater(pc.utf8_length(digits), 0),
                      pc.binary_join_element_wise(".", digits, ""), "")


def _nonzero_fields(parts: dict[str, pa.Array], values: dict[str, np.ndarray],
                    frac: np.ndarray) -> list[pa.Array]:
    """The fields that are not zero, ``T`` before the time ones; ``T0S`` when all are."""
    nonzero = {u: values[u] != 0 for u in parts}
    nonzero["S"] = nonzero["S"] | (frac != 0)  # seconds, the last field, is always a unit
    time = [u for u in parts if u != "D"]
    days = nonzero.get("D", np.zeros(len(frac), dtype=bool))
    nonzero["S"] = nonzero["S"] | ~(days | np.logical_or.reduce([nonzero[u] for u in time]))
    any_time = np.logical_or.reduce([nonzero[u] for u in time])  # zero is PT0S
    shown = [pc.if_else(pa.array(nonzero["D"]), parts["D"], "")] if "D" in parts else []
    shown.append(pc.if_else(pa.array(any_time), "T", ""))
    shown += [pc.if_else(pa.array(nonzero[u]), parts[u], "") for u in time]
    return shown
