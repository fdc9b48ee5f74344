"""National ids' layouts and check rules, as vectorized tests of string columns.

A country's rule both finds ids from their values (where few other numbers pass it by
chance) and tells which country a column of ids is from. The data layer's generators
(:mod:`simulacra.data._national_ids`) use the same weights and check digits.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd

# national ids whose layout tells the country: UK National Insurance, Italian codice
# fiscale, French NIR
_NATIONAL_ID_LOCALES = (
    ("en_GB", r"[A-Z]{2}\d{6}[A-Z]"),
    ("it_IT", r"[A-Z]{6}\d{2}[A-Z]\d{2}[A-Z]\d{3}[A-Z]"),
    ("fr_FR", r"[12]\d{4}(?:\d{2}|2[AB])\d{8}"),  # 2A, 2B: born in Corsica
)
BSN_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)
"""A Dutch BSN's digits times these sum to a multiple of 11 (the "elfproef")."""
PESEL_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3, 1)
"""A Polish PESEL's digits times these sum to a multiple of 10."""
HETU_CHECKS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
"""A Finnish henkilötunnus's check character: its nine digits modulo 31 index this."""
FODSELSNUMMER_WEIGHTS = ((3, 7, 6, 1, 8, 9, 4, 5, 2), (5, 4, 3, 2, 7, 6, 5, 4, 3, 2))
"""A Norwegian fødselsnummer's two check digits: 11 minus these weighted sums modulo 11."""
DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
"""A Spanish DNI's (or NIE's, X Y Z read as 0 1 2) letter: its number modulo 23 indexes this."""
NIF_PREFIXES = ("1", "2", "3", "5", "6", "8", "45", "70", "71", "72", "74", "75", "77", "79",
                "90", "91", "98", "99")
"""How a Portuguese NIF may start: 1-3 and 45 are people, the others companies and bodies."""
AHV_PREFIX = "756"
"""Every Swiss AHV/AVS number starts with Switzerland's ISO 3166 numeric code."""
DIGIT_WIDTHS = {"nl_NL": 9, "pt_PT": 9, "en_CA": 9, "da_DK": 10, "sv_SE": 10, "pl_PL": 11,
                "no_NO": 11, "nl_BE": 11, "de_DE": 11, "pt_BR": 11, "de_CH": 13, "fr_FR": 15}
"""How many digits a country's id has when written as digits alone (so storable as a number)."""


def flags(result: pd.Series) -> np.ndarray:
    """Return a writable boolean array (missing is False) from a pandas string-method result."""
    return np.array(result.to_numpy(dtype=bool, na_value=False), dtype=bool)


def _matches(values: pd.Series, pattern: re.Pattern[str]) -> np.ndarray:
    return flags(values.str.fullmatch(pattern))


def luhn_ok(numbers: np.ndarray) -> np.ndarray:
    """Check digit strings of at most 19 digits with the Luhn algorithm, vectorized."""
    padded = np.char.rjust(numbers.astype("U19"), 19, "0")
    codes = np.frombuffer(padded.tobytes(), dtype=np.uint32).reshape(len(padded), 19)
    d = (codes - ord("0")).astype(np.int64)[:, ::-1]
    doubled = d[:, 1::2] * 2
    doubled = np.where(doubled > 9, doubled - 9, doubled)
    total = d[:, 0::2].sum(axis=1) + doubled.sum(axis=1)
    return np.asarray(total % 10 == 0)


MIN_ID_DIGITS = 6
"""The fewest digits any id checked here holds (a UK National Insurance number's six)."""
_ID_CHARACTERS = re.compile(r"[\w\s./+\-]+")
"""What the ids checked here are written with: letters, digits, separators, hetu's ``+``."""


def checked_national_ids(values: pd.Series, strict: bool) -> np.ndarray:
    """Ids whose layout or check rule is rare by chance in other columns.

    DNIs, NIEs and henkilötunnus by their check character; German
    Steuer-IDs (1 in 250 random numbers pass), Swiss AHV numbers and Brazilian CPFs (1 in
    100) by their checks in the layouts they are written in; Canadian SINs (1 in 10 pass the
    Luhn check) only grouped like ``123 456 782`` unless the column's name hints at one.
    UK National Insurance numbers and Italian codici fiscali by their layouts; French NIRs,
    Chinese resident ids, PESELs, BSNs, fødselsnummer, Belgian numbers and personnummer by
    their check digits (and dates where they hold one): few other values pass them.
    """
    # a dozen string passes per value: values too short in digits to be any id, or holding
    # a character no id is written with, skip them (DAAG::nassCDS's 8,808 case ids
    # ``45:96:2`` took 0.17 s of its schema inference)
    maybe = (flags(values.str.count(r"\d") >= MIN_ID_DIGITS)
             & flags(values.str.fullmatch(_ID_CHARACTERS)))
    found = np.zeros(len(values), dtype=bool)
    if maybe.any():
        found[maybe] = _checked_national_ids(values[maybe], strict)
    return found


