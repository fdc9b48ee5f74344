"""CSV files written back as they were read: line ends, quotes, and numbers' layouts."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulacra import Schema, infer_schema, make_synthesizer
from simulacra.data._io import TableWriter, read_table, write_table
from simulacra.errors import SchemaError
from tests.cli._run import run


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


# ---- thousands by plain spaces, currency codes -----------------------------------------------

def test_thousands_by_plain_spaces_are_numbers_and_identifiers_stay_text(tmp_path: Path) -> None:
    # Czech, Polish and Swedish exports group thousands by a plain space; postal codes
    # (110 00), ids (12 34) and phone numbers (612 345 678, all as long) are written so too
    text = ("castka;pocet;psc;id;tel\n1 234,50;12 500;110 00;12 34;612 345 678\n"
            "980,00;800;120 00;56 78;699 111 222\n12 345 678,25;1 000;130 00;90 12;600 222 333\n")
    (tmp_path / "cz.csv").write_text(text, encoding="utf-8")
    frame = read_table(tmp_path / "cz.csv")
    assert frame["castka"].tolist() == [1234.5, 980.0, 12345678.25]
    assert frame["pocet"].tolist() == [12500, 800, 1000]
    assert frame["psc"].tolist() == ["110 00", "120 00", "130 00"]
    assert frame["id"].tolist() == ["12 34", "56 78", "90 12"]
    assert frame["tel"].tolist() == ["612 345 678", "699 111 222", "600 222 333"]
    assert frame.attrs["text_formats"] == {"castka": "{: .2f}", "pocet": "{: .0f}"}
    assert _back(tmp_path / "cz.csv").decode("utf-8") == text


def test_currency_codes_before_or_after_are_numbers_written_back(tmp_path: Path) -> None:
    swiss = "betrag;saldo\nCHF 1'234.50;USD 12.00\nCHF 12.00;USD 7.25\n"
    (tmp_path / "ch.csv").write_text(swiss, encoding="utf-8")
    frame = read_table(tmp_path / "ch.csv")
    assert frame["betrag"].tolist() == [1234.5, 12.0] and frame["saldo"].tolist() == [12.0, 7.25]
    assert frame.attrs["text_formats"] == {"betrag": "CHF {:'.2f}", "saldo": "USD {:.2f}"}
    assert _back(tmp_path / "ch.csv").decode("utf-8") == swiss
    nordic = "summa;avgift\n1.234,50 kr;12,00 EUR\n2,00 kr;7,50 EUR\n"
    (tmp_path / "se.csv").write_text(nordic, encoding="utf-8")
    frame = read_table(tmp_path / "se.csv")
    assert frame["summa"].tolist() == [1234.5, 2.0] and frame["avgift"].tolist() == [12.0, 7.5]
    assert _back(tmp_path / "se.csv").decode("utf-8") == nordic


@pytest.mark.parametrize("values", [
    ["USD 12.00", "EUR 7.00"],  # two currencies: not one column of numbers
    ["USD 12.00", "7.00"],  # a code on some only
    ["Room 12", "Room 14"],  # a word that is no currency
    ["Gemeinde 1", "Gemeinde 2"],
])
def test_codes_that_are_not_one_currency_stay_text(tmp_path: Path, values: list[str]) -> None:
    (tmp_path / "t.csv").write_text("a,b\n" + "".join(f"{v},x\n" for v in values))
    assert read_table(tmp_path / "t.csv")["a"].tolist() == values


# ---- end to end: a model's sample written as the real file was ------------------------------

def _spreadsheet_export(path: Path, rows: int = 240) -> None:
    """A ``;`` file with \\r\\n, quoted text, space thousands, a code, e-notation, 55 and 55,5."""
    rng = np.random.default_rng(3)
    lines = ['"name";"stadt";"betrag";"preis";"p";"tisch"']
    for i in range(rows):
        amount = f"{rng.integers(1_000, 2_000_000):,}".replace(",", " ") + f",{i % 90 + 10}"
        table = f"{55 + i % 4}" if i % 3 else f"{55 + i % 4},5"
        lines.append(f'"K{i:03d}";"{rng.choice(["Brno", "Praha", "Ústí"])}";{amount};'
                     f"{rng.integers(1, 900)},{i % 9}0 EUR;{rng.lognormal(-6, 2):.3e};{table}")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))


def _kinds_and_dialect(path: Path) -> tuple[dict[str, str], dict[str, object] | None]:
    table = infer_schema(read_table(path)).tables[0]
    return {c.name: c.kind.value for c in table.columns}, table.csv_dialect


def test_a_cart_sample_is_written_as_the_real_file_was(tmp_path: Path) -> None:
    real = tmp_path / "real.csv"
    _spreadsheet_export(real)
    frame = read_table(real)
    schema = infer_schema(frame)
    table = schema.tables[0]
    assert table.csv_dialect == {"separator": ";", "decimal": ",", "encoding": "utf-8",
                                 "line_end": "\r\n", "quoted": ["name", "stadt"],
                                 "decimal_marks": {"p": "."}}  # 2.478e-03, as written
    assert table.text_formats() == {"betrag": "{: .2f}", "preis": "{:.2f} EUR",
                                    "p": "{:.3e}", "tisch": "{:.15g}"}
    syn = make_synthesizer("cart", seed=0).fit(frame, schema)
    write_table(syn.sample(300), tmp_path / "syn.csv", table=syn.table_)
    assert _kinds_and_dialect(tmp_path / "syn.csv") == _kinds_and_dialect(real)
    raw = (tmp_path / "syn.csv").read_bytes().decode("utf-8")
    lines = raw.split("\r\n")
    assert lines[0] == '"name";"stadt";"betrag";"preis";"p";"tisch"' and lines[-1] == ""
    cells = [line.split(";") for line in lines[1:-1]]
    assert all(c[1].startswith('"') and c[1].endswith('"') for c in cells)
    assert all(re.fullmatch(r"\d{1,3}(?: \d{3})*,\d\d", c[2]) for c in cells)
    assert all(re.fullmatch(r"\d+,\d0 EUR", c[3]) for c in cells)
    assert all(re.fullmatch(r"\d\.\d{3}e[+-]\d\d", c[4]) for c in cells)
    assert {c[5] for c in cells} <= {"55", "56", "57", "58", "55,5", "56,5", "57,5", "58,5"}


def test_cli_fit_and_sample_write_the_file_as_it_was_read(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = tmp_path / "real.csv"
    _spreadsheet_export(real)
    model, out = str(tmp_path / "m.sim"), tmp_path / "s.csv"
    assert run(["fit", str(real), "-o", model, "--quiet"], capsys, monkeypatch)[0] == 0
    assert run(["sample", model, "-n", "200", "-o", str(out), "--quiet"], capsys,
               monkeypatch)[0] == 0
    assert _kinds_and_dialect(out) == _kinds_and_dialect(real)
    text = out.read_bytes().decode("utf-8")
    assert text.startswith('"name";"stadt";') and text.count("\r\n") == 201
