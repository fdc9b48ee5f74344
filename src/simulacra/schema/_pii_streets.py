"""Street addresses in a column's values, and names of public places.

Part of the personal-data detection (``schema/_pii.py``): English streets by their suffix
("12 Oak Avenue"), European ones by their street word ("Hauptstraße 5", "rue de Perez",
"Kvarngatan 9"), Chinese and Japanese addresses, US military mail; an address followed by its
town or postcode is read by its first parts.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import pandas as pd

from simulacra.schema._national_id_rules import flags
from simulacra.schema._pii_text import APOS, cjk_char_re, in_set

_UNIT = r"(?:flat|studio|apartment|apt\.?|unit|suite|ste\.?|floor|fl\.?|#)"
_EN_STREET_RE = re.compile(
    rf"^(?:{_UNIT}\s*[\w\-]+\s+|\d+[a-z]?(?:[/\-]\d+)?,?\s+)"
    rf"(?:[\w{APOS}.\-]+\s+){{1,4}}(?P<suffix>[a-z]+)\.?"
    rf"(?:,?\s+{_UNIT}\s*[\w\-]+)?$",
    re.IGNORECASE,
)
_EU_STREET_RE = re.compile(
    r"^[\w.\-]*?(?:straße|strasse|str\.|weg|gasse|platz|allee|ring|damm|ufer|chaussee|laan|"
    r"straat|gracht|plein|kade|steeg|singel|dreef|boulevard|markt|pad|hof)\s+\d+[a-z]?(?:[/\-]\d+)?\b"
    r"|^\d+(?:\s?(?:bis|ter))?,?\s+(?:rue|avenue|boulevard|chemin|place|allée|impasse|quai|cours|"
    r"route|av\.|bd)\b"
    r"|^(?:calle|avenida|paseo|plaza|camino|cañada|ronda|travesía|via|viale|piazza|corso|largo|"
    r"vicolo|stretto|incrocio|contrada|borgo|rotonda|rua|travessa|strada|alameda|pasaje|vial|"
    r"canale|glorieta|callejón)\s.*\d",
    re.IGNORECASE,
)
_STREET_ABBREVIATIONS = frozenset({
    "st", "ave", "av", "rd", "ln", "dr", "blvd", "ct", "pl", "ter", "cir", "pkwy", "hwy", "sq",
    "trl", "cres", "cl", "gdns", "mews", "row", "close", "gardens", "hill", "walk", "green", "way",
})  # fmt: skip


def is_street(values: pd.Series, strict: bool) -> np.ndarray:
    """Street addresses, also followed by a town or postcode after commas.

    ``Studio 43i, Phillips Freeway, North Lydiaton, HP8E 9TZ`` is read whole, as its first
    part and as its first two parts.
    """
    found = _is_street_line(values)
    rest = ~found & flags(values.str.contains(",", regex=False))
    if rest.any():
        parts = values[rest].str.split(",")
        for line in (parts.str[0], parts.str[:2].str.join(" ")):
            found[rest] |= _is_street_line(line.str.strip().fillna(""))
    return found


def _is_street_line(values: pd.Series) -> np.ndarray:
    suffixes = values.str.extract(_EN_STREET_RE)["suffix"].str.lower()
    english = (in_set(suffixes, _street_suffixes()) if suffixes.notna().any()
               else np.zeros(len(values), dtype=bool))
    european = flags(values.str.contains(_EU_STREET_RE))
    numbered = flags(values.str.contains(r"\d"))
    first_word = values.str.extract(r"^([^\W\d_]+)\.?\s", expand=False).str.lower()
    # "rue de Perez", "Praça André Sampaio": a street word opens it; an abbreviation ("Al.",
    # "C.") only with a house number ("Al Green" is a singer)
    # (Faker's lists load only for values that could match: ames' `Street`, `Pave` and
    # `Grvl`, cost 65 ms of loading for two words)
    prefixed = np.zeros(len(values), dtype=bool)
    if first_word.notna().any():
        opened = in_set(first_word.fillna(""), _street_prefixes()[0])
        prefixed = opened & (numbered | flags(first_word.str.len() > 2))
    # the patterns below need a house number or a CJK character: only such values are searched
    suffixed = np.zeros(len(values), dtype=bool)
    if numbered.any():
        suffixed[numbered] = flags(values[numbered].str.contains(_street_prefixes()[1]))
    other = np.zeros(len(values), dtype=bool)
    if cjk_char_re().search("\n".join(values.tolist())) is not None or numbered.any():
        other = flags(values.str.contains(_CJK_STREET_RE) | values.str.contains(_MILITARY_RE))
    found: np.ndarray = english | european | prefixed | suffixed | other
    return found


# Chinese streets (叶路W座, 南长关岭街A座 741014) and Japanese addresses (県, 市, 丁目 and numbers)
_CJK_STREET_RE = re.compile(r"(?:路|街|巷|大道)\s*(?:[A-Za-z\d]+座|\d+号)"
                            r"|^.{1,4}?[都道府県].+?[市区町村郡].*\d")


# US military mail: "PSC 1241, Box 5868, APO AP 25384", "USS Lee, FPO AE 25080"
_MILITARY_RE = re.compile(r"\b[AFD]PO\s+A[AEP]\s+\d{5}$")


@cache
def _street_prefixes() -> tuple[frozenset[str], re.Pattern[str]]:
    """Words that start a street ("Rua", "aleja", "Via") and that end one ("...gatan 9").

    From Faker's address lists of a few locales, once; an ending counts only followed by a
    house number ("Kvarngatan 9", "Tirzaweg 33").
    """
    import importlib

    starts = {"ul", "al", "pl", "os", "osiedle", "c", "av", "r", "rua", "travessa"}
    ends = {"gatan", "vägen", "stigen", "gränd", "torget", "gade", "stræde", "vej", "veien",
            "gata", "gaten"}
    for locale in ("es_ES", "pt_BR", "pt_PT", "pl_PL", "fr_FR", "it_IT", "nl_NL"):
        provider = importlib.import_module(f"faker.providers.address.{locale}").Provider
        if locale in ("it_IT", "nl_NL"):  # Italy's "suffixes" open the street: "Via Roma 3"
            words = getattr(provider, "street_suffixes", ())
            (starts if locale == "it_IT" else ends).update(w.strip().lower() for w in words)
        else:
            starts.update(w.strip().lower().rstrip(".") for w in
                          getattr(provider, "street_prefixes", ()))
    ending = "|".join(sorted(map(re.escape, ends), key=len, reverse=True))
    return frozenset(starts), re.compile(rf"[^\W\d_](?:{ending})\s+\d+[a-z]?\b", re.IGNORECASE)


@cache
def _street_suffixes() -> frozenset[str]:
    """Load English street suffixes ("Avenue", "Glen", ...) from Faker, once."""
    import importlib

    found = set(_STREET_ABBREVIATIONS)
    for locale in ("en_US", "en_GB"):
        provider = importlib.import_module(f"faker.providers.address.{locale}").Provider
        found.update(s.lower() for s in getattr(provider, "street_suffixes", ()))
    return frozenset(found)


# a US address's last line: a state code and a ZIP code ("Rebeccaland, ID 41308-7504"), or
# military mail's ("APO AE 89060")
_US_TAIL_RE = re.compile(r"(?:^|[\s,])(?P<state>[A-Z]{2})\s+\d{5}(?:-\d{4})?\s*$")
_FIRST_PART_RE = re.compile(r"\s*[\n,]")


def us_addresses(values: pd.Series) -> np.ndarray:
    """Addresses that end in a US state code and ZIP code (or are US military mail)."""
    states = values.str.extract(_US_TAIL_RE)["state"]
    found: np.ndarray = (in_set(states, _us_states()) if states.notna().any()
                         else np.zeros(len(values), dtype=bool))
    found |= flags(values.str.contains(_MILITARY_RE))
    return found


def english_streets(values: pd.Series) -> np.ndarray:
    """Addresses whose street ends in an English street word ("693 Kevin Trafficway").

    The street is the first line or comma-separated part, a flat or suite after it allowed
    ("0596 Price Cliffs Apt. 771"). Faker's en_US and en_GB lists write the same words (so
    do en_AU's, en_CA's and the other English locales' mostly): such a street tells an
    English-speaking country, not which one.
    """
    first = values.str.split(_FIRST_PART_RE, n=1, regex=True).str[0].fillna("").str.strip()
    suffixes = first.str.extract(_EN_STREET_RE)["suffix"].str.lower()
    if not suffixes.notna().any():
        return np.zeros(len(values), dtype=bool)
    return in_set(suffixes, _street_suffixes())


@cache
def _us_states() -> frozenset[str]:
    """US state codes, with military mail's ``AA``, ``AE`` and ``AP``, once."""
    import importlib

    us = importlib.import_module("faker.providers.address.en_US").Provider
    return frozenset((*getattr(us, "states_abbr", ()), "AA", "AE", "AP"))


