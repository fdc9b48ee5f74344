"""Missing blocks under ``cart``: the tree that draws a block's level, and its place.

Which indicators form a block and how a level sets them is shared with the other models
(``synth/_missing_blocks.py``). Under ``cart`` the level is drawn by a tree over the earlier
columns, as a discrete column would be, and the block's step comes where its first member's
indicator would have been.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from simulacra.data._frame import EncodedColumn
from simulacra.synth._cart_tree import Settings, Step, fit_step


def fit_level_step(values: np.ndarray, cols: Sequence[EncodedColumn], levels: np.ndarray,
                   column: int, predictors: Sequence[int], settings: Settings,
                   seed: int) -> Step:
    """The tree that draws a block's level (``column``) from the columns ``predictors``."""
    cards = int(levels.max()) + 1
    sub = np.column_stack([values[:, list(predictors)], levels])
    sub_cols = [cols[p] for p in predictors]
    sub_cols.append(EncodedColumn(f"missing block {column}", "", True, cards))
    at = list(range(len(predictors)))
    root = list(predictors).index(settings.root) if settings.root in predictors else -1
    step = fit_step(sub, sub_cols, len(at), at, None, -1, replace(settings, root=root), seed)
    used = np.asarray(predictors, dtype=np.int64)[step.used]
    return replace(step, target=column, used=used)


def with_blocks(units: list[list[int]], dep: np.ndarray | None,
                blocks: Sequence[np.ndarray]) -> tuple[list[list[int]], np.ndarray | None,
                                                       dict[int, int]]:
    """Units (in visit order) with each block's indicators drawn as one unit.

    A member's value column stays where its unit was, and the block's unit comes just before
    the first of them. The dependence of a new unit on another is the largest between the
    old units they come from. Also returns the block index of each block's unit.
    """
    if not blocks:
        return units, dep, {}
    block_of = {int(j): b for b, members in enumerate(blocks) for j in members}
    new: list[list[int]] = []
    origin: list[list[int]] = []
    at: dict[int, int] = {}
    for u, unit in enumerate(units):
        b = block_of.get(unit[0], -1) if len(unit) == 2 else -1
        if b < 0:
            new.append(unit)
            origin.append([u])
            continue
        if b not in at.values():
            at[len(new)] = b
            new.append([int(j) for j in blocks[b]])
            origin.append([v for v, w in enumerate(units) if len(w) == 2
                           and block_of.get(w[0], -1) == b])
        new.append([unit[1]])
        origin.append([u])
    if dep is None:
        return new, None, at
    rows = np.stack([dep[o].max(axis=0) for o in origin])
    merged = np.stack([rows[:, o].max(axis=1) for o in origin], axis=1)
    np.fill_diagonal(merged, 0.0)
    return new, merged, at
