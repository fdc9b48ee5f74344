"""Generators of contact data: e-mail addresses, phone numbers and street addresses.

Like the generators of :mod:`._fake_pii`, each follows the real values' layouts learned at
fit (``shapes``): e-mails their case, domains and local parts (:mod:`._fake_layouts`,
:mod:`._fake_emails`), phones their countries and groupings (:func:`._fake.phone_shapes`),
addresses their town and postcode lines (:mod:`._fake_addresses`).
"""

from __future__ import annotations

import functools
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulacra.data._fake_addresses import split_layout
from simulacra.data._fake_emails import make_local_parts
from simulacra.data._fake_layouts import (
    CAPITALIZED,
    LOCAL_PART,
    LOWER,
    UPPER,
    domains_under,
    locale_of_tld,
)
from simulacra.data._fake_pii import MAX_UNIQUE_DIGITS, Lanes, PIIGenerator, by_shape, other_locale
from simulacra.data._keyed import derive_key, hash_strings, permute_index
from simulacra.data._locale_data import LocaleData, Pool, Template, numerify, text_shape
from simulacra.data._strings import digit_chars, from_matrix, join, put_runs
from simulacra.errors import SamplingError
from simulacra.schema._model import PIIType
from simulacra.schema._pii import _PHONE_LOCALES as PHONE_LOCALES

__all__ = ["CONTACT_CLASSES", "email_digits"]

_EMAIL_SPACE = 10**7
_MIN_DIGITS = 2
_MAX_DIGITS = 18


def email_digits(rows: int) -> int:
    """The fewest digits (at least two) whose numbers without a leading zero count ``rows``.

    Unique e-mails of a table of ``rows`` rows then take that many digits (500 rows: three,
    ``tammy482``); rows beyond take one digit more per tier (:meth:`Email._numbered`).
    """
    digits = _MIN_DIGITS
    while digits < _MAX_DIGITS and 9 * 10 ** (digits - 1) < rows:
        digits += 1
    return digits


def _tiers(rows: np.ndarray, first: int, where: str) -> tuple[np.ndarray, np.ndarray]:
    """Each row's digit count and its place among the rows of that count.

    The ``first``-digit numbers (``10...`` to ``99...``) take the first rows, the numbers
    with a digit more the next ones, and so on.
    """
    digits = np.full(rows.shape, first, dtype=np.int64)
    place = rows.astype(np.int64).copy()
    for d in range(first, _MAX_DIGITS + 1):
        size = 9 * 10 ** (d - 1)
        beyond = (digits == d) & (place >= size)
        if not beyond.any():
            return digits, place
        digits[beyond] = d + 1
        place[beyond] -= size
    raise SamplingError(f"{where}: row {int(rows.max()) + 1:,} is beyond the numbers a unique "
                        "e-mail can take. Sample fewer rows, or set 'unique' to false.")


def _email_numbers() -> Pool:
    """What follows ``first.last``: nothing (40%), two digits (36%) or a year (24%)."""
    values = ["", *map(str, range(1, 100)), *map(str, range(1950, 2010))]
    weights = np.array([0.4] + [0.36 / 99] * 99 + [0.24 / 60] * 60)
    return Pool(pa.array(values, pa.string()), weights / weights.sum())


_EMAIL_NUMBERS = functools.cache(_email_numbers)


