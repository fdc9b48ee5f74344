"""Personal data inside the free-text columns that ``replace_pii`` does not replace.

A ``notes`` field reading "Called Norma Fisher; reach at john23@example.org" keeps the very
name and e-mail that the ``full_name`` and ``email`` columns lost. For every text column
(:attr:`~simulacra.schema.Kind.TEXT`) that is not replaced whole:

* **the row's own values:** each occurrence of a value that one of the same row's replaced
  columns held (the exact string, between non-letters) becomes that row's replacement (the
  fake, pseudonym or mask that column got), so the text stays consistent with the columns.
  For person names also each part of three letters or more (``Fisher``) becomes the
  matching part of the fake (``Jones``) or its mask (``F*****``), or, under ``hash``, the
  whole pseudonym; a part that would map two ways in one row is left to the full name.
* **patterns:** e-mail addresses, phone numbers written with separators or a country code,
  Luhn-valid card numbers and IBANs with a valid check are found wherever they are, and
  replaced by the method's replacement for their type (the same one as in the table's
  columns where the value is there too).

Anything else (names of people the table does not hold, street addresses, dates of birth)
is not found: the report says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from simulacra.data._keyed import derive_key
from simulacra.mock._pii_columns import hmac_tokens, replaceable
from simulacra.mock._pii_values import fake_pii_values, mask_values
from simulacra.schema._model import PIIType
from simulacra.schema._national_id_rules import luhn_ok
from simulacra.schema._pii import (
    _DATE_LIKE_RE,
    _IPV4_RE,
    EMAIL_BODY,
    iban_checksum_ok,
)

__all__ = ["TextColumn", "clean_text_columns"]

MIN_PART = 3
"""Values and parts of person names shorter than this (``Al``, ``Li``, an id ``7``) are not
searched for: they would hit other words and numbers."""
_MIN_PHONE_DIGITS, _MAX_PHONE_DIGITS = 7, 15
_NAME_PART = re.compile(r"^[^\W\d_](?:[^\W\d_]|['\u2019\-])+$")
_SPLIT = re.compile(r"[\s,]+")
_EMAIL_IN_TEXT = re.compile(
    rf"(?<![\w.%+'\-@])(?=[A-Za-z0-9_%+\-]){EMAIL_BODY}(?![\w\-@])")
_IBAN_IN_TEXT = re.compile(
    r"(?<![\w])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?!\w)")
_CARD_IN_TEXT = re.compile(
    r"(?<![\w\-+])(?:\d{4}(?:[ \-]?\d{4}){2,3}(?:[ \-]?\d{1,3})?|\d{4}[ \-]?\d{6}[ \-]?\d{4,5})"
    r"(?![\w\-])")
_PHONE_IN_TEXT = re.compile(
    r"(?<![\w+\-./])(?P<phone>(?:\+|00)?(?:\d{1,4}[\s.\-]?)?(?:\(\d{1,5}\)[\s.\-]?)?"
    r"\d{1,5}(?:[\s.\-/]\d{1,8}){1,5})"
    r"(?P<ext>\s*(?:x|ext\.?|#)\s*\d{1,6})?(?![\w\-/])", re.IGNORECASE)
_PATTERNS: tuple[tuple[PIIType, re.Pattern[str]], ...] = (
    (PIIType.EMAIL, _EMAIL_IN_TEXT),
    (PIIType.IBAN, _IBAN_IN_TEXT),
    (PIIType.CREDIT_CARD, _CARD_IN_TEXT),
    (PIIType.PHONE, _PHONE_IN_TEXT),
)
_NAMES = (PIIType.PERSON_NAME, PIIType.FIRST_NAME, PIIType.LAST_NAME)


@dataclass(frozen=True)
class TextColumn:
    """What was found and replaced in one free-text column.

    Parameters
    ----------
    name
        The column.
    n_values
        Non-missing, non-blank cells.
    n_changed
        Cells in which something was replaced.
    from_row
        Occurrences of the same row's replaced values (and name parts) that were replaced.
    by_pattern
        Occurrences found by pattern, by PII type (``email``, ``phone``, ``credit_card``,
        ``iban``).
    """

    name: str
    n_values: int
    n_changed: int
    from_row: int = 0
    by_pattern: Mapping[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able form."""
        return {"name": self.name, "n_values": self.n_values, "n_changed": self.n_changed,
                "from_row": self.from_row, "by_pattern": dict(self.by_pattern)}

    def line(self) -> str:
        """One line for the summary."""
        found = [f"{self.from_row:,} value(s) of the row's replaced columns"]
        found += [f"{n:,} {kind.replace('_', ' ')}(s) found by pattern"
                  for kind, n in self.by_pattern.items() if n]
        return (f"{self.n_changed:,} of {self.n_values:,} cells changed "
                f"({', '.join(found)})")


