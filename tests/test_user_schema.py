"""A user's edits to the inferred schema win over inference, end to end."""

import dataclasses
import json
import warnings

import numpy as np
import pandas as pd
import pytest

from simulacra import Column, Kind, PIIType, Schema, infer_schema, make_synthesizer
from simulacra.errors import DataValidationError, FitWarning, SamplingError, SchemaError
from simulacra.testing import contract_table


def test_edited_kinds_and_bounds_are_used() -> None:
    data = contract_table(200)
    spec = json.loads(infer_schema(data).to_json())
    for col in spec["tables"][0]["columns"]:
        if col["name"] == "age":  # a number the user wants treated as a category
            col.update(kind="categorical")
            for key in ("integer", "decimals", "minimum", "maximum"):
                col.pop(key, None)
        if col["name"] == "income":  # a tighter range than the data shows
            col["maximum"] = 40_000.0
        if col["name"] == "segment":  # declared personal data: regenerated, never learned
            col.update(kind="pii", pii_type="first_name")
            del col["cardinality"]  # a categorical field: left behind, it would be refused
    schema = Schema.from_json(json.dumps(spec))
    with pytest.warns(FitWarning,
                      match=r"break .*income <= 40000.0, the schema's bounds of 'income'"):
        syn = make_synthesizer("cart", seed=0).fit(data, schema)
    assert syn.table_.column("age").kind is Kind.CATEGORICAL
    out = syn.sample(2000, seed=1)
    assert set(out["age"]) <= set(data["age"])
    assert out["income"].max() <= 40_000.0
    assert not set(out["segment"]) & set(data["segment"])
    assert syn.table_.column("segment").pii_type is PIIType.FIRST_NAME


def test_a_schema_that_contradicts_the_data_is_refused() -> None:
    data = contract_table(100)
    table = infer_schema(data).table()
    wrong = table.replace_column(dataclasses.replace(table.column("segment"),
                                                     kind=Kind.NUMERICAL))
    with pytest.raises(DataValidationError, match="segment"):
        make_synthesizer("copula").fit(data, Schema.single(wrong))


@pytest.mark.parametrize(("key", "value", "says"), [
    ("minimum", "0", "'minimum' must be a finite number"),
    ("decimals", -1, "'decimals' must be a whole number, 0 or more"),
    ("decimals", 1.5, "'decimals' must be a whole number"),
    ("unique", "yes", "'unique' must be true or false"),
    ("dtype", 7, "'dtype' must be text"),
])
def test_a_field_of_the_wrong_type_is_refused_naming_it(key: str, value: object,
                                                         says: str) -> None:
    spec = json.loads(infer_schema(contract_table(50)).to_json())
    column = next(c for c in spec["tables"][0]["columns"] if c["name"] == "income")
    column[key] = value
    with pytest.raises(SchemaError, match=f"Column 'income': {says}"):
        Schema.from_json(json.dumps(spec))


def test_a_bad_datetime_format_or_zone_is_refused() -> None:
    with pytest.raises(SchemaError, match=r"'%Y-%m-%d \| %Q' is not a strftime format"):
        Column("day", Kind.DATETIME, datetime_format="%Y-%m-%d | %Q")
    with pytest.raises(SchemaError, match="'Mars/Olympus' is not a time zone"):
        Column("at", Kind.DATETIME, datetime_format="%Y-%m-%d %H:%M%z", timezone="Mars/Olympus")
    Column("at", Kind.DATETIME, datetime_format="%Y-%m-%d %H:%M%z", timezone="UTC+01:00")


def test_edited_bounds_off_the_precision_hold_after_rounding() -> None:
    rng = np.random.default_rng(0)
    data = pd.DataFrame({"count": rng.integers(0, 100, 400),
                         "rate": rng.uniform(0.0, 1.0, 400).round(4)})
    table = infer_schema(data).table()
    table = table.replace_column(dataclasses.replace(table.column("count"), maximum=80.6))
    table = table.replace_column(dataclasses.replace(table.column("rate"), decimals=1,
                                                     minimum=0.2345, maximum=0.7655))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", FitWarning)
        syn = make_synthesizer("cart", seed=0).fit(data, Schema.single(table))
    said = " ".join(str(w.message) for w in caught)
    assert "the schema's bounds of 'count'" in said and "bounds of 'rate'" in said
    out = syn.sample(1000, seed=1)
    assert out["count"].max() <= 80  # not 80.6 rounded up to 81
    assert out["rate"].between(0.3, 0.7).all()  # rounded to 1 place, within the bounds
    assert np.allclose(out["rate"], out["rate"].round(1))


