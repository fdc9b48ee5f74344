"""Regenerated German, Portuguese, Danish, Swiss, Brazilian and Canadian national ids."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from faker import Faker

from simulacra import infer_schema, make_synthesizer
from simulacra.data._fake import make_pii_generator
from simulacra.data._national_ids import country_layouts
from simulacra.schema import PIIType
from tests import national_id_rules as rules

N = 20_000

# locale, shapes of the real values (with and without separators), the rule, the layout
CASES: dict[str, tuple[str, list[tuple[str, float]], Callable[[str], bool], str]] = {
    "Steuer-ID": ("de_DE", [("## ### ### ###", 0.6), ("###########", 0.4)],
                  rules.steuer_id_ok, r"[1-9]\d( ?\d{3}){3}"),
    "NIF": ("pt_PT", [("#########", 0.7), ("### ### ###", 0.3)], rules.nif_ok,
            r"[123]\d\d ?\d{3} ?\d{3}"),
    "CPR": ("da_DK", [("######-####", 0.8), ("##########", 0.2)],
            lambda v: rules.cpr_ok(v) and rules.cpr_mod11(v), r"\d{6}-?\d{4}"),
    "AHV": ("de_CH", [("###.####.####.##", 0.9), ("#############", 0.1)], rules.ahv_ok,
            r"756\.?\d{4}\.?\d{4}\.?\d\d"),
    "CPF": ("pt_BR", [("###.###.###-##", 0.5), ("###########", 0.5)], rules.cpf_ok,
            r"\d{3}\.?\d{3}\.?\d{3}-?\d\d"),
    "SIN": ("en_CA", [("### ### ###", 0.7), ("#########", 0.3)], rules.sin_ok,
            r"[1-79]\d\d ?\d{3} ?\d{3}"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_ids_are_valid_unique_and_laid_out_like_the_real_ones(case: str) -> None:
    locale, shapes, valid, layout = CASES[case]
    gen = make_pii_generator(PIIType.NATIONAL_ID, locale=locale, unique=True, shapes=shapes)
    ids = gen.generate(np.arange(N, dtype=np.int64), np.random.default_rng(0), 0).to_pylist()
    assert len(set(ids)) == N
    assert all(valid(v) and re.fullmatch(layout, v) for v in ids)
    separated = np.mean([not v.isdigit() for v in ids])
    expected = sum(w for shape, w in shapes if set(shape) != {"#"})
    assert abs(separated - expected) < 0.02  # each layout in its real share
    not_unique = make_pii_generator(PIIType.NATIONAL_ID, locale=locale, shapes=shapes)
    drawn = not_unique.generate(np.arange(2000, dtype=np.int64), np.random.default_rng(1),
                                0).to_pylist()
    assert all(valid(v) for v in drawn)


def test_steuer_ids_use_every_first_digit_and_have_one_digit_twice() -> None:
    gen = make_pii_generator(PIIType.NATIONAL_ID, locale="de_DE", shapes=[("#" * 11, 1.0)])
    ids = gen.generate(np.arange(N, dtype=np.int64), np.random.default_rng(2), 0).to_pylist()
    assert {v[0] for v in ids} == set("123456789")
    assert all(sorted(Counter(v[:10]).values())[-2:] == [1, 2] for v in ids)
    # the digit twice is the first one in about 9 * 9 of 405 shapes
    assert 0.17 < np.mean([v[1:10].count(v[0]) == 1 for v in ids]) < 0.23


def test_the_steuer_id_layout_numbers_every_id_with_one_digit_twice() -> None:
    # first digit 1-9; another digit twice (9 digits x 36 places) or the first again
    # (9 places x 9 left out); then the other digits' order (8! ways)
    layout = country_layouts()["de_DE"][0]
    assert layout.capacity() == 9 * (9 * 36 + 9 * 9) * 40_320
    codes = np.random.default_rng(3).choice(layout.capacity(), 300_000, replace=False)
    ids = layout.make(len(codes), np.random.default_rng(4), codes)
    assert len(np.unique(ids.view("S11"))) == len(codes)


def test_nine_digit_nifs_are_not_made_us_ssns() -> None:
    # Faker's pt_PT ssn is the US one: a 9-digit layout must still follow the NIF rule
    gen = make_pii_generator(PIIType.NATIONAL_ID, locale="pt_PT", unique=True,
                             shapes=[("#########", 1.0)])
    ids = gen.generate(np.arange(3000, dtype=np.int64), np.random.default_rng(5), 0)
    assert all(rules.nif_ok(v) for v in ids.to_pylist())


def _faker_ids(locale: str, method: str, n: int) -> list[str]:
    f = Faker(locale)
    f.seed_instance(0)
    return list(dict.fromkeys(str(getattr(f, method)()) for _ in range(2 * n)))[:n]


# Faker's own ids where they follow the rule; built by the rule where Faker has none
REAL = {
    "steuer_id": ("de_DE", lambda: rules.steuer_ids(2500, 5), rules.steuer_id_ok),
    "nif": ("pt_PT", lambda: rules.nifs(2500, 5), rules.nif_ok),
    "cpr": ("da_DK", lambda: rules.cprs(2500, 5), rules.cpr_ok),
    "ahv_nummer": ("de_CH", lambda: _faker_ids("de_CH", "ssn", 2500), rules.ahv_ok),
    "cpf": ("pt_BR", lambda: _faker_ids("pt_BR", "cpf", 2500), rules.cpf_ok),
    "sin": ("en_CA", lambda: rules.faker_sins(_faker_ids("en_CA", "ssn", 4000))[:2500],
            rules.sin_ok),
}


@pytest.mark.parametrize("name", sorted(REAL))
def test_detected_fitted_and_sampled_ids_are_valid_unique_and_never_real(name: str) -> None:
    locale, make, valid = REAL[name]
    real = make()
    assert all(valid(v) for v in real)
    frame = pd.DataFrame({name: real, "age": np.random.default_rng(6).integers(18, 90, 2500)})
    schema = infer_schema(frame)
    column = schema.tables[0].column(name)
    assert (column.pii_type, column.locale, column.unique) == (PIIType.NATIONAL_ID, locale,
                                                                True)
    out = make_synthesizer("independent").fit(frame, schema=schema).sample(3000, seed=1)[name]
    assert out.is_unique and all(valid(v) for v in out) and not set(out) & set(real)