# ---- the row's own values -------------------------------------------------------------------
def _as_texts(series: pd.Series) -> np.ndarray:
    """Each cell as the text written in the table (integers without ``.0``); None if empty."""
    present = replaceable(series)
    out = np.full(len(series), None, dtype=object)
    values = series.to_numpy(dtype=object)
    integer = pd.api.types.is_float_dtype(series.dtype)
    for i in np.flatnonzero(present).tolist():
        v = values[i]
        if integer and float(v).is_integer():
            v = int(v)
        out[i] = str(v)
    return out


@dataclass
class _Source:
    """One replaced column: its real and new cells as text, and what its values are."""

    pii_type: PIIType | None
    real: np.ndarray
    new: np.ndarray


@lru_cache(maxsize=1 << 16)
def _parts(real: str, new: str, method: str) -> tuple[tuple[str, str], ...]:
    """Name parts of three letters or more and what each becomes (kept: names repeat)."""
    real_parts = [p for p in _SPLIT.split(real) if p]
    if method == "hash":
        return tuple((p, new) for p in real_parts
                     if len(p) >= MIN_PART and _NAME_PART.match(p))
    new_parts = [p for p in _SPLIT.split(new) if p]
    if len(real_parts) != len(new_parts):
        return ()
    return tuple((p, q) for p, q in zip(real_parts, new_parts, strict=True)
                 if len(p) >= MIN_PART and _NAME_PART.match(p) and p != q)


def _row_pairs(sources: list[_Source], i: int, method: str) -> list[tuple[str, str]]:
    """``(real, replacement)`` of row ``i``: whole values first, then unambiguous name parts."""
    whole: dict[str, str] = {}
    parts: dict[str, tuple[str, str]] = {}
    for src in sources:
        real, new = src.real[i], src.new[i]
        if real is None or new is None or real == new or len(real) < MIN_PART:
            continue  # `7` (an id) would hit "7 days"
        whole.setdefault(real, new)
        if src.pii_type is PIIType.PERSON_NAME:
            for p, q in _parts(real, new, method):
                if p in parts and parts[p][0] != q:  # two ways in one row (`Scott Scott`):
                    parts[p] = (parts[p][1], parts[p][1])  # the whole first replacement
                else:
                    parts.setdefault(p, (q, new))
    pairs = list(whole.items())
    pairs += [(p, q) for p, (q, _) in parts.items() if p not in whole]
    pairs.sort(key=lambda pq: -len(pq[0]))
    return pairs


def _own_spans(texts: np.ndarray, rows: Iterable[int], sources: list[_Source],
               method: str) -> dict[int, list[tuple[int, int, Any]]]:
    """The row's own values (and name parts) in ``texts[i]`` of each of ``rows``, as spans."""
    own: dict[int, list[tuple[int, int, Any]]] = {}
    for i in rows:
        text = texts[i]
        spans: list[tuple[int, int, Any]] = []
        for real, new in _row_pairs(sources, i, method):
            start = text.find(real)
            while start >= 0:
                end = start + len(real)
                if _bounded(text, start, end) and _free(spans, start, end):
                    spans.append((start, end, new))
                start = text.find(real, start + 1)
        if spans:
            own[i] = spans
    return own


def _may_hold_own(texts: np.ndarray, rows: list[int], sources: list[_Source]) -> list[int]:
    """Those of ``rows`` whose text holds one of the row's values searched for, or a part.

    A cheap first pass for :func:`_own_spans`: whatever :func:`_row_pairs` searches for is a
    whole value of three characters or more that its replacement changed, or a part of such
    a person name, so a text that holds none of them (one ``in`` per column, without
    building the row's pairs) can have no span, and is left out.
    """
    checks: list[tuple[list[str | None], bool]] = []
    for src in sources:
        real, new = src.real[rows].tolist(), src.new[rows].tolist()
        values = [r if r is not None and n is not None and r != n and len(r) >= MIN_PART
                  else None for r, n in zip(real, new, strict=True)]
        if any(v is not None for v in values):
            checks.append((values, src.pii_type is PIIType.PERSON_NAME))
    if not checks:
        return []
    keep = [False] * len(rows)
    mine = texts[rows].tolist()
    for values, name in checks:
        for k, value in enumerate(values):
            if value is None or keep[k]:
                continue
            text = mine[k]
            if value in text or (name and any(
                    p in text for p in _SPLIT.split(value) if len(p) >= MIN_PART)):
                keep[k] = True
    return [i for i, k in zip(rows, keep, strict=True) if k]


