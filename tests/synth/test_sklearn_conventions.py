"""scikit-learn conventions: clone and get_params(deep=...) (QA20 defect 11); the 2**53
FitWarning points at the caller's line (QA20 defect 12)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.base import clone

from simulacra import RelationalSynthesizer, make_synthesizer
from simulacra.errors import FitWarning


def test_clone_copies_the_parameters() -> None:
    model = make_synthesizer("cart", seed=3, min_samples_leaf=7)
    twin = clone(model)
    assert twin is not model and twin.get_params() == model.get_params()
    assert model.get_params(deep=False) == model.get_params()
    relational = RelationalSynthesizer(seed=5)
    assert clone(relational).get_params() == relational.get_params(deep=True)


def test_the_float_precision_warning_points_at_the_callers_line() -> None:
    rng = np.random.default_rng(0)
    big = pd.DataFrame({"acct": rng.integers(0, 9, 300) * 10**17, "x": rng.normal(size=300)})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        make_synthesizer("cart", seed=1).fit(big)
    found = [w for w in caught if issubclass(w.category, FitWarning) and "2**53" in str(w.message)]
    assert found and all(w.filename == __file__ for w in found), [w.filename for w in found]
