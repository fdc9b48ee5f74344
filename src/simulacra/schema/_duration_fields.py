"""The fields of durations written as text, read by one regular expression for a whole column.

Each family of :mod:`simulacra.schema._durations` names its fields in a pattern that RE2
(pyarrow) and Python's ``re`` read alike; these helpers turn the matched fields into numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def extract_fields(values: pd.Series, pattern: str) -> pa.StructArray:
    """Each value's named fields (null where it is missing or does not match ``pattern``)."""
    text = pa.array(values.astype("string").array, pa.string())  # missing: null
    fields: pa.StructArray = pc.extract_regex(pc.utf8_trim_whitespace(text), pattern)
    return fields


def field_numbers(fields: pa.StructArray, name: str) -> np.ndarray:
    """Field ``name`` as float64: NaN where it is empty (left out) or the value unmatched."""
    part = pc.if_else(pc.equal(fields.field(name), ""), pa.scalar(None, pa.string()),
                      fields.field(name))
    out: np.ndarray = pc.cast(part, pa.float64()).to_numpy(zero_copy_only=False)
    return out


def shown(fields: pa.StructArray, name: str) -> np.ndarray:
    """Whether field ``name`` is written (false where it is left out or unmatched)."""
    out: np.ndarray = pc.fill_null(pc.not_equal(fields.field(name), ""), False).to_numpy(
        zero_copy_only=False)
    return out


def fraction_seconds(fields: pa.StructArray, name: str = "frac") -> np.ndarray:
    """The decimals of a second written after the dot (``"25"`` -> 0.25), 0 where none."""
    frac_text = fields.field(name)
    digits = np.asarray(pc.fill_null(pc.utf8_length(frac_text), 0).to_numpy(
        zero_copy_only=False))
    return np.nan_to_num(field_numbers(fields, name) / 10.0**digits)


def fraction_widths(fields: pa.StructArray, name: str = "frac") -> np.ndarray:
    """How many decimals each value writes (0 where none)."""
    out: np.ndarray = pc.fill_null(pc.utf8_length(fields.field(name)), 0).to_numpy(
        zero_copy_only=False)
    return out


def matched(fields: pa.StructArray) -> np.ndarray:
    """Whether each value matched the pattern."""
    out: np.ndarray = fields.is_valid().to_numpy(zero_copy_only=False)
    return out