def _bounded(text: str, start: int, end: int) -> bool:
    """No letter or digit glued to either side of ``text[start:end]``."""
    return ((start == 0 or not text[start - 1].isalnum())
            and (end == len(text) or not text[end].isalnum()))


def _free(spans: list[tuple[int, int, Any]], start: int, end: int) -> bool:
    for s, e, _ in spans:  # noqa: SIM110 (a loop: called for every find, on short lists)
        if end > s and start < e:
            return False
    return True


# ---- patterns -------------------------------------------------------------------------------
def _is_phone(match: re.Match[str]) -> bool:
    text = match["phone"]
    digits = sum(ch.isdigit() for ch in text)
    if not _MIN_PHONE_DIGITS <= digits <= _MAX_PHONE_DIGITS:
        return False
    if _DATE_LIKE_RE.match(text) or _IPV4_RE.match(text):
        return False
    marked = text.startswith(("+", "00", "(")) or "(" in text
    groups = len(re.findall(r"\d+", text))
    # 884-486-9762, not 12 345 (an amount)
    return marked or (groups >= 3 and not _isbn_or_date(text))


_DATE_IN_GROUPS = re.compile(
    r"(?:(?:19|20)\d\d[ .\-/](?:0?[1-9]|1[0-2])[ .\-/](?:0?[1-9]|[12]\d|3[01])"
    r"|(?:0?[1-9]|[12]\d|3[01])[ .\-/](?:0?[1-9]|1[0-2])[ .\-/](?:19|20)\d\d)"
    r"(?:[ .:\-T][0-5]?\d){0,3}", re.ASCII)
"""A date in year, month and day (or day, month, year) groups, perhaps with hours, minutes
and seconds: ``2024 01 05 12``."""


def _isbn_or_date(text: str) -> bool:
    """An unmarked candidate that reads as an ISBN with a valid check digit, or a date.

    ISBNs are written in groups: an ISBN-13 in five (``978-3-16-148410-0``, starting with
    978 or 979), an ISBN-10 in four (``0-306-40615-2``); a phone number's three groups are
    not taken for one, whatever its digits.
    """
    if _DATE_IN_GROUPS.fullmatch(text):
        return True
    groups = re.findall(r"\d+", text)
    if not re.fullmatch(r"\d+(?:[ \-]\d+)+", text):
        return False
    digits = [int(d) for d in "".join(groups)]
    if len(digits) == 13 and len(groups) == 5 and digits[:3] in ([9, 7, 8], [9, 7, 9]):
        return sum(d * (3 if k % 2 else 1) for k, d in enumerate(digits)) % 10 == 0
    if len(digits) == 10 and len(groups) == 4:
        return sum(d * (10 - k) for k, d in enumerate(digits)) % 11 == 0
    return False


def _phones(matches: list[re.Match[str]]) -> list[bool]:
    """:func:`_is_phone` of each match; ASCII ones all at once (their digits are 0-9)."""
    if not matches:
        return []
    text = pa.array([m["phone"] for m in matches], pa.string())
    ascii_ = np.asarray(pc.string_is_ascii(text), dtype=bool)
    digits = np.asarray(pc.count_substring_regex(text, "[0-9]"), dtype=np.int64)
    groups = np.asarray(pc.count_substring_regex(text, "[0-9]+"), dtype=np.int64)
    not_phone = np.asarray(pc.or_(pc.match_substring_regex(text, _DATE_LIKE_RE.pattern),
                                  pc.match_substring_regex(text, _IPV4_RE.pattern)), dtype=bool)
    marked = np.asarray(pc.or_(pc.or_(pc.starts_with(text, "+"), pc.starts_with(text, "00")),
                               pc.match_substring(text, "(")), dtype=bool)
    ok = ((digits >= _MIN_PHONE_DIGITS) & (digits <= _MAX_PHONE_DIGITS) & ~not_phone
          & (marked | (groups >= 3)))
    return [(bool(k) and (not m_ or not _isbn_or_date(m["phone"]))) if a else _is_phone(m)
            for m, k, a, m_ in zip(matches, ok.tolist(), ascii_.tolist(),
                                   (~marked).tolist(), strict=True)]


def _found(kind: PIIType, match: re.Match[str]) -> bool:
    text = match[0]
    if kind is PIIType.IBAN:
        return iban_checksum_ok(text.replace(" ", ""))
    if kind is PIIType.CREDIT_CARD:
        digits = re.sub(r"\D", "", text)
        return 13 <= len(digits) <= 19 and bool(luhn_ok(np.array([digits]))[0])
    if kind is PIIType.PHONE:
        return _is_phone(match)
    return True


