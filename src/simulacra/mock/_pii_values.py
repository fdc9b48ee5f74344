"""How ``fake`` and ``mask`` replace the distinct values of one column (see :mod:`._pii_replace`).

Every function here takes the distinct non-missing values of a column (``uniques``, in order
of first appearance) and returns their replacements in the same order, so that a value that
repeats in the table gets one replacement everywhere; the caller maps them back to the rows.

``fake``
    * PII types reuse the vectorized generators of :mod:`simulacra.data._fake` with a
      :class:`~simulacra.data._keyed.ValueGuard` over the real values, so no real value (in
      canonical form: case, spacing and punctuation ignored) comes back. Distinct real values
      get distinct fakes (the generators' unique mode), except where the locale has fewer
      names than the column has (first or last names): then names repeat, by weight.
    * Integer ids (and strings of digits after a fixed prefix, such as ``"C-00123"``) go
      through a keyed permutation of the numbers of their width, so they keep dtype and width,
      stay distinct, and map the same way in every table processed with the same key or seed.
    * Other strings get random characters of the same class (digit, letter, hex letter) with
      punctuation kept, distinct and never equal to a real value.
``mask``
    Keeps length and punctuation and hides content with ``*`` (rules in :func:`mask_values`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from simulacra.data._fake import (
    CALLING_CODE,
    PIIGenerator,
    canonical_form,
    generate_guarded,
    iban_shapes,
    make_pii_generator,
    phone_shapes,
    uuid4_strings,
    value_shapes,
)
from simulacra.data._fake_addresses import address_layout_of, address_layouts
from simulacra.data._fake_emails import local_layout_of
from simulacra.data._fake_layouts import (
    AS_LOCALE,
    LAST_COMMA,
    LAST_FIRST,
    LAST_UPPER,
    LOCAL_PART,
    LOWER,
    TITLE,
    email_layout_of,
    email_locales,
    name_layout_of,
    name_locale_of,
)
from simulacra.data._fake_titles import TITLED, title_kind_of, untitled
from simulacra.data._keyed import ValueGuard, derive_key, new_salt, permute_index
from simulacra.data._locale_data import locale_data
from simulacra.data._strings import scatter
from simulacra.errors import SamplingError
from simulacra.mock._pii_words import LIBRARY, Words
from simulacra.schema._model import PIIType
from simulacra.schema._pii import _IBAN_LOCALES as IBAN_LOCALES

__all__ = ["fake_ids", "fake_pii_values", "fake_strings", "is_reserved_domain", "mask_values",
           "split_digit_ids"]

KEEP_DIGITS = 4
"""Digits kept at the end of masked phone, card and national id numbers."""
MIN_DIGITS_TO_KEEP = 8
"""Numbers with fewer digits are masked entirely (the last four would be most of them)."""
_MAX_TRIES = 32
_UUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_ID_TAIL = re.compile(r"^(?P<prefix>(?:.*\D)?)(?P<digits>\d+)$", re.DOTALL)
_NAME_PARTS = (PIIType.FIRST_NAME, PIIType.LAST_NAME)
_LAID_OUT = (PIIType.PHONE, PIIType.CREDIT_CARD, PIIType.NATIONAL_ID)
_REDRAWS = 8
_BIG_WIDTH = 19  # int64 numbers of 19 digits keep their leading digit (domain <= 2**62)


# ---- fake: PII types ------------------------------------------------------------------------
def fake_pii_values(uniques: pa.Array, pii_type: PIIType, *, locale: str | None,
                    value_locales: bool, key: int, rng: np.random.Generator,
                    where: str) -> tuple[pa.Array, str]:
    """Fake values of ``pii_type`` for the distinct real strings ``uniques``.

    Numbers (phones, cards, national ids) are made group by group of the same layout, so
    each fake has its real value's layout; IBANs group by country (unless ``value_locales``
    is False: then all use ``locale``). Names keep their real value's case style.

    Returns
    -------
    tuple
        The fakes (same order as ``uniques``) and a note for the report (empty unless
        distinct real values had to share fakes).
    """
    guard = ValueGuard.of(uniques, new_salt(), canonical_form(pii_type))
    groups = _layout_groups(uniques, pii_type, locale, value_locales)
    parts: list[tuple[np.ndarray, pa.Array]] = []
    notes: list[str] = []
    for group_locale, rows in groups:
        values = uniques.take(pa.array(rows))
        made, note = _fake_group(values, pii_type, group_locale, key, rng, guard, where,
                                 value_locales=value_locales)
        parts.append((rows, made))
        notes.append(note)
    fakes = scatter(parts, len(uniques)) if parts else pa.array([], pa.string())
    if len(groups) > 1:  # each group's fakes are distinct; across groups they may meet
        fakes = _distinct_across(fakes, groups, uniques, pii_type, key, rng, guard, where,
                                 value_locales)
    if pii_type is PIIType.EMAIL:
        fakes = _reserved_domains(uniques, fakes, guard, rng)
    fakes = _same_case(uniques, fakes)
    if pii_type is PIIType.PERSON_NAME:
        fakes = _surname_case(uniques, fakes, locale)
    return fakes, next((n for n in notes if n), "")


_RESERVED = re.compile(
    r"(?:^|\.)(?:example\.(?:com|net|org)|[^.]+\.(?:example|test|invalid|localhost)|localhost)$",
    re.IGNORECASE)
"""Domains that cannot receive mail (RFC 2606, RFC 6761): test systems rely on them."""


def is_reserved_domain(domain: str) -> bool:
    """Whether an e-mail domain is reserved for examples and tests (``example.org``, ``x.test``)."""
    return bool(_RESERVED.search(domain))


def _reserved_domains(real: pa.Array, fakes: pa.Array, guard: ValueGuard,
                      rng: np.random.Generator) -> pa.Array:
    """Fakes of addresses at reserved domains at the real one: a test mail reaches nobody.

    ``john23@example.org`` becomes ``<fake local part>@example.org``, not an address at a real
    provider's domain. A fake that then equals a real address or another fake gets digits.
    """
    texts = real.to_pylist()
    at = [i for i, t in enumerate(texts) if "@" in str(t)
          and is_reserved_domain(str(t).rpartition("@")[2])]
    if not at:
        return fakes
    out = fakes.to_pylist()
    for i in at:
        out[i] = f"{str(out[i]).rpartition('@')[0]}@{str(texts[i]).rpartition('@')[2]}"
    for _ in range(_MAX_TRIES):
        made = pa.array(out, pa.string())
        bad = guard.contains(made) | pd.Series(
            guard.canonical(made).to_pylist()).duplicated().to_numpy()
        if not bad.any():
            return made
        for i in np.flatnonzero(bad).tolist():
            local, _, domain = str(out[i]).rpartition("@")
            out[i] = f"{local}{rng.integers(0, 10)}@{domain}"
    raise SamplingError("fake e-mail addresses at reserved domains kept meeting real ones.")


def _distinct_across(fakes: pa.Array, groups: list[tuple[str | None, np.ndarray]],
                     uniques: pa.Array, pii_type: PIIType, key: int, rng: np.random.Generator,
                     guard: ValueGuard, where: str, value_locales: bool) -> pa.Array:
    """Redraw fakes that equal one of another group (``Thomas James`` and ``James, Thomas``)."""
    for _ in range(_REDRAWS):
        again = pd.Series(guard.canonical(fakes).to_pylist()).duplicated().to_numpy()
        if not again.any():
            break
        redo: list[tuple[np.ndarray, pa.Array]] = []
        for group_locale, rows in groups:
            bad = rows[again[rows]]
            if bad.size:
                made, _ = _fake_group(uniques.take(pa.array(bad)), pii_type, group_locale, key,
                                      rng, guard, where, value_locales=value_locales)
                redo.append((np.flatnonzero(np.isin(np.flatnonzero(again), bad)), made))
        fakes = pc.replace_with_mask(fakes, pa.array(again), scatter(redo, int(again.sum())))
    return fakes


_SCRIPTS = (  # (letters of a script, its locale, locales that write it)
    (re.compile("[\u3040-\u30ff]"), "ja_JP", ("ja_JP",)),  # kana
    (re.compile("[\uac00-\ud7a3]"), "ko_KR", ("ko_KR",)),
    (re.compile("[\u0400-\u04ff]"), "ru_RU", ("ru_RU", "uk_UA", "bg_BG", "hy_AM", "ka_GE")),
    (re.compile("[\u0600-\u06ff]"), "ar_AA", ("ar_AA", "ar_AE", "ar_EG", "ar_JO", "ar_PS",
                                             "ar_SA", "ar_BH", "fa_IR")),
    (re.compile("[\u0370-\u03ff]"), "el_GR", ("el_GR", "el_CY")),
    (re.compile("[\u4e00-\u9fff]"), "zh_CN", ("zh_CN", "zh_TW", "ja_JP")),
)


def _script_locales(names: pa.Array, own: str) -> pd.Series:
    """The locale of each name written in a script ``own`` does not write; else missing.

    A name list of one script cannot place ``木村 陽一`` or ``Сазонов Арсений``: by their
    letters they are Japanese (Han with a space, or kana), Chinese, Russian, Arabic, Greek
    or Korean, not German like the column. Latin names are left to the name lists.
    """
    out = pd.Series(None, index=range(len(names)), dtype=object)
    for i, name in enumerate(names.to_pylist()):
        text = str(name)
        for letters, locale, writers in _SCRIPTS:
            if letters.search(text):
                if own not in writers:
                    spaced_han = locale == "zh_CN" and (" " in text.strip() or "\u3000" in text)
                    out[i] = "ja_JP" if spaced_han else locale
                break
    return out


def _layout_groups(uniques: pa.Array, pii_type: PIIType, locale: str | None,
                   value_locales: bool) -> list[tuple[str | None, np.ndarray]]:
    """Row groups of ``uniques`` that share a layout (numbers) or a country (IBANs)."""
    text = pd.Series(uniques.to_pylist(), dtype=object).astype(str)
    if pii_type is PIIType.IBAN and value_locales:
        country = text.str.replace(" ", "", regex=False).str.upper().str[:2]
        by = country.map(IBAN_LOCALES).fillna(locale or "")
    elif pii_type in _LAID_OUT:  # a phone's country code as its real
        code = text.str.extract(f"({CALLING_CODE})", expand=False).fillna("")
        rest = text.str.replace(r"\d", "#", regex=True)
        by = code + "|" + rest.str.replace(r"[^\W\d_]", "A", regex=True)
    elif pii_type is PIIType.PERSON_NAME:  # `Last, First` as its real (case: _same_case)
        own = locale_data(locale).locale
        kinds = title_kind_of(uniques, [own])
        bare = untitled(uniques, kinds)
        by = _layout_part(name_layout_of(bare, locale), 0)
        by = by + "+" + pd.Series(kinds.to_pylist(), dtype=object)  # `Dr.` as its real
        if value_locales:  # a Polish name in a German list stays Polish
            found = pd.Series(name_locale_of(bare, own).to_pylist(), dtype=object)
            by = by + "|" + _script_locales(bare, own).fillna(found)
    elif pii_type is PIIType.EMAIL:  # top-level domain and local part as its real
        layouts = email_layout_of(uniques)
        local = local_layout_of(uniques, email_locales(layouts, locale))
        by = _layout_part(layouts, 1) + "|" + pd.Series(local.to_pylist(), dtype=object)
    elif pii_type is PIIType.STREET_ADDRESS:  # town and postcode lines as its real
        own = locale_data(locale).locale  # a French street in a German list stays French
        by = pd.Series(address_layout_of(uniques, own).to_pylist(), dtype=object)
    else:
        return [(locale, np.arange(len(text), dtype=np.int64))]
    codes, labels = pd.factorize(by)
    def group_locale(label: str) -> str | None:
        if pii_type is PIIType.IBAN:
            return label or None
        if pii_type is PIIType.PERSON_NAME and "|" in label:
            return label.split("|")[1]
        return locale

    return [(group_locale(str(labels[i])), np.flatnonzero(codes == i))
            for i in range(len(labels))]


def _fake_group(values: pa.Array, pii_type: PIIType, locale: str | None, key: int,
                rng: np.random.Generator, guard: ValueGuard, where: str, *,
                value_locales: bool = True) -> tuple[pa.Array, str]:
    """Distinct fakes drawn as the locale draws them; the unique mode if redraws fail."""
    rows = np.arange(len(values), dtype=np.int64)
    shapes = _shapes(values, pii_type, locale, value_locales)

    def generator(unique: bool) -> PIIGenerator:
        return make_pii_generator(pii_type, locale=locale, unique=unique, key=key, guard=guard,
                                  shapes=shapes, where=where)

    # rows that keep drawing real values (the real column holds the locale's commonest
    # names) take a value of the unique mode, which draws from what the real ones leave
    fallback = generator(True)

    def make(unique: bool, at: np.ndarray) -> pa.Array:
        return generate_guarded(generator(unique), at, rng, guard, where=where,
                                fallback=None if unique else fallback)

    fakes = make(False, rows)
    for _ in range(_REDRAWS):
        again = pd.Series(guard.canonical(fakes).to_pylist()).duplicated().to_numpy()
        if not again.any():
            return fakes, ""
        fakes = pc.replace_with_mask(fakes, pa.array(again), make(False, rows[again]))
    try:
        return make(True, rows), ""
    except SamplingError:
        if pii_type not in _NAME_PARTS:
            raise
    return fakes, (f"the locale has fewer {pii_type.value.replace('_', ' ')}s than the "
                   f"column has distinct values, so some fake names repeat")


def _shapes(values: pa.Array, pii_type: PIIType, locale: str | None,
            value_locales: bool = True) -> list[tuple[str, float]]:
    """What the generator follows of the real values' layout."""
    if pii_type is PIIType.PHONE:  # country codes and trunk 0 kept (``+33 (0)#``, ``0# ##``)
        return phone_shapes(values)
    if pii_type is PIIType.PERSON_NAME:  # a group of one order and title, in title case
        kind = title_kind_of(values[:1], [locale_data(locale).locale])
        order = str(_layout_part(name_layout_of(untitled(values[:1], kind), locale), 0)[0])
        titled = [(TITLED + str(kind[0]), 1.0)] if kind[0].as_py() else []
        return ([] if order == AS_LOCALE else [(f"{order}/{TITLE}", 1.0)]) + titled
    if pii_type is PIIType.EMAIL:  # a group of one top-level domain, made in lower case
        layouts = email_layout_of(values[:1])
        local = local_layout_of(values[:1], email_locales(layouts, locale))[0].as_py()
        return [(f"{LOWER}/{_layout_part(email_layout_of(values[:1]), 1)[0]}", 1.0),
                (LOCAL_PART + str(local), 1.0)]
    if pii_type is PIIType.IBAN and value_locales:  # countries kept
        return iban_shapes(values)
    if pii_type is PIIType.STREET_ADDRESS:  # a group of one layout
        return address_layouts(values[:1], locale_data(locale))
    return value_shapes(values)


