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
from itertools import combinations

import numpy as np

from simulacra.data._strings import digit_chars
from simulacra.schema._national_id_rules import (
    AHV_PREFIX,
    BSN_WEIGHTS,
    DNI_LETTERS,
    FODSELSNUMMER_WEIGHTS,
    HETU_CHECKS,
    PESEL_WEIGHTS,
    ean13_check,
    mod11_10_check,
    mod11_complement,
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


def _digits_of(body: np.ndarray) -> np.ndarray:
    return body.astype(np.int64) - 48


def _as_chars(digits: np.ndarray) -> np.ndarray:
    out: np.ndarray = (np.asarray(digits) + 48).astype(np.uint8)
    return out if out.ndim == 2 else out[:, None]


def _nif_check(body: np.ndarray) -> np.ndarray:
    """Portuguese NIF: 11 minus the weighted sum (9 down to 2) modulo 11, 0 for 0 or 1."""
    return _as_chars(mod11_complement(_digits_of(body), (9, 8, 7, 6, 5, 4, 3, 2)))


def _ahv_check(body: np.ndarray) -> np.ndarray:
    """Swiss AHV/AVS number: the EAN-13 check digit."""
    return _as_chars(ean13_check(_digits_of(body)))


def _cpf_checks(body: np.ndarray) -> np.ndarray:
    """Brazilian CPF: two mod-11 check digits, the second over the first too.

    The last field holds the two digits before the checks as an index 0-98 that skips the
    first digit written twice, so no CPF is one digit eleven times (those are refused).
    """
    first_digit = _digits_of(body[:, :1])[:, 0]
    index = _number(body[:, -2:])
    repeated = 11 * first_digit
    body[:, -2:] = digit_chars(index + (index >= repeated), 2)
    digits = _digits_of(body)
    first = mod11_complement(digits, (10, 9, 8, 7, 6, 5, 4, 3, 2))
    second = mod11_complement(np.column_stack([digits, first]),
                              (11, 10, 9, 8, 7, 6, 5, 4, 3, 2))
    return _as_chars(np.column_stack([first, second]))


CPR_WEIGHTS = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)
"""The old CPR rule: these weights over the ten digits sum to a multiple of 11."""


@cache
def _cpr_serials() -> np.ndarray:
    """Per date's weighted sum modulo 11, the serial numbers (0000-9999) passing mod 11."""
    serial = np.arange(10_000)
    sums = (digit_chars(serial, 4).astype(np.int64) - 48) @ np.asarray(CPR_WEIGHTS[6:])
    rows = [serial[(sums + date_sum) % 11 == 0] for date_sum in range(11)]
    width = min(len(r) for r in rows)
    return np.stack([r[:width] for r in rows])


def _cpr_serial(body: np.ndarray) -> np.ndarray:
    """Danish CPR-nummer: a serial number passing the old mod-11 rule; no check appended.

    Numbers given since 2007 need not pass it, but every older one does, so generated ones
    are valid under both the old and the current rule.
    """
    date_sum = _digits_of(body[:, :6]) @ np.asarray(CPR_WEIGHTS[:6]) % 11
    body[:, 6:] = digit_chars(_cpr_serials()[date_sum, _number(body[:, 6:])], 4)
    return np.empty((len(body), 0), dtype=np.uint8)


_PAIRS = list(combinations(range(1, 10), 2))  # two of the nine places after the first
_STEUER_TWICE_OTHER = 9 * len(_PAIRS)  # another digit twice: which one, and where
_STEUER_SHAPES = _STEUER_TWICE_OTHER + 9 * 9  # or the first digit again: where, and one left out
_ORDERINGS = 40_320  # 8 * 7 * ... * 2: the order of the 8 digits left (or 7 of them)
_FIRST, _CHOSEN = 9, 8  # in a template, the places of the first and the chosen digit


