"""A table whose number columns go missing together, for the missing-block tests."""

import numpy as np
import pandas as pd

ITEMS = [f"q{i}" for i in range(20)]


def survey_table(n: int = 3000, seed: int = 0) -> pd.DataFrame:
    """20 items missing together in 2% of rows, plus 0.3% of each item missing on its own."""
    rng = np.random.default_rng(seed)
    trait = rng.normal(size=n)
    items = np.round(trait[:, None] + rng.normal(size=(n, len(ITEMS))), 2)
    items[rng.random(n) < 0.02] = np.nan
    items[rng.random(items.shape) < 0.003] = np.nan
    df = pd.DataFrame(items, columns=ITEMS)
    other = trait[:, None] + rng.normal(size=(n, 12))  # columns a tree may rather split on
    for k in range(other.shape[1]):
        df[f"x{k}"] = np.round(other[:, k], 2)
    df["group"] = rng.choice(list("abc"), n)
    return df


def missing_shares(df: pd.DataFrame) -> dict[str, float]:
    missing = df[ITEMS].isna()
    return {"item": float(missing.mean().mean()), "all": float(missing.all(axis=1).mean()),
            "any": float(missing.any(axis=1).mean())}


def item_shares(df: pd.DataFrame) -> np.ndarray:
    """Each item's share of missing rows."""
    return np.asarray(df[ITEMS].isna().mean(), dtype=np.float64)