def _checked_national_ids(values: pd.Series, strict: bool) -> np.ndarray:
    dni = _is_dni(values.str.replace(r"[\s.\-]", "", regex=True).str.upper())
    hetu = _is_hetu(values.str.strip().str.upper())
    found: np.ndarray = flags(dni) | flags(hetu) | _is_checked_elsewhere(values)
    for layout, valid in _CHECKED_LAYOUTS:
        shaped = _matches(values, layout)
        if shaped.any():
            found[shaped] |= valid(values[shaped].str.replace(r"\D", "", regex=True))
    if not strict:
        found |= _is_sin(values)
    return found


def _is_checked_elsewhere(values: pd.Series) -> np.ndarray:
    """The ids of :func:`national_id_passes` whose rule few values of other columns pass."""
    compact = values.str.replace(" ", "", regex=False).str.upper()
    digits = compact.str.replace(r"[./\-]", "", regex=True)
    layouts = dict(_NATIONAL_ID_LOCALES)
    found: np.ndarray = (
        flags(compact.str.fullmatch(layouts["en_GB"]))
        | flags(compact.str.fullmatch(layouts["it_IT"]))
        | is_nir(compact) | is_resident_id(compact)
        | flags(_checks(digits, 11, PESEL_WEIGHTS, 10)) & _pesel_dated(digits)
        | flags(_checks(digits, 9, BSN_WEIGHTS, 11))
        | flags(_is_fodselsnummer(digits)) | flags(_is_belgian_number(digits))
        | flags(_is_personnummer(compact))
    )
    return found


def is_nir(compact: pd.Series) -> np.ndarray:
    """French NIRs (15 characters; ``2A``/``2B`` for Corsica) whose key is 97 minus mod 97."""
    shaped = flags(compact.str.fullmatch(dict(_NATIONAL_ID_LOCALES)["fr_FR"]))
    body = compact.where(pd.Series(shaped, index=compact.index), "1" + "0" * 14)
    # Corsican departments count as 19 (2A) and 18 (2B) for the key
    number = body.str[:13].str.replace("2A", "19", regex=False).str.replace("2B", "18",
                                                                            regex=False)
    key = 97 - pd.to_numeric(number).to_numpy(dtype=np.int64) % 97
    found: np.ndarray = shaped & (key == pd.to_numeric(body.str[13:]).to_numpy(dtype=np.int64))
    return found


RESIDENT_ID_WEIGHTS = tuple(2 ** (17 - i) % 11 for i in range(17))
"""A Chinese resident id's first 17 digits times these, modulo 11, index its check character."""
RESIDENT_ID_CHECKS = "10X98765432"


def is_resident_id(compact: pd.Series) -> np.ndarray:
    """Chinese resident ids: 17 digits (a birth date at 7-14) and an ISO 7064 check (0-9, X)."""
    shaped = flags(compact.str.fullmatch(r"\d{17}[\dX]"))
    body = compact.where(pd.Series(shaped, index=compact.index), "0" * 18)
    _, d = _digit_rows(body.str[:17], 17)
    check = np.array(list(RESIDENT_ID_CHECKS), dtype=object)[
        d @ np.asarray(RESIDENT_ID_WEIGHTS, dtype=np.int64) % 11]
    found: np.ndarray = (shaped & (check == body.str[17].to_numpy(dtype=object))
                         & _dated(body, 12, 10))
    return found


def _pesel_dated(digits: pd.Series) -> np.ndarray:
    """Whether a PESEL's digits start with a date (its month plus 20 per century after 1900)."""
    month = pd.to_numeric(digits.str[2:4], errors="coerce") % 20
    day = pd.to_numeric(digits.str[4:6], errors="coerce")
    return (month.between(1, 12) & day.between(1, 31)).to_numpy()


