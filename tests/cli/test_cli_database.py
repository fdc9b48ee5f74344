"""`simulacra fit` / `sample` on a whole database: a SQLite URL in, a database or folder out."""

import contextlib
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
    with contextlib.closing(sqlite3.connect(path)) as con, con:
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
    with contextlib.closing(sqlite3.connect(out)) as con, con:
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
    # without --seed: a fresh seed, reported, that repeats the run
    runs = []
    for name in ("a", "b", "c"):
        seed = ["--seed", str(runs[1][0])] if name == "c" else []
        code, stdout, err = run(["sample", str(model), "-n", "50", "-o", str(tmp_path / name),
                                 "--json", "-q", *seed], capsys, monkeypatch)
        assert code == 0, err
        runs.append((json.loads(stdout)["seed"],
                     pd.read_parquet(tmp_path / name / "orders.parquet")))
    assert not runs[0][1].equals(runs[1][1]) and runs[1][1].equals(runs[2][1])


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
    with contextlib.closing(sqlite3.connect(shop)) as con, con:
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


# ---- room: a database sample is drawn in memory ------------------------------------------
@pytest.fixture()
def shop_model(tmp_path: Path, shop: Path, capsys, monkeypatch) -> Path:
    model = tmp_path / "shop.sim"
    code, _, err = run(["fit", f"sqlite:///{shop}", "-o", str(model), "--seed", "3", "-q"],
                       capsys, monkeypatch)
    assert code == 0, err
    return model


def _assert_refused(code: int, err: str, *parts: str) -> None:
    assert code == 2, err
    assert err.startswith("Error: ") and "Traceback" not in err and err.count("\n") == 1, err
    for part in parts:
        assert part in err, (part, err)


def _in(tmp_path, output: str) -> str:  # type: ignore[no-untyped-def]
    """A folder output under ``tmp_path``, or a SQLite URL with ``DIR`` set to it."""
    return output.replace("DIR", str(tmp_path)) if output.startswith("sqlite") else str(
        tmp_path / output)


@pytest.mark.parametrize("output", ["syn", "sqlite:///DIR/syn.db"])
def test_a_database_too_big_for_the_memory_is_refused_before_drawing(
        tmp_path, shop_model, capsys, monkeypatch, output) -> None:
    from simulacra import _cli_database

    output = _in(tmp_path, output)
    drawn: list[object] = []
    real_sample = _cli_database.RelationalSynthesizer.sample

    def sample(self, n=None, **kwargs):  # type: ignore[no-untyped-def]
        drawn.append(n)
        return real_sample(self, n, **kwargs)

    monkeypatch.setattr(_cli_database.RelationalSynthesizer, "sample", sample)
    monkeypatch.setattr(_cli_database, "available_memory", lambda: 20_000_000)  # 20 MB
    code, _, err = run(["sample", str(shop_model), "-n", "300k", "-o", output], capsys,
                       monkeypatch)
    _assert_refused(code, err, "-n 300,000 makes about", "customers 300,000", "in memory",
                    "bytes per row of orders", "drawn in memory, all tables at once",
                    "20.0 MB available", "Nothing was written", "-n ", "or fewer should fit")
    assert drawn == [None]  # the pilot only (by scale), never the 300,000 rows
    assert not (tmp_path / "syn").exists() and not (tmp_path / "syn.db").exists()
    # what it suggests fits
    suggested = err.split("ask for fewer rows: -n ")[1].split(" or fewer")[0]
    code, _, err = run(["sample", str(shop_model), "-n", suggested, "-o", output, "-q"],
                       capsys, monkeypatch)
    assert code == 0, err
    code, _, err = run(["sample", str(shop_model), "--scale", "3000", "-o",
                        str(tmp_path / "other")], capsys, monkeypatch)
    _assert_refused(code, err, "--scale 3000 makes about", "--scale ", "or less should fit")


