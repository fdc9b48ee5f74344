"""`simulacra fit` / `sample` on a whole database: a SQLite URL in, a database or folder out."""

import json
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.cli._run import run


@pytest.fixture()
def shop(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    path = tmp_path / "shop.db"
    customers = pd.DataFrame({"customer_id": np.arange(1, 121),
                              "segment": rng.choice(["basic", "vip"], 120, p=[0.8, 0.2])})
    counts = np.where(customers["segment"] == "vip", 5, 1)
    orders = pd.DataFrame({
        "order_id": np.arange(1, counts.sum() + 1),
        "customer_id": np.repeat(customers["customer_id"], counts).to_numpy(),
        "amount": np.round(rng.gamma(2.0, 20.0, counts.sum()), 2),
    })
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, segment TEXT)")
        con.execute("CREATE TABLE orders (order_id INTEGER PRIMARY KEY, customer_id INTEGER "
                    "REFERENCES customers(customer_id), amount REAL)")
        customers.to_sql("customers", con, if_exists="append", index=False)
        orders.to_sql("orders", con, if_exists="append", index=False)
    return path


def test_fit_a_database_and_sample_it_into_another(tmp_path, shop, capsys, monkeypatch) -> None:
    model = tmp_path / "shop.sim"
    code, _, err = run(["fit", f"sqlite:///{shop}", "-o", str(model), "--seed", "2", "-q"],
                       capsys, monkeypatch)
    assert code == 0, err
    out = tmp_path / "synthetic.db"
    code, _, err = run(["sample", str(model), "--scale", "2", "-o", f"sqlite:///{out}", "-q"],
                       capsys, monkeypatch)
    assert code == 0, err
    with sqlite3.connect(out) as con:
        n_customers = con.execute("select count(*) from customers").fetchone()[0]
        orphans = con.execute("select count(*) from orders o left join customers c on "
                              "o.customer_id = c.customer_id where c.customer_id is null"
                              ).fetchone()[0]
        ddl = con.execute("select sql from sqlite_master where name='orders'").fetchone()[0]
    assert n_customers == 240 and orphans == 0 and "REFERENCES" in ddl
    # an existing database is not overwritten, and the message names no library argument
    code, _, err = run(["sample", str(model), "-o", f"sqlite:///{out}", "-q"], capsys,
                       monkeypatch)
    assert code == 2 and "exists. Write to another file or remove this one first" in err


def test_sample_a_database_model_into_a_folder(tmp_path, shop, capsys, monkeypatch) -> None:
    model = tmp_path / "shop.sim"
    assert run(["fit", f"sqlite:///{shop}", "-o", str(model), "-q"], capsys, monkeypatch)[0] == 0
    out = tmp_path / "syn"
    code, _, err = run(["sample", str(model), "-n", "50", "-o", str(out), "--seed", "1", "-q"],
                       capsys, monkeypatch)
    assert code == 0, err
    customers = pd.read_parquet(out / "customers.parquet")
    orders = pd.read_parquet(out / "orders.parquet")
    assert len(customers) == 50 and orders["customer_id"].isin(customers["customer_id"]).all()


@pytest.mark.parametrize("args", [
    ["fit", "sqlite:///DIR/nope.db", "-o", "DIR/m.sim"],
    ["fit", "nosuchdialect://x/y", "-o", "DIR/m.sim"],
])
def test_bad_database_sources_exit_2(tmp_path, capsys, monkeypatch, args) -> None:
    args = [a.replace("DIR", str(tmp_path)) for a in args]
    code, _, err = run(args, capsys, monkeypatch)
    assert code == 2, err
    assert err.startswith("Error: ") and "Traceback" not in err
    assert not (tmp_path / "m.sim").exists()


def test_single_table_model_needs_rows_and_database_model_refuses_where(
        tmp_path, shop, capsys, monkeypatch) -> None:
    data = tmp_path / "t.csv"
    pd.DataFrame({"x": np.arange(60.0), "y": ["a", "b"] * 30}).to_csv(data, index=False)
    single = tmp_path / "t.sim"
    assert run(["fit", str(data), "-o", str(single), "-q", "-s", "independent"],
               capsys, monkeypatch)[0] == 0
    code, _, err = run(["sample", str(single), "-o", str(tmp_path / "o.csv")], capsys,
                       monkeypatch)
    assert code == 2 and "-n" in err
    model = tmp_path / "shop.sim"
    assert run(["fit", f"sqlite:///{shop}", "-o", str(model), "-q"], capsys, monkeypatch)[0] == 0
    code, _, err = run(["sample", str(model), "-o", str(tmp_path / "o"), "--where", "segment=vip"],
                       capsys, monkeypatch)
    assert code == 2 and "--where" in err


