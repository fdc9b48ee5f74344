"""CSV files written back as read: cents shown only where there are some, a column's own
decimal mark, missing markers in quotes, and the empty lines at a file's end."""

from __future__ import annotations

import csv
import gzip
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulacra import Column, Kind, Schema, Table, infer_schema
from simulacra.data._csv_layout import end_lines
from simulacra.data._io import read_table, write_table
from simulacra.errors import SchemaError
from simulacra.schema._text_format import number_format
from tests.data._csv_samples import sampled


def _back(path: Path, encoding: str = "utf-8") -> str:
    """The text written back from ``path`` with everything its schema learned."""
    frame = read_table(path, encoding=encoding)
    out = path.with_name(f"back-{path.name}")
    write_table(frame, out, table=infer_schema(frame).tables[0])
    return out.read_bytes().decode(encoding)


def _sampled(path: Path, n: int = 80) -> tuple[str, pd.DataFrame]:
    return sampled(path, n)


def _column(text: str, j: int, sep: str = ";") -> list[str]:
    return [line.split(sep)[j] for line in text.splitlines()[1:] if line.strip(sep)]


# ---- cents shown only where there are some -------------------------------------------------

def test_a_fixed_precision_with_a_tilde_writes_whole_numbers_bare() -> None:
    fmt = number_format("{:,.2f~}")
    assert fmt is not None and str(fmt) == "{:,.2f~}"
    assert [fmt.text(v) for v in (50177.0, 94992.6, 2.999, -3.0, 0.5)] == [
        "50,177", "94,992.60", "3", "-3", "0.50"]
    swiss = number_format("CHF {:'.2f~}")
    assert swiss is not None and str(swiss) == "CHF {:'.2f~}"
    assert swiss.text(1234.0) == "1'234"


def test_amounts_with_cents_beside_whole_ones_are_written_back(tmp_path: Path) -> None:
    values = ["50.177", "94.992,60", "4.014", "13.433,69", "96.143,40", "800", "5.176,05"]
    text = "Betrag;Typ\r\n" + "".join(f"{v};{'xy'[i % 2]}\r\n"
                                      for i, v in enumerate(values * 5))
    (tmp_path / "b.csv").write_bytes(text.encode("utf-8"))
    frame = read_table(tmp_path / "b.csv")
    assert frame["Betrag"].iloc[:2].tolist() == [50177.0, 94992.6]
    assert frame.attrs["text_formats"]["Betrag"] == "{:,.2f~}"
    assert _back(tmp_path / "b.csv") == text
    raw, again = _sampled(tmp_path / "b.csv")
    written = _column(raw, 0)
    # synthetic amounts: thousands by dots, two decimals after a comma or none
    assert all(re.fullmatch(r"\d{1,3}(\.\d{3})*(,\d\d)?", v) for v in written), written
    assert any("," in v for v in written)
    assert again["Betrag"].dtype.kind == "f"


# ---- a column's own decimal mark -------------------------------------------------------------

def _swiss_beside_euros(path: Path) -> str:
    swiss = [f"{1000 + 37.15 * i:,.2f}".replace(",", "'") for i in range(40)]
    rows = [f"CHF {swiss[i]};{i % 90 + 1},{i % 10}5 EUR;{0.25 + i / 64:.4f};{'ab'[i % 2]}\n"
            for i in range(40)]
    text = "Betrag;Gebuehr;Kurs;Ort\n" + "".join(rows)
    path.write_text(text)
    return text


