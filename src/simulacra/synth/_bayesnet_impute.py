"""Bayesnet's part in native imputation (``synth/_held_impute.py``): held codes, their likelihood.

Held encoded cells become held attribute codes: a category its code, a number the bin whose
training values span it (the nearest bin when it falls between two, or beyond them), and a
missing-value indicator the attribute's missing state (code 0). A held "present" with no
value (a blank cell to fill) only rules the missing state out. The network then samples in
its order with those codes fixed, and weighs each row by the probability of its held codes
given their parents (likelihood weighting).

A missing block's pattern is an attribute of its own, drawn before its members: it is drawn
among the levels whose pattern agrees with the members' held states, and weighs the row by
their probability. The rare level (all rarer patterns) agrees with any held states, weighted
by each held member's share missing among the rare rows, as if members were independent.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from simulacra.synth._discrete import Attributes, value_codes
from simulacra.synth._marginals import MISSING_CODE
from simulacra.synth._missing_blocks import MissingBlock

FREE, PRESENT, HELD = 0, 1, 2  # an attribute's state in a row: drawn, drawn present, held

# Least probability a held code counts with: a code the model deems impossible (alpha=0, or
# a member's state against every rare row's) makes its row unlikely, not unfillable.
_FLOOR = 1e-12
# A held member's share missing (or present) among rare rows is kept within this of 0 and 1.
_RARE_SHARE_FLOOR = 0.01


def missing_codes(attributes: Attributes) -> np.ndarray:
    """Per attribute, the code that stands for a missing value (-1 if none).

    Code 0 for a number with a missing-value indicator; a category's own missing code.
    """
    out = np.full(attributes.size, -1, dtype=np.int64)
    for a in range(attributes.size):
        column = attributes.columns[int(attributes.value_columns[a])]
        if attributes.indicators[a] >= 0:
            out[a] = 0
        elif column.discrete and 0 <= column.missing_code < attributes.cards[a]:
            out[a] = column.missing_code
    return out


def held_codes(attributes: Attributes, n_blocks: int, values: np.ndarray, held: np.ndarray,
               wanted: frozenset[int] = frozenset()) -> tuple[np.ndarray, np.ndarray]:
    """Attribute codes (attributes x rows, 0 where not held) and each one's state per row.

    ``values``/``held``: encoded rows and the cells to hold. ``wanted``: encoded category
    columns whose cells not held are wanted present (blank cells to fill, not to leave
    blank). Block levels (the last ``n_blocks`` attributes) are never held themselves:
    their members' states rule them.
    """
    n = values.shape[0]
    codes = np.zeros((attributes.size + n_blocks, n), dtype=np.int64)
    state = np.full(codes.shape, FREE, dtype=np.int8)
    lost = missing_codes(attributes)
    for a in range(attributes.size):
        j, ind, table = (int(attributes.value_columns[a]), int(attributes.indicators[a]),
                         attributes.bins[a])
        code = value_codes(attributes, a, values[:, j])
        if table.size == 0:  # a discrete column
            keep = held[:, j]
            if j in wanted and lost[a] >= 0:
                state[a, ~keep] = PRESENT
        elif ind < 0:
            keep = held[:, j]
        else:  # code 0 is the missing state, bins count from 1
            missing = held[:, ind] & (values[:, ind] == MISSING_CODE)
            code = np.where(missing, 0, code)
            keep = missing | held[:, j]
            state[a, held[:, ind] & ~keep] = PRESENT
        codes[a, keep] = code[keep]
        state[a, keep] = HELD
    return codes, state


def code_probability(cum: np.ndarray, pidx: np.ndarray, code: np.ndarray) -> np.ndarray:
    """P(code | parents) from a cumulative table, per row (parent index ``pidx``)."""
    below = np.where(code > 0, cum[pidx, np.maximum(code - 1, 0)], 0.0)
    return np.asarray(cum[pidx, code] - below)


def log_floored(p: np.ndarray) -> np.ndarray:
    return np.asarray(np.log(np.maximum(p, _FLOOR)))


def level_weights(block: MissingBlock, member_codes: np.ndarray,
                  member_states: np.ndarray) -> np.ndarray:
    """Per row and level of ``block``, how well the level agrees with the held members.

    ``member_codes``/``member_states``: the members' attribute codes and states (members x
    rows). A frequent level weighs 1 when its pattern gives every held member its held
    state (missing, or present), else 0; the rare level weighs by the rare rows' shares.
    """
    known, missing = _member_states(member_codes, member_states)
    out = np.ones((known.shape[0], block.n_levels))
    for level, pattern in enumerate(block.patterns == MISSING_CODE):
        out[:, level] = ~np.any(known & (pattern != missing), axis=1)
    if block.rare >= 0:
        share = np.clip(block.rare_share, _RARE_SHARE_FLOOR, 1.0 - _RARE_SHARE_FLOOR)
        odds = np.where(missing, share, np.where(known, 1.0 - share, 1.0))
        out[:, block.rare] = odds.prod(axis=1)
    return out


def draw_level(cum: np.ndarray, pidx: np.ndarray, weights: np.ndarray,
               u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A level per row from its table reweighted by ``weights``; and the log of their sum.

    The sum is how likely the held members' states are given the level's parents. A row
    no level agrees with (a pattern the model gives no chance) draws from the table as is.
    """
    probs = np.diff(cum[pidx], axis=1, prepend=0.0) * weights
    total = probs.sum(axis=1)
    probs = np.where(total[:, None] > 0, probs, np.diff(cum[pidx], axis=1, prepend=0.0))
    scaled = np.cumsum(probs, axis=1)
    scaled /= scaled[:, -1:]
    level = np.minimum((scaled < u[:, None]).sum(axis=1), cum.shape[1] - 1)
    return level.astype(np.int64), log_floored(total)


