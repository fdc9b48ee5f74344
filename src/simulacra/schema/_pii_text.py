"""Text primitives shared by the personal-data checks (names and streets)."""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import pandas as pd

APOS = "'\u2019"
"""Apostrophes that may join the letters of a name or a street word."""
HAN = "\u3400-\u4dbf\u4e00-\u9fff"
KANA = "\u3040-\u30ff"


@cache
def cjk_char_re() -> re.Pattern[str]:
    """A Chinese or Japanese character (compiled on first use: 2 ms of every import)."""
    return re.compile(f"[{HAN}{KANA}]")


def in_set(values: pd.Series, names: frozenset[str]) -> np.ndarray:
    """Mark the values found in ``names`` (a Python set lookup: fast for a small sample)."""
    return np.fromiter((v in names for v in values.tolist()), dtype=bool, count=len(values))
