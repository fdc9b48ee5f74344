"""Generated ids, PII and text: formats, checksums, uniqueness, and no real value ever."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from faker import Faker
from faker.providers.lorem.en_US import Provider as EnglishLorem
from faker.providers.person.de_DE import Provider as GermanNames
from faker.providers.person.en_US import Provider as EnglishNames

from simulacra.data._codecs import TableCodec
from simulacra.data._fake import (
    TextGenerator,
    canonical_form,
    fake_ids,
    fake_pii,
    format_ids,
    generate_guarded,
    make_pii_generator,
    phone_shapes,
    uuid4_strings,
    value_shapes,
)
from simulacra.data._frame import EncodedFrame
from simulacra.data._keyed import ValueGuard, hash_strings, new_salt, permute_index
from simulacra.errors import ArtifactError, SamplingError, SchemaError
from simulacra.schema._model import Column, Kind, PIIType, Table

_UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def _luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _iban_ok(iban: str) -> bool:
    compact = iban.replace(" ", "")
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1


def _rows(start: int, n: int) -> np.ndarray:
    return np.arange(start, start + n, dtype=np.int64)


# ---- keyed building blocks ------------------------------------------------------------------
@pytest.mark.parametrize("size", [1, 2, 3, 10, 97, 1000, 4099])
def test_permute_index_is_a_bijection(size: int) -> None:
    out = permute_index(np.arange(size), size, key=12345)
    assert sorted(out.tolist()) == list(range(size))
    if size > 10:
        assert not np.array_equal(out, np.arange(size))
        assert not np.array_equal(out, permute_index(np.arange(size), size, key=54321))


def test_hash_is_per_string_and_salted() -> None:
    values = pa.array(["Ann Lee", "", "x" * 300, "ann lee", "Ann Lee"])
    salt = new_salt()
    h = hash_strings(values, salt)
    assert h[0] == h[4] and len(set(h[:4].tolist())) == 4
    alone = [hash_strings(values.slice(i, 1), salt)[0] for i in range(len(values))]
    assert np.array_equal(h, alone)  # a value's hash does not depend on its neighbours
    assert hash_strings(values, new_salt())[0] != h[0]


def test_guard_catches_canonical_equals_and_survives_its_state() -> None:
    guard = ValueGuard.of(pa.array(["John.Smith@Example.com", None]), new_salt(),
                          canonical_form(PIIType.EMAIL))
    hits = guard.contains(pa.array(["john.smith@example.com", " JOHN.SMITH@example.COM ",
                                    "john.smith2@example.com"]))
    assert hits.tolist() == [True, True, False]
    phones = ValueGuard.of(pa.array(["(555) 123-4567"]), new_salt(),
                           canonical_form(PIIType.PHONE))
    assert phones.contains(pa.array(["555.123.4567", "555-123-4568"])).tolist() == [True, False]
    state = guard.get_state()
    assert "john" not in str(state).lower()
    again = ValueGuard.from_state(state, canonical_form(PIIType.EMAIL), "column 'e'")
    assert again.contains(pa.array(["john.smith@example.com"])).tolist() == [True]
    with pytest.raises(ArtifactError, match="Fit the model again"):
        ValueGuard.from_state({**state, "algorithm": "md5"}, canonical_form(None), "here")


# ---- ids ------------------------------------------------------------------------------------
def test_ids_continue_across_chunks_in_every_format() -> None:
    rng = np.random.default_rng(0)
    assert fake_ids(3, rng=rng, start=0, id_format="integer").tolist() == [1, 2, 3]
    assert fake_ids(2, rng=rng, start=10, id_format="integer").tolist() == [11, 12]
    assert fake_ids(2, rng=rng, start=7, id_format="C-{:05d}").to_pylist() == [
        "C-00008", "C-00009"]
    assert format_ids(np.array([5, 123]), "INV{:d}/{{x}}").to_pylist() == [
        "INV5/{x}", "INV123/{x}"]
    assert fake_ids(2, rng=rng, start=98, width=4).to_pylist() == ["0099", "0100"]
    for fmt in ("integer", "uuid", "ID-{:04d}", None):
        chunks = [fake_ids(500, rng=rng, start=s, id_format=fmt, width=3) for s in (0, 500, 1000)]
        values = [v for c in chunks for v in (c.tolist() if isinstance(c, np.ndarray)
                                               else c.to_pylist())]
        assert len(set(values)) == 1500, fmt


def test_uuids_are_version_4_and_follow_the_rng() -> None:
    a = uuid4_strings(1000, np.random.default_rng(1)).to_pylist()
    assert all(_UUID4.fullmatch(u) for u in a)
    assert a == uuid4_strings(1000, np.random.default_rng(1)).to_pylist()
    assert len(set(a)) == 1000


def test_bad_id_templates_are_schema_errors() -> None:
    for bad in ("C-{:x}", "{}-{}", "{name:d}", "C-{"):
        with pytest.raises(SchemaError):
            format_ids(np.arange(2), bad)


# ---- PII formats ----------------------------------------------------------------------------
def test_pii_formats_en_us() -> None:
    rng = np.random.default_rng(2)
    n = 3000
    emails = fake_pii("email", n, rng=rng).to_pylist()
    assert all(re.fullmatch(r"[a-z]+\.[a-z]+\d*@[a-z.]+\.[a-z]+", e) for e in emails)
    names = fake_pii("person_name", n, rng=rng).to_pylist()
    assert all(re.fullmatch(r"[A-Z][A-Za-z'-]+ [A-Z][A-Za-z'-]+", x) for x in names)
    assert len(set(names)) > n * 0.9
    phones = fake_pii("phone", n, rng=rng).to_pylist()
    assert all(10 <= len(re.sub(r"\D", "", p)) <= 18 for p in phones)  # 001- and x12345
    assert all(re.fullmatch(r"[\d()+.\-x]+", p) for p in phones)
    streets = fake_pii("street_address", n, rng=rng).to_pylist()
    assert all(re.match(r"\d+ [A-Z]", s) for s in streets)
    ssn = fake_pii("national_id", n, rng=rng).to_pylist()
    assert all(re.fullmatch(r"\d{3}-\d{2}-\d{4}", s) for s in ssn)
    areas = {int(s[:3]) for s in ssn}
    assert 0 not in areas and 666 not in areas and max(areas) < 900
    assert all(s[4:6] != "00" and s[7:] != "0000" for s in ssn)
    first = fake_pii("first_name", n, rng=rng).to_pylist()
    assert set(first) <= set(EnglishNames.first_names)


def test_credit_cards_pass_luhn_with_brand_prefixes() -> None:
    cards = fake_pii("credit_card", 5000, rng=np.random.default_rng(3)).to_pylist()
    assert all(len(c) == 16 and c.isdigit() and _luhn_ok(c) for c in cards)
    assert all(c[0] == "4" or 51 <= int(c[:2]) <= 55 or 2221 <= int(c[:4]) <= 2720
               for c in cards)
    assert any(c[0] == "4" for c in cards) and any(c[0] in "25" for c in cards)


def test_ibans_have_valid_mod97_check_digits_for_the_locale() -> None:
    for locale, country, length in (("en_US", "GB", 22), ("de_DE", "DE", 22),
                                    ("fr_FR", "FR", 27), ("nl_NL", "NL", 18)):
        ibans = fake_pii("iban", 2000, rng=np.random.default_rng(4), locale=locale).to_pylist()
        assert all(i[:2] == country and len(i) == length and _iban_ok(i) for i in ibans), locale
        assert len({i[2:4] for i in ibans}) > 50  # check digits vary


def test_locale_material_is_used() -> None:
    rng = np.random.default_rng(5)
    de = fake_pii("person_name", 500, rng=rng, locale="de_DE").to_pylist()
    german_last = set(GermanNames.last_names)
    assert sum(any(part in german_last for part in re.split(r"[ -]", n)) for n in de) > 450
    jp = fake_pii("person_name", 50, rng=rng, locale="ja_JP").to_pylist()
    assert all(not re.search(r"[A-Za-z]", n) for n in jp)
    mails = fake_pii("email", 500, rng=rng, locale="ja_JP").to_pylist()
    assert all(re.fullmatch(r"[a-z0-9]+\.[a-z0-9]+\d*@[a-z.]+", m) for m in mails)
    with pytest.raises(SchemaError, match="Locale"):
        fake_pii("email", 5, rng=rng, locale="xx_YY")


def test_national_phone_numbers_keep_their_leading_zero() -> None:
    real = pa.array(["030 1234567", "0211 556677", "(089) 12-34-56", "+49 30 123456"])
    shapes = value_shapes(real, leading_zero=True)
    assert [s for s, _ in shapes] == ["0## #######", "0### ######", "(0##) ##-##-##",
                                      "+## ## ######"]
    assert value_shapes(real)[0] == ("### #######", 0.25)  # by default every digit is masked
    rng = np.random.default_rng(3)
    for unique in (False, True):
        phones = make_pii_generator(PIIType.PHONE, locale="de_DE", shapes=shapes[:3],
                                    unique=unique).generate(_rows(0, 600), rng, 0).to_pylist()
        assert all(re.fullmatch(r"\(?0\d+\)?[ \d-]+", p) for p in phones)
        assert not set(phones) & set(real.to_pylist())


def test_phones_keep_their_country_codes_and_trunk_zero() -> None:
    # fr_FR's formats all hold tokens, so real French numbers match none and are made in
    # their own layout: the country code must not become random digits (`+77 (8)5 ...`)
    fake = Faker("fr_FR")
    fake.seed_instance(4)
    real = [fake.phone_number() for _ in range(2000)] + ["+1 288 394 9594", "+3158-5593867"]
    shapes = dict(phone_shapes(pa.array(real), min_share=0.0))
    assert {s.split(" ")[0] for s in shapes if s.startswith("+")} == {"+33", "+1", "+31##-#######"}
    assert "+33 (0)# ## ## ## ##" in shapes and "0# ## ## ## ##" in shapes
    assert sum(shapes.values()) == pytest.approx(1.0)
    table = Table("t", (Column("tel", Kind.PII, dtype="str", pii_type=PIIType.PHONE,
                               locale="fr_FR"),))
    codec = TableCodec.fit(pd.DataFrame({"tel": pd.Series(real[:2000], dtype="str")}), table)
    made = pd.Series(codec.decode(EncodedFrame(np.empty((20_000, 0)), ()),
                                  rng=np.random.default_rng(1))["tel"])
    international = made[made.str.startswith("+")]
    assert international.str.startswith("+33 ").all()
    assert len(international) / len(made) == pytest.approx(
        np.mean([p.startswith("+") for p in real[:2000]]), abs=0.02)
    assert made[~made.str.startswith("+")].str.startswith("0").all()
    assert international.str.contains("(0)", regex=False).any()
    assert not set(made) & set(real)


def test_real_layouts_are_followed() -> None:
    shapes = value_shapes(pa.array(["(212) 555-0101", "(646) 555-0199", None, "212.555.0100",
                                    "call John", "(212) 555-0177"]))
    assert shapes[0] == ("(###) ###-####", 0.6)
    assert ("AAAA AAAA", 0.2) in shapes  # letters are masked; no real character is kept
    rng = np.random.default_rng(6)
    phones = make_pii_generator(PIIType.PHONE, shapes=[("(###)###-####", 1.0)]).generate(
        _rows(0, 500), rng, 0).to_pylist()
    assert all(re.fullmatch(r"\(\d{3}\)\d{3}-\d{4}", p) for p in phones)
    cards = make_pii_generator(PIIType.CREDIT_CARD, shapes=[("#### #### #### ####", 0.7),
                                                            ("#### ###### #####", 0.3)])
    values = cards.generate(_rows(0, 2000), rng, 0).to_pylist()
    assert all(_luhn_ok(v.replace(" ", "")) for v in values)
    amex = [v for v in values if len(v) == 17]
    assert 400 < len(amex) < 800 and all(v[:2] in ("34", "37") for v in amex)
    maestro = make_pii_generator(PIIType.CREDIT_CARD, unique=True, shapes=[("#" * 12, 1.0)])
    short = maestro.generate(_rows(0, 2000), rng, 0).to_pylist()
    assert len(set(short)) == 2000 and all(len(v) == 12 and _luhn_ok(v) for v in short)
    ssn = make_pii_generator(PIIType.NATIONAL_ID, shapes=[("#########", 1.0)]).generate(
        _rows(0, 100), rng, 0).to_pylist()
    assert all(re.fullmatch(r"\d{9}", s) for s in ssn)
    grouped = make_pii_generator(PIIType.IBAN, locale="de_DE",
                                 shapes=[("AA## #### #### #### #### ##", 1.0)])
    ibans = grouped.generate(_rows(0, 100), rng, 0).to_pylist()
    assert all(re.fullmatch(r"DE\d\d( \d{4}){4} \d\d", i) and _iban_ok(i) for i in ibans)


_NINO = re.compile(r"[ACEHJLMOPRSWXY][ABCEGHJKLMNPRSTWXYZ] ?\d\d ?\d\d ?\d\d ?[ABCD]")


def test_national_ids_keep_the_real_layouts_and_the_country_rules() -> None:
    rng = np.random.default_rng(3)
    gen = make_pii_generator(PIIType.NATIONAL_ID, locale="en_GB", unique=True,
                             shapes=[("AA######A", 0.7), ("AA ## ## ## A", 0.3)])
    ninos = gen.generate(_rows(0, 30_000), rng, 0).to_pylist()  # Faker has ~4,000 of them
    assert len(set(ninos)) == 30_000 and all(_NINO.fullmatch(v) for v in ninos)
    assert 0.27 < np.mean([" " in v for v in ninos]) < 0.33
    nirs = make_pii_generator(PIIType.NATIONAL_ID, locale="fr_FR",
                              shapes=[("# ## ## ## ### ### ##", 1.0)]).generate(
        _rows(0, 500), rng, 0).to_pylist()
    for nir in nirs:
        digits = nir.replace(" ", "")
        assert len(nir) == 21 and digits[0] in "12" and 1 <= int(digits[3:5]) <= 12
        assert int(digits[13:]) == 97 - int(digits[:13]) % 97
    # the codice fiscale's published tables: odd positions' values of A..Z (0..9 as A..J)
    letters = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10,
               22, 25, 24, 23]
    odd = dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", letters, strict=True))
    odd |= dict(zip("0123456789", letters[:10], strict=True))
    even = {ch: (int(ch) if ch.isdigit() else ord(ch) - 65) for ch in odd}
    codes = make_pii_generator(PIIType.NATIONAL_ID, locale="it_IT",
                               shapes=[("AAAAAA##A##A###A", 1.0)]).generate(
        _rows(0, 500), rng, 0).to_pylist()
    for cf in codes:
        total = sum(odd[c] for c in cf[:15:2]) + sum(even[c] for c in cf[1:15:2])
        assert cf[15] == chr(65 + total % 26) and cf[8] in "ABCDEHLMPRST"
    spanish = make_pii_generator(PIIType.NATIONAL_ID, locale="es_ES", unique=True,
                                 shapes=[("########A", 0.8), ("A#######A", 0.2)])
    dnis = spanish.generate(_rows(0, 5_000), rng, 0).to_pylist()
    assert len(set(dnis)) == 5_000 and all(re.fullmatch(r"[XYZ\d]\d{7}[A-Z]", v) for v in dnis)
    numbers = [int(v[:-1].replace("X", "0").replace("Y", "1").replace("Z", "2")) for v in dnis]
    assert all(v[-1] == "TRWAGMYFPDXBNJZSQVHLCKE"[k % 23] for v, k in zip(dnis, numbers,
                                                                       strict=True))
    assert 0.17 < np.mean([v[0] in "XYZ" for v in dnis]) < 0.23
    for locale, weights, modulus in (("nl_NL", (9, 8, 7, 6, 5, 4, 3, 2, -1), 11),
                                     ("pl_PL", (1, 3, 7, 9, 1, 3, 7, 9, 1, 3, 1), 10)):
        gen = make_pii_generator(PIIType.NATIONAL_ID, locale=locale, unique=True,
                                 shapes=[("#" * len(weights), 1.0)])
        ids = gen.generate(_rows(0, 20_000), rng, 0).to_pylist()
        assert len(set(ids)) == 20_000, locale
        assert all(sum(int(d) * w for d, w in zip(v, weights, strict=True)) % modulus == 0
                   for v in ids), locale
    swedish = make_pii_generator(PIIType.NATIONAL_ID, locale="sv_SE", unique=True,
                                 shapes=[("######-####", 1.0)]).generate(
        _rows(0, 20_000), rng, 0).to_pylist()
    assert len(set(swedish)) == 20_000
    assert all(re.fullmatch(r"\d\d(0[1-9]|1[0-2])\d{2}-\d{4}", v)
               and _luhn_ok(v.replace("-", "")) for v in swedish)
    # Finnish henkilötunnus: the check character of the real shape (a digit or a letter)
    hetu = make_pii_generator(PIIType.NATIONAL_ID, locale="fi_FI", unique=True,
                              shapes=[("######-###A", 0.5), ("######-####", 0.2),
                                      ("######A###A", 0.3)]).generate(
        _rows(0, 20_000), rng, 0).to_pylist()
    assert len(set(hetu)) == 20_000
    assert all(re.fullmatch(r"(0[1-9]|[12]\d)(0[1-9]|1[0-2])\d\d[-A]\d{3}[0-9A-Y]", v)
               and "0123456789ABCDEFHJKLMNPRSTUVWXY"[int(v[:6] + v[7:10]) % 31] == v[10]
               and 2 <= int(v[7:10]) <= 899 for v in hetu)
    assert 0.17 < np.mean([v[10].isdigit() and v[6] == "-" for v in hetu]) < 0.23
    # Norwegian fødselsnummer: both mod-11 check digits; Belgian national number: mod 97
    norwegian = make_pii_generator(PIIType.NATIONAL_ID, locale="no_NO", unique=True,
                                   shapes=[("#" * 11, 1.0)]).generate(
        _rows(0, 20_000), rng, 0).to_pylist()
    assert len(set(norwegian)) == 20_000
    for weights in ((3, 7, 6, 1, 8, 9, 4, 5, 2, 1, 0), (5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1)):
        assert all(sum(int(d) * w for d, w in zip(v, weights, strict=True)) % 11 == 0
                   for v in norwegian)
    belgian = make_pii_generator(PIIType.NATIONAL_ID, locale="nl_BE", unique=True,
                                 shapes=[("##.##.##-###.##", 1.0)]).generate(
        _rows(0, 5_000), rng, 0).to_pylist()
    assert len(set(belgian)) == 5_000
    assert all(int(v[-2:]) == 97 - int(re.sub(r"\D", "", v)[:9]) % 97 for v in belgian)
    # a layout of no known country: digits and letters where the real values have them
    other = make_pii_generator(PIIType.NATIONAL_ID, unique=True, shapes=[("AA-#######", 1.0)])
    values = other.generate(_rows(0, 5_000), rng, 0).to_pylist()
    assert len(set(values)) == 5_000 and all(re.fullmatch(r"[A-Z]{2}-\d{7}", v) for v in values)


# ---- uniqueness ------------------------------------------------------------------------------
@pytest.mark.parametrize("pii", ["email", "phone", "person_name", "street_address",
                                 "credit_card", "iban", "national_id"])
def test_unique_pii_never_repeats_across_chunks(pii: str) -> None:
    gen = make_pii_generator(PIIType(pii), unique=True)
    rng = np.random.default_rng(7)
    chunks = [gen.generate(_rows(start, 20_000), rng, 0).to_pylist()
              for start in (0, 20_000, 40_000)]
    values = [v for c in chunks for v in c]
    assert len(set(values)) == 60_000
    retry = gen.generate(_rows(0, 20_000), rng, 1).to_pylist()  # a retry uses another lane
    assert len(set(values) | set(retry)) == 80_000 or pii in ("email", "person_name")


def test_unique_values_beyond_what_a_format_holds_fail_clearly() -> None:
    gen = make_pii_generator(PIIType.FIRST_NAME, unique=True, where="column 'first'")
    assert len(set(gen.generate(_rows(0, 600), np.random.default_rng(0), 0).to_pylist())) == 600
    with pytest.raises(SamplingError, match=r"column 'first'.*690 distinct"):
        gen.generate(_rows(600, 200), np.random.default_rng(0), 0)


# ---- no real value, ever ---------------------------------------------------------------------
def _faker_column(kind: str, n: int) -> list[str]:
    fake = Faker("en_US")
    fake.seed_instance(2024)
    make = fake.name if kind == "name" else fake.email
    return [make() for _ in range(n)]


@pytest.mark.parametrize(("kind", "pii"), [("name", PIIType.PERSON_NAME),
                                           ("email", PIIType.EMAIL)])
def test_no_real_value_appears_in_100k_generated_rows(kind: str, pii: PIIType) -> None:
    """Acceptance: 2,000 real values made with Faker; none of them in 100,000 rows."""
    real = _faker_column(kind, 2000)
    table = Table("people", (Column("v", Kind.PII, dtype="str", pii_type=pii),))
    codec = TableCodec.fit(pd.DataFrame({"v": pd.Series(real, dtype="str")}), table)
    out = codec.decode(EncodedFrame(np.empty((100_000, 0)), ()), rng=np.random.default_rng(11))
    generated = out["v"]
    assert generated.notna().all() and generated.nunique() > 50_000
    assert not set(generated) & set(real)
    canon = canonical_form(pii)
    real_canon = set(canon(pa.array(real)).to_pylist())
    assert not set(canon(pa.array(generated.tolist())).to_pylist()) & real_canon
    if kind == "name":  # the guard had work to do: unguarded draws hit real names
        unguarded = make_pii_generator(pii).generate(_rows(0, 100_000),
                                                     np.random.default_rng(11), 0).to_pylist()
        assert len(set(unguarded) & set(real)) > 100


def test_no_real_email_appears_even_when_real_ones_look_like_ours() -> None:
    """Faker's e-mails rarely take our shape; real ones drawn in our own style do collide."""
    own = make_pii_generator(PIIType.EMAIL)
    real = own.generate(_rows(0, 2000), np.random.default_rng(99), 0).to_pylist()
    unguarded = own.generate(_rows(0, 100_000), np.random.default_rng(11), 0).to_pylist()
    assert sum(v in set(real) for v in unguarded) > 50
    table = Table("people", (Column("v", Kind.PII, dtype="str", pii_type=PIIType.EMAIL),))
    codec = TableCodec.fit(pd.DataFrame({"v": pd.Series(real, dtype="str")}), table)
    out = codec.decode(EncodedFrame(np.empty((100_000, 0)), ()), rng=np.random.default_rng(11))
    assert not set(out["v"]) & set(real)


