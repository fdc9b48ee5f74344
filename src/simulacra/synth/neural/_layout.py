"""How an encoded frame is laid out for a network, and how a network's output goes back.

Continuous columns become normal scores of their ranks (``"quantile"``, decoded through a
stored quantile table, so marginals and ranges are kept) or are standardized (``"standard"``,
decoded by de-standardizing and clipping to the observed range); statistics come from the rows
that hold a value, and a missing value's placeholder becomes 0. ``"mode"`` is CTGAN's
mode-specific normalization: a variational Gaussian mixture per column, each value becoming a
scalar ``alpha = (x - mu_k) / (4 sigma_k)`` in [-0.99, 0.99] and a one-hot *mode block* of its
most probable component ``k`` (decoded by drawing the mode from the block's softmax, as the
network's Gumbel softmax did in training, and ``alpha 4 sigma_k + mu_k``, clipped to the
observed range); a missing value's placeholder takes the fill value's mode.
Discrete columns, the missing-value indicators among them, become one-hot blocks of their
cardinality, decoded by drawing from their softmax. The codec's placeholders are then written
where a value is missing (``finished_frame``).

Network columns: the continuous scalars first, then the mode blocks (``Layout.modes``, one per
continuous column, in the same order; ``"mode"`` only), then the discrete blocks
(``Layout.discrete``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special, stats

from simulacra._warnings import quiet
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

TRANSFORMS = ("quantile", "standard")  # the transforms every network model takes
MODE = "mode"  # CTGAN's mode-specific normalization (ctgan only)
_TABLE_SIZE = 1024
_MAX_MODES = 10  # components of each column's mixture
_MIN_MODE_WEIGHT = 0.005  # components lighter than this are dropped
_MODE_FIT_ROWS = 10_000  # the mixture is fitted on at most this many values
_ALPHA_CLIP = 0.99


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
    # per encoded column, the kept mixture components; empty unless "mode"
    mode_weights: tuple[np.ndarray, ...] = ()
    mode_means: tuple[np.ndarray, ...] = ()
    mode_stds: tuple[np.ndarray, ...] = ()

    @classmethod
    def fit(cls, frame: EncodedFrame, transform: str = "quantile",
            rng: np.random.Generator | None = None) -> Layout:
        """The layout of ``frame``'s columns under ``transform``.

        ``rng`` seeds the mixtures of ``"mode"`` (and picks the rows they are fitted on); the
        other transforms draw nothing from it.
        """
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
        if transform != MODE:
            return cls(frame.columns, mean, std, low, high, fills, transform,
                       tuple(tables) if transform == "quantile" else ())
        rng = rng if rng is not None else np.random.default_rng(0)
        none = (np.zeros(0), np.zeros(0), np.zeros(0))
        mixtures = [none if col.discrete else
                    _fit_modes(values[present_mask(values, pairs, j), j], mean[j], std[j], rng)
                    for j, col in enumerate(frame.columns)]
        weights, means, stds = (tuple(m[i] for m in mixtures) for i in range(3))
        return cls(frame.columns, mean, std, low, high, fills, transform, (), weights, means,
                   stds)

    # ---- blocks ---------------------------------------------------------------------------
    @property
    def continuous(self) -> np.ndarray:
        """Indices of the continuous encoded columns (the first network columns)."""
        return np.array([j for j, c in enumerate(self.columns) if not c.discrete], dtype=np.intp)

    @property
    def modes(self) -> list[tuple[int, int, int]]:
        """``(encoded column, first network column, modes)`` of each mode block (``"mode"``).

        One per continuous column, in the order of ``continuous``, after the scalars.
        """
        if self.transform != MODE:
            return []
        out, start = [], len(self.continuous)
        for j in self.continuous:
            k = int(self.mode_means[j].size)
            out.append((int(j), start, k))
            start += k
        return out

    @property
    def discrete(self) -> list[tuple[int, int, int]]:
        """``(encoded column, first network column, cardinality)`` of each one-hot block.

        The blocks of the discrete columns only, after the scalars and the mode blocks.
        """
        out = []
        start = len(self.continuous) + sum(k for _, _, k in self.modes)
        for j, col in enumerate(self.columns):
            if col.discrete:
                k = max(int(col.cardinality), 1)
                out.append((j, start, k))
                start += k
        return out

    @property
    def width(self) -> int:
        """Network columns: scalars, mode blocks and discrete blocks."""
        return (len(self.continuous) + sum(k for _, _, k in self.modes)
                + sum(k for _, _, k in self.discrete))

    def encode(self, frame: EncodedFrame) -> np.ndarray:
        """The network's float32 input: continuous scalars, then one-hots (see the module)."""
        values = frame.values
        n = values.shape[0]
        out = np.zeros((n, self.width), dtype=np.float32)
        pairs = missing_pairs(self.columns)
        rows, modes = np.arange(n), self.modes
        for i, j in enumerate(self.continuous):
            present = present_mask(values, pairs, int(j))
            if self.transform == MODE:  # missing rows: the fill value's mode and alpha
                alpha, mode = self.mode_scores(int(j), np.where(present, values[:, j],
                                                                self.fills[j]))
                out[:, i] = alpha
                out[rows, modes[i][1] + mode] = 1.0
                continue
            x = values[present, j]
            if self.transform == "quantile" and x.size:
                z = special.ndtri((stats.rankdata(x) - 0.5) / x.size)
            else:
                z = (x - self.mean[j]) / self.std[j]
            out[present, i] = z
        for j, start, k in self.discrete:
            codes = np.clip(values[:, j].astype(np.int64), 0, k - 1)
            out[rows, start + codes] = 1.0
        return out

    def decode(self, mu: np.ndarray, sigma: np.ndarray, rng: np.random.Generator) -> EncodedFrame:
        """Encoded rows from a decoder's output ``mu`` (n x width) and per-column ``sigma``.

        Every one-hot block, mode blocks included, is drawn from the softmax of its logits:
        the argmax of the Gumbel-softmax output the network was trained with. (The plain
        argmax of the logits would put nearly every value in one mode.)
        """
        n = mu.shape[0]
        out = np.empty((len(self.columns), n))
        cont = self.continuous
        if cont.size:
            noise = rng.standard_normal((n, cont.size))
            z = mu[:, :cont.size] + sigma[:cont.size] * noise
            if self.transform == MODE:
                modes = [draw_softmax(mu[:, start:start + k], rng) for _, start, k in self.modes]
                self.write_modes(z, np.stack(modes, axis=1), out)
            else:
                self.write_scores(z, out)
        for j, start, k in self.discrete:
            out[j] = draw_softmax(mu[:, start:start + k], rng)
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

    def mode_scores(self, j: int, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``alpha`` and the most probable mode of values ``x`` of continuous column ``j``."""
        mu, sd = self.mode_means[j], self.mode_stds[j]
        z = (x[:, None] - mu) / sd
        log_p = np.log(self.mode_weights[j]) - np.log(sd) - 0.5 * z * z
        k = np.argmax(log_p, axis=1)
        alpha = np.clip(z[np.arange(x.size), k] / 4.0, -_ALPHA_CLIP, _ALPHA_CLIP)
        return alpha, k

    def write_modes(self, alpha: np.ndarray, modes: np.ndarray, out: np.ndarray) -> None:
        """Write continuous values for ``alpha`` in ``modes`` into ``out`` (``"mode"``).

        ``alpha`` and ``modes`` are rows x continuous columns, ``out`` encoded columns x rows;
        values are clipped to each column's observed range.
        """
        alpha = np.asarray(alpha, dtype=np.float64)
        for i, j in enumerate(self.continuous):
            k = modes[:, i]
            x = alpha[:, i] * 4.0 * self.mode_stds[j][k] + self.mode_means[j][k]
            out[j] = np.clip(x, self.low[j], self.high[j])

    # ---- state ----------------------------------------------------------------------------
    def get_state(self) -> dict[str, Any]:
        return {"columns": columns_state(self.columns), "mean": self.mean, "std": self.std,
                "low": self.low, "high": self.high, "fills": self.fills,
                "transform": self.transform, "tables": list(self.tables),
                "mode_weights": list(self.mode_weights), "mode_means": list(self.mode_means),
                "mode_stds": list(self.mode_stds)}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Layout:
        def arr(key: str) -> np.ndarray:
            return np.asarray(state[key], dtype=np.float64)

        def arrays(key: str) -> tuple[np.ndarray, ...]:  # absent in older states: no modes
            return tuple(np.asarray(t, dtype=np.float64) for t in state.get(key, ()))

        return cls(columns_from_state(state["columns"]), mean=arr("mean"), std=arr("std"),
                   low=arr("low"), high=arr("high"), fills=arr("fills"),
                   transform=str(state["transform"]), tables=arrays("tables"),
                   mode_weights=arrays("mode_weights"), mode_means=arrays("mode_means"),
                   mode_stds=arrays("mode_stds"))


def draw_softmax(logits: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One draw per row from the softmax of ``logits`` (rows x k): codes ``0..k-1``.

    ``-inf`` logits are never drawn (a code ruled out).
    """
    logits = logits.astype(np.float64)
    logits -= logits.max(axis=1, keepdims=True)
    cum = np.cumsum(np.exp(logits), axis=1)
    u = rng.random(logits.shape[0]) * cum[:, -1]
    return np.asarray(np.minimum((cum < u[:, None]).sum(axis=1), logits.shape[1] - 1))


def _fit_modes(x: np.ndarray, mean: float, std: float, rng: np.random.Generator
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weights, means and standard deviations of the modes of ``x`` (present values).

    A variational Bayesian Gaussian mixture (Dirichlet-process prior with a small
    concentration, so unneeded components get little weight) fitted on at most
    ``_MODE_FIT_ROWS`` standardized values; components with a weight above
    ``_MIN_MODE_WEIGHT`` are kept and renormalized. Fewer than two distinct values: one mode.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.mixture import BayesianGaussianMixture

    seed = int(rng.integers(0, 2**31 - 1))  # drawn for every column: streams line up
    if x.size > _MODE_FIT_ROWS:
        x = x[np.sort(rng.choice(x.size, _MODE_FIT_ROWS, replace=False))]
    distinct = np.unique(x).size
    if distinct < 2:
        return np.ones(1), np.array([mean]), np.array([std])
    gmm = BayesianGaussianMixture(
        n_components=min(_MAX_MODES, distinct), weight_concentration_prior_type="dirichlet_process",
        weight_concentration_prior=1e-3, n_init=1, max_iter=100, random_state=seed)
    with quiet(ConvergenceWarning):  # few iterations are enough to find the modes
        gmm.fit(((x - mean) / std)[:, None])
    weights = np.asarray(gmm.weights_, dtype=np.float64)
    keep = weights > _MIN_MODE_WEIGHT
    if not keep.any():
        keep = weights == weights.max()
    means = np.asarray(gmm.means_, dtype=np.float64)[keep, 0] * std + mean
    stds = np.sqrt(np.asarray(gmm.covariances_, dtype=np.float64).reshape(-1)[keep]) * std
    stds = np.maximum(stds, 1e-6 * std)
    return weights[keep] / weights[keep].sum(), means, stds
