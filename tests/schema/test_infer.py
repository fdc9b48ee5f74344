"""Schema inference: kinds, codec fields, ids, dates, PII, and robustness to awkward data."""

from __future__ import annotations

import time
import uuid

import numpy as np
import pandas as pd
import pytest
from faker import Faker

from simulacra.data._codecs import TableCodec
from simulacra.errors import DataValidationError, FitWarning, InvalidParameterError
from simulacra.schema import Column, Kind, PIIType, Role, Schema, Table, infer_schema
from simulacra.schema._datetimes import parse_datetimes
from simulacra.schema._infer import decimal_places, infer_column

N = 200
TEXT = str(pd.Series(["a"]).dtype)  # pandas' dtype of text: "str" (pandas 3), "object" (2)


def fake(locale: str = "en_US", seed: int = 0) -> Faker:
    f = Faker(locale)
    f.seed_instance(seed)
    return f


def col(values: object, name: str = "x", dtype: str | None = None) -> Column:
    return infer_column(pd.Series(values, name=name, dtype=dtype))


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


# ---- numbers -------------------------------------------------------------------------------


def test_integers_are_numerical_with_range() -> None:
    c = col(rng().integers(18, 90, N), name="age")
    assert c.kind is Kind.NUMERICAL
    assert (c.integer, c.decimals, c.dtype) == (True, 0, "int64")
    assert 18 <= c.minimum <= c.maximum <= 89  # type: ignore[operator]


def test_integers_with_missing_values_stay_float64_but_integer() -> None:
    values = rng().integers(0, 1000, N).astype(float)
    values[::4] = np.nan
    c = col(values, name="income")
    assert (c.kind, c.dtype, c.integer, c.decimals) == (Kind.NUMERICAL, "float64", True, 0)
    assert c.missing_share == pytest.approx(0.25)


def test_floats_record_decimals_and_range() -> None:
    c = col([1.25, 3.5, 10.0, 0.125, -2.0], name="price")
    assert (c.integer, c.decimals, c.minimum, c.maximum) == (False, 3, -2.0, 10.0)


def test_full_precision_floats_have_no_decimals() -> None:
    c = col(rng().random(N), name="ratio")
    assert c.kind is Kind.NUMERICAL
    assert c.integer is False
    assert c.decimals is None


def test_infinite_values_do_not_enter_the_range() -> None:
    c = col([1.5, np.inf, -np.inf, 2.5, np.nan], name="v")
    assert (c.minimum, c.maximum, c.decimals) == (1.5, 2.5, 1)


def test_nullable_integer_dtype() -> None:
    c = col([1, None, 3, 7], name="n", dtype="Int64")
    assert (c.kind, c.dtype, c.integer, c.minimum, c.maximum) == (
        Kind.NUMERICAL,
        "Int64",
        True,
        1.0,
        7.0,
    )


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([0.1, 0.2, 0.3], 1),
        ([2.675, 1.005], 3),
        ([1.5, 2.25, 3.125], 3),
        ([100.0, -3.0], 0),
        ([1_000_000.5], 1),
        ([12.3456789012], 10),
        ([1 / 3], None),
        ([], 0),
    ],
)
def test_decimal_places(values: list[float], expected: int | None) -> None:
    assert decimal_places(np.array(values, dtype=float)) == expected


def test_decimal_places_look_at_every_value_of_a_large_column() -> None:
    values = np.round(rng().normal(size=50_000), 1)
    values[12_345] = 0.1234  # not in the evenly spaced sample
    assert decimal_places(values) == 4
    assert decimal_places(rng().normal(size=50_000)) is None


def test_numbers_in_an_object_column_are_numerical() -> None:
    c = col(pd.Series([1, 2.5, None, 4], dtype=object), name="score")
    assert (c.kind, c.dtype, c.decimals) == (Kind.NUMERICAL, "object", 1)


# ---- booleans and categories -----------------------------------------------------------------


@pytest.mark.parametrize(
    "series",
    [
        pd.Series([True, False, True]),
        pd.Series([True, None, False], dtype="boolean"),
        pd.Series([True, None, False], dtype=object),  # what read_csv gives with gaps
    ],
)
def test_booleans(series: pd.Series) -> None:
    c = infer_column(series.rename("flag"))
    assert (c.kind, c.cardinality, c.dtype) == (Kind.BOOLEAN, 2, str(series.dtype))


def test_low_cardinality_strings_are_categorical() -> None:
    c = col(rng().choice(["red", "green", "blue"], N), name="color")
    assert (c.kind, c.cardinality, c.dtype) == (Kind.CATEGORICAL, 3, TEXT)


def test_high_cardinality_strings_are_categorical_with_cardinality() -> None:
    codes = [f"k{v}" for v in rng().integers(0, 300, 2000)]
    c = col(codes, name="product_code")
    assert c.kind is Kind.CATEGORICAL
    assert c.cardinality == len(set(codes))
    assert c.cardinality > 250


def test_constant_columns_keep_their_kind() -> None:
    assert col(["x"] * 10).kind is Kind.CATEGORICAL
    assert col(["x"] * 10).cardinality == 1
    assert col([5] * 10, name="level").kind is Kind.NUMERICAL


def test_category_dtype_is_categorical() -> None:
    c = col(pd.Categorical(["a", "b", "a"]), name="grade")
    assert (c.kind, c.cardinality, c.dtype) == (Kind.CATEGORICAL, 2, "category")


# ---- datetimes ------------------------------------------------------------------------------


@pytest.mark.parametrize("tz", [None, "UTC", "Europe/Berlin"])
def test_native_datetimes_keep_their_time_zone(tz: str | None) -> None:
    values = pd.Series(pd.date_range("2021-03-01", periods=50, freq="6h", tz=tz))
    c = infer_column(values.rename("at"))
    assert (c.kind, c.timezone, c.datetime_format) == (Kind.DATETIME, tz, None)
    assert c.dtype == str(values.dtype)