class Email(PIIGenerator):
    """``first.last{number}@{free mail domain}``, lower-case ASCII.

    ``shapes`` are the real addresses' case and top-level domain shares, then their local
    parts' (:func:`._fake_layouts.email_layouts`): an ``upper/de`` share is German names at
    German free-mail domains in capitals, a ``local:il##`` share of local parts is like
    ``jnaser84``. Unique addresses (:meth:`_numbered`) take the same local parts, their
    digits a number as short as the table allows; models saved before that
    (``unique_digits`` unset) make ``first.last`` and a seven-digit number by row.
    """

    def generate(self, rows: np.ndarray, rng: np.random.Generator, attempt: int) -> pa.Array:
        loc = self.locale
        layouts = [(s, w) for s, w in self.shapes if not s.startswith(LOCAL_PART)]
        if not layouts:  # no layouts learned (older models): the locale's domains
            return self._made(rows, rng, loc, loc.affixed(loc.email_domains, "email-domain",
                                                          prefix="@"))

        def make(layout: str, pos: np.ndarray, rng: np.random.Generator) -> pa.Array:
            case, tld = layout.split("/")
            people = locale_of_tld(tld, loc)
            at = Pool(domains_under(people, tld)).affixed(prefix="@")
            return self._made(rows[pos], rng, people, at, case)

        return by_shape(layouts, len(rows), rng, make)

    def _made(self, rows: np.ndarray, rng: np.random.Generator, loc: LocaleData,
              domains: Pool, case: str = LOWER) -> pa.Array:
        n = len(rows)
        locals_ = [(s[len(LOCAL_PART):], w) for s, w in self.shapes if s.startswith(LOCAL_PART)]
        numbered = self.unique and self.unique_digits is not None
        if locals_ and (numbered or not self.unique):  # the real local parts' layouts
            local = by_shape(locals_, n, rng, lambda layout, pos, rng: make_local_parts(
                layout.rstrip("#") if numbered else layout, len(pos), rng, loc,
                capitalized=case == CAPITALIZED))
            at = domains.draw(n, rng)
            made = (self._numbered(rows, local, at) if numbered else join([local, at], n))
            return pc.utf8_upper(made) if case == UPPER else made
        first = loc.affixed(loc.ascii_pool("first_name"), "email-first", suffix=".").draw(n, rng)
        last = loc.ascii_pool("last_name").draw(n, rng)
        if case == CAPITALIZED:  # Hans.Mueller@web.de
            first, last = pc.utf8_capitalize(first), pc.utf8_capitalize(last)
        at = domains.draw(n, rng)
        if numbered:
            made = self._numbered(rows, join([first, last], n), at)
            return pc.utf8_upper(made) if case == UPPER else made
        if self.unique:
            small = rows < _EMAIL_SPACE
            code = rows.copy()
            code[small] = permute_index(rows[small], _EMAIL_SPACE, self.key)
            number = pc.cast(pa.array(code + 1), pa.string())
        else:
            number = _EMAIL_NUMBERS().draw(n, rng)
        made = join([first, last, number, at], n)
        return pc.utf8_upper(made) if case == UPPER else made

    def _numbered(self, rows: np.ndarray, local: pa.Array, at: pa.Array) -> pa.Array:
        """``local{number}{at}``, unique by row whatever local parts and domains were drawn.

        The local parts end in no digit, so an address's trailing digits are its number, and
        its number is a keyed permutation of the row's place among the rows of its digit
        count (:func:`_tiers`), keyed by the rest of the address (case folded). Two rows with
        the same rest get two numbers; with another rest, they differ there. So no two rows
        of any chunk or batch (``id_offset``) meet, and the number follows the draw of the
        local part and the domain, that is the sample's seed, not only the row.
        """
        n = len(rows)
        digits, place = _tiers(rows, int(self.unique_digits or _MIN_DIGITS), self.where)
        rest = pc.utf8_lower(join([local, "\x1f", at], n))
        keys = hash_strings(rest, f"{self.key & (2**64 - 1):016x}")
        number = np.empty(n, dtype=np.int64)
        for d in np.unique(digits):
            at_d = digits == d
            size = 9 * 10 ** (int(d) - 1)
            number[at_d] = 10 ** (int(d) - 1) + permute_index(place[at_d], size, keys[at_d])
        return join([local, pc.cast(pa.array(number), pa.string()), at], n)


