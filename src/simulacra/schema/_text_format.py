"""How a column's values were written as text, so that CSV output writes them the same way.

A ``text_format`` is part of a column's schema and is learned when a CSV is read:

* a number: one Python format field between optional literal text, ``"${:,.2f}"`` for
  ``$1,234.50``, ``"{:.1f}%"`` for ``12.5%``, ``"{:.2f}"`` for ``12.50``. A negative number's
  minus sign goes before the literal prefix (``-$12.00``). Thousands separated by another
  mark than the comma put it where Python's ``,`` goes: ``"{:\u00a0.2f}\u00a0€"`` for
  French Excel's ``1 234,50 €`` (no-break spaces), ``"{: .0f}"`` for ``12 500`` (plain
  spaces), ``"{:'.2f}"`` for Swiss ``1'234.50``
  (marks in :data:`GROUPING_MARKS`). Negative numbers written otherwise follow a ``;``, as in
  Excel's number formats: ``"${:,.2f};(${:,.2f})"`` for accounting's ``($1,234.50)``. A
  ``~`` after a fixed precision writes whole numbers without decimals: ``"{:,.2f~}"`` for
  ``1,234.50`` beside ``50,177`` (a spreadsheet's amounts, cents shown only where there are
  some);
* true/false: the two spellings, true first, split by ``/``: ``"true/false"``, ``"Y/N"``;
* a duration in seconds: its layout, ``"[h]:mm:ss"`` for ``38:31:00``, ``"[m]:ss.00"`` for
  ``1:56.30``, ``"[d] days hh:mm:ss"`` for pandas' ``2 days 20:37:56``, ``"PTnHnMnS~"`` for
  ISO's ``PT20H7M`` (see :mod:`simulacra.schema._durations`). A column of such strings is read
  with it too, and sampled back as such strings.

Typed outputs (DataFrames, Parquet, databases) hold the values themselves and ignore it.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass

from simulacra.schema._durations import duration_layout

__all__ = ["GROUPING_MARKS", "NumberFormat", "bool_spellings", "number_format",
           "text_format_problem"]

_FIELD = re.compile(r"\{:([^{}]*)\}")
GROUPING_MARKS = "\u00a0\u202f' "
"""Thousands separators a format may name besides Python's ``,`` and ``_``: the no-break
space and narrow no-break space French and other locales write, the Swiss apostrophe and a
plain space (Czech, Polish, Swedish exports: ``1 234,50``; so ``"{: .2f}"`` groups by spaces
rather than padding positive numbers with one)."""
_PRECISION = re.compile(r"\.\d+(?=[fF]$)")
"""A fixed precision (``.2`` of ``,.2f``), which ``~`` drops for whole numbers."""
_GROUPING = re.compile(rf"^([^.]*?)([{GROUPING_MARKS}])(?=\.|[a-zA-Z%]?$)")


@dataclass(frozen=True)
class NumberFormat:
    """A number format split into its literal prefix, Python format spec and literal suffix.

    ``grouping`` is the thousands mark when it is not Python's own (``spec`` then has ``,``
    in its place).
    """

    prefix: str
    spec: str
    suffix: str
    grouping: str = ","
    negative: tuple[str, str] | None = None
    """The literal text around a negative number's digits, when not a minus and ``prefix``."""
    bare_wholes: bool = False
    """Whole numbers are written without decimals (``~`` after the spec: ``{:,.2f~}``)."""

    def __str__(self) -> str:
        spec = self.spec.replace(",", self.grouping, 1) if self.grouping != "," else self.spec
        spec += "~" if self.bare_wholes else ""
        shown = f"{self.prefix}{{:{spec}}}{self.suffix}"
        if self.negative is not None:
            shown += f";{self.negative[0]}{{:{spec}}}{self.negative[1]}"
        return shown

    def text(self, value: float) -> str:
        """``value`` in the format's number field, without the literal text around it."""
        spec = self.spec
        if self.bare_wholes:
            places = _PRECISION.search(spec)
            assert places is not None  # number_format checked it
            if math.isfinite(value) and float(format(value, f"{places.group()}f")).is_integer():
                spec = _PRECISION.sub(".0", spec)  # 50,177 beside 94,992.60
        body = format(value, spec)
        return body.replace(",", self.grouping) if self.grouping != "," else body