@pytest.mark.parametrize(
    "fmt",
    [
        "%Y-%m-%d",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S.%f",
        "%d/%m/%Y",
        "%m/%d/%Y",
        "%d.%m.%Y",
        "%Y/%m/%d",
        "%d-%b-%Y",
        "%d.%m.%Y %H:%M",
        "%B %d, %Y",
        "%m/%d/%Y %I:%M %p",
        "%m/%d/%y %H:%M",  # openintro::blizzard_salary: '8/6/20 18:57' became a code
        "%d.%m.%y",
    ],
)
def test_datetime_strings_get_a_format_that_writes_them_back(fmt: str) -> None:
    stamps = pd.Series(pd.date_range("2019-12-25 01:02:03.250000", periods=120, freq="37h"))
    text = stamps.dt.strftime(fmt)
    c = infer_column(text.rename("when"))
    assert c.kind is Kind.DATETIME
    assert c.datetime_format is not None
    parsed = pd.to_datetime(text, format=c.datetime_format)
    assert (parsed.dt.strftime(c.datetime_format) == text).all()
    if fmt not in ("%d/%m/%Y", "%m/%d/%Y"):
        assert c.datetime_format == fmt
    assert (parsed.dt.year >= 2019).all()  # a two-digit year is not the year 20


def test_ambiguous_day_month_prefers_day_first() -> None:
    text = [f"{d:02d}/{m:02d}/2020" for d in range(1, 13) for m in range(1, 13)]
    assert col(text, name="d").datetime_format == "%d/%m/%Y"


def test_month_first_when_only_it_parses_every_value() -> None:
    text = [f"{m:02d}/{d:02d}/2020" for m in range(1, 13) for d in (5, 11, 25)]
    assert col(text, name="d").datetime_format == "%m/%d/%Y"


