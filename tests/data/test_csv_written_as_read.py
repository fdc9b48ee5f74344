"""CSV files written back as they were read: line ends, quotes, and numbers' layouts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from simulacra import Schema, infer_schema
from simulacra.data._io import TableWriter, read_table, write_table
from simulacra.errors import SchemaError


def _back(path: Path, encoding: str = "utf-8") -> bytes:
    """The bytes written back from ``path`` with everything its schema learned."""
    frame = read_table(path, encoding=encoding)
    out = path.with_name(f"back-{path.name}")
    write_table(frame, out, table=infer_schema(frame).tables[0])
    return out.read_bytes()


# ---- line ends and quotes --------------------------------------------------------------------

def test_excel_line_ends_are_written_back(tmp_path: Path) -> None:
    text = b"name,n,note\r\nAda,1,\"two\nlines\"\r\nBo,2,x\r\n"  # Excel: \n inside a value
    (tmp_path / "x.csv").write_bytes(text)
    frame = read_table(tmp_path / "x.csv")
    assert frame.attrs["csv_dialect"] == {"separator": ",", "decimal": ".",
                                          "encoding": "utf-8", "line_end": "\r\n"}
    assert frame["note"].tolist() == ["two\nlines", "x"]
    assert _back(tmp_path / "x.csv") == text
    (tmp_path / "lf.csv").write_bytes(b"a,b\n1,x\r\n2,y\n")  # mixed: not a file of \r\n
    assert "csv_dialect" not in read_table(tmp_path / "lf.csv").attrs


def test_quotes_around_every_text_field_are_written_back(tmp_path: Path) -> None:
    # R's write.csv2 and LibreOffice's "quote all text cells": the header and text in
    # quotes, numbers and missing values (R's NA) bare
    text = ('"name";"wert";"stadt";"n"\n"Ada";1,5;"Köln";3\n"Bo";NA;"Bad ""Ems""";4\n'
            '"Cy";2,25;"Ulm; Süd";NA\n')
    (tmp_path / "r.csv").write_text(text, encoding="utf-8")
    frame = read_table(tmp_path / "r.csv")
    assert frame.attrs["csv_dialect"]["quoted"] == ["name", "stadt"]
    assert frame["wert"].tolist()[::2] == [1.5, 2.25]
    assert frame["stadt"].tolist() == ["Köln", 'Bad "Ems"', "Ulm; Süd"]
    assert _back(tmp_path / "r.csv").decode("utf-8") == text
    every = '"a","b"\r\n"1","x"\r\n"2","y"\r\n'  # quotes around numbers too
    (tmp_path / "all.csv").write_text(every, encoding="utf-8", newline="")
    assert read_table(tmp_path / "all.csv").attrs["csv_dialect"]["quoted"] == ["a", "b"]
    assert _back(tmp_path / "all.csv").decode("utf-8") == every


@pytest.mark.parametrize("text", [
    'name,city\nAda,"Köln, Mitte"\nBo,Ulm\n',  # quotes only where needed
    '"name","city"\n"Ada",Köln\n"Bo","Ulm"\n',  # a column quoted here and not there
    'name,city\n"Ada","Köln"\n"Bo","Ulm"\n',  # a bare header
])
def test_quotes_only_where_needed_are_not_taken_for_a_style(tmp_path: Path, text: str) -> None:
    (tmp_path / "q.csv").write_text(text, encoding="utf-8")
    frame = read_table(tmp_path / "q.csv")
    assert "quoted" not in frame.attrs.get("csv_dialect", {})
    assert frame["city"].str.startswith("K").sum() == 1


def test_quoted_columns_are_written_in_chunks_and_missing_cells_stay_bare(tmp_path: Path) -> None:
    frame = pd.DataFrame({"name": ["Ada", None, 'say "hi"'], "n": [1.5, None, 3.25]})
    with TableWriter(tmp_path / "t.csv", csv_dialect={"quoted": ["name", "gone"],
                                                      "line_end": "\r\n"}) as writer:
        writer.write(frame.iloc[:2])
        writer.write(frame.iloc[2:])
    assert (tmp_path / "t.csv").read_bytes() == (
        b'"name","n"\r\n"Ada",1.5\r\n,\r\n"say ""hi""",3.25\r\n')


def test_line_ends_and_quotes_are_saved_in_the_schema_and_old_schemas_load(
        tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_bytes(b'"name";"n"\r\n"Ada";1,5\r\n"Bo";2\r\n')
    schema = infer_schema(read_table(tmp_path / "r.csv"))
    saved = schema.to_dict()["tables"][0]["csv_dialect"]
    assert saved == {"separator": ";", "decimal": ",", "line_end": "\r\n", "quoted": ["name"]}
    assert Schema.from_dict(schema.to_dict()) == schema
    old = schema.to_dict()
    old["tables"][0]["csv_dialect"] = {"separator": ";", "decimal": ","}  # session 25's
    table = Schema.from_dict(old).tables[0]
    assert table.csv_dialect == {"separator": ";", "decimal": ",", "encoding": "utf-8"}
    frame = pd.DataFrame({"name": ["Ada"], "n": [1.5]})
    write_table(frame, tmp_path / "old.csv", table=table)
    assert (tmp_path / "old.csv").read_bytes() == b"name;n\nAda;1,5\n"


@pytest.mark.parametrize(("dialect", "says"), [
    ({"line_end": "\r"}, "'line_end' must be"),
    ({"quoted": "name"}, "'quoted' must be a list of column names"),
    ({"quoted": ["a", "a"]}, "each once"),
])
def test_a_bad_line_end_or_quoted_list_is_a_schema_error(dialect: object, says: str) -> None:
    table = infer_schema(pd.DataFrame({"a": [1.5, 2.5]})).to_dict()
    table["tables"][0]["csv_dialect"] = dialect
    with pytest.raises(SchemaError, match=says):
        Schema.from_dict(table)
