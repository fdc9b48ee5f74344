"""The country of each personal value, and generators held to one country.

A German customer has a German name, a ``+49`` phone, a ``DE`` IBAN and a German address;
:mod:`._row_countries` learns how these countries go together in the real rows and draws
one per column and row. This module reads them: from a real value
(:func:`value_countries`) and from the layouts the generators follow (:func:`shape_country`),
so that a generator can be held to the layouts of one country (:func:`shapes_in`).

A country is an ISO 3166 code (``"DE"``), taken from a Faker locale's (``de_DE``). ``""`` is a
value that shows it has no country (a national phone number, an e-mail at ``gmail.com``);
``None`` one whose country cannot be read (a name no locale's lists hold, or several hold
equally). Names and addresses always have a country, read or not; a phone or an e-mail may
have none.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulacra.data._fake import CALLING_CODE
from simulacra.data._fake_addresses import (
    address_locales,
    has_states,
    split_layout,
    street_word,
    street_words,
)
from simulacra.data._fake_layouts import (
    _TLD_LOCALES,
    AS_LOCALE,
    LOCAL_PART,
    TITLE,
    email_layout_of,
    name_locales_placed,
    name_scores,
)
from simulacra.data._fake_titles import TITLED
from simulacra.data._locale_data import locale_data
from simulacra.errors import SchemaError
from simulacra.schema._model import PIIType
from simulacra.schema._pii import _IBAN_LOCALES as IBAN_LOCALES
from simulacra.schema._pii import _NAME_LOCALES as NAME_LOCALES
from simulacra.schema._pii import _PHONE_LOCALES

__all__ = [
    "ALWAYS_COUNTRY",
    "READABLE",
    "country_of",
    "fits_country",
    "held_by_lists",
    "locale_of_country",
    "shape_country",
    "shapes_in",
    "value_countries",
]

Shapes = Sequence[tuple[str, float]]
_NAMES = (PIIType.PERSON_NAME, PIIType.FIRST_NAME, PIIType.LAST_NAME)
ALWAYS_COUNTRY = frozenset((*_NAMES, PIIType.STREET_ADDRESS))
"""Types whose every value has a country, read or not: an unread one may be the row's."""
READABLE = ALWAYS_COUNTRY | {PIIType.PHONE, PIIType.IBAN, PIIType.EMAIL}
"""Types whose values' countries can be read."""
PHONE_LOCALES = {"1": "en_US", **_PHONE_LOCALES}
_IBAN_HEAD = re.compile(r"^(?!AA)([A-Z]{2})##")
_CODE = re.compile(CALLING_CODE)


def country_of(locale: str) -> str:
    """``"DE"`` of ``"de_DE"``; a locale without a region gives itself in capitals."""
    return locale.rsplit("_", 1)[-1].upper()


@functools.cache
def _known_locales() -> tuple[str, ...]:
    tables = (IBAN_LOCALES.values(), PHONE_LOCALES.values(), _TLD_LOCALES.values(),
              NAME_LOCALES)
    return tuple(dict.fromkeys(loc for table in tables for loc in table))


def locale_of_country(country: str, preferred: Sequence[str] = ()) -> str | None:
    """A Faker locale of ``country``: one of ``preferred`` if any is, else a known one."""
    if not country:
        return None
    for locale in (*preferred, *_known_locales()):
        if country_of(locale) == country:
            try:
                return locale_data(locale).locale
            except SchemaError:  # a Faker without this locale
                continue
    return None


def _phone_country(text: str) -> str:
    found = _CODE.match(text)
    if found is None:
        return ""
    code = re.sub(r"\D", "", found.group(0))
    locale = PHONE_LOCALES.get(code)
    return country_of(locale) if locale else ""


def _email_country(layout: str | None) -> str | None:
    if layout is None:
        return None
    locale = _TLD_LOCALES.get(layout.rsplit("/", 1)[-1])
    return country_of(locale) if locale else ""


def value_countries(pii: PIIType, values: pa.Array, locale: str) -> np.ndarray:
    """The country of each value of ``values`` (see the module docstring); None where missing.

    ``locale`` is the column's: a name or an address its lists place there is of its country.
    """
    text = values.cast(pa.string())
    out = np.full(len(text), None, dtype=object)
    present = np.flatnonzero(np.asarray(pc.is_valid(text), dtype=bool))
    vals = text.take(pa.array(present))
    if pii in _NAMES:
        found, placed = name_locales_placed(vals, locale, strict=True)  # ties: unread
        countries = np.array([country_of(x) for x in found.to_pylist()], dtype=object)
        countries[~placed] = None
    elif pii is PIIType.STREET_ADDRESS:
        countries = np.array([None if x is None else country_of(x)
                              for x in address_locales(vals, locale)], dtype=object)
    elif pii is PIIType.EMAIL:
        countries = np.array([_email_country(x) for x in email_layout_of(vals).to_pylist()],
                             dtype=object)
    elif pii is PIIType.PHONE:
        countries = np.array([_phone_country(x.strip()) for x in vals.to_pylist()],
                             dtype=object)
    elif pii is PIIType.IBAN:
        heads = pc.extract_regex(pc.utf8_trim_whitespace(vals), r"^(?P<c>[A-Z]{2})\d")
        countries = np.array(pc.fill_null(heads.field("c"), "").to_pylist(), dtype=object)
    else:
        countries = np.full(len(vals), None, dtype=object)
    out[present] = countries
    return out


