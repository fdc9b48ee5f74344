"""Encoded columns as discrete *attributes*, and back: shared by ``bayesnet`` and ``argn``.

Continuous columns are cut into quantile bins (each distinct value is its own bin when there
are at most ``n_bins``); a missing-value indicator and its value column form one attribute
whose code 0 means missing. A sampled bin is decoded by interpolating between stored
quantiles of the training values inside it, so marginals stay faithful.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from simulacra.data._frame import EncodedColumn, EncodedFrame
from simulacra.synth._marginals import (
    MISSING_CODE,
    columns_from_state,
    columns_state,
    fill_value,
    finished_frame,
    missing_pairs,
    present_mask,
)

# Quantiles kept per bin to decode a bin back into values.
_PER_BIN = 50


@dataclass(frozen=True)
class Attributes:
    """The discrete view of an encoded frame (see the module docstring).

    ``value_columns[a]`` is the encoded column of attribute ``a``, ``indicators[a]`` its
    missing indicator's (or -1), ``cards[a]`` its number of codes and ``bins[a]`` the per-bin
    quantiles of a continuous attribute (empty for a discrete one).
    """

    columns: tuple[EncodedColumn, ...]
    value_columns: np.ndarray
    indicators: np.ndarray
    cards: np.ndarray
    bins: tuple[np.ndarray, ...]
    fills: np.ndarray

    @classmethod
    def fit(cls, frame: EncodedFrame, n_bins: int) -> tuple[Attributes, np.ndarray]:
        """The attributes of ``frame`` and its codes (attributes x rows)."""
        values = frame.values
        pairs = missing_pairs(frame.columns)
        paired = set(pairs.values())
        cols, inds, cards, bins, out = [], [], [], [], []
        fills = np.zeros(len(frame.columns))
        for j, col in enumerate(frame.columns):
            if j in paired:
                continue  # merged into its value column's attribute
            x = values[:, j]
            if col.discrete:
                k = max(int(col.cardinality), 1)
                code, table = np.clip(x.astype(np.int64), 0, k - 1), np.zeros((0, 0))
            else:
                present = present_mask(values, pairs, j)
                fills[j] = fill_value(x, present)
                code, table = _bin_column(x, present, n_bins, j in pairs)
                k = table.shape[0] + (1 if j in pairs else 0)
            cols.append(j)
            inds.append(pairs.get(j, -1))
            cards.append(k)
            bins.append(table)
            out.append(code)
        codes = np.vstack(out) if out else np.zeros((0, frame.n_rows), dtype=np.int64)
        attrs = cls(frame.columns, np.array(cols, dtype=np.int64),
                    np.array(inds, dtype=np.int64), np.array(cards, dtype=np.int64),
                    tuple(bins), fills)
        return attrs, codes

    @property
    def size(self) -> int:
        return int(self.cards.size)

    def decode(self, codes: np.ndarray, rng: np.random.Generator) -> EncodedFrame:
        """Encoded rows from attribute codes (attributes x rows)."""
        n = int(codes.shape[1])
        out = np.zeros((len(self.columns), n))
        for a in range(self.size):
            j, ind, table = self.value_columns[a], self.indicators[a], self.bins[a]
            if table.size == 0:
                out[j] = codes[a]
                continue
            bin_code = codes[a]
            if ind >= 0:
                missing = bin_code == 0
                out[ind] = np.where(missing, MISSING_CODE, 1 - MISSING_CODE)
                bin_code = np.maximum(bin_code - 1, 0)
            out[j] = _decode_bins(table, bin_code, rng.random(n))
        return finished_frame(out, self.columns, self.fills)

    def fixed_codes(self, fixed: dict[int, float]) -> dict[int, int]:
        """Attribute -> code for encoded columns held at given values (``_sample_fixed``).

        A number falls in the bin whose training values span it (the nearest bin otherwise);
        the caller writes the exact number back after decoding.
        """
        out: dict[int, int] = {}
        for a in range(self.size):
            j, ind, table = int(self.value_columns[a]), int(self.indicators[a]), self.bins[a]
            if ind >= 0 and ind in fixed and fixed[ind] == MISSING_CODE:
                out[a] = 0
            elif j in fixed:
                if table.size == 0:
                    out[a] = int(fixed[j])
                else:
                    low = table[:, 0]
                    b = int(np.clip(np.searchsorted(low, fixed[j], side="right") - 1, 0,
                                    low.size - 1))
                    out[a] = b + (1 if ind >= 0 else 0)
        return out

    # ---- state ----------------------------------------------------------------------------
    def get_state(self) -> dict[str, Any]:
        return {"columns": columns_state(self.columns), "attr_columns": self.value_columns,
                "attr_indicators": self.indicators, "cards": self.cards,
                "bins": list(self.bins), "fills": self.fills}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Attributes:
        return cls(columns_from_state(state["columns"]),
                   np.asarray(state["attr_columns"], dtype=np.int64),
                   np.asarray(state["attr_indicators"], dtype=np.int64),
                   np.asarray(state["cards"], dtype=np.int64),
                   tuple(np.asarray(b, dtype=np.float64) for b in state["bins"]),
                   np.asarray(state["fills"], dtype=np.float64))


def value_codes(attributes: Attributes, a: int, x: np.ndarray) -> np.ndarray:
    """Attribute ``a``'s codes for encoded values ``x`` of its value column (held cells).

    A category is its code; a number the bin whose training values span it, counted from 1
    where code 0 is the column's missing state.
    """
    table = attributes.bins[a]
    if table.size == 0:
        k = int(attributes.cards[a])
        return np.asarray(np.clip(np.rint(np.nan_to_num(x)), 0, k - 1), dtype=np.int64)
    return bin_of(table, x) + (1 if attributes.indicators[a] >= 0 else 0)


def bin_of(table: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The bin (row of ``table``, its quantiles ascending) whose values span each of ``x``.

    Bins hold disjoint ranges of training values in order, so a training value finds its
    own bin; a value between two bins' ranges, or beyond all, takes the nearest.
    """
    low, high = table[:, 0], table[:, -1]
    above = np.clip(np.searchsorted(low, x, side="right") - 1, 0, low.size - 1)  # low <= x
    nxt = np.minimum(above + 1, low.size - 1)
    nearer_next = (x > high[above]) & (low[nxt] - x < x - high[above])
    return np.asarray(np.where(nearer_next, nxt, above), dtype=np.int64)