_BLOCK = 50_000
"""Texts searched together (their joined text and matches are held at once)."""
_SEPARATOR = "\x00"
"""Joins a column's texts for one search: no pattern matches it, and each pattern's
look-arounds read it as they read a text's start or end."""


_MAYBE: dict[PIIType, str] = {
    PIIType.EMAIL: "@",
    PIIType.IBAN: r"[A-Z]{2}\p{Nd}{2}",
    PIIType.CREDIT_CARD: r"\p{Nd}{4}[ \-]?\p{Nd}{4}",
    PIIType.PHONE: r"\p{Nd}(?:\P{Nd}{0,2}\p{Nd}){6}",
}
"""What a text holding a match of each pattern holds (RE2, for pyarrow; a digit is any
Unicode digit, as Python's ``re`` reads one): texts without it are not searched."""


def _pattern_matches(texts: list[str], rows: list[int],
                     own: Mapping[int, list[tuple[int, int, Any]]]
                     ) -> dict[int, list[tuple[int, int, Any]]]:
    """:func:`_pattern_spans` of every text, found by one search per pattern over them all.

    For each pattern, the texts that may hold a match (:data:`_MAYBE`, all at once in
    pyarrow) are joined by :data:`_SEPARATOR` and searched once, so that the regular
    expressions run over the column at C speed rather than once per cell; the matches are
    the same as cell by cell, as no match can span a separator. Texts that hold the
    separator themselves are searched one by one.
    """
    found: dict[int, list[tuple[int, int, Any]]] = {}
    alone = [k for k, t in enumerate(texts) if _SEPARATOR in t]
    for k in alone:
        more = _pattern_spans(texts[k], own.get(rows[k], []))
        if more:
            found[rows[k]] = more
    if len(alone) == len(texts):
        return found
    column = pa.array(texts, pa.string())
    joined = np.ones(len(texts), dtype=bool)
    joined[alone] = False
    for kind, pattern in _PATTERNS:
        maybe = np.flatnonzero(joined & np.asarray(
            pc.match_substring_regex(column, _MAYBE[kind]), dtype=bool)).tolist()
        if not maybe:
            continue
        big = _SEPARATOR.join([texts[k] for k in maybe])
        lengths = np.fromiter((len(texts[k]) + 1 for k in maybe), dtype=np.int64,
                              count=len(maybe))
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        matches = list(pattern.finditer(big))
        if kind is PIIType.PHONE:  # most are amounts and dates: judged at once
            keep = _phones(matches)
            matches = [m for m, ok in zip(matches, keep, strict=True) if ok]
        elif kind is not PIIType.EMAIL:
            matches = [m for m in matches if _found(kind, m)]
        if not matches:
            continue
        at = np.searchsorted(starts, [m.start() for m in matches], side="right") - 1
        for m, k in zip(matches, at.tolist(), strict=True):
            i = rows[maybe[k]]
            offset = int(starts[k])
            start, end = m.start() - offset, m.end() - offset
            more = found.setdefault(i, [])
            if _free(own.get(i, []), start, end) and _free(more, start, end):
                more.append((start, end, (kind, m[0])))
    return {i: more for i, more in found.items() if more}


def _pattern_spans(text: str, spans: list[tuple[int, int, Any]]) -> list[tuple[int, int, Any]]:
    found: list[tuple[int, int, Any]] = []
    for kind, pattern in _PATTERNS:
        if kind is PIIType.EMAIL and "@" not in text:
            continue
        for m in pattern.finditer(text):
            if _found(kind, m) and _free(spans, m.start(), m.end()) and _free(
                    found, m.start(), m.end()):
                found.append((m.start(), m.end(), (kind, m[0])))
    return found


