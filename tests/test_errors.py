import pandas as pd
import pytest

from simulacra.errors import DataValidationError, Issue, SimulacraError


def test_issue_names_where_what_and_fix() -> None:
    issue = Issue("expected a number, got 'abc'", column="age", rows=(3, 7), n_rows=12,
                  fix="Clean the values.", table="people")
    text = str(issue)
    for part in ("table 'people'", "column 'age'", "rows 3, 7", "12 rows in all", "'abc'", "Fix:"):
        assert part in text


def test_validation_error_lists_every_issue() -> None:
    err = DataValidationError.of([Issue("a", column="x"), Issue("b", column="y")], source="d.csv")
    assert isinstance(err, SimulacraError) and isinstance(err, ValueError)
    assert "2 problems" in str(err) and "d.csv" in str(err)
    assert "column 'x'" in str(err) and "column 'y'" in str(err)


def test_rows_are_said_to_count_from_zero_when_rows_are_named() -> None:
    with_rows = DataValidationError.of([Issue("bad", column="a", rows=(0, 3))])
    said = "rows are positions counted from 0: in a file, row 0 is the line after the header"
    assert said in str(with_rows)
    assert "counted from 0" not in str(DataValidationError.of([Issue("empty", column="a")]))


def test_fixes_fit_the_input_they_are_given() -> None:
    # QA sweep 12: each fix named a way out that did not apply to the input
    from simulacra import infer_schema, make_synthesizer

    mixed = pd.DataFrame({"v": [1, "1", 2, "2"] * 50, "x": range(200)})
    with pytest.raises(DataValidationError, match=r"schema=infer_schema\(df\)"):
        make_synthesizer("cart").fit(mixed)
    assert make_synthesizer("cart").fit(mixed, schema=infer_schema(mixed)).sample(5).shape == (5, 2)
    zones = [pd.Timestamp("2021-01-01", tz=tz) for tz in ["UTC", "Asia/Tokyo"]] * 100
    with pytest.raises(DataValidationError, match=r"to_datetime\(df\[col\], utc=True\)"):
        make_synthesizer("cart").fit(pd.DataFrame({"t": pd.Series(zones, dtype=object),
                                                  "x": range(200)}))
    with pytest.raises(DataValidationError, match="a DataFrame needs at least one column"):
        make_synthesizer("cart").fit(pd.DataFrame(index=range(3)))
