"""Native imputation for CART: the missing cells of many rows drawn at once, given cells held.

Rejection (the shared ``conditions`` path) cannot fill real rows: each row gives nearly all
its cells, and CART draws that exact combination almost never. CART can hold any cell while
drawing: its steps run in the visit order, and a held cell is written into the row right
after its step, so every later tree sees it. A missing cell is thus drawn given the row's
cells earlier in the order; its value is wanted, so a held "present" stands in its
missing-value indicator. The cells later in the order are taken into account by drawing
:data:`CANDIDATES` rows per given row and keeping one with probability proportional to how
likely its held cells are under their trees (each given cell's share among the members of
the leaf the candidate reaches: a sequential importance resampling). Candidates that break a
rule are never kept; rows with none left are drawn again, then left to rejection.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from simulacra.data._codec_base import MISSING_SUFFIX
from simulacra.data._frame import EncodedFrame
from simulacra.errors import InvalidParameterError
from simulacra.synth._cart_tree import Step, predictors
from simulacra.synth._marginals import MISSING_CODE

if TYPE_CHECKING:
    from simulacra.synth.cart import CARTSynthesizer

CANDIDATES = 64  # draws per row, among which the held cells choose
_ROUNDS = 10  # draws of the rows whose candidates all break a rule
_PRIOR = 0.5  # added to every member count, so no held value is impossible
_CHUNK_ROWS = 2_000  # given rows drawn together (times CANDIDATES candidate rows)


def impute_rows(model: CARTSynthesizer, frame: pd.DataFrame, given: pd.DataFrame,
                rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """``frame``'s rows with their missing cells drawn; and the rows no draw could fill.

    ``given``: which cells of ``frame`` hold a value to keep. The second result lists the
    rows (positions) whose every draw broke a rule; their cells in the first are not valid.
    """
    values, held = _held_cells(model, frame, given, rng)
    out = np.zeros_like(values)
    left = []
    for first in range(0, len(frame), _CHUNK_ROWS):  # bounded memory: CANDIDATES rows each
        todo = np.arange(first, min(first + _CHUNK_ROWS, len(frame)))
        for _ in range(_ROUNDS):
            if not todo.size:
                break
            chosen, ok = _choose(model, values[todo], held[todo], rng)
            out[todo] = chosen
            todo = todo[~ok]
        left.append(todo)
    table = model.codec_.decode(EncodedFrame(out, model.columns_), rng=rng)
    return (model.constraints_.reverse(table, model.table_.column_names),
            np.concatenate(left) if left else np.zeros(0, np.int64))


def _choose(model: CARTSynthesizer, values: np.ndarray, held: np.ndarray,
            rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One candidate per row, drawn by the likelihood of its held cells; and which obey."""
    n, k = values.shape[0], CANDIDATES
    drawn, log_like = model.held_draw(np.repeat(values, k, axis=0),
                                      np.repeat(held, k, axis=0), rng)
    ok = model._obeyed(EncodedFrame(drawn, model.columns_))
    log_w = np.where(ok, log_like, -np.inf).reshape(n, k)
    top = log_w.max(axis=1, keepdims=True)
    w = np.exp(log_w - np.where(np.isfinite(top), top, 0.0))
    total = w.sum(axis=1)
    cum = np.cumsum(w, axis=1) / np.where(total > 0, total, 1.0)[:, None]
    pick = np.minimum((cum < rng.random((n, 1))).sum(axis=1), k - 1)
    return drawn[np.arange(n) * k + pick], total > 0


def held_log_likelihood(step: Step, out: np.ndarray, value: np.ndarray,
                        rows: np.ndarray, cache: dict[int, np.ndarray]) -> np.ndarray:
    """Log of each held value's share among the members of the leaf its row reaches.

    ``rows``: the rows of ``out`` that hold ``value`` (one per row). A continuous column
    counts the members within the leaf's smoothing bandwidth of the value's rank (at least
    one rank each side), as a density over that window; a discrete one the members with
    the value. Both with :data:`_PRIOR` added, so that no value is impossible.
    """
    x = out[rows]
    node = step.leaves(predictors(step, x)) if step.depth else np.zeros(rows.size, np.intp)
    start, size = step.start[node], step.end[node] - step.start[node]
    keys = cache.get(id(step))
    if keys is None:
        keys = cache[id(step)] = _member_keys(step)
    if step.grid.size:  # ranks of the training values, in the leaf's smoothing window
        span = step.grid.size + 1
        rank = np.searchsorted(step.grid, value)
        width = np.maximum(np.ceil(step.bandwidth[node]), 1.0).astype(np.int64)
        low, high = np.clip(rank - width, 0, span - 1), np.clip(rank + width, 0, span - 1)
        density = 2.0 * width + 1.0
    else:
        span = int(step.values.max()) + 2 if step.values.size else 2
        low = high = np.clip(value, 0, span - 1).astype(np.int64)
        density = np.ones(rows.size)
    count = (np.searchsorted(keys, start * span + high, "right")
             - np.searchsorted(keys, start * span + low, "left"))
    return np.asarray(np.log((count + _PRIOR) / ((size + _PRIOR) * density)))


def _member_keys(step: Step) -> np.ndarray:
    """Per member, its leaf's first member and its value (rank or code), as one sorted key."""
    nodes = np.arange(len(step.children))
    leaves = nodes[step.children[:, 0] == nodes]
    first = np.repeat(step.start[leaves], step.end[leaves] - step.start[leaves])
    if step.grid.size:
        return np.asarray(first * (step.grid.size + 1) + step.tie_start)
    span = int(step.values.max()) + 2 if step.values.size else 2
    return np.asarray(first * span + step.values.astype(np.int64))


def _held_cells(model: CARTSynthesizer, frame: pd.DataFrame, given: pd.DataFrame,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Encoded values to hold and where: the given cells, and "present" for missing ones.

    A drawn row of the model's table, with the given cells written in, is encoded, so every
    codec (categories, scaling, indicators) applies as in fitting.
    """
    n = len(frame)
    example = model.codec_.decode(model._sample_checked(n, rng), rng=rng)
    learned = [c for c in model.model_table_.column_names if c in frame.columns]
    categories = model._categories()
    for column in learned:
        mask = given[column].to_numpy()
        if not mask.any():
            continue
        values = frame.loc[mask, column]
        known = categories.get(column)
        if known is not None and not values.isin(known).all():
            bad = values[~values.isin(known)]
            raise InvalidParameterError(
                f"Row {bad.index[0]} (counting from 0) gives {column}={bad.iloc[0]!r}, a value "
                f"the model never saw. Known values: {', '.join(map(repr, known[:20]))}.")
        filled = example[column].copy()
        try:
            filled.loc[mask] = values.astype(filled.dtype).to_numpy()
        except (ValueError, TypeError):
            raise InvalidParameterError(
                f"Column {column!r}: the given values cannot be read as the model's "
                f"{filled.dtype} (first: {values.iloc[0]!r}).") from None
        example[column] = filled
    encoded = model.codec_.encode(example).values.copy()
    held = np.zeros(encoded.shape, dtype=bool)
    for j, col in enumerate(model.columns_):
        if col.source not in learned:
            continue
        present = given[col.source].to_numpy()
        if col.name == col.source + MISSING_SUFFIX:  # a cell to fill is wanted present
            held[:, j] = True
            encoded[~present, j] = 1 - MISSING_CODE
        else:
            held[:, j] = present
    return encoded, held