def test_utc_z_and_offsets_set_the_time_zone() -> None:
    stamps = pd.date_range("2022-01-01", periods=30, freq="h", tz="Europe/Berlin")
    z = col(stamps.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ"), name="z")
    assert (z.datetime_format, z.timezone) == ("%Y-%m-%dT%H:%M:%SZ", "UTC")
    offset = col(stamps.strftime("%Y-%m-%dT%H:%M:%S%z"), name="o")
    assert (offset.datetime_format, offset.timezone) == ("%Y-%m-%dT%H:%M:%S%z", "UTC+01:00")
    colon = col(stamps.strftime("%Y-%m-%dT%H:%M:%S+01:00"), name="c")  # written as it came
    assert (colon.datetime_format, colon.timezone) == ("%Y-%m-%dT%H:%M:%S%:z", "UTC+01:00")
    # offsets that change with summer time name a zone that has them; else UTC
    summer = col(["2022-01-01T10:00:00+01:00", "2022-07-01T10:00:00+02:00"], name="m")
    assert (summer.kind, summer.timezone) == (Kind.DATETIME, "Europe/Berlin")
    odd = col(["2022-01-01T10:00:00+01:00", "2022-07-01T10:00:00+05:00"], name="m")
    assert (odd.kind, odd.timezone) == (Kind.DATETIME, "UTC")


def test_strings_that_do_not_all_parse_are_not_datetimes() -> None:
    text = [*pd.date_range("2020-01-01", periods=30).strftime("%Y-%m-%d"), "not a date"]
    assert col(text, name="d").kind is not Kind.DATETIME
    assert col(["2020-02-30", "2020-01-01", "2020-01-02"], name="d").kind is not Kind.DATETIME


def test_a_column_of_mixed_date_formats_reads_each_and_writes_the_commonest() -> None:
    stamps = pd.Series(pd.date_range("2020-01-01", periods=90, freq="5D"))
    text = stamps.dt.strftime("%Y-%m-%d").where(stamps.index % 3 > 0,
                                                stamps.dt.strftime("%Y/%m/%d"))
    c = col(text, name="d")
    assert (c.kind, c.datetime_format) == (Kind.DATETIME, "%Y-%m-%d | %Y/%m/%d")
    assert (parse_datetimes(text, c.datetime_format) == stamps).all()
    table = Table("t", (c,))
    with pytest.warns(FitWarning, match="written in 2 formats .* the first, '%Y-%m-%d'"):
        codec = TableCodec.fit(text.rename("d").to_frame(), table)
    out = codec.decode(codec.encode(text.rename("d").to_frame()), rng=rng())
    assert out["d"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    # and dates are never taken for phone numbers
    assert col([*text[:20].tolist(), "not a date"], name="d").pii_type is not PIIType.PHONE


def test_datetime_check_covers_every_value_not_just_the_sample() -> None:
    text = list(pd.date_range("2000-01-01", periods=5000, freq="h").strftime("%Y-%m-%d %H:%M"))
    text[2501] = "2000-13-01 00:00"
    assert col(text, name="d").kind is not Kind.DATETIME


def test_fields_written_without_padding_get_the_unpadded_spelling() -> None:
    # Stat2Data::Marathon: '1/6/2006' was learned as %m/%d/%Y and written back '01/06/2006'
    stamps = pd.Series(pd.date_range("2002-01-01 09:05", periods=200, freq="31h"))
    dates = stamps.map(lambda s: f"{s.month}/{s.day}/{s.year}")
    assert col(dates, name="d").datetime_format == "%-m/%-d/%Y"
    hours = stamps.map(lambda s: f"{s.hour}:{s.minute:02d}")
    assert col(hours, name="t").datetime_format == "%-H:%M"
    stamped = stamps.map(lambda s: f"{s.day}.{s.month:02d}.{s.year} {s.hour % 12 or 12}:"
                                   f"{s.minute:02d} {'AM' if s.hour < 12 else 'PM'}")
    assert col(stamped, name="t").datetime_format == "%-d.%m.%Y %-I:%M %p"
    mixed = col([*["2022/03/04", "2022/12/14"] * 5, *dates], name="d").datetime_format
    assert mixed == "%-m/%-d/%Y | %Y/%m/%d"


def test_mixed_padding_follows_the_majority_and_a_tie_keeps_the_padding() -> None:
    mostly = ["1/06/2006", "2/07/2006", "03/08/2006", "12/18/2008"] * 10
    assert col(mostly, name="d").datetime_format == "%-m/%d/%Y"  # 2 of 3 months unpadded
    tie = ["1/6/2006", "02/07/2006", "12/18/2008"] * 10
    assert col(tie, name="d").datetime_format == "%m/%d/%Y"
    padded = pd.date_range("2000-01-01", periods=60, freq="9D").strftime("%m/%d/%Y")
    assert col(padded, name="d").datetime_format == "%m/%d/%Y"


def test_unpadded_formats_parse_like_padded_ones() -> None:
    text = pd.Series(["1/6/2006", "12/18/2008", "01/02/2003"])
    assert (parse_datetimes(text, "%-m/%-d/%Y") == parse_datetimes(text, "%m/%d/%Y")).all()
    assert parse_datetimes(text, "%-m/%-d/%Y").notna().all()


def test_integers_that_are_all_dates_are_datetimes_kept_as_integers() -> None:
    # Ecdat::Pound: dates written 19750103 were taken for an id
    days = pd.Series(pd.date_range("1975-01-03", periods=300, freq="7D"))
    numbers = days.dt.strftime("%Y%m%d").astype(np.int64)
    for name in ("date", "x"):
        c = col(numbers, name=name)
        assert (c.kind, c.datetime_format, c.dtype) == (Kind.DATETIME, "%Y%m%d", "int64")
    gaps = numbers.astype(np.float64).where(numbers.index % 7 > 0)  # missing: float64
    assert (col(gaps, name="day").kind, col(gaps, name="day").datetime_format) == (
        Kind.DATETIME, "%Y%m%d")
    months = days.dt.strftime("%Y%m").astype(np.int64)
    assert col(months, name="period").datetime_format == "%Y%m"
    assert col(months, name="x").datetime_format == "%Y%m"


def test_integers_that_are_not_all_dates_stay_numbers() -> None:
    # random account numbers of eight digits: almost none is a date, never all of them
    accounts = rng().integers(10_000_000, 99_999_999, 300)
    assert col(accounts, name="x").kind is Kind.ID
    assert col(accounts, name="date").kind is not Kind.DATETIME
    in_range = rng().integers(18_000_101, 21_001_231, 300)
    assert col(in_range, name="date").kind is not Kind.DATETIME
    one_bad = [20210105, 20210230, 20220101, 20220315, 20230101, 20230601] * 5
    assert col(one_bad, name="date").kind is not Kind.DATETIME
    # consecutive integers that happen to be days of one month are an id without a date name
    run = np.arange(20210101, 20210129)
    assert col(run, name="x").kind is Kind.ID
    assert col(run, name="date").kind is Kind.DATETIME
    # named as a number of something, or too few values to tell without a name
    assert col([20210105, 20210611, 20220101] * 10, name="account_no").kind is not (
        Kind.DATETIME)
    assert col([20210105, 20210611, 20220101] * 10, name="x").kind is not Kind.DATETIME
    assert col([20210105, 20210611, 20220101] * 10, name="x_date").kind is Kind.DATETIME
    # months of a single year in order are not told from a count of something
    assert col(np.arange(202101, 202113), name="x").kind is not Kind.DATETIME


# ---- ids ------------------------------------------------------------------------------------


def test_integer_id_by_name() -> None:
    c = col(rng().permutation(50) * 7 + 3, name="customerId")
    assert (c.kind, c.unique, c.id_format) == (Kind.ID, True, "integer")


@pytest.mark.parametrize("name", ["order_no", "Kundennummer", "ticketNr", "account", "room_num",
                                  "customer", "policy_number"])
def test_unique_integers_of_mixed_widths_named_as_numbers_are_ids(name: str) -> None:
    # not consecutive, widths 1-7 digits: only the name says so; as a number, the sample's
    # range would span the real smallest and largest
    values = rng().choice(np.arange(1, 10**7), 200, replace=False)
    assert col(values, name=name).kind is Kind.ID
    assert col(values, name="amount").kind is Kind.NUMERICAL
    assert col(values % 50, name=name).kind is Kind.NUMERICAL  # repeated: not an id


def test_consecutive_integers_are_an_id_without_an_id_name() -> None:
    assert col(np.arange(1, 101), name="row").kind is Kind.ID
    assert col(np.arange(1, 6), name="rank").kind is Kind.NUMERICAL  # too few rows to tell
    assert col(rng().permutation(100) * 3, name="score").kind is Kind.NUMERICAL
    # a run of years or a rank is a quantity (DAAG::bomregions2021 Year 1900-2021 came back
    # as 2022-2145; HSAUR::Forbes2000 rank 1-2000 as 2001-4000)
    assert col(np.arange(1900, 2022), name="Year").kind is Kind.NUMERICAL
    assert col(rng().permutation(np.arange(1, 2001)), name="rank").kind is Kind.NUMERICAL
    assert col(np.arange(1, 301), name="rownames").kind is Kind.ID


@pytest.mark.parametrize(
    ("values", "template"),
    [
        ([f"C-{i:05d}" for i in range(1, 60)], "C-{:05d}"),
        ([f"ORD{i}" for i in range(5, 95)], "ORD{:d}"),
        ([f"{{x}}-{i:03d}" for i in range(40)], "{{x}}-{:03d}"),
    ],
)
def test_prefix_and_digits_give_a_template(values: list[str], template: str) -> None:
    c = col(values, name="reference")
    assert (c.kind, c.id_format, c.unique) == (Kind.ID, template, True)
    assert c.id_format.format(int(values[-1][-2:])).endswith(values[-1][-2:])  # type: ignore[union-attr]
    assert c.id_format.format(42) in ("C-00042", "ORD42", "{x}-042")  # type: ignore[union-attr]


def test_uuids_are_ids() -> None:
    ids = [str(uuid.UUID(int=int(v))) for v in rng().integers(0, 2**62, 40)]
    c = col(ids, name="token")
    assert (c.kind, c.id_format) == (Kind.ID, "uuid")


def test_digit_strings_named_like_an_id() -> None:
    c = col([f"{i:06d}" for i in range(30)], name="account_key")
    assert (c.kind, c.id_format) == (Kind.ID, "{:06d}")


def test_unique_strings_named_like_an_id_without_a_pattern() -> None:
    tokens = [uuid.UUID(int=int(v)).hex[-10:] + "x" for v in rng().integers(0, 2**62, 30)]
    c = col(tokens, name="id")
    assert (c.kind, c.id_format) == (Kind.ID, None)


def test_not_ids_when_repeated_or_missing() -> None:
    repeated = [f"C-{i % 10:03d}" for i in range(40)]
    assert col(repeated, name="customer_id").kind is Kind.CATEGORICAL
    with_gap = [*[f"C-{i:03d}" for i in range(40)], None]
    assert col(with_gap, name="customer_id").kind is not Kind.ID
    assert col([1.0, 2.0, np.nan, 4.0], name="id").kind is Kind.NUMERICAL


def test_primary_key_is_the_first_id_column() -> None:
    df = pd.DataFrame(
        {"v": rng().random(30), "order_id": np.arange(30), "ref": [f"R-{i:03d}" for i in range(30)]}
    )
    table = infer_schema(df, name="orders").table()
    assert table.name == "orders"
    assert table.primary_key == "order_id"
    assert table.column("ref").kind is Kind.ID


# ---- free text ------------------------------------------------------------------------------


def test_long_unique_strings_are_text() -> None:
    f = fake()
    c = col([f.paragraph(nb_sentences=3) for _ in range(60)], name="review")
    assert c.kind is Kind.TEXT


def test_short_repeated_phrases_are_categorical() -> None:
    phrases = ["very good service overall", "bad", "ok I guess, nothing special here"]
    assert col(list(rng().choice(phrases, 100)), name="review").kind is Kind.CATEGORICAL


# ---- PII ------------------------------------------------------------------------------------


def neutral(n: int = 40) -> list[str]:
    return [f"v{i}" for i in rng().integers(0, 10, n)]


@pytest.mark.parametrize(
    ("name", "pii"),
    [
        ("email", PIIType.EMAIL),
        ("e_mail", PIIType.EMAIL),
        ("customerEmail", PIIType.EMAIL),
        ("Email Address", PIIType.EMAIL),
        ("phone", PIIType.PHONE),
        ("mobile_number", PIIType.PHONE),
        ("Tel", PIIType.PHONE),
        ("first_name", PIIType.FIRST_NAME),
        ("fname", PIIType.FIRST_NAME),
        ("givenName", PIIType.FIRST_NAME),
        ("surname", PIIType.LAST_NAME),
        ("LastName", PIIType.LAST_NAME),
        ("full_name", PIIType.PERSON_NAME),
        ("patient_name", PIIType.PERSON_NAME),
        ("customer_name", PIIType.PERSON_NAME),
        ("street_address", PIIType.STREET_ADDRESS),
        ("address", PIIType.STREET_ADDRESS),
        ("address_line_1", PIIType.STREET_ADDRESS),
        ("iban", PIIType.IBAN),
        ("credit_card_number", PIIType.CREDIT_CARD),
        ("ssn", PIIType.NATIONAL_ID),
        ("national_id", PIIType.NATIONAL_ID),
        ("passport_no", PIIType.NATIONAL_ID),
    ],
)
def test_pii_from_strong_column_names(name: str, pii: PIIType) -> None:
    c = col(neutral(), name=name)
    assert (c.kind, c.pii_type) == (Kind.PII, pii)
    assert c.is_generated


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("email_opt_in", ["yes", "no", "yes", "no"] * 10),
        ("product_name", [f"Widget {c}" for c in "ABCDEFGH"] * 5),
        ("phone_type", ["mobile", "home", "work", "home"] * 10),
        ("name", [f"Widget {c}" for c in "ABCDEFGH"] * 5),
    ],
)
def test_names_that_only_look_personal_are_not_pii(name: str, values: list[str]) -> None:
    assert col(values, name=name).kind is not Kind.PII


