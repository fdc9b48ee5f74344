"""`simulacra mock`: a spec in, tables out; every bad input is exit 2, one paragraph, no file."""

import contextlib
import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from simulacra.mock import load_spec
from tests.cli._run import run

SPEC = """\
version: 1
seed: 3
tables:
  customers:
    rows: 50
    primary_key: customer_id
    columns:
      customer_id: {sequence: {start: 1}}
      email: {faker: email, unique: true}
      segment: {choice: [basic, vip], weights: [0.8, 0.2]}
  orders:
    primary_key: order_id
    foreign_keys:
      - {column: customer_id, references: customers.customer_id,
         per_parent: {poisson: {lam: 2}, min: 0, max: 6}}
    columns:
      order_id: {sequence: {start: 1}}
      price: {uniform: {low: 1, high: 100}, decimals: 2}
      qty: {poisson: {lam: 2}, min: 1, max: 9}
      total: {formula: "price * qty", decimals: 2}
"""


@pytest.fixture()
def spec(tmp_path: Path) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC)
    return path


def test_example_spec_is_printed_and_generates(tmp_path, capsys, monkeypatch) -> None:
    code, stdout, _ = run(["mock", "--example"], capsys, monkeypatch)
    assert code == 0 and "tables:" in stdout
    path = tmp_path / "example.yaml"
    path.write_text(stdout)
    load_spec(path)
    code, stdout, err = run(["mock", str(path), "-n", "40", "-o", str(tmp_path / "ex"), "--json",
                             "-q"], capsys, monkeypatch)
    assert code == 0, err
    assert json.loads(stdout)["tables"]["customers"] == 40


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_rows_apply_to_root_tables_and_keys_resolve(tmp_path, spec, capsys, monkeypatch,
                                                     fmt) -> None:
    out = tmp_path / "out"
    code, stdout, err = run(["mock", str(spec), "-n", "120", "-o", str(out), "--format", fmt,
                             "--json", "-q"], capsys, monkeypatch)
    assert code == 0, err
    written = json.loads(stdout)["tables"]
    read = pd.read_parquet if fmt == "parquet" else pd.read_csv
    customers, orders = read(out / f"customers.{fmt}"), read(out / f"orders.{fmt}")
    assert written == {"customers": 120, "orders": len(orders)}
    assert customers["customer_id"].is_unique and customers["email"].is_unique
    assert orders["customer_id"].isin(customers["customer_id"]).all()
    assert ((orders["total"] - orders["price"] * orders["qty"]).abs() < 0.006).all()


def test_same_seed_same_files_other_seed_other_rows(tmp_path, spec, capsys, monkeypatch) -> None:
    frames = []
    for name, seed in (("a", "5"), ("b", "5"), ("c", "6")):
        assert run(["mock", str(spec), "-o", str(tmp_path / name), "--seed", seed, "-q"],
                   capsys, monkeypatch)[0] == 0
        frames.append(pd.read_parquet(tmp_path / name / "orders.parquet"))
    pd.testing.assert_frame_equal(frames[0], frames[1])
    assert not frames[0].equals(frames[2])


def test_sqlite_declares_keys(tmp_path, spec, capsys, monkeypatch) -> None:
    out = tmp_path / "db"
    assert run(["mock", str(spec), "-o", str(out), "--format", "sqlite", "-q"],
               capsys, monkeypatch)[0] == 0
    with contextlib.closing(sqlite3.connect(out / "mock.sqlite")) as con, con:
        ddl = con.execute("select sql from sqlite_master where name='orders'").fetchone()[0]
        orphans = con.execute("select count(*) from orders o left join customers c "
                              "on o.customer_id = c.customer_id "
                              "where c.customer_id is null").fetchone()[0]
    assert "PRIMARY KEY" in ddl and "REFERENCES" in ddl and orphans == 0


@pytest.mark.parametrize(("edit", "args", "words"), [
    (None, ["--format", "xlsx"], "xlsx"),
    (None, ["-n", "-1"], "-1"),
    (("uniform: {low: 1, high: 100}", "gauss: {mean: 1}"), [], "line"),
    (("qty: {poisson", "qty: [poisson"), [], "line"),
    (("choice: [basic, vip], weights: [0.8, 0.2]}",
      "choice: [basic, vip], weights: [0.8, 0.2], unique: true}"), [], "unique"),
])
def test_bad_spec_or_options_exit_2_and_write_nothing(tmp_path, spec, capsys, monkeypatch, edit,
                                                      args, words) -> None:
    if edit is not None:
        spec.write_text(SPEC.replace(*edit))
    out = tmp_path / "out"
    code, _, err = run(["mock", str(spec), "-o", str(out), "-q", *args], capsys, monkeypatch)
    assert code == 2, err
    assert err.startswith("Error: ") and "Traceback" not in err and err.count("\n") == 1
    assert words in err
    assert not out.exists() or not any(out.iterdir())


def test_missing_spec_file_and_missing_arguments(tmp_path, capsys, monkeypatch) -> None:
    code, _, err = run(["mock", str(tmp_path / "nope.yaml"), "-o", str(tmp_path / "o")],
                       capsys, monkeypatch)
    assert code == 2 and "nope.yaml" in err
    code, _, err = run(["mock"], capsys, monkeypatch)
    assert code == 2 and "--example" in err


def test_output_that_is_a_file_is_refused(tmp_path, spec, capsys, monkeypatch) -> None:
    target = tmp_path / "taken"
    target.write_text("keep me")
    code, _, err = run(["mock", str(spec), "-o", str(target), "-q"], capsys, monkeypatch)
    assert code == 2 and "taken" in err and target.read_text() == "keep me"
