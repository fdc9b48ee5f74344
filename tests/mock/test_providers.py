"""Faker providers in mock columns come out filled, as Faker itself fills them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulacra.mock._providers import ProviderSource

LOCALES = ["en_US", "en_GB", "en_IE", "en_AU", "de_DE", "fr_FR", "it_IT", "es_ES", "nl_NL",
           "pt_BR", "pl_PL", "ko_KR", "ja_JP", "zh_CN", "sv_SE", "da_DK"]
PROVIDERS = ["phone_number", "postcode", "address", "street_address", "street_name",
             "building_number", "city"]
# Faker's numerify/bothify placeholders, unexpanded tokens, en_GB postcode set letters
UNFILLED = r"[#!%]|\{\{|\}\}|\b[ANPB]{1,3}[NC]? NEE\b"


def _values(locale: str, provider: str, n: int = 300) -> pd.Series:
    source = ProviderSource(provider, locale, seed=1, unique=False, where=f"t.{provider}")
    return pd.Series(source.generate(np.arange(n), np.random.default_rng(5)).to_pylist())


@pytest.mark.parametrize("locale", LOCALES)
def test_no_provider_leaves_a_template_unfilled(locale: str) -> None:
    for provider in PROVIDERS:
        values = _values(locale, provider).astype(str)
        unfilled = values[values.str.contains(UNFILLED, regex=True)]
        assert unfilled.empty, (locale, provider, unfilled.head(3).tolist())


def test_filled_templates_look_like_the_locale() -> None:
    assert _values("en_GB", "postcode").str.fullmatch(r"[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}").all()
    french = _values("fr_FR", "phone_number")
    assert french.str.replace(r"\D", "", regex=True).str.len().between(10, 12).all()
    assert french.str.fullmatch(r"(\+33 (\(0\))?|0)\d[ \d]+").all()
    italian = _values("it_IT", "phone_number").str.replace(r"\D", "", regex=True)
    assert italian.str.len().between(8, 13).all()
