"""MockData: determinism, random access, keys, foreign keys, constraints."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from simulacra.constraints import from_dict
from simulacra.errors import InvalidParameterError, SamplingError
from simulacra.mock import MockData, example_spec, load_spec
from simulacra.mock._engine import BLOCK_ROWS

CUSTOMERS: dict[str, Any] = {
    "rows": 300,
    "primary_key": "customer_id",
    "columns": {
        "customer_id": {"sequence": {"start": 100}},
        "email": {"faker": "email", "unique": True},
        "age": {"normal": {"mean": 40, "std": 12}, "min": 18, "decimals": 0},
    },
}


def _spec(**tables: Any) -> Any:
    return load_spec({"seed": 5, "tables": {"customers": CUSTOMERS, **tables}})


def _fk(column: str, ref: str, per_parent: Any = None) -> dict[str, Any]:
    out: dict[str, Any] = {"column": column, "references": ref}
    if per_parent is not None:
        out["per_parent"] = per_parent
    return out


def test_same_seed_same_rows_and_default_seed() -> None:
    spec = _spec()
    a = MockData(spec).rows("customers", 0, 300)
    pd.testing.assert_frame_equal(a, MockData(spec, seed=5).rows("customers", 0, 300))
    other = MockData(spec, seed=6).rows("customers", 0, 300)
    assert not a["email"].equals(other["email"])
    unseeded = load_spec({"tables": {"customers": CUSTOMERS}})
    pd.testing.assert_frame_equal(MockData(unseeded).rows("customers", 0, 50),
                                  MockData(unseeded, seed=0).rows("customers", 0, 50))


def test_random_access_equals_slice_of_full_generation_across_blocks() -> None:
    spec = load_spec({"seed": 1, "tables": {"t": {"rows": BLOCK_ROWS + 5000, "columns": {
        "id": {"sequence": True}, "x": {"uniform": {"low": 0, "high": 1}},
        "code": {"regex": "[A-Z]{3}[0-9]{3}", "unique": True},
        "email": {"faker": "email", "unique": True}, "u": {"uuid": True}}}}})
    full = pd.concat(list(MockData(spec).iter_chunks("t")))
    assert len(full) == BLOCK_ROWS + 5000
    assert list(full.index) == list(range(len(full)))
    fresh = MockData(spec)
    a, b = BLOCK_ROWS - 70, BLOCK_ROWS + 30
    late = fresh.rows("t", BLOCK_ROWS + 4000, BLOCK_ROWS + 4010)  # generated first
    part = fresh.rows("t", a, b)
    pd.testing.assert_frame_equal(part, full.iloc[a:b])
    pd.testing.assert_frame_equal(late, full.iloc[BLOCK_ROWS + 4000: BLOCK_ROWS + 4010])
    for col in ("id", "code", "email", "u"):
        assert full[col].is_unique, col


def test_odd_chunk_sizes_give_the_same_rows() -> None:
    data = MockData(_spec())
    chunks = list(data.iter_chunks("customers", chunk_rows=77))
    assert [len(c) for c in chunks][:3] == [77, 77, 77]
    pd.testing.assert_frame_equal(pd.concat(chunks), data.rows("customers", 0, 300))


def test_foreign_keys_reference_parents_and_follow_per_parent() -> None:
    spec = _spec(orders={
        "primary_key": "order_id",
        "foreign_keys": [_fk("customer_id", "customers.customer_id",
                             {"poisson": {"lam": 3}, "min": 0, "max": 6})],
        "columns": {"order_id": {"uuid": True}, "amount": {"uniform": {"low": 1, "high": 2}}},
    }, visits={
        "foreign_keys": [_fk("customer_id", "customers.customer_id", 2)],
        "columns": {"n": {"poisson": {"lam": 1}}},
    })
    data = MockData(spec, rows=2000)
    assert data.tables[0] == "customers"
    parents = data.rows("customers", 0, 2000)
    orders = data.rows("orders", 0, data.n_rows("orders"))
    assert set(orders["customer_id"]) <= set(parents["customer_id"])
    counts = orders["customer_id"].value_counts().reindex(parents["customer_id"], fill_value=0)
    assert counts.max() <= 6 and abs(counts.mean() - 3) < 0.25
    assert orders["customer_id"].is_monotonic_increasing  # children follow their parent
    visits = data.rows("visits", 0, data.n_rows("visits"))
    assert data.n_rows("visits") == 4000
    assert (visits["customer_id"].value_counts() == 2).all()
    assert list(orders.columns) == ["order_id", "customer_id", "amount"]


def test_chain_and_several_foreign_keys() -> None:
    spec = _spec(
        orders={"primary_key": "order_id",
                "foreign_keys": [_fk("customer_id", "customers.customer_id", 2)],
                "columns": {"order_id": {"sequence": {"start": 1}}}},
        items={"foreign_keys": [_fk("order_id", "orders.order_id",
                                    {"choice": [1, 2, 3]}),
                                _fk("buyer", "customers.email")],
               "columns": {"sku": {"regex": "S[0-9]{3}"}}},
    )
    data = MockData(spec, rows=50)
    assert data.tables == ["customers", "orders", "items"]
    items = data.rows("items", 0, data.n_rows("items"))
    orders = data.rows("orders", 0, data.n_rows("orders"))
    customers = data.rows("customers", 0, 50)
    assert set(items["order_id"]) == set(orders["order_id"])  # every order has 1..3 items
    assert items["order_id"].value_counts().between(1, 3).all()
    assert set(items["buyer"]) <= set(customers["email"])
    assert items["buyer"].nunique() > 10  # picked at random, not all the same


def test_rows_override_only_changes_root_tables() -> None:
    spec = _spec(orders={"foreign_keys": [_fk("customer_id", "customers.customer_id", 1)],
                         "columns": {"x": {"constant": 1}}})
    data = MockData(spec, rows=40)
    assert data.n_rows("customers") == 40 and data.n_rows("orders") == 40
    assert MockData(spec).n_rows("customers") == 300


def test_constraints_hold_on_every_row() -> None:
    spec = load_spec({"seed": 2, "tables": {"t": {"rows": 5000, "columns": {
        "low": {"uniform": {"low": 0, "high": 10}},
        "high": {"uniform": {"low": 0, "high": 10}},
        "fixed": {"sequence": True},
    }, "constraints": [{"kind": "inequality", "low": "low", "high": "high"},
                       {"kind": "range", "column": "high", "low": 2}]}}})
    df = MockData(spec).rows("t", 0, 5000)
    for rule in spec.table("t").constraints:
        assert from_dict(rule).valid(df).all()
    assert df["fixed"].tolist() == list(range(1, 5001))  # keys are never redrawn


def test_impossible_constraint_raises_sampling_error() -> None:
    spec = load_spec({"tables": {"t": {"rows": 100, "columns": {
        "x": {"uniform": {"low": 0, "high": 1}}},
        "constraints": [{"kind": "range", "column": "x", "low": 0.99999}]}}})
    with pytest.raises(SamplingError, match=r"x.*accepted 0\.0% of"):
        MockData(spec).rows("t", 0, 100)


def test_unknown_table_and_bad_arguments() -> None:
    data = MockData(_spec())
    with pytest.raises(InvalidParameterError, match=r"no table 'custommers'.*customers"):
        data.rows("custommers", 0, 1)
    with pytest.raises(InvalidParameterError, match="start <= stop"):
        data.rows("customers", 5, 1)
    with pytest.raises(InvalidParameterError, match="seed"):
        MockData(_spec(), seed=-1)
    with pytest.raises(InvalidParameterError, match="rows"):
        MockData(_spec(), rows=-3)
    assert len(data.rows("customers", 290, 400)) == 10  # clipped to the table


def test_zero_rows_give_empty_typed_frames() -> None:
    data = MockData(_spec(orders={"foreign_keys": [_fk("customer_id", "customers.customer_id",
                                                       3)],
                                  "columns": {"x": {"poisson": {"lam": 1}}}}), rows=0)
    chunks = list(data.iter_chunks("orders"))
    assert len(chunks) == 1 and chunks[0].empty
    assert str(chunks[0]["x"].dtype) == "int64"


def test_example_spec_generates(tmp_path: Path) -> None:
    path = tmp_path / "example.yaml"
    path.write_text(example_spec(), encoding="utf-8")
    data = MockData(load_spec(path), rows=200)
    orders = data.rows("orders", 0, data.n_rows("orders"))
    assert (orders["total"] >= orders["price"]).all()
    customers = data.rows("customers", 0, 200)
    assert customers["code"].is_unique and customers["email"].is_unique
    assert np.isin(orders["customer_id"], customers["customer_id"]).all()
    items = data.rows("order_items", 0, data.n_rows("order_items"))
    assert np.isin(items["order_id"], orders["order_id"]).all()


def test_rows_beyond_a_unique_columns_capacity_are_refused_early() -> None:
    spec = load_spec({"tables": {"t": {"rows": 5, "columns": {
        "c": {"choice": ["a", "b", "c", "d", "e"], "unique": True}}}}})
    assert sorted(MockData(spec).rows("t", 0, 5)["c"]) == ["a", "b", "c", "d", "e"]
    with pytest.raises(InvalidParameterError, match="can take 5 distinct values, fewer than the 6"):
        MockData(spec, rows=6)
