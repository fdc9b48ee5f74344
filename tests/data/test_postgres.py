"""Whole databases through a real PostgreSQL server (tests/data/conftest.py starts one)."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
import sqlalchemy as sa

from simulacra.data._sql import primary_key_columns, read_database, write_database
from simulacra.errors import FitWarning, InvalidParameterError, SchemaError
from simulacra.schema import ForeignKey, Kind, Role, infer_schema
from simulacra.synth.relational import RelationalSynthesizer
from tests.data.conftest import PostgresServer
from tests.synth.test_relational import shop

pytestmark = pytest.mark.db

# Quoted names on purpose: a mixed-case table, a reserved word as table and column name.
_DDL = [
    'CREATE TABLE "Customers" (cid BIGINT PRIMARY KEY, "Segment" TEXT NOT NULL, '
    "joined TIMESTAMP WITH TIME ZONE, score NUMERIC(6, 2), vip BOOLEAN NOT NULL, born DATE)",
    'CREATE TABLE "order" (id INTEGER PRIMARY KEY, cid BIGINT REFERENCES "Customers"(cid), '
    "amount DOUBLE PRECISION NOT NULL, placed TIMESTAMP NOT NULL)",
    'CREATE TABLE lines ("order" INTEGER NOT NULL REFERENCES "order"(id), line INTEGER NOT '
    'NULL, qty INTEGER NOT NULL, note TEXT, PRIMARY KEY ("order", line))',
    """INSERT INTO "Customers" VALUES
       (1, 'a', '2020-01-02 10:00:00+05', 1.50, true, '1980-05-01'),
       (2, 'b', '2021-07-04 23:30:00+00', 2.25, false, NULL),
       (3, 'a', NULL, NULL, true, '1999-12-31')""",
    """INSERT INTO "order" VALUES (1, 1, 10.0, '2022-01-01 08:00'), (2, 1, 20.5,
       '2022-01-02 09:00'), (3, 2, 5.25, '2022-02-01 10:00'), (4, NULL, 1.0, '2022-03-01')""",
    """INSERT INTO lines VALUES (1, 1, 2, 'gift'), (1, 2, 3, NULL), (2, 1, 1, 'x'),
       (3, 1, 7, NULL)""",
]


def _execute(url: str, *statements: str) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


def _scalar(url: str, query: str) -> object:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.exec_driver_sql(query).scalar()
    finally:
        engine.dispose()


def _tables(url: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        return sorted(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.fixture
def source(postgres_database: str) -> str:
    _execute(postgres_database, *_DDL)
    return postgres_database


def test_read_keys_and_types(source: str) -> None:
    frames, schema = read_database(source)
    assert sorted(frames) == ["Customers", "lines", "order"]
    customers = frames["Customers"]
    assert str(customers["cid"].dtype) == "int64"
    # TIMESTAMP WITH TIME ZONE comes in the session's zone (Europe/Berlin here): read as UTC
    assert str(customers["joined"].dtype) == "datetime64[us, UTC]"
    assert customers["joined"].iloc[0] == pd.Timestamp("2020-01-02 05:00", tz="UTC")
    assert str(customers["born"].dtype) == "datetime64[us]"
    assert customers["score"].tolist()[:2] == [1.5, 2.25]  # NUMERIC as float64
    assert customers["vip"].dtype == bool
    assert str(frames["order"]["placed"].dtype) == "datetime64[us]"
    assert frames["order"]["cid"].isna().sum() == 1
    assert schema.table("Customers").primary_key == "cid"
    assert schema.table("Customers").column("Segment").kind is Kind.CATEGORICAL
    lines = schema.table("lines")
    assert primary_key_columns(lines) == ("order", "line")
    assert lines.column("line").role is Role.ENTITY_KEY
    assert set(schema.foreign_keys) == {
        ForeignKey("order", ("cid",), "Customers", ("cid",)),
        ForeignKey("lines", ("order",), "order", ("id",))}


def test_round_trip_through_the_server(source: str, postgres_server: PostgresServer) -> None:
    frames, schema = read_database(source)
    target = postgres_server.database("copy")
    write_database(target, frames, schema)
    back, back_schema = read_database(target)
    assert back_schema.to_dict() == schema.to_dict()
    for name, frame in frames.items():
        pd.testing.assert_frame_equal(back[name], frame)
    engine = sa.create_engine(target)
    try:
        columns = {c["name"]: c["type"] for c in sa.inspect(engine).get_columns("Customers")}
        order = {c["name"]: c["type"] for c in sa.inspect(engine).get_columns("order")}
    finally:
        engine.dispose()
    assert isinstance(columns["cid"], sa.BigInteger)
    assert isinstance(columns["Segment"], sa.Text) and isinstance(columns["vip"], sa.Boolean)
    assert isinstance(columns["joined"], sa.DateTime) and columns["joined"].timezone
    assert isinstance(columns["score"], sa.Double)
    assert isinstance(order["cid"], sa.BigInteger)  # a reference with NULLs: the parent's type
    assert not order["placed"].timezone
    # replacing drops the old tables children first, in one transaction
    write_database(target, back, back_schema, if_exists="replace")
    assert read_database(target)[1].to_dict() == schema.to_dict()
    with pytest.raises(InvalidParameterError, match=r"already has table\(s\)"):
        write_database(target, back, back_schema)


def test_failed_writes_leave_nothing_behind(source: str,
                                            postgres_server: PostgresServer) -> None:
    frames, schema = read_database(source)
    orphan = pd.concat([frames["lines"], pd.DataFrame(
        {"order": [99], "line": [1], "qty": [1], "note": [None]})], ignore_index=True)
    target = postgres_server.database("fail")
    with pytest.raises(SchemaError, match=r"table 'lines' break a key.*Nothing was written"):
        write_database(target, {**frames, "lines": orphan}, schema)
    assert _tables(target) == []  # the CREATE TABLEs were rolled back too
    # a failing replace keeps the old tables and rows
    duplicate = pd.concat([frames["Customers"], frames["Customers"].iloc[:1]],
                          ignore_index=True)
    with pytest.raises(SchemaError, match="Customers"):
        write_database(source, {**frames, "Customers": duplicate}, schema,
                       if_exists="replace")
    assert _scalar(source, "SELECT count(*) FROM lines") == 4
    # a table outside the schema that refers to a replaced one blocks the replace
    _execute(source, 'CREATE TABLE audit (cid BIGINT REFERENCES "Customers"(cid))')
    with pytest.raises(InvalidParameterError, match=r"audit\(cid\) -> Customers"):
        write_database(source, frames, schema, if_exists="replace")
    wide = pd.DataFrame({"x" * 70: [1, 2]})
    with pytest.raises(SchemaError, match="at most 63 bytes"):
        write_database(target, {"t": wide}, infer_schema(wide, name="t"))
    assert _tables(target) == []


def test_fit_sample_write_keeps_every_key(postgres_server: PostgresServer) -> None:
    tables, schema = shop(n=120)
    source = postgres_server.database("shop")
    write_database(source, tables, schema)
    frames, found = read_database(source)
    assert set(found.foreign_keys) == set(schema.foreign_keys)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FitWarning)  # the real keys are intact
        model = RelationalSynthesizer(seed=0).fit(frames, found)
    synthetic = model.sample(seed=1)
    target = postgres_server.database("synthetic")
    write_database(target, synthetic, found)
    for fk in found.foreign_keys:
        (child,), (parent,) = fk.child_columns, fk.parent_columns
        orphans = _scalar(target, (
            f'SELECT count(*) FROM "{fk.child_table}" c LEFT JOIN "{fk.parent_table}" p '
            f'ON c."{child}" = p."{parent}" WHERE c."{child}" IS NOT NULL '
            f'AND p."{parent}" IS NULL'))
        assert orphans == 0, fk
        assert _scalar(target, f'SELECT count(*) FROM "{fk.child_table}"') == len(
            synthetic[fk.child_table])
