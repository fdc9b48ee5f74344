"""Regenerated street addresses keep their town and postcode lines, in the column's locale."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from faker import Faker

from simulacra.data._codecs import TableCodec
from simulacra.data._fake_addresses import STREET_ONLY, address_layout_of, address_layouts
from simulacra.data._locale_data import locale_data
from simulacra.mock._pii_replace import replace_pii
from simulacra.schema._model import Column, Kind, PIIType, Table
from simulacra.schema._pii import detect_pii

_N = 2000


def _addresses(kind: str, n: int = _N) -> list[str]:
    fake = Faker({"de": "de_DE", "us": "en_US", "gb": "en_GB"}[kind])
    fake.seed_instance(1)
    if kind == "de":
        return [f"{fake.street_address()}, {fake.postcode()} {fake.city()}" for _ in range(n)]
    if kind == "us":
        return [f"{fake.street_address()}, {fake.city()}, {fake.state_abbr()} "
                f"{fake.zipcode()}" for _ in range(n)]
    return [fake.address() for _ in range(n)]


def _sample(real: list[str], locale: str | None, n: int = 5000,
            old_model: bool = False) -> pd.Series:
    column = Column("address", Kind.PII, dtype="str", pii_type=PIIType.STREET_ADDRESS,
                    locale=locale)
    table = Table("t", (column,))
    codec = TableCodec.fit(pd.DataFrame({"address": pd.Series(real, dtype="str")}),
                           table).codec("address")
    state = dict(codec.state)
    if old_model:  # a model saved before address layouts: no shapes
        state["shapes"] = []
    made = type(codec)(codec.column, state).decode(np.empty((n, 0)),
                                                   rng=np.random.default_rng(1), start=0)
    return pd.Series(made, dtype="str")


@pytest.mark.parametrize(("value", "layout"), [
    ("Jens-Drubin-Straße 47-26, 06690 Groß-Gerau", "0|, {{postcode}} {{city}}|#####"),
    ("141 Hodges Mountains, Kramerville, NM 04216",
     "0|, {{city}}, {{state_abbr}} {{postcode}}|#####"),
    ("Flat 3\nMcCarthy Tunnel\nSouth Charlesmouth\nL0F 4SU", "1|\n{{city}}\n{{postcode}}|A#A #AA"),
    ("C. Reina Cuéllar 6\nSoria, 10247", "0|\n{{city}}, {{postcode}}|#####"),
    ("Matthiasring 3\n6835 YS\nSteyl", "0|\n{{postcode}}\n{{city}}|#### AA"),
    # streets alone, even where their last part reads as a town: no postcode, no tail
    ("626, rue Colas", STREET_ONLY),
    ("Flat 3\nMcCarthy Tunnel", STREET_ONLY),
    ("197 Taylor Islands Suite 868", STREET_ONLY),
])
def test_address_layouts_keep_structure_not_words(value: str, layout: str) -> None:
    assert address_layout_of(pa.array([value])).to_pylist() == [layout]


@pytest.mark.parametrize(("kind", "locale", "tail"), [
    ("de", "de_DE", r", \d{5} [^\d,]+$"),
    ("us", None, r", [^\d,]+, [A-Z]{2} \d{5}$"),
])
def test_one_line_addresses_keep_their_town_and_postcode(kind: str, locale: str | None,
                                                         tail: str) -> None:
    real = _addresses(kind)
    made = _sample(real, locale)
    assert made.str.contains(tail, regex=True).mean() == 1.0
    assert not made.isin(set(real)).any()
    towns = made.str.extract(r", (?:\d{5} )?([^\d,]+?)(?:, [A-Z]{2} \d{5})?$")[0]
    assert towns.nunique() > 100
    if locale == "de_DE":  # the towns are Faker's, whatever the real rows hold
        from faker.providers.address.de_DE import Provider
        assert towns.isin(set(Provider.cities)).all()


def test_multi_line_british_addresses_keep_their_lines_and_locale() -> None:
    real = _addresses("gb")
    assert detect_pii("address", pd.Series(real)) == (PIIType.STREET_ADDRESS, "en_GB")
    made = _sample(real, "en_GB")
    real_lines = pd.Series(real).str.count("\n").add(1)
    lines = made.str.count("\n").add(1)
    assert lines.mean() == pytest.approx(real_lines.mean(), abs=0.05)
    gb_postcode = r"\n[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}$"
    assert made.str.contains(gb_postcode, regex=True).mean() == 1.0
    assert not made.isin(set(real)).any()


def test_mixed_layouts_keep_their_shares() -> None:
    de = _addresses("de", 1000)
    streets_only = [a.split(",")[0] for a in _addresses("de", 1000)[::-1]]
    made = _sample(de + streets_only, "de_DE")
    assert made.str.contains(",").mean() == pytest.approx(0.5, abs=0.03)


def test_models_saved_before_address_layouts_sample_streets_as_before() -> None:
    made = _sample(_addresses("de"), "de_DE", old_model=True)
    assert not made.str.contains(",").any()
    assert made.str.contains(r"\d", regex=True).all()


def test_pii_fake_writes_each_address_in_its_real_layout() -> None:
    real = _addresses("us", 300) + [a.split(",")[0] for a in _addresses("us", 300)]
    out = replace_pii(pd.DataFrame({"home_address": real}), method="fake", seed=0).data
    got = out["home_address"]
    has_tail = pd.Series(real).str.contains(",")
    assert (got.str.contains(r", [A-Z]{2} \d{5}$", regex=True) == has_tail).all()
    assert not got.isin(set(real)).any()
    assert re.search(r"\d", got.iloc[0])


def test_streets_of_several_countries_keep_their_locales() -> None:
    german, french = Faker("de_DE"), Faker("fr_FR")
    german.seed_instance(2)
    french.seed_instance(3)
    real = [german.street_address() if i % 3 else f"{french.building_number()}, rue "
            f"{french.last_name()}" for i in range(1500)]
    layouts = dict(address_layouts(pa.array(real), locale_data("de_DE")))
    assert layouts == pytest.approx({STREET_ONLY: 2 / 3, "0|||fr_FR": 1 / 3}, abs=0.01)
    made = _sample(real, "de_DE")
    french_made = made.str.contains(r"^\d+, (?:rue|avenue|boulevard|chemin|impasse|place|"
                                    r"allée|quai)", regex=True)
    assert french_made.mean() == pytest.approx(1 / 3 * 5 / 6, abs=0.04)  # fr_FR: 5 in 6 numbered
    assert not made.isin(set(real)).any()
    out = replace_pii(pd.DataFrame({"adresse": real[:60]}), method="fake", seed=0,
                      locale="de_DE").data["adresse"]
    assert out.str.contains(",").sum() >= 10  # French streets faked as French ones (before: 0)


def test_dutch_towns_come_from_the_cities_table() -> None:
    fake = Faker("nl_NL")  # its city_formats is "{{city}}": the towns are the table `cities`
    fake.seed_instance(4)
    made = _sample([fake.address() for _ in range(500)], "nl_NL", n=500)
    # ('s-Hertogenbosch, not read as a town, leaves 1% of the addresses streets alone)
    assert made.str.fullmatch(r"[^\n]+\n\d{4} ?[A-Z]{2}\n[^\n\d]+").mean() > 0.95
