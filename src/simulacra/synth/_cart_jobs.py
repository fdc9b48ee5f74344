"""How ``cart`` fits its columns: one job per column, run on a thread pool.

Each column's tree learns from the real earlier columns only, never from another tree, so
the columns are independent. The main thread hands out jobs in visit order with their seeds
(one random stream); a worker settles the rest of its job (the rows, the link, the stratum,
the predictors) and grows the tree. scikit-learn grows a tree without holding the GIL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from simulacra._progress import Progress
from simulacra._warnings import quiet
from simulacra.data._frame import EncodedColumn
from simulacra.synth._cart_links import find_link
from simulacra.synth._cart_missing import fit_level_step
from simulacra.synth._cart_strata import StrataSearch
from simulacra.synth._cart_tree import Settings, Step, fit_step
from simulacra.synth._marginals import MISSING_CODE


@dataclass(frozen=True)
class ColumnJob:
    """One column in visit order: its unit's place, the columns before it, its seeds."""

    target: int
    unit: int
    before: tuple[int, ...]
    missing: int  # the column's missing indicator, or -1
    seed: int
    link_seed: int | None  # None: no link search


@dataclass(frozen=True)
class ColumnFitter:
    """Settles and fits one :class:`ColumnJob`; safe to call from several threads.

    ``units`` are in visit order, and so are the rows and columns of ``dep``, their
    dependence (None: every tree sees every earlier column). ``cap``: see
    ``CARTSynthesizer.max_predictors``. ``missing_of`` maps a value column to its missing
    indicator; ``levels`` a missing block's step (``synth/_cart_missing.py``) to its training
    rows' levels; ``block_units`` are the units of missing blocks.
    """

    values: np.ndarray
    cols: Sequence[EncodedColumn]
    settings: Settings
    units: Sequence[Sequence[int]]
    dep: np.ndarray | None
    cap: int | None
    search: StrataSearch | None  # read-only once built
    missing_of: Mapping[int, int]
    levels: Mapping[int, np.ndarray]
    block_units: frozenset[int] = frozenset()

    def __call__(self, job: ColumnJob) -> Step:
        j, values = job.target, self.values
        if j in self.levels:  # a missing block's level: no link, no stratum
            return fit_level_step(values, self.cols, self.levels[j], j,
                                  self._predictors(job), self.settings, job.seed)
        # a value column is learnt on its present rows; its indicator is then constant
        rows = values[:, job.missing] != MISSING_CODE if job.missing >= 0 else None
        present = values if rows is None else values[rows]
        predictors = self._predictors(job)
        # a link or a stratum is a strong dependence: looked for among the predictors
        link = None
        if job.link_seed is not None:
            link = find_link(present, self.cols, j, predictors, self.missing_of,
                             np.random.default_rng(job.link_seed))
        stratum = self.search.find(j, predictors) if self.search is not None else -1
        return fit_step(values, self.cols, j, predictors, rows, job.missing, self.settings,
                        job.seed, link, stratum)

    def _predictors(self, job: ColumnJob) -> tuple[int, ...]:
        before = job.before
        if self.dep is not None and self.cap is not None:
            before = strongest(job.before, self.unit_of, self.dep[job.unit, :job.unit],
                               self.target_units, self.cap)
        if not self.block_units:
            return before
        return tuple(k for k in before
                     if self.unit_of[k] not in self.block_units or k in self.block_stand_ins)

    @cached_property
    def block_stand_ins(self) -> set[int]:
        """Each missing block's first indicator, the one later trees see.

        A block's indicators mostly say the same (a section left out): one stands for it, or
        a block of 60 items would widen every tree that picks it by 60 columns.
        """
        return {self.units[u][0] for u in self.block_units}

    @cached_property
    def unit_of(self) -> dict[int, int]:
        return {k: u for u, unit in enumerate(self.units) for k in unit}

    @cached_property
    def target_units(self) -> set[int]:
        """Units of declared targets: every tree may learn from them."""
        return {self.unit_of[k] for k, col in enumerate(self.cols) if col.role == "target"}


def strongest(before: Sequence[int], unit_of: dict[int, int], dep: np.ndarray,
              keep: set[int], cap: int) -> tuple[int, ...]:
    """The columns of ``before`` in the ``cap`` units with the highest ``dep``, and in ``keep``.

    ``dep[u]`` is the dependence on earlier unit ``u``; ties go to the unit visited first.
    Columns keep their visit order.
    """
    if dep.size <= cap:
        return tuple(before)
    chosen = set(np.argsort(-dep, kind="stable")[:cap].tolist()) | keep
    return tuple(k for k in before if unit_of[k] in chosen)


def fit_steps(jobs: Iterable[ColumnJob], fit: Callable[[ColumnJob], Step], workers: int,
              progress: Progress) -> list[Step]:
    """Run ``fit`` on every job, on ``workers`` threads; the steps come back in job order.

    Jobs are handed out as they come, so the threads fit while later jobs are prepared.
    """
    # The warnings filter is process-wide state: set it once here, never inside a thread.
    # codes of a high-cardinality column are many "classes"
    with quiet(UserWarning, "The number of unique classes"):
        if workers <= 1:
            steps = []
            for job in jobs:
                steps.append(fit(job))
                progress.advance()
            return steps
        pool = ThreadPoolExecutor(max_workers=workers)
        futures: list[Future[Step]] = []
        try:
            for job in jobs:
                futures.append(pool.submit(fit, job))
            for done in as_completed(futures):
                done.result()
                progress.advance()
        except BaseException as exc:
            # The queued jobs are dropped. On Ctrl-C or SIGTERM the trees being fitted are
            # not waited for either (nothing is written yet; at 3M rows the wait was 95 s
            # after a SIGTERM), and the command line exits without joining them.
            pool.shutdown(wait=not isinstance(exc, (KeyboardInterrupt, SystemExit)),
                          cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        return [future.result() for future in futures]