def test_weak_name_with_person_values_is_pii() -> None:
    f = fake()
    c = col([f.name() for _ in range(50)], name="name")
    assert c.pii_type is PIIType.PERSON_NAME


def test_pii_from_values_alone() -> None:
    f = fake()
    data = {
        "a": [f.email() for _ in range(N)],
        "b": [f.ssn() for _ in range(N)],
        "c": [f.credit_card_number() for _ in range(N)],
        "d": [f.name() for _ in range(N)],
        "e": [f.first_name() for _ in range(N)],
        "f": [f.last_name() for _ in range(N)],
        "g": [f.street_address() for _ in range(N)],
        "h": [
            f"({v // 10000:03d}) {v // 10 % 1000:03d}-{v % 10000:04d}"
            for v in rng().integers(2_000_000_000, 9_999_999_999, N)
        ],
    }
    table = infer_schema(pd.DataFrame(data)).table()
    got = {c.name: c.pii_type for c in table.columns}
    assert got == {
        "a": PIIType.EMAIL,
        "b": PIIType.NATIONAL_ID,
        "c": PIIType.CREDIT_CARD,
        "d": PIIType.PERSON_NAME,
        "e": PIIType.FIRST_NAME,
        "f": PIIType.LAST_NAME,
        "g": PIIType.STREET_ADDRESS,
        "h": PIIType.PHONE,
    }


