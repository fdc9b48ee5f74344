"""Reading and writing whole databases through SQLAlchemy (SQLite here; PostgreSQL: db marker)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from simulacra.data._sql import parents_first, primary_key_columns, read_database, write_database
from simulacra.errors import DataReadError, InvalidParameterError, SchemaError
from simulacra.schema import ForeignKey, Kind, Role, Schema, infer_schema

_DDL = [
    "CREATE TABLE customers (cid INTEGER PRIMARY KEY, segment TEXT NOT NULL, joined DATE, "
    "score NUMERIC(5, 2), vip BOOLEAN NOT NULL)",
    "CREATE TABLE orders (oid INTEGER PRIMARY KEY, cid INTEGER REFERENCES customers(cid), "
    "amount REAL NOT NULL)",
    "CREATE TABLE lines (oid INTEGER NOT NULL REFERENCES orders(oid), line INTEGER NOT NULL, "
    "qty INTEGER NOT NULL, PRIMARY KEY (oid, line))",
    "INSERT INTO customers VALUES (1, 'a', '2020-01-02', 1.5, 1), (2, 'b', '2021-03-04', 2.25,"
    " 0), (3, 'a', NULL, NULL, 1)",
    "INSERT INTO orders VALUES (1, 1, 10.0), (2, 1, 20.0), (3, 2, 5.5), (4, NULL, 1.0)",
    "INSERT INTO lines VALUES (1, 1, 2), (1, 2, 3), (2, 1, 1), (3, 1, 7)",
]


@pytest.fixture
def shop_db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for statement in _DDL:
            conn.exec_driver_sql(statement)
    engine.dispose()
    return url


def test_read_keys_and_types(shop_db: str) -> None:
    frames, schema = read_database(shop_db)
    assert set(frames) == {"customers", "orders", "lines"}
    customers = frames["customers"]
    assert str(customers["cid"].dtype) == "int64"
    assert str(customers["joined"].dtype) == "datetime64[us]"
    assert customers["score"].dtype == np.float64 and customers["score"].isna().sum() == 1
    assert customers["vip"].dtype == bool
    assert frames["orders"]["cid"].dtype == np.float64  # an integer with NULLs
    assert schema.table("customers").primary_key == "cid"
    assert schema.table("customers").column("cid").kind is Kind.ID
    assert schema.table("customers").column("segment").kind is Kind.CATEGORICAL
    lines = schema.table("lines")
    assert lines.primary_key is None and primary_key_columns(lines) == ("oid", "line")
    assert lines.column("line").role is Role.ENTITY_KEY
    assert set(schema.foreign_keys) == {
        ForeignKey("orders", ("cid",), "customers", ("cid",)),
        ForeignKey("lines", ("oid",), "orders", ("oid",))}
    assert parents_first(schema) == ["customers", "orders", "lines"]


def test_read_some_tables_drops_keys_to_the_others(shop_db: str) -> None:
    frames, schema = read_database(shop_db, tables=["orders", "lines"])
    assert list(frames) == ["orders", "lines"]
    assert schema.foreign_keys == (ForeignKey("lines", ("oid",), "orders", ("oid",)),)


def test_write_then_read_gives_the_same_database(shop_db: str, tmp_path: Path) -> None:
    frames, schema = read_database(shop_db)
    target = f"sqlite:///{tmp_path / 'copy.db'}"
    write_database(target, frames, schema)
    back, back_schema = read_database(target)
    assert back_schema.to_dict() == schema.to_dict()
    for name, frame in frames.items():
        pd.testing.assert_frame_equal(back[name], frame)
    engine = sa.create_engine(target)
    columns = {c["name"]: c["type"] for c in sa.inspect(engine).get_columns("customers")}
    engine.dispose()
    assert isinstance(columns["cid"], sa.BigInteger) and isinstance(columns["vip"], sa.Boolean)
    assert isinstance(columns["joined"], sa.DateTime)



def test_time_zones_survive_a_sqlite_round_trip(tmp_path: Path) -> None:
    # SQLite has no zone: aware stamps used to be written as naive local clock times
    stamps = pd.Series(pd.to_datetime(["2024-03-31 01:30", "2024-07-01 12:00", None]))
    frame = pd.DataFrame({"id": [1, 2, 3], "at": stamps.dt.tz_localize("Europe/Berlin"),
                          "naive": pd.to_datetime(["2024-01-01", "2024-01-02", None])})
    schema = Schema.single(dataclasses.replace(infer_schema(frame, name="t").table(),
                                               primary_key="id"))
    url = f"sqlite:///{tmp_path / 'tz.db'}"
    write_database(url, {"t": frame}, schema)
    back = read_database(url)[0]["t"]
    assert str(back["at"].dtype) == "datetime64[us, UTC]"
    expected = frame["at"].dt.tz_convert("UTC").astype("datetime64[us, UTC]")
    pd.testing.assert_series_equal(back["at"], expected)
    assert str(back["naive"].dtype) == "datetime64[us]"

def test_nothing_is_half_written(shop_db: str, tmp_path: Path) -> None:
    frames, schema = read_database(shop_db)
    orphan = pd.concat([frames["lines"], pd.DataFrame({"oid": [99], "line": [1], "qty": [1]})],
                       ignore_index=True)
    path = tmp_path / "out.db"
    with pytest.raises(SchemaError, match=r"table 'lines' break a key.*Nothing was written"):
        write_database(f"sqlite:///{path}", {**frames, "lines": orphan}, schema)
    assert not path.exists() and list(tmp_path.iterdir()) == [tmp_path / "shop.db"]
    write_database(f"sqlite:///{path}", frames, schema)
    before = path.read_bytes()
    duplicate = pd.concat([frames["customers"], frames["customers"].iloc[:1]], ignore_index=True)
    with pytest.raises(SchemaError, match="customers"):
        write_database(f"sqlite:///{path}", {**frames, "customers": duplicate}, schema,
                       if_exists="replace")
    assert path.read_bytes() == before  # the old database is untouched
    with pytest.raises(InvalidParameterError, match=r"exists.*if_exists='replace'"):
        write_database(f"sqlite:///{path}", frames, schema)


def test_in_memory_database_and_bad_if_exists() -> None:
    from simulacra.schema import infer_schema

    frame = pd.DataFrame({"id": [1, 2], "x": [0.5, 1.5]})
    schema = infer_schema(frame, name="t")
    write_database("sqlite://", {"t": frame}, schema)
    with pytest.raises(InvalidParameterError, match="if_exists"):
        write_database("sqlite://", {"t": frame}, schema, if_exists="append")  # type: ignore[arg-type]


def test_clear_errors(shop_db: str, tmp_path: Path) -> None:
    with pytest.raises(DataReadError, match="not a database URL"):
        read_database("no url at all")
    with pytest.raises(DataReadError, match="does not exist"):
        read_database(f"sqlite:///{tmp_path / 'missing.db'}")
    with pytest.raises(DataReadError, match="no driver"):
        read_database("nosuchdb://me@host/db")
    with pytest.raises(DataReadError, match=r"no table\(s\) \['users'\].*customers"):
        read_database(shop_db, tables=["users"])
    empty = tmp_path / "empty.db"
    engine = sa.create_engine(f"sqlite:///{empty}")
    engine.connect().close()
    engine.dispose()  # Python 3.13 warns about a connection left to the collector
    with pytest.raises(DataReadError, match="has no tables"):
        read_database(f"sqlite:///{empty}")
    frames, schema = read_database(shop_db)
    with pytest.raises(SchemaError, match="no DataFrame for table 'lines'"):
        write_database(f"sqlite:///{tmp_path / 'x.db'}",
                       {k: v for k, v in frames.items() if k != "lines"}, schema)


def test_cycles_cannot_be_written(tmp_path: Path) -> None:
    frames, schema = _cycle()
    with pytest.raises(SchemaError, match=r"cycle: a -> b -> a"):
        write_database(f"sqlite:///{tmp_path / 'c.db'}", frames, schema)
    assert not (tmp_path / "c.db").exists()


def _cycle() -> tuple[dict[str, pd.DataFrame], Schema]:
    from simulacra.schema import infer_schema

    a = pd.DataFrame({"id": [1, 2], "b_id": [1, 2]})
    b = pd.DataFrame({"id": [1, 2], "a_id": [1, 2]})
    tables = (infer_schema(a, name="a").table(), infer_schema(b, name="b").table())
    return {"a": a, "b": b}, Schema(tables, (ForeignKey("a", ("b_id",), "b", ("id",)),
                                             ForeignKey("b", ("a_id",), "a", ("id",))))


def test_references_take_their_parents_sql_type(tmp_path: Path) -> None:
    import dataclasses

    from simulacra.schema import infer_schema

    parents = pd.DataFrame({"pid": [1, 2, 3]})
    children = pd.DataFrame({"cid": [1, 2, 3], "pid": [1.0, np.nan, 3.0]})  # NULLs: floats
    tables = (infer_schema(parents, name="p").table(),
              dataclasses.replace(infer_schema(children, name="c").table(), primary_key="cid"))
    schema = Schema(tables, (ForeignKey("c", ("pid",), "p", ("pid",)),))
    url = f"sqlite:///{tmp_path / 'refs.db'}"
    write_database(url, {"p": parents, "c": children}, schema)
    engine = sa.create_engine(url)
    columns = {c["name"]: c["type"] for c in sa.inspect(engine).get_columns("c")}
    engine.dispose()
    assert isinstance(columns["pid"], sa.BigInteger)
    back, _ = read_database(url)
    pd.testing.assert_frame_equal(back["c"], children)
    halves = children.assign(pid=[1.0, 1.5, 3.0])
    with pytest.raises(SchemaError, match=r"'pid' of table 'c'.*1 fractional value"):
        write_database("sqlite://", {"p": parents, "c": halves}, schema)
    unknown = Schema(tables, (ForeignKey("c", ("nope",), "p", ("pid",)),))
    with pytest.raises(SchemaError, match=r"names column\(s\) \['nope'\].*table 'c'"):
        write_database("sqlite://", {"p": parents, "c": children}, unknown)