# ---- the call -------------------------------------------------------------------------------
def clean_text_columns(data: pd.DataFrame, out: pd.DataFrame, text_columns: Iterable[str],
                       replaced: Mapping[str, PIIType | None], method: str, *,
                       key: bytes | None, secret: str, where: str) -> dict[str, TextColumn]:
    """Replace, in ``out``'s ``text_columns``, the personal data found (see the module).

    ``data`` is the real table, ``out`` the one whose columns ``replaced`` (name -> PII
    type) were replaced already; ``out`` is changed in place.
    """
    sources = [_Source(t, _as_texts(data[c]), _as_texts(out[c])) for c, t in replaced.items()]
    known = _known(sources)
    cells: dict[str, list[tuple[int, list[tuple[int, int, Any]]]]] = {}
    report: dict[str, dict[str, int]] = {}
    for name in text_columns:
        column = data[name]
        texts = column.to_numpy(dtype=object)
        todo = np.flatnonzero(replaceable(column)).tolist()
        counts = {"values": len(todo), "from_row": 0} | {k.value: 0 for k, _ in _PATTERNS}
        found: list[tuple[int, list[tuple[int, int, Any]]]] = []
        rows = [i for i in todo if isinstance(texts[i], str)]
        for at in range(0, len(rows), _BLOCK):  # a block at a time: matches held in memory
            block = rows[at:at + _BLOCK]
            own = _own_spans(texts, _may_hold_own(texts, block, sources), sources, method)
            counts["from_row"] += sum(len(spans) for spans in own.values())
            by_pattern = _pattern_matches([texts[i] for i in block], block, own)
            for i in block:
                spans = own.get(i, [])
                more = by_pattern.get(i, [])
                for _, _, (kind, _) in more:
                    counts[kind.value] += 1
                if spans or more:
                    found.append((i, spans + more if more else spans))
        cells[name] = found
        report[name] = counts
    made = _pattern_replacements(cells, known, method, key, secret, where)
    result: dict[str, TextColumn] = {}
    for name, found in cells.items():
        if found:
            values = out[name].to_numpy(dtype=object, copy=True)
            for i, spans in found:
                values[i] = _spliced(str(values[i]), spans, made)
            dtype = out[name].dtype
            # a categorical column takes the new texts as new categories
            out[name] = pd.Series(values, index=out.index, name=name).astype(
                "category" if isinstance(dtype, pd.CategoricalDtype) else dtype)
        counts = report[name]
        result[name] = TextColumn(
            name, counts["values"], len(found), counts["from_row"],
            {k.value: counts[k.value] for k, _ in _PATTERNS})
    return result


def _known(sources: list[_Source]) -> dict[PIIType, dict[str, str]]:
    """Each replaced column's real -> new value, by type, for values also found by pattern."""
    known: dict[PIIType, dict[str, str]] = {}
    for src in sources:
        if src.pii_type is None or src.pii_type in _NAMES:
            continue
        table = known.setdefault(src.pii_type, {})
        at = np.flatnonzero(pd.notna(src.real) & pd.notna(src.new))
        for real, new in zip(src.real[at].tolist(), src.new[at].tolist(), strict=True):
            table.setdefault(real, new)
            if src.pii_type is PIIType.EMAIL:
                table.setdefault(real.lower(), new)
    return known


def _pattern_replacements(cells: Mapping[str, list[tuple[int, list[tuple[int, int, Any]]]]],
                          known: Mapping[PIIType, Mapping[str, str]], method: str,
                          key: bytes | None, secret: str,
                          where: str) -> dict[tuple[PIIType, str], str]:
    """What each value found by pattern becomes: as in the table's columns, else anew."""
    wanted: dict[PIIType, list[str]] = {}
    made: dict[tuple[PIIType, str], str] = {}
    for found in cells.values():
        for _, spans in found:
            for _, _, what in spans:
                if not isinstance(what, tuple) or what in made:
                    continue
                kind, value = what
                table = known.get(kind, {})
                new = table.get(value)
                if new is None and kind is PIIType.EMAIL:
                    new = table.get(value.lower())
                if new is not None:
                    made[what] = new
                else:
                    made[what] = ""
                    wanted.setdefault(kind, []).append(value)
    for kind, values in wanted.items():
        for value, new in zip(values, _replace(values, kind, method, key, secret, where),
                              strict=True):
            made[(kind, value)] = new
    return made


def _replace(values: list[str], kind: PIIType, method: str, key: bytes | None, secret: str,
             where: str) -> list[str]:
    if method == "hash":
        assert key is not None
        return hmac_tokens(key, values)
    if method == "mask":
        return [str(v) for v in mask_values(values, kind)]
    rng = np.random.default_rng(derive_key("pii-fake-text-rng", secret, kind.value))
    fakes, _ = fake_pii_values(pa.array(values, pa.string()), kind, locale=None,
                               value_locales=True,
                               key=derive_key("pii-fake-text", secret, kind.value), rng=rng,
                               where=where)
    return [str(v) for v in fakes.to_pylist()]


def _spliced(text: str, spans: list[tuple[int, int, Any]],
             made: Mapping[tuple[PIIType, str], str]) -> str:
    pieces: list[str] = []
    at = 0
    for start, end, what in sorted(spans, key=lambda s: s[0]):
        pieces.append(text[at:start])
        pieces.append(made[what] if isinstance(what, tuple) else what)
        at = end
    pieces.append(text[at:])
    return "".join(pieces)