def test_amounts_and_numbers_with_points_in_a_file_of_decimal_commas_keep_them(
        tmp_path: Path) -> None:
    text = _swiss_beside_euros(tmp_path / "ch.csv")
    assert "CHF 1'891.60;25,45 EUR;0.6250;a" in text
    frame = read_table(tmp_path / "ch.csv")
    assert frame.attrs["csv_dialect"]["decimal"] == ","
    assert frame.attrs["csv_dialect"]["decimal_marks"] == {"Kurs": ".", "Betrag": "."}
    assert frame.loc[24, ["Betrag", "Gebuehr", "Kurs"]].tolist() == [1891.6, 25.45, 0.625]
    assert _back(tmp_path / "ch.csv") == text
    raw, again = _sampled(tmp_path / "ch.csv")
    assert all(re.fullmatch(r"CHF \d{1,3}('\d{3})*\.\d\d", v) for v in _column(raw, 0))
    assert all(re.fullmatch(r"\d+,\d\d EUR", v) for v in _column(raw, 1))
    assert all(re.fullmatch(r"\d\.\d{4}", v) for v in _column(raw, 2))
    assert [again[c].dtype.kind for c in ("Betrag", "Gebuehr", "Kurs")] == ["f", "f", "f"]


def test_a_schema_saved_before_decimal_marks_writes_every_column_with_the_files_mark(
        tmp_path: Path) -> None:
    _swiss_beside_euros(tmp_path / "ch.csv")
    frame = read_table(tmp_path / "ch.csv")
    old = infer_schema(frame).to_dict()
    del old["tables"][0]["csv_dialect"]["decimal_marks"]
    write_table(frame.head(2), tmp_path / "old.csv", table=Schema.from_dict(old).tables[0])
    assert (tmp_path / "old.csv").read_text().splitlines()[1] == (
        "CHF 1'000,00;1,05 EUR;0,2500;a")


# ---- missing markers in quotes ---------------------------------------------------------------

def _quote_nonnumeric(path: Path, na_rep: str) -> str:
    """What pandas writes with ``QUOTE_NONNUMERIC`` and decimal commas: every text quoted."""
    rng = np.random.default_rng(5)
    ozone = rng.integers(1, 160, 60).astype(float)
    ozone[[3, 8, 21, 40]] = np.nan
    frame = pd.DataFrame({"Ozone": ozone, "Temp": rng.integers(55, 95, 60),
                          "Station": rng.choice(["Nord", "Süd"], 60)})
    frame.loc[[5, 30], "Station"] = None
    frame.to_csv(path, sep=";", decimal=",", quoting=csv.QUOTE_NONNUMERIC, na_rep=na_rep,
                 index=False)
    return path.read_text()


@pytest.mark.parametrize("na_rep", ["NA", ""])
def test_missing_markers_in_quotes_are_written_back_in_quotes(tmp_path: Path,
                                                               na_rep: str) -> None:
    text = _quote_nonnumeric(tmp_path / "q.csv", na_rep)
    assert text.splitlines()[4].startswith(f'"{na_rep}";')  # Ozone's 4th value, in quotes
    frame = read_table(tmp_path / "q.csv")
    assert frame["Ozone"].isna().sum() == 4
    assert frame.attrs["csv_dialect"]["quoted_missing"] == (
        ["Ozone"] if na_rep else ["Ozone", "Station"])  # "NA" in a text column is a value
    assert _back(tmp_path / "q.csv") == text
    raw, again = _sampled(tmp_path / "q.csv", n=200)
    ozone = _column(raw, 0)
    assert f'"{na_rep}"' in ozone and all(v.startswith('"') for v in ozone)
    assert again["Ozone"].isna().any() and again["Ozone"].dtype.kind == "f"


def test_r_writes_its_missing_cells_bare_and_they_stay_bare(tmp_path: Path) -> None:
    text = '"x";"city"\n' + "".join(
        f'"{i},5";{"NA" if i % 5 == 0 else chr(34) + "Graz" + chr(34)}\n' for i in range(30))
    (tmp_path / "r.csv").write_text(text)
    frame = read_table(tmp_path / "r.csv")
    assert frame["city"].isna().sum() == 6
    assert "quoted_missing" not in frame.attrs["csv_dialect"]
    assert _back(tmp_path / "r.csv") == text


# ---- empty lines at the end ------------------------------------------------------------------

