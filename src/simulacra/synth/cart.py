"""Sequential CART synthesis (synthpop-style): each column drawn from a tree on the ones before.

The first column is drawn from its marginal; every later column from a decision tree fitted
on the columns before it: a synthetic partial row is pushed down the tree to a leaf and takes
the value of a real training member of that leaf, smoothed for continuous columns so that
synthetic rows do not sit on real ones. Trees are fitted with scikit-learn but kept as plain
arrays (children, feature, threshold, members sorted by leaf), so a saved model holds no
pickles; at sampling time the arrays are rebuilt into scikit-learn's compiled tree, whose
``apply`` finds the leaves (see ``_cart_tree.py``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Container, Iterator, Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from simulacra._progress import Progress
from simulacra._random import SeedLike, int_seed
from simulacra._threads import machine_threads
from simulacra.data._frame import EncodedColumn, EncodedFrame
from simulacra.synth._base import BaseSynthesizer
from simulacra.synth._cart_impute import _member_keys, held_log_likelihood
from simulacra.synth._cart_jobs import ColumnFitter, ColumnJob, fit_steps
from simulacra.synth._cart_missing import with_blocks
from simulacra.synth._cart_strata import StrataSearch
from simulacra.synth._cart_tree import Settings, Step, predictors, sample_step, step_inputs
from simulacra.synth._held_impute import CANDIDATES, impute_by_held_draws, pick_by_weight
from simulacra.synth._marginals import MISSING_CODE
from simulacra.synth._missing_blocks import MissingBlock, fit_blocks
from simulacra.synth._orders import OrderCheck, OrderPair, order_pairs, pairs_by_column
from simulacra.synth._params import Check, Either, Interval, Options
from simulacra.synth._visit_order import dependence, greedy_order, tier

_ORDER_BINS = 16  # bins per column when measuring dependence for the visit order
_ORDER_ROWS = 20_000  # rows used to measure dependence (a subsample beyond that)
_MAX_REDRAWS = 20
#: Rows a conditioned draw holds its values in at a time (times CANDIDATES candidates).
_HELD_ROWS = 2_000
#: Pilot rows (from a fixed stream) telling how often plain draws meet a condition.
_HELD_PILOT_ROWS = 4_096
#: Below this share of plain draws meeting a condition, rows are drawn with it held (each
#: kept row costs about CANDIDATES candidates' early steps; by rejection, 1 / share rows).
_HELD_BELOW = 1.0 / CANDIDATES
#: Added to a held category's count in a candidate's leaf (of its size): a leaf holding
#: the category outweighs one without it a thousandfold, where impute's prior of 0.5 gave
#: threefold and a rare category's candidates were kept almost as if unconditioned.
_SHARE_PRIOR = 1e-3
#: Taken off the log-share of a held category its candidate's leaf does not hold at all:
#: such a candidate is kept only where none of its row's candidates has a leaf holding it.
_UNHELD = 1e4
#: Rounds of fresh candidates for rows none of whose candidates reached a leaf holding a
#: held category (kept, they took a value their earlier cells never go with: a SUITE at a
#: BASIC room's rate); the rows still without one are kept as drawn.
_HELD_ROUNDS = 8
_ORDER_REDRAWS = 10  # redraws of a value that breaks an order rule; the rest is rejected
_WIDE = 16  # columns beyond which leaves shrink (see _leaf_rule)
_MAX_PREDICTORS = 16  # earlier columns a tree learns from, by default (see max_predictors)
# Threads fitting trees by default: each running tree holds its own copy of the rows, so
# more threads cost memory on large tables for ever smaller gains.
_DEFAULT_JOBS = 4


class CARTSynthesizer(BaseSynthesizer):
    """Sequential decision-tree synthesizer (synthpop's CART), vectorized and pickle-free.

    Parameters
    ----------
    min_samples_leaf
        Fewest training rows in a leaf. None uses
        ``max(5, round(leaf_scale * sqrt(n) * (16 / max(columns, 16)) ** 0.25))``: leaves grow
        with the data, so a synthetic row mixes many real rows, and shrink a little in wide
        tables, where each tree has more earlier columns to split on.
    leaf_scale
        The factor of the ``min_samples_leaf`` rule above.
    max_depth
        Deepest split of a tree; None for unlimited (leaf size then bounds the trees).
    smoothing
        ``"density"`` moves a drawn continuous value by Gaussian noise in rank space (a
        per-leaf Silverman bandwidth over the members' ranks), mapped back through the
        training values' quantiles, so values stay on observed ones with their frequencies;
        ``"none"`` returns real members' values as they are.
    bandwidth
        A factor on the smoothing bandwidth.
    order
        ``"auto"`` visits a declared target first (``EncodedColumn.role == "target"``), then
        binary columns, then the rest, greedily by mutual information; ``"given"`` keeps the
        table's column order.
    reject_copies
        Redraw synthetic rows equal to a training row that is unique in the training data.
        A redraw keeps the row's pattern of missing values, so where a row repeats a real
        one only through them (a panel's empty years, keyed by country and year) the
        missing share is kept and the copy may stay.
    min_tie
        A value of a smoothed column held by fewer than ``min_tie`` training rows is not
        reproduced exactly: the smoothed rank position is mapped linearly across half the
        gaps to its neighbouring distinct values, so a unique income or price does not reappear and
        single out its row. Values shared by more rows stay point masses with their
        frequencies. 0 or 1 keeps every value on an observed one.
    point_mass
        A value held by at least this share of a smoothed column's training rows (and by at
        least ``min_tie`` rows) is a point mass: a member holding it is drawn as it is, and
        another member whose smoothed position lands in it keeps its own value, so the mass
        keeps its size and its relations to other columns (a zero frontage where there is
        no street). 0 smooths across every value.
    coarse
        A continuous column with at most ``max(coarse * sqrt(n), n / 50)`` distinct values
        is not smoothed: its values are shared by many rows, and moving them would break
        exact relations (counts, ratings, codes stored as numbers). 0 smooths every one.
    target_split
        With one declared discrete target, every tree first splits on it (its best single
        split for that column: the two classes of a binary target, two groups of classes by
        their category scores otherwise), then grows each side, so each column keeps its
        relation to the target. Not used for a continuous target, where a forced split
        sometimes hurt in tests.
    links
        Keep values repeated across columns: a continuous column that equals an earlier
        continuous column plus a fixed offset in a share of the rows well beyond chance (a
        remodel year equal to the build year, a ship date equal to the order date) draws,
        for the members that obey it, the synthetic row's own earlier value plus the offset
        (``synth/_cart_links.py``). False draws every member's own value.
    missing_blocks
        Number columns missing together in the same rows (a questionnaire section left out,
        a panel's unreported years) have their missing indicators drawn as one pattern per
        row, by one tree, instead of one tree each, which cannot isolate a few shared rows
        (``synth/_missing_blocks.py``). Patterns seen in fewer than 5 real rows are not
        replayed: such rows draw how many indicators are missing, then which ones. False: a
        tree per indicator.
    max_predictors
        Each tree learns from at most this many earlier columns: those most dependent on its
        own column (binned mutual information, as for the visit order), plus a declared
        target; its link and stratum (below) are looked for among them. The cost of a tree
        grows with its candidate predictors, and in a wide table a column depends on a few
        others; the rest only offer the tree chance splits. None: every earlier column.
    strata
        A column that an earlier column determines, or that determines it, in nearly every
        row (an occupation code and its prestige score, an income in constant dollars and
        its year) is drawn within the stratum of that earlier value: its tree first routes
        rows by every distinct value (``synth/_cart_strata.py``). False grows plain trees.
    discover_constraints
        When ``fit`` infers the schema itself (and ``simulacra fit`` without ``--schema``),
        also discover the business rules (inequalities, formulas, fixed combinations) that
        hold in at least this share of the real rows, and keep them in every sampled row.
        None (the default; ``"auto"`` uses 1.0) discovers nothing; 1.0 keeps only rules
        every real row obeys. A schema given to ``fit`` is used as it is.
    privacy_filter
        Share of candidate rows left out of every sample: those lying closest to a training
        row relative to their distance to as many other synthetic rows
        (``synth/_privacy_filter.py``), so that fewer synthetic rows sit nearer the training
        rows than unseen real rows would. ``"auto"`` leaves out ``min(0.25, 6.5 / sqrt(n))``
        for ``n`` training rows. None (the default, also for ``"auto"``) keeps every row: the
        filter costs some utility and, for large samples, most of the sampling time
        (``bench/RESULTS.md``). A saved model with the filter holds up to 4,000 training
        rows, encoded, as its reference. Filling in given rows (``impute``) is not filtered.
    n_jobs
        Threads fitting the trees (each column's tree is independent of the others). None
        uses ``OMP_NUM_THREADS`` when set, else the cores this process may run on, at most 4.
        The model is the same whatever the number.
    seed
        Seed for fitting and sampling.
    """

    name: ClassVar[str] = "cart"
    _prepare_steps: ClassVar[int] = 2  # the visit order, missing blocks (see _fit)
    _param_checks: ClassVar[dict[str, Check]] = {
        "min_samples_leaf": Interval(int, 1, None, allow_none=True),
        "leaf_scale": Interval(float, 0.0, None),
        "max_depth": Interval(int, 1, None, allow_none=True),
        "smoothing": Options(("density", "none")),
        "bandwidth": Interval(float, 0.0, None),
        "order": Options(("auto", "given")),
        "reject_copies": Options((True, False)),
        "target_split": Options((True, False)),
        "coarse": Interval(float, 0.0, None),
        "min_tie": Interval(int, 0, None),
        "point_mass": Interval(float, 0.0, 1.0),
        "links": Options((True, False)),
        "strata": Options((True, False)),
        "discover_constraints": Interval(float, 0.5, 1.0, allow_none=True),
        "privacy_filter": Either((Interval(float, 0.0, 0.5, allow_none=True),
                                  Options(("auto",)))),
        "n_jobs": Interval(int, 1, None, allow_none=True),
        "max_predictors": Interval(int, 1, None, allow_none=True),
        "missing_blocks": Options((True, False)),
    }

    def __init__(self, *, min_samples_leaf: int | None = None, leaf_scale: float = 0.5,
                 max_depth: int | None = None, smoothing: str = "density",
                 bandwidth: float = 1.0, order: str = "auto", reject_copies: bool = True,
                 target_split: bool = True, coarse: float = 1.0, min_tie: int = 5,
                 point_mass: float = 0.05,
                 links: bool = True, strata: bool = True,
                 discover_constraints: float | None = None,
                 privacy_filter: float | str | None = None, n_jobs: int | None = None,
                 max_predictors: int | None = _MAX_PREDICTORS, missing_blocks: bool = True,
                 seed: SeedLike = None) -> None:
        self.min_samples_leaf = min_samples_leaf
        self.leaf_scale = leaf_scale
        self.max_depth = max_depth
        self.smoothing = smoothing
        self.bandwidth = bandwidth
        self.order = order
        self.reject_copies = reject_copies
        self.target_split = target_split
        self.coarse = coarse
        self.min_tie = min_tie
        self.point_mass = point_mass
        self.links = links
        self.strata = strata
        self.discover_constraints = discover_constraints
        self.privacy_filter = privacy_filter
        self.n_jobs = n_jobs
        self.max_predictors = max_predictors
        self.missing_blocks = missing_blocks
        self.seed = seed

    # ---- fit ----------------------------------------------------------------------------
    def _fit(self, frame: EncodedFrame, *, rng: np.random.Generator, progress: Progress) -> None:
        values, cols = frame.values, frame.columns
        units = _units(cols)
        capped = self.max_predictors is not None and len(units) > self.max_predictors + 1
        dep = _dependence(values, cols, units, rng) if self.order == "auto" or capped else None
        if dep is not None and self.order == "auto":
            visit = _auto_order(dep, cols, units, frame.n_rows)
            units, dep = [units[i] for i in visit], dep[np.ix_(visit, visit)]
        progress.advance()  # fit's "prepare" stage: the visit order, then missing blocks
        missing_of = {u[1]: u[0] for u in units if len(u) == 2}
        blocks, levels = self._missing_blocks(values, cols, missing_of)
        progress.advance()
        progress.finish()
        units, dep, block_units = with_blocks(units, dep, [b.members for b in blocks])
        leaf = self.min_samples_leaf
        if leaf is None:
            leaf = _leaf_rule(self.leaf_scale, frame.n_rows, len(units))
        targets = [j for j in range(len(cols)) if cols[j].role == "target" and cols[j].discrete
                   and not cols[j].name.endswith(".missing")]
        settings = Settings(
            leaf=leaf, max_depth=self.max_depth,
            scale=self.bandwidth if self.smoothing == "density" else 0.0,
            coarse=self.coarse, min_tie=self.min_tie, point_mass=self.point_mass,
            root=targets[0] if self.target_split and len(targets) == 1 else -1)
        # one tree per job (see _jobs): a missing block's indicators share one
        progress.start("fit trees", total=sum(1 if u in block_units else len(unit)
                                              for u, unit in enumerate(units)))
        workers = self.n_jobs or min(machine_threads(), _DEFAULT_JOBS)
        link_rng = np.random.default_rng(int_seed(rng)) if self.links else None
        search = StrataSearch(values, np.random.default_rng(int_seed(rng))) if self.strata else None
        fitter = ColumnFitter(values, cols, settings, units, dep if capped else None,
                              self.max_predictors, search, missing_of, levels,
                              frozenset(block_units))
        jobs = self._jobs(units, missing_of, {u: blocks[b].column for u, b in block_units.items()},
                          link_rng, rng)
        self.steps_ = fit_steps(jobs, fitter, workers, progress)
        progress.finish()
        self.columns_ = cols
        self.missing_blocks_ = blocks
        self.copy_hashes_ = _unique_row_hashes(values, self.steps_)

    def _missing_blocks(self, values: np.ndarray, cols: Sequence[EncodedColumn],
                        missing_of: dict[int, int]) -> tuple[list[MissingBlock],
                                                             dict[int, np.ndarray]]:
        """Indicators drawn together (``synth/_missing_blocks.py``) and their rows' levels.

        A declared target's indicator stays on its own: the target is drawn first.
        """
        if not self.missing_blocks:
            return [], {}
        indicators = sorted(m for m in missing_of.values() if cols[m].role != "target")
        blocks, levels = fit_blocks(values, indicators, len(cols))
        return blocks, {b.column: level for b, level in zip(blocks, levels, strict=True)}

    @staticmethod
    def _jobs(units: list[list[int]], missing_of: dict[int, int], block_steps: dict[int, int],
              link_rng: np.random.Generator | None,
              rng: np.random.Generator) -> Iterator[ColumnJob]:
        """Each column's job, in visit order, with its seeds (one stream each).

        A missing block's unit (``block_steps``: unit -> step) is one job, its level's.
        """
        before: list[int] = []
        for u, unit in enumerate(units):
            if u in block_steps:
                yield ColumnJob(block_steps[u], u, tuple(before), -1, int_seed(rng), None)
            for j in unit if u not in block_steps else ():
                link_seed = int_seed(link_rng) if link_rng is not None else None
                yield ColumnJob(j, u, tuple(before), missing_of.get(j, -1), int_seed(rng),
                                link_seed)
            before.extend(unit)

    # ---- sample -------------------------------------------------------------------------
    def _sample(self, n: int, *, rng: np.random.Generator) -> EncodedFrame:
        return self._sample_with(n, {}, rng)

    def _sample_fixed(self, n: int, fixed: dict[int, float], *,
                      rng: np.random.Generator) -> EncodedFrame | None:
        # Exact for columns CART draws first: every later tree then sees the held value.
        # A condition on a column drawn later that plain draws meet rarely (a rare
        # category, a number) is held while drawing, the earlier columns chosen by how
        # likely they make it (as impute does); a common one is left to the rejection of
        # the shared path, which is exact and then cheaper.
        prefix: dict[int, float] = {}
        for step in self.steps_:
            if step.target not in fixed:
                break
            prefix[step.target] = fixed[step.target]
        if len(prefix) < len(fixed) and self._rarely_met(fixed):
            return self._sample_held(n, fixed, rng)
        return self._sample_with(n, prefix, rng) if prefix else None

    def _rarely_met(self, fixed: dict[int, float]) -> bool:
        """Whether fewer than :data:`_HELD_BELOW` of plain draws meet ``fixed`` (a pilot).

        The pilot draws from a fixed stream (the model's own does not move), once per
        condition. A continuous value is taken as never met: plain draws hardly hit it.
        """
        key = tuple(sorted(fixed.items()))
        cached: tuple[list[Step], dict[tuple[tuple[int, float], ...], bool]] | None
        cached = getattr(self, "_rare_conditions", None)
        if cached is None or cached[0] is not self.steps_:  # refitted or loaded: anew
            cached = (self.steps_, {})
            self._rare_conditions = cached
        known = cached[1]
        if key not in known:
            held = self._held_cells(fixed)  # a missing value: its indicator alone
            if any(not self.columns_[j].discrete for j in held):
                known[key] = True
            else:
                pilot = self._draw(_HELD_PILOT_ROWS, np.random.default_rng(0))
                met = np.logical_and.reduce([pilot[:, j] == fixed[j] for j in held])
                known[key] = bool(met.mean() < _HELD_BELOW)
        return known[key]

    def _held_cells(self, fixed: dict[int, float]) -> list[int]:
        """The columns of ``fixed`` to hold: not a value whose indicator is held missing."""
        missing = {s.target: s.missing for s in self.steps_ if s.missing >= 0}
        return [j for j in fixed
                if not (j in missing and fixed.get(missing[j]) == MISSING_CODE)]

    def _sample_held(self, n: int, fixed: dict[int, float],
                     rng: np.random.Generator) -> EncodedFrame:
        """``n`` rows holding ``fixed``, drawn as impute draws rows (``_held_impute.py``).

        Each row is one of :data:`CANDIDATES` candidates drawn with the values held, kept
        with probability proportional to how likely its earlier cells make the held values
        (a sequential importance resampling); the columns after the last held one are drawn
        for the kept row only.
        """
        out = np.concatenate([self._held_rows(min(_HELD_ROWS, n - first), fixed, rng)
                              for first in range(0, n, _HELD_ROWS)] or
                             [np.zeros((0, len(self.columns_)))])
        out = np.asfortranarray(out)
        if self.reject_copies and self.copy_hashes_.size:
            redraw_copies(self, out, lambda bad: self._held_rows(bad.size, fixed, rng),
                          _MAX_REDRAWS)
        return EncodedFrame(out, self.columns_)

    def _held_rows(self, n: int, fixed: dict[int, float],
                   rng: np.random.Generator) -> np.ndarray:
        """:meth:`_sample_held`'s rows: candidates up to the last held step, then one each."""
        width = len(self.columns_)
        values = np.zeros((n * CANDIDATES, width))
        held = np.zeros(values.shape, dtype=bool)
        for j, value in fixed.items():
            values[:, j] = value
        held[:, self._held_cells(fixed)] = True  # a missing value: left to its step
        blocks = self._blocks
        holds = [i for i, s in enumerate(self.steps_)
                 if (s.target < width and held[0, s.target])
                 or (s.target in blocks and held[0, blocks[s.target].members].any())]
        stop = holds[-1] + 1 if holds else 0
        out, log_like, drawn = self._held_steps(values, held, rng, stop, _held_share)
        out = self._picked(out, log_like.reshape(n, CANDIDATES), rng)
        # A row none of whose candidates reached a leaf holding a held category would take
        # one at random: values its earlier cells never go with. Drawn again instead.
        lacking = np.flatnonzero(log_like.reshape(n, CANDIDATES).max(axis=1) < -_UNHELD / 2)
        for _ in range(_HELD_ROUNDS):
            if not lacking.size:
                break
            size = lacking.size * CANDIDATES  # every row holds the same values
            again, like, _ = self._held_steps(values[:size], held[:size], rng, stop,
                                              _held_share)
            like = like.reshape(lacking.size, CANDIDATES)
            found = like.max(axis=1) >= -_UNHELD / 2
            if not found.any() and size >= _HELD_PILOT_ROWS:
                break  # so many candidates and none: a combination no leaf holds
            out[lacking[found]] = self._picked(again, like, rng)[found]
            lacking = lacking[~found]
        for step in self.steps_[stop:]:  # the rest as a plain draw continues
            written = self.draw_step(step, out, rng)
            self._keep_orders(step, out, drawn, rng)
            drawn.update(written)
        return out

    @staticmethod
    def _picked(out: np.ndarray, log_like: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Per row of ``log_like`` (rows, candidates), one candidate row of ``out`` by weight."""
        pick, _ = pick_by_weight(log_like, rng)
        return np.asfortranarray(out[np.arange(len(log_like)) * log_like.shape[1] + pick])

    @property
    def order_pairs_(self) -> list[OrderPair]:
        """The order rules this model keeps while drawing (see ``synth/_orders.py``)."""
        rules = getattr(self, "constraints_", None)
        if rules is None:  # still fitting: no rule to keep yet
            return []
        cached = getattr(self, "_order_pairs", None)
        if cached is None or cached[0] is not rules:  # refitted: recompute
            self._order_pairs = (rules, order_pairs(rules, self.codec_))
        return self._order_pairs[1]

    @property
    def _pairs_by_column(self) -> dict[int, list[OrderPair]]:
        """:attr:`order_pairs_` by the encoded columns they hold (built once per fit)."""
        return self._pairs_cache[1]

    @property
    def _order_checks(self) -> dict[tuple[int, frozenset[int]], OrderCheck | None]:
        """:meth:`_order_check`'s checks of plain draws, by column and columns drawn before."""
        return self._pairs_cache[2]

    @property
    def _pairs_cache(self) -> tuple[list[OrderPair], dict[int, list[OrderPair]],
                                    dict[tuple[int, frozenset[int]], OrderCheck | None]]:
        pairs = self.order_pairs_
        cached: tuple[list[OrderPair], dict[int, list[OrderPair]],
                      dict[tuple[int, frozenset[int]], OrderCheck | None]] | None
        cached = getattr(self, "_pairs_index", None)
        if cached is None or cached[0] is not pairs:  # refitted: recompute
            cached = (pairs, pairs_by_column(pairs), {})
            self._pairs_index = cached
        return cached

    @property
    def copy_flags_(self) -> np.ndarray:
        """:func:`_hash_flags` of ``copy_hashes_``, built once (not part of the state)."""
        cached = getattr(self, "_copy_flags", None)
        if cached is None or cached[0] is not self.copy_hashes_:  # refitted or loaded
            self._copy_flags = (self.copy_hashes_, _hash_flags(self.copy_hashes_))
        return self._copy_flags[1]

    def _sample_with(self, n: int, fixed: dict[int, float],
                     rng: np.random.Generator) -> EncodedFrame:
        out = self._draw(n, rng, fixed)
        if self.reject_copies and self.copy_hashes_.size:
            redraw_copies(self, out, lambda bad: self._draw(bad.size, rng, fixed), _MAX_REDRAWS)
        return EncodedFrame(out, self.columns_)

    def _draw(self, n: int, rng: np.random.Generator,
              fixed: dict[int, float] | None = None) -> np.ndarray:
        out = np.zeros((n, len(self.columns_)), order="F")  # column-wise writes and reads
        drawn: set[int] = set()
        for step in self.steps_:
            if fixed and step.target in fixed:
                out[:, step.target] = fixed[step.target]
                drawn.add(step.target)
            else:
                written = self.draw_step(step, out, rng)
                self._keep_orders(step, out, drawn, rng)
                drawn.update(written)
        return out

    def held_draw(self, values: np.ndarray, held: np.ndarray,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Rows drawn in the visit order with the cells marked in ``held`` kept as in ``values``.

        A held cell is written right after its step, so every later tree sees it; the other
        cells are drawn given the row's earlier cells. Also returns each row's log-likelihood
        of its held cells under their trees (see ``synth/_held_impute.py``).
        """
        out, log_like, _ = self._held_steps(values, held, rng, len(self.steps_),
                                            held_log_likelihood)
        return out, log_like

    def _held_steps(self, values: np.ndarray, held: np.ndarray, rng: np.random.Generator,
                    stop: int, likelihood: Callable[..., np.ndarray]
                    ) -> tuple[np.ndarray, np.ndarray, set[int]]:
        """:meth:`held_draw` of the first ``stop`` steps; also the columns they wrote."""
        n = values.shape[0]
        # held cells known from the start: a tree reads only earlier columns, but an order
        # rule keeps a blank drawn before its held partner on the right side of it
        out = np.asfortranarray(np.where(held, values, 0.0))
        log_like = np.zeros(n)
        cache: dict[int, np.ndarray] = {}
        drawn: set[int] = set()
        blocks = self._blocks
        for step in self.steps_[:stop]:
            own = step.target < held.shape[1] and step.target not in blocks  # not a block's
            rows = np.flatnonzero(held[:, step.target]) if own else np.zeros(0, np.intp)
            if rows.size:
                log_like[rows] += likelihood(step, out, values[rows, step.target], rows,
                                             cache)
            written = self.draw_step(step, out, rng)
            self._keep_orders(step, out, drawn, rng, held)
            for j in written:
                out[held[:, j], j] = values[held[:, j], j]
            drawn.update(written)
        return out, log_like, drawn

    def _impute(self, frame: pd.DataFrame, given: pd.DataFrame,
                rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray] | None:
        return impute_by_held_draws(self, self.held_draw, frame, given, rng)

    def draw_step(self, step: Step, out: np.ndarray, rng: np.random.Generator,
                  keep: Container[int] = ()) -> Sequence[int]:
        """Draw ``step``'s column into ``out``; return the columns written.

        A missing block's step writes its members' indicators, except those in ``keep``.
        """
        block = self._blocks.get(step.target)
        if block is None:
            out[:, step.target] = sample_step(step, out, rng)
            return (step.target,)
        codes = block.indicators(sample_step(step, out, rng), rng)
        written = [k for k, j in enumerate(block.members.tolist()) if j not in keep]
        columns = block.members[written]
        out[:, columns] = codes[:, written]
        return [int(j) for j in columns]

    @property
    def _blocks(self) -> dict[int, MissingBlock]:
        """Missing blocks by the step that draws them (none in a model saved before them)."""
        return {b.column: b for b in getattr(self, "missing_blocks_", ())}

    def _keep_orders(self, step: Step, out: np.ndarray, drawn: set[int],
                     rng: np.random.Generator, held: np.ndarray | None = None) -> None:
        # Rows whose new value breaks an order rule with an earlier column draw it again.
        # ``held`` (imputing): cells given in a row count as drawn there, wherever they come
        check = self._order_check(step.target, drawn, held)
        if check is None:
            return
        # only a row drawn again can break a rule anew: the first pass checks every row,
        # later ones the rows just drawn again
        rows = check.broken(out)
        for _ in range(_ORDER_REDRAWS):
            if rows.size == 0:
                return
            out[rows, step.target] = sample_step(step, step_inputs(step, out, rows), rng)
            rows = rows[check.broken(out, rows)]
        if rows.size == 0 or held is not None:
            # an imputed row, one of many candidates, is better left out than moved onto
            # its bound
            return
        # A value still breaking a rule takes the bound it breaks (a total as large as its
        # largest item, a remodel in the year of building). Rejecting the whole row instead
        # would change how often every earlier value occurs, missing ones included: on a
        # survey with a few hundred such rules, missing shares moved by up to 0.11. No
        # value equals a strict bound: those rows are left to rejection.
        check.clamp(out, rows)

    def _order_check(self, target: int, drawn: set[int],
                     held: np.ndarray | None) -> OrderCheck | None:
        """The order pairs that column ``target`` must keep with the values already drawn.

        Without ``held`` the same for every draw: kept, by the columns drawn before.
        """
        key = (target, frozenset(drawn))
        checks = self._order_checks
        if held is None and key in checks:
            return checks[key]
        pairs: list[OrderPair] = []
        rows_of: list[np.ndarray | None] = []  # None: every row
        for p in self._pairs_by_column.get(target, ()):
            other = p.high if target == p.low else p.low
            known: np.ndarray | None
            if other in drawn:
                known = None
            elif held is not None and held[:, other].any():
                known = held[:, other].copy()
            else:
                continue
            if held is not None:  # a held value of the step's own column is written anyway
                known = ~held[:, target] if known is None else known & ~held[:, target]
            pairs.append(p)
            rows_of.append(known)
        check = OrderCheck(target, pairs, rows_of) if pairs else None
        if held is None:
            checks[key] = check
        return check

    # ---- state --------------------------------------------------------------------------
    def _get_state(self) -> dict[str, Any]:
        return {
            "columns": [c.to_dict() for c in self.columns_],
            "steps": [s.to_state() for s in self.steps_],
            "copy_hashes": self.copy_hashes_,
            "missing_blocks": [b.to_state() for b in self.missing_blocks_],
        }

    def _set_state(self, state: dict[str, Any]) -> None:
        self.columns_ = tuple(EncodedColumn.from_dict(c) for c in state["columns"])
        self.steps_ = [Step.from_state(s) for s in state["steps"]]
        self.copy_hashes_ = np.asarray(state["copy_hashes"], dtype=np.uint64)
        # a model saved before missing blocks existed has none, and samples as it did
        self.missing_blocks_ = [MissingBlock.from_state(b)
                                for b in state.get("missing_blocks", [])]


def _held_share(step: Step, out: np.ndarray, value: np.ndarray, rows: np.ndarray,
                cache: dict[int, np.ndarray]) -> np.ndarray:
    """Log of a held category's share of its row's leaf (:data:`_SHARE_PRIOR` added).

    The probability that the step draws it there (a leaf member taken at random), less
    :data:`_UNHELD` where no member holds it. A number is weighed as impute weighs it
    (``synth/_cart_impute.py``).
    """
    if step.grid.size or not step.values.size:
        return held_log_likelihood(step, out, value, rows, cache)
    node = step.leaves(predictors(step, out[rows])) if step.depth else np.zeros(rows.size,
                                                                                np.intp)
    start, size = step.start[node], step.end[node] - step.start[node]
    keys = cache.get(id(step))
    if keys is None:
        keys = cache[id(step)] = _member_keys(step)
    span = int(step.values.max()) + 2
    key = start * span + np.clip(value, 0, span - 1).astype(np.int64)
    count = np.searchsorted(keys, key, "right") - np.searchsorted(keys, key, "left")
    return np.asarray(np.log((count + _SHARE_PRIOR) / (size + _SHARE_PRIOR))
                      - np.where(count > 0, 0.0, _UNHELD))


def _leaf_rule(scale: float, n: int, width: int) -> int:
    """Default leaf size: ``scale * sqrt(n)``, times ``(16 / width) ** 0.25`` past 16 columns.

    Leaves grow with the data, so a synthetic row mixes many real rows; in a wide table each
    tree has more earlier columns to relate to, and smaller leaves let it split on more of them
    (the fourth root balances detection against distance to real rows; see bench/notes_cart.md).
    """
    return max(5, round(scale * math.sqrt(n) * math.sqrt(math.sqrt(_WIDE / max(width, _WIDE)))))


# ---- visit order --------------------------------------------------------------------------
def _units(cols: Sequence[EncodedColumn]) -> list[list[int]]:
    """Columns grouped so that a missing indicator stays just before its value column."""
    units: list[list[int]] = []
    i = 0
    while i < len(cols):
        paired = (i + 1 < len(cols) and cols[i].discrete
                  and cols[i].name == cols[i + 1].name + ".missing")
        units.append([i, i + 1] if paired else [i])
        i += 2 if paired else 1
    return units


def _unit_codes(values: np.ndarray, cols: Sequence[EncodedColumn], unit: list[int]) -> np.ndarray:
    """Code a unit in at most ``_ORDER_BINS`` bins (quantiles or the most frequent codes)."""
    j = unit[-1]
    x = values[:, j]
    if cols[j].discrete:
        counts = np.bincount(x.astype(np.int64))
        top = np.argsort(-counts, kind="stable")[: _ORDER_BINS - 1]
        remap = np.full(counts.size, _ORDER_BINS - 1)
        remap[top] = np.arange(top.size)
        codes = remap[x.astype(np.int64)]
    else:
        edges = np.unique(np.quantile(x, np.linspace(0, 1, _ORDER_BINS - 1)[1:-1]))
        codes = np.searchsorted(edges, x, side="right")
    if len(unit) == 2:  # missing rows get a code of their own
        codes = np.where(values[:, unit[0]] == MISSING_CODE, _ORDER_BINS, codes)
    return np.asarray(codes, dtype=np.int64)


def _dependence(values: np.ndarray, cols: Sequence[EncodedColumn], units: list[list[int]],
                rng: np.random.Generator) -> np.ndarray:
    """Normalized mutual information between every two units (binned, on <= 20k rows)."""
    if values.shape[0] > _ORDER_ROWS:
        values = values[rng.choice(values.shape[0], _ORDER_ROWS, replace=False)]
    return dependence([_unit_codes(values, cols, u) for u in units])


def _auto_order(dep: np.ndarray, cols: Sequence[EncodedColumn], units: list[list[int]],
                n: int) -> list[int]:
    """Order units greedily by their mutual information ``dep`` (``synth/_visit_order.py``)."""
    tiers = np.array([tier(cols[u[-1]], len(u), n) for u in units])
    return greedy_order(dep, tiers)


# ---- copies of training rows --------------------------------------------------------------
def _row_hashes(values: np.ndarray, steps: Sequence[Step]) -> np.ndarray:
    """Hash each row's decoded-relevant values to 64 bits (a missing value's fill is not)."""
    with np.errstate(over="ignore"):  # beyond float32's range a value hashes as infinite
        v = np.asfortranarray(values, dtype=np.float32)  # a copy: columns contiguous
    for s in steps:
        if s.missing >= 0:
            v[values[:, s.missing] == MISSING_CODE, s.target] = 0.0
    v += np.float32(0.0)  # -0.0 -> 0.0
    bits = v.view(np.uint32)
    h = np.full(values.shape[0], 0x9E3779B97F4A7C15, dtype=np.uint64)
    for j in range(bits.shape[1]):
        h ^= bits[:, j]
        h *= np.uint64(0x100000001B3)
        h ^= h >> np.uint64(29)
    return h


def redraw_copies(model: CARTSynthesizer, out: np.ndarray,
                  draw: Callable[[np.ndarray], np.ndarray], tries: int) -> None:
    """Redraw, in place, rows of ``out`` equal to a training row that is unique in it.

    ``draw(rows)`` gives new candidates for those rows. A row is only replaced by a candidate
    with the same pattern of missing values, so that where a table has little else (a panel's
    early years with no counts, keyed by country and year) missing values keep their share;
    rows that still repeat a real one after ``tries`` are kept.
    """
    pattern = np.array([s.missing for s in model.steps_ if s.missing >= 0], dtype=np.intp)
    # after the first round only the rows redrawn or kept in the last may repeat one, the
    # others being unchanged (hashing every row each round: 30% of gss_wages' sampling)
    bad = np.arange(out.shape[0])
    for attempt in range(tries):
        rows = out if attempt == 0 else out[bad]
        bad = bad[_is_member(_row_hashes(rows, model.steps_), model.copy_hashes_,
                             model.copy_flags_)]
        if bad.size == 0:
            return
        new = draw(bad)
        same = np.all(new[:, pattern] == out[np.ix_(bad, pattern)], axis=1)
        out[bad[same]] = new[same]


def _unique_row_hashes(values: np.ndarray, steps: Sequence[Step]) -> np.ndarray:
    """Sorted hashes of training rows that occur once: copying those would copy a person."""
    hashes, counts = np.unique(_row_hashes(values, steps), return_counts=True)
    return np.asarray(hashes[counts == 1], dtype=np.uint64)


def _flag_bits(sorted_set: np.ndarray) -> int:
    """Bits of a hash that pick its flag: 32 to 64 flags per hash of the set, 2**16 to 2**24."""
    return min(24, max(16, int(sorted_set.size).bit_length() + 5))


def _hash_flags(sorted_set: np.ndarray) -> np.ndarray:
    """A flag per value of a hash's top bits: whether a hash of ``sorted_set`` has them."""
    bits = _flag_bits(sorted_set)
    flags = np.zeros(1 << bits, dtype=bool)
    flags[sorted_set >> np.uint64(64 - bits)] = True
    return flags


def _is_member(hashes: np.ndarray, sorted_set: np.ndarray, flags: np.ndarray) -> np.ndarray:
    """Which ``hashes`` are in ``sorted_set`` (``flags``: its :func:`_hash_flags`).

    The flags rule out nearly every row at once; a binary search for each missed the cache
    at every step (4 ms of a 50,000-row chunk on DAAG::nassCDS, against 0.1 ms).
    """
    maybe = np.flatnonzero(flags[hashes >> np.uint64(64 - _flag_bits(sorted_set))])
    found = np.zeros(hashes.size, dtype=bool)
    if maybe.size:
        candidates = hashes[maybe]
        pos = np.minimum(np.searchsorted(sorted_set, candidates), sorted_set.size - 1)
        found[maybe] = sorted_set[pos] == candidates
    return found