def test_names_avoid_real_ones_even_when_they_use_most_of_the_table() -> None:
    real = pa.array(list(EnglishNames.first_names)[:600])
    guard = ValueGuard.of(real, new_salt(), canonical_form(PIIType.FIRST_NAME))
    gen = make_pii_generator(PIIType.FIRST_NAME, guard=guard)
    out = generate_guarded(gen, _rows(0, 5000), np.random.default_rng(0), guard).to_pylist()
    assert not set(out) & set(real.to_pylist())
    assert len(set(out)) == 90  # every name left is used
    everyone = ValueGuard.of(pa.array(list(EnglishNames.first_names)), new_salt(),
                             canonical_form(PIIType.FIRST_NAME))
    with pytest.raises(SamplingError, match="every first name"):
        make_pii_generator(PIIType.FIRST_NAME, guard=everyone).generate(
            _rows(0, 5), np.random.default_rng(0), 0)


class _Stuck:
    """A generator whose every draw equals a real value."""

    def generate(self, rows: np.ndarray, rng: np.random.Generator, attempt: int) -> pa.Array:
        return pa.array(["real"] * len(rows))


def test_regeneration_gives_up_with_a_clear_error() -> None:
    guard = ValueGuard.of(pa.array(["real"]), new_salt(), canonical_form(None))
    with pytest.raises(SamplingError, match="column 'c': after 64 tries"):
        generate_guarded(_Stuck(), _rows(0, 3), np.random.default_rng(0), guard,  # type: ignore[arg-type]
                         where="column 'c'")


