"""The personal data of one synthetic row keeps to one country where the real rows do."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from faker import Faker

from simulacra import load_synthesizer, make_synthesizer
from simulacra.data._codecs import TableCodec
from simulacra.data._fake_emails import _words
from simulacra.data._frame import EncodedFrame
from simulacra.data._locale_data import locale_data
from simulacra.data._pii_countries import fits_country, value_countries
from simulacra.data._row_countries import MIN_ROWS
from simulacra.schema import Schema
from simulacra.schema._model import Column, Kind, PIIType, Table

_COUNTRIES = {"de_DE": ("49", "de"), "fr_FR": ("33", "fr"), "pl_PL": ("48", "pl"),
              "it_IT": ("39", "it"), "nl_NL": ("31", "nl")}
_SHARES = [0.4, 0.2, 0.15, 0.15, 0.1]
_TYPES = {"name": PIIType.PERSON_NAME, "phone": PIIType.PHONE, "iban": PIIType.IBAN,
          "address": PIIType.STREET_ADDRESS, "email": PIIType.EMAIL}


def _ascii(text: str) -> str:
    return text.lower().replace(" ", "").encode("ascii", "ignore").decode()


def _people(n: int, *, coherent: bool = True, seed: int = 0) -> pd.DataFrame:
    """Customers of five countries: each column of a row of one country, or each its own."""
    rng = np.random.default_rng(seed)
    fakers = {loc: Faker(loc) for loc in _COUNTRIES}
    for i, f in enumerate(fakers.values()):
        f.seed_instance(seed + i)
    locales = list(_COUNTRIES)
    which = rng.choice(locales, size=(n, 1 if coherent else len(_TYPES)), p=_SHARES)
    rows = []
    for picks in which:
        name_f, phone_loc, iban_f, address_f, email_loc = (
            [fakers[picks[0]]] * 5 if coherent else [fakers[p] for p in picks])
        code = _COUNTRIES[(phone_loc.locales[0])][0]
        first, last = name_f.first_name(), name_f.last_name()
        rows.append({
            "name": name_f.name(),
            "phone": f"+{code} " + " ".join(str(rng.integers(100, 999)) for _ in range(3)),
            "iban": iban_f.iban(),
            "address": f"{address_f.street_address()}, {address_f.postcode()} {address_f.city()}",
            "email": f"{_ascii(first)}.{_ascii(last)}@mail.{_COUNTRIES[email_loc.locales[0]][1]}",
        })
    return pd.DataFrame(rows)


def _table(columns: dict[str, PIIType] = _TYPES) -> Table:
    return Table("customers", tuple(Column(c, Kind.PII, dtype="str", pii_type=p, locale="de_DE")
                                    for c, p in columns.items()))


def _decode(codec: TableCodec, n: int, seed: int = 1) -> pd.DataFrame:
    frame = EncodedFrame(np.empty((n, 0)), codec.encoded_columns)
    return codec.decode(frame, rng=np.random.default_rng(seed))


def _text(values: pd.Series) -> pa.Array:
    return pa.array([None if pd.isna(v) else str(v) for v in values], pa.string())


def _read(frame: pd.DataFrame) -> pd.DataFrame:
    """The country each value reads as (None where it cannot be read)."""
    return pd.DataFrame({c: value_countries(_TYPES[c], _text(frame[c]), "de_DE")
                         for c in _TYPES if c in frame}, index=frame.index)


def _fits(frame: pd.DataFrame, column: str, countries: pd.Series) -> np.ndarray:
    """Whether each value reads as (or could be of) the row's country in ``countries``."""
    read = _read(frame[[column]])[column]
    fit = fits_country(_TYPES[column], _text(frame[column]),
                       countries.to_numpy(dtype=object))
    return ((read == countries) | fit).to_numpy()


@pytest.fixture(scope="module")
def coherent() -> tuple[pd.DataFrame, pd.DataFrame]:
    real = _people(2000)
    return real, _decode(TableCodec.fit(real, _table()), 5000)