@pytest.mark.parametrize("output", ["syn", "sqlite:///DIR/syn.db"])
def test_a_database_too_big_for_the_disk_is_refused_before_drawing(
        tmp_path, shop_model, capsys, monkeypatch, output) -> None:
    from simulacra import _cli_database

    output = _in(tmp_path, output)
    monkeypatch.setattr(_cli_database, "available_memory", lambda: 10**13)
    real_usage = _cli_database.shutil.disk_usage
    monkeypatch.setattr(_cli_database.shutil, "disk_usage",
                        lambda p: real_usage(p)._replace(free=2_000_000))
    code, _, err = run(["sample", str(shop_model), "--scale", "3000", "-o", output], capsys,
                       monkeypatch)
    _assert_refused(code, err, "Writing this database to", "--scale 3000 makes about",
                    "on disk", "2.0 MB free", "Nothing was written", "or less should fit",
                    "a disk with room")
    assert not (tmp_path / "syn").exists() and not (tmp_path / "syn.db").exists()


def test_memory_running_out_while_sampling_is_a_clear_error(tmp_path, shop_model, capsys,
                                                            monkeypatch) -> None:
    from simulacra import _cli_database

    def sample(self, n=None, **kwargs):  # type: ignore[no-untyped-def]
        raise MemoryError("Unable to allocate 7.28 TiB")

    monkeypatch.setattr(_cli_database.RelationalSynthesizer, "sample", sample)
    code, _, err = run(["sample", str(shop_model), "-n", "1000", "-o", str(tmp_path / "syn")],
                       capsys, monkeypatch)
    _assert_refused(code, err, "Sampling the database ran out of memory (-n 1,000: about",
                    "drawn in memory", "Nothing was written", "a smaller -n or --scale")
    monkeypatch.undo()

    def write_table(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise MemoryError("Unable to allocate 2.1 GiB")

    monkeypatch.setattr(_cli_database, "write_table", write_table)
    code, _, err = run(["sample", str(shop_model), "-n", "1000", "-o", str(tmp_path / "syn")],
                       capsys, monkeypatch)
    _assert_refused(code, err, "Writing the database ran out of memory (-n 1,000: about",
                    "Nothing half-written was left behind", "a smaller -n or --scale")


def test_the_size_check_leaves_the_sample_as_it_was(tmp_path, shop_model, capsys,
                                                    monkeypatch) -> None:
    from simulacra import _cli_database

    written = []
    for checked in (10**9, 0):  # no pilot, then a pilot before every sample
        monkeypatch.setattr(_cli_database, "CHECKED_CELLS", checked)
        out = tmp_path / f"syn{checked}"
        assert run(["sample", str(shop_model), "-n", "60", "-o", str(out), "-q", "--seed",
                    "4"], capsys, monkeypatch)[0] == 0
        written.append({t: pd.read_parquet(out / f"{t}.parquet") for t in ("customers",
                                                                            "orders")})
    for name, frame in written[0].items():
        pd.testing.assert_frame_equal(frame, written[1][name])


def test_the_library_refuses_more_rows_than_a_machine_holds(tmp_path, shop_model, capsys,
                                                            monkeypatch) -> None:
    code, _, err = run(["sample", str(shop_model), "-n", "1e30", "-o", "sqlite:///"
                        f"{tmp_path / 'huge.db'}"], capsys, monkeypatch)
    _assert_refused(code, err, "1.0e+30", "Nothing was written", "or fewer should fit")
    assert not (tmp_path / "huge.db").exists()


@pytest.mark.parametrize(("name", "ending"), [("synth.csv", ".csv"), ("t.parquet", ".parquet"),
                                              ("t.csv.gz", ".csv.gz"), ("out.db", ".db"),
                                              ("out.sqlite", ".sqlite")])
def test_a_folder_output_named_like_a_file_is_refused(tmp_path, shop_model, capsys,
                                                      monkeypatch, name, ending) -> None:
    code, _, err = run(["sample", str(shop_model), "--scale", "0.5", "-o",
                        str(tmp_path / name)], capsys, monkeypatch)
    stem = name[:-len(ending)]
    _assert_refused(code, err, f"is named like a {ending} file", "writes several tables",
                    f"-o {tmp_path / stem}/", f"sqlite:///{tmp_path / stem}.db")
    assert not (tmp_path / name).exists()


def test_chunk_rows_is_refused_for_a_database_model(tmp_path, shop_model, capsys,
                                                    monkeypatch) -> None:
    code, _, err = run(["sample", str(shop_model), "-n", "10", "--chunk-rows", "5", "-o",
                        str(tmp_path / "syn")], capsys, monkeypatch)
    _assert_refused(code, err, "--chunk-rows applies to a single-table model",
                    "drawn in memory", "Leave --chunk-rows out")
    assert not (tmp_path / "syn").exists()