# ---- text -----------------------------------------------------------------------------------
def test_text_follows_the_real_length_distribution() -> None:
    rng = np.random.default_rng(8)
    lengths = np.concatenate([rng.integers(5, 30, 500), rng.integers(150, 400, 500)])
    quantiles = np.quantile(lengths, np.linspace(0, 1, 21))
    gen = TextGenerator.for_locale("en_US", quantiles, key=1)
    texts = gen.generate(_rows(0, 20_000), rng).to_pylist()
    got = np.array([len(t) for t in texts])
    assert abs(np.median(got) - np.median(lengths)) < 0.15 * np.median(lengths)
    assert abs(np.quantile(got, 0.25) - np.quantile(lengths, 0.25)) < 15
    assert abs(np.quantile(got, 0.9) - np.quantile(lengths, 0.9)) < 60
    words = {w.lower() for w in EnglishLorem.word_list}
    assert all(w.lower().strip(".") in words for t in texts[:200] for w in t.split())
    assert all(t[0].isupper() and t.endswith(".") for t in texts[:100])


def test_a_repeating_name_column_stays_a_few_repeating_fake_names() -> None:
    # six sales agents over 600 rows: six fake names with the real shares, not a name per row
    agents = ["Eve Black", "Bob Jones", "Ann Smith", "Tom Hill", "Sue Park", "Max Ray"]
    real = pd.Series(np.repeat(agents, [240, 120, 90, 60, 60, 30]), dtype="str")
    table = Table("t", (Column("agent", Kind.PII, dtype="str", pii_type=PIIType.PERSON_NAME),))
    codec = TableCodec.fit(pd.DataFrame({"agent": real}), table)
    out = [codec.decode(EncodedFrame(np.empty((6000, 0)), ()),
                        rng=np.random.default_rng(seed), start=6000 * seed)["agent"]
           for seed in (1, 2)]
    assert set(out[0]) == set(out[1]) and len(set(out[0])) == 6  # one pool, every chunk
    assert not set(out[0]) & set(agents)
    shares = out[0].value_counts(normalize=True).to_numpy()
    np.testing.assert_allclose(shares, [0.4, 0.2, 0.15, 0.1, 0.1, 0.05], atol=0.02)