def test_columns_of_a_row_share_its_country(coherent: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    _, made = coherent
    read = _read(made)
    # phone, IBAN and e-mail domain tell their country exactly
    assert (read.phone == read.iban).mean() > 0.99  # independent columns: about 0.25
    assert (read.phone == read.email).mean() > 0.99
    # names and addresses of the row's country (their lists overlap: Muller is Dutch too)
    assert _fits(made, "name", read.phone).mean() > 0.97
    placed = read.address.notna()
    assert _fits(made[placed], "address", read.phone[placed]).mean() > 0.97


def test_each_column_keeps_its_country_shares(
        coherent: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    real, made = coherent
    real_read, made_read = _read(real), _read(made)
    for column in ("phone", "iban", "email", "address"):
        shares = pd.concat([real_read[column].value_counts(normalize=True),
                            made_read[column].value_counts(normalize=True)], axis=1).fillna(0)
        assert (shares.iloc[:, 0] - shares.iloc[:, 1]).abs().max() < 0.03, column
    names = pd.concat([real_read.name.value_counts(normalize=True),
                       made_read.name.value_counts(normalize=True)], axis=1).fillna(0)
    assert (names.iloc[:, 0] - names.iloc[:, 1]).abs().max() < 0.03


def test_no_real_value_comes_back(coherent: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    real, made = coherent
    for column in _TYPES:
        assert not made[column].isin(set(real[column])).any(), column


def test_first_and_last_names_take_the_rows_country() -> None:
    real = _people(2000)
    local = real.email.str.split("@").str[0].str.split(".")
    real["first"], real["last"] = local.str[0].str.capitalize(), local.str[1].str.capitalize()
    types = {"first": PIIType.FIRST_NAME, "last": PIIType.LAST_NAME, "phone": PIIType.PHONE}
    table = Table("t", tuple(Column(c, Kind.PII, dtype="str", pii_type=p, locale="de_DE")
                             for c, p in types.items()))
    made = _decode(TableCodec.fit(real[list(types)], table), 4000)
    phone = pd.Series(value_countries(PIIType.PHONE, _text(made.phone), "de_DE"))
    for column in ("first", "last"):
        fit = fits_country(types[column], _text(made[column]), phone.to_numpy(dtype=object))
        assert fit.mean() > 0.9, column  # before (the column's locale for all): about 0.4


def test_columns_that_disagree_in_the_real_rows_stay_apart() -> None:
    real = _people(2000, coherent=False)
    made = _decode(TableCodec.fit(real, _table()), 5000)
    real_read, made_read = _read(real), _read(made)
    same_real = (real_read.phone == real_read.iban).mean()
    same_made = (made_read.phone == made_read.iban).mean()
    assert same_real < 0.35
    assert abs(same_made - same_real) < 0.06
    shares = pd.concat([real_read.iban.value_counts(normalize=True),
                        made_read.iban.value_counts(normalize=True)], axis=1).fillna(0)
    assert (shares.iloc[:, 0] - shares.iloc[:, 1]).abs().max() < 0.03


def test_the_state_is_json_and_round_trips() -> None:
    real = _people(400)
    codec = TableCodec.fit(real, _table())
    state = dict(codec.get_state())
    assert state["countries"]["columns"] == list(_TYPES)
    state["countries"] = json.loads(json.dumps(state["countries"]))  # plain JSON values
    again = TableCodec.from_state(codec.table, state)
    pd.testing.assert_frame_equal(_decode(codec, 300), _decode(again, 300))


def test_models_saved_before_sample_each_column_alone() -> None:
    real = _people(1000)
    codec = TableCodec.fit(real, _table())
    state = codec.get_state()
    del state["countries"]
    made = _decode(TableCodec.from_state(codec.table, state), 3000)
    read = _read(made)
    assert (read.phone == read.iban).mean() < 0.5
    assert set(read.phone.dropna()) == set(_read(real).phone.dropna())


def test_rare_countries_of_a_row_are_not_kept() -> None:
    real = _people(600)
    rare = _people(MIN_ROWS - 1, seed=7)
    rare["phone"] = "+46 701 234 567"  # Swedish phones in a few rows only
    rare["iban"] = "SE4550000000058398257466"
    codec = TableCodec.fit(pd.concat([real, rare], ignore_index=True), _table())
    found = codec.get_state()["countries"]
    assert "SE" not in found["countries"]
    assert all("SE" not in given["countries"] for given in found["given"])


def test_tables_with_one_personal_column_learn_nothing_new() -> None:
    real = _people(300)[["phone"]].assign(amount=np.arange(300.0))
    table = Table("t", (Column("phone", Kind.PII, dtype="str", pii_type=PIIType.PHONE),
                        Column("amount", Kind.NUMERICAL, dtype="float64")))
    assert "countries" not in TableCodec.fit(real, table).get_state()


def test_tables_of_one_country_are_made_as_before() -> None:
    german = Faker("de_DE")
    german.seed_instance(0)
    real = pd.DataFrame({"name": [german.name() for _ in range(500)],
                         "phone": [german.phone_number() for _ in range(500)],  # +49 and 0...
                         "iban": [german.iban() for _ in range(500)]})
    types = {"name": PIIType.PERSON_NAME, "phone": PIIType.PHONE, "iban": PIIType.IBAN}
    table = Table("t", tuple(Column(c, Kind.PII, dtype="str", pii_type=p, locale="de_DE")
                             for c, p in types.items()))
    assert real.phone.str.startswith("+49").any() and not real.phone.str.startswith("+").all()
    assert "countries" not in TableCodec.fit(real, table).get_state()


def test_missing_and_unique_cells_keep_their_rules() -> None:
    real = _people(1000)
    real.loc[::5, "phone"] = None
    real.loc[1::4, "name"] = None
    table = Table("customers", tuple(
        Column(c, Kind.PII, dtype="str", pii_type=p, locale="de_DE", unique=c == "email")
        for c, p in _TYPES.items()))
    made = _decode(TableCodec.fit(real, table), 4000)
    assert abs(made.phone.isna().mean() - 0.2) < 0.03
    assert abs(made.name.isna().mean() - 0.25) < 0.03
    assert made.email.is_unique
    read = _read(made)
    assert (read.iban == read.email).mean() > 0.99
    named = made.name.notna()
    assert _fits(made[named], "name", read.iban[named]).mean() > 0.97


def _material(locale: str) -> set[str]:
    """The ASCII names and words ``locale``'s e-mail local parts are made of."""
    loc = locale_data(locale)
    found = {str(w) for w in _words(loc).values.to_pylist()}
    for part in ("first_name", "last_name"):
        found |= {str(w) for w in loc.ascii_pool(part).values.to_pylist()}
    return found


def test_generic_mail_domains_take_the_rows_names() -> None:
    real = _people(1500)
    real["email"] = real["email"].str.replace(r"@mail\.\w+$", "@gmail.com", regex=True)
    made = _decode(TableCodec.fit(real, _table()), 3000)
    read = _read(made)
    for country, locale in (("PL", "pl_PL"), ("IT", "it_IT")):
        local = made.email[read.iban == country].str.split("@").str[0]
        words = local.str.replace(r"\d+$", "", regex=True).str.split(r"[._-]").explode()
        assert words.isin(_material(locale)).mean() > 0.95, country


def test_a_synthesizer_keeps_rows_coherent_after_save_and_load(tmp_path) -> None:
    real = _people(800).assign(spend=np.random.default_rng(0).gamma(2.0, 40.0, 800))
    table = Table("customers", (*_table().columns, Column("spend", Kind.NUMERICAL,
                                                          dtype="float64")))
    model = make_synthesizer("copula", seed=0).fit(real, Schema.single(table))
    model.save(tmp_path / "m.zip")
    loaded = load_synthesizer(tmp_path / "m.zip")
    made = loaded.sample(2000, seed=3)
    pd.testing.assert_frame_equal(made, model.sample(2000, seed=3))
    read = _read(made)
    assert (read.phone == read.iban).mean() > 0.99


def test_a_model_keeps_phones_and_addresses_of_their_own_country_beside_other_names() -> None:
    from tests.mock.test_pii_replace import _NANP, _US_TAIL, german_names_us_contacts

    real = german_names_us_contacts()
    model = make_synthesizer("independent", seed=0).fit(real)
    locales = {c.name: c.locale for c in model.schema_.table().columns}
    assert locales == {"name": "de_DE", "phone": None, "address": None}
    made = model.sample(300, seed=1)
    assert made["address"].str.contains(_US_TAIL).mean() > 0.95
    assert not made["address"].str.contains("stra(?:ß|ss)e|[äöüß]", case=False).any()
    assert made["phone"].dropna().str.fullmatch(_NANP).all()
