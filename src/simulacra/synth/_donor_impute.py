"""Imputation for a model that cannot hold a given cell: blanks from its own nearest rows.

A GAN's generator maps noise to whole rows; nothing in it can be fixed to a row's given
cells. Conditioning each real row on all its given cells by rejection never met one (a row
gives a dozen cells; the model draws that combination almost never), so ``impute`` failed.
Here the model draws a pool of rows, and each given row takes its blanks from one of the pool
rows nearest it on its given cells (a hot deck whose donors are the model's rows, not real
ones, so no real row's values are copied into the blanks). Numbers are compared in units of
their spread in the pool, categories and missing-value indicators count one unit when they
differ. A donor is drawn among the nearest few that obey every rule with the row's given
cells written in, so the blanks vary from one draw to the next as the model's rows near the
row do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from simulacra.synth._held_impute import DrawCheck, held_cells, latest, pick_by_weight
from simulacra.synth._rule_holds import draw_choices, with_solved_inputs

if TYPE_CHECKING:
    from simulacra.synth._base import BaseSynthesizer

POOL_ROWS = 16_384  # the model's rows among which donors are found
NEAREST = 64  # donors per row checked against the rules
DRAWN_AMONG = 8  # a row's donor is drawn among this many nearest acceptable ones
_CHUNK_ROWS = 256  # given rows whose distances to the pool are held at once
_CAP = 9.0  # a number's squared distance counts at most this (three spreads)


def impute_by_donors(model: BaseSynthesizer, frame: pd.DataFrame, given: pd.DataFrame,
                     rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """``frame``'s rows with their blanks from the model's nearest rows; the rows none fit.

    The second result lists the rows (positions) none of whose nearest donors obeyed
    every rule; their cells in the first are not valid.
    """
    frame, given = with_solved_inputs(model, frame, given)
    values, held, choices = held_cells(model, frame, given, rng)
    draw_choices(model, choices, values, held, np.arange(len(frame)), rng)
    pool = model._sample_checked(POOL_ROWS, rng).values
    discrete = np.array([c.discrete for c in model.codec_.encoded_columns], dtype=bool)
    spread = np.where(discrete, 1.0, np.nanstd(pool, axis=0))
    spread = np.where(np.isfinite(spread) & (spread > 0), spread, 1.0)
    check = DrawCheck(model, frame, given)
    parts, left = [], []
    for first in range(0, len(frame), _CHUNK_ROWS):
        todo = np.arange(first, min(first + _CHUNK_ROWS, len(frame)))
        distance = _distances(values[todo], held[todo], pool, discrete, spread)
        nearest = np.argsort(distance, axis=1)[:, :NEAREST]
        drawn = pool[nearest.ravel()]
        rows = np.repeat(todo, NEAREST)
        mask = held[rows]
        drawn[mask] = values[rows][mask]  # the given cells, in the model's terms
        table, ok = check(drawn, rows, 0, rng)
        ok = ok.reshape(-1, NEAREST)
        among = ok & (np.cumsum(ok, axis=1) <= DRAWN_AMONG)  # the nearest acceptable
        pick, fitted = pick_by_weight(np.where(among, 0.0, -np.inf), rng)
        pick = np.where(fitted, pick, 0)  # none fits: the nearest, left to rejection
        parts.append(table.iloc[np.arange(todo.size) * NEAREST + pick].set_axis(todo))
        left.append(todo[~fitted])
    return latest(parts, model), np.concatenate(left) if left else np.zeros(0, np.int64)


def _distances(values: np.ndarray, held: np.ndarray, pool: np.ndarray,
               discrete: np.ndarray, spread: np.ndarray) -> np.ndarray:
    """(given rows, pool rows): the sum over each row's held cells of their distances."""
    out = np.zeros((len(values), len(pool)))
    for j in np.flatnonzero(held.any(axis=0)):
        rows = held[:, j]
        if discrete[j]:
            gap = (values[rows, j][:, None] != pool[None, :, j]).astype(np.float64)
        else:
            gap = np.minimum(((values[rows, j][:, None] - pool[None, :, j]) / spread[j]) ** 2,
                             _CAP)
        out[rows] += np.where(np.isnan(gap), _CAP, gap)
    return out