def with_held_members(pattern: np.ndarray, member_codes: np.ndarray,
                      member_states: np.ndarray) -> np.ndarray:
    """The drawn pattern (rows x members, True = missing) with held members' states kept.

    Only a rare level's pattern can disagree: frequent ones were drawn among those that agree.
    """
    known, missing = _member_states(member_codes, member_states)
    return np.asarray(np.where(known, missing, pattern))


def _member_states(member_codes: np.ndarray,
                   member_states: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which members' states are held (rows x members), and which of those are missing."""
    known = (member_states != FREE).T
    return known, known & (member_states == HELD).T & (member_codes.T == 0)


def block_members(blocks: Sequence[MissingBlock],
                  members: dict[int, tuple[int, int]]) -> dict[int, np.ndarray]:
    """Each block's attribute -> its members' attributes, in the block's member order."""
    out = {b.column: np.zeros(b.members.size, dtype=np.int64) for b in blocks}
    for a, (block, k) in members.items():
        out[block][k] = a
    return out


def uniforms_without(cum: np.ndarray, pidx: np.ndarray, u: np.ndarray,
                     code: int) -> np.ndarray:
    """Uniforms that invert each row's table (``cum``) at ``u`` as if ``code`` had no mass.

    The table's mass below ``code`` is met as it is, the rest past ``code``'s.
    """
    below = cum[pidx, code - 1] if code > 0 else np.zeros(pidx.size)
    mass = cum[pidx, code] - below
    v = u * (1.0 - mass)
    return np.asarray(np.where(v >= below, v + mass, v))


def held_log_likelihood(cum: np.ndarray, pidx: np.ndarray, code: np.ndarray,
                        state: np.ndarray, missing_code: int, in_block: bool) -> np.ndarray:
    """Per row, the log-probability of an attribute's held state given its parents.

    A held code counts P(code | parents), a held "present" P(not missing | parents). A
    block member's missing state was counted by its block's level, so its held bin counts
    P(bin | parents, present) and its held state alone counts nothing.
    """
    out = np.zeros(code.size)
    rows = np.flatnonzero(state != FREE)
    if not rows.size:
        return out
    p_missing = code_probability(cum, pidx[rows], np.full(rows.size, max(missing_code, 0)))
    held = state[rows] == HELD
    if in_block:
        p = np.where(held & (code[rows] > 0),
                     code_probability(cum, pidx[rows], code[rows])
                     / np.maximum(1.0 - p_missing, _FLOOR), 1.0)
    else:
        p = np.where(held, code_probability(cum, pidx[rows], code[rows]), 1.0 - p_missing)
    out[rows] = log_floored(p)
    return out
