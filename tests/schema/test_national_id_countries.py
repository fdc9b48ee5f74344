"""Detection of German, Portuguese, Danish, Swiss, Brazilian and Canadian national ids."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from faker import Faker

from simulacra.schema import Column, Kind, PIIType
from simulacra.schema._infer import infer_column
from simulacra.schema._national_id_rules import _is_steuer_id
from tests import national_id_rules as rules


def col(values: object, name: str) -> Column:
    return infer_column(pd.Series(values, name=name))


def faker_ids(locale: str, method: str, n: int = 200) -> list[str]:
    f = Faker(locale)
    f.seed_instance(0)
    ids = list(dict.fromkeys(str(getattr(f, method)()) for _ in range(n)))
    return rules.faker_sins(ids) if locale == "en_CA" else ids


def grouped_steuer_ids() -> list[str]:
    return [f"{v[:2]} {v[2:5]} {v[5:8]} {v[8:]}" for v in rules.steuer_ids(200, 1)]


def wrong_last_digit(values: list[str]) -> list[str]:
    return [v[:-1] + str((int(v[-1]) + 1) % 10) for v in values]


# ids found from their values alone, under a name that says nothing
BY_VALUE = {
    "de_DE": lambda: rules.steuer_ids(200, 0),
    "de_DE grouped": grouped_steuer_ids,
    "de_CH": lambda: faker_ids("de_CH", "ssn"),
    "pt_BR": lambda: faker_ids("pt_BR", "cpf"),
    "pt_BR bare": lambda: faker_ids("pt_BR", "ssn"),
    "en_CA": lambda: faker_ids("en_CA", "ssn"),
}


@pytest.mark.parametrize("case", sorted(BY_VALUE))
def test_ids_with_a_rare_check_are_found_by_value_under_any_name(case: str) -> None:
    ids = BY_VALUE[case]()
    c = col(ids, name="dokument")
    assert (c.kind, c.pii_type, c.locale) == (Kind.PII, PIIType.NATIONAL_ID, case[:5])
    assert col(wrong_last_digit(ids), name="dokument").pii_type is not PIIType.NATIONAL_ID


@pytest.mark.parametrize(("name", "locale", "make"), [
    ("steuerliche_identifikationsnummer", "de_DE", lambda: rules.steuer_ids(100, 2)),
    ("SteuerIdNr", "de_DE", lambda: rules.steuer_ids(100, 3)),
    ("nif", "pt_PT", lambda: rules.nifs(100, 0)),
    ("numero_contribuinte", "pt_PT", lambda: rules.nifs(100, 1)),
    ("cpr_nummer", "da_DK", lambda: rules.cprs(100, 0)),
    ("CPR", "da_DK", lambda: [v.replace("-", "") for v in rules.cprs(100, 1)]),
    ("ahv_nr", "de_CH", lambda: faker_ids("de_CH", "ssn", 100)),
    ("avs", "de_CH", lambda: faker_ids("fr_CH", "ssn", 100)),
    ("cpf", "pt_BR", lambda: faker_ids("pt_BR", "cpf", 100)),
    ("social_insurance_number", "en_CA", lambda: faker_ids("en_CA", "ssn", 100)),
    ("sin", "en_CA", lambda: [v.replace(" ", "") for v in faker_ids("en_CA", "ssn", 100)]),
])
def test_ids_named_in_the_countrys_words_take_its_locale(name: str, locale: str,
                                                         make: object) -> None:
    c = col(make(), name=name)  # type: ignore[operator]
    assert (c.kind, c.pii_type, c.locale) == (Kind.PII, PIIType.NATIONAL_ID, locale)


def test_nifs_and_cprs_need_their_name() -> None:
    # a mod-11 digit (NIF) or a date in front (CPR) is passed by chance too often
    for ids in (rules.nifs(200, 2), rules.cprs(200, 2)):
        assert col(ids, name="dokument").pii_type is not PIIType.NATIONAL_ID


def test_named_look_alikes_that_fail_the_rule_get_no_country() -> None:
    nifs = wrong_last_digit(rules.nifs(200, 3))
    assert col(nifs, name="nif").locale is None
    no_dates = [v[:2] + "13" + v[4:] for v in rules.cprs(200, 3)]  # month 13
    assert col(no_dates, name="cpr").locale is None
    not_canadian = [v[:-1] + str((int(v[-1]) + 3) % 10) for v in faker_ids("en_CA", "ssn")]
    assert col(not_canadian, name="national_id").locale is None


def test_the_weak_names_need_the_values() -> None:
    sines = [f"{v:.4f}" for v in np.sin(np.linspace(0, 3, 200))]
    assert col(sines, name="sin").pii_type is not PIIType.NATIONAL_ID
    assert col(["low", "mid", "high"] * 50, name="avs").kind is Kind.CATEGORICAL


def test_a_sin_column_is_not_taken_for_dutch_or_portuguese_ids() -> None:
    # one in eleven SINs also passes the BSN or the NIF check: each country's share counts
    ids = [v.replace(" ", "") for v in faker_ids("en_CA", "ssn", 2000)]
    assert col(ids, name="national_id").locale == "en_CA"


def _with_check(first_ten: str) -> str:
    return first_ten + rules.steuer_id_check(first_ten)


def test_steuer_id_repetition_rule() -> None:
    ids = pd.Series([
        _with_check("8613945217"),  # 1 twice: valid
        _with_check("8611945217"),  # 1 three times, two in a row: valid since 2016
        _with_check("8611194520"),  # 1 three times in a row
        _with_check("8613945213"),  # 1 and 3 twice
        _with_check("8111145207"),  # 1 four times
        _with_check("8613945270"),  # no digit repeated
        _with_check("0613945217"),  # a leading 0 (test numbers)
    ])
    assert _is_steuer_id(ids).tolist() == [True, True, False, False, False, False, False]
    assert [rules.steuer_id_ok(v) for v in ids] == [True, True, False, False, False, False,
                                                     False]
