"""How an encoded frame is laid out for a network, and how a network's output goes back.

Continuous columns become normal scores of their ranks (``"quantile"``, decoded through a
stored quantile table, so marginals and ranges are kept) or are standardized (``"standard"``,
decoded by de-standardizing and clipping to the observed range); statistics come from the rows
that hold a value, and a missing value's placeholder becomes 0. Discrete columns, the
missing-value indicators among them, become one-hot blocks of their cardinality, decoded by
drawing from their softmax. The codec's placeholders are then written where a value is
missing (``finished_frame``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special, stats

from simulacra.data._frame import EncodedColumn, EncodedFrame
from simulacra.synth._marginals import (
    columns_from_state,
    columns_state,
    fill_value,
    finished_frame,
    interp_quantiles,
    missing_pairs,
    present_mask,
    quantile_table,
)

TRANSFORMS = ("quantile", "standard")
_TABLE_SIZE = 1024


@dataclass(frozen=True)
class Layout:
    """The network's view of the encoded columns (see the module docstring)."""

    columns: tuple[EncodedColumn, ...]
    mean: np.ndarray  # per encoded column (0 for discrete ones)
    std: np.ndarray
    low: np.ndarray
    high: np.ndarray
    fills: np.ndarray
    transform: str = "quantile"
    tables: tuple[np.ndarray, ...] = ()  # per encoded column, empty unless "quantile"

    @classmethod
    def fit(cls, frame: EncodedFrame, transform: str = "quantile") -> Layout:
        values = frame.values
        d = len(frame.columns)
        mean, std, low, high, fills = (np.zeros(d), np.ones(d), np.zeros(d), np.zeros(d),
                                       np.zeros(d))
        pairs = missing_pairs(frame.columns)
        tables = [np.zeros(0)] * d
        for j, col in enumerate(frame.columns):
            if col.discrete:
                continue
            x = values[:, j]
            present = present_mask(values, pairs, j)
            kept = x[present] if present.any() else x
            if kept.size:
                mean[j], low[j], high[j] = kept.mean(), kept.min(), kept.max()
                sd = float(kept.std())
                std[j] = sd if sd > 1e-12 else 1.0
            fills[j] = fill_value(x, present)
            if transform == "quantile":
                tables[j] = quantile_table(kept, _TABLE_SIZE)
        return cls(frame.columns, mean, std, low, high, fills, transform,
                   tuple(tables) if transform == "quantile" else ())

    # ---- blocks ---------------------------------------------------------------------------
    @property
    def continuous(self) -> np.ndarray:
        """Indices of the continuous encoded columns (the first network columns)."""
        return np.array([j for j, c in enumerate(self.columns) if not c.discrete], dtype=np.intp)

    @property
    def discrete(self) -> list[tuple[int, int, int]]:
        """``(encoded column, first network column, cardinality)`` of each one-hot block."""
        out, start = [], len(self.continuous)
        for j, col in enumerate(self.columns):
            if col.discrete:
                k = max(int(col.cardinality), 1)
                out.append((j, start, k))
                start += k
        return out

    @property
    def width(self) -> int:
        return len(self.continuous) + sum(k for _, _, k in self.discrete)

    def encode(self, frame: EncodedFrame) -> np.ndarray:
        """The network's float32 input: standardized continuous columns, then one-hots."""
        values = frame.values
        n = values.shape[0]
        out = np.zeros((n, self.width), dtype=np.float32)
        pairs = missing_pairs(self.columns)
        for i, j in enumerate(self.continuous):
            present = present_mask(values, pairs, int(j))
            x = values[present, j]
            if self.transform == "quantile" and x.size:
                z = special.ndtri((stats.rankdata(x) - 0.5) / x.size)
            else:
                z = (x - self.mean[j]) / self.std[j]
            out[present, i] = z
        rows = np.arange(n)
        for j, start, k in self.discrete:
            codes = np.clip(values[:, j].astype(np.int64), 0, k - 1)
            out[rows, start + codes] = 1.0
        return out

    def decode(self, mu: np.ndarray, sigma: np.ndarray, rng: np.random.Generator) -> EncodedFrame:
        """Encoded rows from a decoder's output ``mu`` (n x width) and per-column ``sigma``."""
        n = mu.shape[0]
        out = np.empty((len(self.columns), n))
        cont = self.continuous
        if cont.size:
            noise = rng.standard_normal((n, cont.size))
            self.write_scores(mu[:, :cont.size] + sigma[:cont.size] * noise, out)
        for j, start, k in self.discrete:
            logits = mu[:, start:start + k].astype(np.float64)
            logits -= logits.max(axis=1, keepdims=True)
            p = np.exp(logits)
            cum = np.cumsum(p, axis=1)
            u = rng.random(n) * cum[:, -1]
            out[j] = np.minimum((cum < u[:, None]).sum(axis=1), k - 1)
        return finished_frame(out, self.columns, self.fills)

    def write_scores(self, z: np.ndarray, out: np.ndarray) -> None:
        """Write continuous values for their scores ``z`` into ``out``, inverting ``encode``.

        ``z`` is rows x continuous columns, ``out`` encoded columns x rows.
        """
        cont = self.continuous
        z = np.asarray(z, dtype=np.float64)
        if self.transform == "quantile":
            u = special.ndtr(z)
            for i, j in enumerate(cont):
                out[j] = interp_quantiles(self.tables[j], u[:, i])
        else:
            x = z * self.std[cont] + self.mean[cont]
            out[cont] = np.clip(x, self.low[cont], self.high[cont]).T

    # ---- state ----------------------------------------------------------------------------
    def get_state(self) -> dict[str, Any]:
        return {"columns": columns_state(self.columns), "mean": self.mean, "std": self.std,
                "low": self.low, "high": self.high, "fills": self.fills,
                "transform": self.transform, "tables": list(self.tables)}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Layout:
        def arr(key: str) -> np.ndarray:
            return np.asarray(state[key], dtype=np.float64)

        return cls(columns_from_state(state["columns"]), mean=arr("mean"), std=arr("std"),
                   low=arr("low"), high=arr("high"), fills=arr("fills"),
                   transform=str(state["transform"]),
                   tables=tuple(np.asarray(t, dtype=np.float64) for t in state["tables"]))
