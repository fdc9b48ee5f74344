"""Reading and writing tables: clear read errors, exact round trips, nothing half-written."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from simulacra.data._io import (
    SUPPORTED_SUFFIXES,
    TableWriter,
    atomic_path,
    bytes_text,
    read_table,
    table_name_from,
    write_table,
)
from simulacra.errors import DataReadError, FitWarning, InvalidParameterError

# pandas 2 keeps None in an object column that CSV reads back as NaN: equal, but its
# assert_frame_equal warns that pandas 3 would not call them so (pandas 3 stores NaN in both).
NULLS_MAY_DIFFER = pytest.mark.filterwarnings("ignore:Mismatched null-like values:FutureWarning")


def mixed_frame(n: int = 12) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    income = rng.normal(50_000, 9_000, n).round(2)
    income[::5] = np.nan
    return pd.DataFrame(
        {
            "id": np.arange(n, dtype="int64"),
            "age": rng.integers(18, 90, n),
            "income": income,
            "city": pd.Series(rng.choice(["Oslo", "Lima", "Pune"], n), dtype="str"),
            "note": pd.Series([None if i % 4 == 0 else f"n{i}" for i in range(n)], dtype="str"),
            "vip": rng.random(n) < 0.5,
        }
    )


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ---- read errors ------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.csv"
    with pytest.raises(DataReadError, match="does not exist") as info:
        read_table(path)
    assert str(path) in str(info.value)
    assert "Check the path" in str(info.value)


def test_directory(tmp_path: Path) -> None:
    folder = tmp_path / "data.csv"
    folder.mkdir()
    with pytest.raises(DataReadError, match="is a directory"):
        read_table(folder)


def test_unsupported_suffix_lists_the_supported_ones(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(DataReadError, match="unsupported file ending") as info:
        read_table(path)
    for suffix in SUPPORTED_SUFFIXES:
        assert suffix in str(info.value)
    assert "Save the sheet as CSV" in str(info.value) and "read_excel" in str(info.value)
    (tmp_path / "rows.jsonl").write_text('{"a": 1}\n', encoding="utf-8")
    with pytest.raises(DataReadError, match="read_json"):
        read_table(tmp_path / "rows.jsonl")
    (tmp_path / "notes.txt").write_text("a\n", encoding="utf-8")
    with pytest.raises(DataReadError, match=r"\.pq\.$"):  # no hint for an unknown kind
        read_table(tmp_path / "notes.txt")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(DataReadError, match="empty"):
        read_table(path)
    blank = tmp_path / "blank.csv"
    blank.write_bytes(b"\n\n")
    with pytest.raises(DataReadError, match="no data"):
        read_table(blank)


def test_non_utf8_csv_reports_offset_and_line(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    head = b"name,city\nana,oslo\n"
    path.write_bytes(head + "zoë,münchen\n".encode("latin-1"))
    with pytest.raises(DataReadError) as info:
        read_table(path)
    text = str(info.value)
    assert str(path) in text
    assert f"byte 0xeb at offset {len(head) + 2} (line 3)" in text
    assert "UTF-8" in text and "--encoding" in text
    df = read_table(path, encoding="latin-1")
    assert df["city"].tolist() == ["oslo", "münchen"]


def test_non_utf8_byte_far_into_a_large_gzipped_file(tmp_path: Path) -> None:
    path = tmp_path / "big.csv.gz"
    body = b"a,b\n" + b"x,1\n" * 400_000
    with gzip.open(path, "wb") as fh:
        fh.write(body + b"\xff,2\n")
    with pytest.raises(DataReadError, match=f"offset {len(body)} \\(line 400002\\)"):
        read_table(path)


def test_unknown_encoding(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(DataReadError, match="unknown encoding 'klingon'"):
        read_table(path, encoding="klingon")


def test_malformed_csv_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("a,b\n1,2\n3,4\n5,6,7\n", encoding="utf-8")
    with pytest.raises(DataReadError, match="not well-formed CSV near line 4"):
        read_table(path)


def test_corrupt_parquet(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    write_table(mixed_frame(), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataReadError, match="not a valid Parquet file"):
        read_table(path)
    fake = tmp_path / "csv.pq"
    fake.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(DataReadError, match="not a valid Parquet file"):
        read_table(fake)


# ---- round trips ------------------------------------------------------------------------


@NULLS_MAY_DIFFER
@pytest.mark.parametrize("name", ["t.csv", "t.tsv", "t.csv.gz", "T.CSV"])
def test_csv_round_trip(tmp_path: Path, name: str) -> None:
    df = mixed_frame()
    write_table(df, tmp_path / name)
    back = read_table(tmp_path / name)
    pd.testing.assert_frame_equal(back, df, check_dtype=False)
    assert back["vip"].dtype == bool
    assert leftovers(tmp_path) == [name]


def test_gzip_and_tab_are_really_used(tmp_path: Path) -> None:
    write_table(mixed_frame(), tmp_path / "t.tsv.gz")
    with gzip.open(tmp_path / "t.tsv.gz", "rt", encoding="utf-8") as fh:
        assert fh.readline() == "id\tage\tincome\tcity\tnote\tvip\n"


@NULLS_MAY_DIFFER
@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_a_csv_with_another_separator_is_read_with_it(tmp_path: Path, sep: str) -> None:
    df = mixed_frame()
    df.to_csv(tmp_path / "t.csv", sep=sep, index=False)
    pd.testing.assert_frame_equal(read_table(tmp_path / "t.csv"), df, check_dtype=False)


def test_a_semicolon_csv_with_decimal_commas(tmp_path: Path) -> None:
    text = "price;label;code;mixed\n3,75;a,b;7;1,5\n-12;c;8;x\n;d;9;2\n0,125;e;10;3\n"
    with gzip.open(tmp_path / "t.csv.gz", "wt", encoding="utf-8") as fh:
        fh.write(text)
    back = read_table(tmp_path / "t.csv.gz")
    assert list(back.columns) == ["price", "label", "code", "mixed"]
    np.testing.assert_array_equal(back["price"], [3.75, -12.0, np.nan, 0.125])
    assert back["label"].tolist() == ["a,b", "c", "d", "e"]  # not numbers: kept as text
    assert back["code"].tolist() == [7, 8, 9, 10]
    assert back["mixed"].tolist() == ["1,5", "x", "2", "3"]  # one value is not a number


def test_commas_win_when_the_rows_split_evenly_on_them(tmp_path: Path) -> None:
    # every line also holds one semicolon, inside a text field
    (tmp_path / "t.csv").write_text('a,b\n1,"x;y"\n2,"z;w"\n3,"u;v"\n', encoding="utf-8")
    back = read_table(tmp_path / "t.csv")
    assert back.columns.tolist() == ["a", "b"]
    assert back["b"].tolist() == ["x;y", "z;w", "u;v"]


def test_a_single_column_csv_stays_one_column(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("name\nAda\nLin\nBo\n", encoding="utf-8")
    assert read_table(tmp_path / "t.csv")["name"].tolist() == ["Ada", "Lin", "Bo"]


def test_missing_markers_are_missing_only_where_they_cannot_be_values(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text(
        "region,n,flag,when,answer\nNA,1,true,2021-01-01,None\nEU,NA,NA,NA,Yes\n"
        "NA,3,false,2021-01-03,N/A\n,null,,,\n", encoding="utf-8")
    back = read_table(tmp_path / "t.csv")
    assert back["region"].tolist()[:3] == ["NA", "EU", "NA"]  # North America, a value
    assert back["answer"].tolist()[:3] == ["None", "Yes", "N/A"]
    assert back.iloc[3].isna().all()  # empty cells are always missing
    np.testing.assert_array_equal(back["n"], [1.0, np.nan, 3.0, np.nan])
    assert back["flag"].isna().tolist() == [False, True, False, True]
    assert back["flag"][[0, 2]].tolist() == [True, False]
    assert back["when"].isna().tolist() == [False, True, False, True]


def test_a_lone_dot_is_missing_in_a_column_of_numbers(tmp_path: Path) -> None:
    # SAS and Stata exports write a missing number as "." (medicaldata::opt)
    (tmp_path / "t.csv").write_text("x,y,note\n1.5,.,a\n.,2,.\n3.25,4,b\n", encoding="utf-8")
    back = read_table(tmp_path / "t.csv")
    np.testing.assert_array_equal(back["x"], [1.5, np.nan, 3.25])
    np.testing.assert_array_equal(back["y"], [np.nan, 2.0, 4.0])
    assert back["note"].tolist() == ["a", ".", "b"]  # among words, a value


def test_cells_of_spaces_are_missing_where_they_cannot_be_values(tmp_path: Path) -> None:
    # QA sweep 14: one " " cell made a number column text (352 levels) and impute blamed
    # a valid value
    (tmp_path / "t.csv").write_text(
        "n,price,note\n1, ,a\n   ,\"1953,45\", \n3,\"7,5\",b\n", encoding="utf-8")
    back = read_table(tmp_path / "t.csv")
    np.testing.assert_array_equal(back["n"], [1.0, np.nan, 3.0])
    assert back["price"].isna().tolist() == [True, False, False]
    assert back["note"].tolist() == ["a", " ", "b"]  # among words, a value


def test_a_csv_written_with_its_missing_markers_reads_back_as_the_same_text(
        tmp_path: Path) -> None:
    text = ("size,flag,when,both,mixed\n1,true,2021-01-01,1,1\n.,NA,null,.,.\n"
            "3,false,2021-01-03,,NA\n")
    (tmp_path / "t.csv").write_text(text, encoding="utf-8")
    back = read_table(tmp_path / "t.csv")
    # "both" has as many empty cells as "." (empty wins a tie), "mixed" two markers: the
    # first seen of the commonest is kept
    markers = {"size": ".", "flag": "NA", "when": "null", "mixed": "."}
    assert back.attrs["missing_markers"] == markers
    assert back["size"].dtype == np.float64
    write_table(back, tmp_path / "out.csv", text_formats=back.attrs["text_formats"],
                missing_markers=back.attrs["missing_markers"])
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == (
        "size,flag,when,both,mixed\n1,true,2021-01-01,1,1\n.,NA,null,,.\n3,false,2021-01-03,,.\n")
    write_table(back, tmp_path / "plain.csv")
    assert (tmp_path / "plain.csv").read_text(encoding="utf-8").splitlines()[2] == ",,,,"


def test_leading_zeros_are_kept(tmp_path: Path) -> None:
    rows = ["zip,count"] + [f"{z:05d},{z % 7}" for z in range(1000, 99000, 37)]
    (tmp_path / "t.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    back = read_table(tmp_path / "t.csv")
    assert back["zip"].iloc[0] == "01000" and back["zip"].str.len().eq(5).all()
    assert pd.api.types.is_integer_dtype(back["count"])


@pytest.mark.parametrize("name", ["t.parquet", "t.pq"])
def test_parquet_round_trip_is_exact(tmp_path: Path, name: str) -> None:
    df = mixed_frame().assign(
        when=pd.date_range("2021-01-01", periods=12, freq="D", tz="Europe/Berlin"),
        grade=pd.Categorical(list("abcabcabcabc")),
        count=pd.array([1, None, 3] * 4, dtype="Int64"),
    )
    write_table(df, tmp_path / name)
    pd.testing.assert_frame_equal(read_table(tmp_path / name), df)


def test_write_table_errors(tmp_path: Path) -> None:
    with pytest.raises(InvalidParameterError, match="unsupported file ending"):
        write_table(mixed_frame(), tmp_path / "t.json")
    with pytest.raises(InvalidParameterError, match="string column names"):
        write_table(pd.DataFrame({0: [1, 2]}), tmp_path / "t.parquet")
    assert leftovers(tmp_path) == []


def test_write_table_creates_missing_folders(tmp_path: Path) -> None:
    write_table(mixed_frame(), tmp_path / "a" / "b" / "t.csv")
    assert (tmp_path / "a" / "b" / "t.csv").is_file()


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("data/adult.csv", "adult"),
        ("x/My Sales-2024.csv.gz", "My_Sales_2024"),
        ("t.tar.parquet", "t_tar"),
        ("report.xlsx", "report"),
        ("---.csv", "table"),
    ],
)
def test_table_name_from(path: str, name: str) -> None:
    assert table_name_from(path) == name


# ---- atomic writes ----------------------------------------------------------------------


def test_atomic_path_moves_the_result_into_place(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    with atomic_path(target) as tmp:
        assert tmp.parent == tmp_path
        assert tmp.name.startswith(".out.txt.tmp-")
        assert not tmp.exists()
        tmp.write_text("done", encoding="utf-8")
        assert not target.exists()
    assert target.read_text(encoding="utf-8") == "done"
    assert leftovers(tmp_path) == ["out.txt"]


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_atomic_path_leaves_nothing_on_error(tmp_path: Path, error: type[BaseException]) -> None:
    target = tmp_path / "out.csv"
    with pytest.raises(error), atomic_path(target) as tmp:
        tmp.write_text("half", encoding="utf-8")
        raise error("stop")
    assert leftovers(tmp_path) == []


def test_atomic_path_keeps_the_old_file_on_error(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(ValueError), atomic_path(target) as tmp:
        tmp.write_text("new", encoding="utf-8")
        raise ValueError
    assert target.read_text(encoding="utf-8") == "old"
    assert leftovers(tmp_path) == ["out.csv"]


def test_atomic_path_works_for_directories(tmp_path: Path) -> None:
    target = tmp_path / "model"
    for version in ("v1", "v2"):
        with atomic_path(target) as tmp:
            tmp.mkdir()
            (tmp / "state.json").write_text(version, encoding="utf-8")
    assert (target / "state.json").read_text(encoding="utf-8") == "v2"
    assert leftovers(tmp_path) == ["model"]
    with pytest.raises(KeyboardInterrupt), atomic_path(target) as tmp:
        tmp.mkdir()
        (tmp / "state.json").write_text("v3", encoding="utf-8")
        raise KeyboardInterrupt
    assert (target / "state.json").read_text(encoding="utf-8") == "v2"
    assert leftovers(tmp_path) == ["model"]


# ---- streaming --------------------------------------------------------------------------


def chunks(n_chunks: int, rows: int = 7) -> list[pd.DataFrame]:
    rng = np.random.default_rng(1)
    out = []
    for k in range(n_chunks):
        start = k * rows
        out.append(
            pd.DataFrame(
                {
                    "id": np.arange(start, start + rows),
                    "x": rng.normal(size=rows).round(3),
                    "c": pd.Series(rng.choice(["a", "b"], rows), dtype="str",
                                   index=np.arange(rows) + 1000),  # not all missing
                },
                index=np.arange(rows) + 1000,
            )
        )
    return out


@pytest.mark.parametrize("name", ["s.csv", "s.csv.gz", "s.tsv", "s.parquet"])
def test_table_writer_streams_many_chunks(tmp_path: Path, name: str) -> None:
    parts = chunks(60)
    with TableWriter(tmp_path / name) as writer:
        for part in parts:
            writer.write(part)
            assert not (tmp_path / name).exists()
    assert writer.rows_written == 60 * 7
    expected = pd.concat(parts, ignore_index=True)
    pd.testing.assert_frame_equal(read_table(tmp_path / name), expected, check_dtype=False)
    assert leftovers(tmp_path) == [name]


@pytest.mark.parametrize("name", ["s.csv", "s.parquet"])
@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_table_writer_leaves_nothing_on_error(
    tmp_path: Path, name: str, error: type[BaseException]
) -> None:
    with pytest.raises(error), TableWriter(tmp_path / name) as writer:
        for part in chunks(5):
            writer.write(part)
        raise error("stop")
    assert leftovers(tmp_path) == []


def test_table_writer_rejects_chunks_with_other_columns(tmp_path: Path) -> None:
    first, second = chunks(2)
    with (
        pytest.raises(InvalidParameterError, match="Chunk 2"),
        TableWriter(tmp_path / "s.csv") as writer,
    ):
        writer.write(first)
        writer.write(second.rename(columns={"x": "y"}))
    assert leftovers(tmp_path) == []


def test_table_writer_reorders_columns_to_the_first_chunk(tmp_path: Path) -> None:
    first, second = chunks(2)
    with TableWriter(tmp_path / "s.csv") as writer:
        writer.write(first)
        writer.write(second[["c", "id", "x"]])
    back = read_table(tmp_path / "s.csv")
    assert list(back.columns) == ["id", "x", "c"]
    assert back["id"].tolist() == list(range(14))


def test_parquet_writer_resolves_columns_that_start_all_null(tmp_path: Path) -> None:
    path = tmp_path / "s.parquet"
    first = pd.DataFrame({"a": [1, 2], "late": pd.Series([None, None], dtype=object)})
    second = pd.DataFrame({"a": [3, 4], "late": pd.Series([None, None], dtype=object)})
    third = pd.DataFrame({"a": [5, 6], "late": [7, 8]})
    with TableWriter(path) as writer:
        for part in (first, second, third):
            writer.write(part)
    assert pq.read_schema(path).field("late").type == pa.int64()
    back = read_table(path)
    assert back["late"].tolist()[4:] == [7.0, 8.0]
    assert back["late"].isna().sum() == 4


def test_parquet_writer_keeps_integers_when_later_chunks_have_gaps(tmp_path: Path) -> None:
    path = tmp_path / "s.parquet"
    with TableWriter(path) as writer:
        writer.write(pd.DataFrame({"n": [1, 2]}))
        writer.write(pd.DataFrame({"n": [3.0, np.nan]}))
    assert pq.read_schema(path).field("n").type == pa.int64()
    assert pq.read_table(path).column("n").to_pylist() == [1, 2, 3, None]


def test_parquet_writer_reports_chunks_that_do_not_fit(tmp_path: Path) -> None:
    with (
        pytest.raises(InvalidParameterError, match="arrow_schema"),
        TableWriter(tmp_path / "s.parquet") as writer,
    ):
        writer.write(pd.DataFrame({"n": [1, 2]}))
        writer.write(pd.DataFrame({"n": [1.5, 2.5]}))
    assert leftovers(tmp_path) == []


def test_parquet_writer_with_an_explicit_schema(tmp_path: Path) -> None:
    schema = pa.schema([("a", pa.float32()), ("late", pa.string())])
    path = tmp_path / "s.parquet"
    with TableWriter(path, arrow_schema=schema) as writer:
        writer.write(pd.DataFrame({"a": [1, 2], "late": [None, None]}))
        writer.write(pd.DataFrame({"a": [3, 4], "late": ["x", None]}))
    assert pq.read_schema(path).remove_metadata() == schema
    with pytest.raises(InvalidParameterError, match="only applies to Parquet"):
        TableWriter(tmp_path / "s.csv", arrow_schema=schema)


def test_parquet_writer_holds_back_only_a_bounded_number_of_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(TableWriter, "max_pending_rows", 4)
    path = tmp_path / "s.parquet"
    with TableWriter(path) as writer:
        for _ in range(5):
            writer.write(pd.DataFrame({"a": [1, 2], "none": pd.Series([None, None], dtype=object)}))
    assert pq.read_schema(path).field("none").type == pa.null()
    assert len(read_table(path)) == 10


@pytest.mark.parametrize("name", ["s.csv", "s.parquet"])
def test_table_writer_without_chunks_writes_an_empty_file(tmp_path: Path, name: str) -> None:
    with TableWriter(tmp_path / name) as writer:
        pass
    assert writer.rows_written == 0
    assert (tmp_path / name).exists()


def test_table_writer_must_be_entered(tmp_path: Path) -> None:
    writer = TableWriter(tmp_path / "s.csv")
    with pytest.raises(InvalidParameterError, match="with"):
        writer.write(chunks(1)[0])
    with pytest.raises(InvalidParameterError, match="unsupported"):
        TableWriter(tmp_path / "s.txt")


def test_a_header_naming_two_columns_alike_is_refused(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("a,b,a\n1,2,3\n", encoding="utf-8")
    with pytest.raises(DataReadError, match=r"columns 1 and 3 \(counting from 1\) are both "
                                            r"named 'a'"):
        read_table(tmp_path / "t.csv")


def test_a_column_without_a_name_is_named_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text(",a,\n0,1,x\n1,2,y\n2,3,z\n", encoding="utf-8")
    with pytest.warns(FitWarning) as caught:
        frame = read_table(tmp_path / "t.csv")
    assert list(frame.columns) == ["Unnamed: 0", "a", "Unnamed: 2"]
    said = [str(w.message) for w in caught]
    assert "column 1 (counting from 1) has no name" in said[0]
    assert "row index saved with the data" in said[0]  # 0, 1, 2, ...
    assert "column 3" in said[1] and "row index" not in said[1]


def test_whole_number_floats_are_written_as_integers(tmp_path: Path) -> None:
    # integer columns with missing values are floats in pandas; the text should not say 3.0
    frame = pd.DataFrame({"n": [1.0, np.nan, 3.0], "x": [1.5, 2.0, np.nan], "i": [1, 2, 3]})
    with TableWriter(tmp_path / "t.csv") as writer:
        writer.write(frame)
    assert (tmp_path / "t.csv").read_text().splitlines() == ["n,x,i", "1,1.5,1", ",2.0,2",
                                                             "3,,3"]


def test_parquet_keeps_category_int64_and_boolean_dtypes_across_chunks(tmp_path: Path) -> None:
    first = pd.DataFrame({"c": pd.Categorical(["x", "y"]),
                          "n": pd.array([1, None], dtype="Int64"),
                          "b": pd.array([True, None], dtype="boolean")})
    second = pd.DataFrame({"c": pd.Categorical(["z", "x"]),
                           "n": pd.array([3, 4], dtype="Int64"),
                           "b": pd.array([False, True], dtype="boolean")})
    with TableWriter(tmp_path / "t.parquet") as writer:
        writer.write(first)
        writer.write(second)
    back = pd.read_parquet(tmp_path / "t.parquet")
    assert [str(t) for t in back.dtypes] == ["category", "Int64", "boolean"]
    assert back["c"].tolist() == ["x", "y", "z", "x"]


def test_amounts_with_currency_thousands_or_percent_are_numbers(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text(
        'price,pct,mixed,zip\n"$1,234.50",12%,$5,01234\n-$12.00,7.5%,x,"1,234"\n'
        '"$-3,000",100%,$6,02345\n,,$7,\n', encoding="utf-8")
    back = read_table(tmp_path / "t.csv")
    np.testing.assert_array_equal(back["price"], [1234.5, -12.0, -3000.0, np.nan])
    np.testing.assert_array_equal(back["pct"], [12.0, 7.5, 100.0, np.nan])
    assert back["mixed"].tolist() == ["$5", "x", "$6", "$7"]  # not every value is an amount
    assert back["zip"].tolist()[:3] == ["01234", "1,234", "02345"]  # leading zeros: text


def test_bytes_text_names_each_scale() -> None:
    # past a TB the size was divided by 1000 once more: 11 TB read "about 0.0 TB"
    cases = {512: "512 bytes", 1500: "1.5 KB", 2.5e6: "2.5 MB", 54.2e9: "54.2 GB",
             2e12: "2.0 TB", 11e12: "11.0 TB", 6.5e16: "65,000.0 TB",
             6.5e28: "6.5e+16 TB"}
    for size, text in cases.items():
        assert bytes_text(size) == text


def test_small_parquet_chunks_make_row_groups_of_a_sensible_size(tmp_path: Path) -> None:
    # one row group per chunk: --chunk-rows 1 wrote 20,000 rows as a 53 MB file in 169 s
    import pyarrow.parquet as pq

    frame = pd.DataFrame({"x": np.arange(1200, dtype="int64"),
                          "c": pd.Categorical(np.where(np.arange(1200) % 3, "a", "b")),
                          "f": np.where(np.arange(1200) % 5, 1.5, np.nan)})
    small, whole = tmp_path / "small.parquet", tmp_path / "whole.parquet"
    with TableWriter(small) as writer:
        for start in range(0, 1200, 7):
            chunk = frame.iloc[start:start + 7].reset_index(drop=True)
            writer.write(chunk)
            chunk.loc[:, "x"] = -1  # the caller's frame may change once written
    write_table(frame, whole)
    assert pq.ParquetFile(small).metadata.num_row_groups == 1
    pd.testing.assert_frame_equal(pd.read_parquet(small), pd.read_parquet(whole))
    with TableWriter(small) as writer:  # chunks of the row group size are written as they come
        for start in range(0, 1200, 400):
            writer.row_group_rows = 400
            writer.write(frame.iloc[start:start + 400])
    assert pq.ParquetFile(small).metadata.num_row_groups == 3