def national_id_locale(values: pd.Series, share: float) -> str | None:
    """The country whose layout or check rule most of the ids pass, if any.

    Each country's share is taken alone and the largest wins: nine digits pass a BSN, a NIF
    or a SIN check by chance in about 1 of 10, so a first-match order would take a tenth of
    a SIN column away from Canada.
    """
    shares = {locale: float(ok.mean()) for locale, ok in national_id_passes(values).items()}
    best = max(shares, key=lambda locale: shares[locale])
    return best if shares[best] >= share else None


def number_id_locale(numbers: pd.Series, share: float) -> str | None:
    """The country whose ids most of the whole numbers (as digit strings) are, zero-padded.

    Ids stored as integers lost their leading zeros (CPF ``01234567890`` -> ``1234567890``),
    so each country is tried at its width (:data:`DIGIT_WIDTHS`); a value with more digits
    than that fails, so the values must mostly fit the width to reach ``share``.
    """
    shares: dict[str, float] = {}
    for width in sorted(set(DIGIT_WIDTHS.values())):
        padded = numbers.str.zfill(width)
        passes = national_id_passes(padded)
        # a personnummer is written with its separator, which a number cannot hold
        passes["sv_SE"] = flags(_is_personnummer(padded.str[:6] + "-" + padded.str[6:]))
        shares |= {locale: float(passes[locale].mean())
                   for locale, w in DIGIT_WIDTHS.items() if w == width}
    best = max(shares, key=lambda locale: shares[locale])
    return best if shares[best] >= share else None


def national_id_passes(values: pd.Series) -> dict[str, np.ndarray]:
    """Per country whose ids are detected from values, which ``values`` pass its rule."""
    compact = values.str.replace(" ", "", regex=False).str.upper()
    digits = compact.str.replace(r"[./\-]", "", regex=True)
    passes = {locale: flags(compact.str.fullmatch(pattern))
              for locale, pattern in _NATIONAL_ID_LOCALES}
    passes |= {
        "es_ES": flags(_is_dni(compact)),
        "nl_NL": flags(_checks(digits, 9, BSN_WEIGHTS, 11)),
        "fi_FI": flags(_is_hetu(compact)),
        "no_NO": flags(_is_fodselsnummer(digits)),
        "nl_BE": flags(_is_belgian_number(digits)),
        "pl_PL": flags(_checks(digits, 11, PESEL_WEIGHTS, 10)),
        "sv_SE": flags(_is_personnummer(compact)),
        "de_DE": _is_steuer_id(digits),
        "pt_PT": _is_nif(digits),
        "da_DK": _is_cpr(digits),
        "de_CH": _is_ahv(digits),
        "pt_BR": _is_cpf(digits),
        "en_CA": _is_sin(digits),
        "zh_CN": is_resident_id(compact),
    }
    return passes


def _is_dni(compact: pd.Series) -> pd.Series:
    """Spanish DNIs (``12345678Z``) and NIEs (``X1234567L``) whose letter checks."""
    parts = compact.str.extract(r"^([XYZ]?)(\d{7,8})([A-Z])$").fillna("").astype(object)
    digits = parts[0].str.translate(str.maketrans("XYZ", "012")) + parts[1]
    shaped = (parts[1] != "") & (digits.str.len() == 8)
    number = pd.to_numeric(digits.where(shaped, "0")).to_numpy(dtype=np.int64)
    letter = np.array(list(DNI_LETTERS), dtype=object)[number % 23]
    return pd.Series(shaped.to_numpy(dtype=bool) & (letter == parts[2].to_numpy()),
                     index=compact.index)


def _checks(digits: pd.Series, width: int, weights: tuple[int, ...], modulus: int
            ) -> pd.Series:
    """Numbers of ``width`` digits whose weighted digit sum is 0 modulo ``modulus``."""
    shaped = digits.str.fullmatch(rf"\d{{{width}}}").fillna(False).astype(bool)
    text = digits.where(shaped, "0" * width).astype(object)
    matrix = np.array([list(map(int, t)) for t in text], dtype=np.int64).reshape(-1, width)
    ok = (matrix @ np.asarray(weights, dtype=np.int64)) % modulus == 0
    return pd.Series(shaped.to_numpy() & ok, index=digits.index)


