"""National ids made in the real values' layout, valid where the country's rule is known.

Faker's own ids are few per locale (a pool of a few thousand), often placeholders (the UK's
``ZZ`` prefix) and in several layouts at once, so they keep neither a column's layout nor its
uniqueness. Here an id is a row of *fields*, each drawn from its tokens (a digit, a letter, a
month code): a unique column turns a keyed code into the fields at the end of the id (mixed
radix), so any row count up to the layout's capacity stays unique; check characters are
computed last. Countries whose rules are known (UK National Insurance, French NIR, Italian
codice fiscale, Spanish DNI and NIE, Dutch BSN, Polish PESEL, Swedish personnummer, Finnish
henkilötunnus, Norwegian fødselsnummer, Belgian national number) get valid values; any other
layout gets digits and letters where the real values have them.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np

from simulacra.data._strings import digit_chars
from simulacra.schema._pii import (
    BSN_WEIGHTS,
    DNI_LETTERS,
    FODSELSNUMMER_WEIGHTS,
    HETU_CHECKS,
    PESEL_WEIGHTS,
)

_DIGITS = tuple(string.digits)
_LETTERS = tuple(string.ascii_uppercase)
_MAX_CAPACITY = 10**17
"""Unique codes stay below this, so int64 arithmetic on them is exact."""


def _numbers(low: int, high: int, width: int) -> tuple[str, ...]:
    return tuple(f"{k:0{width}d}" for k in range(low, high + 1))


@dataclass(frozen=True)
class IdLayout:
    """The fields of an id without separators, and how its check characters follow."""

    fields: tuple[tuple[str, ...], ...]
    # (n, body) bytes -> (n, k) bytes appended; it may rewrite a field it must fit (BSN)
    check: Callable[[np.ndarray], np.ndarray] | None = None
    check_shape: str = ""  # what ``check`` appends: "#" per digit, "A" per letter

    def compact_shape(self) -> str:
        body = "".join("#" * len(f[0]) if f[0].isdigit() else "A" * len(f[0])
                       for f in self.fields)
        return body + self.check_shape

    def make(self, n: int, rng: np.random.Generator, codes: np.ndarray | None) -> np.ndarray:
        """An ``(n, width)`` byte matrix of ids; ``codes`` (unique ints) pick the last fields."""
        picks = [rng.integers(0, len(f), size=n) for f in self.fields]
        if codes is not None:
            rest = codes.astype(np.int64)
            for i in reversed(self.unique_fields()):
                rest, picks[i] = np.divmod(rest, len(self.fields[i]))
        parts = [_token_bytes(f)[p] for f, p in zip(self.fields, picks, strict=True)]
        body = np.concatenate(parts, axis=1) if parts else np.empty((n, 0), np.uint8)
        if self.check is None:
            return body
        return np.concatenate([body, self.check(body)], axis=1)

    def unique_fields(self) -> list[int]:
        """The trailing fields whose tokens number the unique codes (capacity below 1e17)."""
        chosen, capacity = [], 1
        for i in reversed(range(len(self.fields))):
            size = len(self.fields[i])
            if size < 2 or capacity * size > _MAX_CAPACITY:
                continue
            chosen.append(i)
            capacity *= size
        return sorted(chosen)

    def capacity(self) -> int:
        out = 1
        for i in self.unique_fields():
            out *= len(self.fields[i])
        return out


def _token_bytes(tokens: tuple[str, ...]) -> np.ndarray:
    return np.frombuffer("".join(tokens).encode("ascii"), dtype=np.uint8).reshape(
        len(tokens), len(tokens[0]))


def plain_layout(compact: str) -> IdLayout:
    """Digits where ``compact`` has ``#``, capital letters where it has ``A``."""
    return IdLayout(tuple(_DIGITS if ch == "#" else _LETTERS for ch in compact))


# ---- countries -------------------------------------------------------------------------

_DATE_DMY = (_numbers(1, 28, 2), _numbers(1, 12, 2), _numbers(0, 99, 2))

def _number(digits: np.ndarray) -> np.ndarray:
    """Rows of ASCII digits as int64 (at most 18 of them)."""
    number = np.zeros(len(digits), dtype=np.int64)
    for j in range(digits.shape[1]):
        number = number * 10 + (digits[:, j].astype(np.int64) - 48)
    return number


