"""Given cells of columns that a rule rewrote for the model, held in the model's own terms.

A rule that reshapes the table (``constraints/_reshape.py``) gives the model one column in
place of several: a fixed combination's code, a one-hot group's hot column, a reparametrized
order's gap. The model never sees the rule's own columns, so a row's given country held
nothing: every blank was drawn as if the country were unknown, and the given cells, written
back over a freely drawn combination, broke the rule (dslabs::gapminder under ``auto``: 311
of 1,000 imputed rows). Here a row giving all the rule's columns holds the model column's
value; a row giving some of them holds the one value they leave, or draws among the values
they leave (:class:`Choice`; a given continent leaves its countries), each candidate its own,
weighted by the model's share of each so that a held draw's likelihood can correct for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from simulacra.constraints import Constraint, Formula
from simulacra.constraints._base import as_numbers, row_keys
from simulacra.schema._expression_precision import column_decimals

if TYPE_CHECKING:
    from simulacra.synth._base import BaseSynthesizer

_MARGINAL_ROWS = 4_096  # model rows counted for each value's share among those a row allows
_PRIOR = 0.5  # added to every count, so no allowed value is never proposed
_BLOCK_ROWS = 1_000_000  # (pattern, combination) pairs checked at once
#: Width of :func:`_near_weight`'s kernel, as a share of a formula column's real range.
_NEAR_WIDTH = 0.01


@dataclass(frozen=True)
class Choice:
    """Rows whose given cells leave a rule's model column one of several values."""

    positions: np.ndarray  # the column's encoded columns
    values: pd.Series  # every value the model column takes
    where: np.ndarray  # per row of the frame, its row of ``allowed`` (-1: not choosing)
    allowed: np.ndarray  # (choosing rows, values): the values each row leaves
    share: np.ndarray  # the model's share of each value (sums to 1)


def rule_cells(model: BaseSynthesizer, frame: pd.DataFrame, given: pd.DataFrame,
               rng: np.random.Generator) -> tuple[dict[str, pd.Series], list[Choice]]:
    """What the given cells say about the columns that rules made for the model.

    The values they fix (one series per model column, missing where not fixed), and the
    rows that choose among several values.
    """
    fixed: dict[str, pd.Series] = {}
    choices = []
    for rule in model.constraints_.rules:
        if not rule.reshapes:
            continue
        names = rule.columns()
        gave = np.asarray(given.reindex(columns=names, fill_value=False).to_numpy(), bool)
        whole = np.asarray(gave.all(axis=1))
        if whole.any():
            sub = frame.iloc[np.flatnonzero(whole)].reindex(columns=names)
            ok = np.asarray(rule.valid(sub), dtype=bool)
            model_values = rule.transform(sub)
            for key in (c for c in model_values.columns if c not in names):
                series = pd.Series(pd.NA, index=frame.index, dtype=object)
                series.iloc[np.flatnonzero(whole)[ok]] = model_values[key].to_numpy()[ok]
                fixed[key] = series
        some = np.asarray(gave.any(axis=1) & ~whole)
        options = getattr(rule, "combinations", None)
        if some.any() and options is not None:
            choice = _narrowed(model, rule, frame, gave, some, options(), fixed, rng)
            if choice is not None:
                choices.append(choice)
    return fixed, choices