def _is_personnummer(compact: pd.Series) -> pd.Series:
    """Swedish personnummer (``YYMMDD-NNNC``): a date, then a Luhn check over the ten digits."""
    shaped = compact.str.fullmatch(r"\d{6}[-+]\d{4}").fillna(False).astype(bool)
    digits = compact.str.replace(r"[-+]", "", regex=True).where(shaped, "0" * 10)
    ok = luhn_ok(digits.to_numpy(dtype=str))
    return pd.Series(shaped.to_numpy() & _dated(digits, 4, 2) & ok, index=compact.index)


def _dated(digits: pd.Series, day: int, month: int) -> np.ndarray:
    """Whether the two digits at ``day`` and ``month`` are a day and a month."""
    d = pd.to_numeric(digits.str[day : day + 2], errors="coerce")
    m = pd.to_numeric(digits.str[month : month + 2], errors="coerce")
    return (d.between(1, 31) & m.between(1, 12)).to_numpy()


def _is_hetu(compact: pd.Series) -> pd.Series:
    """Finnish henkilötunnus (``DDMMYY-NNNC``): a date, a century sign, the mod-31 check."""
    parts = compact.str.extract(r"^(\d{6})[-+A-FU-Y](\d{3})([0-9A-Y])$")
    shaped = parts[0].notna().to_numpy()
    number = pd.to_numeric((parts[0] + parts[1]).where(shaped, "0")).to_numpy(dtype=np.int64)
    check = np.array(list(HETU_CHECKS), dtype=object)[number % 31]
    ok = shaped & (check == parts[2].to_numpy(dtype=object)) & _dated(parts[0].fillna(""), 0, 2)
    return pd.Series(ok, index=compact.index)


def _is_fodselsnummer(digits: pd.Series) -> pd.Series:
    """Norwegian fødselsnummer: ``DDMMYY``, an individual number, two mod-11 check digits."""
    first, second = FODSELSNUMMER_WEIGHTS
    ok = (_checks(digits, 11, (*first, 1, 0), 11) & _checks(digits, 11, (*second, 1), 11))
    # D-numbers add 40 to the day
    day = pd.to_numeric(digits.str[:2], errors="coerce") % 40
    month = pd.to_numeric(digits.str[2:4], errors="coerce")
    return ok & (day.between(1, 31) & month.between(1, 12)).to_numpy()


def _is_belgian_number(digits: pd.Series) -> pd.Series:
    """Belgian national number (``YYMMDD SSS CC``): the key is 97 minus the number mod 97.

    The number is the first nine digits, with a leading 2 for births after 1999.
    """
    shaped = digits.str.fullmatch(r"\d{11}").fillna(False).astype(bool).to_numpy()
    text = digits.where(shaped, "0" * 11)
    body = pd.to_numeric(text.str[:9]).to_numpy(dtype=np.int64)
    key = pd.to_numeric(text.str[9:]).to_numpy(dtype=np.int64)
    ok = (key == 97 - body % 97) | (key == 97 - (2_000_000_000 + body) % 97)
    return pd.Series(shaped & ok & _dated(text, 4, 2), index=digits.index)