def _mod97_key(body: np.ndarray) -> np.ndarray:
    """French NIR, Belgian national number: the key is 97 minus the number modulo 97."""
    key = 97 - _number(body) % 97
    return np.stack([key // 10 + 48, key % 10 + 48], axis=1).astype(np.uint8)


# odd positions (1st, 3rd, ...) of the codice fiscale map digits and letters to these values
_CF_ODD = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22,
           25, 24, 23]


def _cf_check(body: np.ndarray) -> np.ndarray:
    """Italian codice fiscale: a letter from the 15 characters' odd / even position values."""
    index = np.where(body >= 65, body.astype(np.int64) - 65, body.astype(np.int64) - 48)
    odd = np.asarray(_CF_ODD)[index[:, 0::2]].sum(axis=1)
    even = index[:, 1::2].sum(axis=1)
    out: np.ndarray = ((odd + even) % 26 + 65).astype(np.uint8)[:, None]
    return out


def _dni_letter(body: np.ndarray) -> np.ndarray:
    """Spanish DNI / NIE: a letter from the number (NIE prefixes X Y Z as 0 1 2) mod 23."""
    digits = np.where(body >= 88, body - 88 + 48, body)  # NIE prefixes X Y Z -> 0 1 2
    number = _number(digits)
    letters = np.frombuffer(DNI_LETTERS.encode("ascii"), dtype=np.uint8)
    out: np.ndarray = letters[number % 23][:, None]
    return out


def _weighted_sum(body: np.ndarray, weights: tuple[int, ...]) -> np.ndarray:
    digits = body.astype(np.int64) - 48
    out: np.ndarray = digits @ np.asarray(weights[: body.shape[1]], dtype=np.int64)
    return out


def _pesel_check(body: np.ndarray) -> np.ndarray:
    """Polish PESEL: the last digit makes the weighted sum a multiple of 10."""
    check = (10 - _weighted_sum(body, PESEL_WEIGHTS) % 10) % 10
    out: np.ndarray = (check + 48).astype(np.uint8)[:, None]
    return out


_LUHN_DOUBLE = np.array([0, 2, 4, 6, 8, 1, 3, 5, 7, 9], dtype=np.uint8)


def luhn_check_digits(payload: np.ndarray) -> np.ndarray:
    """Luhn check digits of an ``(n, k)`` matrix of digits 0-9 (the payload, check excluded)."""
    d = np.asarray(payload, dtype=np.uint8)
    doubled = d.copy()
    doubled[:, d.shape[1] - 1 :: -2] = _LUHN_DOUBLE[d[:, d.shape[1] - 1 :: -2]]
    out: np.ndarray = (10 - doubled.sum(axis=1, dtype=np.int64) % 10) % 10
    return out


def _luhn_digit(body: np.ndarray) -> np.ndarray:
    """Swedish personnummer: the Luhn check digit of the nine digits before it."""
    out: np.ndarray = (luhn_check_digits(body - 48) + 48).astype(np.uint8)[:, None]
    return out


def _bsn_check(body: np.ndarray) -> np.ndarray:
    """Dutch BSN: the last digit is the weighted sum modulo 11, which must not be 10.

    The first field holds an index 0-8 into the first digits that avoid a remainder of 10
    (nine of ten do, given the others), so distinct codes stay distinct ids.
    """
    rest = _weighted_sum(body[:, 1:], BSN_WEIGHTS[1:]) if body.shape[1] > 1 else 0
    forbidden = (10 - rest) * 5 % 11  # 9 * 5 = 45 = 1 (mod 11): the first digit giving 10
    index = body[:, 0].astype(np.int64) - 48
    first = index + (index >= forbidden)
    body[:, 0] = (first + 48).astype(np.uint8)
    out: np.ndarray = ((9 * first + rest) % 11 + 48).astype(np.uint8)[:, None]
    return out


_HETU_RUNS = 28  # individual numbers 002-899 hold 28 whole runs of 31 consecutive numbers


def _hetu_classes(letter: bool) -> tuple[int, int]:
    """The first remainder and how many remainders give a letter (or a digit) check."""
    return (10, 21) if letter else (0, 10)


def _hetu_check(letter: bool) -> Callable[[np.ndarray], np.ndarray]:
    """Finnish henkilötunnus: the check character of ``DDMMYY`` and the individual number.

    The real values' shape shows a digit or a letter there, so the last field holds an index
    that is turned into the individual number (002-899) whose check is of that class: the
    k-th such number after 002, so distinct codes stay distinct ids.
    """
    low, width = _hetu_classes(letter)

    def check(body: np.ndarray) -> np.ndarray:
        date = _number(body[:, :6])
        index = _number(body[:, -3:])
        base = (date * 1000 + 2) % 31
        serial = 2 + index // width * 31 + (low + index % width - base) % 31
        body[:, -3:] = digit_chars(serial, 3)
        chars = np.frombuffer(HETU_CHECKS.encode("ascii"), dtype=np.uint8)
        out: np.ndarray = chars[(date * 1000 + serial) % 31][:, None]
        return out

    return check




def _fodselsnummer_checks(date_sums: np.ndarray, individual: np.ndarray) -> np.ndarray:
    """Both check digits (10 where none is valid) from the date's two weighted digit sums."""
    tail = digit_chars(individual, 3).astype(np.int64) - 48
    first = (11 - date_sums[:, 0] - tail @ np.asarray(FODSELSNUMMER_WEIGHTS[0][6:])) % 11
    second = (11 - date_sums[:, 1] - tail @ np.asarray(FODSELSNUMMER_WEIGHTS[1][6:9])
              - 2 * first) % 11
    return np.stack([first, np.where(first == 10, 10, second)], axis=1)


@cache
def _fodselsnummer_individuals() -> np.ndarray:
    """Per pair of a date's weighted sums modulo 11 (121), its valid individual numbers.

    Whether an individual number (000-999) gives two valid check digits depends on the date
    only through those two sums, so the table is small; it is as wide as the class with the
    fewest valid numbers.
    """
    individual = np.arange(1000)
    rows = []
    for first in range(11):
        for second in range(11):
            sums = np.broadcast_to(np.array([first, second]), (1000, 2))
            rows.append(individual[(_fodselsnummer_checks(sums, individual) < 10).all(axis=1)])
    width = min(len(r) for r in rows)
    return np.stack([r[:width] for r in rows])


def _fodselsnummer_check(body: np.ndarray) -> np.ndarray:
    """Norwegian fødselsnummer: an individual number with valid checks, then both checks.

    The index field picks the individual number among those valid for the row's date.
    """
    date = body[:, :6].astype(np.int64) - 48
    sums = np.stack([date @ np.asarray(w[:6]) for w in FODSELSNUMMER_WEIGHTS], axis=1) % 11
    individual = _fodselsnummer_individuals()[sums[:, 0] * 11 + sums[:, 1],
                                              _number(body[:, 6:9])]
    body[:, 6:9] = digit_chars(individual, 3)
    out: np.ndarray = (_fodselsnummer_checks(sums, individual) + 48).astype(np.uint8)
    return out


# prefixes BG, GB, KN, NK, NT, TN and ZZ are not allocated, nor D, F, I, Q, U, V anywhere
_NINO_FIRST = tuple("ACEHJLMOPRSWXY")
_NINO_SECOND = tuple("ABCEGHJKLMNPRSTWXYZ")
COUNTRY_LAYOUTS: dict[str, tuple[IdLayout, ...]] = {
    "en_GB": (IdLayout((_NINO_FIRST, _NINO_SECOND, *[_DIGITS] * 6, tuple("ABCD"))),),
    "fr_FR": (IdLayout((("1", "2"), _numbers(0, 99, 2), _numbers(1, 12, 2), _numbers(1, 95, 2),
                        _numbers(1, 999, 3), _numbers(1, 999, 3)), _mod97_key, "##"),),
    # the century sign is a separator (``-``, ``+``) or a letter (``A``: born after 1999)
    "fi_FI": tuple(IdLayout((*_DATE_DMY, *sign,
                             _numbers(0, _HETU_RUNS * _hetu_classes(letter)[1] - 1, 3)),
                            _hetu_check(letter), "A" if letter else "#")
                   for sign in ((), (("A",),)) for letter in (True, False)),
    "no_NO": (IdLayout((*_DATE_DMY, _numbers(0, _fodselsnummer_individuals().shape[1] - 1, 3)),
                       _fodselsnummer_check, "##"),),
    "nl_BE": (IdLayout((_numbers(0, 99, 2), _numbers(1, 12, 2), _numbers(1, 28, 2),
                        _numbers(1, 997, 3)), _mod97_key, "##"),),
    "it_IT": (IdLayout((*[_LETTERS] * 6, _numbers(0, 99, 2), tuple("ABCDEHLMPRST"),
                        _numbers(1, 28, 2) + _numbers(41, 68, 2), tuple("ABCDEFGHILM"),
                        _numbers(1, 999, 3)), _cf_check, "A"),),
    "nl_NL": (IdLayout((_DIGITS[:9], *[_DIGITS] * 7), _bsn_check, "#"),),
    "pl_PL": (IdLayout((_numbers(0, 99, 2), _numbers(1, 12, 2), _numbers(1, 28, 2),
                        *[_DIGITS] * 4), _pesel_check, "#"),),
    "sv_SE": (IdLayout((_numbers(0, 99, 2), _numbers(1, 12, 2), _numbers(1, 28, 2),
                        *[_DIGITS] * 3), _luhn_digit, "#"),),
    "es_ES": (IdLayout((_DIGITS,) * 8, _dni_letter, "A"),
              IdLayout((tuple("XYZ"), *[_DIGITS] * 7), _dni_letter, "A")),
}


def layout_for(shape: str, locale: str | None) -> IdLayout:
    """The country's layout when ``shape`` is written in it, else digits and letters as shown."""
    compact = re.sub(r"[^#A]", "", shape)
    for known in COUNTRY_LAYOUTS.get(locale or "", ()):
        if known.compact_shape() == compact:
            return known
    return plain_layout(compact)