class Phone(PIIGenerator):
    """Phone numbers in the real layouts and shares, of the real countries.

    Each real shape (:func:`._fake.phone_shapes`: ``"+48 ### ### ###"``, ``"(###) ###-####
    x###"``) is made from the formats of its country's locale (by its calling code, else the
    column's locale) that have that shape; a shape no such format has is filled digit by
    digit, North American numbers with area codes and exchanges starting 2-9.
    """

    @functools.cached_property
    def _plans(self) -> list[tuple[LocaleData, list[Template], np.ndarray | None, float]]:
        """(locale, its formats, their weights, share) for each real shape."""
        names, weights = self.locale.formats("formats", "phone_number")
        if not self.shapes:
            return [(self.locale, [Template.parse(f) for f in names], weights, 1.0)]
        plans = []
        for shape, share in self.shapes:
            plan = self._plan(shape)
            if plan is not None:
                plans.append((*plan, share))
        return plans or [(self.locale, [Template.parse(f) for f in names], weights, 1.0)]

    def _plan(self, shape: str) -> tuple[LocaleData, list[Template], np.ndarray | None] | None:
        code = _calling_code(shape)
        loc = _locale_of_code(code, self.locale)
        names, weights = loc.formats("formats", "phone_number")
        own = [(Template.parse(f), w) for f, w in zip(
            names, np.ones(len(names)) if weights is None else weights, strict=True)]
        matched = [(t, w) for t, w in own if t.shape == text_shape(shape)
                   and "".join(x for k, x in t.parts[:1] if k == "lit").startswith(code)]
        if matched:
            w = np.array([w for _, w in matched], dtype=np.float64)
            return loc, [t for t, _ in matched], w / w.sum()
        if re.sub(_EXTENSION, "", shape).count("A") or len(re.findall("[#0]", shape)) < 4:
            return None
        north_american = code == "+1" or (not code and loc.locale in _NANP_LOCALES)
        return loc, [Template.parse(_nanp(shape) if north_american else shape)], None

    def generate(self, rows: np.ndarray, rng: np.random.Generator, attempt: int) -> pa.Array:
        n = len(rows)
        plans = self._plans
        if not self.unique:
            def make(i: str, pos: np.ndarray, rng: np.random.Generator) -> pa.Array:
                loc, templates, weights, _ = plans[int(i)]
                return numerify(loc.fill_any(templates, weights, len(pos), rng), rng)

            return by_shape([(str(i), p[3]) for i, p in enumerate(plans)], n, rng, make)
        # unique numbers all take the commonest layout, numbered by row
        templates = max(plans, key=lambda plan: plan[3])[1]
        fixed = [t for t in templates if t.layout is not None]
        if not fixed:
            fixed = [Template.parse(t.shape) for t in templates[:1]]
        layout = fixed[0].layout
        assert layout is not None
        mat = layout.fill(n, rng)
        digits = layout.slots[(layout.low == 48) & (layout.high == 58)][-MAX_UNIQUE_DIGITS:]
        codes = Lanes(10 ** len(digits), self.key, self.where).codes(rows, attempt)
        put_runs(mat, digits, digit_chars(codes, len(digits)))
        return from_matrix(mat)


_NANP_LOCALES = ("en_US", "en_CA")
_EXTENSION = r"\s*(?:x|ext\.?)\s*#+$"


def _calling_code(shape: str) -> str:
    """``"+48"`` of ``"+48 ### ### ###"``; empty for a national number's shape."""
    found = re.match(r"^\+\d{1,3}", shape)
    return found.group(0) if found else ""


def _locale_of_code(code: str, default: LocaleData) -> LocaleData:
    """The locale of a calling code's country (``+48``: pl_PL); ``default`` for others."""
    name = PHONE_LOCALES.get(code[1:])
    return default if name is None else other_locale(name, default)


def _nanp(shape: str) -> str:
    """A North American shape with its area code and exchange starting 2-9 (``$``)."""
    main = re.sub(_EXTENSION, "", shape)
    start = len(_calling_code(main))
    slots = [i for i, ch in enumerate(main) if ch == "#" and i >= start]
    if len(slots) != 10:
        return shape
    out = list(shape)
    for i in (slots[0], slots[3]):
        out[i] = "$"
    return "".join(out)


