"""Primary keys across sample() calls and batches (QA18 defect 3)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulacra import load_synthesizer, make_synthesizer
from simulacra.errors import InvalidParameterError


def guests(n: int = 300, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "guest_id": [f"G{i:05d}" for i in range(n)],
        "plate": [f"{a}{b}{k:03d}" for a, b, k in zip(rng.choice(list("ABCDEFGH"), n),
                                                      rng.choice(list("KLMNPRST"), n),
                                                      rng.integers(0, 999, n), strict=True)],
        "room": rng.choice(["BASIC", "DELUXE", "SUITE"], n),
        "rate": rng.gamma(4.0, 30.0, n).round(2),
    })


@pytest.fixture(scope="module", params=["cart", "copula"])
def model(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    return make_synthesizer(request.param, seed=7).fit(guests())


def test_unseeded_calls_continue_the_keys(model, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first, second = model.sample(50), model.sample(50)
    assert not set(first["guest_id"]) & set(second["guest_id"])
    assert first["guest_id"].iloc[0] >= "G00300"  # above every real id
    path = tmp_path / "m.sim"
    model.save(path)
    third = load_synthesizer(path).sample(50)
    assert not set(third["guest_id"]) & (set(first["guest_id"]) | set(second["guest_id"]))
    chunks = pd.concat(list(model.iter_sample(60, chunk_rows=7)))
    assert chunks["guest_id"].is_unique
    assert not set(chunks["guest_id"]) & set(second["guest_id"])


def test_a_seed_gives_the_same_rows_and_an_offset_moves_only_the_ids(model) -> None:  # type: ignore[no-untyped-def]
    a, b = model.sample(40, seed=1), model.sample(40, seed=1)
    pd.testing.assert_frame_equal(a, b)
    shifted = model.sample(40, seed=1, id_offset=40)
    assert not set(a["guest_id"]) & set(shifted["guest_id"])
    numbers = a["guest_id"].str[1:].astype(int)
    assert (shifted["guest_id"].str[1:].astype(int) == numbers + 40).all()
    pd.testing.assert_frame_equal(a.drop(columns="guest_id"), shifted.drop(columns="guest_id"))
    # seeded batches with their own offsets share no key
    batches = [model.sample(100, seed=k, id_offset=100 * k) for k in range(3)]
    assert pd.concat(batches)["guest_id"].is_unique
    # an unseeded call with an offset starts there, and moves nothing on
    assert model.sample(5, id_offset=0)["guest_id"].iloc[0] == a["guest_id"].iloc[0]
    with pytest.raises(InvalidParameterError, match="id_offset"):
        model.sample(5, id_offset=-1)


def test_rows_a_rule_rejects_use_no_row_numbers() -> None:
    """n kept rows take n row numbers however many candidates a rule rejects, so seeded
    batches at offsets k * n stay apart (the kept rows' ids were their candidates')."""
    from simulacra.constraints import Inequality

    frame = guests(400)
    frame["paid"] = (frame["rate"] * np.random.default_rng(1).uniform(1.0, 1.2, 400)).round(2)
    model = make_synthesizer("copula", seed=3).fit(frame, constraints=[Inequality("rate", "paid")])
    plain = make_synthesizer("copula", seed=3).fit(frame)
    # the rule rejects candidates (the copula alone breaks it), so the test means something
    assert (plain.sample(500, seed=1).eval("rate > paid")).mean() > 0.05
    batches = [model.sample(500, seed=k, id_offset=500 * k) for k in range(3)]
    for k, batch in enumerate(batches):
        numbers = batch["guest_id"].str[1:].astype(int).to_numpy()
        assert (np.diff(numbers) == 1).all()  # consecutive: one row number per kept row
        assert numbers[0] == numbers_at(batches[0]) + 500 * k
    assert pd.concat(batches)["guest_id"].is_unique
    pd.testing.assert_frame_equal(model.sample(500, seed=1), batches[1].assign(
        guest_id=model.sample(500, seed=1)["guest_id"]))


def numbers_at(batch: pd.DataFrame) -> int:
    return int(batch["guest_id"].iloc[0][1:])
