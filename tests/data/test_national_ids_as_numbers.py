"""National ids stored in an integer column (leading zeros lost) keep their country's rules."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from faker import Faker

from simulacra import infer_schema, make_synthesizer
from simulacra.schema import PIIType
from simulacra.schema._national_id_rules import number_id_locale
from tests import national_id_rules as rules


def _weighted_ok(weights: tuple[int, ...], modulus: int) -> Callable[[str], bool]:
    return lambda d: sum(int(c) * w for c, w in zip(d, weights, strict=True)) % modulus == 0


def _personnummer_ok(d: str) -> bool:
    """YYMMDD, three digits, a Luhn check over all ten."""
    total = 0
    for i, c in enumerate(d):
        x = int(c) * (1 if i % 2 else 2)
        total += x - 9 if x > 9 else x
    return total % 10 == 0 and 1 <= int(d[2:4]) <= 12 and 1 <= int(d[4:6]) <= 31


def _fodselsnummer_ok(d: str) -> bool:
    """Two mod-11 check digits (Skatteetaten's weights)."""
    k1 = 11 - sum(int(c) * w for c, w in zip(d[:9], (3, 7, 6, 1, 8, 9, 4, 5, 2),
                                              strict=True)) % 11
    k2 = 11 - sum(int(c) * w for c, w in zip(d[:10], (5, 4, 3, 2, 7, 6, 5, 4, 3, 2),
                                              strict=True)) % 11
    return (k1 % 11, k2 % 11) == (int(d[9]), int(d[10]))


def _belgian_ok(d: str) -> bool:
    """The key is 97 minus the first nine digits (with a 2 before them after 1999) mod 97."""
    return int(d[9:]) in (97 - int(d[:9]) % 97, 97 - int("2" + d[:9]) % 97)


# locale: (column name, digits of an id, the rule on the zero-padded digits)
CASES: dict[str, tuple[str, int, Callable[[str], bool]]] = {
    "pt_BR": ("cpf", 11, rules.cpf_ok),
    "sv_SE": ("personnummer", 10, _personnummer_ok),
    "nl_NL": ("bsn", 9, _weighted_ok((9, 8, 7, 6, 5, 4, 3, 2, -1), 11)),
    "pl_PL": ("pesel", 11, _weighted_ok((1, 3, 7, 9, 1, 3, 7, 9, 1, 3, 1), 10)),
    "no_NO": ("fodselsnummer", 11, _fodselsnummer_ok),
    "nl_BE": ("national_number", 11, _belgian_ok),
    "de_CH": ("ahv_nummer", 13, rules.ahv_ok),
    "en_CA": ("social_insurance_number", 9, rules.sin_ok),
}


def _faker_numbers(locale: str, n: int) -> np.ndarray:
    """Faker's ids of ``locale`` as a CSV reader keeps them: digits only, read as integers."""
    fake = Faker(locale)
    fake.seed_instance(1)
    ids = [fake.ssn() for _ in range(n)]
    if locale == "en_CA":
        ids = rules.faker_sins(ids)
    return np.array(sorted({int(re.sub(r"\D", "", v)) for v in ids}), dtype=np.int64)


@pytest.mark.parametrize("locale", sorted(CASES))
def test_integer_ids_take_their_country_and_come_back_valid_once_padded(locale: str) -> None:
    name, width, valid = CASES[locale]
    real = _faker_numbers(locale, 1500)
    padded_real = [f"{v:0{width}d}" for v in real]
    assert all(valid(v) for v in padded_real)
    frame = pd.DataFrame({name: real, "age": np.random.default_rng(6).integers(18, 90, len(real))})
    column = infer_schema(frame).tables[0].column(name)
    assert (column.pii_type, column.locale, column.unique) == (PIIType.NATIONAL_ID, locale,
                                                                True)
    out = make_synthesizer("independent").fit(frame).sample(3000, seed=1)[name]
    assert out.dtype == np.int64
    assert out.is_unique and not set(out) & set(real)
    padded = [f"{v:0{width}d}" for v in out]
    assert all(len(v) == width and valid(v) for v in padded)


def test_ids_that_lost_leading_zeros_come_back_with_them_too() -> None:
    real = _faker_numbers("pt_BR", 1500)
    assert (real < 10**10).mean() > 0.05  # CPFs from 0: written without their zero
    frame = pd.DataFrame({"cpf": real})
    out = make_synthesizer("independent").fit(frame).sample(3000, seed=2)["cpf"]
    short = out[out < 10**10]
    assert 0.03 < len(short) / len(out) < 0.3  # made at eleven digits, read as numbers
    assert all(rules.cpf_ok(f"{v:011d}") for v in short)


def test_numbers_of_no_country_get_none() -> None:
    rng = np.random.default_rng(0)
    ssns = pd.Series([f"{a}{g:02d}{s:04d}" for a, g, s in zip(
        rng.integers(100, 900, 2000), rng.integers(1, 100, 2000), rng.integers(1, 10_000, 2000),
        strict=True)], dtype=object)
    assert number_id_locale(ssns, 0.9) is None  # US SSNs: nine digits, no check digit
    wide = pd.Series(rng.integers(10**11, 10**12, 2000).astype(str), dtype=object)
    assert number_id_locale(wide, 0.9) is None  # twelve digits: no country's width
    cpfs = pd.Series([str(v) for v in _faker_numbers("pt_BR", 2000)], dtype=object)
    assert number_id_locale(cpfs, 0.9) == "pt_BR"
    longer = pd.concat([cpfs[:1700], pd.Series(["1" * 14] * 300, dtype=object)])
    assert number_id_locale(longer, 0.9) is None  # most must fit the width


def test_named_integer_ids_of_no_country_get_no_locale() -> None:
    rng = np.random.default_rng(3)
    real = rng.integers(10**8, 10**9, 400)
    column = infer_schema(pd.DataFrame({"ssn": real})).tables[0].column("ssn")
    assert (column.pii_type, column.locale) == (PIIType.NATIONAL_ID, None)
