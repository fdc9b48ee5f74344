"""Option values the CLI reads more kindly than typer's types: row counts such as ``1e6``."""

from __future__ import annotations

import re
from decimal import Decimal

import typer

__all__ = ["parse_rows"]

_MOST_DIGITS = 100
_SUFFIXES = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9, "b": 10**9}
_ROWS = re.compile(r"([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)\s*([kmgb]?)", re.IGNORECASE)


def parse_rows(text: str) -> int:
    """A number of rows as people write it: ``1000000``, ``1_000_000``, ``1,000,000``, ``1e6``,
    ``10k``, ``2.5M``. Zero and negative numbers pass, for the command to refuse with its fix.
    """
    match = _ROWS.fullmatch(text.strip().replace("_", "").replace(",", ""))
    if match is None:
        raise typer.BadParameter(
            f"{text!r} is not a number of rows. Write a whole number such as 1000000, "
            "1e6 or 10M (k, M and G for thousands, millions and billions).")
    # exact: a float would make 1e30 rows 1,000,000,000,000,000,019,884,624,838,656
    number = Decimal(match.group(1))
    if number.adjusted() >= _MOST_DIGITS:  # 1e999999999 would take minutes to make an int of
        raise typer.BadParameter(f"{text!r} is more rows than any disk could hold.")
    value = number * _SUFFIXES[match.group(2).lower()]
    if value != value.to_integral_value():
        raise typer.BadParameter(f"{text!r} is {float(value):g} rows, not a whole number.")
    return int(value)
