from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulacra import load_dataset


@pytest.fixture(scope="session")
def credit_split() -> tuple[pd.DataFrame, pd.DataFrame]:
    """credit_data split 80/20 with a fixed seed: (train, holdout)."""
    df = load_dataset("credit_data")
    order = np.random.default_rng(0).permutation(len(df))
    cut = int(0.8 * len(df))
    return (df.iloc[order[:cut]].reset_index(drop=True),
            df.iloc[order[cut:]].reset_index(drop=True))