class StreetAddress(PIIGenerator):
    """The locale's street address formats; unique ones pair a street with a house number.

    ``shapes`` are the real addresses' layouts (:func:`._fake_addresses.address_layouts`):
    that share of streets takes as many lines as the real ones and is followed by the
    locale's towns, states and postcodes in the real order and separators; a layout with a
    locale of its own (a French street in a German list) is made in that locale.
    """

    def generate(self, rows: np.ndarray, rng: np.random.Generator, attempt: int) -> pa.Array:
        if not self.shapes:  # no layouts learned (older models): the street alone
            return self._streets(rows, rng, attempt, None)

        def make(layout: str, pos: np.ndarray, rng: np.random.Generator) -> pa.Array:
            lines, tail, postcode, other = split_layout(layout)
            loc = other_locale(other, self.locale) if other else self.locale
            street = self._streets(rows[pos], rng, attempt, lines, loc)
            if not tail:
                return street
            template = Template.parse(tail)
            fixed = {i: self._postcodes(postcode, len(pos), rng, loc)
                     for i, part in enumerate(template.parts) if part == ("tok", "postcode")}
            return join([street, loc.fill(template, len(pos), rng, fixed=fixed)], len(pos))

        return by_shape(self.shapes, len(rows), rng, make)

    def _streets(self, rows: np.ndarray, rng: np.random.Generator, attempt: int,
                 lines: int | None, loc: LocaleData | None = None) -> pa.Array:
        """Streets of ``loc`` (unique ones of the column's locale) over ``lines`` lines."""
        n = len(rows)
        if not self.unique:
            loc = loc or self.locale
            found = loc.templates("street_address")
            if lines is None or found is None:
                return loc.expand("street_address", n, rng)
            templates, weights = found
            breaks = np.array([sum(t.count("\n") for k, t in tpl.parts if k == "lit")
                               for tpl in templates])
            keep = np.flatnonzero(breaks == lines)
            if keep.size:
                w = None if weights is None else weights[keep] / weights[keep].sum()
                return loc.fill_any([templates[i] for i in keep], w, n, rng)
            # the locale writes no street over that many lines: flats, suites above it
            street = loc.expand("street_address", n, rng)
            if lines < 1 or loc.templates("secondary_address") is None:
                return street
            above = [loc.expand("secondary_address", n, rng) for _ in range(lines)]
            return join([p for line in above for p in (line, "\n")] + [street], n)
        streets = self._street_pool
        digits = self._number_digits()
        capacity = len(streets) * (10**digits - 1)
        codes = Lanes(capacity, self.key, self.where).codes(rows, attempt)
        number, street = np.divmod(codes, len(streets))
        template = self._template()
        toks = {text: i for i, (kind, text) in enumerate(template.parts) if kind == "tok"}
        fixed = {
            toks["building_number"]: pc.cast(pa.array(number + 1), pa.string()),
            toks["street_name"]: streets.take(pa.array(street)),
        }
        return self.locale.fill(template, n, rng, fixed=fixed)

    @staticmethod
    def _postcodes(shape: str, n: int, rng: np.random.Generator, loc: LocaleData) -> pa.Array:
        """The locale's postcodes, those of the real ``shape`` where it has any."""
        found = loc.templates("postcode")
        if found is not None:
            keep = np.flatnonzero([tpl.shape == shape for tpl in found[0]])
            if keep.size:
                w = None if found[1] is None else found[1][keep] / found[1][keep].sum()
                return loc.fill_any([found[0][i] for i in keep], w, n, rng)
        return loc.expand("postcode", n, rng)

    @functools.cached_property
    def _street_pool(self) -> pa.Array:
        """Up to 4096 distinct street names, the same for every run."""
        rng = np.random.default_rng(derive_key(self.locale.locale, "streets"))
        return pc.unique(self.locale.expand("street_name", 4096, rng)).sort()

    def _number_digits(self) -> int:
        found = self.locale.templates("building_number")
        if found is None:
            return 3
        widths = [sum(len(t) for k, t in tpl.parts if k == "num") for tpl in found[0]]
        return int(np.clip(max(widths), 2, 5))

    def _template(self) -> Template:
        found = self.locale.templates("street_address")
        for tpl in found[0] if found else []:
            if set(tpl.tokens) == {"building_number", "street_name"}:
                return tpl
        return Template.parse("{{building_number}} {{street_name}}")


CONTACT_CLASSES: dict[PIIType, type[PIIGenerator]] = {
    PIIType.EMAIL: Email,
    PIIType.PHONE: Phone,
    PIIType.STREET_ADDRESS: StreetAddress,
}
