"""numpy numbers as seeds and hyperparameters (QA20 defect 6): np.arange seed loops, grids."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulacra import load_synthesizer, make_synthesizer
from simulacra.errors import InvalidParameterError


def _data() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"x": rng.normal(size=200), "c": rng.choice(list("abc"), 200)})


@pytest.mark.parametrize(("model", "params"), [
    ("cart", {"min_samples_leaf": np.int64(5), "n_jobs": np.int32(1)}),
    ("bayesnet", {"max_parents": np.int64(2)}),
    ("copula", {}),
    ("independent", {}),
])
def test_numpy_integers_are_accepted_and_saved_as_ints(model: str, params: dict[str, object],
                                                      tmp_path: Path) -> None:
    data = _data()
    for k in np.arange(2):
        fitted = make_synthesizer(model, seed=k, **params).fit(data)
        plain = make_synthesizer(model, seed=int(k),
                                 **{n: int(v) for n, v in params.items()}).fit(data)  # type: ignore[call-overload]
        pd.testing.assert_frame_equal(fitted.sample(30), plain.sample(30))
        assert all(type(v) is int for n, v in fitted.get_params().items()
                   if n in params or n == "seed")
        fitted.save(tmp_path / f"{model}{k}.sim")
        assert load_synthesizer(tmp_path / f"{model}{k}.sim").get_params() == fitted.get_params()


def test_numpy_numbers_out_of_range_are_still_refused() -> None:
    with pytest.raises(InvalidParameterError, match="min_samples_leaf"):
        make_synthesizer("cart", min_samples_leaf=np.int64(0)).fit(_data())
    with pytest.raises(InvalidParameterError, match="seed"):
        make_synthesizer("cart", seed=np.int64(-1)).fit(_data())
    with pytest.raises(InvalidParameterError, match="min_samples_leaf"):
        make_synthesizer("cart", min_samples_leaf=np.float64(5.0)).fit(_data())