def number_format(text: str) -> NumberFormat | None:
    """Parse ``"${:,.2f}"``; None if it is not one format field between literal text.

    ``"${:,.2f};(${:,.2f})"``: a second such format after a ``;``, with the same field, is
    how negative numbers are written (their digits, without a minus).
    """
    positive, semicolon, negative = text.partition(";")
    if semicolon:
        shown, minus = _one_field(positive), _one_field(negative)
        if shown is None or minus is None or (shown.spec, shown.grouping, shown.bare_wholes) != (
                minus.spec, minus.grouping, minus.bare_wholes):
            return None
        return dataclasses.replace(shown, negative=(minus.prefix, minus.suffix))
    return _one_field(text)


def _one_field(text: str) -> NumberFormat | None:
    fields = list(_FIELD.finditer(text))
    if len(fields) != 1:
        return None
    found = fields[0]
    prefix, suffix = text[: found.start()], text[found.end():]
    if any(c in prefix + suffix for c in "{}"):
        return None
    spec, grouping = found.group(1), ","
    bare_wholes = spec.endswith("~")
    if bare_wholes:
        spec = spec[:-1]
        if _PRECISION.search(spec) is None:
            return None  # "~" drops a fixed precision's decimals: "{:.2f~}", not "{:g~}"
    mark = _GROUPING.match(spec)
    if mark is not None:  # "\u00a0.2f": that mark where Python's "," goes
        spec, grouping = f"{mark.group(1)},{spec[mark.end():]}", mark.group(2)
    try:
        format(-1234.5, spec)
        format(1234, spec)
    except (ValueError, TypeError):
        return None
    return NumberFormat(prefix, spec, suffix, grouping, bare_wholes=bare_wholes)


def bool_spellings(text: str) -> tuple[str, str] | None:
    """``"true/false"`` -> ``("true", "false")``; None unless two different non-empty words."""
    parts = text.split("/")
    if len(parts) != 2 or not all(parts) or parts[0] == parts[1]:
        return None
    return parts[0], parts[1]


def text_format_problem(text: str, kind: str) -> str | None:
    """Why ``text`` cannot be the text format of a column of ``kind``, or None if it can."""
    if kind == "numerical":
        if number_format(text) is None and duration_layout(text) is None:
            return (f"'text_format' {text!r} of a numerical column must be one Python format "
                    "field between literal text, such as '{:.2f}', '${:,.2f}' or '{:.1f}%' "
                    "(and the same for negative numbers after a ';': '${:,.2f};(${:,.2f})'; "
                    "a '~' after a fixed precision, '{:,.2f~}', writes whole numbers without "
                    "decimals), or the layout of a duration in seconds: a stopwatch's "
                    "('[h]:mm:ss', '[hh]:mm:ss', '[m]:ss', '.00' after 'ss' for decimals), "
                    "pandas' ('[d] days hh:mm:ss', '[d] days') or ISO 8601's ('PnDTnHnMnS', "
                    "'PTnHnMnS', 'PTnMnS', 'PTnS'; '~' at the end leaves out zero fields; "
                    "'n.000S' or 'n.###S' for decimals).")
        return None
    if kind == "boolean":
        if bool_spellings(text) is None:
            return (f"'text_format' {text!r} of a boolean column must be the spellings of true "
                    "and false split by '/', such as 'true/false' or 'Y/N'.")
        return None
    return (f"'text_format' applies to numerical and boolean columns, not to a {kind} one. "
            "Remove it.")
