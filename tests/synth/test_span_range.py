"""A sample as large as the training data spans each number's real range (_sampling.spanning)."""

import numpy as np
import pandas as pd
import pytest

from simulacra import make_synthesizer


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 400
    price = np.round(rng.lognormal(5, 1, n), 2)  # a long tail no model reaches by itself
    rooms = rng.choice([1, 2, 3, 9], n, p=[0.3, 0.4, 0.295, 0.005])
    rooms[:2] = 9  # two rows hold the largest value
    return pd.DataFrame({"price": price, "rooms": rooms, "kind": rng.choice(["a", "b"], n)})


def test_only_samples_as_large_as_the_training_data_span(data: pd.DataFrame) -> None:
    model = make_synthesizer("cart", seed=1).fit(data)
    full = model.sample(len(data), seed=2)
    assert full["price"].max() == data["price"].max()
    assert full["price"].min() == data["price"].min()
    assert full["rooms"].max() == 9
    small = model.sample(len(data) - 1, seed=2)
    plain = model.sample(len(data) - 1, seed=2, span_range=False)
    pd.testing.assert_frame_equal(small, plain)
    assert small["price"].max() < data["price"].max()


def test_conditioned_samples_are_left_as_drawn(data: pd.DataFrame) -> None:
    model = make_synthesizer("cart", seed=1).fit(data)
    out = model.sample(len(data), seed=3, conditions={"kind": "a"})
    assert (out["kind"] == "a").all()
    assert out["price"].max() < data["price"].max()


def test_a_model_saved_before_spans_existed_samples_as_drawn(data: pd.DataFrame) -> None:
    model = make_synthesizer("cart", seed=1).fit(data)
    plain = model.sample(len(data), seed=3, span_range=False)
    assert not plain.equals(model.sample(len(data), seed=3))
    for name in ("price", "rooms"):
        model.codec_.codec(name).state.pop("seen")
    assert model.codec_.spans() == []
    pd.testing.assert_frame_equal(model.sample(len(data), seed=3), plain)


def test_samples_under_rules_span_too(data: pd.DataFrame) -> None:
    # with rules, sampling draws more candidates than it needs and keeps the first ones:
    # the rows holding the extremes must be among them
    from simulacra.constraints import Inequality

    rng = np.random.default_rng(5)
    start = rng.integers(0, 100, len(data))
    ruled = data.assign(start=start, end=start + rng.integers(0, 30, len(data)))
    model = make_synthesizer("cart", seed=1).fit(ruled, constraints=[Inequality("start", "end")])
    for seed in range(8):
        full = model.sample(len(ruled), seed=seed)
        assert (full["start"] <= full["end"]).all()
        assert full["price"].max() == ruled["price"].max()
        assert full["price"].min() == ruled["price"].min()
        assert full["rooms"].max() == 9
        # columns bound by the rule too: an extreme that breaks it moves to another's row
        assert full["start"].max() == ruled["start"].max()
        assert full["end"].min() == ruled["end"].min()