@cache
def _steuer_id_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lookup tables that turn a Steuer-ID's fields into its ten digits.

    ``templates[shape % 36 or 36 + where]``: for each of the ten places, which of the eight
    ordered digits (0-7), the chosen digit (8) or the first digit (9) goes there.
    ``orders[k]``: the k-th ordering of eight digits (mixed radix 8, 7, ..., 1).
    ``pools[first, chosen]``: the eight other digits, ascending.
    """
    templates = []
    for places in [*_PAIRS, *[(k,) for k in range(1, 10)]]:
        fixed = [_FIRST] * 10 if len(places) == 1 else [_CHOSEN] * 10
        free = iter(range(8))
        templates.append([_FIRST if p == 0 else fixed[p] if p in places else next(free)
                          for p in range(10)])
    orders = np.zeros((_ORDERINGS, 8), dtype=np.int64)
    left = np.tile(np.arange(8), (_ORDERINGS, 1))
    code = np.arange(_ORDERINGS)
    for step in range(8):
        pick, code = code % (8 - step), code // (8 - step)
        orders[:, step] = left[np.arange(_ORDERINGS), pick]
        left = np.where(np.arange(7 - step) >= pick[:, None], left[:, 1 : 8 - step],
                        left[:, : 7 - step])
    digits = np.arange(10)
    pools = np.zeros((10, 10, 8), dtype=np.int64)
    for first in range(10):
        for chosen in range(10):
            rest = digits[(digits != first) & (digits != chosen)]
            pools[first, chosen, : len(rest)] = rest[:8]
    return (np.asarray(templates, dtype=np.int32), orders.astype(np.int32),
            pools.astype(np.uint8))


def _steuer_id_check(body: np.ndarray) -> np.ndarray:
    """German Steuer-ID: ten digits with exactly one digit twice, then the MOD 11,10 check.

    The fields are the first digit (1-9), a shape (which digit is twice and where, or where
    the first digit comes again and which digit is left out) and an ordering of the other
    digits; they map to the ten digits one to one, so distinct codes stay distinct ids. One
    digit twice is valid under the rule since 2016 (twice, or three times not in a row) and
    before.
    """
    templates, orders, pools = _steuer_id_tables()
    first = _digits_of(body[:, 0])
    shape = _number(body[:, 1:5])
    order = _number(body[:, 5:10])
    twice_other = shape < _STEUER_TWICE_OTHER
    again = shape - _STEUER_TWICE_OTHER
    pick = np.where(twice_other, shape // len(_PAIRS), again % 9)
    chosen = pick + (pick >= first)  # the pick-th digit other than the first
    template = np.where(twice_other, shape % len(_PAIRS), len(_PAIRS) + again // 9)
    # flat gathers of small ints: twice as fast as take_along_axis on a million rows
    pool_start = ((first * 10 + chosen) * 8).astype(np.int32)[:, None]
    candidates = np.empty((len(body), 10), dtype=np.uint8)
    candidates[:, :8] = pools.reshape(-1)[pool_start + orders[order]]
    candidates[:, _CHOSEN], candidates[:, _FIRST] = chosen, first
    row_start = np.arange(0, 10 * len(body), 10, dtype=np.int32)[:, None]
    digits = candidates.reshape(-1)[row_start + templates[template]]
    body[:, :] = digits + 48
    return _as_chars(mod11_10_check(digits))


# prefixes BG, GB, KN, NK, NT, TN and ZZ are not allocated, nor D, F, I, Q, U, V anywhere
_NINO_FIRST = tuple("ACEHJLMOPRSWXY")
_NINO_SECOND = tuple("ABCEGHJKLMNPRSTWXYZ")


@cache
def country_layouts() -> dict[str, tuple[IdLayout, ...]]:
    """Locale -> the layouts of its national ids that follow the country's rules.

    Built on first use: the tables behind them (every 5-digit ordering of a Steuer-ID,
    the valid serials of a CPR) took 40 ms of every ``import simulacra``.
    """
    return {
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
        "de_DE": (IdLayout((tuple("123456789"), _numbers(0, _STEUER_SHAPES - 1, 4),
                            _numbers(0, _ORDERINGS - 1, 5)), _steuer_id_check, "#"),),
        "pt_PT": (IdLayout((tuple("123"), *[_DIGITS] * 7), _nif_check, "#"),),  # people's NIFs
        "da_DK": (IdLayout((*_DATE_DMY, _numbers(0, _cpr_serials().shape[1] - 1, 4)),
                           _cpr_serial),),
        **dict.fromkeys(("de_CH", "fr_CH", "it_CH"), (
            IdLayout(((AHV_PREFIX,), *[_DIGITS] * 9), _ahv_check, "#"),)),
        "pt_BR": (IdLayout((*[_DIGITS] * 7, _numbers(0, 98, 2)), _cpf_checks, "##"),),
        # 1-7 by province, 9 temporary residents; 0 and 8 are not given to people
        **dict.fromkeys(("en_CA", "fr_CA"), (
            IdLayout((tuple("12345679"), *[_DIGITS] * 7), _luhn_digit, "#"),)),
        "es_ES": (IdLayout((_DIGITS,) * 8, _dni_letter, "A"),
                  IdLayout((tuple("XYZ"), *[_DIGITS] * 7), _dni_letter, "A")),
    }


def layout_for(shape: str, locale: str | None) -> IdLayout:
    """The country's layout when ``shape`` is written in it, else digits and letters as shown."""
    compact = re.sub(r"[^#A]", "", shape)
    for known in country_layouts().get(locale or "", ()):
        if known.compact_shape() == compact:
            return known
    return plain_layout(compact)


def digit_width(locale: str | None) -> int | None:
    """How many digits the country's ids have when they are digits alone (a CPF: 11), if so.

    Such ids fit an integer column, which drops their leading zeros; they are padded back
    to this width to be read and made.
    """
    widths = {len(layout.compact_shape()) for layout in country_layouts().get(locale or "", ())
              if set(layout.compact_shape()) == {"#"}}
    return widths.pop() if len(widths) == 1 else None