def _layout_part(layouts: pa.Array, part: int) -> pd.Series:
    """The order (0) or case (1) of name layouts; the case (0) or domain (1) of e-mails'."""
    return pd.Series(layouts.to_pylist(), dtype=object).str.split("/").str[part]


def _surname_case(real: pa.Array, fakes: pa.Array, locale: str | None) -> pa.Array:
    """The surname in capitals where the real name has it so (``DUPONT, Jean``)."""
    cases = _layout_part(name_layout_of(real, locale), 1)
    orders = _layout_part(name_layout_of(real, locale), 0)
    at = np.flatnonzero((cases == LAST_UPPER).to_numpy())
    if not at.size:
        return fakes
    out = fakes.to_pylist()
    for i in at.tolist():
        words = str(out[i]).split(" ")
        if orders[i] == LAST_COMMA:
            last, _, first = str(out[i]).partition(",")
            out[i] = f"{last.upper()},{first}"
        elif orders[i] == LAST_FIRST or locale_data(locale).name_order[0]:
            out[i] = " ".join([words[0].upper(), *words[1:]])
        else:
            out[i] = " ".join([*words[:-1], words[-1].upper()])
    return pa.array(out, pa.string())


def _same_case(real: pa.Array, fakes: pa.Array) -> pa.Array:
    """Lower-case the fakes of lower-case real values, upper-case those of upper-case ones."""
    real_s = pd.Series(real.to_pylist(), dtype=object).astype(str)
    lower = pa.array(real_s.str.islower().to_numpy(dtype=bool))
    upper = pa.array(real_s.str.isupper().to_numpy(dtype=bool))
    out = pc.if_else(lower, pc.utf8_lower(fakes), fakes)
    return pc.if_else(upper, pc.utf8_upper(out), out)


