"""Detect personal data (PII) in a column from its name and from its values.

Two kinds of evidence are combined:

* the column name, normalized to ``snake_case`` and matched against patterns whose PII word
  is the last token (``customer_email`` and ``email_address`` match; ``email_opt_in`` does not).
  Strong patterns suffice alone; weak ones (``name``, ``mail``, ``mobile``, ``card``) need at
  least half of the values to look right.
* the values: the share of a sample that passes a validator (regular expression, Luhn or
  mod-97 checksum, name lists from Faker). Structured kinds (email, IBAN, credit card, US SSN,
  formatted phone numbers, street addresses, IP addresses) and person names are detected from
  values alone.

Names, street addresses and phone numbers also give their locale where the values show it
(Faker's name lists of the locale, street words, country codes).

Street addresses are checked in ``schema/_pii_streets.py``. Everything here works on a
sample of at most a few thousand strings; callers draw it.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable
from functools import cache

import numpy as np
import pandas as pd

from simulacra.schema._model import PIIType
from simulacra.schema._national_id_rules import (
    checked_national_ids,
    flags,
    luhn_ok,
    national_id_locale,
)
from simulacra.schema._pii_streets import english_streets, is_street, us_addresses
from simulacra.schema._pii_text import APOS, HAN, KANA, cjk_char_re, in_set

__all__ = ["detect_pii", "fits_locale", "luhn_share", "normalize_name", "personal_levels",
           "pii_from_name", "pii_hint_from_name"]

VALUE_SHARE = 0.9
"""Share of sampled values that must pass a validator for detection from values alone."""
_FLAG_LEVELS = 2
"""A named column of at most this many distinct values, none of the named type, is a flag."""
NAME_VALUE_SHARE = 0.8
"""Same, for person names (name lists never cover every real name)."""
WEAK_NAME_SHARE = 0.5
"""Share of values that must pass when the column name only hints at the type."""
PHONE_MARKED_SHARE = 0.4
"""Phone numbers from values alone: all must be phone-shaped and this share marked as phones
(a ``+`` or ``00`` country code, an area code in brackets, two groups of digits); national
numbers are often written bare beside them (``0571371302`` beside ``+39 0571 371302``)."""
MIN_DISTINCT_SINGLE_NAMES = 5
"""Single-word names need this many distinct values, and at least the square root of the
rows, before values alone count: people's first or last names are many, while a few
capitalized words repeated over thousands of rows are labels ("Norm", "Retired")."""

_NUM = r"(?:_?(?:number|num|nbr|no|nr))?"
_PERSON_QUALIFIERS = (
    "full|person|patient|customer|client|employee|contact|member|owner|holder|account_holder|"
    "card_?holder|beneficiary|applicant|student|passenger|guest|physician|doctor|nurse|teacher|"
    "buyer|seller|sender|recipient|payee|payer|driver|legal|maiden|spouse|parent|guardian|"
    "emergency_contact|insured|subscriber|policy_?holder|tenant|landlord"
)

_STRONG_NAMES: tuple[tuple[PIIType, re.Pattern[str]], ...] = tuple(
    (pii, re.compile(pattern))
    for pii, pattern in (
        (PIIType.EMAIL, r"(?:^|_)e_?mail(?:_?addr(?:ess)?|_?adresse)?$|(?:^|_)mail_?addr(?:ess)?$"
                        r"|(?:^|_)(?:courriel|correo(?:_electronico)?)$"),
        (PIIType.IBAN, r"(?:^|_)iban(?:_?code)?" + _NUM + "$"),
        (
            PIIType.CREDIT_CARD,
            r"(?:^|_)(?:credit|debit)_?card" + _NUM + "$"
            r"|(?:^|_)(?:card|cc)_?(?:number|num|nbr|no|nr)$|(?:^|_)ccn$",
        ),
        (
            PIIType.NATIONAL_ID,
            r"(?:^|_)(?:ssn|social_?security|national_?id|national_?insurance|nino|passport|"
            r"tax_?id|tax_?number|personal_?id|id_?card|driver_?s?_?licen[cs]e|nhs|"
            r"personnummer|bsn|pesel|dni|nif|cpf|aadhaar|id_?number|steuer_?id|steuernummer|"
            r"hetu|henkil_?o?tunnus|f_?o?dselsnummer|rijksregister(?:_?nummer)?|"
            r"national_?(?:register_?)?number|"
            r"sozialversicherungs_?nummer|ausweis(?:_?nummer)?|codice_fiscale|"
            # German Steuer-ID, Portuguese NIF, Danish CPR, Swiss AHV, Canadian SIN
            r"steuer_?id_?nr|(?:steuer_?)?identifikations_?nummer|idnr|contribuinte|"
            r"cpr(?:_?nummer)?|ahv(?:_?nummer)?|social_?insurance|"
            # French NIR ("numéro de sécu", INSEE number), UK NI number
            r"nir|insee|num_?ro_?(?:de_?)?s_?cu(?:rit_?_?sociale)?|"
            r"ni(?=_?(?:number|num|nbr|no|nr)$))" + _NUM + "$",
        ),
        (
            PIIType.PHONE,
            r"(?:^|_)(?:tele)?phone" + _NUM + r"$|(?:^|_)(?:tel|fax)" + _NUM + "$"
            r"|(?:^|_)(?:mobile|cell)_?(?:phone)?_?(?:number|num|nbr|no|nr)$"
            r"|(?:^|_)(?:mobile|cell)_?phone$"
            # German, French, Spanish, Italian, Dutch, Nordic
            r"|(?:^|_)(?:telefon(?:_?nummer)?|rufnummer|handy(?:_?nummer)?|mobil(?:_?nummer)?|"
            r"mobiltelefon|t_?l_?phone|telefono|tel_?fono|cellulare|movil|m_?vil|portable|"
            r"telefoonnummer|tlf|puhelin)" + _NUM + "$",
        ),
        (PIIType.FIRST_NAME, r"(?:^|_)(?:first|given|fore|christian)_?names?$|(?:^|_)fname$"
                             r"|(?:^|_)(?:vorname|pr_?nom|prenom|voornaam|fornavn)$"),
        (PIIType.LAST_NAME, r"(?:^|_)(?:last|family|sur)_?names?$|(?:^|_)lname$"
                            r"|(?:^|_)(?:nachname|familienname|apellidos?|cognome|achternaam|"
                            r"efternavn|nom_de_famille)$"),
        (PIIType.PERSON_NAME, r"(?:^|_)(?:" + _PERSON_QUALIFIERS + r")_?name$"),
        (
            PIIType.STREET_ADDRESS,
            r"(?:^|_)(?:street_?address|street_?addr|(?:home|postal|mailing|billing|"
            r"shipping|residential|postal)_?address|address(?:_?line)?(?:_?\d)?|addr(?:_?line)?"
            r"(?:_?\d)?|adresse|anschrift|direcci_?o?n|indirizzo|adres|morada)$",
        ),
    )
)
_WEAK_NAMES: tuple[tuple[PIIType, re.Pattern[str]], ...] = tuple(
    (pii, re.compile(pattern))
    for pii, pattern in (
        (PIIType.PERSON_NAME, r"^(?:names?|person|patient|customer|contact|kunde|kundin|"
                              r"client|cliente|nom|nombre|nome|naam)$"),
        (PIIType.EMAIL, r"(?:^|_)mail$"),
        (PIIType.PHONE, r"(?:^|_)(?:mobile|cell|contact_?number)$"),
        (PIIType.CREDIT_CARD, r"(?:^|_)(?:card|cc|pan)$"),
        # a Canadian SIN or Swiss AVS number; also a sine or an average: values decide
        (PIIType.NATIONAL_ID, r"(?:^|_)(?:sin|avs)" + _NUM + "$"),
        # "Street" alone may be a street address or a road type (ames: Pave/Grvl): values decide.
        (PIIType.STREET_ADDRESS, r"(?:^|_)street$"),
    )
)
# Chinese and Japanese column names (normalize_name keeps ASCII only, so they match as written)
_CJK_NAMES: tuple[tuple[PIIType, re.Pattern[str]], ...] = tuple(
    (pii, re.compile(pattern))
    for pii, pattern in (
        (PIIType.NATIONAL_ID, "身份证|身分証|身分證|マイナンバー|個人番号"),
        (PIIType.PHONE, "手机|手機|电话|電話|携帯"),
        (PIIType.EMAIL, "邮箱|電子郵件|电子邮件|メール"),
        (PIIType.PERSON_NAME, "^(?:姓名|氏名|名前|お名前|客户名|顾客姓名)$"),
        (PIIType.STREET_ADDRESS, "地址|住址|住所"),
    )
)
_NOT_PERSONAL_TOKENS = frozenset({
    "ip", "ipv4", "ipv6", "mac", "web", "url", "host", "server", "wallet", "memory", "btc",
    "eth", "contract", "file", "table", "column", "city", "town", "state", "country",
    "region", "county", "province", "company", "product", "brand", "category", "street",
    "department", "team", "title", "job", "color", "colour", "item", "store", "shop",
})  # fmt: skip

EMAIL_BODY = r"[A-Za-z0-9._%+'\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
"""An e-mail address, unanchored (free-text scans anchor it themselves)."""
_EMAIL_RE = re.compile(f"^{EMAIL_BODY}$")
_SSN_RE = re.compile(r"^(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}$")
_IBAN_RE = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")
_CARD_RE = re.compile(r"^\d{4}(?:[ \-]?\d{1,4}){2,4}$|^\d{13,19}$")
_PHONE_RE = re.compile(r"^(?:\+|00)?[\d\s().\-/]{6,24}$")
# a Chinese mobile number: 11 digits from 13-19, written bare as often as not
_CN_MOBILE_RE = re.compile(r"^(?:(?:\+|00)86[\s\-]?)?1[3-9]\d(?:[\s\-]?\d{4}){2}$")
_PHONE_EXTENSION_RE = re.compile(r"\s*(?:x|ext\.?|extension|#)\s*\d{1,6}$", re.IGNORECASE)
_DATE_LIKE_RE = re.compile(r"^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4})"
                           r"(?:[ T][\d:.]+)?$")
_IPV4_RE = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_DIGIT_RE, _AT_RE = re.compile(r"\d"), re.compile("@")
# full names and street addresses hold a space, but Chinese and Japanese ones need not
_SPACE_RE = re.compile(r"\s")
# capitals, and Latin Extended-A, whose capitals and small letters alternate (Ś, Ł, Ž)
_UPPER = "A-ZÀ-ÖØ-Þ\u0100-\u017f"
_NAME_WORD = rf"[{_UPPER}](?:[^\W\d_]|[{APOS}\-])+"
_TITLE = (r"(?:Mr|Mrs|Ms|Miss|Master|Mx|Dr|Prof|Sir|Dame|Herr|Frau|Ing|Dipl\.-Ing|Dipl\.-Kfm|Mag|"
          r"Mme|Mlle|Sr|Sra|Sig|Sig\.ra|[Pp]an|[Pp]ani)\.?")
_PARTICLE = r"(?:von|van|de|der|den|du|da|di|del|della|la|le|zu|ten|ter|y)"
_SUFFIX = (r"(?:Jr|Sr|II|III|IV|MD|PhD|DDS|DVM|MBA|B\.A|B\.Sc|B\.Eng|M\.A|M\.Sc|M\.Eng|"
           r"LL\.M|Dipl\.-Ing)\.?")
_FULL_NAME_RE = re.compile(
    rf"^(?:{_TITLE}\s+)*(?P<first>{_NAME_WORD})(?:\s+[{_UPPER}](?:[^\W\d_]|[{APOS}\-])*\.?)?"
    rf"(?:\s+{_PARTICLE})*\s+(?P<last>{_NAME_WORD})(?:\s+{_PARTICLE})*(?:,?\s+{_SUFFIX})*$"
)
_PARTED_RE = re.compile(r"[\s,]")  # what parts a full name in either layout
# "Last, First" (library catalogues, rosters: "Auerbach, Frank", "Turner, Joseph Mallord")
# "Allen, Miss Elisabeth Walton (Bessie)", "Andrews, Mr Thomas, jr" (passenger lists) and
# "Allard, K" (an initial) too
_LAST_FIRST_RE = re.compile(
    rf"^(?P<last>{_NAME_WORD}(?:[\s\-]{_NAME_WORD})*),\s*(?:{_TITLE}\s+)*"
    rf"(?P<first>{_NAME_WORD}|[{_UPPER}]\.?)"
    rf"(?:\s+[{_UPPER}](?:[^\W\d_]|[{APOS}\-])*\.?)*(?:\s+\([^)]*\))?"
    rf"(?:,?\s+(?i:{_SUFFIX}))?$"
)
# Chinese names: a surname and a given name of one or two characters, unspaced; Japanese
# names: a family name, a space, a given name


@cache
def _cjk_name_res() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Chinese and Japanese names' patterns (compiled on first use: 3 ms of every import)."""
    return (re.compile(rf"^[{HAN}]{{2,4}}$"),
            re.compile(rf"^(?P<last>[{HAN}{KANA}]{{1,4}})[ \u3000]"
                       rf"(?P<first>[{HAN}{KANA}]{{1,4}})$"))


