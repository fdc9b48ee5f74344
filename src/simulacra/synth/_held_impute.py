"""Native imputation by held draws: the missing cells of many rows drawn at once, given cells held.

Rejection (the shared ``conditions`` path) cannot fill real rows: each row gives nearly all
its cells, and a model draws that exact combination almost never. A model that draws its
columns one after another (CART in its visit order, a Bayesian network in its topological
order, an autoregressive network column by column) can hold any cell instead: a held cell is
written into the row right after its step, so every later step sees it. A missing cell is
thus drawn given the row's cells earlier in the order; its value is wanted, so a held
"present" stands in its missing-value indicator. The cells later in the order are taken into
account by drawing :data:`CANDIDATES` rows per given row and keeping one with probability
proportional to how likely its held cells are under the model's steps (a sequential
importance resampling). Candidates that break a rule are never kept; rows with none left
are drawn again, then left to rejection.

A model takes part by giving ``held_draw(values, held, rng) -> (rows, log_likelihood)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from simulacra.data._codec_base import MISSING_SUFFIX
from simulacra.data._frame import EncodedFrame
from simulacra.errors import InvalidParameterError
from simulacra.synth._marginals import MISSING_CODE
from simulacra.synth._rule_holds import (
    Choice,
    ChoiceShares,
    draw_choices,
    rule_cells,
    solve_formulas,
    with_solved_inputs,
)

if TYPE_CHECKING:
    from simulacra.synth._base import BaseSynthesizer

#: Draws of every row with its held cells: (encoded rows, log-likelihood of the held cells).
HeldDraw = Callable[[np.ndarray, np.ndarray, np.random.Generator],
                    tuple[np.ndarray, np.ndarray]]

#: A model's draw of ``n`` encoded rows with some columns held, one value per row.
SampleFixed = Callable[..., EncodedFrame]

CANDIDATES = 64  # draws per row, among which the held cells choose
_ROUNDS = 10  # draws of the rows whose candidates all break a rule
_CHUNK_ROWS = 2_000  # given rows drawn together (times CANDIDATES candidate rows)


def impute_by_held_draws(model: BaseSynthesizer, held_draw: HeldDraw, frame: pd.DataFrame,
                         given: pd.DataFrame, rng: np.random.Generator
                         ) -> tuple[pd.DataFrame, np.ndarray]:
    """``frame``'s rows with their missing cells drawn; and the rows no draw could fill.

    ``given``: which cells of ``frame`` hold a value to keep. The second result lists the
    rows (positions) whose every draw broke a rule; their cells in the first are not valid.
    """
    frame, given = with_solved_inputs(model, frame, given)
    values, held, choices = held_cells(model, frame, given, rng)
    check = DrawCheck(model, frame, given)
    parts = []
    left = []
    for first in range(0, len(frame), _CHUNK_ROWS):  # bounded memory: CANDIDATES rows each
        todo = np.arange(first, min(first + _CHUNK_ROWS, len(frame)))
        for attempt in range(_ROUNDS):
            if not todo.size:
                break
            rows = np.repeat(todo, CANDIDATES)
            tried, holding = values[rows], held[rows]
            # each candidate its own draw among the values a row's given cells leave; the
            # weight divides by how often that draw is proposed
            log_q = draw_choices(model, choices, tried, holding, rows, rng)
            drawn, log_like = held_draw(tried, holding, rng)
            table, ok = check(drawn, rows, attempt, rng)
            pick, kept = pick_by_weight(  # check.near: how little a formula's solving moved
                np.where(ok, log_like - log_q + check.near, -np.inf).reshape(-1, CANDIDATES),
                rng)
            parts.append(table.iloc[np.arange(todo.size) * CANDIDATES + pick].set_axis(todo))
            todo = todo[~kept]
        left.append(todo)
    return latest(parts, model), np.concatenate(left) if left else np.zeros(0, np.int64)


def impute_by_patterns(model: BaseSynthesizer, sample_fixed: SampleFixed, frame: pd.DataFrame,
                       given: pd.DataFrame, rng: np.random.Generator,
                       choice_shares: ChoiceShares | None = None
                       ) -> tuple[pd.DataFrame, np.ndarray]:
    """Like :func:`impute_by_held_draws`, for a model that holds any cells while drawing.

    Rows that hold the same cells (and the same missing-value indicators) are drawn together
    by ``sample_fixed`` (the model's, taking one value per row); a row that breaks a rule, or
    leaves a blank category missing, is drawn again. No choice among candidates is needed:
    every held cell is drawn given all the others (the Gaussian copula's conditional normal).
    ``choice_shares``: the model's probabilities of the values a row's given cells leave a
    rule's column, given its other held cells (else the values' shares of the model's rows).
    """
    columns = model.codec_.encoded_columns
    frame, given = with_solved_inputs(model, frame, given)
    values, held, choices = held_cells(model, frame, given, rng)
    draw_choices(model, choices, values, held, np.arange(len(frame)), rng, choice_shares)
    check = DrawCheck(model, frame, given)
    indicators = [j for j, c in enumerate(columns) if c.name == c.source + MISSING_SUFFIX]
    pattern = np.column_stack([held, np.where(held[:, indicators], values[:, indicators], -1)])
    _, group = np.unique(pattern, axis=0, return_inverse=True)
    parts = []
    left = []
    for g in range(int(group.max()) + 1 if len(frame) else 0):
        todo = np.flatnonzero(group.ravel() == g)
        cells = np.flatnonzero(held[todo[0]])
        for attempt in range(_ROUNDS):
            if not todo.size:
                break
            if attempt:  # a row drawn again draws again among the values its cells leave
                again = values[todo]
                draw_choices(model, choices, again, held[todo], todo, rng, choice_shares)
                values[todo] = again
            drawn = sample_fixed(todo.size, {int(j): values[todo, j] for j in cells}, rng=rng)
            table, ok = check(drawn.values, todo, attempt, rng)
            parts.append(table.set_axis(todo))
            todo = todo[~ok]
        left.append(todo)
    return latest(parts, model), np.concatenate(left) if left else np.zeros(0, np.int64)


class DrawCheck:
    """Decodes drawn rows, writes their given cells in, and says which are acceptable.

    Acceptable: every rule holds with the given cells as given (a held number can decode a
    little off its given value, so a rule checked on the decoded draw alone could pass and
    then break once the given value is written back), and no blank category is left at its
    missing code. In the last round a draw that obeys on its own is enough (a given total no
    item in range can reach: impute warns of the row rather than failing every row). The
    decoded rows are what impute returns, so what was checked is kept.
    """

    def __init__(self, model: BaseSynthesizer, frame: pd.DataFrame,
                 given: pd.DataFrame) -> None:
        self.model = model
        self.given = given
        self.known = frame.where(given)
        self.blanks = blank_categories(model, given)

    def __call__(self, drawn: np.ndarray, rows: np.ndarray, attempt: int,
                 rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
        """The rows decoded (given cells in) and which are acceptable.

        ``rows``: for each drawn row, the position of the given row it was drawn for.
        """
        model, rules = self.model, self.model.constraints_
        decoded = model.codec_.decode(EncodedFrame(drawn, model.codec_.encoded_columns),
                                      rng=rng)
        alone = rules.reverse(decoded, model.table_.column_names)
        table = _with_given(alone.copy(), self.known, rows)
        # a given total whose items were all drawn: the last one solved for it
        #: per row, the log-weight of how near its draw came to a given formula column
        self.near = np.zeros(len(rows))
        table = solve_formulas(model, table, self.given.iloc[rows].set_axis(table.index),
                               self.near)
        ok = np.asarray(rules.obeyed(table), dtype=bool)
        if attempt == _ROUNDS - 1:  # given cells no draw can obey (a total out of reach):
            ok |= np.asarray(rules.obeyed(alone), dtype=bool)  # named by impute's warning
        for j, code, blank in _wanted(self.blanks, attempt):  # a blank category is filled
            ok &= ~(blank[rows] & (drawn[:, j] == code))
        return table, ok


def _with_given(table: pd.DataFrame, known: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """``table`` (one row per entry of ``rows``) with the known cells of those rows written in."""
    for column in known.columns:
        if column not in table.columns:
            continue
        cells = known[column].iloc[rows]
        mask = cells.notna().to_numpy()
        if not mask.any():
            continue
        series = table[column].copy()
        try:
            series.iloc[np.flatnonzero(mask)] = cells[mask].astype(series.dtype).to_numpy()
        except (ValueError, TypeError):  # written (or refused) by impute itself
            continue
        table[column] = series
    return table


def latest(parts: list[pd.DataFrame], model: BaseSynthesizer) -> pd.DataFrame:
    """One row per position: the last drawn for it (rows drawn again replace their first)."""
    if not parts:
        return pd.DataFrame(columns=model.table_.column_names)
    out = pd.concat(parts)
    return out[~out.index.duplicated(keep="last")].sort_index()


def _wanted(blanks: list[tuple[int, int, np.ndarray]], attempt: int
            ) -> list[tuple[int, int, np.ndarray]]:
    """The blank categories a draw must fill; none in the last round.

    A cell missing by design (the income of a child) is never drawn with a value for such
    a row; left to rejection, the row failed the whole call.
    """
    return blanks if attempt < _ROUNDS - 1 else []


def pick_by_weight(log_w: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Per row of ``log_w``, a column drawn with probability proportional to ``exp(log_w)``.

    Also says which rows had any finite weight (``-inf`` marks a candidate never to keep).
    """
    top = log_w.max(axis=1, keepdims=True)
    w = np.exp(log_w - np.where(np.isfinite(top), top, 0.0))
    total = w.sum(axis=1)
    cum = np.cumsum(w, axis=1) / np.where(total > 0, total, 1.0)[:, None]
    pick = np.minimum((cum < rng.random((len(log_w), 1))).sum(axis=1), log_w.shape[1] - 1)
    return pick, total > 0


def blank_categories(model: BaseSynthesizer, given: pd.DataFrame
                     ) -> list[tuple[int, int, np.ndarray]]:
    """Category columns with a code for missing values: (position, that code, blank rows).

    A number's blank is held "present" through its indicator; a category's missing value
    is one of its own codes, so a candidate drawing it for a blank cell is not kept.
    """
    out = []
    for j, col in enumerate(model.codec_.encoded_columns):
        if col.discrete and col.missing_code >= 0 and col.source in given.columns:
            blank = ~given[col.source].to_numpy()
            if blank.any():
                out.append((j, col.missing_code, blank))
    return out


def held_cells(model: BaseSynthesizer, frame: pd.DataFrame, given: pd.DataFrame,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, list[Choice]]:
    """Encoded values to hold and where: the given cells, and "present" for missing ones.

    A drawn row of the model's table, with the given cells written in, is encoded, so every
    codec (categories, scaling, indicators) applies as in fitting. A column a rule made of
    given columns is held too where they fix it; where they narrow it to several values,
    the third result says which (see ``synth/_rule_holds.py``).
    """
    n = len(frame)
    example = model.codec_.decode(model._sample_checked(n, rng), rng=rng)
    fixed, choices = rule_cells(model, frame, given, rng)
    for key, series in fixed.items():
        model_column = example[key].copy()
        at = np.flatnonzero(series.notna().to_numpy())
        model_column.iloc[at] = series.iloc[at].astype(model_column.dtype).to_numpy()
        example[key] = model_column
    given = given.assign(**{key: series.notna() for key, series in fixed.items()})
    learned = [c for c in model.model_table_.column_names if c in given.columns]
    for column in (c for c in learned if c not in fixed):
        mask = given[column].to_numpy()
        if not mask.any():
            continue
        values = frame.loc[mask, column]
        filled = example[column].copy()
        try:
            filled.loc[mask] = values.astype(filled.dtype).to_numpy()
        except (ValueError, TypeError):
            raise InvalidParameterError(
                f"Column {column!r}: the given values cannot be read as the model's "
                f"{filled.dtype} (such as {_first_unreadable(values, filled.dtype)!r}). "
                f"Give such cells as {filled.dtype} values, or leave them blank.") from None
        example[column] = filled
    encoded = model.codec_.encode(example).values.copy()
    held = np.zeros(encoded.shape, dtype=bool)
    for j, col in enumerate(model.codec_.encoded_columns):
        if col.source not in learned:
            continue
        present = given[col.source].to_numpy()
        if col.name == col.source + MISSING_SUFFIX and col.source not in fixed:
            # a cell to fill is wanted present
            held[:, j] = True
            encoded[~present, j] = 1 - MISSING_CODE
        else:
            held[:, j] = present
    return encoded, held, choices


def _first_unreadable(values: pd.Series, dtype: object) -> object:
    """The first given value that cannot be cast to ``dtype``."""
    for value in values:
        try:
            pd.Series([value]).astype(dtype)  # type: ignore[call-overload]
        except (ValueError, TypeError, OverflowError):
            return value
    return values.iloc[0]
