"""write_mock: Parquet, CSV and SQLite output, streamed, atomic, with progress."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from simulacra.errors import InvalidParameterError
from simulacra.mock import MockData, load_spec, write_mock

SPEC: dict[str, Any] = {"seed": 4, "tables": {
    "customers": {"rows": 120, "primary_key": "id", "columns": {
        "id": {"sequence": {"start": 1}}, "name": {"faker": "name"},
        "joined": {"date": {"start": "2020-01-01", "end": "2020-12-31"}},
        "vip": {"boolean": 0.2}, "score": {"normal": {"mean": 0, "std": 1},
                                           "null_share": 0.1}}},
    "orders": {"primary_key": "order_id",
               "foreign_keys": [{"column": "customer_id", "references": "customers.id",
                                 "per_parent": {"poisson": {"lam": 2}}}],
               "columns": {"order_id": {"uuid": True},
                           "amount": {"uniform": {"low": 1, "high": 5}, "decimals": 2}}},
}}


class Recorder:
    def __init__(self, fail_after: int | None = None) -> None:
        self.events: list[tuple[str, Any]] = []
        self.fail_after = fail_after

    def start(self, task: str, total: int | None = None) -> None:
        self.events.append(("start", (task, total)))

    def advance(self, n: int = 1) -> None:
        self.events.append(("advance", n))
        if self.fail_after is not None and len(self.events) > self.fail_after:
            raise KeyboardInterrupt

    def finish(self) -> None:
        self.events.append(("finish", None))


def test_parquet_files_equal_generated_rows(tmp_path: Path) -> None:
    spec = load_spec(SPEC)
    progress = Recorder()
    written = write_mock(spec, tmp_path / "out", progress=progress)
    data = MockData(spec)
    assert written == {"customers": 120, "orders": data.n_rows("orders")}
    back = pd.read_parquet(tmp_path / "out" / "orders.parquet")
    expected = data.rows("orders", 0, data.n_rows("orders")).reset_index(drop=True)
    pd.testing.assert_frame_equal(back, expected, check_dtype=False)
    assert ("start", ("mock customers", 120)) in progress.events
    assert sum(n for e, n in progress.events if e == "advance") == sum(written.values())
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "customers.parquet", "orders.parquet"]


def test_csv_with_rows_and_seed(tmp_path: Path) -> None:
    spec = load_spec(SPEC)
    written = write_mock(spec, tmp_path, format="csv", rows=30, seed=9)
    assert written["customers"] == 30
    back = pd.read_csv(tmp_path / "customers.csv")
    expected = MockData(spec, seed=9, rows=30).rows("customers", 0, 30)
    assert back["name"].tolist() == expected["name"].tolist()
    assert back["joined"].tolist() == expected["joined"].dt.strftime("%Y-%m-%d").tolist()
    # `decimals: 2` prints two decimals (1.50, not 1.5)
    amounts = pd.read_csv(tmp_path / "orders.csv", dtype=str)["amount"]
    assert amounts.str.fullmatch(r"\d\.\d\d").all()
    assert amounts.str.endswith("0").any()


def test_sqlite_has_types_keys_and_valid_references(tmp_path: Path) -> None:
    spec = load_spec(SPEC)
    written = write_mock(spec, tmp_path, format="sqlite")
    con = sqlite3.connect(tmp_path / "mock.sqlite")
    try:
        ddl = dict(con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
        assert '"id" INTEGER NOT NULL PRIMARY KEY' in ddl["customers"]
        assert '"score" REAL\n' in ddl["customers"] and '"name" TEXT NOT NULL' in ddl["customers"]
        assert '"order_id" TEXT NOT NULL PRIMARY KEY' in ddl["orders"]
        assert 'FOREIGN KEY ("customer_id") REFERENCES "customers" ("id")' in ddl["orders"]
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        n = con.execute("SELECT count(*) FROM orders").fetchone()[0]
        assert n == written["orders"]
        nulls = con.execute("SELECT count(*) FROM customers WHERE score IS NULL").fetchone()[0]
        assert 0 < nulls < 40
        joined = con.execute("SELECT joined FROM customers LIMIT 1").fetchone()[0]
        assert len(joined) == 10 and joined.startswith("2020-")
    finally:
        con.close()


@pytest.mark.parametrize("fmt", ["parquet", "csv", "sqlite"])
def test_failure_midway_leaves_nothing_behind(tmp_path: Path, fmt: str) -> None:
    spec = load_spec(SPEC)
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        write_mock(spec, out, format=fmt, progress=Recorder(fail_after=4))
    assert list(out.iterdir()) == []


def test_existing_other_files_are_kept(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("keep me")
    write_mock(load_spec(SPEC), tmp_path, format="csv", rows=5)
    assert (tmp_path / "notes.txt").read_text() == "keep me"
    assert (tmp_path / "customers.csv").exists()


def test_bad_format_and_file_target(tmp_path: Path) -> None:
    spec = load_spec(SPEC)
    with pytest.raises(InvalidParameterError, match="parquet, csv, sqlite"):
        write_mock(spec, tmp_path, format="xlsx")
    target = tmp_path / "file.txt"
    target.write_text("x")
    with pytest.raises(InvalidParameterError, match="is a file"):
        write_mock(spec, target)
