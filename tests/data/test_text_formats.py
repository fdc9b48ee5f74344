"""CSV columns come back written as they were: ``12.50``, ``$1,234.50``, ``12.5%``, ``true``."""

from __future__ import annotations

import codecs
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulacra import Schema, infer_schema, make_synthesizer
from simulacra.data._io import TableWriter, read_table, write_table
from simulacra.data._text_formats import (
    amount_format,
    bool_format,
    decimals_format,
    duration_text,
)
from simulacra.errors import InvalidParameterError, SchemaError
from simulacra.schema._durations import duration_layout, parse_durations
from simulacra.schema._model import Column, Kind
from tests.cli._run import run

CLEAN = (
    "price,amount,share,flag,rate,qty\n"
    '12.50,"$1,234.50",12.5%,true,0.25,3\n'
    "3.00,-$12.00,7.0%,false,1.5,4\n"
    '7.25,"$10,000.00",,true,2.0,\n'
    ",$0.10,100.0%,,,5\n"
)


def test_formats_are_learned_when_a_csv_is_read(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text(CLEAN, encoding="utf-8")
    frame = read_table(tmp_path / "t.csv")
    assert frame.attrs["text_formats"] == {
        "price": "{:.2f}", "amount": "${:,.2f}", "share": "{:.1f}%", "flag": "true/false"}
    # the values are numbers and flags all the same
    np.testing.assert_array_equal(frame["amount"], [1234.5, -12.0, 10000.0, 0.1])
    assert frame["flag"].tolist()[:3] == [True, False, True]
    table = infer_schema(frame).table()
    assert table.text_formats() == frame.attrs["text_formats"]
    assert table.column("rate").text_format is None  # 1.5 and 2.0 differ in decimals


def test_a_format_seen_at_the_top_never_rounds_the_precision_further_down(
        tmp_path: Path) -> None:
    # modeldata::Chicago: temperatures with 1 decimal in the first 1,000 rows, 3 later on;
    # written "{:.1f}", sampled rows broke temp_change = temp_max - temp_min
    rows = [f"{10 + i % 50}.0" for i in range(1200)] + ["12.346", "7.5"]
    (tmp_path / "t.csv").write_text("t\n" + "\n".join(rows) + "\n", encoding="utf-8")
    frame = read_table(tmp_path / "t.csv")
    assert frame.attrs["text_formats"] == {"t": "{:.1f}"}  # what the top of the file shows
    column = infer_schema(frame).table().column("t")
    assert column.decimals == 3 and column.text_format is None


def test_a_column_empty_at_the_top_learns_its_format_further_down(tmp_path: Path) -> None:
    # openintro::mlb_teams: sacrifice_flies recorded only from later seasons, written 42.0
    rows = [f"{i}," for i in range(1500)] + [f"{i},{30 + i % 20}.0" for i in range(1500, 2000)]
    (tmp_path / "t.csv").write_text("year,flies\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert read_table(tmp_path / "t.csv").attrs["text_formats"] == {"flies": "{:.1f}"}


def test_a_csv_written_with_its_formats_reads_back_as_the_same_text(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text(CLEAN, encoding="utf-8")
    frame = read_table(tmp_path / "t.csv")
    formats = infer_schema(frame).table().text_formats()
    write_table(frame, tmp_path / "back.csv", text_formats=formats)
    assert (tmp_path / "back.csv").read_text(encoding="utf-8") == CLEAN
    write_table(frame, tmp_path / "plain.csv")  # without them: the plain numbers
    assert (tmp_path / "plain.csv").read_text().splitlines()[1] == "12.5,1234.5,12.5,True,0.25,3"


def test_schema_json_keeps_the_format_and_a_users_edit_wins(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text(CLEAN, encoding="utf-8")
    table = infer_schema(read_table(tmp_path / "t.csv")).table()
    schema = Schema.single(table.replace_column(
        Column(**{**table.column("flag").to_dict(), "text_format": "Y/N"})))
    (tmp_path / "s.json").write_text(schema.to_json(), encoding="utf-8")
    back = Schema.read(tmp_path / "s.json").table()
    assert back.text_formats() == {**table.text_formats(), "flag": "Y/N"}


@pytest.mark.parametrize(("kind", "fmt", "says"), [
    (Kind.NUMERICAL, "{:.2q}", "one Python format field"),
    (Kind.NUMERICAL, "{:.2f} and {:.2f}", "one Python format field"),
    (Kind.NUMERICAL, "{:.15g~}", "a '~' after a fixed precision"),  # g has no decimals to drop
    (Kind.BOOLEAN, "yes", "split by '/'"),
    (Kind.BOOLEAN, "Y/Y", "split by '/'"),
    (Kind.CATEGORICAL, "{:.2f}", "numerical and boolean columns"),
])
def test_a_format_that_cannot_apply_is_a_schema_error(kind: Kind, fmt: str, says: str) -> None:
    with pytest.raises(SchemaError, match="'x'") as err:
        Column(name="x", kind=kind, text_format=fmt)
    assert says in str(err.value)


def test_streamed_chunks_keep_missing_cells_empty_and_zero_unsigned(tmp_path: Path) -> None:
    formats = {"a": "${:,.2f}", "b": "{:.1f}%", "f": "Y/N"}
    with TableWriter(tmp_path / "t.csv", text_formats=formats) as writer:
        writer.write(pd.DataFrame({"a": [-1234.5, np.nan], "b": [-0.01, 5.0],
                                   "f": pd.array([True, None], dtype="boolean")}))
        writer.write(pd.DataFrame({"a": [0.004, 2.0], "b": [np.nan, 99.95],
                                   "f": pd.array([False, True], dtype="boolean")}))
    assert (tmp_path / "t.csv").read_text().splitlines() == [
        "a,b,f", '"-$1,234.50",0.0%,Y', ",5.0%,", "$0.00,,N", "$2.00,100.0%,Y"]


def test_parquet_ignores_text_formats(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": [1.5, 2.0]})
    write_table(frame, tmp_path / "t.parquet", text_formats={"a": "${:,.2f}"})
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "t.parquet"), frame)


@pytest.mark.parametrize(("texts", "fmt"), [
    (["12.50", "3.00", "-7.25"], "{:.2f}"),
    (["12.25", "3.75"], None),  # no trailing zero: the default text is already right
    (["12.50", "3.5"], None),  # decimals differ
    (["1e-05", "2.50"], None),
    (["3.437e-02", "1.200e+05", "-2.5e-03"], "{:.3e}"),  # scientific: the most decimals
    (["3.44E-02", "1E+05"], "{:.2E}"),
    (["55", "55.5", "0.25"], "{:.15g}"),  # whole numbers bare beside decimals
    (["55", "55.50", "0.25"], "{:.2f~}"),  # ... and two decimals where there are decimals
    (["55", "55.5", "0.20"], "{:.15g}"),  # decimals as long as they need: g writes 0.2
    (["55", "55.0", "0.25"], None),  # a whole number written with decimals
    (["55", "0.00001"], None),  # g would write 1e-05
])
def test_decimals_format(texts: list[str], fmt: str | None) -> None:
    assert decimals_format(pd.Series(texts)) == fmt


@pytest.mark.parametrize(("texts", "fmt"), [
    (["$1,234.50", "-$12.00"], "${:,.2f}"),
    (["€12", "€ 7", "€3"], "€{:.0f}"),
    (["12.5 %", "7.25 %"], "{:.2f} %"),
    (["$5.0", "$1,000.5"], "${:,.1f}"),
    (["$5", "$1,000.5"], "${:,.15g}"),  # whole amounts bare: written so
    (["$5", "$1,000.50", "$1.25"], "${:,.2f~}"),  # ... beside ones with cents, zeros and all
])
def test_amount_format(texts: list[str], fmt: str) -> None:
    assert amount_format(pd.Series(texts)) == fmt


@pytest.mark.parametrize(("texts", "fmt"), [
    (["true", "false", "true"], "true/false"),
    (["TRUE", "TRUE"], "TRUE/FALSE"),
    (["True", "False"], None),
])
def test_bool_format(texts: list[str], fmt: str | None) -> None:
    assert bool_format(pd.Series(texts)) == fmt


def test_cli_fit_and_sample_write_synthetic_values_in_the_real_format(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(0)
    n = 300
    rows = ["price,amount,paid"]
    for _ in range(n):
        amount = rng.uniform(-500, 20_000)
        sign = "-" if amount < 0 else ""
        rows.append(f'{rng.integers(1, 40) / 4:.2f},"{sign}${abs(amount):,.2f}",'
                    f'{"TRUE" if rng.random() < 0.5 else "FALSE"}')
    (tmp_path / "d.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    model, out = str(tmp_path / "m.sim"), str(tmp_path / "s.csv")
    data = str(tmp_path / "d.csv")
    assert run(["fit", data, "-o", model, "--quiet"], capsys, monkeypatch)[0] == 0
    assert run(["sample", model, "-n", "500", "-o", out, "--quiet"], capsys, monkeypatch)[0] == 0
    text = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert text["price"].str.fullmatch(r"\d+\.\d\d").all()
    assert text["price"].str.endswith("0").any()
    assert text["amount"].str.fullmatch(r"-?\$\d{1,3}(,\d{3})*\.\d\d").all()
    assert set(text["paid"]) == {"TRUE", "FALSE"}


def test_a_synthesizers_table_carries_the_formats(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text(CLEAN, encoding="utf-8")
    frame = read_table(tmp_path / "t.csv")
    syn = make_synthesizer("independent", seed=0).fit(frame, infer_schema(frame))
    assert syn.table_.text_formats()["amount"] == "${:,.2f}"


# ---- the file's dialect: separator and decimal mark (3,75 in a ; file) ----------------------

EUROPEAN = ("name;preis;menge;rabatt;umsatz;anteil\n"
            "Apfel;1,50;3;0,125;1.234,50 €;12,5 %\n"
            "Birne;12,25;1;;-12,00 €;0,0 %\n"
            "Kiwi;0,90;12;2,5;2.000.000,00 €;100,0 %\n")


def test_a_semicolon_csv_keeps_its_dialect_and_trailing_zeros(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text(EUROPEAN, encoding="utf-8")
    frame = read_table(tmp_path / "t.csv")
    dialect = {"separator": ";", "decimal": ",", "encoding": "utf-8"}
    assert frame.attrs["csv_dialect"] == dialect
    table = infer_schema(frame).tables[0]
    assert table.csv_dialect == dialect
    assert frame["umsatz"].tolist() == [1234.5, -12.0, 2_000_000.0]
    assert frame["anteil"].tolist() == [12.5, 0.0, 100.0]
    assert table.text_formats() == {"preis": "{:.2f}",  # 1,50: two places, like 1.50
                                    "umsatz": "{:,.2f} €", "anteil": "{:.1f} %"}
    write_table(frame, tmp_path / "back.csv", text_formats=table.text_formats(),
                csv_dialect=table.csv_dialect)
    assert (tmp_path / "back.csv").read_text(encoding="utf-8") == EUROPEAN
    write_table(frame, tmp_path / "like.csv", table=table)  # the same, in one argument
    assert (tmp_path / "like.csv").read_text(encoding="utf-8") == EUROPEAN
    write_table(frame, tmp_path / "us.csv", table=table, csv_dialect={})  # given ones win
    assert (tmp_path / "us.csv").read_text(encoding="utf-8").splitlines()[1].startswith(
        "Apfel,1.50,3,0.125,")
    with pytest.raises(InvalidParameterError, match="schema Table"):
        write_table(frame, tmp_path / "x.csv", table=infer_schema(frame))  # type: ignore[arg-type]
    as_json = infer_schema(frame).to_dict()
    assert as_json["tables"][0]["csv_dialect"] == {"separator": ";", "decimal": ","}
    assert Schema.from_dict(as_json).tables[0].csv_dialect == dialect


def test_a_byte_order_mark_or_another_encoding_is_written_back(tmp_path: Path) -> None:
    text = "name,stadt\nJörg,Köln\nAnnä,Düsseldorf\n"
    (tmp_path / "bom.csv").write_bytes(text.encode("utf-8-sig"))
    (tmp_path / "ansi.csv").write_bytes(text.encode("cp1252"))
    for name, encoding, read_as in [("bom.csv", "utf-8-sig", "utf-8"),
                                    ("ansi.csv", "cp1252", "cp1252")]:
        frame = read_table(tmp_path / name, encoding=read_as)
        assert frame["stadt"].tolist() == ["Köln", "Düsseldorf"]
        table = infer_schema(frame).tables[0]
        assert table.csv_dialect == {"separator": ",", "decimal": ".", "encoding": encoding}
        write_table(frame, tmp_path / f"out-{name}", csv_dialect=table.csv_dialect)
        assert (tmp_path / f"out-{name}").read_bytes() == (tmp_path / name).read_bytes()
    greek = pd.DataFrame({"name": ["Ωmega"]})
    with pytest.raises(InvalidParameterError, match=r"cannot be written in cp1252.*'Ω'"):
        write_table(greek, tmp_path / "g.csv", csv_dialect={"encoding": "cp1252"})
    assert not list(tmp_path.glob("*g.csv*"))  # nothing half-written
    with pytest.raises(InvalidParameterError, match=r"cannot be written in cp1252"), \
            TableWriter(tmp_path / "s.csv", csv_dialect={"encoding": "cp1252"}) as writer:
        writer.write(greek)
    assert not list(tmp_path.glob("*s.csv*"))


def test_a_plain_csv_has_no_dialect_and_a_semicolon_one_without_decimals_keeps_its_separator(
        tmp_path: Path) -> None:
    (tmp_path / "plain.csv").write_text("a,b\n1.5,x\n2.5,y\n", encoding="utf-8")
    assert "csv_dialect" not in read_table(tmp_path / "plain.csv").attrs
    assert "csv_dialect" not in infer_schema(read_table(tmp_path / "plain.csv")).to_dict()[
        "tables"][0]
    (tmp_path / "semi.csv").write_text("a;b\n1.5;x\n2;y\n", encoding="utf-8")
    assert read_table(tmp_path / "semi.csv").attrs["csv_dialect"] == {
        "separator": ";", "decimal": ".", "encoding": "utf-8"}
    (tmp_path / "t.tsv").write_text("a\tb\n1.5\tx\n2\ty\n", encoding="utf-8")
    assert "csv_dialect" not in read_table(tmp_path / "t.tsv").attrs  # a .tsv is tabs anyway


def test_a_semicolon_csv_still_reads_us_amounts_and_a_comma_csv_a_trailing_currency(
        tmp_path: Path) -> None:
    (tmp_path / "semi.csv").write_text("a;b\n$1,234.50;x\n$2.00;y\n", encoding="utf-8")
    assert read_table(tmp_path / "semi.csv")["a"].tolist() == [1234.5, 2.0]
    (tmp_path / "comma.csv").write_text('a,b\n"1,234.50 €",x\n2.00 €,y\n', encoding="utf-8")
    frame = read_table(tmp_path / "comma.csv")
    assert frame["a"].tolist() == [1234.5, 2.0]
    assert frame.attrs["text_formats"]["a"] == "{:,.2f} €"


def test_a_tab_file_reads_decimal_commas_when_a_column_shows_them(tmp_path: Path) -> None:
    european = "a\tb\tc\n1,5\tx\t1,234\n2,25\ty\t2,000\n"  # 1,5: so 1,234 is 1.234
    us = "a\tc\n1234\t1,234\n2000\t2,000\n"  # nothing says otherwise: 1,234 is 1234
    for name, text, c, dialect in [
            ("eu.tsv", european, [1.234, 2.0], {"separator": "\t", "decimal": ",",
                                                "encoding": "utf-8"}),
            ("us.tsv", us, [1234.0, 2000.0], None)]:
        (tmp_path / name).write_text(text, encoding="utf-8")
        frame = read_table(tmp_path / name)
        assert frame["c"].tolist() == c
        assert frame.attrs.get("csv_dialect") == dialect
        write_table(frame, tmp_path / f"out-{name}", csv_dialect=dialect,
                    text_formats=frame.attrs["text_formats"])
        assert (tmp_path / f"out-{name}").read_text(encoding="utf-8") == text


def test_a_comma_file_with_quoted_decimal_commas_reads_and_writes_them(tmp_path: Path) -> None:
    # LibreOffice in a German locale: comma-separated, decimal commas quoted; they were
    # read as categories, and a comma separator with a decimal comma was refused
    text = 'name,weight,kg\nAda,"39,1",12\nBo,"40,25",7\nCy,41,3\n'
    (tmp_path / "lo.csv").write_text(text, encoding="utf-8")
    frame = read_table(tmp_path / "lo.csv")
    assert frame["weight"].tolist() == [39.1, 40.25, 41.0]
    table = infer_schema(frame).tables[0]
    assert table.csv_dialect == {"separator": ",", "decimal": ",", "encoding": "utf-8"}
    write_table(frame, tmp_path / "back.csv", table=table)
    assert (tmp_path / "back.csv").read_text(encoding="utf-8") == text  # 41 stays bare
    assert read_table(tmp_path / "back.csv")["weight"].tolist() == [39.1, 40.25, 41.0]
    us = 'name,amount\nAda,"1,234"\nBo,"2,000"\n'  # thousands, the US way: nothing says else
    (tmp_path / "us.csv").write_text(us, encoding="utf-8")
    assert read_table(tmp_path / "us.csv")["amount"].tolist() == [1234.0, 2000.0]


def test_decimal_commas_swap_the_marks_of_formatted_amounts_and_keep_text(tmp_path: Path) -> None:
    frame = pd.DataFrame({"amount": [1234.5, 2.0], "ratio": [0.25, np.nan],
                          "note": ["1.5 kg, dry", "x"], "n": [1, 2]})
    with TableWriter(tmp_path / "t.tsv", text_formats={"amount": "${:,.2f}"},
                     csv_dialect={"separator": ";", "decimal": ","}) as writer:
        writer.write(frame.iloc[:1])
        writer.write(frame.iloc[1:])
    assert (tmp_path / "t.tsv").read_text(encoding="utf-8") == (
        "amount\tratio\tnote\tn\n$1.234,50\t0,25\t1.5 kg, dry\t1\n$2,00\t\tx\t2\n")


@pytest.mark.parametrize(("dialect", "says"), [
    ({"separator": ":"}, "'separator' must be one of"),
    ({"decimal": "·"}, "'decimal' must be"),
    ({"sep": ";"}, "unknown key"),
    ({"encoding": "klingon"}, "'encoding' must be a Python codec name"),
    (";", "must be an object"),
])
def test_a_csv_dialect_that_cannot_be_written_is_a_schema_error(dialect: object,
                                                                says: str) -> None:
    table = infer_schema(pd.DataFrame({"a": [1.5, 2.5]})).to_dict()
    table["tables"][0]["csv_dialect"] = dialect
    with pytest.raises(SchemaError, match=says):
        Schema.from_dict(table)


def test_cli_sample_rebalance_and_pii_write_the_dialect_they_read(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(0)
    rows = ["kunde;email;betrag;klasse"] + [
        f"K{i};k{i}@example.de;{rng.integers(100, 9_000) / 100:.2f}".replace(".", ",")
        + f";{'a' if i % 5 else 'b'}" for i in range(200)]
    data = tmp_path / "d.csv"
    data.write_text("\n".join(rows) + "\n", encoding="utf-8-sig")  # as spreadsheets save
    model = str(tmp_path / "m.sim")
    assert run(["fit", str(data), "-o", model, "--quiet"], capsys, monkeypatch)[0] == 0
    outputs = {"s.csv": ["sample", model, "-n", "300"],
               "r.csv": ["rebalance", str(data), "--target", "klasse"],
               "p.csv": ["pii", str(data)]}
    for name, args in outputs.items():
        assert run([*args, "-o", str(tmp_path / name), "--quiet"], capsys, monkeypatch)[0] == 0
        text = pd.read_csv(tmp_path / name, sep=";", dtype=str, keep_default_na=False)
        assert text["betrag"].str.fullmatch(r"\d+,\d\d").all(), name
        assert (tmp_path / name).read_bytes().startswith(codecs.BOM_UTF8), name
    assert run(["sample", model, "-n", "5", "-o", str(tmp_path / "s.parquet"), "--quiet"],
               capsys, monkeypatch)[0] == 0
    assert pd.read_parquet(tmp_path / "s.parquet")["betrag"].dtype == np.float64


# ---- durations (38:31:00) -------------------------------------------------------------------


@pytest.mark.parametrize(("layout", "seconds", "text"), [
    ("[h]:mm:ss", [138660, 3723, 0, 86400 * 9 + 5], ["38:31:00", "1:02:03", "0:00:00",
                                                      "216:00:05"]),
    ("[hh]:mm:ss", [3723, 360000], ["01:02:03", "100:00:00"]),
    ("[m]:ss", [1327, 3723, 59.6], ["22:07", "62:03", "1:00"]),  # rounded, then carried
    ("[h]:mm:ss.00", [3723.5, 59.996, -61.25], ["1:02:03.50", "0:01:00.00", "-0:01:01.25"]),
])
def test_durations_are_written_in_their_layout(layout: str, seconds: list[float],
                                               text: list[str]) -> None:
    found = duration_layout(layout)
    assert found is not None
    assert duration_text(np.array(seconds, dtype=float), found).to_pylist() == text


@pytest.mark.parametrize(("layout", "seconds", "text"), [
    ("[d] days hh:mm:ss", [245876, 5, -1, -172800, 0, -90061.4],
     ["2 days 20:17:56", "0 days 00:00:05", "-1 days +23:59:59", "-2 days +00:00:00",
      "0 days 00:00:00", "-2 days +22:58:59"]),
    ("[d] days hh:mm:ss.000000", [1.5, 86400, -0.25],
     ["0 days 00:00:01.500000", "1 days 00:00:00.000000", "-1 days +23:59:59.750000"]),
    ("[d] days hh:mm:ss.000000~", [1.5, 86400], ["0 days 00:00:01.500000", "1 days 00:00:00"]),
    ("[d] days", [86400, 1036800, -86400, 129000], ["1 days", "12 days", "-1 days", "1 days"]),
    ("PnDTnHnMnS", [3600, 245876, 0, -1], ["P0DT1H0M0S", "P2DT20H17M56S", "P0DT0H0M0S",
                                          "P-1DT23H59M59S"]),
    ("PnDTnHnMn.###S", [1.5, 0.125, 2], ["P0DT0H0M1.5S", "P0DT0H0M0.125S", "P0DT0H0M2S"]),
    ("PnDTnHnMnS~", [72420, 245876, 172800, 0, 60, -60],
     ["PT20H7M", "P2DT20H17M56S", "P2D", "PT0S", "PT1M", "-PT1M"]),
    ("PTnHnMn.##S~", [1.5, 246600, 3600.25], ["PT1.5S", "PT68H30M", "PT1H0.25S"]),
    ("PTnHnMnS", [246600, 59.6], ["PT68H30M0S", "PT0H1M0S"]),  # rounded, then carried
    ("PTn.00S", [1.5, 90], ["PT1.50S", "PT90.00S"]),
])
def test_pandas_and_iso_durations_are_written_in_their_layout(layout: str, seconds: list[float],
                                                              text: list[str]) -> None:
    found = duration_layout(layout)
    assert found is not None
    assert duration_text(np.array(seconds, dtype=float), found).to_pylist() == text


@pytest.mark.parametrize("layout", [
    "[h]:mm:ss.00", "[d] days hh:mm:ss.000000~", "PnDTnHnMn.###S", "PnDTnHnMn.000S~",
    "PTnHnMn.###S~", "PTnMn.00S"])
def test_durations_written_read_back_as_the_same_seconds(layout: str) -> None:
    found = duration_layout(layout)
    assert found is not None
    rng = np.random.default_rng(3)
    seconds = np.round(np.concatenate([rng.normal(0, 3e5, 500), rng.uniform(-2, 2, 100),
                                       [0.0, 86400.0, -86400.0, 3600.0]]), 2)
    if layout.startswith("[h]"):  # the clock layouts read no minus
        seconds = np.abs(seconds)
    text = pd.Series(duration_text(seconds, found).to_pylist())
    np.testing.assert_allclose(parse_durations(text, found), seconds, atol=1e-6)


def test_csv_output_writes_seconds_and_timedeltas_in_a_duration_layout(tmp_path: Path) -> None:
    frame = pd.DataFrame({"s": [138660.0, np.nan, 1327.0],
                          "td": pd.to_timedelta([138660, 1327, None], unit="s")})
    write_table(frame, tmp_path / "d.csv", text_formats={"s": "[h]:mm:ss", "td": "[m]:ss"})
    assert (tmp_path / "d.csv").read_text().splitlines() == [
        "s,td", "38:31:00,2311:00", ",22:07", "0:22:07,"]


def test_cli_keeps_unpadded_dates_durations_and_integer_dates_as_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the layouts of Stat2Data::Marathon (Date, Time) and Ecdat::Pound (date)
    rng = np.random.default_rng(1)
    rows = ["Date,Time,day,miles"]
    for i in range(300):
        when = pd.Timestamp("2002-01-01") + pd.Timedelta(days=int(i * 1.7))
        miles = int(rng.integers(3, 10))
        minutes = int(miles * rng.uniform(7, 9.5) * 60)
        rows.append(f"{when.month}/{when.day}/{when.year},{minutes // 60}:{minutes % 60:02d}:00,"
                    f"{when:%Y%m%d},{miles}")
    (tmp_path / "d.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    model, out = str(tmp_path / "m.sim"), str(tmp_path / "s.csv")
    assert run(["fit", str(tmp_path / "d.csv"), "-o", model, "--quiet"], capsys,
               monkeypatch)[0] == 0
    assert run(["sample", model, "-n", "400", "-o", out, "--quiet", "--seed", "2"], capsys,
               monkeypatch)[0] == 0
    text = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert text["Date"].str.fullmatch(r"[1-9]\d?/[1-9]\d?/20\d\d").all()
    assert text["Date"].str.match(r"\d/").any()
    assert text["Time"].str.fullmatch(r"[1-9]\d*:[0-5]\d:00").all()
    hours = text["Time"].str.split(":").str[0].astype(int)
    assert hours.min() >= 20 and hours.max() <= 95 and (hours > 23).mean() > 0.5
    days = pd.to_datetime(text["day"], format="%Y%m%d", errors="coerce")
    assert days.notna().all() and text["day"].str.fullmatch(r"200\d{5}").all()
