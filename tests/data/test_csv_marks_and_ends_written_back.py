"""CSV files written back as read: cents shown only where there are some, a column's own
decimal mark, missing markers in quotes, and the empty lines at a file's end."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from simulacra import Schema, infer_schema, make_synthesizer
from simulacra.data._io import read_table, write_table
from simulacra.schema._text_format import number_format


def _back(path: Path, encoding: str = "utf-8") -> str:
    """The text written back from ``path`` with everything its schema learned."""
    frame = read_table(path, encoding=encoding)
    out = path.with_name(f"back-{path.name}")
    write_table(frame, out, table=infer_schema(frame).tables[0])
    return out.read_bytes().decode(encoding)


def _sampled(path: Path, n: int = 80) -> tuple[str, pd.DataFrame]:
    """A sample of a model fitted on ``path``, as written in its dialect, and read back."""
    frame = read_table(path)
    syn = make_synthesizer("independent", seed=0).fit(frame, infer_schema(frame))
    out = path.with_name(f"syn-{path.name}")
    write_table(syn.sample(n, seed=1), out, table=syn.table_)
    return out.read_bytes().decode("utf-8"), read_table(out)


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