def _spaced(text: str) -> re.Match[str] | None:
    """A space, or a Chinese or Japanese character (whose names need no space)."""
    return _SPACE_RE.search(text) or cjk_char_re().search(text)

_IBAN_LOCALES = {
    "DE": "de_DE", "AT": "de_AT", "CH": "de_CH", "LI": "de_LI", "LU": "de_LU", "GB": "en_GB",
    "IE": "en_IE", "FR": "fr_FR", "BE": "nl_BE", "NL": "nl_NL", "ES": "es_ES", "IT": "it_IT",
    "PT": "pt_PT", "PL": "pl_PL", "SE": "sv_SE", "DK": "da_DK", "NO": "no_NO", "FI": "fi_FI",
    "CZ": "cs_CZ", "SK": "sk_SK", "HU": "hu_HU", "RO": "ro_RO", "GR": "el_GR", "HR": "hr_HR",
    "SI": "sl_SI", "EE": "et_EE", "LV": "lv_LV", "LT": "lt_LT", "BG": "bg_BG", "TR": "tr_TR",
}  # fmt: skip
_PHONE_LOCALES = {
    "44": "en_GB", "49": "de_DE", "43": "de_AT", "41": "de_CH", "33": "fr_FR", "32": "nl_BE",
    "31": "nl_NL", "34": "es_ES", "39": "it_IT", "351": "pt_PT", "353": "en_IE", "48": "pl_PL",
    "46": "sv_SE", "45": "da_DK", "47": "no_NO", "358": "fi_FI", "420": "cs_CZ", "36": "hu_HU",
    "30": "el_GR", "90": "tr_TR", "61": "en_AU", "64": "en_NZ", "91": "en_IN", "81": "ja_JP",
    "82": "ko_KR", "86": "zh_CN", "55": "pt_BR", "52": "es_MX", "54": "es_AR", "7": "ru_RU",
}  # fmt: skip
LOCALE_MARGIN = 0.2
"""Names take a locale when its lists hold this much more of them than en_US's lists."""
_STREET_WORD_RE = re.compile(
    r"(straße|strasse|gasse|weg|platz|allee|ring|damm|ufer|chaussee)\b|^\d*[\s,]*(rue|avenue|"
    r"boulevard|chemin|allée|impasse|quai)\b|^(calle|avenida|paseo|plaza|camino|ronda)\b|"
    r"^(via|viale|piazza|corso|largo|vicolo|strada)\b|(straat|laan|gracht|plein|kade|singel)\b")