def fits_country(pii: PIIType, values: pa.Array, countries: np.ndarray) -> np.ndarray:
    """Whether each name or address could be of its row's country in ``countries``.

    A name fits when the lists of a locale of that country hold one of its words (``Noëlle
    Muller`` fits the Netherlands as well as Germany); an address when that country's
    locale writes its street word (``weg`` is Dutch too). Lists overlap, so a name or an
    address read as of another country than its row's may not be.
    """
    out = np.zeros(len(values), dtype=bool)
    wanted = sorted({str(c) for c in countries.tolist() if c})
    locales = {c: locale_of_country(c) for c in wanted}
    if pii in _NAMES:
        known = [loc for loc in (*NAME_LOCALES, *locales.values()) if loc is not None]
        candidates, scores = name_scores(values, known)
        for country in wanted:
            rows = np.flatnonzero(countries == country)
            of = [k for k, loc in enumerate(candidates) if country_of(loc) == country]
            if of:
                out[rows] = scores[of][:, rows].max(axis=0) > 0
    elif pii is PIIType.STREET_ADDRESS:
        text = values.cast(pa.string()).to_pylist()
        for country, locale in locales.items():
            if locale is None:
                continue
            for i in np.flatnonzero(countries == country).tolist():
                word = street_word(text[i] or "")
                out[i] = word is not None and word in street_words(locale)
    return out


def held_by_lists(pii: PIIType, values: pa.Array) -> np.ndarray:
    """Whether any locale's lists hold a word of each name, or each address has a street word."""
    if pii in _NAMES:
        return np.asarray(name_scores(values, NAME_LOCALES)[1].max(axis=0) > 0)
    text = values.cast(pa.string()).to_pylist()
    return np.array([street_word(v or "") is not None for v in text], dtype=bool)


def shape_country(pii: PIIType, shape: str, locale: str) -> str | None:
    """The country of the values a generator makes in ``shape``.

    None for a share that is no layout (titles of names, local parts of e-mails), which
    every country keeps.
    """
    if pii is PIIType.PERSON_NAME:
        if shape.startswith(TITLED):
            return None
        parts = shape.split("/")
        return country_of(parts[2] if len(parts) > 2 else locale)
    if pii is PIIType.STREET_ADDRESS:
        return country_of(split_layout(shape)[3] or locale)
    if pii is PIIType.EMAIL:
        return None if shape.startswith(LOCAL_PART) else _email_country(shape)
    if pii is PIIType.PHONE:
        return _phone_country(shape)
    if pii is PIIType.IBAN:
        return shape[:2] if _IBAN_HEAD.match(shape) else ""
    return country_of(locale)


def shapes_in(pii: PIIType, shapes: Shapes, locale: str, country: str,
              target: str | None) -> tuple[list[tuple[str, float]], str]:
    """The shapes (and locale) that make values of ``country`` only, where that can be.

    ``locale`` is the column's, ``target`` a locale of ``country``. The layouts of the country
    are kept; a name or an address of a country the real column has no layouts of is made
    in the column's layouts, in ``target``. Otherwise every shape is kept.
    """
    tags = [shape_country(pii, s, locale) for s, _ in shapes]
    always = [sw for sw, tag in zip(shapes, tags, strict=True) if tag is None]
    matched = [sw for sw, tag in zip(shapes, tags, strict=True) if tag == country]
    if matched:
        return always + matched, locale
    own = country == country_of(locale)
    if pii not in ALWAYS_COUNTRY or target is None or (own and not shapes):
        return list(shapes), locale
    if pii in (PIIType.FIRST_NAME, PIIType.LAST_NAME):
        return list(shapes), target
    layouts = [sw for sw, tag in zip(shapes, tags, strict=True) if tag is not None]
    return always + _retargeted(pii, layouts, target), locale


def _retargeted(pii: PIIType, layouts: Shapes, target: str) -> list[tuple[str, float]]:
    """``layouts`` written in the locale ``target`` (the locale's own, if none)."""
    found: dict[str, float] = {}
    for shape, share in layouts or [("", 1.0)]:
        if pii is PIIType.PERSON_NAME:
            head = "/".join(shape.split("/")[:2]) or f"{AS_LOCALE}/{TITLE}"
            key = f"{head}/{target}"
        else:
            lines, tail, postcode, _ = split_layout(shape)
            if "state_abbr" in tail and not has_states(locale_data(target)):
                tail = postcode = ""
            key = f"{lines}|{tail}|{postcode}|{target}"
        found[key] = found.get(key, 0.0) + share
    return list(found.items())
