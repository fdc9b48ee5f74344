"""What every column codec does, and the helpers they share.

A column codec is built from its :class:`~simulacra.schema.Column` and a *state*: a dict of
JSON values and numpy arrays that is all it learned at fit, so ``get_state`` returns it as is
and ``from_state`` is the constructor. ``encode`` gives an ``(n, k)`` float block for the
codec's ``k`` encoded columns (``k`` may be 0); ``decode`` turns such a block back into an
array of the column's dtype.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd

from simulacra.data._dtypes import ArrayLike
from simulacra.data._frame import EncodedColumn
from simulacra.schema._model import Column, Kind

MISSING_SUFFIX = ".missing"


class ColumnCodec(ABC):
    """Encodes one column into ``len(self.encoded)`` matrix columns and decodes it back."""

    kind: ClassVar[Kind]

    def __init__(self, column: Column, state: dict[str, Any]) -> None:
        self.column = column
        self.state = state
        self.encoded: tuple[EncodedColumn, ...] = self._encoded_columns()

    @classmethod
    @abstractmethod
    def fit(cls, series: pd.Series, column: Column, *, salt: str) -> Self:
        """Learn from the real values."""

    @classmethod
    def from_state(cls, column: Column, state: dict[str, Any]) -> Self:
        """Rebuild from :meth:`get_state`."""
        return cls(column, state)

    def get_state(self) -> dict[str, Any]:
        """JSON values and numpy arrays only."""
        return self.state

    @abstractmethod
    def _encoded_columns(self) -> tuple[EncodedColumn, ...]:
        """The matrix columns this codec fills."""

    def encode(self, series: pd.Series) -> np.ndarray:
        """An ``(n, k)`` float64 block; the default is no columns (generated kinds)."""
        return np.empty((len(series), 0), dtype=np.float64)

    @abstractmethod
    def decode(self, block: np.ndarray, *, rng: np.random.Generator, start: int) -> ArrayLike:
        """Values of the column's dtype for the rows of ``block``."""

    # ---- shared helpers ------------------------------------------------------------------
    def _missing_column(self) -> EncodedColumn:
        name = self.column.name
        return EncodedColumn(f"{name}{MISSING_SUFFIX}", name, discrete=True, cardinality=2,
                             missing_code=1)

    @property
    def where(self) -> str:
        return f"column {self.column.name!r}"


def codes_of(values: np.ndarray, cardinality: int) -> np.ndarray:
    """Integer codes from a model's discrete output (rounded, clipped into range)."""
    filled = np.where(np.isfinite(values), values, 0.0)
    return np.clip(np.rint(filled), 0, max(cardinality - 1, 0)).astype(np.int64)


def missing_of(block: np.ndarray, has_indicator: bool) -> np.ndarray | None:
    """The missing mask from the indicator column (the block's first), or None."""
    if not has_indicator:
        return None
    out: np.ndarray = codes_of(block[:, 0], 2) == 1
    return out


def draw_missing(n: int, share: float, rng: np.random.Generator) -> np.ndarray | None:
    """Rows left missing in a generated column, at the real column's rate."""
    if share <= 0.0:
        return None
    return rng.random(n) < share


def with_indicator(values: np.ndarray, missing: np.ndarray, has_indicator: bool) -> np.ndarray:
    """Stack the missing indicator (if any) before the value column."""
    cols = [missing.astype(np.float64)] if has_indicator else []
    cols.append(values.astype(np.float64))
    return np.column_stack(cols)
