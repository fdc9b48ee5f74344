"""Generators of personal data, one class per :class:`~simulacra.schema.PIIType`.

(Contact data, e-mails, phones and street addresses, in :mod:`._fake_contacts`.)

Each generator makes values for a batch of row numbers at once from a locale's material
(:mod:`simulacra.data._locale_data`) and a numpy Generator. ``attempt`` counts how often the
rows were already tried because a value equalled a real one (see
:func:`simulacra.data._fake.generate_guarded`).

Unique columns stay unique across chunks without memory of earlier chunks: the part of a value
that makes it unique is a keyed permutation of the row number (:func:`permute_index`), so two
rows can never share it. A retry moves the row to another *lane* of the permutation, which no
first try ever uses. Pool-based types (names, non-US national ids) instead draw, without
repeats, from the pool minus every real value.
"""

from __future__ import annotations

import functools
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulacra.data._fake_layouts import (
    AS_LOCALE,
    LAST_COMMA,
    LAST_FIRST,
    LAST_UPPER,
    TITLE,
    recase,
)
from simulacra.data._fake_titles import TITLED, titled_templates
from simulacra.data._keyed import ValueGuard, derive_key, permute_index
from simulacra.data._locale_data import (
    LocaleData,
    Pool,
    locale_data,
)
from simulacra.data._national_ids import (
    IdLayout,
    country_layouts,
    layout_for,
    luhn_check_digits,
)
from simulacra.data._strings import (
    digit_chars,
    from_matrix,
    join,
    put_runs,
    random_chars,
    scatter,
    shaped,
)
from simulacra.errors import SamplingError, SchemaError
from simulacra.schema._model import PIIType

LANES = 4
"""Lanes of a unique permutation: a row may be regenerated ``LANES - 1`` times."""
_MAX_ENUMERATED = 4_000_000
MAX_UNIQUE_DIGITS = 17
_SSN_AREAS = np.setdiff1d(np.arange(1, 900), [666])
_CARD_PREFIXES: dict[int, tuple[list[str], list[float]]] = {
    16: (["4", "51", "52", "53", "54", "55", *map(str, range(2221, 2721))],
         [0.5] + [0.07] * 5 + [0.15 / 500] * 500),
    15: (["34", "37"], [0.5, 0.5]),
    13: (["4"], [1.0]),
    19: (["4"], [1.0]),
    14: (["36", "38"], [0.5, 0.5]),  # Diners Club
    **dict.fromkeys((12, 17, 18), (["5018", "5020", "5038", "6304", "6759"], [0.2] * 5)),  # Maestro
}
Shapes = Sequence[tuple[str, float]]