_GB_POSTCODE_END = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}\s*$")
_STREET_WORD_LOCALES = {
    **dict.fromkeys(("straße", "strasse", "gasse", "weg", "platz", "allee", "ring", "damm",
                     "ufer", "chaussee"), "de_DE"),
    **dict.fromkeys(("rue", "avenue", "boulevard", "chemin", "allée", "impasse", "quai"),
                    "fr_FR"),
    **dict.fromkeys(("calle", "avenida", "paseo", "plaza", "camino", "ronda"), "es_ES"),
    **dict.fromkeys(("via", "viale", "piazza", "corso", "largo", "vicolo", "strada"), "it_IT"),
    **dict.fromkeys(("straat", "laan", "gracht", "plein", "kade", "singel"), "nl_NL"),
}
_NAME_LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pl_PL", "sv_SE",
                 "pt_BR")
# A single name as the lists of those locales write them: letters, with apostrophes, hyphens,
# dots, commas and spaces inside ("O'Neil", "Bourgondië, van", "'s Gravensande").
_NAME_SHAPE_RE = re.compile(rf"^[{APOS}]?[^\W\d_](?:[^\W\d_]|[{APOS}\-., ])*$")


def normalize_name(name: str) -> str:
    """Return the ``snake_case`` form of a column name: ``"patientName"`` -> ``"patient_name"``."""
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", s)
    return re.sub(r"[^0-9a-zA-Z]+", "_", s).strip("_").lower()


