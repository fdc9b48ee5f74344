from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulacra import load_dataset


@pytest.fixture(scope="session")
def credit() -> pd.DataFrame:
    """600 rows of credit_data (Status ~28% bad), missing values included, shuffled index."""
    full = load_dataset("credit_data")
    rows = np.random.default_rng(0).choice(len(full), size=600, replace=False)
    return full.iloc[rows].set_index(pd.Index(rows * 10))


def mixed(n: int = 120, minority: float = 0.2, seed: int = 0) -> pd.DataFrame:
    """A tiny table with every dtype rebalancing has to give back."""
    rng = np.random.default_rng(seed)
    y = np.where(rng.random(n) < minority, "yes", "no")
    y[:6] = "yes"
    count = pd.array(rng.integers(0, 50, n), dtype="Int64")
    count[rng.random(n) < 0.1] = pd.NA
    return pd.DataFrame({
        "y": y,
        "age": rng.integers(18, 90, n),
        "income": np.round(rng.lognormal(8, 1, n), 2),
        "count": count,
        "colour": pd.Categorical(rng.choice(["red", "green", "blue"], n),
                                 categories=["red", "green", "blue", "unused"]),
        "flag": rng.random(n) < 0.3,
        "city": pd.Series(rng.choice(["Oslo", "Lima", None], n, p=[0.5, 0.4, 0.1]),
                         dtype="str"),
        "when": pd.to_datetime("2024-01-01", utc=True)
                + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
    })


def numeric(n: int = 200, minority: float = 0.1, seed: int = 0) -> pd.DataFrame:
    """Numbers only, with a 0/1 integer target and a few missing values."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < minority).astype(np.int64)
    y[:8] = 1
    x1 = rng.normal(size=n) + 1.5 * y
    x2 = rng.normal(size=n) * 100
    x2[rng.random(n) < 0.05] = np.nan
    return pd.DataFrame({"x1": x1, "x2": x2, "n": rng.integers(0, 10, n), "label": y})
