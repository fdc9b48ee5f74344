"""The command line: the happy path, and every bad input gets exit 2 and one paragraph."""

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from simulacra.cli import main
from simulacra.testing import contract_table


def run(args: list[str], capsys, monkeypatch) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["simulacra", *args])
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


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


def test_model_not_ours(tmp_path, data_csv, capsys, monkeypatch) -> None:
    code, _, err = run(["sample", str(data_csv), "-n", "5", "-o", str(tmp_path / "x.csv")],
                       capsys, monkeypatch)
    _assert_bad(code, err, "not a simulacra model")


def test_unknown_synthesizer_and_bad_param(tmp_path, data_csv, capsys, monkeypatch) -> None:
    code, _, err = run(["fit", str(data_csv), "-o", str(tmp_path / "m.sim"), "-s", "gan"],
                       capsys, monkeypatch)
    _assert_bad(code, err, "'gan'", "cart")
    code, _, err = run(["fit", str(data_csv), "-o", str(tmp_path / "m.sim"), "-s", "cart",
                        "--param", "min_samples_leaf=-1"], capsys, monkeypatch)
    _assert_bad(code, err, "min_samples_leaf")


def test_interrupted_sample_leaves_nothing(tmp_path, model, capsys, monkeypatch) -> None:
    from simulacra.synth import _sampling

    real_iter = _sampling.iter_chunks

    def failing(*args, **kwargs):
        for i, chunk in enumerate(real_iter(*args, **kwargs)):
            if i == 2:
                raise KeyboardInterrupt
            yield chunk

    monkeypatch.setattr("simulacra.synth._base.iter_chunks", failing)
    out = tmp_path / "big.parquet"
    code, _, _ = run(["sample", str(model), "-n", "5000", "-o", str(out), "--chunk-rows", "1000",
                      "-q"], capsys, monkeypatch)
    assert code == 130
    assert list(tmp_path.glob("big*")) == [] and not any(
        p.name.startswith(".big") for p in tmp_path.iterdir())


def test_demo_writes_outputs(tmp_path, capsys, monkeypatch) -> None:
    code, _, err = run(["demo", "--out", str(tmp_path / "demo"), "-q"], capsys, monkeypatch)
    assert code == 0, err
    for name in ("synthetic.csv", "summary.txt", "model.sim"):
        assert (tmp_path / "demo" / name).exists()
    assert "Status" in (tmp_path / "demo" / "summary.txt").read_text()


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