# ---- fake: ids ------------------------------------------------------------------------------
def fake_ids(numbers: np.ndarray, secret: str) -> np.ndarray:
    """Permute int64 ids within the numbers of the same width (and sign), keyed by ``secret``.

    ``1412`` becomes another four-digit number; distinct ids stay distinct; the same id gives
    the same result for the same ``secret`` in every table and run.
    """
    values = np.asarray(numbers, dtype=np.int64)
    magnitude = np.abs(values)
    width = np.char.str_len(magnitude.astype(str)).astype(np.int64)
    out = np.empty_like(magnitude)
    for w in np.unique(width):
        at = width == w
        out[at] = _permute_width(magnitude[at], int(w), secret, leading_zero=False)
    return np.where(values < 0, -out, out)


def _permute_width(values: np.ndarray, width: int, secret: str, *,
                   leading_zero: bool) -> np.ndarray:
    """Permute numbers of ``width`` digits (or, with ``leading_zero``, fewer, zero-padded)."""
    low = 0 if width == 1 or leading_zero else 10 ** (width - 1)
    high = 10 ** (width - 1) if leading_zero else 10**width
    base = np.zeros_like(values)
    if width >= _BIG_WIDTH and not leading_zero:
        base = values - values % 10**18
        low, high = 0, 10**18
    key = derive_key("pii-fake-id", secret, str(width), "z" if leading_zero else "")
    if high - low <= 1:
        return values.copy()
    out: np.ndarray = permute_index(values - base - low, high - low, key) + low + base
    return out