def pii_from_name(name: str) -> PIIType | None:
    """Return the PII type that the column name alone is strong evidence of, if any."""
    return _match_name(normalize_name(name), _STRONG_NAMES) or _cjk_name_type(name)


def pii_hint_from_name(name: str) -> PIIType | None:
    """The PII type the column name hints at (``mobile``, ``card``), strongly or not."""
    return pii_from_name(name) or _match_name(normalize_name(name), _WEAK_NAMES)


def _cjk_name_type(name: str) -> PIIType | None:
    return next((pii for pii, pattern in _CJK_NAMES if pattern.search(name)), None)


def detect_pii(name: str, sample: pd.Series) -> tuple[PIIType, str | None] | None:
    """Detect the PII type of a string column and, where it shows, its Faker locale.

    Parameters
    ----------
    name
        The column name.
    sample
        Up to a few thousand non-null string values of the column.

    Returns
    -------
    tuple or None
        ``(pii_type, locale)``; ``locale`` is None when it cannot be inferred (meaning en_US).
    """
    values = sample.astype(str).str.strip()
    values = values[values != ""]  # blanks are neither evidence for nor against
    # Validators run once per distinct value, weighted by its count: a categorical column
    # of a few dozen levels costs a few dozen checks, not thousands.
    counts = values.value_counts(sort=False)
    # object dtype: for a few values, plain `re` beats pyarrow (which parses each pattern anew)
    distinct = pd.Series(counts.index.astype(str).to_numpy(dtype=object), dtype=object)
    weights = counts.to_numpy(dtype=np.float64)
    norm = normalize_name(name)
    found = pii_from_name(name)
    if found is not None and _values_deny(found, distinct, weights):
        found = None
    if found is None:
        weak = _match_name(norm, _WEAK_NAMES)
        if weak is not None and _share(distinct, weights, weak, strict=False) >= WEAK_NAME_SHARE:
            found = weak
    if found is None and _share(distinct, weights, PIIType.IP_ADDRESS, strict=True) >= VALUE_SHARE:
        found = PIIType.IP_ADDRESS
    if found is None and not _NOT_PERSONAL_TOKENS.intersection(norm.split("_")):
        found = _pii_from_values(distinct, weights)
    if found is None:
        return None
    return found, _locale(found, values)


LEVELS_SHARE = 0.5
"""Share of a categorical column's distinct levels that, looking personal, earn a warning."""
MIN_LEVELS = 10
"""Fewer levels than this are labels, whatever they look like."""


def personal_levels(levels: pd.Series) -> tuple[PIIType, float] | None:
    """The PII type at least half of a categorical column's distinct ``levels`` look like.

    A safety net behind :func:`detect_pii`, which needs most values to pass: a column that
    stays categorical replays its real values, so a warning is due when many of them look
    like personal data. Returns the type and the share of levels that pass.
    """
    # stripped after the distinct values are taken: the same levels, fewer strings to strip
    distinct = pd.Series(pd.Series(levels.unique()).astype(str).str.strip().unique(), dtype=object)
    distinct = distinct[distinct != ""]
    if len(distinct) < MIN_LEVELS:
        return None
    ones = np.ones(len(distinct))
    # the traits of _pii_from_values spare most label columns every validator
    text = distinct.tolist()
    digits = _trait_share(text, ones, _DIGIT_RE.search)
    needs = {PIIType.EMAIL: _trait_share(text, ones, _AT_RE.search),
             PIIType.STREET_ADDRESS: _trait_share(text, ones, _spaced)}
    needs.update(dict.fromkeys(_DIGIT_TYPES, digits))
    for pii in (PIIType.EMAIL, PIIType.IBAN, PIIType.CREDIT_CARD, PIIType.NATIONAL_ID,
                PIIType.PHONE, PIIType.STREET_ADDRESS):
        if needs[pii] < LEVELS_SHARE:
            continue
        share = _share(distinct, ones, pii, strict=True)
        if share >= LEVELS_SHARE:
            return pii, share
    share = _name_share(distinct, ones, PIIType.PERSON_NAME, LEVELS_SHARE)
    return (PIIType.PERSON_NAME, share) if share >= LEVELS_SHARE else None