def test_blank_strings_do_not_hide_pii() -> None:
    f = fake()
    emails = [f.email() if i % 5 else "" for i in range(50)]
    assert col(emails, name="contact_info").pii_type is PIIType.EMAIL


def test_card_numbers_must_pass_luhn() -> None:
    f = fake()
    valid = [f.credit_card_number(card_type="visa16") for _ in range(50)]
    broken = [v[:-1] + str((int(v[-1]) + 1) % 10) for v in valid]
    assert col(valid, name="x").pii_type is PIIType.CREDIT_CARD
    assert col(broken, name="x").pii_type is PIIType.CODE  # mostly unique: a code, no card


@pytest.mark.parametrize(("locale", "expected"), [("de_DE", "de_DE"), ("en_GB", "en_GB")])
def test_iban_checksum_and_locale(locale: str, expected: str) -> None:
    ibans = [fake(locale).iban() for _ in range(1)] + [fake(locale, s).iban() for s in range(40)]
    c = col(ibans, name="account")
    assert (c.pii_type, c.locale) == (PIIType.IBAN, expected)
    tampered = [v[:2] + f"{(int(v[2:4]) + 1) % 100:02d}" + v[4:] for v in ibans]
    assert col(tampered, name="account").pii_type is PIIType.CODE


@pytest.mark.parametrize(
    ("prefix", "locale"), [("+44 20", "en_GB"), ("+49 30", "de_DE"), ("+1 415", None)]
)
def test_phone_locale_from_country_prefix(prefix: str, locale: str | None) -> None:
    numbers = [f"{prefix} {v:07d}" for v in rng().integers(0, 10**7, 40)]
    c = col(numbers, name="phone")
    assert (c.pii_type, c.locale) == (PIIType.PHONE, locale)


def test_numeric_columns_with_a_pii_name_are_pii() -> None:
    c = col(rng().integers(2_000_000_000, 9_999_999_999, 30), name="phone_number")
    assert (c.kind, c.pii_type, c.dtype) == (Kind.PII, PIIType.PHONE, "int64")
    # a name alone does not make 5-digit facility numbers card numbers (tidyr::cms_patient_care)
    assert col([11500, 11501, 11502, 11503] * 10, name="ccn").kind is Kind.NUMERICAL


def test_year_and_number_codes_are_not_months() -> None:
    # openintro::exam_grades: semesters "2000-1" were read as %Y-%m and written "2000-01"
    assert col(["2000-1", "2000-2", "2001-1", "2001-2"] * 10, name="semester").kind is (
        Kind.CATEGORICAL)
    month = col(["2000-01", "2000-02", "2001-11", "2001-12"] * 10, name="month")
    assert (month.kind, month.datetime_format) == (Kind.DATETIME, "%Y-%m")


def test_city_names_are_not_mistaken_for_person_names() -> None:
    cities = ["Jackson", "Madison", "Austin", "Charlotte", "Lincoln", "Houston", "Jordan"] * 6
    assert col(cities, name="city").kind is Kind.CATEGORICAL


# ---- robustness -----------------------------------------------------------------------------


def test_all_null_and_mixed_columns_do_not_crash() -> None:
    df = pd.DataFrame(
        {
            "empty": [None] * 6,
            "nan": [np.nan] * 6,
            "mixed": [1, "a", 2.5, None, "b", [1, 2]],
            "ok": list(range(6)),
        }
    )
    table = infer_schema(df).table()
    assert table.column("empty").kind is Kind.CATEGORICAL
    assert table.column("empty").missing_share == 1.0
    assert table.column("nan").missing_share == 1.0
    assert table.column("mixed").kind is Kind.CATEGORICAL


def test_zero_rows_infer_from_dtypes() -> None:
    df = pd.DataFrame({"a": pd.Series([], dtype="int64"), "b": pd.Series([], dtype="str")})
    table = infer_schema(df).table()
    assert [c.missing_share for c in table.columns] == [0.0, 0.0]
    assert [c.dtype for c in table.columns] == ["int64", TEXT]


def test_dtype_is_the_input_dtype_and_missing_share_counts_only_nulls() -> None:
    df = pd.DataFrame(
        {
            "s": pd.Series(["a", "", None, "b"], dtype="str"),
            "o": pd.Series(["a", "", None, "b"], dtype=object),
            "f": [1.0, None, 2.0, 3.0],
            "b": [True, False, True, True],
        }
    )
    table = infer_schema(df).table()
    assert [c.dtype for c in table.columns] == [str(t) for t in df.dtypes]
    assert table.column("s").missing_share == 0.25
    assert table.column("o").missing_share == 0.25
    assert table.column("s").cardinality == 3  # "" is a value


def test_roles_override_the_default() -> None:
    df = pd.DataFrame({"x": [1, 2, 3], "y": ["a", "b", "a"]})
    table = infer_schema(df, roles={"y": Role.TARGET, "x": "sensitive"}).table()  # type: ignore[dict-item]
    assert table.column("y").role is Role.TARGET
    assert table.column("x").role is Role.SENSITIVE
    assert infer_schema(df).table().column("y").role is Role.FEATURE


def test_bad_arguments() -> None:
    df = pd.DataFrame({"x": [1, 2, 3]})
    with pytest.raises(InvalidParameterError, match="nope"):
        infer_schema(df, roles={"nope": Role.TARGET})
    with pytest.raises(InvalidParameterError, match="roles"):
        infer_schema(df, roles={"x": "boss"})  # type: ignore[dict-item]
    with pytest.raises(InvalidParameterError, match="DataFrame"):
        infer_schema([[1, 2]])  # type: ignore[arg-type]
    dupes = pd.DataFrame([[1, 2], [3, 4]], columns=["a", "a"])
    with pytest.raises(DataValidationError, match="appears 2 times"):
        infer_schema(dupes)