def split_digit_ids(values: pd.Series) -> tuple[pd.Series, pd.Series] | None:
    """``(prefix, digits)`` of every string when all end in digits after one same prefix.

    A prefix that varies (``N63A1``, ``MI-13``) is part of the identity (a nest, a state):
    such strings are not ids of this form, and get random characters instead.
    """
    parts = values.astype(str).str.extract(_ID_TAIL)
    if parts["digits"].isna().any() or parts["prefix"].fillna("").nunique() > 1:
        return None
    return parts["prefix"].fillna(""), parts["digits"]


def fake_digit_strings(prefix: pd.Series, digits: pd.Series, secret: str) -> np.ndarray:
    """Permute the digits of ``prefix + digits`` strings, keeping width and leading zeros."""
    text = digits.to_numpy(dtype=str)
    width = np.char.str_len(text).astype(np.int64)
    zero = np.char.startswith(text, "0") & (width > 1)
    numbers = np.array([int(t) for t in text], dtype=np.int64) if len(text) else np.empty(0, int)
    out = np.empty(len(text), dtype=object)
    for w in np.unique(width):
        for z in (False, True):
            at = (width == w) & (zero == z)
            if at.any():
                permuted = _permute_width(numbers[at], int(w), secret, leading_zero=z)
                out[at] = np.char.zfill(permuted.astype(str), int(w))
    joined: np.ndarray = (prefix.to_numpy(dtype=object) + out).astype(object)
    return joined