def _bin_column(x: np.ndarray, present: np.ndarray, n_bins: int,
                has_missing_state: bool) -> tuple[np.ndarray, np.ndarray]:
    """Bin codes of ``x`` (0 = missing when ``has_missing_state``) and per-bin quantiles."""
    xp = x[present]
    if xp.size == 0:
        xp = x if x.size else np.zeros(1)
    uniq = np.unique(xp)
    if uniq.size <= n_bins:
        edges = (uniq[1:] + uniq[:-1]) / 2  # every distinct value its own bin, exactly
    else:
        edges = np.unique(np.quantile(xp, np.linspace(0.0, 1.0, n_bins + 1)[1:-1]))
    xs = np.sort(xp)
    sorted_bins = np.searchsorted(edges, xs, side="right")
    used, sorted_bins = np.unique(sorted_bins, return_inverse=True)  # drop empty bins
    remap = np.zeros(edges.size + 1, dtype=np.int64)
    remap[used] = np.arange(used.size)
    starts = np.searchsorted(sorted_bins, np.arange(used.size + 1))
    probs = np.linspace(0.0, 1.0, _PER_BIN)
    table = np.array([np.quantile(xs[starts[b]:starts[b + 1]], probs) for b in range(used.size)])
    codes = remap[np.searchsorted(edges, x, side="right")]
    if has_missing_state:
        codes = np.where(present, codes + 1, 0)
    return codes.astype(np.int64), table


def _decode_bins(table: np.ndarray, bin_code: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Draw a value inside each bin: the bin's quantile function at ``u``."""
    q = table.shape[1]
    if q == 1:
        return np.asarray(table[bin_code, 0])
    t = u * (q - 1)
    i = np.minimum(t.astype(np.intp), q - 2)
    t -= i
    i += bin_code * q
    flat = table.ravel()
    lo = flat[i]
    step = flat[i + 1]
    step -= lo
    step *= t
    step += lo
    return np.asarray(step)