def test_inferred_schema_round_trips_through_json() -> None:
    f = fake()
    df = pd.DataFrame(
        {
            "id": np.arange(30),
            "email": [f.email() for _ in range(30)],
            "when": pd.date_range("2020-01-01", periods=30, tz="UTC"),
            "day": pd.date_range("2020-01-01", periods=30).strftime("%d.%m.%Y"),
            "v": np.round(rng().random(30), 2),
            "c": list(rng().choice(["a", "b"], 30)),
        }
    )
    schema = infer_schema(df)
    assert Schema.from_json(schema.to_json()) == schema


@pytest.mark.slow
def test_inference_is_fast_on_many_rows() -> None:
    n = 300_000
    r = rng()
    words = np.array([f"w{i}" for i in range(500)])
    df = pd.DataFrame(
        {
            "id": np.arange(n),
            "ref": pd.Series([f"R-{i:07d}" for i in range(n)], dtype="str"),
            "i": r.integers(0, 100, n),
            "f": r.normal(size=n),
            "g": np.round(r.normal(size=n), 2),
            "cat": pd.Series(r.choice(words, n), dtype="str"),
            "when": pd.Series(
                pd.date_range("2000-01-01", periods=n, freq="min").strftime("%Y-%m-%d %H:%M"),
                dtype="str",
            ),
            "flag": r.random(n) < 0.3,
        }
    )
    start = time.perf_counter()
    table = infer_schema(df).table()
    elapsed = time.perf_counter() - start
    assert table.column("when").datetime_format == "%Y-%m-%d %H:%M"
    assert table.column("ref").id_format == "R-{:07d}"
    assert elapsed < 20.0  # generous: CI machines are shared


def test_a_street_column_of_road_types_is_not_an_address() -> None:
    # ames' Street holds Pave/Grvl: the bare name "street" needs address-like values.
    df = pd.DataFrame({"Street": ["Pave", "Grvl"] * 60,
                       "street": [f"{i} Main Street" for i in range(120)]})
    table = infer_schema(df).table()
    assert table.column("Street").kind is Kind.CATEGORICAL
    assert table.column("street").pii_type is PIIType.STREET_ADDRESS


def test_pii_shares_count_rows_not_distinct_values() -> None:
    # validators run once per distinct value, weighted by its count: a column whose rows are
    # 95% e-mail addresses is an e-mail column even if most of its distinct values are not
    emails = [f"user{k}@example.com" for k in range(5)]
    others = [f"code {k}" for k in range(50)]
    column = infer_column(pd.Series(emails * 380 + others * 2, name="info"))
    assert column.kind is Kind.PII and column.pii_type is PIIType.EMAIL
    # and the reverse: a few distinct e-mails repeated on a small share of rows are not
    column = infer_column(pd.Series(emails * 10 + [f"code {k}" for k in range(950)], name="info"))
    assert column.pii_type is PIIType.CODE  # mostly unique strings, not e-mail addresses


def test_every_listed_name_has_the_name_shape() -> None:
    # single-name detection skips loading Faker's name lists when too few values have the
    # shape of a name; a listed name without that shape would go undetected
    from simulacra.schema._pii import _NAME_SHAPE_RE, _name_lists

    first, last = _name_lists()
    assert [n for n in first | last if not _NAME_SHAPE_RE.fullmatch(n)] == []
    codes = ["Sales_Executive", "Research & Development", "3rd floor", "R2-D2", "Lab_Tech"]
    assert not any(_NAME_SHAPE_RE.fullmatch(v) for v in codes)


def test_a_few_names_repeated_over_many_rows_are_labels() -> None:
    # single names need at least sqrt(rows) distinct values: eight first names on 400 rows
    # are labels (ames' Condition_1 "Norm", "Feedr", ...), and Faker's lists need not load
    from simulacra.schema._pii import _name_lists

    _name_lists.cache_clear()
    labels = ["James", "Mary", "Robert", "Linda", "Karen", "Thomas", "Nancy", "Paul"]
    column = infer_column(pd.Series(labels * 50, name="info"))
    assert column.kind is not Kind.PII
    assert _name_lists.cache_info().misses == 0
    # 40 distinct first names on 400 rows: at least sqrt(400), so they are people's names
    first = sorted(_name_lists()[0])[::97][:40]
    column = infer_column(pd.Series(first * 10, name="info"))
    assert column.pii_type is PIIType.FIRST_NAME


def test_a_few_wordy_values_do_not_hide_digit_pii() -> None:
    # the digit-holding validators are skipped only when too few values hold a digit to
    # reach the share: 5% of "unknown" among phone numbers must not skip them
    phones = [f"(555) {k:03d}-{k * 7 % 10000:04d}" for k in range(200, 390)]
    column = infer_column(pd.Series(phones + ["unknown"] * 10, name="info"))
    assert column.pii_type is PIIType.PHONE


def test_name_lists_load_only_when_enough_values_could_be_full_names() -> None:
    # "Never Married" has a full name's shape; when too few weighted values have it, the
    # share of known names cannot reach the threshold and Faker's lists need not load
    from simulacra.schema._pii import _name_lists

    _name_lists.cache_clear()
    labels = ["Married", "Never Married", "Divorced", "High School"]  # too few for first names
    column = infer_column(pd.Series(labels * 60, name="info"))
    assert column.kind is not Kind.PII
    assert _name_lists.cache_info().misses == 0
    # 85% full names, 15% "n/a": the shape share passes the 80% bar, so the lists load
    names = ["James Smith", "Mary Johnson", "Robert Brown", "Linda Davis", "Karen Miller"]
    column = infer_column(pd.Series(names * 34 + ["n/a"] * 30, name="info"))
    assert column.pii_type is PIIType.PERSON_NAME


