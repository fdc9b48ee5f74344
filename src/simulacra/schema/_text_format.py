"""How a column's values were written as text, so that CSV output writes them the same way.

A ``text_format`` is part of a column's schema and is learned when a CSV is read:

* a number: one Python format field between optional literal text, ``"${:,.2f}"`` for
  ``$1,234.50``, ``"{:.1f}%"`` for ``12.5%``, ``"{:.2f}"`` for ``12.50``. A negative number's
  minus sign goes before the literal prefix (``-$12.00``);
* true/false: the two spellings, true first, split by ``/``: ``"true/false"``, ``"Y/N"``;
* a duration in seconds: its layout, ``"[h]:mm:ss"`` for ``38:31:00`` or ``"[m]:ss"`` for
  ``22:07`` (see :mod:`simulacra.schema._durations`). A column of such strings is read with it
  too, and sampled back as such strings.

Typed outputs (DataFrames, Parquet, databases) hold the values themselves and ignore it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from simulacra.schema._durations import duration_layout

__all__ = ["NumberFormat", "bool_spellings", "number_format", "text_format_problem"]

_FIELD = re.compile(r"\{:([^{}]*)\}")


@dataclass(frozen=True)
class NumberFormat:
    """A number format split into its literal prefix, Python format spec and literal suffix."""

    prefix: str
    spec: str
    suffix: str

    def __str__(self) -> str:
        return f"{self.prefix}{{:{self.spec}}}{self.suffix}"


def number_format(text: str) -> NumberFormat | None:
    """Parse ``"${:,.2f}"``; None if it is not one format field between literal text."""
    fields = list(_FIELD.finditer(text))
    if len(fields) != 1:
        return None
    found = fields[0]
    prefix, suffix = text[: found.start()], text[found.end():]
    if any(c in prefix + suffix for c in "{}"):
        return None
    try:
        format(-1234.5, found.group(1))
        format(1234, found.group(1))
    except (ValueError, TypeError):
        return None
    return NumberFormat(prefix, found.group(1), suffix)


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
                    "field between literal text, such as '{:.2f}', '${:,.2f}' or '{:.1f}%', "
                    "or the layout of a duration in seconds, such as '[h]:mm:ss' or '[m]:ss'.")
        return None
    if kind == "boolean":
        if bool_spellings(text) is None:
            return (f"'text_format' {text!r} of a boolean column must be the spellings of true "
                    "and false split by '/', such as 'true/false' or 'Y/N'.")
        return None
    return (f"'text_format' applies to numerical and boolean columns, not to a {kind} one. "
            "Remove it.")
