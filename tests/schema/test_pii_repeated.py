"""Personal data that repeats over rows is detected as PII, not learned as a category.

A column that stays categorical is replayed verbatim by every synthesizer, so a customer's
phone, id, name or address on each of their orders must be recognised from its values just
as when it is unique.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from faker import Faker

from simulacra.errors import PrivacyWarning
from simulacra.schema import Kind, PIIType, check_data, infer_schema
from simulacra.schema._check import collect_issues
from simulacra.schema._infer import infer_column
from simulacra.schema._model import Column
from simulacra.schema._national_id_rules import is_nir, is_resident_id


def _repeated(values: list[str], n_rows: int = 1500, name: str = "col_a") -> pd.Series:
    """``values`` spread over ``n_rows`` rows, each one several times (orders per customer)."""
    rng = np.random.default_rng(0)
    return pd.Series(rng.choice(np.array(values, dtype=object), n_rows), name=name)


def _faker_values(locale: str, provider: str, n: int = 200) -> list[str]:
    fake = Faker(locale)
    fake.seed_instance(1)
    return sorted({getattr(fake, provider)().replace("\n", ", ") for _ in range(n)})


@pytest.mark.parametrize(
    ("locale", "provider", "expected"),
    [
        ("it_IT", "phone_number", PIIType.PHONE),  # half bare (0571371302), half +39
        ("de_DE", "phone_number", PIIType.PHONE),
        ("zh_CN", "phone_number", PIIType.PHONE),  # 13912345678
        ("it_IT", "ssn", PIIType.NATIONAL_ID),  # codice fiscale
        ("pl_PL", "ssn", PIIType.NATIONAL_ID),  # PESEL
        ("sv_SE", "ssn", PIIType.NATIONAL_ID),  # personnummer
        ("nl_NL", "ssn", PIIType.NATIONAL_ID),  # BSN
        ("en_GB", "ssn", PIIType.NATIONAL_ID),  # National Insurance number
        ("zh_CN", "ssn", PIIType.NATIONAL_ID),  # resident id, some ending in X
        ("fr_FR", "ssn", PIIType.NATIONAL_ID),  # NIR, Corsican ones with 2A / 2B
        ("en_US", "address", PIIType.STREET_ADDRESS),  # with town, state, ZIP; APO/FPO
        ("en_GB", "address", PIIType.STREET_ADDRESS),  # Studio 43i, Phillips Freeway, ...
        ("fr_FR", "street_address", PIIType.STREET_ADDRESS),  # also "rue de Perez"
        ("sv_SE", "address", PIIType.STREET_ADDRESS),  # Kvarngatan 9, 51808 Borås
        ("pl_PL", "address", PIIType.STREET_ADDRESS),  # al. Szarych Szeregów 258
        ("pt_BR", "street_address", PIIType.STREET_ADDRESS),  # Quadra ..., Praça ...
        ("ja_JP", "address", PIIType.STREET_ADDRESS),  # 島根県袖ケ浦市上野桜木31丁目8番6号
        ("zh_CN", "street_address", PIIType.STREET_ADDRESS),  # 香港街V座
        ("pl_PL", "name", PIIType.PERSON_NAME),  # pani Ewa Ziemkiewicz, Liwia Świech
        ("pt_BR", "name", PIIType.PERSON_NAME),
        ("ja_JP", "name", PIIType.PERSON_NAME),  # 中島 香織
        ("zh_CN", "name", PIIType.PERSON_NAME),  # 刘丽
    ],
)
def test_repeated_personal_values_are_pii_under_a_neutral_name(
        locale: str, provider: str, expected: PIIType) -> None:
    column = infer_column(_repeated(_faker_values(locale, provider)))
    assert (column.kind, column.pii_type) == (Kind.PII, expected)


def _last_first_people() -> list[tuple[str, str]]:
    fake = Faker("en_US")
    fake.seed_instance(5)
    return sorted({(fake.last_name(), fake.first_name()) for _ in range(200)})


@pytest.mark.parametrize(
    "layout",
    [
        lambda last, first: f"{last}, {first}",
        lambda last, first: f"{last.upper()}, {first}",
        lambda last, first: f"{last} {first}",
        lambda last, first: f"{first} {last}".lower(),
        lambda last, first: f"{first} {last}".upper(),
        lambda last, first: f"{last}, Mrs {first} Walton (Bessie)",  # passenger lists
    ],
    ids=["Last, First", "LAST, First", "Last First", "lower", "UPPER", "Last, Title First"],
)
def test_name_layouts_are_person_names(layout) -> None:  # type: ignore[no-untyped-def]
    names = [layout(last, first) for last, first in _last_first_people()]
    for name in ("col_a", "customer", "artist"):
        column = infer_column(_repeated(names, name=name))
        assert (column.kind, column.pii_type) == (Kind.PII, PIIType.PERSON_NAME), name


def test_cjk_names_take_their_locale() -> None:
    japanese = infer_column(_repeated(_faker_values("ja_JP", "name"), name="氏名"))
    chinese = infer_column(_repeated(_faker_values("zh_CN", "name"), name="姓名"))
    assert (japanese.pii_type, japanese.locale) == (PIIType.PERSON_NAME, "ja_JP")
    assert (chinese.pii_type, chinese.locale) == (PIIType.PERSON_NAME, "zh_CN")


@pytest.mark.parametrize(
    "levels",
    [
        ["Durham, NC", "Raleigh, NC", "Austin, TX", "Portland, OR", "Boise, ID", "Reno, NV",
         "Dayton, OH", "Tulsa, OK", "Mobile, AL", "Salem, OR", "Troy, NY", "Paris, TX"],
        ["Bald Eagle", "Golden Eagle", "Red-tailed Hawk", "Barn Owl", "Snowy Owl", "Mallard",
         "Wood Duck", "Canada Goose", "Blue Jay", "American Robin", "House Sparrow", "Osprey"],
        ["Boston Celtics", "Chicago Bulls", "Los Angeles Lakers", "Miami Heat", "Utah Jazz",
         "Denver Nuggets", "Orlando Magic", "Phoenix Suns", "Dallas Mavericks", "Golden State"],
        ["Organic Whole Milk", "Sea Salt Chips", "Greek Yogurt", "Dark Chocolate Bar",
         "Almond Butter", "Sparkling Water", "Green Tea", "Oat Cereal", "Rye Bread", "Honey"],
        ["The Great Gatsby", "War and Peace", "Moby Dick", "Pride and Prejudice", "Ulysses",
         "Don Quixote", "Hamlet", "The Odyssey", "Jane Eyre", "Middlemarch", "Dracula"],
    ],
    ids=["cities", "birds", "teams", "products", "titles"],
)
def test_labels_stay_categorical_without_warning(levels: list[str]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        column = infer_column(_repeated(levels, name="col_a"))
    assert column.kind is Kind.CATEGORICAL


def test_categorical_levels_that_look_personal_warn() -> None:
    phones = _faker_values("en_US", "phone_number", 30)[:12]
    labels = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota",
              "kappa"]  # so only 55% are phones: not detected, still worth a warning
    with pytest.warns(PrivacyWarning, match=r"'col_a'.*phones.*pii_type 'phone'"):
        column = infer_column(_repeated(phones + labels))
    assert column.kind is Kind.CATEGORICAL


def test_column_names_of_national_ids_and_phones() -> None:
    nirs = [f"{body}{97 - body % 97:02d}" for body in range(1_850_175_123_456, 1_850_175_123_556)]
    frame = pd.DataFrame({
        "nir": [int(n) for n in nirs],
        "ni_number": ["AB123456C", "CE654321A"] * 50,
        "手机": [13_912_345_678 + 7 * i for i in range(100)],
        "mobile": [18_912_345_678 + i for i in range(100)],
        "身份证号": ["11010519491231002X", "110105194912310029"] * 50,
    })
    columns = {c.name: c for c in infer_schema(frame).table().columns}
    assert columns["nir"].pii_type is PIIType.NATIONAL_ID
    assert columns["ni_number"].pii_type is PIIType.NATIONAL_ID
    assert columns["手机"].pii_type is PIIType.PHONE
    assert columns["mobile"].pii_type is PIIType.PHONE
    assert columns["身份证号"].pii_type is PIIType.NATIONAL_ID


def test_nir_and_resident_id_checks() -> None:
    ids = pd.Series(["236012B03320659", "236012B03320658", "172023201312126",
                     "11010519491231002X", "110105194912310021", "110105194913310029"])
    assert is_nir(ids).tolist() == [True, False, True, False, False, False]
    assert is_resident_id(ids).tolist() == [False, False, False, True, False, False]


def _corsican_nirs() -> pd.Series:
    fake = Faker("fr_FR")
    fake.seed_instance(3)
    values = [fake.ssn() for _ in range(600)]
    if not any("2A" in v or "2B" in v for v in values):  # Faker 24 writes no Corsican NIR
        values = [_in_corsica(v) if k % 20 == 0 else v for k, v in enumerate(values)]
    assert any("2A" in v or "2B" in v for v in values)  # some letters among the digits
    return pd.Series(values, name="nir")


def _in_corsica(nir: str) -> str:
    """The NIR of someone born in Corse-du-Sud (2A): its department and key replaced."""
    body = nir[:5] + "2A" + nir[7:13]
    key = 97 - int(body.replace("2A", "19")) % 97
    return f"{body}{key:02d}"


def test_ids_with_a_letter_are_not_refused_as_mostly_numbers() -> None:
    frame = pd.DataFrame({"nir": _corsican_nirs(), "amount": np.arange(600.0)})
    check_data(frame)  # no "mostly numbers" issue: the column is inferred pii
    assert infer_schema(frame).table().column("nir").pii_type is PIIType.NATIONAL_ID


def test_declared_numerical_personal_data_is_not_told_to_be_categorical() -> None:
    frame = pd.DataFrame({"nir": _corsican_nirs()})
    column = Column(name="nir", kind=Kind.NUMERICAL, dtype="object")
    table = infer_schema(frame).table().replace_column(column)
    issues = [i for i in collect_issues(frame, table) if i.column == "nir"]
    assert issues and "pii" in (issues[0].fix or "")
    assert "categorical" not in (issues[0].fix or "")


def test_mostly_numbers_of_no_personal_kind_still_suggest_categorical() -> None:
    frame = pd.DataFrame({"score": [str(i) for i in range(95)] + ["n/a", "?"] * 3})
    issues = collect_issues(frame)
    assert issues and "categorical" in (issues[0].fix or "")