# ---- personal data under unhelpful names --------------------------------------------------
@pytest.mark.parametrize(
    ("name", "pii"),
    [("telefon", PIIType.PHONE), ("handynummer", PIIType.PHONE), ("vorname", PIIType.FIRST_NAME),
     ("nachname", PIIType.LAST_NAME), ("anschrift", PIIType.STREET_ADDRESS),
     ("courriel", PIIType.EMAIL)],
)
def test_pii_from_column_names_in_other_languages(name: str, pii: PIIType) -> None:
    assert col(neutral(), name=name).pii_type is pii


@pytest.mark.parametrize("name", ["email", "phone", "first_name", "address"])
def test_a_yes_no_flag_under_a_personal_data_name_stays_a_flag(name: str) -> None:
    # AER::ResumeNames' email: whether the resume lists an address
    c = col(["yes", "no", "no", "yes"] * 20, name=name)
    assert c.kind is Kind.CATEGORICAL
    assert col(["yes", "ann@example.com"] * 20, name="email").pii_type is PIIType.EMAIL


def test_phone_numbers_with_extensions_are_phones() -> None:
    numbers = [f"{a}-{b}-{c:04d}x{e}" for a, b, c, e in rng().integers(200, 999, (60, 4))]
    assert col(numbers, name="col_b").pii_type is PIIType.PHONE


def test_names_with_titles_and_degrees_are_names_and_keep_their_locale() -> None:
    f = fake("de_DE", 4)
    names = [f"{f.prefix()} {f.first_name()} {f.last_name()} {f.suffix()}".strip()
             for _ in range(60)]
    c = col(names, name="kunde")
    assert (c.pii_type, c.locale) == (PIIType.PERSON_NAME, "de_DE")
    assert col([fake("en_US", 5).name() for _ in range(60)], name="who").locale is None


def test_phones_and_addresses_that_show_no_locale_take_the_tables() -> None:
    f = fake("pl_PL", 6)
    people = pd.DataFrame({
        "kunde": [f.name() for _ in range(80)],
        "telefon": [f"0{v:03d} {w:07d}" for v, w in rng().integers(30, 999, (80, 2)) * [1, 9973]],
        "adresse": [f"ul. {f.last_name()} {i}" for i in range(80)],
    })
    found = {c.name: c.locale for c in infer_schema(people).table().columns}
    assert found == {"kunde": "pl_PL", "telefon": "pl_PL", "adresse": "pl_PL"}
    # on their own, nothing in these phones or addresses shows a locale
    assert col(people["telefon"], name="telefon").locale is None
    assert col(people["adresse"], name="adresse").locale is None
    # numbers with a country code say where they are from (+1: en_US)
    us = people.assign(telefon=[f"+1 415 {v:07d}" for v in rng().integers(0, 10**7, 80)])
    assert infer_schema(us).table().column("telefon").locale is None
    # personal data of two locales: nothing is assumed
    italian = fake("it_IT", 7)
    mixed = people.assign(cliente=[italian.name() for _ in range(80)])
    assert infer_schema(mixed).table().column("telefon").locale is None


def test_phones_and_addresses_that_show_their_own_country_keep_it() -> None:
    # `simulacra mock --example`: German names, Faker's en_US addresses and phones
    german, us = fake("de_DE", 8), fake("en_US", 8)
    people = pd.DataFrame({
        "name": [german.name() for _ in range(200)],
        "phone": [us.phone_number() for _ in range(200)],
        "address": [us.address() for _ in range(200)],
    })
    found = {c.name: c.locale for c in infer_schema(people).table().columns}
    assert found == {"name": "de_DE", "phone": None, "address": None}  # en_US
    # without their `+1` and `001` numbers, North American layouts still tell
    bare = people.assign(phone=[f"({a}){b}-{c:04d}" if i % 2 else f"{a}{b}{c:04d}"
                                for i, (a, b, c) in enumerate(
                                    rng().integers(200, 999, (200, 3)) * [1, 1, 10])])
    assert infer_schema(bare).table().column("phone").locale is None
    # a state and ZIP code line is American, also beside British names
    british = fake("en_GB", 8)
    uk = people.assign(name=[british.name() for _ in range(200)])
    assert infer_schema(uk).table().column("address").locale is None
    # English street words without it are any English-speaking country's: the table's if
    # it is one, never a German table's
    streets = [f"{i} {british.last_name()} Rd" for i in range(200)]
    assert infer_schema(uk.assign(address=streets)).table().column("address").locale == "en_GB"
    assert infer_schema(people.assign(address=streets)).table().column("address").locale is None
    # ten digits are also an Italian mobile's: bare ones take an Italian table's locale
    italian = fake("it_IT", 8)
    mobiles = pd.DataFrame({
        "cliente": [italian.name() for _ in range(200)],
        "telefono": [f"3{v:09d}" for v in rng().integers(2 * 10**8, 10**9 - 1, 200)],
    })
    assert infer_schema(mobiles).table().column("telefono").locale == "it_IT"


def test_ip_addresses_are_personal_whatever_the_name() -> None:
    v4 = [f"10.0.{i}.{i + 1}" for i in range(40)]
    v6 = [f"2001:db8::{i:x}" for i in range(40)]
    for name in ("ip_address", "host", "x"):
        assert col(v4, name=name).pii_type is PIIType.IP_ADDRESS
    assert col(v6, name="client").pii_type is PIIType.IP_ADDRESS
    assert col([f"10.0.{i}.{i + 300}" for i in range(40)], name="x").pii_type is not (
        PIIType.IP_ADDRESS)  # parts above 255


def test_countries_and_states_one_per_row_stay_categories() -> None:
    # dslabs::murders `state`, stevedata::Lipset59 `country` came back as random letters
    from faker.providers.address.en_US import Provider

    states = list(Provider.states)
    assert col(states, name="state").kind is Kind.CATEGORICAL
    countries = ["Australia", "Belgium", "Canada", "Chile", "Denmark", "Finland", "France",
                 "Germany", "Greece", "Iceland", "Ireland", "Italy", "Japan", "Mexico",
                 "Norway", "Peru", "Spain", "Sweden", "Uruguay", "Venezuela", "Brazil", "Laos"]
    assert col(countries, name="country").kind is Kind.CATEGORICAL
    plates = [f"{s[:3].upper()}-{i:03d}" for i, s in enumerate(states)]
    assert col(plates, name="x").pii_type is PIIType.CODE  # not places: still codes


