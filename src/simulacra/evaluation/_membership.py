"""Membership inference: telling training records from other real records.

Can an attacker holding the synthetic data tell which real records it was trained on? Two
attacks score every candidate record; the better one is reported:

- *distance*: the closer a record is to its nearest synthetic row, the more likely it was
  trained on (score = minus that distance);
- *density* (the idea of DOMIAS, van Breugel et al. 2023): a record is likely a member where
  the synthetic data is denser than the population around it. Both densities are Gaussian
  kernel estimates in a whitened principal-component space of the synthetic data; the
  population density comes from the holdout (leaving each holdout record's own kernel out),
  and the score is ``log p_synthetic(x) - log p_population(x)``.

Members are a random subsample of the training rows, non-members as many holdout rows.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from simulacra.evaluation._context import EvalContext
from simulacra.evaluation._metric import Family, Goal, Metric, MetricResult
from simulacra.evaluation._neighbours import (
    auc,
    log_density,
    nearest,
    reference_size,
    sample,
    small_holdout,
)

#: Most members (and as many non-members) attacked.
MAX_MEMBERS = 5_000
#: Most principal components the densities are estimated in.
DENSITY_DIMS = 8
#: Standard errors of chance an AUC must lie below 0.5 to read as "inverted".
INVERTED_SE = 4.0


class MembershipInference(Metric):
    """Attack ROC AUC of telling training records from holdout records.

    The stronger of a distance-based and a density-ratio (DOMIAS-style) attack, both using
    only the synthetic data and, for the density attack, holdout rows as the population.
    0.5 means the attacker does no better than a coin flip.
    """

    name = "membership_inference"
    family = Family.PRIVACY
    goal = Goal.TARGET
    ideal = 0.5
    requires = ("holdout",)
    description = (
        "A membership-inference attack: given a real person's record and the synthetic "
        "data, guess whether the record was in the training data. Two attackers try, one "
        "scoring records by how close the nearest synthetic row is, one by how much denser "
        "the synthetic data is around the record than the real population (DOMIAS-style). "
        "The value is the stronger attack's ROC AUC on training records against holdout "
        "records: 0.5 is chance, 1.0 is certain recognition. The advantage, 2 x |AUC - "
        "0.5|, is how much better than chance the attacker does.")

    def measure(self, ctx: EvalContext) -> MetricResult:
        size = reference_size(ctx)
        if small_holdout(ctx, size):
            return self.skip(small_holdout(ctx, size))
        synthetic = sample(ctx, "synthetic", ctx.limits.distance_rows).points
        holdout = sample(ctx, "holdout", size).points
        n = min(size, MAX_MEMBERS)
        rng = ctx.rng("membership_inference")
        members = sample(ctx, "real", size).points[np.sort(rng.choice(size, n, replace=False))]
        own = np.sort(rng.choice(size, n, replace=False))
        candidates = np.vstack([members, holdout[own]])
        distance = nearest(candidates, synthetic)[0][:, 0]
        density, dims = _density_scores(candidates, synthetic, holdout,
                                        np.concatenate([np.full(n, -1), own]))
        attacks = {"distance": auc(-distance[:n], -distance[n:]),
                   "density": auc(density[:n], density[n:])}
        strongest = max(attacks, key=lambda a: abs(attacks[a] - 0.5))
        value = attacks[strongest]
        details: dict[str, Any] = {
            "auc": value,
            "advantage": 2 * abs(value - 0.5),
            "strongest": strongest,
            "attacks": {a: {"auc": v, "advantage": 2 * abs(v - 0.5)}
                        for a, v in attacks.items()},
            "distance_auc": attacks["distance"],
            "density_auc": attacks["density"],
            "n_members": n,
            "n_non_members": n,
            # Standard error of an AUC when the attacker is at chance (Mann-Whitney).
            "standard_error": float(np.sqrt((2 * n + 1) / (12.0 * n * n))),
            "members_at_distance_0": float((distance[:n] == 0).mean()),
            "non_members_at_distance_0": float((distance[n:] == 0).mean()),
            "density_dims": dims,
        }
        notes = [f"Headline: the {strongest} attack, the stronger of the two."]
        # Far below 0.5, holdout records look more like the synthetic rows than training
        # records do: the synthetic data came from the holdout, not from the training data.
        details["inverted"] = bool(value < 0.5 - INVERTED_SE * details["standard_error"])
        if details["inverted"]:
            notes.append(
                f"The attack's AUC, {value:.3f}, is far below 0.5: holdout records sit closer "
                "to the synthetic rows than training records do, so the synthetic rows match "
                "the holdout, not the training data. Were the real data and the holdout "
                "swapped (--real / --holdout), or was the generator fitted on the holdout? "
                "Either way this is no measure of a training-membership leak.")
        return self.result(value, details=details, notes=notes)


def _density_scores(candidates: np.ndarray, synthetic: np.ndarray, population: np.ndarray,
                    own: np.ndarray) -> tuple[np.ndarray, int]:
    """``log p_synthetic - log p_population`` at each candidate, and the space's dimension.

    ``own`` is each candidate's position among the population rows (-1: not one of them).
    """
    project, dims = _whitening(synthetic)
    syn, pop, cand = project(synthetic), project(population), project(candidates)
    log_syn = log_density(cand, syn, _scott(len(syn), dims))
    log_pop = log_density(cand, pop, _scott(len(pop), dims), own=own)
    return log_syn - log_pop, dims


def _whitening(data: np.ndarray) -> tuple[Any, int]:
    """Projection onto the leading principal components of ``data``, at unit variance."""
    mean = data.mean(axis=0)
    _, sv, vt = np.linalg.svd(data - mean, full_matrices=False)
    keep = int(min(DENSITY_DIMS, np.sum(sv > sv[0] * 1e-6))) if sv.size and sv[0] > 0 else 0
    if keep == 0:  # every synthetic row is the same point: nothing to project
        return (lambda x: np.zeros((len(x), 1))), 1
    basis = vt[:keep].T / (sv[:keep] / math.sqrt(max(len(data) - 1, 1)))
    return (lambda x: (x - mean) @ basis), keep


def _scott(n: int, dims: int) -> float:
    """Scott's rule bandwidth for unit-variance data."""
    return float(max(n, 1) ** (-1.0 / (dims + 4)))
