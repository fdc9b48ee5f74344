"""SMOTE-NC's added rows are missing cells as often, and in the same combinations, as the class."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulacra.rebalancing import rebalance


def _holes(n: int, share: float, rng: np.random.Generator) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    mask[rng.choice(n, size=round(share * n), replace=False)] = True
    return mask


def patchy(n_major: int = 600, n_minor: int = 100, seed: int = 0) -> pd.DataFrame:
    """A rare class missing ``often`` in 40% of its rows, ``seldom`` in 1% (one row), ``a`` and
    ``b`` together in 20%, and the category ``colour`` in 30%; the common class misses
    nothing."""
    rng = np.random.default_rng(seed)
    n = n_major + n_minor
    minor = np.arange(n) >= n_major
    data = pd.DataFrame({
        "y": np.where(minor, "rare", "common"),
        "x1": rng.normal(size=n) + minor,
        "x2": rng.normal(size=n),
        "often": rng.normal(size=n),
        "seldom": rng.normal(size=n),
        "a": rng.normal(size=n),
        "b": rng.normal(size=n),
        "colour": rng.choice(["red", "green", "blue"], n).astype(object),
    })
    rows = np.flatnonzero(minor)
    for columns, share in ((["often"], 0.4), (["seldom"], 0.01), (["a", "b"], 0.2),
                           (["colour"], 0.3)):
        data.loc[rows[_holes(n_minor, share, rng)], columns] = None
    return data


def _shares(frame: pd.DataFrame) -> pd.Series:
    return frame.drop(columns=["y", "synthetic"], errors="ignore").isna().mean()


@pytest.mark.parametrize("seed", [0, 1])
def test_added_rows_miss_cells_as_often_as_the_class(seed: int) -> None:
    data = patchy()
    out = rebalance(data, "y", method="smotenc", seed=seed)
    added = out[out["synthetic"]]
    assert len(added) == 500
    real = _shares(data[data["y"] == "rare"])
    made = _shares(added)
    for column in ("often", "a", "b", "colour"):  # 40%, 20%, 20%, 30% in the class
        assert abs(made[column] - real[column]) < 0.06, (column, made[column], real[column])
    assert 0 < made["seldom"] < 0.04  # the class's one row without it is not voted away
    assert made[["x1", "x2"]].eq(0).all()


def test_columns_missing_together_stay_together() -> None:
    data = patchy()
    added = rebalance(data, "y", method="smotenc", seed=0).query("synthetic")
    assert added["a"].isna().any()
    assert (added["a"].isna() == added["b"].isna()).all()
    # every added row misses a combination of columns that some real row of the class misses
    real = {tuple(r) for r in data[data["y"] == "rare"].isna().to_numpy()}
    made = {tuple(r) for r in added.drop(columns="synthetic").isna().to_numpy()}
    assert made <= real


def test_a_number_the_base_row_has_is_not_pulled_to_the_imputed_median() -> None:
    # The rare class has x in one of its two rows; the other's imputed value is the median of
    # the whole column (near 100). Added rows have x where their base row has it, and then it
    # is the class's own value, not a point on the way to the median.
    rng = np.random.default_rng(0)
    data = pd.DataFrame({"y": ["common"] * 50 + ["rare"] * 2,
                         "x": np.r_[rng.normal(100, 1, 50), 0.0, np.nan],
                         "z": rng.normal(size=52)})
    added = rebalance(data, "y", method="smotenc", k_neighbors=1, seed=0).query("synthetic")
    assert 0.3 < added["x"].isna().mean() < 0.7
    assert (added["x"].dropna() == 0.0).all()


def test_categories_only_keep_the_missing_share() -> None:
    # Every column a category: SMOTEN's rule (the most common value among the row and its
    # neighbours), with the missing cells of the base row.
    rng = np.random.default_rng(3)
    n_major, n_minor = 400, 80
    minor = np.arange(n_major + n_minor) >= n_major
    data = pd.DataFrame({
        "y": np.where(minor, "rare", "common"),
        "shape": rng.choice(["round", "square"], n_major + n_minor).astype(object),
        "size": rng.choice(["S", "M", "L"], n_major + n_minor).astype(object),
    })
    data.loc[np.flatnonzero(minor)[_holes(n_minor, 0.35, rng)], "shape"] = None
    out = rebalance(data, "y", method="smotenc", seed=0)
    added = out[out["synthetic"]]
    real_share = data.loc[minor, "shape"].isna().mean()
    assert abs(added["shape"].isna().mean() - real_share) < 0.06
    assert set(added["shape"].dropna()) <= {"round", "square"}
    assert added["size"].notna().all()


def test_added_rows_lie_between_rows_that_have_their_values() -> None:
    # start <= end (just) in every real row; only 4 of the rare class's 30 rows have an end,
    # so each has neighbours without one. An added row with an end moves towards a neighbour
    # that has one (both start and end), so the order holds in it too.
    rng = np.random.default_rng(5)
    n_major, n_minor = 600, 30
    start = rng.uniform(0, 100, n_major + n_minor)
    data = pd.DataFrame({"y": ["common"] * n_major + ["rare"] * n_minor,
                         "start": start, "end": start + rng.uniform(0, 0.5, len(start))})
    data.loc[n_major + np.arange(4, n_minor), "end"] = np.nan
    added = rebalance(data, "y", method="smotenc", seed=0).query("synthetic")
    has_end = added["end"].notna()
    assert has_end.sum() >= 10
    assert (added.loc[has_end, "start"] <= added.loc[has_end, "end"]).all()
