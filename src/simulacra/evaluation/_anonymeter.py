"""Singling out, linkability and attribute inference, in the manner of anonymeter.

After Giomi et al., "A Unified Framework for Quantifying Privacy Risk in Synthetic Data"
(PETS 2023); our own implementation. Each attack is run three times: against training
records (the *attack*), against holdout records the generator never saw (the *control*:
what the synthetic data reveals about anyone in the population) and as a naive random
guesser (the *baseline*). The privacy risk is the part of the attack's success that the
control does not explain::

    risk = (attack_rate - control_rate) / (1 - control_rate), clipped to [0, 1]

with a 95% interval from the rates' Wilson score intervals (the interval's ends pair the
attack's and the control's opposite ends). Attack counts are capped for speed (see the notes
of each result).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln

from simulacra.evaluation._context import CATEGORICAL, EvalContext
from simulacra.evaluation._metric import Family, Goal, Metric, MetricResult
from simulacra.evaluation._neighbours import (
    encoder,
    nearest,
    sample,
    small_holdout,
    wilson,
)

#: Most targets attacked per side (training and holdout) by linkability and inference.
MAX_TARGETS = 2_000
#: A numerical secret is guessed right within this share of the real column's range.
TOLERANCE = 0.05
#: Most predicates per singling-out mode.
MAX_PREDICATES = 1_000
#: Fewest distinct predicates for a singling-out mode to be measured.
MIN_PREDICATES = 30
#: Fewest and most columns a multivariate singling-out predicate combines.
PREDICATE_COLUMNS = (3, 6)
#: Most training (and holdout) rows a singling-out predicate is checked against, as a
#: multiple of ``Limits.distance_rows`` (50,000 rows by default).
SINGLING_ROWS = 5
#: Rounds of candidate multivariate predicates drawn before settling for fewer.
_ROUNDS = 8
_MAX = float(np.finfo(np.float64).max)
_BLOCK = 1 << 22
_ROWS = 8192


def risk_summary(attack: tuple[float, int], control: tuple[float, int],
                 baseline: tuple[float, int]) -> dict[str, Any]:
    """Rates, risk and intervals from (successes, attempts) of the three attacks."""
    rates = {}
    intervals = {}
    for key, (hits, n) in (("attack", attack), ("control", control), ("baseline", baseline)):
        rates[key] = hits / n if n else 0.0
        intervals[key] = wilson(hits, n)
    a_lo, a_hi = intervals["attack"]
    c_lo, c_hi = intervals["control"]
    return {
        "risk": _risk(rates["attack"], rates["control"]),
        "risk_ci": [_risk(a_lo, c_hi), _risk(a_hi, c_lo)],
        "attack_rate": rates["attack"],
        "control_rate": rates["control"],
        "baseline_rate": rates["baseline"],
        "attack_ci": list(intervals["attack"]),
        "control_ci": list(intervals["control"]),
        "n_attacks": attack[1],
        "n_control": control[1],
    }


def _risk(attack: float, control: float) -> float:
    if control >= 1.0:
        return 0.0
    return float(np.clip((attack - control) / (1.0 - control), 0.0, 1.0))


def _notes(summary: dict[str, Any], what: str) -> list[str]:
    if summary["attack_rate"] <= summary["baseline_rate"]:
        return [f"The {what} attack did no better than random guessing: it found nothing to "
                "exploit here (a stronger attack might)."]
    return []


class _AnonymeterMetric(Metric):
    family: ClassVar[Family] = Family.PRIVACY
    goal: ClassVar[Goal] = Goal.MINIMIZE
    ideal: ClassVar[float | None] = 0.0
    requires: ClassVar[tuple[str, ...]] = ("holdout",)


def auxiliary_columns(ctx: EvalContext, exclude: tuple[str, ...] = ()) -> list[str]:
    """Columns the attacker knows (the quasi-identifiers).

    By default every evaluated column that is neither sensitive nor the target.
    """
    if ctx.quasi_identifiers:
        chosen = list(ctx.quasi_identifiers)
    else:
        hidden = set(ctx.sensitive) | ({ctx.target} if ctx.target else set())
        chosen = [c for c in ctx.columns if c not in hidden]
    return [c for c in ctx.columns if c in chosen and c not in exclude]


def _targets(ctx: EvalContext, purpose: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Points and row positions of the training targets and of the holdout targets.

    Success is judged per target, so the two sides need not be the same size: each takes
    as many rows as it has, up to :data:`MAX_TARGETS`.
    """
    rng = ctx.rng(purpose)
    out = {}
    for role in ("real", "holdout"):
        drawn = sample(ctx, role, ctx.limits.distance_rows)
        n = min(len(drawn.rows), MAX_TARGETS)
        pick = np.sort(rng.choice(len(drawn.rows), n, replace=False))
        out[role] = (drawn.points[pick], drawn.rows[pick])
    return out


