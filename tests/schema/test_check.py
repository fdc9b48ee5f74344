"""check_data: every problem is collected, located, explained, and raised once."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from simulacra.errors import DataValidationError, InvalidParameterError, Issue
from simulacra.schema import Column, Kind, Table, check_data, infer_schema


def issues_of(data: pd.DataFrame, table: Table | None = None) -> list[Issue]:
    with pytest.raises(DataValidationError) as info:
        check_data(data, table)
    return list(info.value.issues)


def only_issue(data: pd.DataFrame, table: Table | None = None) -> Issue:
    found = issues_of(data, table)
    assert len(found) == 1, found
    return found[0]


def clean_frame(n: int = 20) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "id": np.arange(n),
            "age": rng.integers(18, 80, n),
            "income": np.where(rng.random(n) < 0.2, np.nan, rng.normal(50, 10, n)),
            "city": rng.choice(["Oslo", "Lima"], n),
            "joined": pd.date_range("2020-01-01", periods=n).strftime("%d.%m.%Y"),
            "vip": rng.random(n) < 0.5,
        }
    )


def test_clean_data_passes_with_and_without_its_inferred_schema() -> None:
    data = clean_frame()
    check_data(data)
    check_data(data, infer_schema(data).table())


# ---- table shape --------------------------------------------------------------------------


def test_no_rows() -> None:
    issue = only_issue(pd.DataFrame({"a": pd.Series([], dtype="int64")}))
    assert "no rows" in issue.message
    assert "at least 2 rows" in issue.message


def test_one_row() -> None:
    issue = only_issue(pd.DataFrame({"a": [1], "b": ["x"]}))
    assert "only one row" in issue.message
    assert "at least 2 rows" in issue.message


def test_no_columns() -> None:
    assert "no columns" in only_issue(pd.DataFrame()).message


def test_duplicate_and_non_string_column_names() -> None:
    data = pd.DataFrame([[1, 2, 3], [4, 5, 6]], columns=["a", "a", 7])
    found = issues_of(data)
    assert [(i.column, "appears 2 times" in i.message) for i in found[:1]] == [("a", True)]
    assert found[1].column == "7"
    assert "not a string" in found[1].message
    assert "rename" in found[1].fix.lower()


# ---- columns without a schema -------------------------------------------------------------


def test_entirely_null_column() -> None:
    data = pd.DataFrame({"a": [1, 2, 3], "gone": [None, None, None]})
    issue = only_issue(data)
    assert issue.column == "gone"
    assert "entirely null" in issue.message
    assert "Drop the column" in issue.fix


def test_mixed_types_report_types_rows_and_values() -> None:
    values = [1, 2, 3, "three", 4, 5.5, None, "x"]
    issue = only_issue(pd.DataFrame({"m": pd.Series(values, dtype=object)}))
    assert issue.column == "m"
    assert issue.rows == (3, 5, 7)
    assert issue.n_rows == 3
    assert "4 int" in issue.message and "2 str" in issue.message and "1 float" in issue.message
    assert "'three' (row 3)" in issue.message
    assert "categorical" in issue.fix


def test_mostly_numeric_strings_report_the_share_and_the_bad_values() -> None:
    values = [str(v) for v in range(40)]
    values[7] = "n/a"
    values[30] = "unknown"
    issue = only_issue(pd.DataFrame({"amount": values}))
    assert issue.rows == (7, 30)
    assert issue.n_rows == 2
    assert "95.0%" in issue.message
    assert "'n/a' (row 7)" in issue.message


def test_numeric_strings_and_plain_strings_are_fine() -> None:
    check_data(pd.DataFrame({"zip": ["02134", "10001", "94105"], "word": ["a", "b", "1"]}))


def test_examples_are_capped_but_all_rows_are_counted() -> None:
    values = pd.Series([1 if i % 2 else "a" for i in range(30)], dtype=object)
    issue = only_issue(pd.DataFrame({"m": values}))
    assert len(issue.rows) == 5
    assert issue.n_rows == 15


def test_container_values_cannot_be_synthesized_even_when_declared() -> None:
    values = pd.Series([[1, 2], {"a": 1}, None, [3]], dtype=object)
    issue = only_issue(pd.DataFrame({"tags": values}))
    assert (issue.rows, issue.n_rows) == ((0, 1, 3), 3)
    assert "container" in issue.message
    assert "JSON" in issue.fix
    table = table_of(Column("tags", Kind.CATEGORICAL))
    declared = only_issue(pd.DataFrame({"tags": values}), table)
    assert declared.rows == (0, 1, 3)


def test_declared_datetime_without_a_format_parses_any_common_form() -> None:
    data = pd.DataFrame({"d": ["2020-01-31", "31 Jan 2020", "Jan 31, 2020 10:00", "soon", None]})
    issue = only_issue(data, table_of(Column("d", Kind.DATETIME)))
    assert issue.rows == (3,)


def test_infinite_values() -> None:
    issue = only_issue(pd.DataFrame({"v": [1.0, np.inf, 2.0, -np.inf]}))
    assert (issue.rows, issue.n_rows) == ((1, 3), 2)
    assert "infinite" in issue.message


def test_row_positions_ignore_the_index() -> None:
    values = pd.Series([1.0, np.inf, 2.0], index=[10, 20, 30])
    assert only_issue(pd.DataFrame({"v": values})).rows == (1,)


# ---- columns against a schema -------------------------------------------------------------


def table_of(*columns: Column, key: str | None = None) -> Table:
    return Table("people", columns, primary_key=key)


def test_schema_column_missing_from_data_and_data_column_missing_from_schema() -> None:
    data = pd.DataFrame({"a": [1, 2], "extra": [3, 4]})
    found = issues_of(data, table_of(Column("a", Kind.NUMERICAL), Column("ghost", Kind.NUMERICAL)))
    by_column = {i.column: i for i in found}
    assert set(by_column) == {"ghost", "extra"}
    assert "in the schema" in by_column["ghost"].message
    assert "not in the data" in by_column["ghost"].message
    assert "not in the schema" in by_column["extra"].message
    assert "drop it from the data" in by_column["extra"].fix
    assert all(i.table == "people" for i in found)


def test_declared_numerical_with_text_values() -> None:
    data = pd.DataFrame({"n": ["1", "2", "abc", None, "4.5"]})
    issue = only_issue(data, table_of(Column("n", Kind.NUMERICAL)))
    assert issue.rows == (2,)
    assert "declared numerical" in issue.message
    assert "'abc' (row 2)" in issue.message


def test_declared_datetime_with_values_that_do_not_parse() -> None:
    data = pd.DataFrame({"d": ["2020-01-31", "31/01/2020", "2020-02-30", None]})
    column = Column("d", Kind.DATETIME, datetime_format="%Y-%m-%d")
    issue = only_issue(data, table_of(column))
    assert issue.rows == (1, 2)
    assert "'%Y-%m-%d'" in issue.message
    assert "datetime_format" in issue.fix


def test_declared_datetime_accepts_native_datetimes() -> None:
    data = pd.DataFrame({"d": pd.date_range("2020-01-01", periods=3, tz="UTC")})
    check_data(data, table_of(Column("d", Kind.DATETIME, timezone="UTC")))


def test_declared_datetime_with_offsets() -> None:
    data = pd.DataFrame({"d": ["2020-01-01T10:00:00+01:00", "2020-07-01T10:00:00+02:00"]})
    check_data(data, table_of(Column("d", Kind.DATETIME, datetime_format="%Y-%m-%dT%H:%M:%S%z")))


def test_declared_datetime_written_unpadded_or_as_integers() -> None:
    check_data(pd.DataFrame({"d": ["1/6/2006", "12/18/2008"]}),
               table_of(Column("d", Kind.DATETIME, datetime_format="%-m/%-d/%Y")))
    check_data(pd.DataFrame({"d": [19750103, 19891124]}),
               table_of(Column("d", Kind.DATETIME, datetime_format="%Y%m%d")))
    data = pd.DataFrame({"d": [19750103.0, np.nan, 19751332.0]})
    issue = only_issue(data, table_of(Column("d", Kind.DATETIME, datetime_format="%Y%m%d")))
    assert issue.rows == (2,)
    # numbers without a format are no datetimes
    issue = only_issue(pd.DataFrame({"d": [19750103, 19891124]}),
                       table_of(Column("d", Kind.DATETIME)))
    assert issue.rows == (0, 1)


def test_declared_durations_with_values_that_are_not() -> None:
    column = Column("t", Kind.NUMERICAL, text_format="[h]:mm:ss")
    check_data(pd.DataFrame({"t": ["38:31:00", "22:07", None]}), table_of(column))
    check_data(pd.DataFrame({"t": [138660.0, 1327.0]}), table_of(column))  # seconds
    issue = only_issue(pd.DataFrame({"t": ["38:31:00", "soon", "12:75"]}), table_of(column))
    assert issue.rows == (1, 2)
    assert "'[h]:mm:ss'" in issue.message and "38:31:00" in issue.fix


def test_declared_pandas_and_iso_durations_with_values_that_are_not() -> None:
    for layout, good, bad, example in [
            ("[d] days hh:mm:ss", "-1 days +23:59:59", "2 days 25:00:00", "'2 days 20:37:56'"),
            ("PnDTnHnMnS~", "PT20H7M", "P1M", "'P2DT20H37M56S'")]:
        column = Column("t", Kind.NUMERICAL, text_format=layout)
        check_data(pd.DataFrame({"t": [good, None]}), table_of(column))
        issue = only_issue(pd.DataFrame({"t": [good, bad]}), table_of(column))
        assert issue.rows == (1,) and repr(layout) in issue.message
        assert example in issue.fix  # an example of the layout's own family


def test_a_game_clock_with_tenths_in_its_last_minute_is_no_mix_of_times_of_day() -> None:
    # openintro::kobe_basket: time left in the quarter, 7:04, then 00:34.9 under a minute
    clock = [f"{m}:{s:02d}" for m, s in zip(range(1, 12), range(5, 60, 5), strict=True)] * 10
    frame = pd.DataFrame({"time": [*clock, "00:34.9", "00:00.5"]})
    check_data(frame)
    column = infer_schema(frame).table().column("time")
    assert (column.kind, column.text_format) == (Kind.NUMERICAL, "[mm]:ss.0")
    # times of day with a few other values are still reported
    assert "'%H:%M'" in only_issue(pd.DataFrame({"t": [*clock, "soon"]})).message


def test_declared_boolean_with_other_values() -> None:
    data = pd.DataFrame({"b": pd.Series([True, "TRUE", 0, "maybe", None, 2], dtype=object)})
    issue = only_issue(data, table_of(Column("b", Kind.BOOLEAN)))
    assert issue.rows == (3, 5)


def test_declared_categorical_accepts_mixed_values() -> None:
    data = pd.DataFrame({"m": pd.Series([1, "a", 2.5, "b"], dtype=object)})
    check_data(data, table_of(Column("m", Kind.CATEGORICAL)))


def test_unique_and_primary_key_columns_with_duplicates() -> None:
    data = pd.DataFrame({"k": [1, 2, 2, 3, 1], "u": ["a", "b", "c", "c", None]})
    table = table_of(
        Column("k", Kind.ID, unique=True), Column("u", Kind.CATEGORICAL, unique=True), key="k"
    )
    by_column = {i.column: i for i in issues_of(data, table)}
    assert by_column["k"].rows == (0, 1, 2, 4)
    assert "primary key" in by_column["k"].message
    assert by_column["u"].rows == (2, 3)
    assert "declared unique" in by_column["u"].message


def test_primary_key_with_missing_values() -> None:
    data = pd.DataFrame({"k": [1.0, None, 3.0]})
    issue = only_issue(data, table_of(Column("k", Kind.ID, unique=True), key="k"))
    assert issue.rows == (1,)
    assert "missing" in issue.message


# ---- collection and the raised error ------------------------------------------------------


def test_every_problem_is_collected_into_one_error() -> None:
    data = pd.DataFrame(
        {
            "id": [1, 1, 2, 3],
            "n": ["1", "x", "3", "4"],
            "empty": [None] * 4,
            "extra": [1, 2, 3, 4],
        }
    )
    table = table_of(
        Column("id", Kind.ID, unique=True),
        Column("n", Kind.NUMERICAL),
        Column("empty", Kind.CATEGORICAL),
        Column("ghost", Kind.TEXT),
        key="id",
    )
    with pytest.raises(DataValidationError) as info:
        check_data(data, table, source="people.csv")
    err = info.value
    assert err.source == "people.csv"
    assert {i.column for i in err.issues} == {"id", "n", "empty", "ghost", "extra"}
    text = str(err)
    assert text.startswith("Found 5 problems in the data in people.csv (rows are positions")
    assert "table 'people', column 'n', row 1:" in text
    assert text.count("Fix:") == 5


def test_rejects_what_is_not_a_dataframe() -> None:
    with pytest.raises(InvalidParameterError, match="DataFrame"):
        check_data([[1, 2], [3, 4]])  # type: ignore[arg-type]


@pytest.mark.parametrize(("values", "found"), [
    (pd.Series(pd.period_range("2020-01", periods=4, freq="M")), "period"),
    (pd.Series(pd.cut([0.1, 0.5, 0.9, 0.3], 2)), "interval"),
    (pd.Series([1 + 2j, 3j, 1.0, 2.0]), "complex"),
    (pd.Series([b"ab", b"cd", None, b"ef"], dtype=object), "bytes"),
    # a schema cannot name these arrow types: fit failed with "not a dtype pandas knows"
    (pd.Series(list("abab")).astype(pd.ArrowDtype(pa.dictionary(pa.int32(), pa.string()))),
     "pyarrow dictionary"),
    (pd.Series([[1], [2, 3], [], [4]], dtype=pd.ArrowDtype(pa.list_(pa.int64()))),
     "pyarrow nested"),
])
def test_values_no_codec_can_restore_are_named_with_a_fix(values: pd.Series, found: str) -> None:
    issue = only_issue(pd.DataFrame({"v": values, "x": [1.0, 2.0, 3.0, 4.0]}))
    assert issue.column == "v" and f"holds {found} values" in issue.message
    assert issue.fix


def test_dates_with_a_few_placeholders_are_named_with_a_fix() -> None:
    days = pd.date_range("2021-01-01", periods=60).strftime("%Y-%m-%d").tolist()
    days[7] = days[31] = "TBD"
    issue = only_issue(pd.DataFrame({"due": days}))
    assert issue.column == "due" and issue.rows == (7, 31)
    assert "mostly dates written '%Y-%m-%d'" in issue.message and "'TBD'" in issue.message
    # dates in two formats, or words with a date here and there, are not this problem
    mixed = [d if i % 2 else d.replace("-", "/") for i, d in enumerate(days[:40])]
    check_data(pd.DataFrame({"due": mixed, "note": ["open"] * 38 + ["2021-01-01", "x"]}))
