from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from simulacra.evaluation import prepare
from simulacra.evaluation._membership import MAX_MEMBERS, MembershipInference, _density_scores
from simulacra.evaluation.privacy import ExactCopies
from simulacra.schema import infer_schema


def _ctx(real: pd.DataFrame, synthetic: pd.DataFrame, **kw):
    return prepare(real, synthetic, infer_schema(real).table(), **kw)


@pytest.fixture(scope="module")
def attacks(credit_split):
    train, holdout = credit_split
    copied = train.sample(n=len(train), replace=True, random_state=0)
    half = len(train) // 2
    return {
        "identity": MembershipInference().measure(_ctx(train, copied, holdout=holdout)),
        "fresh": MembershipInference().measure(
            _ctx(train.iloc[:half], train.iloc[half:], holdout=holdout)),
    }


def test_resampling_the_training_rows_is_recognized(attacks) -> None:
    result = attacks["identity"]
    d = result.details
    assert result.value > 0.75
    assert d["strongest"] == "distance" and d["attacks"]["distance"]["auc"] == result.value
    assert d["attacks"]["density"]["auc"] > 0.6  # the DOMIAS-style attack sees it too
    assert d["advantage"] == pytest.approx(2 * abs(result.value - 0.5))
    assert d["members_at_distance_0"] > 0.5 > d["non_members_at_distance_0"]


def test_a_fresh_sample_leaves_the_attacker_at_chance(attacks) -> None:
    result = attacks["fresh"]
    assert abs(result.value - 0.5) < 0.05
    for attack in result.details["attacks"].values():
        assert abs(attack["auc"] - 0.5) < 0.05


def test_details_name_the_attacks_and_the_sample(attacks, credit_split) -> None:
    d = attacks["identity"].details
    assert {"auc", "advantage", "strongest", "attacks", "distance_auc", "density_auc",
            "n_members", "n_non_members", "density_dims"} <= set(d)
    assert d["n_members"] == d["n_non_members"] == min(len(credit_split[1]), MAX_MEMBERS)
    assert any("distance attack" in note for note in attacks["identity"].notes)
    json.dumps(attacks["identity"].to_dict(), allow_nan=False)


def test_near_copies_escape_the_copy_check_but_not_the_attack(credit_split) -> None:
    train, holdout = credit_split
    rng = np.random.default_rng(0)
    jittered = train.copy()
    for column in ("Income", "Price", "Amount"):
        jittered[column] = jittered[column] * np.exp(rng.normal(0, 0.02, len(train)))
    ctx = _ctx(train, jittered, holdout=holdout)
    assert ExactCopies().measure(ctx).value < 0.01
    result = MembershipInference().measure(ctx)
    assert result.value > 0.7
    assert result.details["attacks"]["density"]["auc"] > 0.6


def test_the_density_score_leaves_a_population_row_out_of_its_own_density() -> None:
    rng = np.random.default_rng(1)
    population = rng.normal(size=(200, 3))
    synthetic = rng.normal(size=(300, 3))
    inside = population[:5]
    kept, _ = _density_scores(inside, synthetic, population, np.arange(5))
    counted, _ = _density_scores(inside, synthetic, population, np.full(5, -1))
    # counting a row's own kernel inflates its population density, lowering the score
    assert (kept > counted).all()


def test_too_small_a_holdout_is_skipped_with_the_reason() -> None:
    real = pd.DataFrame({"x": np.arange(100.0), "c": ["a", "b"] * 50})
    result = MembershipInference().measure(_ctx(real, real, holdout=real.iloc[:5]))
    assert result.value is None and "holdout rows" in result.skipped


def test_the_same_seed_gives_the_same_auc(credit_split) -> None:
    train, holdout = credit_split
    frames = (train.iloc[:600], train.iloc[600:1200])

    def run(seed: int) -> float | None:
        ctx = _ctx(*frames, holdout=holdout.iloc[:300], seed=seed)
        return MembershipInference().measure(ctx).value

    assert run(3) == run(3)
    assert run(3) != run(4)
