"""CSV files written back as read at their edges: separators at line ends, empty header cells,
R's bare ``NA`` in quoted text, month names in capitals, several missing markers."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulacra import Schema, infer_schema
from simulacra.data._io import TableWriter, read_table, write_table
from simulacra.errors import SchemaError
from tests.data._csv_samples import sampled


def _back(path: Path) -> str:
    """The text written back from ``path`` with everything its schema learned."""
    frame = read_table(path)
    out = path.with_name(f"back-{path.name}")
    write_table(frame, out, table=infer_schema(frame).tables[0])
    return out.read_bytes().decode("utf-8")


def _sampled(path: Path, n: int = 60) -> tuple[str, pd.DataFrame]:
    return sampled(path, n)


# ---- a separator at every line end -----------------------------------------------------------

def test_a_separator_at_every_line_end_is_written_back(tmp_path: Path) -> None:
    text = "".join(f"{d:02d}.01.2024;{d * 7};{d},5{d % 10};\r\n" for d in range(1, 29))
    text = "Datum;Menge;Preis;\r\n" + text
    (tmp_path / "x.csv").write_bytes(text.encode("utf-8"))
    frame = read_table(tmp_path / "x.csv")
    assert list(frame.columns) == ["Datum", "Menge", "Preis"]
    assert frame.attrs["csv_dialect"]["trailing_separator"] is True
    assert _back(tmp_path / "x.csv") == text
    raw, again = _sampled(tmp_path / "x.csv")
    assert all(line.endswith(";") for line in raw.split("\r\n")[:-1])
    assert list(again.columns) == ["Datum", "Menge", "Preis"]


def test_a_separator_at_line_ends_with_quoted_columns(tmp_path: Path) -> None:
    frame = pd.DataFrame({"name": ["Ada", None], "n": [1.5, 2.0]})
    with TableWriter(tmp_path / "t.csv", csv_dialect={
            "separator": ";", "quoted": ["name"], "trailing_separator": True}) as writer:
        writer.write(frame)
    assert (tmp_path / "t.csv").read_text() == '"name";"n";\n"Ada";1.5;\n;2.0;\n'


def test_a_named_last_column_or_one_with_values_is_no_trailing_separator(tmp_path: Path) -> None:
    (tmp_path / "v.csv").write_text("a;b;\n1,5;x;7\n2,5;y;\n")  # the last column has a value
    with pytest.warns(UserWarning, match="no name in the header row"):
        frame = read_table(tmp_path / "v.csv")
    assert frame.shape[1] == 3
    assert "trailing_separator" not in frame.attrs["csv_dialect"]


# ---- a header cell left empty (row names) ----------------------------------------------------

def test_pandas_row_index_header_is_written_back_empty(tmp_path: Path) -> None:
    text = ";price;kind\n" + "".join(f"{i};{i * 10 + 1},5;{'ab'[i % 2]}\n" for i in range(30))
    (tmp_path / "p.csv").write_text(text)
    with pytest.warns(UserWarning, match="row index saved with the data"):
        frame = read_table(tmp_path / "p.csv")
    assert frame.attrs["csv_dialect"]["unnamed"] == ["Unnamed: 0"]
    with pytest.warns(UserWarning):
        assert _back(tmp_path / "p.csv") == text
    # a model's sample: the header cell is empty again, and reads back under the same name
    with pytest.warns(UserWarning):
        raw, again = _sampled(tmp_path / "p.csv")
    assert raw.startswith(";price;kind\n")
    assert list(again.columns) == ["Unnamed: 0", "price", "kind"]
    assert again["Unnamed: 0"].is_unique


def test_r_row_names_in_quotes_are_written_back(tmp_path: Path) -> None:
    text = '"";"Ozone";"Station"\n' + "".join(
        f'"{i}";{i * 3};"{"Nord" if i % 3 else "Süd"}"\n' for i in range(1, 25))
    (tmp_path / "r.csv").write_text(text, encoding="utf-8")
    with pytest.warns(UserWarning, match="no name in the header row"):
        assert _back(tmp_path / "r.csv") == text


def test_new_dialect_keys_are_saved_only_when_set_and_checked(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text(";a;\n0;1,5;\n1;2,5;\n")
    with pytest.warns(UserWarning):
        schema = infer_schema(read_table(tmp_path / "x.csv"))
    saved = schema.to_dict()["tables"][0]["csv_dialect"]
    assert saved == {"separator": ";", "decimal": ",", "unnamed": ["Unnamed: 0"],
                     "trailing_separator": True}
    assert Schema.from_dict(schema.to_dict()) == schema
    plain = infer_schema(pd.DataFrame({"a": [1.5]})).to_dict()
    plain["tables"][0]["csv_dialect"] = {"separator": ";"}
    table = Schema.from_dict(plain).tables[0]
    assert set(table.to_dict()["csv_dialect"]) == {"separator"}  # defaults left out
    for dialect, says in (({"trailing_separator": "yes"}, "'trailing_separator' must be"),
                          ({"unnamed": "a"}, "'unnamed' must be a list of column names")):
        plain["tables"][0]["csv_dialect"] = dialect
        with pytest.raises(SchemaError, match=says):
            Schema.from_dict(plain)
    plain["tables"][0]["csv_dialect"] = {"unnamed": ["a", "gone"]}  # a column dropped
    assert Schema.from_dict(plain).tables[0].csv_dialect["unnamed"] == ["a"]


# ---- R's bare NA in a quoted text column -----------------------------------------------------

def test_a_bare_na_in_a_quoted_text_column_is_missing_and_a_quoted_one_text(
        tmp_path: Path) -> None:
    text = '"land";"n";"name"\n"NA";1;"Ada"\nNA;2;NA\n"EU";NA;"Bo"\n\n"NA";4;"Cy"\n'
    (tmp_path / "r.csv").write_text(text)
    frame = read_table(tmp_path / "r.csv")
    assert frame["land"].tolist()[:1] + frame["land"].tolist()[2:] == ["NA", "EU", "NA"]
    assert frame["land"].isna().tolist() == [False, True, False, False]
    assert frame["name"].isna().tolist() == [False, True, False, False]
    assert frame.attrs["missing_markers"] == {"n": "NA", "land": "NA", "name": "NA"}
    assert _back(tmp_path / "r.csv") == text.replace("\n\n", "\n")  # the blank line aside


def test_a_bare_na_outside_quoted_columns_stays_text(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("land,n\nNA,1\nEU,2\n")  # North America
    assert read_table(tmp_path / "t.csv")["land"].tolist() == ["NA", "EU"]


# ---- month names in capitals or small letters ------------------------------------------------

@pytest.mark.parametrize(("case", "fmt"), [(str.upper, "%d%^b%Y"), (str.lower, "%d%~b%Y")])
def test_sas_and_stata_month_names_keep_their_case(tmp_path: Path, case: object,
                                                   fmt: str) -> None:
    days = pd.date_range("2013-01-01", periods=90, freq="3D")
    rng = np.random.default_rng(0)
    text = "day,n\n" + "".join(f"{case(d.strftime('%d%b%Y'))},{rng.integers(9)}\n"  # type: ignore[operator]
                               for d in days)
    (tmp_path / "s.csv").write_text(text)
    assert _back(tmp_path / "s.csv") == text
    column = infer_schema(read_table(tmp_path / "s.csv")).tables[0].column("day")
    assert column.datetime_format == fmt
    raw, again = _sampled(tmp_path / "s.csv")
    written = [line.split(",")[0] for line in raw.splitlines()[1:]]
    assert all(re.fullmatch(r"\d\d[A-Za-z]{3}\d{4}", w) and case(w) == w  # type: ignore[operator]
               for w in written)
    assert infer_schema(again).tables[0].column("day").datetime_format == fmt


def test_title_case_month_names_keep_the_plain_format(tmp_path: Path) -> None:
    days = pd.date_range("2013-01-01", periods=40, freq="5D")
    (tmp_path / "t.csv").write_text("day\n" + "".join(f"{d:%d %b %Y}\n" for d in days))
    column = infer_schema(read_table(tmp_path / "t.csv")).tables[0].column("day")
    assert column.datetime_format == "%d %b %Y"


# ---- several missing markers in one column ---------------------------------------------------

def test_the_commonest_of_several_missing_markers_is_kept(tmp_path: Path) -> None:
    cells = ["1.25", "#N/A", "2.50", "#DIV/0!", "#N/A", "3.75", "#N/A", "4.00"]
    (tmp_path / "e.csv").write_text("ratio,n\n" + "".join(f"{c},{i}\n" for i, c in
                                                           enumerate(cells)))
    frame = read_table(tmp_path / "e.csv")
    assert frame["ratio"].isna().sum() == 4
    assert frame.attrs["missing_markers"] == {"ratio": "#N/A"}
    back = _back(tmp_path / "e.csv").splitlines()
    assert [line.split(",")[0] for line in back[1:]] == [
        "1.25", "#N/A", "2.50", "#N/A", "#N/A", "3.75", "#N/A", "4.00"]


def test_empty_cells_commoner_than_a_marker_keep_missing_cells_empty(tmp_path: Path) -> None:
    (tmp_path / "m.csv").write_text("a,b\n1,x\n,y\n.,z\n,w\n4,v\n")
    assert "missing_markers" not in read_table(tmp_path / "m.csv").attrs
    (tmp_path / "d.csv").write_text("a,b\n1,x\n.,y\n.,z\n,w\n4,v\n")  # the dot commoner
    assert read_table(tmp_path / "d.csv").attrs["missing_markers"] == {"a": "."}