def _cap_note(ctx: EvalContext, targets: dict[str, tuple[np.ndarray, np.ndarray]]
              ) -> list[str]:
    n_real, n_hold = (len(targets[r][1]) for r in ("real", "holdout"))
    if (n_real, n_hold) != (ctx.n("real"), ctx.n("holdout")):
        return [f"Attacks on {n_real:,} training and {n_hold:,} holdout targets "
                f"(at most {MAX_TARGETS:,} a side)."]
    return []


class SinglingOut(_AnonymeterMetric):
    """Singling-out risk: predicates built from synthetic rows that isolate one real person.

    The attacker writes predicates that match exactly one synthetic row, from one rare
    value (univariate) or from a few values of one row (multivariate), and claims each
    isolates one training record. The control checks the same predicates on the holdout,
    rescaled to the training data's size; the headline is the riskier of the two modes.
    """

    name = "singling_out"
    description = (
        "Singling-out risk: how often the synthetic data lets an attacker write a "
        "description (such as 'age 83, income above 900, renting') that fits exactly one "
        "person in the training data. The same descriptions are checked against real people "
        "the generator never saw (the control); the risk is the success beyond the "
        "control's, 0 meaning the synthetic data singles out no one more than population "
        "patterns do. Shown with a 95% interval, for one-value and several-value "
        "descriptions; the headline is the riskier.")

    def measure(self, ctx: EvalContext) -> MetricResult:
        if small_holdout(ctx):  # the control is the holdout
            return self.skip(small_holdout(ctx))
        modes, notes = singling_out_modes(ctx)
        if not modes:
            return self.skip(f"fewer than {MIN_PREDICATES} predicates single out one "
                             "synthetic row: too few distinct rows to measure singling out")
        summaries = {mode: risk_summary(*counts) for mode, counts in modes.items()}
        worst = max(summaries, key=lambda m: summaries[m]["risk"])
        details = {**summaries[worst], "mode": worst, "modes": summaries}
        notes += _notes(summaries[worst], f"{worst} singling-out")
        return self.result(summaries[worst]["risk"], details=details, notes=notes)