# ---- fake: other strings --------------------------------------------------------------------
_LOWER = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz", dtype=np.uint8).astype(np.uint32)
_HEX = np.frombuffer(b"abcdef", dtype=np.uint8).astype(np.uint32)


def fake_strings(uniques: list[str], rng: np.random.Generator, where: str,
                 words: Words = LIBRARY) -> np.ndarray:
    """Random strings shaped like ``uniques``: each digit a digit, each letter a letter.

    Punctuation and spaces stay; when every letter of the column is a hex digit (UUIDs,
    hashes), letters are drawn from ``a-f``. The results are distinct and none equals a real
    value, also ignoring case, spacing and punctuation.
    """
    if not uniques:
        return np.empty(0, dtype=object)
    if all(_UUID.match(u) for u in uniques):
        return _fake_uuids(uniques, rng, where)
    mat = np.array(uniques, dtype=str)
    codes = mat.view(np.uint32).reshape(len(uniques), -1)
    folded = codes | 0x20
    digit = (codes >= 48) & (codes <= 57)
    letter = ((folded >= 97) & (folded <= 122)) | (codes > 127)
    upper = (codes >= 65) & (codes <= 90)
    hexish = bool(np.all(~letter | ((folded >= 97) & (folded <= 102))))
    alphabet = _HEX if hexish else _LOWER
    canonical = canonical_form(PIIType.CODE)  # `ZZ 123456 T` is the real `ZZ123456T`
    real = set(canonical(pa.array(uniques, pa.string())).to_pylist())
    out = codes.copy()
    todo = np.arange(len(uniques))
    for _ in range(_MAX_TRIES):
        n, m = len(todo), codes.shape[1]
        draw_digit = rng.integers(48, 58, size=(n, m), dtype=np.uint32)
        draw_letter = alphabet[rng.integers(0, len(alphabet), size=(n, m))]
        draw_letter = np.where(upper[todo], draw_letter - 32, draw_letter)
        fresh = np.where(digit[todo], draw_digit, np.where(letter[todo], draw_letter, codes[todo]))
        out[todo] = fresh
        strings = out.view(mat.dtype).ravel()
        forms = canonical(pa.array(strings.tolist(), pa.string())).to_pylist()
        seen: dict[str, int] = {}
        bad = [i for i, s in enumerate(forms) if s in real or seen.setdefault(s, i) != i]
        todo = np.asarray(bad, dtype=np.int64)
        if todo.size == 0:
            return strings.astype(object)
    stuck = ", ".join(repr(uniques[i]) for i in todo[:8].tolist())
    more = f" and {len(todo) - 8:,} more" if len(todo) > 8 else ""
    raise SamplingError(
        f"{where}: could not make {len(todo):,} fake value(s) that differ from every real one "
        f"and from each other, for the real values {stuck}{more}: they are too short to have "
        "enough distinct forms. If the column holds no personal data, leave it as it is with "
        f"{words.keep_column}; otherwise use {words.other_methods}."
    )


