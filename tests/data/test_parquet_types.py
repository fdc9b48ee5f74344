"""A Parquet file's column types come back in the synthetic file, as the file stored them."""

from __future__ import annotations

import datetime
import decimal
import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from simulacra import Schema, infer_schema, read_table, write_table
from simulacra.errors import SchemaError
from simulacra.schema._arrow_types import arrow_type, arrow_type_text
from tests.cli._run import run

N = 300
# string_view is pyarrow >= 16's; large_string, also no type pandas writes its text as, before
CODE_TYPE = pa.string_view() if hasattr(pa, "string_view") else pa.large_string()
STORED = {  # the types pandas' values alone would not be written as
    "price": "decimal128(10, 2)",
    "small": "int8",  # with missing cells: float64 in pandas
    "opens": "time32[ms]",
    "colour": "dictionary<values=string, indices=int32, ordered=0>",
    "code": str(CODE_TYPE),
}


@pytest.fixture
def typed_parquet(tmp_path):
    r = np.random.default_rng(0)
    columns = {
        "price": pa.array([decimal.Decimal(f"{v:.2f}") for v in r.uniform(60, 130, N)],
                          pa.decimal128(10, 2)),
        "small": pa.array([None if k % 20 == 0 else int(v)
                           for k, v in enumerate(r.integers(-45, 50, N))], pa.int8()),
        "opens": pa.array([datetime.time(int(h), int(m))
                           for h, m in zip(r.integers(0, 24, N), r.integers(0, 60, N),
                                           strict=True)], pa.time32("ms")),
        "colour": pa.array(r.choice(["red", "green", "blue"], N)).dictionary_encode(),
        "code": pa.array(r.choice(["a", "bb", "ccc"], N).tolist(), CODE_TYPE),
        "x": pa.array(r.normal(size=N)),
    }
    path = tmp_path / "typed.parquet"
    pq.write_table(pa.table(columns), path)
    return path


def test_read_table_keeps_the_types_the_values_would_lose(typed_parquet) -> None:
    frame = read_table(typed_parquet)
    assert frame.attrs["parquet_types"] == STORED  # not x: a double is written as a double
    table = infer_schema(frame).table()
    assert table.parquet_types() == STORED
    again = Schema.from_json(infer_schema(frame).to_json()).table()
    assert again.parquet_types() == STORED


def test_sampled_parquet_has_the_real_files_types(typed_parquet, tmp_path, capsys,
                                                  monkeypatch) -> None:
    model, out = tmp_path / "m.sim", tmp_path / "out" / "synthetic.parquet"
    assert run(["fit", str(typed_parquet), "-o", str(model), "-q"], capsys, monkeypatch)[0] == 0
    code, _, err = run(["sample", str(model), "-n", "500", "-o", str(out), "-q"], capsys,
                       monkeypatch)
    assert code == 0, err
    real, synthetic = pq.read_schema(typed_parquet), pq.read_schema(out)
    assert [(f.name, f.type) for f in synthetic] == [(f.name, f.type) for f in real]
    written = pq.read_table(out)
    assert 0 < written.column("small").null_count < 500
    assert all(v.as_tuple().exponent == -2 for v in written.column("price").to_pylist())


def test_write_table_stores_a_tables_types(typed_parquet, tmp_path) -> None:
    frame = read_table(typed_parquet)
    out = tmp_path / "copy.parquet"
    write_table(frame, out, table=infer_schema(frame).table())
    assert pq.read_schema(out).types == pq.read_schema(typed_parquet).types
    plain = tmp_path / "plain.parquet"
    write_table(frame, plain)  # without a table: the values' own types
    assert pq.read_schema(plain).field("price").type != pa.decimal128(10, 2)


def test_values_that_no_longer_fit_the_type_keep_their_own(tmp_path) -> None:
    # a schema edited so that the column holds words: written as text, not refused
    table = infer_schema(pd.DataFrame({"v": ["a", "b"], "n": [1, 2]})).table()
    edited = Schema.from_json(json.dumps({
        **json.loads(Schema.single(table).to_json()),
        "tables": [{**table.to_dict(), "columns": [
            {**table.columns[0].to_dict(), "parquet_type": "int8"},
            table.columns[1].to_dict()]}]})).table()
    out = tmp_path / "x.parquet"
    write_table(pd.DataFrame({"v": ["a", "b"], "n": [1, 2]}), out, table=edited)
    stored = pq.read_schema(out).field("v").type
    assert pa.types.is_string(stored) or pa.types.is_large_string(stored)


def test_a_parquet_type_that_is_none_is_refused_naming_the_column() -> None:
    table = infer_schema(pd.DataFrame({"v": [1, 2]})).table()
    data = json.loads(Schema.single(table).to_json())
    data["tables"][0]["columns"][0]["parquet_type"] = "int9"
    with pytest.raises(SchemaError, match=r"Column 'v': 'parquet_type'.*'int9'"):
        Schema.from_json(json.dumps(data))


@pytest.mark.parametrize("type_", [
    pa.int8(), pa.uint64(), pa.float16(), pa.decimal128(38, 4), pa.decimal256(40, 3),
    pa.timestamp("ns", tz="Europe/Berlin"), pa.timestamp("us", tz="+02:00"), pa.time64("us"),
    pa.date64(), pa.duration("s"), pa.large_string(),
    *([pa.string_view()] if hasattr(pa, "string_view") else []),  # pyarrow >= 16
    pa.dictionary(pa.int8(), pa.large_string(), ordered=True)])
def test_type_text_reads_back(type_) -> None:
    text = arrow_type_text(type_)
    assert text is not None and arrow_type(text) == type_


def test_nested_types_have_no_text() -> None:
    assert arrow_type_text(pa.list_(pa.int8())) is None
    assert arrow_type_text(pa.struct([("a", pa.int8())])) is None
