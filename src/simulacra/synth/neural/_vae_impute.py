"""TVAE's native imputation: Metropolis-within-Gibbs over the latent (Mattei & Frellsen, 2018).

A row's missing cells should come from the model's ``p(x_missing | x_given)``. A VAE has no
such conditional in closed form, but its encoder proposes latents for a complete row. The
chain (``Leveraging the exact likelihood of deep latent variable models``, section 3.2)
alternates, for all rows at once:

1. propose ``z' ~ q(z | x)`` from the encoder, ``x`` the row with its current blank cells;
2. accept it with probability ``p(x_given | z') p(z') q(z | x) / (p(x_given | z) p(z) q(z' | x))``
   (the prior ``p(z)`` is the ``N(0, I)`` the model was trained with);
3. draw the blank cells from the decoder's ``p(x | z)``.

Its stationary distribution is exactly the model's conditional (a pseudo-Gibbs chain that
always accepts is not). A blank cell's missing-value indicator is held at "present", so its
likelihood counts among the given cells. Everything runs in the network's space (normal
scores and one-hot blocks, ``_layout``); a given number enters as the score the layout gives
it, and is written back exactly at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import special

from simulacra.synth._held_impute import DrawCheck, held_cells, latest
from simulacra.synth._rule_holds import Choice, draw_choices, with_solved_inputs
from simulacra.synth.neural._decode import mlp_numpy
from simulacra.synth.neural._layout import Layout, draw_softmax

if TYPE_CHECKING:
    from simulacra.synth._base import BaseSynthesizer

BURN_IN = 300  # chain steps before the blank cells are read (it mixes slowly: 11-16% accepted)
_MORE = 5  # further steps for a row whose cells broke a rule, before it is read again
_ROUNDS = 10  # readings of a row whose cells broke a rule, before it is left to rejection
_FORCED = 1e4  # logit gap that holds a one-hot block at its given code
_CHUNK_ROWS = 10_000  # rows whose chains run together (bounded memory)


def impute_by_latent_chain(model: BaseSynthesizer, weights: dict[str, np.ndarray],
                           layout: Layout, frame: pd.DataFrame, given: pd.DataFrame,
                           rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """``frame``'s rows with their missing cells drawn; and the rows no draw could fill.

    ``given``: which cells of ``frame`` hold a value to keep. A row whose cells break a rule
    runs its chain further and is read again; the second result lists the rows (positions)
    that broke one every time (their cells in the first are not valid).
    """
    frame, given = with_solved_inputs(model, frame, given)
    values, held, choices = held_cells(model, frame, given, rng)
    # a rule's column left several values is a blank the chain draws among them; one whose
    # network block is not a plain category is held at a value drawn in the model's shares
    masks, rest = choice_masks(model, layout, choices, len(frame))
    draw_choices(model, rest, values, held, np.arange(len(frame)), rng)
    check = DrawCheck(model, frame, given)
    parts = []
    left = []
    for first in range(0, len(frame), _CHUNK_ROWS):
        chunk = np.arange(first, min(first + _CHUNK_ROWS, len(frame)))
        chain = LatentChain(weights, layout, HeldRows.of(
            layout, values[chunk], held[chunk], {b: m[chunk] for b, m in masks.items()}), rng)
        chain.run(BURN_IN)
        todo = np.arange(chunk.size)
        for attempt in range(_ROUNDS):
            if attempt:
                chain.run(_MORE, todo)
            drawn = chain.encoded_rows(todo)
            drawn[held[chunk[todo]]] = values[chunk[todo]][held[chunk[todo]]]
            table, ok = check(drawn, chunk[todo], attempt, rng)
            parts.append(table.set_axis(chunk[todo]))
            todo = todo[~ok]
            if not todo.size:
                break
        left.append(chunk[todo])
    return latest(parts, model), np.concatenate(left) if left else np.zeros(0, np.int64)


def choice_masks(model: BaseSynthesizer, layout: Layout, choices: list[Choice], n: int
                 ) -> tuple[dict[int, np.ndarray], list[Choice]]:
    """Per discrete block, the codes each row may draw (rows x width); and choices left over.

    A row's given part of a fixed combination or one-hot group leaves the rule's column a
    few values: drawn by the chain among those, its other cells weigh them.
    """
    block_of = {j: b for b, (j, _, _) in enumerate(layout.discrete)}
    masks: dict[int, np.ndarray] = {}
    rest = []
    for choice in choices:
        b = block_of.get(int(choice.positions[0]), -1) if choice.positions.size == 1 else -1
        if b < 0:
            rest.append(choice)
            continue
        width = layout.discrete[b][2]
        codec = model.codec_.codec(str(choice.values.name))
        codes = np.asarray(codec.encode(choice.values)[:, 0], dtype=np.int64)
        mask = masks.setdefault(b, np.ones((n, width), dtype=bool))
        rows = np.flatnonzero(choice.where >= 0)
        mask[rows] = False
        allowed = choice.allowed[choice.where[rows]]  # (rows, values)
        for v in range(codes.size):
            mask[rows[allowed[:, v]], codes[v]] = True
    return masks, rest


@dataclass
class HeldRows:
    """Rows in the network's space with their given cells (``held_*``: which ones).

    ``scores``: continuous columns; ``codes``: one code per discrete block; ``allowed``:
    per block, the codes a blank cell may take (rows x width; absent: any).
    """

    scores: np.ndarray
    codes: np.ndarray
    held_scores: np.ndarray
    held_codes: np.ndarray
    allowed: dict[int, np.ndarray] = field(default_factory=dict)

    @classmethod
    def of(cls, layout: Layout, values: np.ndarray, held: np.ndarray,
           allowed: dict[int, np.ndarray] | None = None) -> HeldRows:
        """The network's view of encoded rows ``values`` holding the cells marked in ``held``."""
        cont = layout.continuous
        scores = np.stack([given_scores(layout, int(j), values[:, j]) for j in cont], axis=1) \
            if cont.size else np.zeros((values.shape[0], 0))
        blocks = layout.discrete
        codes = np.stack([np.clip(values[:, j].astype(np.int64), 0, k - 1)
                          for j, _, k in blocks], axis=1) if blocks else \
            np.zeros((values.shape[0], 0), dtype=np.int64)
        return cls(scores, codes, held[:, cont],
                   held[:, [j for j, _, _ in blocks]] if blocks else codes.astype(bool),
                   dict(allowed or {}))

    def take(self, rows: np.ndarray) -> HeldRows:
        return HeldRows(self.scores[rows], self.codes[rows], self.held_scores[rows],
                        self.held_codes[rows], {b: m[rows] for b, m in self.allowed.items()})