def _fake_uuids(uniques: list[str], rng: np.random.Generator, where: str) -> np.ndarray:
    """Random version-4 UUIDs, upper-case where the real one was."""
    made = pd.Series(uuid4_strings(len(uniques), rng).to_pylist(), dtype=object)
    upper = pd.Series(uniques, dtype=object).str.isupper().to_numpy(dtype=bool)
    made[upper] = made[upper].str.upper()
    if made.duplicated().any() or made.isin(set(uniques)).any():  # 122 random bits: never
        raise SamplingError(f"{where}: random UUIDs repeated; run again with another seed.")
    return made.to_numpy(dtype=object)


# ---- mask -----------------------------------------------------------------------------------
_WORD = re.compile(r"[^\s\-]+")
_ALNUM = re.compile(r"[0-9A-Za-z]")


def _stars(text: str, keep: Callable[[int, str], bool]) -> str:
    return "".join(ch if keep(i, ch) or not ch.isalnum() else "*" for i, ch in enumerate(text))


def _initials(text: str) -> str:
    """Each word as its first character and one star per other character."""
    return _WORD.sub(lambda m: m[0][0] + "*" * (len(m[0]) - 1), text)


def _email(text: str) -> str:
    local, at, domain = text.rpartition("@")
    if not at or not local:
        return _stars(text, lambda i, ch: False)
    labels = domain.split(".")
    hidden = ["*" * len(label) for label in labels[:-1]] + labels[-1:]
    return local[0] + "*" * (len(local) - 1) + "@" + ".".join(hidden)


def _last_digits(text: str, *, keep_head: int = 0) -> str:
    """Stars for letters and digits but the last four digits of a long enough number.

    The first ``keep_head`` letters or digits stay too (an IBAN's country code).
    """
    positions = [i for i, ch in enumerate(text) if ch.isdigit()]
    kept = set(positions[-KEEP_DIGITS:]) if len(positions) >= MIN_DIGITS_TO_KEEP else set()
    head = [i for i, ch in enumerate(text) if ch.isalnum()][:keep_head]
    kept.update(head)
    return _stars(text, lambda i, ch: i in kept)


def _address(text: str) -> str:
    return _initials(re.sub(r"\d", "*", text))


_MASKERS: dict[PIIType | None, Callable[[str], str]] = {
    PIIType.EMAIL: _email,
    PIIType.PHONE: _last_digits,
    PIIType.CREDIT_CARD: _last_digits,
    PIIType.NATIONAL_ID: _last_digits,
    PIIType.IBAN: lambda text: _last_digits(text, keep_head=2),
    PIIType.PERSON_NAME: _initials,
    PIIType.FIRST_NAME: _initials,
    PIIType.LAST_NAME: _initials,
    PIIType.STREET_ADDRESS: _address,
    None: lambda text: _stars(text, lambda i, ch: False),
}


def mask_values(uniques: list[str], pii_type: PIIType | None) -> np.ndarray:
    """Masked forms of ``uniques``: same length and punctuation, content hidden by ``*``.

    * e-mail: first character of the local part, stars, ``@``, stars for the domain, the
      top-level domain kept: ``jane.doe@example.com`` -> ``j*******@*******.com``;
    * phone, credit card, national id: every digit and letter a star except the last four
      digits of a number of at least eight digits: ``(555) 123-4567`` -> ``(***) ***-4567``;
    * IBAN: the same, and the country code kept: ``DE89 3704 ...`` -> ``DE** **** ...``;
    * names: each word its initial and stars: ``Mary-Jane Smith`` -> ``M***-J*** S****``;
    * street address: digits as stars, each word its initial and stars;
    * anything else (ids, columns named by the user): every letter and digit a star.
    """
    masker = _MASKERS.get(pii_type, _MASKERS[None])
    return np.array([masker(text) for text in uniques], dtype=object)