PLACE_SHARE = 0.8
"""Share of a column's values that must be country or US state names for it to be places."""


def are_place_names(sample: pd.Series) -> bool:
    """Whether most values name countries or US states: public places, not personal data.

    A table with a row per country or state has such names mostly unique; they are labels
    to keep, not codes to regenerate (dslabs::murders ``state``, Lipset59 ``country``).
    """
    folded = sample.astype(str).str.strip().str.casefold()
    # no place name has a digit: case numbers (``45:96:2``) need not load Faker's lists
    if not len(folded) or folded.str.contains(r"\d").mean() > 1 - PLACE_SHARE:
        return False
    return bool(folded.isin(_place_names()).mean() >= PLACE_SHARE)


@cache
def _place_names() -> frozenset[str]:
    """Country names (Faker's English list) and US state names and abbreviations, once."""
    import importlib

    english = importlib.import_module("faker.providers.address.en").Provider
    us = importlib.import_module("faker.providers.address.en_US").Provider
    names = [*getattr(english, "countries", ()), *getattr(us, "states", ()),
             *getattr(us, "states_abbr", ()), "United States", "USA", "UK", "Russia",
             "South Korea", "North Korea", "Iran", "Syria", "Vietnam", "Laos", "Bolivia",
             "Venezuela", "Tanzania", "Czech Republic", "Czechia", "Ivory Coast",
             "District of Columbia"]
    return frozenset(n.casefold() for n in names)
