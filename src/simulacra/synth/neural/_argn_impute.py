"""ARGN's part in native imputation (``synth/_held_impute.py``): draws with held attributes.

Every head of the network gives the distribution of its attribute's codes given the
attributes placed before it, so a held attribute is placed with its own code and the log of
its softmax probability is the likelihood of the held cell. A blank cell whose value is
wanted (its missing-value indicator held at "present") is drawn among the present codes
only, and the probability of being present counts towards the row's likelihood.

Which attributes a head may see depends on how the network was trained: with a fixed order
every row is drawn in that order, held attributes at their own step; a network trained on
every order (``order="any"``) places a row's held attributes first, so its blank cells are
drawn given all of them. The set placed is then per row, so the heads are computed here
with a per-row mask (``_decode.head_logits`` takes one set for all rows).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from simulacra.synth._discrete import Attributes, value_codes
from simulacra.synth._marginals import MISSING_CODE
from simulacra.synth.neural._decode import head_from_context
from simulacra.synth.neural._layout import draw_softmax


@dataclass(frozen=True)
class HeldCodes:
    """Held attribute codes of encoded rows (``codes``: attributes x rows, valid where held).

    ``held[a]``: rows whose attribute ``a`` is held; ``present[a]``: rows whose attribute
    ``a`` is drawn but must not be missing (a blank cell to fill).
    """

    codes: np.ndarray
    held: np.ndarray
    present: np.ndarray


def held_codes(attributes: Attributes, values: np.ndarray, held: np.ndarray) -> HeldCodes:
    """The attribute codes of the held encoded cells (a number falls in its bin)."""
    d, n = attributes.size, values.shape[0]
    codes = np.zeros((d, n), dtype=np.int64)
    held_attr = np.zeros((d, n), dtype=bool)
    present = np.zeros((d, n), dtype=bool)
    for a in range(d):
        j, ind = int(attributes.value_columns[a]), int(attributes.indicators[a])
        codes[a] = value_codes(attributes, a, values[:, j])
        held_attr[a] = held[:, j]
        if ind >= 0:
            missing = held[:, ind] & (values[:, ind] == MISSING_CODE)
            codes[a, missing] = 0
            held_attr[a] |= missing
            present[a] = held[:, ind] & ~held_attr[a]
    return HeldCodes(codes, held_attr, present)


def draw_held(state: dict[str, np.ndarray], steps: Sequence[tuple[int, np.ndarray]],
              cells: HeldCodes, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Model codes (attributes x rows) drawn in ``steps`` and each row's log-likelihood.

    ``steps``: (attribute, rows placed at this step), each attribute once per row. A held
    attribute takes its code (``cells.codes``, model codes) and adds the log-probability of
    it; any other is drawn from its head, among the present codes where ``cells.present``.
    """
    d, n = cells.codes.shape
    embeddings = [state[f"embeddings.{a}"] for a in range(d)]
    offsets = np.concatenate([[0], np.cumsum([e.shape[1] for e in embeddings])]).astype(np.int64)
    x = np.zeros((n, int(offsets[-1])), dtype=np.float32)  # zero where not yet placed
    placed = np.zeros((n, d), dtype=np.float32)
    out = np.zeros((d, n), dtype=np.int64)
    log_like = np.zeros(n)
    for a, rows in steps:
        if not rows.size:
            continue
        log_p = _log_softmax(row_logits(state, a, x[rows], placed[rows]))
        held = cells.held[a, rows]
        code = cells.codes[a, rows].copy()
        log_like[rows[held]] += log_p[held, code[held]]
        free = ~held
        if free.any():
            lp = log_p[free]
            wanted = cells.present[a, rows[free]]
            if wanted.any():  # a blank to fill: the missing code is never drawn
                log_like[rows[free][wanted]] += np.log1p(-np.minimum(np.exp(lp[wanted, 0]),
                                                                     1.0 - 1e-12))
                lp[wanted, 0] = -np.inf
            code[free] = draw_softmax(lp, rng)
        out[a, rows] = code
        x[rows, offsets[a]:offsets[a + 1]] = embeddings[a][code]
        placed[rows, a] = 1.0
    return out, log_like


def row_logits(state: dict[str, np.ndarray], a: int, x: np.ndarray,
               placed: np.ndarray) -> np.ndarray:
    """The logits of attribute ``a`` for rows ``x`` (zero where not placed), per-row ``placed``."""
    h = x @ state["context"][a] + placed @ state["presence"][a]
    h += state["context_bias"][a]
    return np.asarray(head_from_context(state, a, h), dtype=np.float64)


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    logits = logits - logits.max(axis=1, keepdims=True)
    return np.asarray(logits - np.log(np.exp(logits).sum(axis=1, keepdims=True)))