def _values_deny(pii: PIIType, distinct: pd.Series, weights: np.ndarray) -> bool:
    """Whether a flag, neither of whose values is a ``pii``, contradicts the column's name.

    AER::ResumeNames' ``email`` holds ``yes`` / ``no`` (the resume lists one). A name alone
    wins otherwise: personal data under odd placeholders is still personal data.
    """
    checked = pii in _VALIDATORS or pii in (PIIType.PERSON_NAME, PIIType.FIRST_NAME,
                                            PIIType.LAST_NAME)
    if not checked or distinct.empty or len(distinct) > _FLAG_LEVELS:
        return False
    return _share(distinct, weights, pii, strict=False) == 0.0


def _match_name(norm: str, patterns: tuple[tuple[PIIType, re.Pattern[str]], ...]) -> PIIType | None:
    tokens = set(norm.split("_"))
    for pii, pattern in patterns:
        if pattern.search(norm):
            if pii is PIIType.STREET_ADDRESS and tokens & _NOT_PERSONAL_TOKENS - {"street"}:
                continue
            return pii
    return None


def _pii_from_values(values: pd.Series, weights: np.ndarray) -> PIIType | None:
    """The PII type most of the (distinct, count-weighted) ``values`` pass, if any."""
    if values.empty:
        return None
    # A trait every value of a type has settles most columns in one scan, instead of one
    # validator per type: IBANs, card numbers, national ids and phone numbers hold digits,
    # e-mail addresses an "@", street addresses and full names a space.
    text = values.tolist()
    digits = _trait_share(text, weights, _DIGIT_RE.search)
    needs = {PIIType.EMAIL: _trait_share(text, weights, _AT_RE.search),
             PIIType.STREET_ADDRESS: _trait_share(text, weights, _spaced)}
    needs.update(dict.fromkeys(_DIGIT_TYPES, digits))
    for pii in (
        PIIType.EMAIL,
        PIIType.IBAN,
        PIIType.CREDIT_CARD,
        PIIType.NATIONAL_ID,
        PIIType.PHONE,
        PIIType.STREET_ADDRESS,
    ):
        if needs[pii] < VALUE_SHARE:
            continue
        share = _share(values, weights, pii, strict=True)
        if pii is PIIType.PHONE and share >= PHONE_MARKED_SHARE:
            share = _share(values, weights, pii, strict=False)
        if share >= VALUE_SHARE:
            return pii
    return _names_from_values(values, weights, needs[PIIType.STREET_ADDRESS])


def _trait_share(text: list[str], weights: np.ndarray,
                 has: Callable[[str], object]) -> float:
    """The weighted share of ``text`` for which ``has`` finds something."""
    return float(np.average([has(v) is not None for v in text], weights=weights))


_SCREEN_VALUES = 256
"""Distinct values checked first when a column has many (a sample, drawn by their counts)."""
_SCREEN_SHARE = 0.1
"""A sample share this low stands for the column's (a share of 0.4 is then ~10 s.e. away)."""


def _share(values: pd.Series, weights: np.ndarray, pii: PIIType, *, strict: bool) -> float:
    """Return the share of ``values`` (each counted ``weights`` times) passing ``pii``'s check."""
    if values.empty:
        return 0.0
    if pii in (PIIType.PERSON_NAME, PIIType.FIRST_NAME, PIIType.LAST_NAME):
        return _name_share(values, weights, pii, WEAK_NAME_SHARE)
    validator = _VALIDATORS[pii]
    if len(values) > 4 * _SCREEN_VALUES:
        # most columns fail every validator, and thousands of distinct values each through a
        # dozen string passes took most of a wide table's inference (DAAG::nassCDS's case
        # ids): a weighted sample that nearly all fail settles it, as every caller asks for
        # a share of 0.4 or more
        rng = np.random.default_rng(0)
        picked = rng.choice(len(values), _SCREEN_VALUES, p=weights / weights.sum())
        screened = float(np.mean(validator(values.iloc[picked], strict)))
        if screened <= _SCREEN_SHARE:
            return screened
    return float(np.average(validator(values, strict), weights=weights))


def _matches(values: pd.Series, pattern: re.Pattern[str]) -> np.ndarray:
    return flags(values.str.fullmatch(pattern))


def _is_email(values: pd.Series, strict: bool) -> np.ndarray:
    return _matches(values, _EMAIL_RE)


def _is_national_id(values: pd.Series, strict: bool) -> np.ndarray:
    """US SSNs by their layout, and ids whose check rule few other values pass."""
    found: np.ndarray = _matches(values, _SSN_RE) | checked_national_ids(values, strict)
    return found