class Lanes:
    """Unique codes in ``[0, capacity)`` from row numbers; retry ``k`` uses lane ``k``."""

    def __init__(self, capacity: int, key: int, where: str) -> None:
        self.lane = max(capacity // LANES, 1)
        self.key = key
        self.where = where

    def codes(self, rows: np.ndarray, attempt: int) -> np.ndarray:
        if rows.size and int(rows.max()) >= self.lane:
            raise SamplingError(
                f"{self.where}: a unique column in this format can hold {self.lane:,} distinct "
                f"values, and row {int(rows.max()) + 1:,} was asked for. Sample fewer rows, or "
                "set 'unique' to false for this column in the schema."
            )
        if attempt >= LANES:
            raise SamplingError(
                f"{self.where}: could not generate values that differ from every real value "
                f"after {LANES} tries. Set 'unique' to false for this column in the schema."
            )
        return permute_index(rows + attempt * self.lane, self.lane * LANES, self.key)


class PIIGenerator(ABC):
    """Makes values of one PII type for row numbers ``rows`` (see the module docstring)."""

    def __init__(self, locale: LocaleData, *, unique: bool, key: int, guard: ValueGuard,
                 shapes: Shapes, where: str, unique_digits: int | None = None) -> None:
        self.locale = locale
        self.unique = unique
        # fewest digits that number unique values (e-mails; absent: the older layout)
        self.unique_digits = unique_digits
        self.key = key
        self.guard = guard
        self.shapes = list(shapes)
        self.where = where

    @abstractmethod
    def generate(self, rows: np.ndarray, rng: np.random.Generator, attempt: int) -> pa.Array:
        """Values (a pyarrow string array) for the given global row numbers."""

    def _shapes_with(self, slots: int) -> tuple[list[str], np.ndarray] | None:
        """Real shapes with ``slots`` digits and no letters, with their weights."""
        found = [(s, w) for s, w in self.shapes if s.count("#") == slots and "A" not in s]
        if not found:
            return None
        w = np.array([w for _, w in found], dtype=np.float64)
        return [s for s, _ in found], w / w.sum()


class _AllowedPool(PIIGenerator):
    """Unique values drawn without repeats from candidates minus every real value."""

    _allowed: pa.Array | None = None

    @abstractmethod
    def _candidates(self) -> pa.Array:
        """Every value this type can take in unique mode."""

    def _unique(self, rows: np.ndarray) -> pa.Array:
        if self._allowed is None:
            cand = self._candidates()
            self._allowed = cand.filter(pa.array(~self.guard.contains(cand)))
        size = len(self._allowed)
        if rows.size and int(rows.max()) >= size:
            raise SamplingError(
                f"{self.where}: the locale {self.locale.locale!r} has {size:,} distinct values "
                f"for a unique column of this type that differ from the real ones, and row "
                f"{int(rows.max()) + 1:,} was asked for. Sample fewer rows, or set 'unique' "
                "to false for this column in the schema."
            )
        return self._allowed.take(pa.array(permute_index(rows, max(size, 1), self.key)))


class NamePart(_AllowedPool):
    """A first or last name from the locale's weighted name table, minus the real ones.

    The real column may use most of the table (a few hundred first names cover most
    people), so names are drawn from what is left, by weight, rather than drawn and
    rejected.
    """

    token = "first_name"

    def _candidates(self) -> pa.Array:
        return pc.unique(self.locale.pool(self.token).values)

    @functools.cached_property
    def _free(self) -> Pool:
        pool = self.locale.pool(self.token)
        free = ~self.guard.contains(pool.values)
        if not free.any():
            raise SamplingError(
                f"{self.where}: every {self.token.replace('_', ' ')} of the locale "
                f"{self.locale.locale!r} appears in the real column, so none can be generated "
                "without repeating a real one. Set another 'locale' for the column."
            )
        weights = None if pool.weights is None else pool.weights[free] / pool.weights[free].sum()
        return Pool(pool.values.filter(pa.array(free)), weights)

    def generate(self, rows: np.ndarray, rng: np.random.Generator, attempt: int) -> pa.Array:
        if self.unique:
            return self._unique(rows)
        return self._free.draw(len(rows), rng)


class FirstName(NamePart):
    """A first name."""

    token = "first_name"


class LastName(NamePart):
    """A last name."""

    token = "last_name"


class PersonName(_AllowedPool):
    """A full name in the locale's order (``first last``, or ``last first`` in ja_JP).

    ``shapes`` are the real names' layouts (:func:`._fake_layouts.name_layouts`): that share
    of names is then written ``Last, First``, in capitals, in another locale, ... and the
    shares of titles (``titled:p``): that share of names is written with a title, by the
    locale's own formats. Unique names all take the commonest layout and no title, so that
    no two rows can spell one name.
    """

    def _candidates(self) -> pa.Array:
        first = pc.unique(self.locale.pool("first_name").values)
        last = pc.unique(self.locale.pool("last_name").values)
        total = len(first) * len(last)
        codes = np.arange(min(total, _MAX_ENUMERATED), dtype=np.int64)
        if total > _MAX_ENUMERATED:
            codes = permute_index(codes, total, self.key)
        f_idx, l_idx = np.divmod(codes, len(last))
        first, last = first.take(pa.array(f_idx)), last.take(pa.array(l_idx))
        if not self.shapes:
            return self._compose(first, last)
        order, case = max(self._layouts, key=lambda sw: sw[1])[0].split("/")[:2]
        return self._laid_out(first, last, order, case)

    @functools.cached_property
    def _layouts(self) -> list[tuple[str, float]]:
        """The shapes that are layouts (not title shares); the locale's if only titles."""
        found = [(s, w) for s, w in self.shapes if not s.startswith(TITLED)]
        return found or [(f"{AS_LOCALE}/{TITLE}", 1.0)]

    @functools.cached_property
    def _title_rates(self) -> list[tuple[str, float]]:
        """(title kind, share of the names in the locale's own layouts that have it)."""
        total = sum(w for _, w in self._layouts)
        own = sum(w for s, w in self._layouts
                  if s.startswith(AS_LOCALE + "/") and s.split("/")[1] != LAST_UPPER)
        if not own:
            return []
        rates = [(s[len(TITLED):], w * total / own) for s, w in self.shapes
                 if s.startswith(TITLED)]
        scale = max(1.0, sum(r for _, r in rates))
        return [(kind, rate / scale) for kind, rate in rates]

    def _titled(self, made: pa.Array, loc: LocaleData, case: str,
                rng: np.random.Generator) -> pa.Array:
        """``made`` with the learned share of names written with a title, as ``loc`` does."""
        draw = rng.random(len(made))
        start = 0.0
        for kind, rate in self._title_rates:
            at = (draw >= start) & (draw < start + rate)
            start += rate
            found = titled_templates(loc, kind)
            if found is not None and at.any():
                titled = recase(loc.fill_any(*found, int(at.sum()), rng), case)
                made = pc.replace_with_mask(made, pa.array(at), titled)
        return made

    def _compose(self, first: pa.Array, last: pa.Array,
                 loc: LocaleData | None = None) -> pa.Array:
        last_first, sep = (loc or self.locale).name_order
        pieces = [last, sep, first] if last_first else [first, sep, last]
        return join(pieces, len(first))

    def _laid_out(self, first: pa.Array, last: pa.Array, order: str, case: str,
                  loc: LocaleData | None = None) -> pa.Array:
        if case == LAST_UPPER:
            last = pc.utf8_upper(last)
        else:
            first, last = recase(first, case), recase(last, case)
        if order == LAST_COMMA:
            return join([last, ", ", first], len(first))
        if order == LAST_FIRST:
            return join([last, " ", first], len(first))
        return self._compose(first, last, loc)

    def _in_layout(self, layout: str, pos: np.ndarray, rng: np.random.Generator) -> pa.Array:
        n = len(pos)
        order, case, *other = layout.split("/")
        loc = other_locale(other[0], self.locale) if other else self.locale
        if order == AS_LOCALE and case != LAST_UPPER:  # the locale's own formats, recased
            templates, weights = loc.person_templates
            made = recase(loc.fill_any(templates, weights, n, rng), case)
            return self._titled(made, loc, case, rng) if self._title_rates else made
        first = loc.pool("first_name").draw(n, rng)
        last = loc.pool("last_name").draw(n, rng)
        return self._laid_out(first, last, order, case, loc)

    def generate(self, rows: np.ndarray, rng: np.random.Generator, attempt: int) -> pa.Array:
        if self.unique:
            return self._unique(rows)
        n = len(rows)
        if not self.shapes:  # no layouts learned (older models): the locale's formats
            templates, weights = self.locale.person_templates
            return self.locale.fill_any(templates, weights, n, rng)
        return by_shape(self._layouts, n, rng, self._in_layout)


def other_locale(name: str, default: LocaleData) -> LocaleData:
    """The locale ``name`` of a layout; ``default`` where this Faker lacks it."""
    try:
        return locale_data(name)
    except SchemaError:
        return default


def by_shape(shapes: Shapes, n: int, rng: np.random.Generator,
              make: Callable[[str, np.ndarray, np.random.Generator], pa.Array]) -> pa.Array:
    """``n`` values in shapes drawn by their shares; ``make(shape, positions, rng)``."""
    weights = np.array([w for _, w in shapes], dtype=np.float64)
    which = rng.choice(len(shapes), size=n, p=weights / weights.sum())
    groups = []
    for k in np.unique(which):
        pos = np.flatnonzero(which == k)
        groups.append((pos, make(shapes[int(k)][0], pos, rng)))
    return scatter(groups, n)


class CreditCard(PIIGenerator):
    """Visa / Mastercard / Amex-like numbers with a valid Luhn check digit."""

    def generate(self, rows: np.ndarray, rng: np.random.Generator, attempt: int) -> pa.Array:
        n = len(rows)
        found = self._shapes_by_length()
        which = rng.choice(len(found[0]), size=n, p=found[1])
        groups = []
        for k in np.unique(which):
            pos = np.flatnonzero(which == k)
            shape = found[0][int(k)]
            digits = self._numbers(rows[pos], shape.count("#"), rng, attempt)
            groups.append((pos, from_matrix(shaped(digits + 48, shape))))
        return scatter(groups, n)

    def _shapes_by_length(self) -> tuple[list[str], np.ndarray]:
        found = [(s, w) for s, w in self.shapes
                 if s.count("#") in _CARD_PREFIXES and "A" not in s]
        if not found:
            return ["#" * 16], np.ones(1)
        w = np.array([w for _, w in found], dtype=np.float64)
        return [s for s, _ in found], w / w.sum()

    def _numbers(self, rows: np.ndarray, length: int, rng: np.random.Generator,
                 attempt: int) -> np.ndarray:
        n = len(rows)
        prefixes, weights = _CARD_PREFIXES[length]
        payload = rng.integers(0, 10, size=(n, length - 1), dtype=np.uint8)
        choice = rng.choice(len(prefixes), size=n, p=np.array(weights) / sum(weights))
        table = np.zeros((len(prefixes), 4), dtype=np.uint8)
        sizes = np.array([len(p) for p in prefixes])
        for j, p in enumerate(prefixes):
            table[j, : len(p)] = [int(c) for c in p]
        head = np.arange(4)[None, :] < sizes[choice][:, None]
        payload[:, :4] = np.where(head, table[choice], payload[:, :4])
        if self.unique:
            width = min(length - 5, MAX_UNIQUE_DIGITS)
            key = self.key + length
            codes = Lanes(10**width, key, self.where).codes(rows, attempt)
            payload[:, length - 1 - width :] = digit_chars(codes, width) - 48
        check = luhn_check_digits(payload).astype(np.uint8)
        return np.concatenate([payload, check[:, None]], axis=1)


def iban_remainders(country: str, bban: np.ndarray) -> np.ndarray:
    """ISO 7064 mod 97 of ``bban + country + "00"`` for an ``(n, k)`` matrix of ASCII bytes.

    Letters count as two digits (A = 10 ... Z = 35); digits are folded in seven at a time.
    """
    tail = np.frombuffer((country + "00").encode("ascii"), dtype=np.uint8)
    chars = np.concatenate([bban, np.broadcast_to(tail, (len(bban), 4))], axis=1)
    r = np.zeros(len(chars), dtype=np.int64)
    block = np.zeros(len(chars), dtype=np.int64)
    width = 0
    for c in range(chars.shape[1]):
        col = chars[:, c].astype(np.int64)
        letter = bool((col >= 65).any())
        if letter:
            col = np.where(col >= 65, col - 55, col - 48)
        else:
            col -= 48
        digits = 2 if letter else 1
        if width + digits > 7:
            r = (r * 10**width + block) % 97
            block[:] = 0
            width = 0
        block = block * 10**digits + col
        width += digits
    out: np.ndarray = (r * 10**width + block) % 97
    return out


class Iban(PIIGenerator):
    """IBANs with valid check digits: of the real countries in their layouts and shares.

    ``shapes`` of :func:`._fake.iban_shapes` keep the country (``"PL## #### ..."``): each
    country's share is made in its real length and grouping, letters where its real ones have
    letters. Without them (mock data, older models), the locale's country and Faker's BBAN.
    """

    def generate(self, rows: np.ndarray, rng: np.random.Generator, attempt: int) -> pa.Array:
        countries = [(s, w) for s, w in self.shapes if _IBAN_COUNTRY.match(s)]
        if countries:
            return by_shape(countries, len(rows), rng,
                             lambda shape, pos, rng: self._in_shape(shape, rows[pos], rng,
                                                                    attempt))
        country, fmt = self.locale.bank
        spaced = " " in max(self.shapes, key=lambda sw: sw[1])[0] if self.shapes else False
        width = 4 + len(fmt)
        shape = country + " ".join("#" * min(4, width - i) for i in range(0, width, 4))[2:]
        return self._in_shape(shape if spaced else country + "#" * (width - 2), rows, rng,
                              attempt, bban=fmt)

    def _in_shape(self, shape: str, rows: np.ndarray, rng: np.random.Generator, attempt: int,
                  bban: str | None = None) -> pa.Array:
        """IBANs of ``shape``'s country, its ``A`` letters and ``#`` digits in place."""
        n = len(rows)
        country, body = shape[:2], shape[2:].replace(" ", "")[2:]
        letters = np.frombuffer((bban or body).encode("ascii"), dtype=np.uint8) == ord(
            "?" if bban else "A")
        chars = random_chars(n, np.where(letters, 65, 48).astype(np.uint8),
                             np.where(letters, 91, 58).astype(np.uint8), rng)
        if self.unique:  # one key per country and length: two spacings never meet
            slots = np.flatnonzero(~letters)[-MAX_UNIQUE_DIGITS:]
            key = self.key if bban else derive_key("iban", str(self.key), country,
                                                   str(len(letters)))
            codes = Lanes(10 ** len(slots), key, self.where).codes(rows, attempt)
            put_runs(chars, slots, digit_chars(codes, len(slots)))
        check = 98 - iban_remainders(country, chars)
        head = np.frombuffer(country.encode("ascii"), dtype=np.uint8)
        mat = np.concatenate(
            [np.broadcast_to(head, (n, 2)), digit_chars(check, 2), chars], axis=1
        ).astype(np.uint8)
        return from_matrix(shaped(mat, "##" + re.sub("[A#]", "#", shape[2:])))


_IBAN_COUNTRY = re.compile(r"^(?!AA)[A-Z]{2}##")
"""A shape with its real country (old models' shapes begin ``AA##``)."""


class NationalId(_AllowedPool):
    """Ids in the real values' layouts; else US SSNs or the locale's own (Faker's) ids.

    US SSNs (no area 000, 666 or 9xx) keep their grouping; any other layout the real values
    show is made field by field (:mod:`simulacra.data._national_ids`), valid where the
    country's rule is known. Without real layouts (mock data), the locale's Faker ids.
    """

    def _candidates(self) -> pa.Array:
        pool = self.locale.national_ids
        return pa.array([], pa.string()) if pool is None else pool.values

    def generate(self, rows: np.ndarray, rng: np.random.Generator, attempt: int) -> pa.Array:
        layouts = self._layouts()
        if layouts:
            return self._in_layouts(layouts, rows, rng, attempt)
        pool = self.locale.national_ids
        if pool is not None:
            return self._unique(rows) if self.unique else pool.draw(len(rows), rng)
        return self._ssns(rows, rng, attempt)

    def _layouts(self) -> list[tuple[str, IdLayout, float]]:
        """Real shapes that are not US SSNs, with their layouts and shares."""
        # US SSNs where Faker's ids are (no own ids, and no country layout: a Portuguese NIF
        # has nine digits too)
        us = self.locale.national_ids is None and self.locale.locale not in country_layouts()
        shapes = [(s, w) for s, w in self.shapes
                  if len(re.sub(r"[^#A]", "", s)) >= 4 and not (us and s.count("#") == 9
                                                                 and "A" not in s)]
        if not shapes or (us and self._shapes_with(9)):
            return []
        return [(s, layout_for(s, self.locale.locale), w) for s, w in shapes]

    def _in_layouts(self, layouts: list[tuple[str, IdLayout, float]], rows: np.ndarray,
                    rng: np.random.Generator, attempt: int) -> pa.Array:
        n = len(rows)
        weights = np.array([w for _, _, w in layouts])
        which = rng.choice(len(layouts), size=n, p=weights / weights.sum())
        groups = []
        for k in np.unique(which):
            pos = np.flatnonzero(which == k)
            shape, layout, _ = layouts[int(k)]
            codes = None
            if self.unique:  # every layout its own key: a row keeps its code whatever the mix
                lanes = Lanes(layout.capacity(), self.key + int(k), self.where)
                codes = lanes.codes(rows[pos], attempt)
            compact = layout.make(len(pos), rng, codes)
            groups.append((pos, from_matrix(shaped(compact, re.sub(r"[A]", "#", shape)))))
        return scatter(groups, n)

    def _ssns(self, rows: np.ndarray, rng: np.random.Generator, attempt: int) -> pa.Array:
        n = len(rows)
        if self.unique:
            codes = Lanes(len(_SSN_AREAS) * 99 * 9999, self.key, self.where).codes(rows, attempt)
            area_idx, rest = np.divmod(codes, 99 * 9999)
            group, serial = np.divmod(rest, 9999)
            area, group, serial = _SSN_AREAS[area_idx], group + 1, serial + 1
        else:
            area = _SSN_AREAS[rng.integers(0, len(_SSN_AREAS), n)]
            group = rng.integers(1, 100, n)
            serial = rng.integers(1, 10000, n)
        digits = digit_chars(area * 1_000_000 + group * 10_000 + serial, 9)
        found = self._shapes_with(9) or (["###-##-####"], np.ones(1))
        which = rng.choice(len(found[0]), size=n, p=found[1])
        groups = [
            (pos, from_matrix(shaped(digits[pos], found[0][int(k)])))
            for k in np.unique(which)
            for pos in [np.flatnonzero(which == k)]
        ]
        return scatter(groups, n)


PII_CLASSES: dict[PIIType, type[PIIGenerator]] = {
    PIIType.PERSON_NAME: PersonName,
    PIIType.FIRST_NAME: FirstName,
    PIIType.LAST_NAME: LastName,
    PIIType.CREDIT_CARD: CreditCard,
    PIIType.IBAN: Iban,
    PIIType.NATIONAL_ID: NationalId,
}

