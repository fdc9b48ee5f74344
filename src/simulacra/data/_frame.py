"""The encoded form of a table that every model learns from and samples.

A codec turns a DataFrame into a float matrix whose columns are either *continuous*
(real values in their natural scale, never NaN) or *discrete* (integer codes ``0..k-1``).
Missing values are an explicit discrete indicator column, so models learn where they fall.
Generated columns (ids, PII, free text) are not part of it: they are made at decode time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class EncodedColumn:
    """One column of the encoded matrix.

    Parameters
    ----------
    name
        Unique name within the matrix (``"age"`` or ``"age.missing"``).
    source
        The table column it comes from.
    discrete
        True for integer codes, False for continuous values.
    cardinality
        Number of codes of a discrete column; 0 for a continuous one.
    integer
        For continuous columns: values are whole numbers (counts, ages, days).
    role
        The source column's role (``"feature"``, ``"target"``, ...), so a model can give a
        declared target special care.
    missing_code
        For discrete columns: the code that stands for a missing value (``1`` of a
        ``"<name>.missing"`` indicator, the last code of a categorical column with missing
        values), or -1 when none does. It describes the codes rather than the column, so
        columns compare equal without it (states saved before it was kept have none).
    """

    name: str
    source: str
    discrete: bool
    cardinality: int = 0
    integer: bool = False
    role: str = "feature"
    missing_code: int = field(default=-1, compare=False)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "source": self.source,
            "discrete": self.discrete,
            "cardinality": self.cardinality,
            "integer": self.integer,
            "role": self.role,
        }
        if self.missing_code >= 0:  # states of tables without one stay as they were
            out["missing_code"] = self.missing_code
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EncodedColumn:
        return cls(**data)


@dataclass(frozen=True)
class EncodedFrame:
    """A float64 matrix ``values`` (rows x columns) and the description of its columns."""

    values: np.ndarray
    columns: tuple[EncodedColumn, ...]

    def __post_init__(self) -> None:
        if self.values.ndim != 2 or self.values.shape[1] != len(self.columns):
            raise ValueError(
                f"EncodedFrame: values of shape {self.values.shape} do not match "
                f"{len(self.columns)} columns."
            )

    @property
    def n_rows(self) -> int:
        return int(self.values.shape[0])

    def index_of(self, name: str) -> int:
        for i, col in enumerate(self.columns):
            if col.name == name:
                return i
        raise KeyError(name)

    def column(self, name: str) -> np.ndarray:
        return self.values[:, self.index_of(name)]

    def with_values(self, values: np.ndarray) -> EncodedFrame:
        """The same columns over other rows (a model's sample)."""
        return EncodedFrame(np.asarray(values, dtype=np.float64), self.columns)