def test_evaluate_a_synthetic_database_against_the_real_one(tmp_path, shop, capsys,
                                                             monkeypatch) -> None:
    model, out = tmp_path / "shop.sim", tmp_path / "synthetic.db"
    assert run(["fit", f"sqlite:///{shop}", "-o", str(model), "-q"], capsys, monkeypatch)[0] == 0
    assert run(["sample", str(model), "-o", f"sqlite:///{out}", "-q"], capsys, monkeypatch)[0] == 0
    html, report = tmp_path / "db.html", tmp_path / "db.json"
    code, stdout, err = run(["evaluate", "--real", f"sqlite:///{shop}", "--synthetic",
                             f"sqlite:///{out}", "--html", str(html), "--json", str(report)],
                            capsys, monkeypatch)
    assert code == 0, err
    assert "orders" in stdout and "<svg" in html.read_text()
    assert '"integrity"' in report.read_text()


def test_impute_refuses_a_database_model(tmp_path, shop, capsys, monkeypatch) -> None:
    model = tmp_path / "shop.sim"
    assert run(["fit", f"sqlite:///{shop}", "-o", str(model), "-q"], capsys, monkeypatch)[0] == 0
    rows = tmp_path / "rows.csv"
    rows.write_text("segment\nvip\n\n", encoding="utf-8")
    code, _, err = run(["impute", str(model), str(rows), "-o", str(tmp_path / "out.csv")],
                       capsys, monkeypatch)
    assert code == 2 and "synthesizes a database" in err and "Traceback" not in err
    assert not (tmp_path / "out.csv").exists()


@pytest.fixture()
def folder(tmp_path: Path, shop: Path) -> Path:
    """The shop database as a folder of CSV files (no keys declared)."""
    out = tmp_path / "shop"
    out.mkdir()
    with sqlite3.connect(shop) as con:
        for table in ("customers", "orders"):
            pd.read_sql(f"select * from {table}", con).to_csv(out / f"{table}.csv", index=False)
    return out


def test_fit_a_folder_of_files_with_proposed_keys(tmp_path, folder, capsys, monkeypatch) -> None:
    model = tmp_path / "folder.sim"
    code, stdout, err = run(["fit", str(folder), "-o", str(model), "--json"], capsys,
                            monkeypatch)
    assert code == 0, err
    assert '"orders": ' in stdout and '"broken_keys": []' in stdout
    out = tmp_path / "syn"
    assert run(["sample", str(model), "-o", str(out), "-q"], capsys, monkeypatch)[0] == 0
    orders = pd.read_parquet(out / "orders.parquet")
    customers = pd.read_parquet(out / "customers.parquet")
    assert orders["customer_id"].isin(customers["customer_id"]).all()


def test_schema_infer_proposes_keys_for_a_folder_and_the_edit_wins(tmp_path, folder, capsys,
                                                                   monkeypatch) -> None:
    schema = tmp_path / "schema.json"
    code, _, err = run(["schema", "infer", str(folder), "-o", str(schema)], capsys, monkeypatch)
    assert code == 0, err
    spec = json.loads(schema.read_text())
    assert spec["foreign_keys"] == [{"child_table": "orders", "child_columns": ["customer_id"],
                                     "parent_table": "customers",
                                     "parent_columns": ["customer_id"]}]
    spec["foreign_keys"] = []  # the user drops the relationship: two independent tables
    schema.write_text(json.dumps(spec))
    model = tmp_path / "m.sim"
    code, stdout, err = run(["fit", str(folder), "--schema", str(schema), "-o", str(model),
                             "--json"], capsys, monkeypatch)
    assert code == 0, err
    assert json.loads(stdout)["tables"]["customers"] == 120
    from simulacra import load_synthesizer

    assert load_synthesizer(model).schema_.foreign_keys == ()


@pytest.mark.filterwarnings("always::simulacra.errors.FitWarning")
def test_a_folders_schema_edits_are_told_and_its_rules_named_by_file(tmp_path, folder, capsys,
                                                                     monkeypatch) -> None:
    schema = tmp_path / "schema.json"
    assert run(["schema", "infer", str(folder), "-o", str(schema)], capsys,
               monkeypatch)[0] == 0
    spec = json.loads(schema.read_text())
    orders = next(t for t in spec["tables"] if t["name"] == "orders")
    amount = next(c for c in orders["columns"] if c["name"] == "amount")
    amount["missing_share"] = 0.5  # information the data contradict: told, not silent
    schema.write_text(json.dumps(spec))
    model = tmp_path / "m.sim"
    code, _, err = run(["fit", str(folder), "--schema", str(schema), "-o", str(model), "-q"],
                       capsys, monkeypatch)
    assert code == 0, err
    assert "Warning: Table 'orders', column 'amount': 'missing_share' is 0.5 in the schema" in err
    # a rule fit refuses names the schema file, the table and the rule's place
    orders["constraints"] = [{"kind": "inequality", "low": "amount", "high": "amount",
                              "strict": True}]
    amount.pop("missing_share")
    schema.write_text(json.dumps(spec))
    code, _, err = run(["fit", str(folder), "--schema", str(schema), "-o", str(model), "-q"],
                       capsys, monkeypatch)
    assert code == 2 and "Traceback" not in err
    assert f"{schema}: The constraint 1 of table 'orders'" in err, err
