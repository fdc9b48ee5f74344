"""The command line: the happy path, and every bad input gets exit 2 and one paragraph."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulacra._cli_options import parse_rows
from simulacra.testing import contract_table
from tests.cli._run import run


@pytest.fixture()
def data_csv(tmp_path: Path) -> Path:
    path = tmp_path / "people.csv"
    contract_table(150).to_csv(path, index=False)
    return path


@pytest.fixture()
def model(tmp_path: Path, data_csv: Path, capsys, monkeypatch) -> Path:
    path = tmp_path / "model.sim"
    code, _, err = run(["fit", str(data_csv), "-o", str(path), "--seed", "3", "-q",
                        "-s", "cart", "--param", "min_samples_leaf=4"], capsys, monkeypatch)
    assert code == 0, err
    return path


def test_schema_infer_fit_sample(tmp_path, data_csv, capsys, monkeypatch) -> None:
    schema = tmp_path / "schema.json"
    assert run(["schema", "infer", str(data_csv), "-o", str(schema)], capsys, monkeypatch)[0] == 0
    spec = json.loads(schema.read_text())
    assert spec["simulacra_schema"] == 1
    model = tmp_path / "m.sim"
    code, _, err = run(["fit", str(data_csv), "--schema", str(schema), "-o", str(model), "-q"],
                       capsys, monkeypatch)
    assert code == 0, err
    out = tmp_path / "syn.parquet"
    code, stdout, err = run(["sample", str(model), "-n", "1234", "-o", str(out), "--json",
                             "--chunk-rows", "500", "-q"], capsys, monkeypatch)
    assert code == 0, err
    assert json.loads(stdout)["rows"] == 1234
    syn = pd.read_parquet(out)
    assert len(syn) == 1234 and syn["customer_id"].is_unique


def test_same_seed_same_file(tmp_path, model, capsys, monkeypatch) -> None:
    outs = []
    for name in ("a.csv", "b.csv"):
        path = tmp_path / name
        assert run(["sample", str(model), "-n", "50", "-o", str(path), "--seed", "5", "-q"],
                   capsys, monkeypatch)[0] == 0
        outs.append(path.read_text())
    assert outs[0] == outs[1]


def test_no_seed_draws_a_fresh_one_and_reports_it(tmp_path, model, capsys,
                                                   monkeypatch) -> None:
    # without --seed every run replayed the model's saved stream: two batches, same rows
    outs, seeds = [], []
    for name in ("a.csv", "b.csv"):
        path = tmp_path / name
        code, stdout, err = run(["sample", str(model), "-n", "50", "-o", str(path), "--json",
                                 "-q"], capsys, monkeypatch)
        assert code == 0, err
        outs.append(path.read_text())
        seeds.append(json.loads(stdout)["seed"])
    assert outs[0] != outs[1] and seeds[0] != seeds[1]
    again = tmp_path / "again.csv"
    code, _, err = run(["sample", str(model), "-n", "50", "-o", str(again), "--seed",
                        str(seeds[1])], capsys, monkeypatch)
    assert code == 0, err
    assert again.read_text() == outs[1]
    assert f"seed: {seeds[1]}" in err and "to repeat" not in err  # given: no hint
    code, _, err = run(["sample", str(model), "-n", "50", "-o", str(again)], capsys,
                       monkeypatch)
    assert code == 0 and "; pass --seed " in err and " to repeat" in err


def test_impute_without_seed_reports_the_seed_that_repeats_it(tmp_path, model, data_csv,
                                                              capsys, monkeypatch) -> None:
    gaps = pd.read_csv(data_csv).head(20).astype(object)
    gaps.iloc[:, 1:4] = None
    source = tmp_path / "gaps.csv"
    gaps.to_csv(source, index=False)
    outs, seeds = [], []
    for name in ("a.csv", "b.csv"):
        code, stdout, err = run(["impute", str(model), str(source), "-o",
                                 str(tmp_path / name), "--json"], capsys, monkeypatch)
        assert code == 0, err
        outs.append((tmp_path / name).read_text())
        seeds.append(json.loads(stdout)["seed"])
    assert outs[0] != outs[1]
    code, _, err = run(["impute", str(model), str(source), "-o", str(tmp_path / "c.csv"),
                        "--seed", str(seeds[0]), "-q"], capsys, monkeypatch)
    assert code == 0, err
    assert (tmp_path / "c.csv").read_text() == outs[0]


def test_progress_bars_shown_and_quiet(tmp_path, model, capsys, monkeypatch) -> None:
    _, _, err = run(["sample", str(model), "-n", "100", "-o", str(tmp_path / "x.csv")],
                    capsys, monkeypatch)
    assert "sample" in err and "100/100" in err
    _, out, err = run(["sample", str(model), "-n", "100", "-o", str(tmp_path / "y.csv"), "-q"],
                      capsys, monkeypatch)
    assert out == "" and err == ""


def _assert_bad(code: int, err: str, *needles: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err
    assert err.startswith("Error: ") and err.strip().count("\n") == 0, err
    for needle in needles:
        assert needle in err, err


def _csv(tmp_path: Path, text: str, name: str = "bad.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_empty_table(tmp_path, capsys, monkeypatch) -> None:
    path = _csv(tmp_path, "a,b\n")
    code, _, err = run(["fit", str(path), "-o", str(tmp_path / "m.sim")], capsys, monkeypatch)
    _assert_bad(code, err, "bad.csv")
    assert not (tmp_path / "m.sim").exists()


def test_one_row(tmp_path, capsys, monkeypatch) -> None:
    path = _csv(tmp_path, "a,b\n1,x\n")
    code, _, err = run(["fit", str(path), "-o", str(tmp_path / "m.sim")], capsys, monkeypatch)
    _assert_bad(code, err, "row")


def test_all_null_column(tmp_path, capsys, monkeypatch) -> None:
    path = _csv(tmp_path, "a,b\n1,\n2,\n3,\n")
    code, _, err = run(["fit", str(path), "-o", str(tmp_path / "m.sim")], capsys, monkeypatch)
    _assert_bad(code, err, "'b'")


def test_mixed_types(tmp_path, capsys, monkeypatch) -> None:
    rows = "\n".join(f"{i},{i * 3}" for i in range(40))
    path = _csv(tmp_path, f"a,b\n{rows}\n40,oops\n")
    code, _, err = run(["fit", str(path), "-o", str(tmp_path / "m.sim")], capsys, monkeypatch)
    _assert_bad(code, err, "'b'", "oops")


def test_unknown_column_in_schema(tmp_path, data_csv, capsys, monkeypatch) -> None:
    schema = tmp_path / "schema.json"
    run(["schema", "infer", str(data_csv), "-o", str(schema)], capsys, monkeypatch)
    spec = json.loads(schema.read_text())
    spec["tables"][0]["columns"].append({"name": "ghost", "kind": "numerical"})
    schema.write_text(json.dumps(spec))
    code, _, err = run(["fit", str(data_csv), "--schema", str(schema), "-o",
                        str(tmp_path / "m.sim")], capsys, monkeypatch)
    _assert_bad(code, err, "'ghost'")


def test_schema_bounds_outside_every_real_value_name_the_schema_file(
        tmp_path, data_csv, capsys, monkeypatch) -> None:
    schema = tmp_path / "schema.json"
    run(["schema", "infer", str(data_csv), "-o", str(schema)], capsys, monkeypatch)
    spec = json.loads(schema.read_text())
    age = next(c for c in spec["tables"][0]["columns"] if c["name"] == "age")
    age["minimum"], age["maximum"] = 500, 600
    schema.write_text(json.dumps(spec))
    code, _, err = run(["fit", str(data_csv), "--schema", str(schema), "-o",
                        str(tmp_path / "m.sim")], capsys, monkeypatch)
    _assert_bad(code, err, f"{schema}: ", "'age'", "no real value lies within")


def test_non_utf8_csv(tmp_path, capsys, monkeypatch) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("name,city\nJos\xe9,M\xfcnchen\nAna,K\xf6ln\n".encode("latin-1"))
    code, _, err = run(["fit", str(path), "-o", str(tmp_path / "m.sim")], capsys, monkeypatch)
    _assert_bad(code, err, "latin.csv", "UTF-8")


def test_missing_file(tmp_path, capsys, monkeypatch) -> None:
    code, _, err = run(["fit", str(tmp_path / "nope.csv"), "-o", str(tmp_path / "m.sim")],
                       capsys, monkeypatch)
    _assert_bad(code, err, "nope.csv")


@pytest.mark.parametrize("n", ["0", "-3"])
def test_bad_n(tmp_path, model, n, capsys, monkeypatch) -> None:
    out = tmp_path / "x.csv"
    code, _, err = run(["sample", str(model), "-n", n, "-o", str(out)], capsys, monkeypatch)
    _assert_bad(code, err, n)
    assert not out.exists()


@pytest.mark.parametrize(("n", "says"), [("1.5", "not a whole number"),
                                         ("1e999999999", "more rows than any disk"),
                                         ("ten", "not a number of rows"),
                                         ("1e3x", "not a number of rows")])
def test_n_that_is_no_number_of_rows(tmp_path, model, n, says, capsys, monkeypatch) -> None:
    out = tmp_path / "x.csv"
    code, _, err = run(["sample", str(model), "-n", n, "-o", str(out)], capsys, monkeypatch)
    assert code == 2 and says in err and "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize(("n", "rows"), [("1e3", 1000), ("1_500", 1500), ("2,000", 2000),
                                         ("2k", 2000), ("0.5K", 500), ("1M", 10**6),
                                         ("1e30", 10**30)])
def test_n_as_people_write_it(n, rows) -> None:
    assert parse_rows(n) == rows


@pytest.mark.parametrize("name", ["x.csv", "x.parquet", "x.csv.gz"])
def test_more_rows_than_the_disk_holds_are_refused_before_it_fills(tmp_path, model, name,
                                                                  capsys, monkeypatch) -> None:
    from simulacra.data import _io

    write = _io.TableWriter.write

    def write_a_few(self: _io.TableWriter, chunk: pd.DataFrame) -> None:
        assert self.rows_written < 10**6, "no room check: this would fill the disk"
        write(self, chunk)

    monkeypatch.setattr(_io.TableWriter, "write", write_a_few)
    out = tmp_path / "out" / name
    code, _, err = run(["sample", str(model), "-n", "1e30", "-o", str(out)], capsys,
                       monkeypatch)
    assert code == 2 and "Traceback" not in err
    assert "1,000,000,000,000,000,000,000,000,000,000 rows" in err and "free" in err
    assert ("Parquet" in err) == (not name.endswith(".parquet"))
    assert list(out.parent.iterdir()) == []  # nothing half-written


def test_rows_that_fit_are_written_whatever_the_estimate(tmp_path, model, capsys,
                                                         monkeypatch) -> None:
    from simulacra.data import _io

    out = tmp_path / "out" / "x.csv"
    # a disk with room for a few rows more than asked: written in full
    real_usage = _io.shutil.disk_usage
    monkeypatch.setattr(_io.shutil, "disk_usage",
                        lambda p: real_usage(p)._replace(free=200_000 * 300))
    code, _, err = run(["sample", str(model), "-n", "200000", "-o", str(out)], capsys,
                       monkeypatch)
    assert code == 0, err
    with out.open() as written:
        assert sum(1 for _ in written) == 200_001
    # ten bytes a row free: refused after the first rows, and nothing left behind
    monkeypatch.setattr(_io.shutil, "disk_usage",
                        lambda p: real_usage(p)._replace(free=2_000_000))
    code, _, err = run(["sample", str(model), "-n", "200000", "-o", str(out)], capsys,
                       monkeypatch)
    assert code == 2 and "would take about" in err and "2.0 MB free" in err
    assert [p.name for p in out.parent.iterdir()] == ["x.csv"]


def test_impute_fills_blank_cells_and_keeps_the_given_ones(tmp_path, data_csv, model, capsys,
                                                           monkeypatch) -> None:
    real = pd.read_csv(data_csv)
    rng = np.random.default_rng(0)
    blank = np.zeros(real.shape, dtype=bool)
    blank[np.arange(len(real)), rng.integers(0, real.shape[1], len(real))] = True
    gaps, out = tmp_path / "gaps.csv", tmp_path / "filled.csv"
    real.mask(blank).to_csv(gaps, index=False)
    code, stdout, err = run(["impute", str(model), str(gaps), "-o", str(out), "--json"],
                            capsys, monkeypatch)
    assert code == 0, err
    assert json.loads(stdout)["rows"] == len(real)
    filled, given = pd.read_csv(out), pd.read_csv(gaps)
    assert list(filled.columns) == list(real.columns) and len(filled) == len(real)
    for column in real.columns:
        kept = given[column].notna()
        assert filled.loc[kept, column].tolist() == given.loc[kept, column].tolist(), column
    code, _, err = run(["impute", str(model), str(tmp_path / "nope.csv"), "-o", str(out)],
                       capsys, monkeypatch)
    _assert_bad(code, err, "nope.csv")


def test_model_not_ours(tmp_path, data_csv, capsys, monkeypatch) -> None:
    code, _, err = run(["sample", str(data_csv), "-n", "5", "-o", str(tmp_path / "x.csv")],
                       capsys, monkeypatch)
    _assert_bad(code, err, "not a simulacra model")


def test_unknown_synthesizer_and_bad_param(tmp_path, data_csv, capsys, monkeypatch) -> None:
    code, _, err = run(["fit", str(data_csv), "-o", str(tmp_path / "m.sim"), "-s", "gan"],
                       capsys, monkeypatch)
    _assert_bad(code, err, "'gan'", "Choose one of: auto, argn")
    code, _, err = run(["fit", str(data_csv), "-o", str(tmp_path / "m.sim"), "-s", "cart",
                        "--param", "min_samples_leaf=-1"], capsys, monkeypatch)
    _assert_bad(code, err, "min_samples_leaf")
    code, _, err = run(["fit", str(data_csv), "-o", str(tmp_path / "m.sim"),
                        "--param", "min_samples_lef=4"], capsys, monkeypatch)
    _assert_bad(code, err, "'min_samples_lef'", "min_samples_leaf")
    assert not (tmp_path / "m.sim").exists()


@pytest.mark.parametrize("where", ["folder", "under_a_file"])
def test_an_output_path_that_cannot_be_written(tmp_path, model, where, capsys,
                                               monkeypatch) -> None:
    (tmp_path / "folder.csv").mkdir()
    out = tmp_path / "folder.csv" if where == "folder" else model / "x.csv"
    before = sorted(p.name for p in tmp_path.rglob("*"))
    code, _, err = run(["sample", str(model), "-n", "5", "-o", str(out), "-q"],
                       capsys, monkeypatch)
    _assert_bad(code, err, "cannot use", repr(str(out if where == "folder" else model)))
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_interrupted_sample_leaves_nothing(tmp_path, model, capsys, monkeypatch) -> None:
    from simulacra.synth import _sampling

    real_iter = _sampling.iter_chunks

    def failing(*args, **kwargs):
        for i, chunk in enumerate(real_iter(*args, **kwargs)):
            if i == 1:  # the second block of 50,000 rows: written chunks are on disk
                raise KeyboardInterrupt
            yield chunk

    monkeypatch.setattr("simulacra.synth._base.iter_chunks", failing)
    out = tmp_path / "big.parquet"
    code, _, _ = run(["sample", str(model), "-n", "120000", "-o", str(out), "--chunk-rows",
                      "10000", "-q"], capsys, monkeypatch)
    assert code == 130
    assert list(tmp_path.glob("big*")) == [] and not any(
        p.name.startswith(".big") for p in tmp_path.iterdir())


def test_demo_writes_outputs(tmp_path, capsys, monkeypatch) -> None:
    code, _, err = run(["demo", "--out", str(tmp_path / "demo"), "-q"], capsys, monkeypatch)
    assert code == 0, err
    for name in ("synthetic.csv", "summary.txt", "model.sim", "report.json", "report.html"):
        assert (tmp_path / "demo" / name).exists()
    summary = (tmp_path / "demo" / "summary.txt").read_text()
    assert "Status" in summary and "fidelity" in summary and "dcr" in summary
    report = json.loads((tmp_path / "demo" / "report.json").read_text())
    assert report["info"]["target"] == "Status" and report["info"]["sensitive"] == ["Marital"]
    assert report["info"]["rows"]["holdout"] == round(0.2 * 4454)
    # everything but the PII check, which has no id, PII or text column to look at
    assert all(not r["skipped"] for r in report["results"] if r["name"] != "pii_overlap"), \
        "the demo measures everything"
    assert "<html" in (tmp_path / "demo" / "report.html").read_text()


def test_roles_from_the_command_line(tmp_path, data_csv, capsys, monkeypatch) -> None:
    schema = tmp_path / "schema.json"
    code, _, err = run(["schema", "infer", str(data_csv), "-o", str(schema), "--target", "segment",
                        "--sensitive", "age"], capsys, monkeypatch)
    assert code == 0, err
    roles = {c["name"]: c.get("role", "feature") for c in
             json.loads(schema.read_text())["tables"][0]["columns"]}
    assert roles["segment"] == "target" and roles["age"] == "sensitive"
    code, _, err = run(["fit", str(data_csv), "-o", str(tmp_path / "m.sim"), "--target", "nope"],
                       capsys, monkeypatch)
    _assert_bad(code, err, "'nope'")


def test_version_and_usage_errors(capsys, monkeypatch) -> None:
    code, out, _ = run(["--version"], capsys, monkeypatch)
    assert code == 0 and out.startswith("simulacra ")
    code, _, err = run(["fit"], capsys, monkeypatch)
    assert code == 2 and "Traceback" not in err


def test_unsupported_output_format(tmp_path, model, capsys, monkeypatch) -> None:
    out = tmp_path / "x.json"
    code, _, err = run(["sample", str(model), "-n", "5", "-o", str(out)], capsys, monkeypatch)
    _assert_bad(code, err, "x.json")
    assert not out.exists()


@pytest.fixture()
def split_csvs(tmp_path: Path) -> tuple[Path, Path, Path]:
    table = contract_table(400)
    paths = tuple(tmp_path / f"{name}.csv" for name in ("train", "holdout", "synthetic"))
    table.iloc[:300].to_csv(paths[0], index=False)
    table.iloc[300:].to_csv(paths[1], index=False)
    table.iloc[:300].sample(frac=1.0, replace=True, random_state=0).to_csv(paths[2], index=False)
    return paths


def test_evaluate_writes_json_and_html(tmp_path, split_csvs, capsys, monkeypatch) -> None:
    train, holdout, synthetic = split_csvs
    html, report = tmp_path / "report.html", tmp_path / "report.json"
    code, out, err = run(["evaluate", "--real", str(train), "--holdout", str(holdout),
                          "--synthetic", str(synthetic), "--target", "segment",
                          "--html", str(html), "--json", str(report), "-q"],
                         capsys, monkeypatch)
    assert code == 0, err
    data = json.loads(report.read_text())
    assert data["info"]["table"] == "train" and data["info"]["target"] == "segment"
    verdicts = {v["family"]: v["verdict"] for v in data["scorecard"]}
    assert verdicts["privacy"] == "poor"  # resampled training rows
    assert html.read_text().startswith("<!DOCTYPE html>")
    assert out == ""  # quiet


def test_evaluate_prints_the_summary(split_csvs, capsys, monkeypatch) -> None:
    train, _, synthetic = split_csvs
    code, out, _ = run(["evaluate", "--real", str(train), "--synthetic", str(synthetic)],
                         capsys, monkeypatch)
    assert code == 0 and "column_shapes" in out and "skipped: needs holdout" in out
    # -q silences progress, not the result when it is the only one
    quiet = run(["evaluate", "--real", str(train), "--synthetic", str(synthetic), "-q"],
                capsys, monkeypatch)
    assert quiet[0] == 0 and quiet[1] == out and quiet[2] == "", quiet[2]


def test_evaluate_bad_input_names_the_file_and_writes_nothing(
        tmp_path, split_csvs, capsys, monkeypatch) -> None:
    train, _, synthetic = split_csvs
    broken = tmp_path / "broken.csv"
    pd.read_csv(synthetic).drop(columns=["segment"]).to_csv(broken, index=False)
    html, report = tmp_path / "out.html", tmp_path / "out.json"
    code, _, err = run(["evaluate", "--real", str(train), "--synthetic", str(broken),
                        "--html", str(html), "--json", str(report)], capsys, monkeypatch)
    assert code == 2
    assert "broken.csv" in err and "'segment'" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not html.exists() and not report.exists()
    code, _, err = run(["evaluate", "--real", str(train), "--synthetic", str(synthetic),
                        "--target", "nope"], capsys, monkeypatch)
    assert code == 2 and "'nope'" in err


def test_evaluate_refuses_the_target_as_sensitive_column(split_csvs, capsys,
                                                         monkeypatch) -> None:
    train, holdout, synthetic = split_csvs
    code, _, err = run(["evaluate", "--real", str(train), "--synthetic", str(synthetic),
                        "--holdout", str(holdout), "--target", "segment", "--sensitive",
                        "segment"], capsys, monkeypatch)
    _assert_bad(code, err, "'segment' cannot be both the target and a sensitive column",
                "--sensitive")


def test_evaluate_names_the_quasi_identifier_option(split_csvs, capsys, monkeypatch) -> None:
    train, _, synthetic = split_csvs
    code, _, err = run(["evaluate", "--real", str(train), "--synthetic", str(synthetic),
                        "--quasi-identifier", "nosuch"], capsys, monkeypatch)
    _assert_bad(code, err, "'nosuch'", "--quasi-identifier")
    assert "quasi_identifiers column" not in err


def test_evaluate_summary_says_why_a_check_was_not_measured(
        tmp_path, split_csvs, capsys, monkeypatch) -> None:
    train, holdout, synthetic = split_csvs
    small = tmp_path / "small.csv"
    pd.read_csv(holdout).head(25).to_csv(small, index=False)  # 5 rows of one class
    code, out, err = run(["evaluate", "--real", str(train), "--synthetic", str(synthetic),
                          "--holdout", str(small), "--target", "active", "--sensitive",
                          "segment", "--seed", "1"], capsys, monkeypatch)
    assert code == 0, err
    line = next(x for x in out.splitlines() if x.strip().startswith("fairness_gap"))
    assert "skipped: needs at least 10 holdout rows of at least two 'active' classes" in line
    assert "n/a" not in out


def test_sample_where_keeps_only_matching_rows(tmp_path, model, capsys, monkeypatch) -> None:
    out = tmp_path / "plus.csv"
    code, _, err = run(["sample", str(model), "-n", "60", "-o", str(out), "-q",
                        "--where", "segment=plus", "--where", "active=true"], capsys, monkeypatch)
    assert code == 0, err
    rows = pd.read_csv(out)
    assert len(rows) == 60 and (rows["segment"] == "plus").all() and rows["active"].all()


def test_sample_where_errors_are_one_paragraph(tmp_path, model, capsys, monkeypatch) -> None:
    out = tmp_path / "x.csv"
    for where, expected in (("segment", "COLUMN=VALUE"), ("segment=vip", "no such category"),
                            ("nope=1", "does not have"), ("age=old", "give a number"),
                            ("age=30.5", "whole numbers"),
                            ("customer_id=3", "it is an id column")):
        code, _, err = run(["sample", str(model), "-n", "5", "-o", str(out), "--where", where],
                           capsys, monkeypatch)
        assert code == 2 and expected in err and "Traceback" not in err, (where, err)
        assert not out.exists()


def test_sample_where_the_same_column_twice_is_refused(tmp_path, model, capsys,
                                                       monkeypatch) -> None:
    out = tmp_path / "x.csv"
    code, _, err = run(["sample", str(model), "-n", "5", "-o", str(out), "--where",
                        "segment=plus", "--where", "segment=basic"], capsys, monkeypatch)
    assert code == 2 and "twice" in err and "Traceback" not in err and not out.exists()


def test_sample_where_takes_a_category_as_written(tmp_path, capsys, monkeypatch) -> None:
    # R writes logical columns padded: ' TRUE' / 'FALSE' (sampleSelection::Mroz87)
    data = tmp_path / "r.csv"
    pd.DataFrame({"level": [" high", "low"] * 40,
                  "x": np.arange(80.0)}).to_csv(data, index=False)
    model, out = tmp_path / "m.sim", tmp_path / "x.csv"
    assert run(["fit", str(data), "-o", str(model), "-q"], capsys, monkeypatch)[0] == 0
    for where, level in (("level= high", " high"), ("level = low", "low")):
        code, _, err = run(["sample", str(model), "-n", "6", "-o", str(out), "-q", "--where",
                            where], capsys, monkeypatch)
        assert code == 0, err
        assert (pd.read_csv(out, dtype=str)["level"] == level).all()


def test_sample_where_names_columns_with_spaces_and_equals_signs(tmp_path, capsys,
                                                                   monkeypatch) -> None:
    # QA sweep 15: ' lead' could not be named (stripped), 'a=b' was split at its own '='
    data = tmp_path / "odd.csv"
    pd.DataFrame({" lead": [1, 2] * 40, "a=b": ["x", "y"] * 40,
                  "v": np.arange(80.0)}).to_csv(data, index=False)
    model, out = tmp_path / "m.sim", tmp_path / "x.csv"
    assert run(["fit", str(data), "-o", str(model), "-q", "-s", "cart"], capsys,
               monkeypatch)[0] == 0
    code, _, err = run(["sample", str(model), "-n", "6", "-o", str(out), "-q", "--where",
                        " lead=2", "--where", "a=b=y"], capsys, monkeypatch)
    assert code == 0, err
    rows = pd.read_csv(out)
    assert (rows[" lead"] == 2).all() and (rows["a=b"] == "y").all()
    code, _, err = run(["sample", str(model), "-n", "6", "-o", str(out), "--where", "lid=2"],
                       capsys, monkeypatch)
    _assert_bad(code, err, "' lead'")  # names quoted, so their spaces show


def test_sample_writes_missing_cells_with_the_marker_read(tmp_path, capsys,
                                                          monkeypatch) -> None:
    data, model, out = tmp_path / "sas.csv", tmp_path / "m.sim", tmp_path / "s.csv"
    rows = [f"{i},{'.' if i % 3 == 0 else i % 7}" for i in range(90)]
    data.write_text("x,dose\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert run(["fit", str(data), "-o", str(model), "-q"], capsys, monkeypatch)[0] == 0
    assert run(["sample", str(model), "-n", "200", "-o", str(out), "-q"], capsys,
               monkeypatch)[0] == 0
    doses = [line.split(",")[1] for line in out.read_text(encoding="utf-8").splitlines()[1:]]
    assert "." in doses and "" not in doses


def test_rebalance_writes_marked_rows(tmp_path, capsys, monkeypatch) -> None:
    from simulacra import load_dataset

    data = tmp_path / "credit.csv"
    load_dataset("credit_data").to_csv(data, index=False)
    out = tmp_path / "balanced.csv"
    code, stdout, err = run(["rebalance", str(data), "--target", "Status", "--ratio", "0.8",
                             "--method", "smotenc", "-o", str(out), "--seed", "1", "--json",
                             "-q"], capsys, monkeypatch)
    assert code == 0, err
    frame = pd.read_csv(out)
    counts = frame["Status"].value_counts()
    assert counts["bad"] == int(0.8 * counts["good"])
    assert json.loads(stdout)["added"] == int(frame["synthetic"].sum()) > 0
    assert not frame.loc[~frame["synthetic"]].drop(columns="synthetic").isna().all(axis=1).any()


@pytest.mark.parametrize("method", ["smotenc", "generator"])
def test_rebalance_writes_the_original_rows_as_read(tmp_path, capsys, monkeypatch,
                                                     method: str) -> None:
    """Missing cells written "." (survival::bladder1) stay "." in the original rows, and the
    added rows write theirs so too."""
    rng = np.random.default_rng(0)
    n = 60
    size = rng.integers(1, 9, n).astype(str).astype(object)
    size[::3] = "."
    lines = ["id,size,ratio,label"] + [
        f"{i + 1},{size[i]},{'.' if i % 4 == 0 else f'{rng.random():.3f}'},"
        f"{'rare' if i % 5 == 0 else 'common'}" for i in range(n)]
    data = tmp_path / "t.csv"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "rb.csv"
    code, _, err = run(["rebalance", str(data), "--target", "label", "--method", method,
                        "-o", str(out), "--seed", "0", "-q"], capsys, monkeypatch)
    assert code == 0, err
    written = out.read_text(encoding="utf-8").splitlines()
    assert [line.rsplit(",", 1)[0] for line in written[: n + 1]] == lines
    added = pd.read_csv(out, dtype=str, keep_default_na=False).iloc[n:]
    assert len(added) > 0 and (added["synthetic"] == "True").all()
    assert (added[["size", "ratio"]] != "").all().all()
    assert (added[["size", "ratio"]] == ".").any().all()


def test_rebalance_bad_input_is_one_paragraph(tmp_path, data_csv, capsys, monkeypatch) -> None:
    out = tmp_path / "x.csv"
    code, _, err = run(["rebalance", str(data_csv), "--target", "nope", "-o", str(out)],
                       capsys, monkeypatch)
    assert code == 2 and "'nope'" in err and "Traceback" not in err
    assert not out.exists()
    code, _, err = run(["rebalance", str(data_csv), "--target", "segment", "--method", "magic",
                        "-o", str(out)], capsys, monkeypatch)
    assert code == 2 and "magic" in err


@pytest.mark.filterwarnings("always::simulacra.errors.FitWarning")
def test_our_warnings_are_one_paragraph_without_a_source_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "t.csv").write_text("a,\n1,x\n2,y\n3,z\n", encoding="utf-8")
    code, _, err = run(["schema", "infer", str(tmp_path / "t.csv"), "-o",
                        str(tmp_path / "s.json")], capsys, monkeypatch)
    assert code == 0
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Warning: ")
    assert "'Unnamed: 1'" in lines[0] and "warnings.warn" not in err


def test_dates_times_and_decimals_from_parquet_are_written_in_their_type(
        tmp_path, capsys, monkeypatch) -> None:
    import datetime as dt
    from decimal import Decimal

    import pyarrow.parquet as pq

    n = 120
    real = pd.DataFrame({
        "day": [dt.date(2021, 1, 1) + dt.timedelta(days=i % 50) for i in range(n)],
        "clock": [dt.time(9 + i % 3, 15) for i in range(n)],
        "price": [Decimal(f"{5 + (i % 20) / 4:.2f}") for i in range(n)],
    })
    real.loc[::9, ["day", "price"]] = None
    data = tmp_path / "orders.parquet"
    real.to_parquet(data)  # date32, time64 and decimal128 columns, read back as objects
    model = tmp_path / "m.sim"
    code, _, err = run(["fit", str(data), "-o", str(model), "-q"], capsys, monkeypatch)
    assert code == 0, err
    out_parquet, out_csv = tmp_path / "syn.parquet", tmp_path / "syn.csv"
    for out in (out_parquet, out_csv):
        code, _, err = run(["sample", str(model), "-n", "400", "-o", str(out), "--seed", "2",
                            "--chunk-rows", "150", "-q"], capsys, monkeypatch)
        assert code == 0, err
    types = {f.name: str(f.type) for f in pq.read_schema(out_parquet)}
    assert types["day"] == "date32[day]" and types["clock"].startswith("time64")
    assert types["price"].startswith("decimal128(") and types["price"].endswith(", 2)")
    text = pd.read_csv(out_csv, dtype=str, keep_default_na=False)
    assert text["day"].str.fullmatch(r"(\d{4}-\d\d-\d\d)?").all()  # no 00:00:00 times
    assert text["price"].str.fullmatch(r"(\d+\.\d\d)?").all()       # 12.50, not 12.5
    assert (text["price"] == "").any()


def test_terminated_sample_leaves_nothing(tmp_path, model) -> None:
    # SIGTERM (timeout, kill, a CI cancel) ended the process at once: the output's temporary
    # file stayed behind, 4.5 GB of it after `timeout` on a large -n (QA sweep 11)
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "big.csv"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "simulacra", "sample", str(model), "-n",
                             "100000000", "-o", str(out), "-q"], env=env,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(".big.csv.tmp-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(tmp_path.glob(".big.csv.tmp-*")), "sampling never started writing"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert "nothing half-written" in err and "Traceback" not in err
    assert not any(p.name.startswith((".big", "big")) for p in tmp_path.iterdir())


def test_schema_files_with_wrong_types_are_refused_when_read(tmp_path, data_csv, capsys,
                                                             monkeypatch) -> None:
    # "tables": null gave a TypeError traceback; an unknown dtype was saved in the model and
    # refused only at sample, naming no column (QA sweep 11)
    code, _, err = run(["schema", "infer", str(data_csv), "-o", str(tmp_path / "s.json")],
                       capsys, monkeypatch)
    assert code == 0, err
    schema = json.loads((tmp_path / "s.json").read_text())
    nulled = tmp_path / "nulled.json"
    nulled.write_text(json.dumps({**schema, "tables": None}))
    code, _, err = run(["fit", str(data_csv), "--schema", str(nulled), "-o",
                        str(tmp_path / "m.sim"), "-q"], capsys, monkeypatch)
    _assert_bad(code, err, "'tables' must be a list")
    column = schema["tables"][0]["columns"][1]
    column["dtype"] = "floaty"
    odd = tmp_path / "odd.json"
    odd.write_text(json.dumps(schema))
    code, _, err = run(["fit", str(data_csv), "--schema", str(odd), "-o",
                        str(tmp_path / "m.sim"), "-q"], capsys, monkeypatch)
    _assert_bad(code, err, repr(column["name"]), "'floaty' is not a dtype pandas knows")
    assert not (tmp_path / "m.sim").exists()


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_a_full_disk_is_named_as_such(tmp_path, model, suffix, capsys, monkeypatch) -> None:
    import errno

    from simulacra.data import _sinks

    def full(self, chunk):  # as the OS (CSV) and pyarrow (Parquet, no errno) report it
        if suffix == "csv":
            raise OSError(errno.ENOSPC, "No space left on device")
        raise OSError("Error writing bytes to file. Detail: [errno 28] No space left on device")

    monkeypatch.setattr(_sinks.CsvSink if suffix == "csv" else _sinks.ParquetSink, "write", full)
    out = tmp_path / f"o.{suffix}"
    code, _, err = run(["sample", str(model), "-n", "50", "-o", str(out), "-q"], capsys,
                       monkeypatch)
    _assert_bad(code, err, "the disk is full", repr(str(out)), "another disk")
    assert not any(p.name.startswith((".o.", "o.")) for p in tmp_path.iterdir())


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_a_file_over_the_size_limit_is_named_as_such(tmp_path, model, suffix, capsys,
                                                     monkeypatch) -> None:
    # EFBIG (ulimit -f) got the advice about paths: "must name a file in a folder you can..."
    import errno

    from simulacra.data import _sinks

    def too_large(self, chunk):  # as the OS (CSV) and pyarrow (Parquet, no errno) report it
        if suffix == "csv":
            raise OSError(errno.EFBIG, "File too large")
        raise OSError("Error writing bytes to file. Detail: [errno 27] File too large")

    monkeypatch.setattr(_sinks.CsvSink if suffix == "csv" else _sinks.ParquetSink, "write",
                        too_large)
    out = tmp_path / f"o.{suffix}"
    code, _, err = run(["sample", str(model), "-n", "50", "-o", str(out), "-q"], capsys,
                       monkeypatch)
    _assert_bad(code, err, "would exceed the largest file allowed", "ulimit -f",
                repr(str(out)), "Nothing was written")
    assert "folder you can write to" not in err
    assert not any(p.name.startswith((".o.", "o.")) for p in tmp_path.iterdir())


def test_gzipped_output_names_its_own_file(tmp_path, model, capsys, monkeypatch) -> None:
    import gzip

    out = tmp_path / "x.csv.gz"
    code, _, err = run(["sample", str(model), "-n", "5", "-o", str(out), "-q"], capsys,
                       monkeypatch)
    assert code == 0, err
    raw = out.read_bytes()
    assert raw[3] & 0x08 and raw[10:raw.index(b"\0", 10)] == b"x.csv"  # FNAME, not the tmp
    assert len(gzip.decompress(raw).decode().splitlines()) == 6


def test_options_are_named_in_their_errors(tmp_path, data_csv, model, capsys,
                                           monkeypatch) -> None:
    # each pointed elsewhere, or at a class name, or was not refused at all (QA sweep 11)
    code, _, err = run(["sample", str(model), "-n", "5", "-o", str(tmp_path / "x.csv"),
                        "--chunk-rows", "0", "-q"], capsys, monkeypatch)
    _assert_bad(code, err, "--chunk-rows", "got 0")
    code, _, err = run(["fit", str(data_csv), "-o", str(tmp_path / "m.sim"), "--target",
                        "ghost", "-q"], capsys, monkeypatch)
    _assert_bad(code, err, "--target names 'ghost'", "age")
    code, _, err = run(["fit", str(data_csv), "-o", str(tmp_path / "m.sim"), "--sensitive",
                        "ghost", "-q"], capsys, monkeypatch)
    _assert_bad(code, err, "--sensitive names 'ghost'")
    code, _, err = run(["evaluate", "--real", str(data_csv), "--synthetic", str(data_csv),
                        "--html", str(tmp_path / "r.csv"), "-q"], capsys, monkeypatch)
    _assert_bad(code, err, "--html writes an HTML page", "'.csv'")
    code, _, err = run(["evaluate", "--real", str(data_csv), "--synthetic", str(data_csv),
                        "--json", str(tmp_path / "r.html"), "-q"], capsys, monkeypatch)
    _assert_bad(code, err, "--json writes JSON", "'.html'")
    spec = tmp_path / "spec.yaml"
    code, out, _ = run(["mock", "--example"], capsys, monkeypatch)
    spec.write_text(out)
    for rows in ("0", "-3"):
        code, _, err = run(["mock", str(spec), "-n", rows, "-o", str(tmp_path / "mock")],
                           capsys, monkeypatch)
        _assert_bad(code, err, "-n is the rows of every root table", f"got {rows}")
    assert not (tmp_path / "mock").exists() and not (tmp_path / "x.csv").exists()
    code, out, err = run(["schema", "infer", str(data_csv), "-q"], capsys, monkeypatch)
    assert code == 0 and json.loads(out)["tables"], err


def test_quiet_evaluate_still_gives_its_result(tmp_path, data_csv, capsys, monkeypatch) -> None:
    # -q dropped the scorecard too: with no --html or --json the run's only result was lost;
    # and two copies of one table were rated poor fidelity as "a classifier tells them apart"
    code, out, err = run(["evaluate", "--real", str(data_csv), "--synthetic", str(data_csv),
                          "-q"], capsys, monkeypatch)
    assert code == 0, err
    assert "fidelity" in out and "synthetic rows repeat real ones" in out
    code, out, _ = run(["evaluate", "--real", str(data_csv), "--synthetic", str(data_csv),
                        "--json", str(tmp_path / "r.json"), "-q"], capsys, monkeypatch)
    assert code == 0 and out == "" and (tmp_path / "r.json").exists()
    code, _, err = run(["demo", "-o", str(tmp_path / "d"), "-q"], capsys, monkeypatch)
    assert code == 0 and (tmp_path / "d" / "report.html").exists(), err


def _edited_schema(tmp_path: Path, data_csv: Path, capsys, monkeypatch, edit) -> Path:
    path = tmp_path / "s.json"
    code, _, err = run(["schema", "infer", str(data_csv), "-o", str(path),
                        "--no-discover-constraints"], capsys, monkeypatch)
    assert code == 0, err
    spec = json.loads(path.read_text())
    edit(spec)
    path.write_text(json.dumps(spec))
    return path


def _fit_with(tmp_path: Path, data_csv: Path, schema: Path, capsys, monkeypatch,
              *more: str) -> tuple[int, str, str]:
    return run(["fit", str(data_csv), "--schema", str(schema), "-o", str(tmp_path / "m.sim"),
                "-q", *more], capsys, monkeypatch)


@pytest.mark.parametrize(("rule", "says"), [
    ({"kind": "inequality", "low": "segment", "high": "age"},
     "table 'people', constraint 2 (inequality, low: segment, high: age): Constraint"),
    ({"kind": "formula", "column": "income", "expression": "age +* 2"},
     "table 'people', constraint 2 (formula, column: income, expression: age +* 2): "
     "Constraint"),
])
def test_a_rule_refused_at_fit_names_the_file_table_and_number(tmp_path, data_csv, rule,
                                                                says, capsys,
                                                                monkeypatch) -> None:
    # QA sweep 13, D8: the message named neither the file, the table nor the rule's number
    def add(spec):
        spec["tables"][0]["constraints"] = [
            {"kind": "inequality", "low": "age", "high": "income"}, rule]
    schema = _edited_schema(tmp_path, data_csv, capsys, monkeypatch, add)
    code, _, err = _fit_with(tmp_path, data_csv, schema, capsys, monkeypatch)
    _assert_bad(code, err, f"{schema}: {says}", "Edit or remove that entry of 'constraints'")


@pytest.mark.parametrize(("name", "edit", "says"), [
    ("email", {"locale": "xx_YY"}, "Locale 'xx_YY' is not known to Faker"),
    ("customer_id", {"id_format": "C-{}{}", "dtype": "str"}, "id_format 'C-{}{}' is not "
     "supported"),
])
def test_a_locale_or_id_template_refused_names_the_column(tmp_path, data_csv, name, edit,
                                                          says, capsys, monkeypatch) -> None:
    def change(spec):
        next(c for c in spec["tables"][0]["columns"] if c["name"] == name).update(edit)
    schema = _edited_schema(tmp_path, data_csv, capsys, monkeypatch, change)
    code, _, err = _fit_with(tmp_path, data_csv, schema, capsys, monkeypatch)
    _assert_bad(code, err, f"{schema}: table 'people', column {name!r}: {says}")


def test_a_schema_of_two_tables_gives_advice_fit_can_follow(tmp_path, data_csv, capsys,
                                                            monkeypatch) -> None:
    def twice(spec):
        spec["tables"].append({**spec["tables"][0], "name": "other"})
    schema = _edited_schema(tmp_path, data_csv, capsys, monkeypatch, twice)
    code, _, err = _fit_with(tmp_path, data_csv, schema, capsys, monkeypatch)
    _assert_bad(code, err, "the schema has 2 tables (people, other), but `fit` learns one "
                "table", "Give the schema of this table alone")


@pytest.mark.filterwarnings("always::simulacra.errors.FitWarning")
def test_target_option_wins_over_the_schemas_target(tmp_path, data_csv, capsys,
                                                    monkeypatch) -> None:
    from simulacra.schema import Role
    from simulacra.synth import load_synthesizer

    def mark(spec):
        next(c for c in spec["tables"][0]["columns"] if c["name"] == "segment").update(
            role="target")
    schema = _edited_schema(tmp_path, data_csv, capsys, monkeypatch, mark)
    code, _, err = _fit_with(tmp_path, data_csv, schema, capsys, monkeypatch,
                             "--target", "age")
    assert code == 0, err
    assert "marks 'segment' as the target, and --target names 'age': --target wins" in err
    table = load_synthesizer(tmp_path / "m.sim").table_
    assert table.columns_with_role(Role.TARGET) == ["age"]


def test_schema_file_quirks_of_editors_and_paths(tmp_path, data_csv, capsys,
                                                 monkeypatch) -> None:
    schema = _edited_schema(tmp_path, data_csv, capsys, monkeypatch, lambda spec: None)
    schema.write_text(schema.read_text(), encoding="utf-8-sig")  # Notepad's BOM: read
    code, _, err = _fit_with(tmp_path, data_csv, schema, capsys, monkeypatch)
    assert code == 0, err
    code, _, err = _fit_with(tmp_path, data_csv, tmp_path, capsys, monkeypatch)
    _assert_bad(code, err, "is a folder. Give the schema JSON file")
    assert "output path" not in err


@pytest.mark.filterwarnings("always::simulacra.errors.FitWarning")
def test_an_edited_missing_share_is_told_at_fit(tmp_path, data_csv, capsys,
                                               monkeypatch) -> None:
    def edit(spec):
        next(c for c in spec["tables"][0]["columns"] if c["name"] == "income").update(
            missing_share=0.0)
    schema = _edited_schema(tmp_path, data_csv, capsys, monkeypatch, edit)
    code, _, err = _fit_with(tmp_path, data_csv, schema, capsys, monkeypatch)
    assert code == 0, err
    assert "Warning: Table 'people', column 'income': 'missing_share' is 0 in the schema" in err


def test_an_error_clears_the_bars(capsys) -> None:
    # fit's "schema" stage starts before the data check: its error stays one paragraph
    from simulacra._cli_progress import RichProgress

    with pytest.raises(ValueError), RichProgress() as progress:
        progress.start("schema", total=3)
        progress.advance()
        raise ValueError("bad data")
    assert capsys.readouterr().err == ""
    with RichProgress() as progress:  # without an error the bar stays
        progress.start("schema", total=3)
        progress.advance(3)
        progress.finish()
    assert "schema" in capsys.readouterr().err


def test_fit_shows_the_steps_before_the_trees(tmp_path, data_csv, capsys, monkeypatch) -> None:
    code, _, err = run(["fit", str(data_csv), "-o", str(tmp_path / "m.sim"), "--seed", "3"],
                       capsys, monkeypatch)
    assert code == 0, err
    assert "schema" in err and "3/3" in err and "prepare" in err and "7/7" in err
    assert "read MB" in err and "1/1" in err  # the file, before the steps of the fit
    assert err.index("read MB") < err.index("schema") < err.index("prepare") < err.index(
        "fit trees")


def _output_commands(tmp_path: Path, data_csv: Path, model: Path, out_dir: Path
                     ) -> dict[str, tuple[list[str], str]]:
    """Each command that writes a file: its arguments with the output in ``out_dir``, and the
    name of what ``simulacra.cli`` calls first for the work (which must not be reached)."""
    return {
        "fit": (["fit", str(data_csv), "-o", str(out_dir / "m.sim")], "read_table"),
        "sample": (["sample", str(model), "-n", "10", "-o", str(out_dir / "s.csv")],
                   "load_synthesizer"),
        "impute": (["impute", str(model), str(data_csv), "-o", str(out_dir / "i.csv")],
                   "load_synthesizer"),
        "rebalance": (["rebalance", str(data_csv), "--target", "segment", "-o",
                       str(out_dir / "r.csv")], "read_table"),
        "evaluate": (["evaluate", "--real", str(data_csv), "--synthetic", str(data_csv),
                      "--json", str(out_dir / "e.json")], "evaluate"),
    }


def _not_reached(*args, **kwargs):
    raise AssertionError("the work started before the output was checked")


@pytest.mark.parametrize("command", ["fit", "sample", "impute", "rebalance", "evaluate"])
def test_an_unwritable_output_folder_is_refused_before_the_work(
        tmp_path, data_csv, model, command, capsys, monkeypatch) -> None:
    # a full or read-only output was found only after the fit: 1.5 min at 200k rows
    import errno
    import os

    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    if os.geteuid() == 0:  # root writes anyway: the folder refuses new files as it would
        real_open = os.open

        def refusing(path, flags, *args, **kwargs):
            if str(path).startswith(str(locked)) and flags & os.O_CREAT:
                raise PermissionError(errno.EACCES, "Permission denied", str(path))
            return real_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(os, "open", refusing)
    args, first_step = _output_commands(tmp_path, data_csv, model, locked / "sub")[command]
    monkeypatch.setattr(f"simulacra.cli.{first_step}", _not_reached)
    try:
        code, _, err = run(args, capsys, monkeypatch)
    finally:
        locked.chmod(0o755)
    _assert_bad(code, err, "cannot use", repr(args[-1]), repr(str(locked)),
                "Permission denied", "a folder you can write to", "Nothing was done")
    assert list(locked.iterdir()) == []  # no probe left, no folder made


@pytest.mark.parametrize("command", ["fit", "sample", "impute", "rebalance", "evaluate"])
def test_a_full_output_disk_is_refused_before_the_work(tmp_path, data_csv, model, command,
                                                       capsys, monkeypatch) -> None:
    from simulacra.data import _io

    real_usage = _io.shutil.disk_usage
    monkeypatch.setattr(_io.shutil, "disk_usage",
                        lambda p: real_usage(p)._replace(free=300_000))
    out_dir = tmp_path / "out"
    args, first_step = _output_commands(tmp_path, data_csv, model, out_dir)[command]
    monkeypatch.setattr(f"simulacra.cli.{first_step}", _not_reached)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    code, _, err = run(args, capsys, monkeypatch)
    _assert_bad(code, err, repr(args[-1]), "full or nearly", "300.0 KB free", "another disk")
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_fit_refuses_an_output_under_a_file_or_a_folder_before_reading(
        tmp_path, data_csv, model, capsys, monkeypatch) -> None:
    monkeypatch.setattr("simulacra.cli.read_table", _not_reached)
    for out, says in ((model / "m.sim", f"under {str(model)!r}, which is a file"),
                      (tmp_path, "it is a folder")):
        code, _, err = run(["fit", str(data_csv), "-o", str(out)], capsys, monkeypatch)
        _assert_bad(code, err, f"cannot use {str(out)!r} (-o)", says)


@pytest.mark.filterwarnings("always::simulacra.errors.SimulacraWarning")
@pytest.mark.parametrize("synthesizer", ["cart", "copula"])
def test_fit_warns_when_a_cart_model_will_likely_not_fit(tmp_path, data_csv, synthesizer,
                                                         capsys, monkeypatch) -> None:
    from simulacra.data import _io

    real_usage = _io.shutil.disk_usage
    monkeypatch.setattr(_io.shutil, "disk_usage",
                        lambda p: real_usage(p)._replace(free=2_000_000))
    monkeypatch.setattr("simulacra.cli.MODEL_BYTES_PER_CELL", 2_000)  # 150 x 9: 2.7 MB
    out = tmp_path / "m.sim"
    code, _, err = run(["fit", str(data_csv), "-o", str(out), "-s", synthesizer, "-q"],
                       capsys, monkeypatch)
    assert code == 0 and out.exists(), err  # a warning: the fit goes on
    warned = "Warning: The model of 150 rows" in err
    assert warned == (synthesizer == "cart"), err
    if warned:
        assert "2.0 MB free" in err and "Ctrl-C" in err and err.count("\n") == 1, err