def given_scores(layout: Layout, j: int, x: np.ndarray) -> np.ndarray:
    """The network's score of numbers ``x`` of continuous column ``j`` (as ``Layout.encode``).

    ``"quantile"``: the normal score of the number's place in the stored quantiles (a tied
    run's middle, like the ranks in training); ``"standard"``: standardized.
    """
    if layout.transform != "quantile":
        return np.asarray((x - layout.mean[j]) / layout.std[j])
    table = layout.tables[j]
    m = table.size
    if m < 2:
        return np.zeros(x.shape)
    place = np.interp(x, table, np.arange(m, dtype=np.float64))
    lo, hi = np.searchsorted(table, x, "left"), np.searchsorted(table, x, "right")
    place = np.where(hi - lo > 1, (lo + hi - 1) / 2.0, place)
    u = np.clip(place / (m - 1), 0.5 / m, 1.0 - 0.5 / m)
    return np.asarray(special.ndtri(u))


class LatentChain:
    """The chain of the module docstring, for many rows at once."""

    def __init__(self, weights: dict[str, np.ndarray], layout: Layout, rows: HeldRows,
                 rng: np.random.Generator) -> None:
        self.weights, self.layout, self.rows, self.rng = weights, layout, rows, rng
        self.sigma = weights["sigma"][:rows.scores.shape[1]].astype(np.float64)
        self.n_latent = weights["decoder.weights.0"].shape[1]
        n = rows.scores.shape[0]
        # start: the blank cells from an unconditional draw, the latent from the encoder
        self.z = rng.standard_normal((n, self.n_latent))
        self.out = self._decoded(self.z)
        self._draw_blanks(np.arange(n))
        self.z, _ = self._propose(np.arange(n))
        self.out = self._decoded(self.z)
        self.target = self._log_target(self.z, self.out, self.rows)
        self.accepted = 0

    def run(self, steps: int, rows: np.ndarray | None = None) -> None:
        """``steps`` steps of the chain of ``rows`` (all by default)."""
        rows = np.arange(self.z.shape[0]) if rows is None else rows
        for _ in range(steps):
            self._step(rows)

    def _step(self, rows: np.ndarray) -> None:
        proposed, log_q = self._propose(rows)
        out = self._decoded(proposed)
        held = self.rows.take(rows)
        target = self._log_target(proposed, out, held)
        log_q_current = self._log_q(rows, self.z[rows])
        ratio = target - self.target[rows] + log_q_current - log_q
        keep = np.log(self.rng.random(rows.size)) < ratio
        moved = rows[keep]
        self.z[moved], self.out[moved], self.target[moved] = \
            proposed[keep], out[keep], target[keep]
        self.accepted += int(keep.sum())
        self._draw_blanks(rows)

    def _draw_blanks(self, rows: np.ndarray) -> None:
        """Blank cells of ``rows`` from ``p(x | z)`` at their current latent."""
        r = self.rows
        out = self.out[rows]
        k = r.scores.shape[1]
        drawn = out[:, :k] + self.sigma * self.rng.standard_normal((rows.size, k))
        r.scores[rows] = np.where(r.held_scores[rows], r.scores[rows], drawn)
        for b, (_, start, width) in enumerate(self.layout.discrete):
            blank = rows[~r.held_codes[rows, b]]
            if blank.size:
                logits = self.out[blank, start:start + width]
                if b in r.allowed:
                    logits = np.where(r.allowed[b][blank], logits, -np.inf)
                r.codes[blank, b] = draw_softmax(logits, self.rng)

    def _network_rows(self, rows: np.ndarray) -> np.ndarray:
        r = self.rows
        x = np.zeros((rows.size, self.layout.width), dtype=np.float32)
        k = r.scores.shape[1]
        x[:, :k] = r.scores[rows]
        for b, (_, start, _width) in enumerate(self.layout.discrete):
            x[np.arange(rows.size), start + r.codes[rows, b]] = 1.0
        return x

    def _encoded(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        h = mlp_numpy(self.weights, "encoder", self._network_rows(rows)).astype(np.float64)
        mean, log_var = h[:, :self.n_latent], h[:, self.n_latent:]
        return mean, np.clip(log_var, -30.0, 30.0)

    def _propose(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mean, log_var = self._encoded(rows)
        eps = self.rng.standard_normal(mean.shape)
        z = mean + np.exp(0.5 * log_var) * eps
        return z, -0.5 * (eps ** 2 + log_var).sum(axis=1)

    def _log_q(self, rows: np.ndarray, z: np.ndarray) -> np.ndarray:
        mean, log_var = self._encoded(rows)
        return np.asarray(-0.5 * (((z - mean) ** 2) * np.exp(-log_var) + log_var).sum(axis=1))

    def _decoded(self, z: np.ndarray) -> np.ndarray:
        return mlp_numpy(self.weights, "decoder", z.astype(np.float32)).astype(np.float64)

    def _log_target(self, z: np.ndarray, out: np.ndarray, rows: HeldRows) -> np.ndarray:
        """``log p(x_given | z) + log p(z)`` (constants dropped)."""
        k = rows.scores.shape[1]
        resid = (rows.scores - out[:, :k]) / self.sigma
        total = -0.5 * (z ** 2).sum(axis=1)
        total -= (rows.held_scores * 0.5 * resid ** 2).sum(axis=1)
        for b, (_, start, width) in enumerate(self.layout.discrete):
            logits = out[:, start:start + width]
            top = logits.max(axis=1)
            log_p = logits[np.arange(len(z)), rows.codes[:, b]] - top - \
                np.log(np.exp(logits - top[:, None]).sum(axis=1))
            total += np.where(rows.held_codes[:, b], log_p, 0.0)
        return np.asarray(total)

    def encoded_rows(self, rows: np.ndarray) -> np.ndarray:
        """The current state of ``rows`` as encoded rows (given cells only near as given)."""
        r = self.rows
        k = r.scores.shape[1]
        mu = np.full((rows.size, self.layout.width), -_FORCED)
        mu[:, :k] = r.scores[rows]
        for b, (_, start, _width) in enumerate(self.layout.discrete):
            mu[np.arange(rows.size), start + r.codes[rows, b]] = 0.0
        return self.layout.decode(mu, np.zeros(self.layout.width), self.rng).values