@pytest.mark.parametrize("edit", ["unique", "primary_key"])
def test_a_learned_column_declared_unique_comes_back_unique(edit: str) -> None:
    rng = np.random.default_rng(0)
    days = pd.date_range("2000-01-01", periods=600, freq="D")
    data = pd.DataFrame({"day": days.strftime("%Y-%m-%d"),
                         "sales": rng.normal(100, 10, 600).round(2)})
    table = infer_schema(data, discover_constraints=False).table()
    if edit == "unique":
        table = table.replace_column(dataclasses.replace(table.column("day"), unique=True))
    else:
        table = dataclasses.replace(table, primary_key="day")
    syn = make_synthesizer("cart", seed=0).fit(data, Schema.single(table))
    out = syn.sample(300, seed=1)
    assert not out["day"].duplicated().any()
    assert syn.schema_.table().constraints == ()  # the column's flag says it; no extra rule
    with pytest.raises(SamplingError, match=r"unique\(day\), from the schema's 'unique'"):
        syn.sample(700, seed=1)  # more rows than distinct days the model can draw


def test_declared_unique_lets_missing_values_repeat() -> None:
    data = pd.DataFrame({"code": [float(i) if i % 4 else np.nan for i in range(200)],
                         "x": np.arange(200) % 7})
    table = infer_schema(data, discover_constraints=False).table()
    table = table.replace_column(dataclasses.replace(table.column("code"), unique=True))
    out = make_synthesizer("independent", seed=0).fit(data, Schema.single(table)).sample(
        100, seed=1)
    present = out["code"].dropna()
    assert not present.duplicated().any() and out["code"].isna().sum() > 1


def test_an_output_format_listed_first_is_written_and_the_error_says_how() -> None:
    data = pd.DataFrame({"day": pd.date_range("2020-01-01", periods=60).strftime("%Y-%m-%d"),
                         "x": np.arange(60) % 5})
    table = infer_schema(data, discover_constraints=False).table()
    only_new = table.replace_column(dataclasses.replace(table.column("day"),
                                                        datetime_format="%d.%m.%Y"))
    with pytest.raises(DataValidationError, match=r"put it first: 'NEW \| USED'"):
        make_synthesizer("independent").fit(data, Schema.single(only_new))
    both = table.replace_column(dataclasses.replace(table.column("day"),
                                                    datetime_format="%d.%m.%Y | %Y-%m-%d"))
    out = make_synthesizer("independent", seed=0).fit(data, Schema.single(both)).sample(50)
    assert out["day"].str.fullmatch(r"\d\d\.\d\d\.2020").all()


def test_an_index_that_cannot_be_learned_is_said_not_to_be() -> None:
    # the base class's fit: every synthesizer warns alike (a user's frame, not a schema);
    # an index that can be learned is (tests/synth/test_index.py)
    frame = pd.DataFrame({"x": np.arange(40.0), "g": ["a", "b"] * 20})
    binned = frame.set_axis(pd.interval_range(0, 40, name="bin"))
    with pytest.warns(FitWarning, match=r"index \(IntervalIndex\) is not learned: level "
                                        r"'bin' holds intervals.*reset_index"):
        out = make_synthesizer("independent", seed=0).fit(binned).sample(5)
    assert isinstance(out.index, pd.RangeIndex)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # row numbers, even of a filtered frame, say nothing
        make_synthesizer("independent", seed=0).fit(frame[frame["x"] > 3])


def _minutes_around_summer_time(n: int = 500) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    stamps = pd.Timestamp("2021-03-20") + pd.to_timedelta(rng.integers(0, 14 * 1440, n), "min")
    stamps = stamps[~((stamps >= "2021-03-28 02:00") & (stamps < "2021-03-28 03:00"))]
    return pd.DataFrame({"at": stamps, "text": stamps.strftime("%Y-%m-%d %H:%M"),
                         "x": rng.normal(size=len(stamps))})


def _zoned(data: pd.DataFrame, zone: str | None) -> Schema:
    table = infer_schema(data).table()
    for name in ("at", "text"):
        table = table.replace_column(dataclasses.replace(table.column(name), timezone=zone))
    return Schema.single(table)


