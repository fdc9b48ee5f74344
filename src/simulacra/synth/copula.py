"""Gaussian copula: per-column marginals joined by a correlation matrix of normal scores."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from simulacra._progress import Progress
from simulacra._random import SeedLike
from simulacra._warnings import quiet
from simulacra.data._frame import EncodedColumn, EncodedFrame
from simulacra.synth._base import BaseSynthesizer
from simulacra.synth._held_impute import impute_by_patterns
from simulacra.synth._marginals import (
    MISSING_CODE,
    category_frequencies,
    columns_from_state,
    columns_state,
    draw_levels,
    fill_value,
    finished_frame,
    level_table,
    missing_pairs,
    present_mask,
)
from simulacra.synth._missing_blocks import MissingBlock, fit_blocks
from simulacra.synth._params import Check, Options
from simulacra.synth._rule_holds import Choice

FAMILIES = ("norm", "truncnorm", "beta", "gamma", "lognorm", "uniform")
DISTRIBUTIONS = ("auto", "empirical", *FAMILIES)

# Inverse marginals are tabulated on an even grid of normal scores, so sampling is an index
# computation instead of a ppf call or a binary search (the hot path of ``sample``).
_ZMAX = 5.5
_GRID = np.linspace(-_ZMAX, _ZMAX, 1025)
CONDITION_FLOOR = 0.05  # eigenvalue floor of the correlation when conditioning
_DZ = float(_GRID[1] - _GRID[0])
# "auto" falls back to the empirical marginal when no family fits better than this KS distance.
_AUTO_KS_LIMIT = 0.03
_SCIPY = r"scipy(\.|$)"  # warnings of scipy's fitters and optimizers
_FIT_ROWS = 5_000
_EIG_FLOOR = 1e-6


class GaussianCopulaSynthesizer(BaseSynthesizer):
    """Gaussian copula over per-column marginals.

    Every column is mapped to normal scores through its marginal: continuous columns through
    their ranks, discrete columns by drawing uniformly inside the code's interval of the
    cumulative distribution (codes ordered by frequency), so scores are continuous. The
    correlation of the scores (pairwise over rows where both values exist, made positive
    definite) joins the columns. Sampling draws correlated normals and maps each back through
    the inverse marginal. Missing-value indicators are ordinary discrete columns, except
    those of number columns missing together in the same rows (``missing_blocks``).

    Parameters
    ----------
    default_distribution
        Marginal of continuous columns. ``"auto"`` fits each family in ``FAMILIES`` on a
        subsample and keeps the closest in Kolmogorov-Smirnov distance, or the empirical
        quantile function when none fits well; ``"empirical"`` always uses the latter; a
        family name forces that family (empirical where it cannot be fitted). Parametric
        samples are clipped to the observed range. Under ``"auto"`` and ``"empirical"``, a
        column whose values sit on a few levels (at most 64 distinct values, held by 5 rows
        each on average: doses, counts, design points) gets the ``"levels"`` marginal: its
        exact step quantile function, which draws only those levels.
    missing_blocks
        Number columns missing together in the same rows (a questionnaire section left out,
        a panel's unreported years) have their missing indicators drawn as one pattern per
        row (``synth/_missing_blocks.py``): the pattern is one categorical column of the
        copula, in place of the members' indicators, and sets them all. A latent normal per
        indicator cannot keep many indicators missing in the same few rows. Patterns seen in
        fewer than 5 real rows are not replayed: such rows draw how many indicators are
        missing, then which ones. False: every indicator is a column of its own.
    discover_constraints
        When ``fit`` infers the schema itself (and ``simulacra fit`` without ``--schema``),
        also discover the business rules that hold in at least this share of the real rows
        and keep them in every sampled row, as ``cart`` does. None (the default) discovers
        nothing. A schema given to ``fit`` is used as it is.
    seed
        Seed for fitting and sampling (int, ``SeedSequence``, ``Generator`` or None).

    Attributes
    ----------
    families_ : list of str
        The marginal chosen per encoded column, then per block's level (``""`` for discrete
        columns).
    correlation_ : ndarray
        Correlation matrix of the normal scores (of the columns in ``latent_``).
    missing_blocks_ : list of MissingBlock
        Indicators drawn together; block ``b``'s pattern is latent column ``b.column``,
        numbered past the encoded columns.
    """

    name: ClassVar[str] = "copula"
    _param_checks: ClassVar[dict[str, Check]] = {
        "default_distribution": Options(DISTRIBUTIONS),
        "missing_blocks": Options((True, False)),
    }

    def __init__(self, *, default_distribution: str = "auto", missing_blocks: bool = True,
                 discover_constraints: float | None = None,
                 seed: SeedLike = None) -> None:
        self.default_distribution = default_distribution
        self.missing_blocks = missing_blocks
        self.discover_constraints = discover_constraints
        self.seed = seed

    # ---- fit ----------------------------------------------------------------------------
    def _fit(self, frame: EncodedFrame, *, rng: np.random.Generator, progress: Progress) -> None:
        self.columns_ = frame.columns
        self.missing_blocks_, frame = self._with_levels(frame)
        n, d = frame.values.shape  # the encoded columns, then the blocks' levels
        self.families_ = ["" for _ in range(d)]
        self.tables_ = [np.zeros(0) for _ in range(d)]  # continuous: x on _GRID; discrete: z cuts
        self.levels_ = [np.zeros((2, 0)) for _ in range(d)]  # "levels": values, cumulative shares
        self.orders_ = [np.zeros(0, dtype=np.int64) for _ in range(d)]  # discrete: latent order
        self.fills_ = np.zeros(d)
        scores = np.zeros((n, d))
        latent = self.latent_
        progress.start("copula: marginals", total=latent.size)
        present = self._fit_continuous(frame, scores, rng, progress)
        fidelity = self._fit_discrete(frame, latent, scores, rng, progress)
        progress.finish()
        progress.start("copula: correlation", total=1)
        observed = _pairwise_correlation(_columns(scores, latent), _columns(present, latent))
        self.correlation_ = _nearest_correlation(_disattenuate(observed, fidelity[latent]))
        self.cholesky_ = _cholesky(self.correlation_)
        progress.advance()
        progress.finish()

    def _with_levels(self, frame: EncodedFrame) -> tuple[list[MissingBlock], EncodedFrame]:
        """The missing blocks, and ``frame`` with a column of each block's level appended.

        A level is a category drawn like any other; its members' indicators leave the copula
        (``latent_``) and are set from it when sampling.
        """
        if not self.missing_blocks:
            return [], frame
        indicators = sorted(missing_pairs(frame.columns).values())
        blocks, levels = fit_blocks(frame.values, indicators, len(frame.columns))
        if not blocks:
            return [], frame
        cols = tuple(EncodedColumn(f"missing block {b.column}", "", True, b.n_levels)
                     for b in blocks)
        return blocks, EncodedFrame(np.column_stack([frame.values, *levels]),
                                    frame.columns + cols)

    @property
    def latent_(self) -> np.ndarray:
        """The columns the copula joins: encoded columns then levels, less blocks' members."""
        blocks = getattr(self, "missing_blocks_", [])  # none in a model saved before them
        members = {int(j) for b in blocks for j in b.members}
        d = len(self.columns_) + len(blocks)
        return np.array([j for j in range(d) if j not in members], dtype=np.int64)

    def _fit_continuous(self, frame: EncodedFrame, scores: np.ndarray,
                        rng: np.random.Generator, progress: Progress) -> np.ndarray:
        """Fit continuous marginals and fill their scores; return where values are present."""
        values, pairs = frame.values, missing_pairs(frame.columns)
        present = np.ones(values.shape, dtype=bool)
        for j, col in enumerate(frame.columns):
            if col.discrete:
                continue
            x, rows = values[:, j], present_mask(values, pairs, j)
            present[:, j] = rows
            self.fills_[j] = fill_value(x, rows)
            levels = (level_table(x[rows]) if self.default_distribution in ("auto", "empirical")
                      else np.zeros((2, 0)))
            if levels.size:
                _skip_fit_draw(x[rows], self.default_distribution, rng)
                self.families_[j], self.levels_[j] = "levels", levels
                self.tables_[j] = draw_levels(levels, special.ndtr(_GRID))
            else:
                self.families_[j], self.tables_[j] = _fit_marginal(
                    x[rows], self.default_distribution, rng
                )
            scores[rows, j] = _rank_scores(x[rows], rng)
            progress.advance()
        return present

    def _fit_discrete(self, frame: EncodedFrame, latent: np.ndarray, scores: np.ndarray,
                      rng: np.random.Generator, progress: Progress) -> np.ndarray:
        """Order and cut discrete ``latent`` columns, fill their scores; return the fidelity."""
        fidelity = np.ones(len(frame.columns))
        continuous = [j for j, col in enumerate(frame.columns) if not col.discrete]
        # Order codes along the continuous columns first, then once more along every other
        # column, so that categories linked only to other categories find an order too.
        for sweep in range(2):
            for j in latent.tolist():
                col = frame.columns[j]
                if not col.discrete:
                    continue
                codes = np.clip(frame.values[:, j].astype(np.int64), 0,
                                max(col.cardinality, 1) - 1)
                freq = category_frequencies(codes, col.cardinality)
                basis = scores[:, continuous] if sweep == 0 else scores[:, latent[latent != j]]
                self.orders_[j] = _category_order(codes, freq, basis)
                self.tables_[j], scores[:, j], fidelity[j] = _discrete_scores(
                    codes, freq, self.orders_[j], rng
                )
                if sweep:
                    progress.advance()
        return fidelity

    # ---- sample -------------------------------------------------------------------------
    def _sample(self, n: int, *, rng: np.random.Generator) -> EncodedFrame:
        # Columns as rows: every per-column step below reads and writes contiguous memory.
        z = self.cholesky_ @ rng.standard_normal((self.latent_.size, n))
        return self._decode(z, rng)

    def _impute(self, frame: pd.DataFrame, given: pd.DataFrame,
                rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray] | None:
        return impute_by_patterns(self, self._sample_fixed, frame, given, rng,
                                  self._choice_shares)

    def _choice_shares(self, choice: Choice, values: np.ndarray, held: np.ndarray,
                       rng: np.random.Generator) -> np.ndarray:
        """Each value's probability given the rows' held cells (rows x values).

        Its interval's mass under the conditional normal of the rule's column: a given
        continent and income pick the country whose income it is, not one by its share of
        the continent's rows.
        """
        position = {int(j): k for k, j in enumerate(self.latent_.tolist())}
        (j,) = choice.positions.tolist() if choice.positions.size == 1 else (-1,)
        if j not in position or not self.columns_[j].discrete:
            return np.broadcast_to(choice.share, (len(values), choice.share.size))
        codec = self.codec_.codec(str(choice.values.name))
        rank = np.argsort(self.orders_[j])[np.asarray(codec.encode(choice.values)[:, 0],
                                                      dtype=np.int64)]
        cuts = np.concatenate([[-np.inf], self.tables_[j], [np.inf]])
        out = np.empty((len(values), choice.share.size))
        patterns, group = np.unique(held, axis=0, return_inverse=True)
        for g, pattern in enumerate(patterns):
            rows = np.flatnonzero(group.ravel() == g)
            fixed = {int(c): values[rows, c] for c in np.flatnonzero(pattern) if c != j}
            scores = self._fixed_scores(fixed, position, rows.size, rng)
            cols = np.array(sorted(scores), dtype=np.int64)
            mean, sd = np.zeros(rows.size), 1.0
            if cols.size:
                weights, spread = self._conditional(np.array([position[j]]), cols)
                mean = weights[0] @ np.vstack([scores[int(k)] for k in cols])
                sd = float(np.sqrt(max(spread[0, 0], 1e-6)))
            low = (cuts[rank][None, :] - mean[:, None]) / sd
            high = (cuts[rank + 1][None, :] - mean[:, None]) / sd
            out[rows] = special.ndtr(high) - special.ndtr(low)
        return out

    def _sample_fixed(self, n: int, fixed: Mapping[int, float | np.ndarray], *,
                      rng: np.random.Generator) -> EncodedFrame:
        """Draw the free latent columns from their normal given the fixed ones.

        A fixed number's latent value is its normal score; a fixed category's is drawn in
        its interval (exact for one fixed column). Without this, conditions on a number (and
        so ``impute`` of rows giving numbers) could only be met by rejection, which never
        draws an exact number. A fixed missing-value indicator that is a missing block's
        member has no latent column of its own: it is written into the drawn rows, and its
        block's level is drawn given the rest (real rows giving a number of credit_data's
        Income/Assets/Debt block were all refused before, as no rejection met them).
        A fixed value may be one per row (an array of ``n``) as well as one for all rows.
        """
        position = {int(j): k for k, j in enumerate(self.latent_.tolist())}
        given = self._fixed_scores(fixed, position, n, rng)
        cols = np.array(sorted(given), dtype=np.int64)
        free = np.setdiff1d(np.arange(self.latent_.size), cols)
        weights, spread = self._conditional(free, cols)
        z = np.empty((self.latent_.size, n))
        if cols.size:  # none where every given cell is a missing block's member
            z[cols] = np.vstack([given[int(k)] for k in cols])
        z[free] = weights @ z[cols] + _root(spread) @ rng.standard_normal((free.size, n))
        frame = self._decode(z, rng)
        drawn_missing = {j: frame.values[:, j] == MISSING_CODE for j in fixed}
        for j, value in fixed.items():
            frame.values[:, j] = value  # the exact values, not their latent round trip
        # a number held present whose block drew it missing got the codec's placeholder:
        # it takes the value of its own latent normal instead
        for j, indicator in missing_pairs(self.columns_).items():
            if indicator in fixed and indicator not in position and j in position:
                rows = drawn_missing[indicator] & (frame.values[:, indicator] != MISSING_CODE)
                value = self._inverse(j, z[position[j], rows])
                frame.values[rows, j] = np.round(value) if self.columns_[j].integer else value
        return frame

    def _conditional(self, free: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Regression weights of the ``free`` latent columns on ``cols``, and what is left.

        Disattenuated correlations of many discrete columns leave directions of almost no
        variance: a draw given most columns then had almost no spread and a mean far in the
        tails (credit_data's Income given the other 15: sd 0.008, imputed at the real maximum
        or minimum). Conditioning floors the eigenvalues; plain sampling does not.
        """
        r = _nearest_correlation(self.correlation_, CONDITION_FLOOR)
        weights = r[np.ix_(free, cols)] @ np.linalg.pinv(r[np.ix_(cols, cols)])
        return weights, r[np.ix_(free, free)] - weights @ r[np.ix_(cols, free)]

    def _fixed_scores(self, fixed: Mapping[int, float | np.ndarray], position: dict[int, int],
                      n: int, rng: np.random.Generator) -> dict[int, np.ndarray]:
        """Latent position -> the fixed column's latent values (none for a block member).

        A missing number has no score: where its indicator is fixed missing, its latent
        normal is drawn given the rest like a free one's (and not used).
        """
        pairs = missing_pairs(self.columns_)
        out: dict[int, np.ndarray] = {}
        for j, value in fixed.items():
            if j not in position:
                continue  # a missing block's member: written into the drawn rows
            values = np.broadcast_to(np.asarray(value, dtype=np.float64), (n,))
            if self.columns_[j].discrete:
                cuts = np.concatenate([[-np.inf], self.tables_[j], [np.inf]])
                rank_of = np.argsort(self.orders_[j])  # code -> its place in the latent order
                rank = rank_of[values.astype(np.int64)]
                lo, hi = special.ndtr(cuts[rank]), special.ndtr(cuts[rank + 1])
                u = lo + rng.random(n) * (hi - lo)
                out[position[j]] = special.ndtri(np.clip(u, 1e-12, 1 - 1e-12))
                continue
            indicator = fixed.get(pairs.get(j, -1))
            missing = (np.zeros(n, dtype=bool) if indicator is None
                       else np.broadcast_to(np.asarray(indicator) == MISSING_CODE, (n,)))
            if missing.all():
                continue
            scores = (_level_scores(self.levels_[j], values, rng) if self._on_levels(j)
                      else _number_scores(self.tables_[j], values, rng))
            # rows where the number is missing: a draw from its marginal, as good as free
            out[position[j]] = np.where(missing, rng.standard_normal(n), scores)
        return out

    def _decode(self, z: np.ndarray, rng: np.random.Generator) -> EncodedFrame:
        """Encoded rows from latent normal values (latent columns x rows)."""
        d = len(self.columns_)
        latent = self.latent_
        n = z.shape[1]
        out = np.empty((len(self.families_), n))  # encoded columns, then blocks' levels
        for k, j in enumerate(latent.tolist()):
            if j >= d or self.columns_[j].discrete:
                pos = np.searchsorted(self.tables_[j], z[k], side="right")
                out[j] = self.orders_[j][pos]
            else:
                out[j] = self._inverse(j, z[k])
        for block in self.missing_blocks_:
            out[block.members] = block.indicators(out[block.column], rng).T
        return finished_frame(out[:d], self.columns_, self.fills_[:d])

    def _on_levels(self, j: int) -> bool:
        return j < len(self.levels_) and bool(self.levels_[j].size)

    def _inverse(self, j: int, z: np.ndarray) -> np.ndarray:
        """Continuous column ``j``'s values at latent normals ``z`` (its inverse marginal)."""
        if self._on_levels(j):
            return draw_levels(self.levels_[j], special.ndtr(z))
        return _grid_interp(self.tables_[j], z)

    # ---- state --------------------------------------------------------------------------
    def _get_state(self) -> dict[str, Any]:
        return {
            "columns": columns_state(self.columns_),
            "families": list(self.families_),
            "tables": list(self.tables_),
            "levels": list(self.levels_),
            "orders": list(self.orders_),
            "fills": self.fills_,
            "correlation": self.correlation_,
            "cholesky": self.cholesky_,
            "missing_blocks": [b.to_state() for b in self.missing_blocks_],
        }

    def _set_state(self, state: dict[str, Any]) -> None:
        self.columns_ = columns_from_state(state["columns"])
        self.families_ = [str(f) for f in state["families"]]
        self.tables_ = [np.asarray(t, dtype=np.float64) for t in state["tables"]]
        self.orders_ = [np.asarray(o, dtype=np.int64) for o in state["orders"]]
        # a model saved before "levels" marginals existed has none, and samples as it did
        self.levels_ = [np.asarray(t, dtype=np.float64).reshape(2, -1)
                        for t in state.get("levels", [np.zeros((2, 0))] * len(self.tables_))]
        self.fills_ = np.asarray(state["fills"], dtype=np.float64)
        self.correlation_ = np.asarray(state["correlation"], dtype=np.float64)
        self.cholesky_ = np.asarray(state["cholesky"], dtype=np.float64)
        # a model saved before missing blocks existed has none, and samples as it did
        self.missing_blocks_ = [MissingBlock.from_state(b)
                                for b in state.get("missing_blocks", [])]


def _columns(a: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """The columns ``keep`` of ``a``, row-major as ``a`` is: ``a`` itself when that is all.

    The correlation's matrix products are then those of a table without missing blocks, to
    the last bit (a column-major copy sums in another order).
    """
    return a if keep.size == a.shape[1] else np.ascontiguousarray(a[:, keep])


# ---- normal scores --------------------------------------------------------------------------
def _rank_scores(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Compute normal scores from ranks, ties broken at random (whatever the marginal)."""
    if x.size == 0:
        return x
    order = np.lexsort((rng.random(x.size), x))
    ranks = np.empty(x.size)
    ranks[order] = np.arange(x.size)
    return np.asarray(special.ndtri((ranks + 0.5) / x.size))


def _category_order(codes: np.ndarray, freq: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """Order codes along the main direction of their mean continuous scores.

    The latent normal is cut into one interval per code, so only a monotone relation survives;
    ordering codes by where they sit among the continuous columns (not by frequency) keeps an
    ordinal or nominal category's link to them. Without continuous columns: by frequency.
    """
    by_freq = np.argsort(-freq, kind="stable")
    if basis.shape[1] == 0 or freq.size <= 2:
        return by_freq.astype(np.int64)
    counts = np.bincount(codes, minlength=freq.size).astype(np.float64)
    sums = np.column_stack([np.bincount(codes, weights=basis[:, c], minlength=freq.size)
                            for c in range(basis.shape[1])])
    means = sums / np.maximum(counts, 1.0)[:, None]
    _, sv, vt = np.linalg.svd(means * np.sqrt(freq)[:, None], full_matrices=False)
    if sv[0] < 1e-9:
        return by_freq.astype(np.int64)
    return np.argsort(means @ vt[0], kind="stable").astype(np.int64)


def _discrete_scores(codes: np.ndarray, freq: np.ndarray, order: np.ndarray,
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, float]:
    """Cut points of the codes' intervals on the latent normal, scores, and their fidelity.

    A score is a uniform draw inside the code's interval, so scores have no ties. Given its
    code, a score is distributed as the latent normal truncated to the interval but drawn
    independently of it, so its correlation with the latent is ``sum((phi(a) - phi(b))^2 / p)``
    over intervals ``(a, b)`` of mass ``p``: the fidelity, by which correlations shrink.
    """
    cum = np.cumsum(freq[order])
    with np.errstate(divide="ignore"):
        cuts = np.asarray(special.ndtri(np.minimum(cum[:-1], 1.0)))
    dens = stats.norm.pdf(np.concatenate([[-np.inf], cuts, [np.inf]]))
    p = freq[order]
    used = p > 0
    fidelity = float(np.sum(np.diff(dens)[used] ** 2 / p[used]))
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    hi = cum[rank[codes]]
    lo = hi - freq[codes]
    u = lo + rng.random(codes.size) * (hi - lo)
    return cuts, np.asarray(special.ndtri(np.clip(u, 1e-9, 1 - 1e-9))), fidelity


# ---- marginals ------------------------------------------------------------------------------
def _grid_interp(table: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Linear interpolation of ``table`` (values on ``_GRID``) at ``z``, clamped at the ends."""
    t = z * (1.0 / _DZ) + _ZMAX / _DZ
    np.clip(t, 0.0, table.size - 1.000001, out=t)
    i = t.astype(np.intp)
    t -= i
    lo = table[i]
    step = table[i + 1]
    step -= lo
    step *= t
    step += lo
    return step


def _empirical_table(x: np.ndarray) -> np.ndarray:
    if x.size == 0:
        return np.zeros(_GRID.size)
    return np.asarray(np.quantile(x, special.ndtr(_GRID)), dtype=np.float64)


def _skip_fit_draw(x: np.ndarray, choice: str, rng: np.random.Generator) -> None:
    """Draw what :func:`_fit_marginal` would (its subsample) for a column on levels.

    The later columns' family fits then see the same random stream as before levels existed.
    """
    if choice == "auto" and x.size > _FIT_ROWS and x.min() != x.max():
        rng.choice(x, _FIT_ROWS, replace=False)


def _level_scores(levels: np.ndarray, values: np.ndarray,
                  rng: np.random.Generator) -> np.ndarray:
    """Latent values of given numbers of a column on levels: uniform in their level's band.

    A value between levels (not one the column had) takes the band of the next level up.
    """
    at = np.minimum(np.searchsorted(levels[0], values, "left"), levels.shape[1] - 1)
    hi = levels[1][at]
    lo = np.where(at > 0, levels[1][np.maximum(at - 1, 0)], 0.0)
    u = np.clip(lo + rng.random(values.size) * (hi - lo), 1e-12, 1 - 1e-12)
    return np.asarray(special.ndtri(u))


def _fit_marginal(x: np.ndarray, choice: str,
                  rng: np.random.Generator) -> tuple[str, np.ndarray]:
    """Choose a family; return it and its inverse CDF on ``_GRID``, clipped to the range."""
    if choice == "empirical" or x.size < 10 or x.min() == x.max():  # (ptp overflows at 1e308)
        return "empirical", _empirical_table(x)
    sub = np.sort(rng.choice(x, _FIT_ROWS, replace=False) if x.size > _FIT_ROWS else x)
    lo, hi = float(x.min()), float(x.max())
    candidates = FAMILIES if choice == "auto" else (choice,)
    best: tuple[float, str, Any] = (np.inf, "empirical", None)
    # scipy's optimizers warn on poor starts; KS judges. np.errstate is local to the thread.
    with np.errstate(all="ignore"), quiet(Warning, module=_SCIPY):
        for family in candidates:
            try:
                dist = _FITTERS[family](sub, lo, hi)
                ks = _ks_distance(sub, dist)
            except (ValueError, RuntimeError, FloatingPointError, ZeroDivisionError):
                continue
            if np.isfinite(ks) and ks < best[0]:
                best = (ks, family, dist)
        if best[2] is None or (choice == "auto" and best[0] > _AUTO_KS_LIMIT):
            return "empirical", _empirical_table(x)
        table = np.asarray(best[2].ppf(special.ndtr(_GRID)), dtype=np.float64)
    table = np.clip(np.nan_to_num(table, nan=lo, posinf=hi, neginf=lo), lo, hi)
    return best[1], np.maximum.accumulate(table)


def _ks_distance(sorted_x: np.ndarray, dist: Any) -> float:
    cdf = np.asarray(dist.cdf(sorted_x), dtype=np.float64)
    n = sorted_x.size
    i = np.arange(1, n + 1)
    return float(max(np.max(i / n - cdf), np.max(cdf - (i - 1) / n)))


def _positive_loc(x: np.ndarray, lo: float, hi: float) -> float:
    """Location for right-skewed families: 0 for positive data, else just below the minimum."""
    return 0.0 if lo > 0 else lo - 0.01 * (hi - lo)


def _fit_norm(x: np.ndarray, lo: float, hi: float) -> Any:
    return stats.norm(float(x.mean()), _positive_std(x))


def _fit_uniform(x: np.ndarray, lo: float, hi: float) -> Any:
    return stats.uniform(lo, _span(lo, hi))


def _fit_beta(x: np.ndarray, lo: float, hi: float) -> Any:
    pad = 1e-3 * _span(lo, hi)
    a, b, loc, scale = stats.beta.fit(x, floc=lo - pad, fscale=hi - lo + 2 * pad)
    return stats.beta(a, b, loc, scale)


def _fit_gamma(x: np.ndarray, lo: float, hi: float) -> Any:
    a, loc, scale = stats.gamma.fit(x, floc=_positive_loc(x, lo, hi))
    return stats.gamma(a, loc, scale)


def _fit_lognorm(x: np.ndarray, lo: float, hi: float) -> Any:
    s, loc, scale = stats.lognorm.fit(x, floc=_positive_loc(x, lo, hi))
    return stats.lognorm(s, loc, scale)


def _fit_truncnorm(x: np.ndarray, lo: float, hi: float) -> Any:
    """Maximum likelihood on the observed range (scipy's generic fit is far slower)."""

    def nll(theta: np.ndarray) -> float:
        mu, sd = theta[0], np.exp(theta[1])
        mass = special.ndtr((hi - mu) / sd) - special.ndtr((lo - mu) / sd)
        zz = (x - mu) / sd
        return float(0.5 * np.mean(zz * zz) + np.log(sd) + np.log(max(mass, 1e-300)))

    start = np.array([x.mean(), np.log(_positive_std(x))])
    res = optimize.minimize(nll, start, method="Nelder-Mead", options={"maxiter": 200})
    mu, sd = float(res.x[0]), float(np.exp(res.x[1]))
    return stats.truncnorm((lo - mu) / sd, (hi - mu) / sd, loc=mu, scale=sd)


def _positive_std(x: np.ndarray) -> float:
    sd = float(x.std())
    if sd <= 0:
        raise ValueError("constant column")
    return sd


def _span(lo: float, hi: float) -> float:
    if hi <= lo:
        raise ValueError("constant column")
    return hi - lo


_FITTERS: dict[str, Callable[[np.ndarray, float, float], Any]] = {
    "norm": _fit_norm,
    "truncnorm": _fit_truncnorm,
    "beta": _fit_beta,
    "gamma": _fit_gamma,
    "lognorm": _fit_lognorm,
    "uniform": _fit_uniform,
}


# ---- correlation ----------------------------------------------------------------------------
def _pairwise_correlation(scores: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Pearson correlation of normal scores over the rows where both columns have a value."""
    mask = present.astype(np.float64)
    z = np.where(present, scores, 0.0)
    cross = z.T @ z
    sq = (z * z).T @ mask  # sq[i, j]: sum of z_i^2 over rows where j is present too
    both = mask.T @ mask
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = cross / np.sqrt(sq * sq.T)
    corr = np.where(np.isfinite(corr) & (both >= 3), corr, 0.0)
    np.fill_diagonal(corr, 1.0)
    return np.asarray(np.clip(corr, -1.0, 1.0))


def _disattenuate(corr: np.ndarray, fidelity: np.ndarray) -> np.ndarray:
    """Undo the shrinkage of correlations that jittered discrete scores cause.

    Exact for a discrete and a continuous column (first order for two discrete ones);
    a column with (almost) one category has no correlation to restore.
    """
    f = np.where(fidelity > 1e-3, fidelity, 1.0)
    out = np.clip(corr / np.outer(f, f), -0.999, 0.999)
    np.fill_diagonal(out, 1.0)
    return np.asarray(out)


def _nearest_correlation(corr: np.ndarray, floor: float = _EIG_FLOOR) -> np.ndarray:
    """Clip eigenvalues to ``floor`` and rescale to a unit diagonal (positive definite)."""
    vals, vecs = np.linalg.eigh((corr + corr.T) / 2)
    if vals.size == 0 or vals.min() >= floor:  # no column left to learn: nothing to fix
        return corr
    fixed = (vecs * np.maximum(vals, floor)) @ vecs.T
    scale = np.sqrt(np.diag(fixed))
    fixed = fixed / np.outer(scale, scale)
    np.fill_diagonal(fixed, 1.0)
    return np.asarray(fixed)


def _number_scores(table: np.ndarray, values: np.ndarray,
                   rng: np.random.Generator) -> np.ndarray:
    """Latent values of given numbers: their normal scores, drawn across a point mass's band.

    A value many training rows share (a debt of 0 in 82% of rows) spans a band of scores;
    one end of it would stand for all of them (0.94 for that debt), pulling every other
    column as if the row were the most extreme of them.
    """
    low, high = np.searchsorted(table, values, "left"), np.searchsorted(table, values, "right")
    band = high - low >= 2
    lo = special.ndtr(_GRID[np.minimum(low, _GRID.size - 1)])
    hi = special.ndtr(_GRID[np.clip(high - 1, 0, _GRID.size - 1)])
    u = np.clip(lo + rng.random(values.size) * (hi - lo), 1e-12, 1 - 1e-12)
    return np.asarray(np.where(band, special.ndtri(u), np.interp(values, table, _GRID)))


def _root(cov: np.ndarray) -> np.ndarray:
    """A square root of a covariance that may be singular (eigenvalues below 0 taken as 0)."""
    vals, vecs = np.linalg.eigh((cov + cov.T) / 2)
    return np.asarray(vecs * np.sqrt(np.maximum(vals, 0.0)))


def _cholesky(corr: np.ndarray) -> np.ndarray:
    ridge = 0.0
    eye = np.eye(corr.shape[0])
    for _ in range(20):
        try:
            return np.asarray(np.linalg.cholesky((corr + ridge * eye) / (1 + ridge)))
        except np.linalg.LinAlgError:
            ridge = max(2 * ridge, 1e-8)
    return eye
