"""A fitted model shared by threads, pickled or deep-copied (QA20 defects 2 and 3)."""

from __future__ import annotations

import copy
import pickle
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

from simulacra import make_synthesizer


def customers(n: int = 200, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    first = rng.choice(["Anna", "Ben", "Carla", "Dev", "Emil", "Fay", "Gus", "Hana"], n)
    last = rng.choice(["Smith", "Jones", "Brown", "Miller", "Davis", "Wilson"], n)
    return pd.DataFrame({
        "customer_id": np.arange(1, n + 1),
        "name": [f"{a} {b}" for a, b in zip(first, last, strict=True)],
        "email": [f"{a.lower()}.{b.lower()}{i}@example.org"
                  for i, (a, b) in enumerate(zip(first, last, strict=True))],
        "segment": rng.choice(["a", "b", "c"], n),
        "income": rng.gamma(3.0, 10_000.0, n).round(0),
    })


@pytest.fixture(scope="module", params=["cart", "copula"])
def model(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    m = make_synthesizer(request.param, seed=7).fit(customers())
    assert m.schema_.table().column("name").pii_type is not None  # Faker backs this model
    return m


def test_a_model_with_pii_pickles_and_deep_copies_after_sampling(model) -> None:  # type: ignore[no-untyped-def]
    model.sample(20, seed=1)  # the first sample attaches Faker's tables (and their lock)
    expected = model.sample(50, seed=3)
    for twin in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model)):
        pd.testing.assert_frame_equal(twin.sample(50, seed=3), expected)
        twin.sample(5)  # and it samples unseeded, too


def test_unseeded_samples_in_threads_share_no_id(model) -> None:  # type: ignore[no-untyped-def]
    with ThreadPoolExecutor(4) as pool:
        outs = list(pool.map(lambda _: model.sample(500), range(8)))
    ids = pd.concat(outs)["customer_id"]
    assert ids.nunique() == len(ids) == 4000


def test_iterators_made_before_either_is_read_share_no_id(model) -> None:  # type: ignore[no-untyped-def]
    first, second = model.iter_sample(300, chunk_rows=100), model.iter_sample(300)
    ids = pd.concat([*first, *second])["customer_id"]
    assert ids.nunique() == len(ids) == 600


def test_a_seeded_sample_still_starts_at_the_first_id(model) -> None:  # type: ignore[no-untyped-def]
    model.sample(10)
    a, b = model.sample(30, seed=4), model.sample(30, seed=4)
    pd.testing.assert_frame_equal(a, b)