def test_mostly_unique_strings_are_codes_not_categories() -> None:
    plates = [f"AB{i:02d} X{chr(65 + i % 26)}Z" for i in range(60)]
    assert col(plates, name="license").pii_type is PIIType.CODE
    # half repeated still counts; fewer distinct values or shares stay categories
    assert col(plates[:30] * 2, name="license").pii_type is PIIType.CODE
    # repeated codes in words may be categories (product names): told of
    words = [f"{a} {b}" for a in ("red", "green", "blue", "pale", "dark", "bright")
             for b in ("apple", "pear", "plum", "fig", "lime")]
    with pytest.warns(FitWarning, match=r"'product' has 30 distinct values in 60 rows.*"
                                        r"100% of rows holding a repeated value"):
        assert col(words * 2, name="product").pii_type is PIIType.CODE
    assert col(plates[:19] * 3, name="license").kind is Kind.CATEGORICAL
    assert col(plates[:29] * 3, name="license").kind is Kind.CATEGORICAL


def test_integer_card_numbers_are_found_by_their_checksum() -> None:
    f = fake()
    cards = [int(f.credit_card_number(card_type="visa16")) for _ in range(60)]
    assert col(cards, name="cc").pii_type is PIIType.CREDIT_CARD
    broken = [v + 1 if v % 10 < 9 else v - 1 for v in cards]
    assert col(broken, name="cc").kind is Kind.ID  # no card, but numbers of one wide width


def test_integer_card_numbers_of_12_to_19_digits_are_cards() -> None:
    f = fake()
    cards = [int(v) for v in (f.credit_card_number() for _ in range(140)) if v[0] != "0"]
    bodies = [str(v) for v in rng().integers(50180000000, 50189999999, 10)]  # Maestro
    cards += [int(b + d) for b in bodies for d in "0123456789" if _luhn(b + d)]
    assert min(cards) < 10**12  # ten of 12 digits
    assert col(cards, name="card").pii_type is PIIType.CREDIT_CARD


def _luhn(number: str) -> bool:
    digits = [int(c) for c in reversed(number)]
    total = sum(digits[0::2]) + sum(sum(divmod(2 * d, 10)) for d in digits[1::2])
    return total % 10 == 0


def test_email_addresses_that_never_repeat_stay_unique() -> None:
    f = fake()
    emails = list(dict.fromkeys(f.email() for _ in range(80)))
    assert col(emails, name="login").unique
    assert not col(emails[:30] * 2, name="login").unique


def test_national_ids_accounts_and_cards_that_never_repeat_stay_unique() -> None:
    f = fake()
    columns = {"ssn": [f.ssn() for _ in range(80)], "iban": [f.iban() for _ in range(80)],
               "card": [f.credit_card_number(card_type="visa16") for _ in range(80)]}
    for name, values in columns.items():
        values = list(dict.fromkeys(values))
        assert col(values, name=name).unique, name
        assert not col(values[:30] * 2, name=name).unique, name
    phones = list(dict.fromkeys(f.phone_number() for _ in range(80)))  # a household's, shared
    assert not col(phones, name="phone").unique


def test_consecutive_integers_above_2_to_the_53_are_still_an_id() -> None:
    c = col(np.arange(2**55, 2**55 + 50, dtype=np.int64), name="bigid")
    assert (c.kind, c.id_format) == (Kind.ID, "integer")


@pytest.mark.parametrize("locale", ["en_GB", "it_IT", "fr_FR", "nl_NL", "pl_PL", "sv_SE",
                                    "fi_FI", "no_NO", "nl_BE"])
def test_national_ids_laid_out_like_a_country_take_its_locale(locale: str) -> None:
    ids = list(dict.fromkeys(fake(locale, s).ssn() for s in range(60)))
    c = col(ids, name="national_id")
    assert (c.pii_type, c.locale) == (PIIType.NATIONAL_ID, locale)
    assert col([fake("en_US", s).ssn() for s in range(60)], name="ssn").locale is None


def test_spanish_dnis_are_found_by_their_check_letter_under_any_name() -> None:
    f = fake("es_ES", 0)
    ids = list(dict.fromkeys([f.nif() for _ in range(50)] + [f.nie() for _ in range(20)]))
    c = col(ids, name="documento")
    assert (c.kind, c.pii_type, c.locale) == (Kind.PII, PIIType.NATIONAL_ID, "es_ES")
    wrong = [v[:-1] + ("A" if v[-1] != "A" else "B") for v in ids]  # letters that do not check
    assert col(wrong, name="documento").pii_type is PIIType.CODE


def test_finnish_henkilotunnus_are_found_by_their_check_character_under_any_name() -> None:
    ids = list(dict.fromkeys(fake("fi_FI", s).ssn() for s in range(60)))
    c = col(ids, name="tunnus")
    assert (c.kind, c.pii_type, c.locale) == (Kind.PII, PIIType.NATIONAL_ID, "fi_FI")
    wrong = [v[:-1] + ("1" if v[-1] == "0" else "0") for v in ids]  # checks that do not hold
    assert col(wrong, name="tunnus").pii_type is PIIType.CODE


def test_unique_numbers_of_one_wide_width_are_account_numbers_not_measures() -> None:
    accounts = np.unique(rng().integers(10**9, 10**10, 200))
    assert col(accounts, name="acct").kind is Kind.ID  # no real extreme is replayed
    assert col(np.unique(rng().integers(10**5, 10**9, 200)), name="income").kind is (
        Kind.NUMERICAL)  # several widths: a measure
