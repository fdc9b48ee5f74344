"""CART's part in native imputation (``synth/_held_impute.py``): how likely a held cell is.

A held cell's likelihood under its tree is its value's share among the members of the leaf
its row reaches, as a density over the leaf's smoothing window for a continuous column.
"""

from __future__ import annotations

import numpy as np

from simulacra.synth._cart_tree import Step, predictors

_PRIOR = 0.5  # added to every member count, so no held value is impossible


def held_log_likelihood(step: Step, out: np.ndarray, value: np.ndarray,
                        rows: np.ndarray, cache: dict[int, np.ndarray]) -> np.ndarray:
    """Log of each held value's share among the members of the leaf its row reaches.

    ``rows``: the rows of ``out`` that hold ``value`` (one per row). A continuous column
    counts the members within the leaf's smoothing bandwidth of the value's rank (at least
    one rank each side), as a density over that window; a discrete one the members with
    the value. Both with :data:`_PRIOR` added, so that no value is impossible; for a
    continuous value beyond the leaf's members, only that prior's share of the column's
    ranks, fading by a factor e per window of distance from the nearest member.
    """
    x = out[rows]
    node = step.leaves(predictors(step, x)) if step.depth else np.zeros(rows.size, np.intp)
    start, size = step.start[node], step.end[node] - step.start[node]
    keys = cache.get(id(step))
    if keys is None:
        keys = cache[id(step)] = _member_keys(step)
    fade = np.zeros(rows.size)  # log of how much a value beyond the leaf's members is shrunk
    if step.grid.size:  # ranks of the training values, in the leaf's smoothing window
        span = step.grid.size + 1
        rank = np.searchsorted(step.grid, value)
        width = np.maximum(np.ceil(step.bandwidth[node]), 1.0).astype(np.int64)
        low, high = np.clip(rank - width, 0, span - 1), np.clip(rank + width, 0, span - 1)
        density = 2.0 * width + 1.0
        # a value beyond the leaf's members (and their smoothing) gets the prior's share of
        # the whole range, fading with its distance from them, not a member's worth: a given
        # population far from a drawn date's leaf weighed a third of a right one, so the
        # many far dates won (economics: 15% of blank dates more than five years off)
        first = keys[np.searchsorted(keys, start * span, "left")] - start * span
        last = keys[np.searchsorted(keys, (start + 1) * span, "left") - 1] - start * span
        gap = np.maximum(first - high, low - last)
        fade = np.where(gap > 0, np.log(density / span) - gap / width, 0.0)  # none counted
    else:
        span = int(step.values.max()) + 2 if step.values.size else 2
        low = high = np.clip(value, 0, span - 1).astype(np.int64)
        density = np.ones(rows.size)
    count = (np.searchsorted(keys, start * span + high, "right")
             - np.searchsorted(keys, start * span + low, "left"))
    return np.asarray(np.log(count + _PRIOR) + fade - np.log((size + _PRIOR) * density))


def _member_keys(step: Step) -> np.ndarray:
    """Per member, its leaf's first member and its value (rank or code), as one sorted key."""
    nodes = np.arange(len(step.children))
    leaves = nodes[step.children[:, 0] == nodes]
    first = np.repeat(step.start[leaves], step.end[leaves] - step.start[leaves])
    if step.grid.size:
        return np.asarray(first * (step.grid.size + 1) + step.tie_start)
    span = int(step.values.max()) + 2 if step.values.size else 2
    return np.asarray(first * span + step.values.astype(np.int64))