def _is_iban(values: pd.Series, strict: bool) -> np.ndarray:
    compact = values.str.replace(" ", "", regex=False).str.upper()
    ok = _matches(compact, _IBAN_RE)
    for i in np.flatnonzero(ok):
        ok[i] = iban_checksum_ok(str(compact.iloc[i]))
    return ok


def iban_checksum_ok(iban: str) -> bool:
    """Whether a compact upper-case IBAN passes its mod-97 check."""
    moved = iban[4:] + iban[:4]
    digits = "".join(str(int(ch, 36)) for ch in moved)
    return int(digits) % 97 == 1


def _is_card(values: pd.Series, strict: bool) -> np.ndarray:
    ok = _matches(values, _CARD_RE)
    digits = values.str.replace(r"[ \-]", "", regex=True)
    lengths = digits.str.len().to_numpy(dtype=np.int64, na_value=0)
    ok &= (lengths >= 12) & (lengths <= 19)  # Maestro cards have 12 digits
    if not ok.any():
        return ok
    ok[ok] = luhn_ok(digits[ok].to_numpy(dtype=str))
    return ok


def luhn_share(values: pd.Series) -> float:
    """The share of strings that are card numbers (12 to 19 digits passing the Luhn check)."""
    return float(_is_card(values, True).mean()) if len(values) else 0.0


def _is_phone(values: pd.Series, strict: bool) -> np.ndarray:
    values = values.str.replace(_PHONE_EXTENSION_RE, "", regex=True)
    ok: np.ndarray = _matches(values, _PHONE_RE) & ~_matches(values, _DATE_LIKE_RE)
    n_digits = values.str.count(r"\d").to_numpy(dtype=np.int64, na_value=0)
    ok &= (n_digits >= 7) & (n_digits <= 15)
    if strict:
        groups = values.str.count(r"\d[\s.\-/]+\d").to_numpy(dtype=np.int64, na_value=0)
        marked = flags(values.str.match(r"^(?:\+|00|\()")) | _matches(values, _CN_MOBILE_RE)
        ok &= marked | (groups >= 2)
        ok &= ~_matches(values, _IPV4_RE)
    return ok


def _is_ip(values: pd.Series, strict: bool) -> np.ndarray:
    """IPv4 addresses (each part at most 255) and IPv6 addresses."""
    ok = np.zeros(len(values), dtype=bool)
    for i, text in enumerate(values.tolist()):
        if text.count(".") == 3 or text.count(":") >= 2:
            try:
                ipaddress.ip_address(text)
            except ValueError:
                continue
            ok[i] = True
    return ok


_DIGIT_TYPES = frozenset({PIIType.IBAN, PIIType.CREDIT_CARD, PIIType.NATIONAL_ID, PIIType.PHONE})

_VALIDATORS: dict[PIIType, Callable[[pd.Series, bool], np.ndarray]] = {
    PIIType.EMAIL: _is_email,
    PIIType.IBAN: _is_iban,
    PIIType.CREDIT_CARD: _is_card,
    PIIType.NATIONAL_ID: _is_national_id,
    PIIType.PHONE: _is_phone,
    PIIType.STREET_ADDRESS: is_street,
    PIIType.IP_ADDRESS: _is_ip,
}


@cache
def _name_lists() -> tuple[frozenset[str], frozenset[str]]:
    """The first and last names of a few Faker locales together, once."""
    lists = [_locale_names(locale) for locale in _NAME_LOCALES]
    return (frozenset().union(*(first for first, _ in lists)),
            frozenset().union(*(last for _, last in lists)))


def _name_share(values: pd.Series, weights: np.ndarray, pii: PIIType, needed: float) -> float:
    """Return the share of values that are names of the kind ``pii``.

    Full names: the weighted share with a known first or last name (in either order, in
    ``Last, First``, in any case), or Chinese or Japanese names; single names: the share of
    distinct values that are known names. A share below ``needed`` may come back as 0.
    """
    # Faker's name lists (and Faker itself, ~80 ms) load only for values that could be names:
    # every listed name has a capital letter, and a full name must match the pattern, so
    # fewer matching values than ``needed`` ("Never Married", "High School") settle it.
    if pii is PIIType.PERSON_NAME:
        cjk = _cjk_name_share(values, weights)
        if cjk >= needed:
            return cjk
        # both layouts part a name by a space or a comma: values without fail before parsing
        if _trait_share(values.tolist(), weights, _PARTED_RE.search) < needed:
            return 0.0
        parts = _name_parts(values)
        shaped = parts["first"].notna().to_numpy()
        if not shaped.any() or np.average(shaped, weights=weights) < needed:
            return 0.0
        first, last = _name_lists()
        hits = (in_set(parts["first"], first) | in_set(parts["last"], last)
                # "Smith Paige": a family name first needs both parts known
                | in_set(parts["first"], last) & in_set(parts["last"], first))
        return float(np.average(hits, weights=weights))
    if not any(v != v.lower() for v in values.tolist()):
        return 0.0
    first, last = _name_lists()
    names = first if pii is PIIType.FIRST_NAME else last
    return float(in_set(values, names).mean())


