"""CSV files as spreadsheets in many locales write them: read as numbers, written back alike."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulacra import infer_schema
from simulacra.data._io import read_table, write_table
from simulacra.schema._text_format import number_format

NBSP, NNBSP = "\u00a0", "\u202f"


def _round_trip(path: Path, encoding: str = "utf-8") -> tuple[pd.DataFrame, str]:
    """The frame read from ``path`` and the text written back with what was learned."""
    frame = read_table(path, encoding=encoding)
    table = infer_schema(frame).tables[0]
    out = path.with_name(f"back-{path.name}")
    write_table(frame, out, text_formats=table.text_formats(),
                missing_markers=table.missing_texts(), csv_dialect=table.csv_dialect)
    dialect = table.csv_dialect or {"encoding": "utf-8"}
    return frame, out.read_bytes().decode(dialect["encoding"])


def test_french_excel_no_break_space_thousands_are_numbers_written_back_alike(
        tmp_path: Path) -> None:
    # French Excel: 1 234,50 € with a no-break space (U+00A0) between thousands and before
    # the €, 12,5 % likewise; newer locale data writes the narrow one (U+202F)
    text = (f"prix;surface;taux;solde\n"
            f"46{NBSP}200,00{NBSP}€;5{NNBSP}850;1,78{NBSP}%;-4{NBSP}569,88\n"
            f"980,50{NBSP}€;850;12,50{NBSP}%;-563,25\n"
            f"1{NBSP}042{NBSP}350,00{NBSP}€;12{NNBSP}000;0,05{NBSP}%;17,00\n")
    (tmp_path / "fr.csv").write_bytes(text.encode("cp1252", errors="strict")
                                      if NNBSP not in text else text.encode("utf-8"))
    frame, back = _round_trip(tmp_path / "fr.csv")
    assert frame["prix"].tolist() == [46200.0, 980.5, 1042350.0]
    assert frame["surface"].tolist() == [5850, 850, 12000]
    assert frame["taux"].tolist() == [1.78, 12.5, 0.05]
    assert frame["solde"].tolist() == [-4569.88, -563.25, 17.0]
    assert frame.attrs["text_formats"]["prix"] == f"{{:{NBSP}.2f}}{NBSP}€"
    assert frame.attrs["csv_dialect"]["decimal"] == ","
    assert back == text


def test_a_grouping_mark_in_a_text_format_is_kept_and_checked() -> None:
    fmt = number_format(f"{{:{NBSP}.2f}}{NBSP}€")
    assert fmt is not None and fmt.text(-1234567.5) == f"-1{NBSP}234{NBSP}567.50"
    assert str(fmt) == f"{{:{NBSP}.2f}}{NBSP}€"
    swiss = number_format("CHF {:'.2f}")
    assert swiss is not None and swiss.text(64595.21) == "64'595.21"
    assert number_format("{:,.2f}") is not None and number_format("{:x.2f}") is None


def test_swiss_apostrophe_thousands_are_numbers(tmp_path: Path) -> None:
    text = "saldo;kanton\n64'595.21;ZH\n-1'234.50;GE\n12.00;BE\n"
    (tmp_path / "ch.csv").write_text(text, encoding="utf-8")
    frame, back = _round_trip(tmp_path / "ch.csv")
    assert frame["saldo"].tolist() == [64595.21, -1234.5, 12.0]
    assert back == text


def test_thousands_dots_in_a_decimal_comma_file_are_whole_numbers(tmp_path: Path) -> None:
    # German Excel writes 3750 g as 3.750 beside 39,1: pandas alone read 3.75
    text = ("art;schnabel;masse;einwohner\n"
            "Adelie;39,1;3.750;198.712\n"
            "Gentoo;46,5;;2.944\n"
            "Chinstrap;50,0;800;12.345.678\n")
    (tmp_path / "de.csv").write_text(text, encoding="utf-8")
    frame, back = _round_trip(tmp_path / "de.csv")
    assert frame["masse"].tolist()[::2] == [3750.0, 800.0] and np.isnan(frame["masse"][1])
    assert frame["einwohner"].tolist() == [198712, 2944, 12345678]
    assert back == text


def test_thousands_dots_need_the_file_to_show_decimal_commas(tmp_path: Path) -> None:
    # nothing in the file says that the dot is not the decimal mark: 3.750 stays 3.75, and
    # 0.250 is never a thousand, even beside decimal commas
    (tmp_path / "a.csv").write_text("a;b\n3.750;x\n2.125;y\n", encoding="utf-8")
    assert read_table(tmp_path / "a.csv")["a"].tolist() == [3.75, 2.125]
    (tmp_path / "b.csv").write_text("a;b\n0.250;1,5\n2.125;2,5\n", encoding="utf-8")
    assert read_table(tmp_path / "b.csv")["a"].tolist() == [0.25, 2.125]


@pytest.mark.parametrize("marker", ["-", "\u2014", "\u2013", "#DIV/0!", "#VALUE!", "#N/A"])
def test_dashes_and_excel_errors_are_missing_among_numbers_and_words_elsewhere(
        tmp_path: Path, marker: str) -> None:
    text = f"ratio,note\n1.5,{marker}\n{marker},ok\n2.25,{marker}\n"
    (tmp_path / "d.csv").write_text(text, encoding="utf-8")
    frame, back = _round_trip(tmp_path / "d.csv")
    assert frame["ratio"].dtype == np.float64 and frame["ratio"].isna().tolist() == [
        False, True, False]
    assert frame["note"].tolist() == [marker, "ok", marker]
    assert back == text


def test_a_separator_at_every_line_end_is_kept_and_empty_rows_at_the_end_are_not_read(
        tmp_path: Path) -> None:
    # Excel writes a ';' at every line end when a column to the right was once used (no
    # column of the data, but written back so), and ';;' lines for rows cleared at the bottom
    text = "Datum;Menge;Preis;\r\n01.01.2024;3;4,50;\r\n02.01.2024;;12,00;\r\n;;;\r\n;;;\r\n\r\n"
    (tmp_path / "t.csv").write_text(text, encoding="utf-8", newline="")
    frame, back = _round_trip(tmp_path / "t.csv")
    assert list(frame.columns) == ["Datum", "Menge", "Preis"]
    assert len(frame) == 2
    assert back == text  # the ';;;' lines are the dialect's end_lines, written back
    # a named empty column, and empty rows in the middle, are the data's own
    (tmp_path / "u.csv").write_text("a,b,c\n1,,x\n,,\n2,,y\n", encoding="utf-8")
    kept = read_table(tmp_path / "u.csv")
    assert list(kept.columns) == ["a", "b", "c"] and len(kept) == 3


@pytest.mark.parametrize("dates", [["01JAN2013", "15FEB2013", "28DEC2013"],  # SAS DATE9.
                                   ["01jan2013", "15feb2013", "28dec2013"]])  # Stata %td
def test_sas_and_stata_dates_are_dates(tmp_path: Path, dates: list[str]) -> None:
    rows = "".join(f"{d},{i}\n" for i, d in enumerate(dates * 4))
    (tmp_path / "s.csv").write_text(f"fldate,n\n{rows}", encoding="utf-8")
    column = infer_schema(read_table(tmp_path / "s.csv")).tables[0].column("fldate")
    # the names' case is kept: %^b writes JAN, %~b jan
    fmt = "%d%^b%Y" if dates[0].isupper() else "%d%~b%Y"
    assert column.kind.value == "datetime" and column.datetime_format == fmt


def test_accounting_negatives_in_brackets_are_numbers_written_back_alike(tmp_path: Path) -> None:
    text = 'net,usd,half\n"(4,227.79)",($12.00),(3.5\n"15,007.99","$1,000.00",2.5)\n'
    (tmp_path / "a.csv").write_text(text, encoding="utf-8")
    frame, back = _round_trip(tmp_path / "a.csv")
    assert frame["net"].tolist() == [-4227.79, 15007.99]
    assert frame["usd"].tolist() == [-12.0, 1000.0]
    assert frame["half"].tolist() == ["(3.5", "2.5)"]  # brackets both or neither
    assert frame.attrs["text_formats"]["usd"] == "${:,.2f};(${:,.2f})"
    assert back == text
    fmt = number_format("${:,.2f};(${:,.2f})")
    assert fmt is not None and str(fmt) == "${:,.2f};(${:,.2f})"
    assert number_format("{:.2f};({:.1f})") is None  # the same field, or it is not a format


def test_the_separator_is_found_when_quoted_fields_span_lines(tmp_path: Path) -> None:
    # a ';' file whose first rows hold notes of two lines, as sampled output may have
    text = 'id;note;betrag\n1;"Zeile 1\nZeile 2";192,44\n2;"Zeile 1\nZeile 2";4,50\n3;ok;1,00\n'
    (tmp_path / "n.csv").write_text(text, encoding="utf-8")
    frame, back = _round_trip(tmp_path / "n.csv")
    assert frame["betrag"].tolist() == [192.44, 4.5, 1.0]
    assert back == text
    # the lines the separator is guessed from may end inside such a note
    long = "id;note;betrag\n" + "".join(f'{i};"Zeile 1\nZeile 2";{i},50\n' for i in range(60))
    (tmp_path / "long.csv").write_text(long, encoding="utf-8")
    assert read_table(tmp_path / "long.csv")["betrag"].iloc[-1] == 59.5