@pytest.mark.parametrize(("tail", "ending"), [
    ("P1;2,5;0,1\r\n;;\r\n;;\r\n\r\n", ";;\r\n;;\r\n\r\n"),
    ("P1;2,5;\r\n\r\n", "\r\n"),  # the last row's empty cell is its own
    ("P1;2,5;0,1\n", ""),
    ("P1;2,5;0,1", ""),  # no line end after the last row
    (";;\r\n\r\n", ""),  # blank lines only: no row to count from
])
def test_end_lines_are_what_follows_the_last_row(tail: str, ending: str) -> None:
    assert end_lines(tail, ";") == ending


def test_blank_and_separator_lines_at_the_end_are_written_back(tmp_path: Path) -> None:
    rows = "".join(f"P{i};{i * 7 % 900},{i % 90 + 10};0,{i % 9 + 1}\r\n" for i in range(40))
    text = "Name;Wert;Anteil\r\n" + rows + ";;\r\n;;\r\n\r\n\r\n"
    (tmp_path / "e.csv").write_bytes(text.encode("utf-8"))
    frame = read_table(tmp_path / "e.csv")
    assert len(frame) == 40
    assert frame.attrs["csv_dialect"]["end_lines"] == ";;\r\n;;\r\n\r\n\r\n"
    assert _back(tmp_path / "e.csv") == text
    raw, again = _sampled(tmp_path / "e.csv", n=25)
    assert raw.endswith("\r\n;;\r\n;;\r\n\r\n\r\n") and len(again) == 25
    # written as a .tsv, the separator lines hold tabs
    table = infer_schema(frame).tables[0]
    write_table(frame.head(2), tmp_path / "e.tsv", table=table)
    assert (tmp_path / "e.tsv").read_bytes().decode().endswith(
        "P1\t7,11\t0,2\r\n\t\t\r\n\t\t\r\n\r\n\r\n")


def test_a_gzipped_file_keeps_its_end_lines_and_a_schema_refuses_values_there(
        tmp_path: Path) -> None:
    text = "a;b\n" + "".join(f"{i};{i},5\n" for i in range(30)) + "\n\n"
    with gzip.open(tmp_path / "g.csv.gz", "wt") as fh:
        fh.write(text)
    assert read_table(tmp_path / "g.csv.gz").attrs["csv_dialect"]["end_lines"] == "\n\n"
    with pytest.raises(SchemaError, match=r"Table 't'.*'end_lines' is what follows"):
        Table(name="t", columns=(Column(name="a", kind=Kind.NUMERICAL),),
              csv_dialect={"separator": ";", "end_lines": "1;2\n"})


def test_the_new_dialect_keys_survive_the_schema_json_and_a_dropped_column(
        tmp_path: Path) -> None:
    dialect = {"separator": ";", "decimal": ",", "encoding": "utf-8", "quoted": ["a", "b"],
               "decimal_marks": {"a": ".", "c": "."}, "quoted_missing": ["a", "b"],
               "end_lines": ";;\n"}
    columns = tuple(Column(name=n, kind=Kind.NUMERICAL) for n in "ab")
    table = Table(name="t", columns=columns, csv_dialect=dialect)
    assert table.csv_dialect == {**dialect, "decimal_marks": {"a": "."}}  # c is not a column
    schema = Schema(tables=(table,))
    assert Schema.from_json(schema.to_json()).tables[0].csv_dialect == table.csv_dialect


def test_more_separator_lines_than_the_end_looked_at_are_all_written_back(
        tmp_path: Path) -> None:
    text = "a;b;c\n" + "".join(f"{i};{i},5;x\n" for i in range(30)) + ";;\n" * 30_000
    (tmp_path / "long.csv").write_text(text)
    frame = read_table(tmp_path / "long.csv")
    assert len(frame) == 30 and frame.attrs["csv_dialect"]["end_lines"] == ";;\n" * 30_000
    assert _back(tmp_path / "long.csv") == text