def _digit_rows(digits: pd.Series, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Which values are ``width`` ASCII digits, and all values as an ``(n, width)`` int matrix.

    Values of another shape become rows of zeros (masked out by the first result).
    """
    shaped = flags(digits.str.fullmatch(rf"[0-9]{{{width}}}"))
    text = np.where(shaped, digits.to_numpy(dtype=object), "0" * width).astype(f"S{width}")
    matrix = np.frombuffer(text.tobytes(), dtype=np.uint8).reshape(-1, width)
    return shaped, matrix.astype(np.int64) - 48


def mod11_complement(digits: np.ndarray, weights: tuple[int, ...]) -> np.ndarray:
    """Portuguese NIF, Brazilian CPF: 11 minus the weighted sum modulo 11; 0 for 0 or 1."""
    rest = digits @ np.asarray(weights, dtype=np.int64) % 11
    out: np.ndarray = np.where(rest < 2, 0, 11 - rest)
    return out


def mod11_10_check(digits: np.ndarray) -> np.ndarray:
    """German Steuer-ID: the ISO 7064 MOD 11,10 check digit of an ``(n, k)`` digit matrix."""
    product = np.full(len(digits), 10, dtype=np.int64)
    for j in range(digits.shape[1]):
        total = (digits[:, j] + product) % 10
        product = 2 * np.where(total == 0, 10, total) % 11
    out: np.ndarray = (11 - product) % 10
    return out


def ean13_check(digits: np.ndarray) -> np.ndarray:
    """Swiss AHV number: the EAN-13 check digit of 12 digits (weights 1, 3, 1, 3, ...)."""
    weights = np.tile([1, 3], digits.shape[1] // 2 + 1)[: digits.shape[1]]
    out: np.ndarray = (10 - digits @ weights % 10) % 10
    return out


def _is_steuer_id(digits: pd.Series) -> np.ndarray:
    """German Steuer-ID: 11 digits, no leading 0, the repetition rule, the MOD 11,10 check.

    In the first ten digits exactly one digit repeats, two or three times, and three times
    not all in a row (ELSTER's rule since 2016; twice only before).
    """
    shaped, d = _digit_rows(digits, 11)
    counts = (d[:, :10, None] == np.arange(10)).sum(axis=1)
    repeated = counts > 1
    run_of_three = ((d[:, :8] == d[:, 1:9]) & (d[:, 1:9] == d[:, 2:10])).any(axis=1)
    ok = (repeated.sum(axis=1) == 1) & (counts.max(axis=1) <= 3) & ~run_of_three
    found: np.ndarray = shaped & (d[:, 0] != 0) & ok & (mod11_10_check(d[:, :10]) == d[:, 10])
    return found


def _is_nif(digits: pd.Series) -> np.ndarray:
    """Portuguese NIF: nine digits, a known first digit (or two), the mod-11 check."""
    shaped, d = _digit_rows(digits, 9)
    known = flags(digits.str.startswith(NIF_PREFIXES))
    check = mod11_complement(d[:, :8], (9, 8, 7, 6, 5, 4, 3, 2))
    found: np.ndarray = shaped & known & (check == d[:, 8])
    return found


def _is_cpr(digits: pd.Series) -> np.ndarray:
    """Danish CPR-nummer (``DDMMYY-SSSS``): ten digits that start with a date.

    Numbers given since 2007 need not pass the old mod-11 check, so only the date shows; by
    value alone that is too weak, so a CPR is found by its name and then told apart here.
    """
    shaped, _ = _digit_rows(digits, 10)
    found: np.ndarray = shaped & _dated(digits.where(pd.Series(shaped, index=digits.index),
                                                     ""), 0, 2)
    return found


def _is_ahv(digits: pd.Series) -> np.ndarray:
    """Swiss AHV/AVS number (``756.XXXX.XXXX.XC``): 13 digits from 756, an EAN-13 check."""
    shaped, d = _digit_rows(digits, 13)
    found: np.ndarray = (shaped & flags(digits.str.startswith(AHV_PREFIX))
                         & (ean13_check(d[:, :12]) == d[:, 12]))
    return found


def _is_cpf(digits: pd.Series) -> np.ndarray:
    """Brazilian CPF (``###.###.###-##``): two mod-11 check digits; not one digit 11 times."""
    shaped, d = _digit_rows(digits, 11)
    first = mod11_complement(d[:, :9], (10, 9, 8, 7, 6, 5, 4, 3, 2))
    second = mod11_complement(d[:, :10], (11, 10, 9, 8, 7, 6, 5, 4, 3, 2))
    varied = (d != d[:, :1]).any(axis=1)
    found: np.ndarray = shaped & varied & (first == d[:, 9]) & (second == d[:, 10])
    return found


def _is_sin(digits: pd.Series) -> np.ndarray:
    """Canadian SIN: nine digits, not from 0 or 8 (not given to people), a Luhn check."""
    shaped, d = _digit_rows(digits, 9)
    valid = luhn_ok(np.where(shaped, digits.to_numpy(dtype=object), "0").astype(str))
    found: np.ndarray = shaped & ~np.isin(d[:, 0], (0, 8)) & valid
    return found


_CHECKED_LAYOUTS: tuple[tuple[re.Pattern[str], Callable[[pd.Series], np.ndarray]], ...] = (
    (re.compile(r"\d{2}[ /]?\d{3}[ /]?\d{3}[ /]?\d{3}"), _is_steuer_id),
    (re.compile(r"756[.\s]?\d{4}[.\s]?\d{4}[.\s]?\d{2}"), _is_ahv),
    (re.compile(r"\d{3}\.?\d{3}\.?\d{3}[-.]?\d{2}"), _is_cpf),
    (re.compile(r"\d{3}([ \-])\d{3}\1\d{3}"), _is_sin),
)
"""Layouts of national ids detected from values alone, with their check."""
