"""Parquet column types written as text (``decimal128(10, 2)``), and read back.

A column read from Parquet keeps the file's type where its values alone would be written
as another: ``decimal128(10, 2)`` (Python decimals would take the fewest digits they need),
``int8`` with missing cells (pandas holds them as float64), ``time32[ms]``, ``float16``, a
dictionary's index width. The text is pyarrow's own (``str(type)``), so a schema shows it
as pyarrow and Parquet tools print it.
"""

from __future__ import annotations

import re

import pyarrow as pa

__all__ = ["arrow_type", "arrow_type_text"]

_DECIMAL = re.compile(r"decimal(128|256)\((\d+), ?(-?\d+)\)")
_TIMESTAMP = re.compile(r"timestamp\[(s|ms|us|ns)(?:, tz=(.+))?\]")
_DICTIONARY = re.compile(r"dictionary<values=(.+), indices=(\w+), ordered=([01])>")


def arrow_type(text: str) -> pa.DataType:
    """The pyarrow type ``text`` names; ``ValueError`` if it names none (or a nested one)."""
    text = text.strip()
    decimal = _DECIMAL.fullmatch(text)
    if decimal:
        make = pa.decimal128 if decimal.group(1) == "128" else pa.decimal256
        return make(int(decimal.group(2)), int(decimal.group(3)))
    stamp = _TIMESTAMP.fullmatch(text)
    if stamp:
        return pa.timestamp(stamp.group(1), tz=stamp.group(2))
    dictionary = _DICTIONARY.fullmatch(text)
    if dictionary:
        indices = arrow_type(dictionary.group(2))
        if not pa.types.is_integer(indices):
            raise ValueError(f"{text!r}: a dictionary's indices are integers")
        return pa.dictionary(indices, arrow_type(dictionary.group(1)),
                             ordered=dictionary.group(3) == "1")
    try:
        return pa.type_for_alias(text)
    except (ValueError, KeyError):
        raise ValueError(f"{text!r} is not a pyarrow type simulacra writes") from None


def arrow_type_text(type_: pa.DataType) -> str | None:
    """``type_`` as text that :func:`arrow_type` reads back to it, else None (nested types)."""
    text = str(type_)
    try:
        return text if arrow_type(text) == type_ else None
    except ValueError:
        return None
