"""Ids and personal data of added rows: never a real value, never twice, for every method."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from simulacra import infer_schema
from simulacra.rebalancing import METHODS, rebalance, rebalance_groups
from simulacra.schema import Kind, PIIType

MIXED_METHODS = [m for m in METHODS if m != "smote"]
_FAST = {"generator": {"synthesizer": "independent"},
         "conditional": {"synthesizer": "independent"}}


def keyed(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """Three classes whose rarer ones hold the lowest ids, as when rows are sorted by class.

    A model of class ``c`` alone would number its new ids from just above 45, over ids of
    class ``b``; every class's new ids would start at the same number.
    """
    rng = np.random.default_rng(seed)
    y = np.array(["c"] * 45 + ["b"] * 75 + ["a"] * (n - 120))
    phone = pd.Series([f"+1 555 {i:04d}" for i in range(n)], dtype="str")  # object: pandas 2
    phone.iloc[45:120:2] = pd.NA  # class b misses half its phones; class c none
    return pd.DataFrame({
        "row_id": np.arange(1, n + 1),
        "code": [f"C{i:05d}" for i in range(1, n + 1)],
        "email": [f"person{i}@example.org" for i in range(n)],
        "phone": phone,
        "y": y,
        "x": rng.normal(size=n) + (y == "c"),
        "k": rng.integers(0, 5, n),
    })


def _check_generated(out: pd.DataFrame, data: pd.DataFrame) -> None:
    added, real = out[out["synthetic"]], out[~out["synthetic"]]
    assert len(added) > 0
    for name in ("row_id", "code", "email", "phone"):
        values = added[name].dropna()
        assert not values.isin(set(real[name].dropna())).any(), name
        if name != "phone":  # phone is not unique: a fake may come twice
            assert not values.duplicated().any(), name
    assert (added["row_id"] > data["row_id"].max()).all()


@pytest.mark.parametrize("method", MIXED_METHODS)
def test_added_ids_and_unique_pii_are_new_and_distinct(method: str) -> None:
    data = keyed()
    out = rebalance(data, "y", method=method, seed=0, **_FAST.get(method, {}))
    assert out["y"].value_counts().nunique() == 1  # every class raised to the largest
    _check_generated(out, data)
    assert out.dtypes.drop("synthetic").equals(data.dtypes)


@pytest.mark.parametrize("method", ["generator", "conditional"])
def test_groups_added_ids_are_new_and_distinct(method: str) -> None:
    data = keyed()
    out = rebalance_groups(data, "y", target="k", method=method, seed=1,
                           **_FAST.get(method, {}))
    _check_generated(out, data)


def test_generator_keeps_each_class_missing_cells() -> None:
    data = keyed()
    out = rebalance(data, "y", method="generator", synthesizer="independent", seed=2)
    added = out[out["synthetic"]]
    assert added.loc[added["y"] == "c", "phone"].notna().all()
    assert 0.3 < added.loc[added["y"] == "b", "phone"].isna().mean() < 0.7


def test_a_label_column_of_personal_data_keeps_its_groups() -> None:
    """A sensitive column declared personal data is the group, not made anew."""
    data = keyed()
    data["name"] = np.where(data["y"] == "a", "Ann", "Bob")
    table = infer_schema(data).table()
    table = table.replace_column(dataclasses.replace(
        table.column("name"), kind=Kind.PII, pii_type=PIIType.FIRST_NAME, unique=False))
    out = rebalance_groups(data, "name", method="generator", synthesizer="independent",
                           schema=table, seed=0)
    assert set(out.loc[out["synthetic"], "name"]) == {"Bob"}
    _check_generated(out, data)
