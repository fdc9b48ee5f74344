"""`sample --id-offset` and `impute`'s count of blank cells (QA18 defects 3 and 14)."""

import json
from pathlib import Path

import pandas as pd

from simulacra.testing import contract_table
from tests.cli._run import run


def test_batches_with_offsets_share_no_key(tmp_path: Path, capsys, monkeypatch) -> None:
    data = tmp_path / "people.csv"
    contract_table(150).to_csv(data, index=False)
    model = tmp_path / "m.sim"
    code, _, err = run(["fit", str(data), "-o", str(model), "--seed", "3", "-q", "-s", "cart"],
                       capsys, monkeypatch)
    assert code == 0, err
    frames = []
    for k, offset in enumerate((0, 0, 60)):
        out = tmp_path / f"b{k}.csv"
        code, _, err = run(["sample", str(model), "-n", "60", "-o", str(out), "--seed",
                            str(k + 1), "--id-offset", str(offset), "-q"], capsys, monkeypatch)
        assert code == 0, err
        frames.append(pd.read_csv(out)["customer_id"])
    assert set(frames[0]) == set(frames[1])  # every run starts at the same first id
    assert not set(frames[0]) & set(frames[2])
    code, _, err = run(["sample", str(model), "-n", "5", "-o", str(tmp_path / "x.csv"),
                        "--id-offset", "-1"], capsys, monkeypatch)
    assert code == 2 and "id-offset" in err
    # impute counts the columns the file lacks as blank
    known = tmp_path / "known.csv"
    contract_table(150).iloc[:4, :2].to_csv(known, index=False)
    code, stdout, err = run(["impute", str(model), str(known), "-o", str(tmp_path / "f.csv"),
                             "--json", "--seed", "1"], capsys, monkeypatch)
    assert code == 0, err
    width = contract_table(5).shape[1]
    assert json.loads(stdout)["blank_cells"] == 4 * (width - 2)


def test_database_batches_with_offsets_share_no_key(tmp_path: Path, capsys,
                                                    monkeypatch) -> None:
    folder = tmp_path / "shop"
    folder.mkdir()
    pd.DataFrame({"customer_id": range(1, 61), "segment": ["a", "b", "c"] * 20}).to_csv(
        folder / "customers.csv", index=False)
    pd.DataFrame({"order_id": range(1, 181), "customer_id": [1 + i % 60 for i in range(180)],
                  "amount": [float(i % 17) for i in range(180)]}).to_csv(
        folder / "orders.csv", index=False)
    model = tmp_path / "shop.sim"
    code, _, err = run(["fit", str(folder), "-o", str(model), "--seed", "1", "-q"], capsys,
                       monkeypatch)
    assert code == 0, err
    keys = []
    for k, offset in enumerate((0, 1000)):
        out = tmp_path / f"out{k}"
        code, _, err = run(["sample", str(model), "-o", str(out), "--seed", str(k),
                            "--id-offset", str(offset), "-q"], capsys, monkeypatch)
        assert code == 0, err
        keys.append(set(pd.read_parquet(out / "orders.parquet")["order_id"]))
    assert keys[0] and not keys[0] & keys[1]
