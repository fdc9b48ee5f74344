"""The baseline: every column drawn from its own marginal, independently of the others."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from simulacra._progress import Progress
from simulacra._random import SeedLike
from simulacra.data._frame import EncodedFrame
from simulacra.synth._base import BaseSynthesizer
from simulacra.synth._held_impute import impute_by_patterns
from simulacra.synth._marginals import (
    MISSING_CODE,
    category_frequencies,
    columns_from_state,
    columns_state,
    draw_codes,
    draw_marginal,
    fill_value,
    finished_frame,
    marginal_table,
    missing_pairs,
    present_mask,
)
from simulacra.synth._params import Check, Interval


class IndependentSynthesizer(BaseSynthesizer):
    """Sample each column from its empirical marginal, independently of all others.

    A baseline: marginals are faithful, every dependence between columns is lost. Discrete
    columns keep their category frequencies; continuous columns are drawn from the empirical
    quantile function (linear interpolation between stored quantiles), so values stay within
    the observed range; a column whose values sit on a few levels (at most 64 distinct values,
    held by 5 rows each on average) draws only those levels, with their frequencies. A
    missing-value indicator is independent of its value column too.

    Parameters
    ----------
    n_quantiles
        Number of quantiles stored per continuous column (all values when there are fewer
        rows). More follows the data more closely and stores more.
    discover_constraints
        When ``fit`` infers the schema itself (and ``simulacra fit`` without ``--schema``),
        also discover the business rules that hold in at least this share of the real rows
        and keep them in every sampled row, as ``cart`` does. None (the default) discovers
        nothing. A schema given to ``fit`` is used as it is.
    seed
        Seed for fitting and sampling (int, ``SeedSequence``, ``Generator`` or None).

    Examples
    --------
    >>> from simulacra import make_synthesizer
    >>> synth = make_synthesizer("independent", seed=0)  # doctest: +SKIP
    >>> synth.fit(df).sample(100)  # doctest: +SKIP
    """

    name: ClassVar[str] = "independent"
    _param_checks: ClassVar[dict[str, Check]] = {
        "n_quantiles": Interval(int, 2, 1_000_000),
    }

    def __init__(self, *, n_quantiles: int = 256, discover_constraints: float | None = None,
                 seed: SeedLike = None) -> None:
        self.n_quantiles = n_quantiles
        self.discover_constraints = discover_constraints
        self.seed = seed

    def _fit(self, frame: EncodedFrame, *, rng: np.random.Generator, progress: Progress) -> None:
        values = frame.values
        pairs = missing_pairs(frame.columns)
        marginals: list[np.ndarray] = []
        fills = np.zeros(len(frame.columns))
        progress.start("independent: marginals", total=len(frame.columns))
        for j, col in enumerate(frame.columns):
            x = values[:, j]
            if col.discrete:
                marginals.append(np.cumsum(category_frequencies(x, col.cardinality)))
            else:
                present = present_mask(values, pairs, j)
                # The value marginal is learned where the value exists, not from placeholders.
                kept = x[present] if present.any() else x
                marginals.append(marginal_table(kept, self.n_quantiles))
                fills[j] = fill_value(x, present)
            progress.advance()
        progress.finish()
        self.columns_ = frame.columns
        self.marginals_ = marginals
        self.fills_ = fills

    def _sample(self, n: int, *, rng: np.random.Generator) -> EncodedFrame:
        d = len(self.columns_)
        u = rng.random((d, n))  # columns as rows: contiguous per-column work
        out = np.empty((d, n))
        for j, col in enumerate(self.columns_):
            if col.discrete:
                out[j] = draw_codes(self.marginals_[j], u[j])
            else:
                out[j] = draw_marginal(self.marginals_[j], u[j])
        return finished_frame(out, self.columns_, self.fills_)

    def _sample_fixed(self, n: int, fixed: Mapping[int, float | np.ndarray], *,
                      rng: np.random.Generator) -> EncodedFrame:
        # Columns are independent here: holding some fixed leaves the others' law unchanged.
        # A value may be one per row (an array of ``n``) as well as one for all rows.
        frame = self._sample(n, rng=rng)
        values = frame.values.copy()
        for j, value in fixed.items():
            values[:, j] = value
        # a number held present that was drawn missing holds the codec's placeholder
        for j, indicator in missing_pairs(self.columns_).items():
            if indicator in fixed and j not in fixed:
                rows = (frame.values[:, indicator] == MISSING_CODE) & (
                    values[:, indicator] != MISSING_CODE)
                drawn = draw_marginal(self.marginals_[j], rng.random(int(rows.sum())))
                values[rows, j] = np.round(drawn) if self.columns_[j].integer else drawn
        return EncodedFrame(values, frame.columns)

    def _impute(self, frame: pd.DataFrame, given: pd.DataFrame,
                rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray] | None:
        return impute_by_patterns(self, self._sample_fixed, frame, given, rng)

    def _get_state(self) -> dict[str, Any]:
        return {
            "columns": columns_state(self.columns_),
            "marginals": list(self.marginals_),
            "fills": self.fills_,
        }

    def _set_state(self, state: dict[str, Any]) -> None:
        self.columns_ = columns_from_state(state["columns"])
        self.marginals_ = [np.asarray(m, dtype=np.float64) for m in state["marginals"]]
        self.fills_ = np.asarray(state["fills"], dtype=np.float64)