class Linkability(_AnonymeterMetric):
    """Linkability risk: joining two halves of a person's record through synthetic rows.

    The known columns are split in two halves; for each target the attacker finds the
    nearest synthetic row on each half and links the halves when it is the same row.
    """

    name = "linkability"
    description = (
        "Linkability risk: an attacker holds two separate pieces of information about "
        "people (two halves of the known columns, as in two databases) and uses the "
        "synthetic data to match the pieces that belong to the same person, by the "
        "nearest synthetic row on each half. The risk is the matching success on training "
        "records beyond that on real records the generator never saw, with a 95% "
        "interval; 0 means the synthetic data links no one.")

    def measure(self, ctx: EvalContext) -> MetricResult:
        if small_holdout(ctx):  # the control is the holdout
            return self.skip(small_holdout(ctx))
        columns = auxiliary_columns(ctx)
        if len(columns) < 2:
            return self.skip("needs at least two known (quasi-identifier) columns to split")
        rng = ctx.rng("linkability")
        order = rng.permutation(len(columns))
        halves = ([columns[i] for i in sorted(order[: len(columns) // 2])],
                  [columns[i] for i in sorted(order[len(columns) // 2:])])
        synthetic = sample(ctx, "synthetic", ctx.limits.distance_rows).points
        targets = _targets(ctx, "linkability:targets")
        cols = [encoder(ctx).positions(h) for h in halves]
        counts = []
        for role in ("real", "holdout"):
            points = targets[role][0]
            links = [nearest(points[:, c], synthetic[:, c], shuffle=rng)[1][:, 0]
                     for c in cols]
            counts.append((int((links[0] == links[1]).sum()), len(points)))
        guesses = rng.integers(len(synthetic), size=(2, counts[0][1]))
        counts.append((int((guesses[0] == guesses[1]).sum()), counts[0][1]))
        summary = risk_summary(*counts)
        details = {**summary, "columns_a": halves[0], "columns_b": halves[1],
                   "n_synthetic": len(synthetic)}
        notes = _cap_note(ctx, targets) + _notes(summary, "linkability")
        return self.result(summary["risk"], details=details, notes=notes)


class AttributeInference(_AnonymeterMetric):
    """Attribute-inference risk: guessing a secret column from the known ones.

    For each secret (the sensitive columns, else the target) the attacker takes the
    nearest synthetic row on the known columns and guesses its secret value. The headline
    is the largest risk over the secrets.
    """

    name = "attribute_inference"
    description = (
        "Attribute-inference risk: an attacker who knows some of a person's columns (the "
        "quasi-identifiers) looks up the most similar synthetic row and guesses the "
        "person's sensitive value from it (exactly for categories, within 5% of the range "
        "for numbers). The risk is the guessing success on training records beyond that on "
        "real records the generator never saw, with a 95% interval; 0 means the synthetic "
        "data reveals secrets no better than population patterns. The headline is the most "
        "exposed sensitive column.")

    def measure(self, ctx: EvalContext) -> MetricResult:
        if small_holdout(ctx):  # the control is the holdout
            return self.skip(small_holdout(ctx))
        secrets = list(ctx.sensitive) or ([ctx.target] if ctx.target else [])
        if not secrets:
            return self.skip("needs a sensitive column (or a target) to infer")
        targets = _targets(ctx, "attribute_inference:targets")
        rng = ctx.rng("attribute_inference")
        per_secret = [_infer(ctx, secret, aux, targets, rng) for secret in secrets
                      if (aux := auxiliary_columns(ctx, exclude=(secret,)))]
        if not per_secret:
            return self.skip("no known column is left to infer the sensitive ones from")
        worst = max(per_secret, key=lambda s: s["risk"])
        notes = _cap_note(ctx, targets) + _notes(worst, f"inference of {worst['secret']!r}")
        if len(per_secret) > 1:
            notes.append(f"Headline: {worst['secret']!r}, the most exposed of "
                         f"{len(per_secret)} secrets.")
        return self.result(worst["risk"], details={**worst, "secrets": per_secret},
                           notes=notes)


def _infer(ctx: EvalContext, secret: str, aux: list[str],
           targets: dict[str, tuple[np.ndarray, np.ndarray]], rng: np.random.Generator
           ) -> dict[str, Any]:
    """Attack, control and baseline of guessing ``secret`` from the columns ``aux``."""
    synthetic = sample(ctx, "synthetic", ctx.limits.distance_rows)
    cols = encoder(ctx).positions(aux)
    counts = []
    for role in ("real", "holdout"):
        points, rows = targets[role]
        nearest_row = nearest(points[:, cols], synthetic.points[:, cols], shuffle=rng)[1][:, 0]
        guess = _secret(ctx, "synthetic", secret, synthetic.rows[nearest_row])
        right = _correct(ctx, secret, _secret(ctx, role, secret, rows), guess)
        counts.append((int(right.sum()), len(rows)))
    rows = targets["real"][1]
    random_guess = _secret(ctx, "synthetic", secret, rng.choice(synthetic.rows, len(rows)))
    right = _correct(ctx, secret, _secret(ctx, "real", secret, rows), random_guess)
    counts.append((int(right.sum()), len(rows)))
    return {"secret": secret, "known_columns": aux, **risk_summary(*counts)}


def _secret(ctx: EvalContext, role: str, column: str, rows: np.ndarray) -> np.ndarray:
    values = (ctx.codes(role, column) if ctx.types[column] == CATEGORICAL
              else ctx.numeric(role, column))
    out: np.ndarray = values[rows].astype(np.float64)
    return out


def _correct(ctx: EvalContext, column: str, truth: np.ndarray, guess: np.ndarray
             ) -> np.ndarray:
    """Whether each guess is right: equal category, or a number within the tolerance."""
    both_missing = np.isnan(truth) & np.isnan(guess)
    span = 0.0
    if ctx.types[column] != CATEGORICAL:
        real = ctx.numeric("real", column)
        present = real[~np.isnan(real)]
        span = float(present.max() - present.min()) if present.size else 0.0
    right: np.ndarray = (np.abs(truth - guess) <= TOLERANCE * span) | both_missing
    return right


# -- singling out -------------------------------------------------------------------------

@dataclass(frozen=True)
class _Predicates:
    """Conjunctions of conditions ``low <= column <= high``, one row per predicate.

    Missing numbers are -inf in the data matrix, so "equal to v" is [v, v], "at most v"
    is [-MAX, v], "at least v" is [v, MAX], "missing" is [-inf, -inf], and an unused slot
    [-inf, inf] holds for every row. Used slots come first.
    """

    cols: np.ndarray  # (P, K) column positions
    low: np.ndarray  # (P, K)
    high: np.ndarray  # (P, K)

    def __len__(self) -> int:
        return len(self.cols)

    def take(self, keep: np.ndarray) -> _Predicates:
        return _Predicates(self.cols[keep], self.low[keep], self.high[keep])

    @staticmethod
    def join(parts: list[_Predicates]) -> _Predicates:
        return _Predicates(*(np.concatenate([getattr(p, f) for p in parts])
                             for f in ("cols", "low", "high")))


def singling_out_modes(ctx: EvalContext) -> tuple[dict[str, tuple[tuple[float, int], ...]],
                                                  list[str]]:
    """(successes, attempts) of attack, control and baseline, per predicate mode."""
    rng = ctx.rng("singling_out")
    syn = _columns_matrix(ctx, "synthetic", ctx.limits.distance_rows)
    train = _columns_matrix(ctx, "real", SINGLING_ROWS * ctx.limits.distance_rows)
    hold = _columns_matrix(ctx, "holdout", SINGLING_ROWS * ctx.limits.distance_rows)
    numeric = np.array([ctx.types[c] != CATEGORICAL for c in ctx.columns])
    medians = np.array([np.median(r[np.isfinite(r)]) if f and np.isfinite(r).any() else 0.0
                        for r, f in zip(syn, numeric, strict=True)])
    makers = {"univariate": (_univariate(syn, numeric, rng), (1, 1)),
              "multivariate": (_multivariate(syn, numeric, medians, rng), PREDICATE_COLUMNS)}
    out: dict[str, tuple[tuple[float, int], ...]] = {}
    n_t, n_h = train.shape[1], hold.shape[1]
    notes = []
    for mode, (attack, widths) in makers.items():
        if len(attack) < MIN_PREDICATES:
            notes.append(f"Only {len(attack)} {mode} predicates single out one synthetic row "
                         f"(fewer than {MIN_PREDICATES}): that mode is not measured.")
            continue
        baseline = _random_predicates(syn, numeric, medians, rng, len(attack), widths)
        out[mode] = ((float((_match_counts(attack, train, 2) == 1).sum()), len(attack)),
                     (_control_successes(_match_counts(attack, hold), n_h, n_t), len(attack)),
                     (float((_match_counts(baseline, train, 2) == 1).sum()), len(attack)))
    notes.append(f"Predicates from {syn.shape[1]:,} synthetic rows, at most "
                 f"{MAX_PREDICATES:,} per mode, checked against {n_t:,} training and "
                 f"{n_h:,} holdout rows.")
    if n_h != n_t:
        notes.append("The control's success is rescaled to the training data's size (a "
                     "beta-binomial model of how often each predicate matches).")
    return out, notes


def _columns_matrix(ctx: EvalContext, role: str, cap: int) -> np.ndarray:
    """One row per evaluated column: category codes (-1 missing) or numbers (-inf missing)."""
    def build() -> np.ndarray:
        rows = ctx.rows(role, cap, "Privacy (singling out)")
        out = np.vstack([ctx.codes(role, c)[rows].astype(np.float64)
                         if ctx.types[c] == CATEGORICAL else ctx.numeric(role, c)[rows]
                         for c in ctx.columns])
        out[np.isnan(out)] = -np.inf
        return out

    out: np.ndarray = ctx.cached(("privacy", "columns", role, cap), build)
    return out


def _match_counts(preds: _Predicates, data: np.ndarray, stop: int | None = None
                  ) -> np.ndarray:
    """How many rows (columns of ``data``) each predicate matches.

    With ``stop``, counting ends at ``stop`` (enough to tell one match from several).
    """
    counts = np.zeros(len(preds), dtype=np.int64)
    widths = np.maximum(((preds.low > -np.inf) | (preds.high < np.inf)).sum(axis=1), 1)
    active = np.argsort(widths, kind="stable")
    step = max(1, _BLOCK // _ROWS)
    # a small first block already shows most predicates match several rows
    n = data.shape[1]
    starts = [0, *range(_ROWS // 8, n, _ROWS)] if stop else list(range(0, n, _ROWS))
    for r0, r1 in zip(starts, [*starts[1:], n], strict=True):
        block = data[:, r0:r1]
        for p0 in range(0, len(active), step):
            idx = active[p0:p0 + step]
            ok = np.ones((len(idx), block.shape[1]), dtype=bool)
            for k in range(int(widths[idx].max())):
                x = block[preds.cols[idx, k]]
                ok &= (x >= preds.low[idx, k, None]) & (x <= preds.high[idx, k, None])
            counts[idx] += ok.sum(axis=1)
        if stop is not None:
            active = active[counts[active] < stop]
    return counts


def _univariate(syn: np.ndarray, numeric: np.ndarray, rng: np.random.Generator) -> _Predicates:
    """Values held by exactly one synthetic row, and a unique minimum or maximum."""
    cols, lows, highs = [], [], []
    for j, row in enumerate(syn):
        values, counts = np.unique(row, return_counts=True)
        rare = values[counts == 1]
        low, high = [rare], [rare]
        finite = np.isfinite(values)
        if numeric[j] and finite.sum() > 1:
            first, last = np.flatnonzero(finite)[[0, -1]]
            if counts[first] == 1:
                low.append(np.array([-_MAX]))
                high.append(values[[first]])
            if counts[last] == 1:
                low.append(values[[last]])
                high.append(np.array([_MAX]))
        lows.append(np.concatenate(low))
        highs.append(np.concatenate(high))
        cols.append(np.full(len(lows[-1]), j))
    preds = _Predicates(np.concatenate(cols)[:, None], np.concatenate(lows)[:, None],
                        np.concatenate(highs)[:, None])
    if len(preds) > MAX_PREDICATES:
        preds = preds.take(np.sort(rng.choice(len(preds), MAX_PREDICATES, replace=False)))
    return preds


def _random_columns(rng: np.random.Generator, n: int, n_cols: int, widths: tuple[int, int]
                    ) -> tuple[np.ndarray, np.ndarray]:
    """``n`` sets of distinct columns, each of a random size in ``widths``.

    Each set is sorted, then padded with column 0 in unused slots, so one set of columns
    always reads the same.
    """
    most = min(widths[1], n_cols)
    cols = np.argsort(rng.random((n, n_cols)), axis=1)[:, :most]
    used = np.arange(most)[None, :] < rng.integers(min(widths[0], most), most + 1, size=n)[:, None]
    cols = np.sort(np.where(used, cols, n_cols), axis=1)
    return np.where(used, cols, 0), used


def _conditions(values: np.ndarray, cols: np.ndarray, used: np.ndarray, numeric: np.ndarray,
                medians: np.ndarray) -> _Predicates:
    """Conditions matching ``values``.

    Equal for categories and missing values; for numbers, "at most" a value below the
    synthetic median, "at least" one above it.
    """
    bounded = numeric[cols] & np.isfinite(values)
    below = values <= medians[cols]
    low = np.where(bounded & below, -_MAX, values)
    high = np.where(bounded & ~below, _MAX, values)
    return _Predicates(cols, np.where(used, low, -np.inf), np.where(used, high, np.inf))


def _multivariate(syn: np.ndarray, numeric: np.ndarray, medians: np.ndarray,
                  rng: np.random.Generator) -> _Predicates:
    """Conditions on a few columns of one synthetic row that match that row alone."""
    n_cols, n_rows = syn.shape
    kept: list[_Predicates] = []
    for _ in range(_ROUNDS):
        rows = rng.integers(n_rows, size=2 * MAX_PREDICATES)
        cols, used = _random_columns(rng, len(rows), n_cols, PREDICATE_COLUMNS)
        preds = _conditions(syn[cols, rows[:, None]], cols, used, numeric, medians)
        kept.append(preds.take(_match_counts(preds, syn, 2) == 1))
        if sum(map(len, kept)) >= MAX_PREDICATES:
            break
    merged = _Predicates.join(kept)
    # the same row and columns drawn twice make one predicate, not two attacks
    keys = np.hstack([merged.cols, merged.low, merged.high])
    first = np.sort(np.unique(keys, axis=0, return_index=True)[1])
    return merged.take(first[:MAX_PREDICATES])


def _random_predicates(syn: np.ndarray, numeric: np.ndarray, medians: np.ndarray,
                       rng: np.random.Generator, n: int, widths: tuple[int, int]
                       ) -> _Predicates:
    """The baseline: the same kind of predicates, each value from a random synthetic row."""
    n_cols, n_rows = syn.shape
    cols, used = _random_columns(rng, n, n_cols, widths)
    values = syn[cols, rng.integers(n_rows, size=cols.shape)]
    return _conditions(values, cols, used, numeric, medians)


def _control_successes(counts: np.ndarray, n_control: int, n_train: int) -> float:
    """Predicates expected to single out one row of a control set as large as training.

    With equal sizes this is the observed count. Otherwise each predicate's match rate w is
    given a beta prior fitted to all predicates' control counts (beta-binomial maximum
    likelihood); the expected chance of exactly one match among ``n_train`` rows,
    ``n w (1 - w)^(n - 1)``, is averaged over each predicate's posterior.
    """
    if n_control == n_train:
        return float((counts == 1).sum())
    a, b = _fit_beta_binomial(counts, n_control)
    a_post, b_post = a + counts, b + n_control - counts
    log_p = betaln(a_post + 1, b_post + n_train - 1) - betaln(a_post, b_post)
    return float(np.sum(n_train * np.exp(log_p)))


def _fit_beta_binomial(counts: np.ndarray, n: int) -> tuple[float, float]:
    def loss(theta: np.ndarray) -> float:
        a, b = np.exp(np.clip(theta, -12.0, 18.0))
        return float(-np.sum(betaln(counts + a, n - counts + b) - betaln(a, b)))

    mean = min(max(float(counts.mean()) / n, 1e-6), 1 - 1e-6)
    start = np.array([0.0, np.log((1 - mean) / mean)])
    fitted = minimize(loss, start, method="Nelder-Mead")
    a, b = np.exp(np.clip(fitted.x, -12.0, 18.0))
    return float(a), float(b)