def test_a_zone_edited_on_naive_dates_makes_them_local_times_there() -> None:
    # 'timezone' on naive dates did nothing and said nothing (session 23's edited schemas)
    data = _minutes_around_summer_time()
    skipped = "2021-03-28 02:"  # Berlin's clocks went from 02:00 to 03:00
    naive = make_synthesizer("copula", seed=0).fit(data, _zoned(data, None)).sample(20_000)
    assert naive["text"].str.startswith(skipped).sum() > 0
    syn = make_synthesizer("copula", seed=0).fit(data, _zoned(data, "Europe/Berlin"))
    out = syn.sample(20_000)
    unit = data["at"].dt.unit  # pandas 3 makes these us, pandas 2 ns: the unit is kept
    assert str(out["at"].dtype) == f"datetime64[{unit}, Europe/Berlin]"  # aware in the zone
    assert out["text"].str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d").all()  # written as read
    assert not out["text"].str.startswith(skipped).any()
    assert out["at"].dt.tz_localize(None).between(data["at"].min(), data["at"].max()).all()


def test_a_local_time_the_zone_skips_is_an_error_naming_rows() -> None:
    data = _minutes_around_summer_time()
    data.loc[3, "at"] = pd.Timestamp("2021-03-28 02:30")
    with pytest.raises(DataValidationError, match=r"column 'at', row 3: the values are local "
                                                  r"times in 'Europe/Berlin'.*'2021-03-28 02:30"):
        make_synthesizer("independent").fit(data, _zoned(data, "Europe/Berlin"))


def test_a_zone_on_naive_or_utc_dates_is_checked_when_read() -> None:
    with pytest.raises(SchemaError, match="'Mars/Olympus' is not a time zone"):
        Column("at", Kind.DATETIME, dtype="datetime64[ns]", timezone="Mars/Olympus")
    with pytest.raises(SchemaError, match="'Mars/Olympus' is not a time zone"):
        Column("at", Kind.DATETIME, dtype="str", datetime_format="%Y-%m-%d",
               timezone="Mars/Olympus")
    with pytest.raises(SchemaError, match=r"literal 'Z' .* the zone can only be 'UTC'"):
        Column("at", Kind.DATETIME, dtype="str", datetime_format="%Y-%m-%dT%H:%M:%SZ",
               timezone="Europe/Berlin")
    Column("at", Kind.DATETIME, dtype="str", datetime_format="%Y-%m-%dT%H:%M:%SZ",
           timezone="UTC")
    # an aware column's zone is kept as printed, and need not be a name pandas reads back
    Column("at", Kind.DATETIME, dtype="datetime64[ns, pytz.FixedOffset(60)]",
           timezone="pytz.FixedOffset(60)")


def test_text_on_a_numeric_dtype_is_refused_at_fit_not_sampled_constant() -> None:
    # QA sweep 13, D1: kind text on int64/bool columns sampled 0 or True in every row
    data = pd.DataFrame({"id": range(1, 201), "age": [20 + i % 50 for i in range(200)]})
    table = infer_schema(data).table()
    age = Column("age", Kind.TEXT, dtype="int64")
    with pytest.raises(SchemaError, match=r"Column 'age': kind 'text' generates sentences, "
                                          r"but 'dtype' 'int64' holds numbers"):
        make_synthesizer("independent").fit(data, Schema.single(table.replace_column(age)))
    as_text = dataclasses.replace(age, dtype="str")
    out = make_synthesizer("independent", seed=0).fit(
        data.astype({"age": str}), Schema.single(table.replace_column(as_text))).sample(50)
    assert out["age"].nunique() > 1


def test_a_model_fitted_with_a_field_of_another_kind_saves_and_loads(tmp_path) -> None:
    # the stray field stays in the model's schema: loading must not refuse it
    from simulacra.synth import load_synthesizer

    data = contract_table(150)
    table = infer_schema(data).table()
    age = dataclasses.replace(table.column("age"), locale="de_DE")
    syn = make_synthesizer("independent", seed=0).fit(  # a table built in Python: as before
        data, Schema.single(table.replace_column(age)))
    syn.save(tmp_path / "m.sim")
    loaded = load_synthesizer(tmp_path / "m.sim")
    assert loaded.table_.column("age").locale == "de_DE"
    pd.testing.assert_frame_equal(loaded.sample(20, seed=1), syn.sample(20, seed=1))