def _name_parts(values: pd.Series) -> pd.DataFrame:
    """Each value's first and last name (``first``, ``last``; missing where it is no name).

    Values written all in lower or upper case are read title-cased ("PAIGE SMITH", "smith,
    paige"); ``Last, First`` is read in its order.
    """
    one_case = flags(values.str.lower() == values) | flags(values.str.upper() == values)
    folded = values.where(~pd.Series(one_case, index=values.index), values.str.title())
    parts = folded.str.extract(_FULL_NAME_RE)[["first", "last"]]
    reversed_ = folded.str.extract(_LAST_FIRST_RE)
    # "Durham, NC": a place and its state's code, not a family name and a first name
    codes = reversed_["first"].str.isupper().eq(True) & (reversed_["first"].str.len() > 1)
    have = reversed_["first"].notna() & ~codes
    parts.loc[have, ["first", "last"]] = reversed_.loc[have, ["first", "last"]]
    return parts


def _cjk_name_share(values: pd.Series, weights: np.ndarray) -> float:
    """The weighted share of Chinese names (known surname first) and Japanese names."""
    if cjk_char_re().search("\n".join(values.tolist())) is None:  # one scan for most columns
        return 0.0
    chinese = _matches(values, _cjk_name_res()[0])
    japanese = values.str.extract(_cjk_name_res()[1])
    spaced = japanese["last"].notna().to_numpy()
    if not (chinese | spaced).any():
        return 0.0
    zh_last = _locale_names("zh_CN")[1]
    # Chinese surnames are one character, a few two (欧阳, 司马)
    known = chinese & (in_set(values.str[:1], zh_last) | in_set(values.str[:2], zh_last))
    ja_first, ja_last = _locale_names("ja_JP")
    known |= spaced & (in_set(japanese["last"], ja_last | zh_last)
                       | in_set(japanese["first"], ja_first))
    return float(np.average(known, weights=weights))


def _names_from_values(values: pd.Series, weights: np.ndarray, spaced: float) -> PIIType | None:
    """Full names (``spaced``: the weighted share of values with a space), or single ones."""
    if _cjk_name_share(values, weights) >= NAME_VALUE_SHARE:  # unspaced Chinese names
        return PIIType.PERSON_NAME
    if spaced >= NAME_VALUE_SHARE and _name_share(
            values, weights, PIIType.PERSON_NAME, NAME_VALUE_SHARE) >= NAME_VALUE_SHARE:
        return PIIType.PERSON_NAME
    if len(values) < max(MIN_DISTINCT_SINGLE_NAMES, math.sqrt(weights.sum())):
        return None
    # every listed name has this shape, so fewer shaped values than the share needed means
    # no name column, and Faker's lists need not load ("Sales_Executive", "R&D", "3rd")
    if _matches(values, _NAME_SHAPE_RE).mean() < VALUE_SHARE:
        return None
    first_share = _name_share(values, weights, PIIType.FIRST_NAME, VALUE_SHARE)
    last_share = _name_share(values, weights, PIIType.LAST_NAME, VALUE_SHARE)
    if max(first_share, last_share) < VALUE_SHARE:
        return None
    return PIIType.FIRST_NAME if first_share >= last_share else PIIType.LAST_NAME


def _locale(pii: PIIType, values: pd.Series) -> str | None:
    if pii in (PIIType.PERSON_NAME, PIIType.FIRST_NAME, PIIType.LAST_NAME):
        return _name_locale(pii, values)
    if pii is PIIType.STREET_ADDRESS:
        extracted = values.str.lower().str.extract(_STREET_WORD_RE).to_numpy(dtype=object)
        have = pd.notna(extracted)  # the first street word each address shows, if any
        first = extracted[np.arange(len(extracted)), have.argmax(axis=1)]
        words = pd.Series(np.where(have.any(axis=1), first, None), index=values.index)
        found = _dominant(words.map(_STREET_WORD_LOCALES), share=WEAK_NAME_SHARE)
        # English street words are the default's; a British postcode at the end tells en_GB
        if found is None and values.str.contains(_GB_POSTCODE_END).mean() >= WEAK_NAME_SHARE:
            return "en_GB"
        return found
    if pii is PIIType.NATIONAL_ID:
        return national_id_locale(values, VALUE_SHARE)
    if pii is PIIType.IBAN:
        codes = values.str.replace(" ", "", regex=False).str.upper().str[:2]
        return _dominant(codes.map(_IBAN_LOCALES))
    if pii is PIIType.PHONE:
        compact = values.str.replace(r"[\s().\-/]", "", regex=True)
        if _matches(values, _CN_MOBILE_RE).mean() >= VALUE_SHARE:
            return "zh_CN"
        prefixed = compact.str.extract(r"^(?:\+|00)(\d{1,3})", expand=False).dropna()
        # numbers written without a country code are national ones of the same country
        if len(prefixed) < WEAK_NAME_SHARE / 2 * len(values):
            return None
        return _dominant(prefixed.map(_phone_locale), share=NAME_VALUE_SHARE)
    return None


# a North American number: an area code and an exchange starting 2-9, after a ``+1``, ``001``
# or ``1`` or none (``8222805626``, ``(820)497-1925``, ``+1-951-870-3792``)
_NANP_RE = re.compile(r"^(?:(?:\+|00)?1[\s.\-]?)?(?:\(\s*[2-9]\d\d\s*\)\s*|[2-9]\d\d[\s.\-]?)"
                      r"[2-9]\d\d[\s.\-]?\d{4}$")
