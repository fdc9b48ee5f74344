"""Phones and IBANs of several countries in one column keep their countries and layouts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from faker import Faker

from simulacra.data._codecs import TableCodec
from simulacra.mock._pii_replace import replace_pii
from simulacra.schema._model import Column, Kind, PIIType, Table

_LOCALES = ("de_DE", "fr_FR", "es_ES", "it_IT", "pl_PL", "nl_NL")


def _mixed(method: str, n: int = 3000) -> tuple[list[str], np.ndarray]:
    fakers = {loc: Faker(loc) for loc in _LOCALES}
    for i, f in enumerate(fakers.values()):
        f.seed_instance(i)
    which = np.random.default_rng(0).choice(_LOCALES, n)
    return [getattr(fakers[loc], method)() for loc in which], which


def _sample(real: list[str], pii: PIIType, n: int = 10_000, locale: str | None = None,
            shapes: list[list[object]] | None = None) -> pd.Series:
    table = Table("t", (Column("v", Kind.PII, dtype="str", pii_type=pii, locale=locale),))
    codec = TableCodec.fit(pd.DataFrame({"v": pd.Series(real, dtype="str")}), table).codec("v")
    state = dict(codec.state)
    if shapes is not None:  # as a model saved with other shapes
        state["shapes"] = shapes
    made = type(codec)(codec.column, state).decode(np.empty((n, 0)), rng=np.random.default_rng(1),
                                                   start=0)
    return pd.Series(made, dtype="str")


def _iban_valid(value: str) -> bool:
    compact = value.replace(" ", "")
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _codes(values: pd.Series) -> pd.Series:
    return values.str.extract(r"^\+(\d{2})")[0].value_counts(normalize=True)


def test_mixed_ibans_keep_their_countries_in_their_shares() -> None:
    real, _ = _mixed("iban")
    made = _sample(real, PIIType.IBAN)
    shares = made.str[:2].value_counts(normalize=True)
    real_shares = pd.Series(real).str[:2].value_counts(normalize=True)
    assert set(shares.index) == set(real_shares.index)
    assert (shares - real_shares).abs().max() < 0.03
    assert made.map(_iban_valid).all()
    # each country in its real length: Polish 28 characters, Dutch 18
    lengths = made.str.len().groupby(made.str[:2]).unique()
    assert list(lengths["PL"]) == [28]
    assert list(lengths["NL"]) == [18]
    assert not made.isin(set(real)).any()


def test_ibans_of_models_saved_before_countries_take_the_locale_country() -> None:
    real, _ = _mixed("iban")
    made = _sample(real, PIIType.IBAN, locale="de_DE",
                   shapes=[["AA####################", 1.0]])
    assert made.str.startswith("DE").all()
    assert made.map(_iban_valid).all()


def test_mixed_phones_keep_their_country_codes_in_their_shares() -> None:
    real, _ = _mixed("phone_number")
    made = _sample(real, PIIType.PHONE)
    real_codes = _codes(pd.Series(real))
    codes = _codes(made)
    assert set(codes.index) == set(real_codes.index)
    assert (codes - real_codes).abs().max() < 0.03
    plus = pd.Series(real).str.startswith("+").mean()
    assert made.str.startswith("+").mean() == pytest.approx(plus, abs=0.03)
    # a Polish number is a Polish format: +48 and nine digits
    polish = made[made.str.startswith("+48")]
    assert polish.str.replace(r"\D", "", regex=True).str.len().eq(11).all()


def test_phone_extensions_keep_their_share() -> None:
    rng = np.random.default_rng(0)
    real = [f"({rng.integers(201, 989)}) {rng.integers(200, 999)}-{rng.integers(0, 9999):04d}"
            + (f" x{rng.integers(10, 999)}" if rng.random() < 0.22 else "")
            for _ in range(3000)]
    made = _sample(real, PIIType.PHONE)
    share = pd.Series(real).str.contains(" x").mean()
    assert made.str.contains(r" x\d+$", regex=True).mean() == pytest.approx(share, abs=0.02)
    assert made.str.fullmatch(r"\(\d{3}\) \d{3}-\d{4}( x\d{2,3})?").all()


@pytest.mark.parametrize("layout", ["+1 {} {} {}", "({}) {}-{}"])
def test_north_american_area_codes_and_exchanges_start_2_to_9(layout: str) -> None:
    rng = np.random.default_rng(0)
    real = [layout.format(rng.integers(201, 989), rng.integers(200, 999),
                          f"{rng.integers(0, 9999):04d}") for _ in range(2000)]
    made = _sample(real, PIIType.PHONE, locale="en_US")
    digits = made.str.replace(r"\D", "", regex=True).str[-10:]
    assert digits.str[0].isin(list("23456789")).all()
    assert digits.str[3].isin(list("23456789")).all()
    if layout.startswith("+1"):
        assert made.str.startswith("+1 ").all()


def test_pii_fake_keeps_each_phone_and_iban_country() -> None:
    phones, _ = _mixed("phone_number", 600)
    ibans, _ = _mixed("iban", 600)
    out = replace_pii(pd.DataFrame({"phone": phones, "iban": ibans}), method="fake",
                      seed=0).data
    real_codes = pd.Series(phones).str.extract(r"^\+(\d{2})")[0]
    assert (out["phone"].str.extract(r"^\+(\d{2})")[0].fillna("") == real_codes.fillna("")).all()
    assert (out["iban"].str[:2] == pd.Series(ibans).str[:2]).all()
    assert out["iban"].map(_iban_valid).all()