def _narrowed(model: BaseSynthesizer, rule: Constraint, frame: pd.DataFrame,
              gave: np.ndarray, some: np.ndarray, options: pd.DataFrame,
              fixed: dict[str, pd.Series], rng: np.random.Generator) -> Choice | None:
    """The values of ``rule``'s model column left to the rows giving some of its columns.

    Each pattern of given cells is written into every valid combination; the combinations
    still valid are the ones the pattern allows. One left: held as fixed; several: a choice.
    """
    names = rule.columns()
    (key,) = [c for c in rule.transform(options.iloc[:0]).columns if c not in names]
    values = rule.transform(options)[key].reset_index(drop=True)
    index = pd.Index(values)
    rows = np.flatnonzero(some)
    shown = frame.iloc[rows].reindex(columns=names).where(gave[rows])
    keys = row_keys(shown)
    patterns, first, pattern_of = np.unique(keys, return_index=True, return_inverse=True)
    allowed = np.zeros((len(patterns), len(values)), dtype=bool)
    per_block = max(1, _BLOCK_ROWS // max(len(options), 1))
    for start in range(0, len(patterns), per_block):
        block = np.arange(start, min(start + per_block, len(patterns)))
        candidates = pd.concat([options] * block.size, ignore_index=True)
        owner = np.repeat(block, len(options))
        for j, name in enumerate(names):  # the pattern's given cells over each combination
            giving = gave[rows[first[owner]], j]
            if giving.any():
                column = candidates[name].astype(object)
                column[giving] = shown[name].to_numpy()[first[owner]][giving]
                candidates[name] = column
        ok = np.asarray(rule.valid(candidates), dtype=bool)
        held = index.get_indexer(rule.transform(candidates[ok])[key])
        allowed[owner[ok][held >= 0], held[held >= 0]] = True
    counts = allowed[pattern_of].sum(axis=1)
    single = counts == 1
    if single.any():  # one value left: held like a given one
        series = fixed.setdefault(key, pd.Series(pd.NA, index=frame.index, dtype=object))
        picked = allowed[pattern_of[single]].argmax(axis=1)
        series.iloc[rows[single]] = values.to_numpy()[picked]
    choosing = counts > 1  # none left: the given cells break the rule (warned at the end)
    if not choosing.any():
        return None
    where = np.full(len(frame), -1, dtype=np.int64)
    where[rows[choosing]] = np.arange(int(choosing.sum()))
    positions = np.asarray([j for j, c in enumerate(model.codec_.encoded_columns)
                            if c.source == key], dtype=np.int64)
    drawn = model.codec_.decode(model._sample_checked(_MARGINAL_ROWS, rng), rng=rng)[key]
    seen = index.get_indexer(drawn)
    share = np.bincount(seen[seen >= 0], minlength=len(values)) + _PRIOR
    return Choice(positions, values, where, allowed[pattern_of[choosing]],
                  share / share.sum())


#: A model's probability of each of a choice's values given each row's held cells:
#: (choice, encoded rows, held, rng) -> (rows, values).
ChoiceShares = Callable[[Choice, np.ndarray, np.ndarray, np.random.Generator], np.ndarray]


def draw_choices(model: BaseSynthesizer, choices: list[Choice], values: np.ndarray,
                 held: np.ndarray, rows: np.ndarray, rng: np.random.Generator,
                 shares: ChoiceShares | None = None) -> np.ndarray:
    """Hold, in each encoded row, a value drawn among those its given row leaves.

    ``values`` and ``held`` (encoded rows) are written in place; ``rows``: the given row
    each encoded row stands for. Each value weighs its share of the model's rows, or, given
    ``shares``, the model's probability of it given the row's held cells (a model drawing
    every blank given every held cell has no later choice among candidates to weigh them).
    Returns each row's log-probability of its draws, so that a likelihood of held cells can
    be turned into an importance weight.
    """
    log_q = np.zeros(len(rows))
    for choice in choices:
        mine = np.flatnonzero(choice.where[rows] >= 0)
        if not mine.size:
            continue
        share = (choice.share if shares is None
                 else shares(choice, values[mine], held[mine], rng) + 1e-12)
        weights = choice.allowed[choice.where[rows[mine]]] * share
        weights /= weights.sum(axis=1, keepdims=True)
        cum = np.cumsum(weights, axis=1)
        pick = np.minimum((cum < rng.random((mine.size, 1))).sum(axis=1), cum.shape[1] - 1)
        log_q[mine] += np.log(weights[np.arange(mine.size), pick])
        picked = choice.values.iloc[pick].reset_index(drop=True)
        codec = model.codec_.codec(str(choice.values.name))
        values[np.ix_(mine, choice.positions)] = codec.encode(picked)
        held[np.ix_(mine, choice.positions)] = True
    return log_q


def with_solved_inputs(model: BaseSynthesizer, frame: pd.DataFrame, given: pd.DataFrame
                       ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``frame`` and ``given`` with each formula's one blank input solved from its given column.

    The model never sees a formula's column, so a given total with one blank item held
    nothing and the item was drawn freely (mosaicData::HELPmiss ``hospitalizations = d1``:
    9 of 94 rows broke their rule). Solved for first, the item is held like a given cell, and
    the row's other blanks are drawn given it.
    """
    frame, given = frame.copy(), given.copy()
    for rule in _formulas(model, given):
        inputs = rule.columns()[1:]
        blank = ~given.reindex(columns=inputs, fill_value=False).to_numpy()
        rows = np.flatnonzero(given[rule.column].to_numpy() & (blank.sum(axis=1) == 1))
        for j, name in enumerate(inputs):
            mine = rows[blank[rows, j]]
            if not mine.size or name not in frame.columns:
                continue
            solved = _solved(model, rule, frame.iloc[mine], name)
            ok = np.isfinite(solved)
            if ok.any():
                _set_cells(frame, name, mine[ok], solved[ok])
                _set_cells(given, name, mine[ok], True)
    return frame, given


def solve_formulas(model: BaseSynthesizer, out: pd.DataFrame, given: pd.DataFrame,
                   fit: np.ndarray | None = None) -> pd.DataFrame:
    """``out`` with a drawn input of each formula solved for where its column was given.

    For rows that left several inputs blank (one blank is solved before drawing, see
    :func:`with_solved_inputs`): the last blank input whose solved value lies within its
    real range, at its precision, is set so that the row obeys; the others keep their
    drawn values. ``given`` is aligned with ``out``.

    ``fit`` (one per row of ``out``): each row's log-weight of how near its drawn inputs
    came to the given column is added to it (:func:`_near_weight`), so that a choice among
    candidate rows can prefer those the solving moves least.
    """
    for rule in _formulas(model, given):
        inputs = [c for c in rule.columns()[1:] if c in given.columns]
        # only rows giving the column and leaving an input blank: every candidate of every
        # round passes here, and most rows give neither
        open_rows = given[rule.column].to_numpy() & ~given[inputs].all(axis=1).to_numpy()
        if not open_rows.any():
            continue
        broken = open_rows.copy()
        at = np.flatnonzero(open_rows)
        broken[at] = ~np.asarray(rule.valid(out.iloc[at]), dtype=bool)
        if fit is not None:
            fit[at] += _near_weight(rule, out.iloc[at])
        for name in reversed(inputs):
            rows = np.flatnonzero(broken & ~given[name].to_numpy())
            if not rows.size:
                continue
            solved = _solved(model, rule, out.iloc[rows], name)
            trial = out.iloc[rows].copy()
            inside = np.isfinite(solved)
            try:
                _set_cells(trial, name, np.flatnonzero(inside), solved[inside])
            except (ValueError, TypeError):
                continue
            ok = inside & np.asarray(model.constraints_.obeyed(trial), dtype=bool)
            if ok.any():
                _set_cells(out, name, rows[ok], trial[name].to_numpy()[ok])
                broken[rows[ok]] = False
    return out


def _near_weight(rule: Formula, rows: pd.DataFrame) -> np.ndarray:
    """Log of a Gaussian kernel of how far each row's expression is from its given column.

    Its width is :data:`_NEAR_WIDTH` of the column's real range. Solving an input moves it
    by that gap whatever the other columns say: a basic room drawn at 100 took a rate of
    200 to make a given total of 600 (above every real basic rate), as often as a deluxe
    room drawn near 190 took one. Weighed, the candidates whose drawn inputs nearly make
    the total are kept, as in approximate Bayesian computation; 0 where unknown.
    """
    span = rule._target.get("range")  # absent from models saved before it
    if not span or not span[1] > span[0]:
        return np.zeros(len(rows))
    with np.errstate(invalid="ignore"):
        gap = as_numbers(rows[rule.column]) - rule._computed(rows)
    gap = np.where(np.isfinite(gap), gap / (_NEAR_WIDTH * (span[1] - span[0])), 0.0)
    return np.asarray(-0.5 * gap * gap)


def _formulas(model: BaseSynthesizer, given: pd.DataFrame) -> list[Formula]:
    return [r for r in model.constraints_.rules
            if isinstance(r, Formula) and r.column in given.columns]


def _solved(model: BaseSynthesizer, rule: Formula, rows: pd.DataFrame, name: str
            ) -> np.ndarray:
    """Input ``name`` solved from each row's column, rounded to its precision.

    NaN where no value within its real range makes the row obey (see ``Formula.solve``).
    """
    column = model.table_.column(name)
    bounds = (None if column.minimum is None or column.maximum is None
              else (float(column.minimum), float(column.maximum)))
    solved = rule.solve(rows, name, bounds)
    decimals = column_decimals(column)
    if decimals is not None:
        solved = np.round(solved, decimals)
    low = -np.inf if column.minimum is None else column.minimum
    high = np.inf if column.maximum is None else column.maximum
    with np.errstate(invalid="ignore"):
        return np.where((solved >= low) & (solved <= high), solved, np.nan)


def _set_cells(frame: pd.DataFrame, name: str, positions: np.ndarray, values: object) -> None:
    column = frame[name].copy()
    column.iloc[positions] = values
    frame[name] = column