# ... written as only North America writes it: a country code 1, the area code in brackets,
# groups of 3, 3 and 4 digits parted by hyphens or dots (``970-344-9377``; Italy writes
# ``333 123 4567`` with spaces, and bare ten digits may be an Italian mobile)
_NANP_MARKED_RE = re.compile(r"^(?:(?:\+|00)?1[\s.\-]|\+1|\()|^\d{3}([.\-])\d{3}\1\d{4}$")
_NANP_COUNTRIES = frozenset({"US", "CA"})


def fits_locale(pii: PIIType, values: pd.Series, locale: str) -> bool:
    """Whether nothing in a column's phones or addresses shows a country other than ``locale``'s.

    ``values`` are the column's non-missing strings (a sample will do). What a column shows:

    * phones: country codes on at least a quarter of the numbers, all of one country
      (``+1``, ``001``: North America), or on most of them (of several countries); North
      American numbers (ten digits, area code and exchange starting 2-9), most of them
      and a quarter written as only North America writes them (``(820)497-1925``,
      ``398-312-0779``);
    * addresses: a US state and ZIP code ending half of them (``Amyside, OR 70537-5614``,
      or military mail), or an English street word ending half of the streets
      (``Trafficway``, ``Rd``): an English-speaking country, whichever ``locale`` is if it
      is one, as en_GB, en_AU and en_CA write the same words as en_US.

    Street words of other languages, British postcodes and name lists show a locale that
    :func:`detect_pii` gives the column itself.
    """
    text = values.dropna().astype(str).str.strip()
    text = text[text != ""]
    if text.empty:
        return True
    country = locale.rsplit("_", 1)[-1].upper()
    if pii is PIIType.PHONE:
        text = text.str.replace(_PHONE_EXTENSION_RE, "", regex=True)
        compact = text.str.replace(r"[\s().\-/]", "", regex=True)
        prefixed = compact.str.extract(r"^(?:\+|00)(\d{1,3})", expand=False).dropna()
        if len(prefixed) >= WEAK_NAME_SHARE * len(text):  # international numbers keep theirs
            return False
        if len(prefixed) >= WEAK_NAME_SHARE / 2 * len(text):
            code = _dominant(prefixed.map(_calling_country), share=NAME_VALUE_SHARE)
            if code is not None and code != country and not (
                    code == "US" and country in _NANP_COUNTRIES):
                return False
        if country in _NANP_COUNTRIES:
            return True
        nanp = _matches(text, _NANP_RE)
        marked = nanp & flags(text.str.match(_NANP_MARKED_RE))
        return not (nanp.mean() >= NAME_VALUE_SHARE and marked.mean() >= WEAK_NAME_SHARE / 2)
    if pii is PIIType.STREET_ADDRESS:
        us = us_addresses(text)
        if us.mean() >= WEAK_NAME_SHARE:
            return country == "US"
        if (us | english_streets(text)).mean() >= WEAK_NAME_SHARE:
            return locale.startswith("en_")
    return True


def _calling_country(digits: object) -> str | None:
    """The country (``"US"``) of a number's country code digits (``"1"``, ``"49"``)."""
    if isinstance(digits, str) and digits.startswith("1"):
        return "US"
    found = _phone_locale(digits)
    return None if found is None else found.rsplit("_", 1)[-1].upper()


def _phone_locale(digits: object) -> str | None:
    if not isinstance(digits, str):
        return None
    for width in (3, 2, 1):
        locale = _PHONE_LOCALES.get(digits[:width])
        if locale is not None:
            return locale
    return None


def _name_locale(pii: PIIType, values: pd.Series) -> str | None:
    """The locale whose name lists hold clearly more of the names than en_US's, if any.

    Chinese and Japanese names tell their locale by their script and layout.
    """
    if pii is PIIType.PERSON_NAME:
        ones = np.ones(len(values))
        if len(values) and _cjk_name_share(values, ones) >= NAME_VALUE_SHARE:
            japanese = values.str.fullmatch(_cjk_name_res()[1]) | values.str.contains(f"[{KANA}]")
            return "ja_JP" if flags(japanese).mean() >= WEAK_NAME_SHARE else "zh_CN"
        names, column = _name_parts(values)["first"].dropna(), 0
    else:
        names, column = values, 0 if pii is PIIType.FIRST_NAME else 1
    if names.empty:
        return None
    shares = {loc: in_set(names, _locale_names(loc)[column]).mean() for loc in _NAME_LOCALES}
    best = max(shares, key=lambda loc: shares[loc])
    return best if shares[best] >= shares["en_US"] + LOCALE_MARGIN else None


@cache
def _locale_names(locale: str) -> tuple[frozenset[str], frozenset[str]]:
    """The first and last names of one Faker locale, once."""
    import importlib

    provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
    return (frozenset(getattr(provider, "first_names", ())),
            frozenset(getattr(provider, "last_names", ())))


def _dominant(locales: pd.Series, share: float = VALUE_SHARE) -> str | None:
    """Return the locale that at least ``share`` of the values share, if any."""
    counts = locales.value_counts(dropna=True)
    if counts.empty or counts.iloc[0] < share * len(locales):
        return None
    return str(counts.index[0])
