"""Number columns on a few levels keep them under the marginal-based synthesizers.

Linear interpolation of the quantile function across the jump between two levels invented
values between them: datasets::Orange's ages 118 ... 1582 (five trees each) came back off
their seven levels in 17-19% of rows, mtcars' cylinders {4, 6, 8} as 5 and 7, a {0, 10**12}
column as 543429031765.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulacra import make_synthesizer
from simulacra.synth._marginals import draw_marginal, level_table, marginal_table
from tests.synth.model_level import reload_state

AGES = [118, 484, 664, 1004, 1231, 1372, 1582]


def _orange() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    age = np.repeat(AGES, 5)
    return pd.DataFrame({"age": age, "size": (age / 8 + rng.normal(0, 20, age.size)).round(1)})


def _share(real: pd.Series, fake: pd.Series) -> pd.Series:
    return fake.value_counts(normalize=True).reindex(real.unique(), fill_value=0.0)


@pytest.mark.parametrize("name", ["independent", "copula"])
def test_a_column_on_levels_draws_only_its_levels(name: str) -> None:
    real = _orange()
    out = make_synthesizer(name, seed=0).fit(real).sample(7000)
    assert out["age"].isin(AGES).all()
    assert np.abs(_share(real["age"], out["age"]) - 1 / 7).max() < 0.02  # 1/7 each, as real
    assert not out["size"].isin(real["size"]).all()  # a continuous column: interpolated


@pytest.mark.parametrize("name", ["independent", "copula"])
def test_far_apart_levels_and_rare_levels_stay_levels(name: str) -> None:
    rng = np.random.default_rng(1)
    real = pd.DataFrame({
        "big": rng.choice(np.array([0, 10**12], dtype=np.int64), 6000),
        "carb": np.resize([1] * 7 + [2] * 10 + [3] * 3 + [4] * 10 + [6, 8], 6000),
        "x": rng.normal(size=6000),
    })
    out = make_synthesizer(name, seed=0).fit(real).sample(20_000)
    assert set(out["big"]) == {0, 10**12}
    assert set(out["carb"]) == {1, 2, 3, 4, 6, 8}  # 6 and 8 held by one row in 32: no 5, 7


def test_levels_table_and_draws() -> None:
    x = np.repeat([4.0, 6.0, 8.0], [11, 7, 14])
    table = level_table(x)
    np.testing.assert_array_equal(table, [[4, 6, 8], [11 / 32, 18 / 32, 1.0]])
    u = np.array([0.0, 11 / 32 - 1e-9, 11 / 32, 0.9, 1.0])
    np.testing.assert_array_equal(draw_marginal(table, u), [4, 4, 6, 8, 8])
    # Mostly distinct values, or more than 64 levels, keep the interpolated quantile table.
    assert level_table(np.arange(100.0)).size == 0
    assert level_table(np.repeat(np.arange(65.0), 10)).size == 0
    assert marginal_table(np.arange(100.0), 256).ndim == 1
    assert marginal_table(np.repeat(np.arange(64.0), 5), 256).ndim == 2
    assert level_table(np.repeat(np.arange(8.0), [5, 5, 5, 5, 5, 5, 5, 4])).size == 0


def test_copula_conditions_on_a_level_and_round_trips(tmp_path: Path) -> None:
    real = _orange()
    model = make_synthesizer("copula", seed=0).fit(real)
    assert dict(zip([c.name for c in model.columns_], model.families_, strict=True))["age"] \
        == "levels"
    given = model.sample(500, conditions={"age": 1582}, seed=2)
    assert (given["age"] == 1582).all()
    # the size follows the age, as real (older trees are larger)
    assert given["size"].mean() > real["size"].mean()
    loaded = reload_state(model, tmp_path / "m.sim")
    a = model._sample(300, rng=np.random.default_rng(3))
    b = loaded._sample(300, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(a.values, b.values)


def test_a_copula_saved_before_levels_samples_as_it_did(tmp_path: Path) -> None:
    model = make_synthesizer("copula", seed=0).fit(_orange())
    state = model._get_state()
    del state["levels"]
    old = type(model)()
    old._set_state(state)
    assert not any(t.size for t in old.levels_)
    assert old._sample(10, rng=np.random.default_rng(0)).values.shape == (10, 2)
