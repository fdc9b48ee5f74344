"""Codecs of generated kinds: ids, personal data and free text.

They add nothing to the encoded matrix: values are made at decode time by
:mod:`simulacra.data._fake`, driven by the sampling ``rng``; ``start`` (the row offset of the
chunk) keeps ids and unique values unique across chunks. What is learned at fit is only what
makes the fakes look like the column: its missing share, the layout of its numbers, the
length of its texts, and salted hashes of its real values so that none of them comes back,
in any spelling (case, spacing and punctuation ignored: ``GUARD_FORM``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Self

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from simulacra.data._codec_base import ColumnCodec, draw_missing
from simulacra.data._dtypes import (
    ArrayLike,
    is_numeric_dtype,
    missing_marker,
    resolve_dtype,
    restore,
    strings_to_dtype,
)
from simulacra.data._fake import (
    GUARD_FORM,
    ID_INTEGER,
    ID_UUID,
    TextGenerator,
    canonical_form,
    fake_ids,
    generate_guarded,
    iban_shapes,
    make_pii_generator,
    parse_id_template,
    phone_shapes,
    value_shapes,
)
from simulacra.data._fake_addresses import address_layouts
from simulacra.data._fake_codes import code_skeletons, ip_profile
from simulacra.data._fake_contacts import email_digits
from simulacra.data._fake_layouts import email_layouts, name_layouts
from simulacra.data._fake_pii import PIIGenerator
from simulacra.data._frame import EncodedColumn
from simulacra.data._id_layouts import layout_ids, layout_state
from simulacra.data._keyed import ValueGuard, derive_key
from simulacra.data._locale_data import DEFAULT_LOCALE, locale_data
from simulacra.data._national_ids import digit_width
from simulacra.data._pii_countries import (
    ALWAYS_COUNTRY,
    READABLE,
    locale_of_country,
    shapes_in,
)
from simulacra.data._strings import scatter
from simulacra.schema._model import Column, Kind, PIIType

# What the generators of these types learn of the real values' layout (never a real value).
_SHAPES: dict[PIIType, Callable[[pa.Array], list[tuple[str, float]]]] = {
    **dict.fromkeys((PIIType.CREDIT_CARD, PIIType.NATIONAL_ID), value_shapes),
    PIIType.IBAN: iban_shapes,  # countries kept
    PIIType.PHONE: phone_shapes,
    PIIType.CODE: code_skeletons,
    PIIType.IP_ADDRESS: ip_profile,
}
_LENGTH_QUANTILES = 21
_MAX_FIRST_ID = 2**62  # ids above this start again from 1 rather than overflow
POOL_MAX_DISTINCT_SHARE = 0.5
POOL_MAX_VALUES = 10_000
MIN_POOL_ROWS = 20
"""Personal data whose distinct values are at most this share of its rows (and this many)
is regenerated as a pool of as many fakes, drawn with the real values' frequencies."""
REPEATED_MIN_SHARE = 0.1
"""Codes with more distinct values keep a pool of their repeated ones where this share of
rows holds one (:func:`_pool`)."""


def as_text(series: pd.Series) -> pa.Array:
    """Non-missing values as strings; whole numbers without a decimal point."""
    present = series[series.notna()]
    if is_numeric_dtype(present.dtype):
        numbers = present.to_numpy(dtype=np.float64)
        if np.all(numbers == np.rint(numbers)):
            return pc.cast(pa.array(numbers.astype(np.int64)), pa.string())
    return pa.array(present.astype(str).to_numpy(dtype=object), pa.string())


def _missing_share(series: pd.Series) -> float:
    return float(series.isna().mean()) if len(series) else 0.0


class _Generated(ColumnCodec):
    def _encoded_columns(self) -> tuple[EncodedColumn, ...]:
        return ()


class IdCodec(_Generated):
    """Sequential, templated or UUID ids that continue across chunks."""

    kind = Kind.ID

    @classmethod
    def fit(cls, series: pd.Series, column: Column, *, salt: str) -> Self:
        fmt = column.id_format
        if fmt not in (None, ID_INTEGER, ID_UUID):
            parse_id_template(fmt)
        text = as_text(series)
        width = int(pc.max(pc.utf8_length(text)).as_py() or 0) if len(text) else 0
        state: dict[str, Any] = {"format": fmt, "width": width,
                                 "missing_share": _missing_share(series),
                                 "marker": missing_marker(series),
                                 "first": first_unused_id(series, fmt)}
        if fmt is None and not is_numeric_dtype(resolve_dtype(column.dtype)):
            # string ids with no numbered template come back in their layouts (N###AA)
            found = layout_state(text.to_pylist(), derive_key("id", column.name, salt), salt)
            if found is not None:
                state["layouts"] = found
        return cls(column, state)

    def decode(self, block: np.ndarray, *, rng: np.random.Generator, start: int) -> ArrayLike:
        s = self.state
        n = block.shape[0]
        missing = draw_missing(n, s["missing_share"], rng)
        if s.get("layouts"):  # absent in models saved before layouts: numbers as text
            rows = np.arange(start, start + n, dtype=np.int64)
            values = layout_ids(s["layouts"], rows, rng, self.where)
            return strings_to_dtype(values, missing, self.column.dtype, s["marker"])
        start += int(s.get("first", 1)) - 1  # models saved before ids skipped real ones: 1
        if is_numeric_dtype(resolve_dtype(self.column.dtype)):
            numbers = np.arange(start + 1, start + n + 1, dtype=np.int64)
            return restore(numbers, missing, self.column.dtype, s["marker"])
        values = fake_ids(n, rng=rng, start=start, id_format=s["format"], width=s["width"])
        if isinstance(values, np.ndarray):
            values = pc.cast(pa.array(values), pa.string())
        return strings_to_dtype(values, missing, self.column.dtype, s["marker"])


def first_unused_id(series: pd.Series, fmt: str | None) -> int:
    """The first id number above every real one, so that no generated id equals a real id.

    ``fmt`` is the column's ``id_format``; ids that hold no number (UUIDs, free strings)
    give 1.
    """
    if pd.api.types.is_integer_dtype(series.dtype) and series.notna().any():
        highest = int(series.max())  # exact: as text, via float64, ids above 2**53 would blur
        return highest + 1 if highest < _MAX_FIRST_ID else 1
    text = as_text(series)
    if fmt == ID_UUID or len(text) == 0:
        return 1
    numbers = pc.cast(text, pa.string())
    if fmt not in (None, ID_INTEGER):
        prefix, suffix, _, _ = parse_id_template(fmt)
        numbers = pc.utf8_slice_codeunits(numbers, len(prefix),
                                          -len(suffix) if suffix else None)
    digits = numbers.filter(pc.match_substring_regex(numbers, r"^\s*\d{1,18}$"))
    if len(digits) == 0:
        return 1
    highest = int(pc.max(pc.cast(pc.utf8_trim_whitespace(digits), pa.int64())).as_py())
    return highest + 1 if highest < _MAX_FIRST_ID else 1


def _guard_form(column: Column, pii_type: PIIType | None,
                form: int) -> Callable[[pa.Array], pa.Array]:
    """What a generated value is compared by; in a number column, without leading zeros.

    A value made digit by digit may start with 0 (``07001``), and a number column reads it as
    ``7001``: compared as written, it would pass the guard and then equal a real value.
    """
    canonical = canonical_form(pii_type, form=form)
    if not is_numeric_dtype(resolve_dtype(column.dtype)):
        return canonical
    return lambda values: canonical(pc.replace_substring_regex(
        values.cast(pa.string()), pattern=r"^(-?)0+(\d)", replacement=r"\1\2"))


class _Guarded(_Generated):
    """A generated kind whose real values are kept out of the output."""

    def __init__(self, column: Column, state: dict[str, Any]) -> None:
        super().__init__(column, state)
        # models saved before GUARD_FORM hashed their real values in form 1
        form = int(state.get("guard_form", 1))
        self.guard = ValueGuard.from_state(state["guard"],
                                           _guard_form(self.column, self._pii_type(), form),
                                           self.where)

    def _pii_type(self) -> PIIType | None:
        return self.column.pii_type

    @staticmethod
    def _base_state(series: pd.Series, column: Column, text: pa.Array, salt: str,
                    pii_type: PIIType | None) -> dict[str, Any]:
        guard = ValueGuard.of(text, salt, _guard_form(column, pii_type, GUARD_FORM))
        return {
            "guard_form": GUARD_FORM,
            "locale": column.locale or DEFAULT_LOCALE,
            "missing_share": _missing_share(series),
            "marker": missing_marker(series),
            "guard": guard.get_state(),
        }

    def _make(self, generator: Any, n: int, rng: np.random.Generator, start: int) -> ArrayLike:
        missing = draw_missing(n, self.state["missing_share"], rng)
        if self.state.get("all_missing"):
            missing = np.ones(n, dtype=bool)
            values = pa.nulls(n, pa.string())
        else:
            rows = np.arange(start, start + n, dtype=np.int64)
            values = generate_guarded(generator, rows, rng, self.guard, where=self.where)
        return strings_to_dtype(values, missing, self.column.dtype, self.state["marker"])


class PIICodec(_Guarded):
    """Personal data regenerated in the column's locale and layout, never a real value."""

    kind = Kind.PII

    @classmethod
    def fit(cls, series: pd.Series, column: Column, *, salt: str) -> Self:
        pii = PIIType(str(column.pii_type))
        text = as_text(series)
        state = cls._base_state(series, column, text, salt, pii)
        width = _number_id_width(column, pii)
        if width is not None:  # valid ids once zero-padded, so no two read as one number
            shapes = [("#" * width, 1.0)]
        elif pii is PIIType.PERSON_NAME:  # order and case: `Last, First`, capitals
            shapes = name_layouts(text, column.locale)
        elif pii is PIIType.EMAIL:  # case, top-level domain and local part: `jnaser`
            shapes = email_layouts(text, column.locale)
        elif pii is PIIType.STREET_ADDRESS:  # the town and postcode after the street
            shapes = address_layouts(text, locale_data(column.locale))
        else:
            shapes = _SHAPES[pii](text) if pii in _SHAPES else []
        pool, fresh = ([], 0.0) if column.unique else _pool(
            text, repeats_of_codes=pii is PIIType.CODE)
        state.update(
            pool=pool,
            unique=bool(column.unique),
            key=derive_key("pii", column.name, pii.value),
            shapes=[[shape, share] for shape, share in shapes],
            all_missing=len(text) == 0,
        )
        if fresh:  # absent from older models and from pools of repeats only
            state["pool_fresh"] = fresh
        if column.unique and pii is PIIType.EMAIL:  # absent from older models: 7 digits
            state["unique_digits"] = email_digits(len(series))
        return cls(column, state)

    @functools.cached_property
    def generator(self) -> PIIGenerator:
        s = self.state
        return make_pii_generator(
            PIIType(str(self.column.pii_type)), locale=s["locale"], unique=bool(s["unique"]),
            key=int(s["key"]), guard=self.guard,
            shapes=[(str(a), float(b)) for a, b in s["shapes"]], where=self.where,
            unique_digits=self._unique_digits,
        )

    @property
    def _unique_digits(self) -> int | None:
        found = self.state.get("unique_digits")
        return None if found is None else int(found)

    @functools.cached_property
    def pool(self) -> pa.Array | None:
        """The fake values standing for a repeating column's real ones, made once by key."""
        shares = self.state.get("pool") or []  # absent from older models: no pool
        if not shares:
            return None
        rows = np.arange(len(shares), dtype=np.int64)
        made = np.random.default_rng(int(self.state["key"]))
        return generate_guarded(self.generator, rows, made, self.guard, where=self.where)

    @property
    def follows_rows(self) -> bool:
        """Whether its values can be made in a row's country (:mod:`._row_countries`).

        Not a repeating column (its values come from a pool), nor unique names and
        addresses, which are drawn from the column's own locale.
        """
        pii = PIIType(str(self.column.pii_type))
        return (pii in READABLE and not self.state.get("pool")
                and not self.state.get("all_missing")
                and not (self.state.get("unique") and pii in ALWAYS_COUNTRY))

    def decode_in(self, block: np.ndarray, *, rng: np.random.Generator, start: int,
                  countries: np.ndarray, people: np.ndarray) -> ArrayLike:
        """As :meth:`decode`, each row's value of its country in ``countries``.

        ``people`` are the rows' countries: an e-mail at a domain of no country is of their
        names.
        """
        n = block.shape[0]
        missing = draw_missing(n, self.state["missing_share"], rng)
        rows = np.arange(start, start + n, dtype=np.int64)
        groups_of = np.asarray(countries, dtype=object)
        if PIIType(str(self.column.pii_type)) is PIIType.EMAIL:  # "@PL": no country, Polish
            groups_of = np.where(groups_of == "", "@" + np.asarray(people, dtype=object),
                                 groups_of)
        codes, found = pd.factorize(groups_of, sort=True)
        groups = []
        for k, key in enumerate(found.tolist()):
            pos = np.flatnonzero(codes == k)
            country, people_of = ("", key[1:]) if key.startswith("@") else (key, "")
            generator = self._generator_in(country, people_of)
            groups.append((pos, generate_guarded(generator, rows[pos], rng, self.guard,
                                                 where=self.where)))
        values = scatter(groups, n)
        return strings_to_dtype(values, missing, self.column.dtype, self.state["marker"])

    def _generator_in(self, country: str, people: str) -> PIIGenerator:
        """The column's generator held to ``country`` (names of ``people``'s, if given)."""
        key = (country, people)
        if key not in self._held:
            s = self.state
            pii = PIIType(str(self.column.pii_type))
            shapes, locale = shapes_in(pii, [(str(a), float(b)) for a, b in s["shapes"]],
                                       s["locale"], country,
                                       locale_of_country(country, (s["locale"],)))
            if people:
                locale = locale_of_country(people, (s["locale"],)) or locale
            self._held[key] = make_pii_generator(
                pii, locale=locale, unique=bool(s["unique"]), key=int(s["key"]),
                guard=self.guard, shapes=shapes, where=self.where,
                unique_digits=self._unique_digits)
        return self._held[key]

    @functools.cached_property
    def _held(self) -> dict[tuple[str, str], PIIGenerator]:
        return {}

    def decode(self, block: np.ndarray, *, rng: np.random.Generator, start: int) -> ArrayLike:
        pool = self.pool
        if pool is None or self.state.get("all_missing"):
            return self._make(self.generator, block.shape[0], rng, start)
        n = block.shape[0]
        missing = draw_missing(n, self.state["missing_share"], rng)
        shares = np.asarray(self.state["pool"], dtype=np.float64)
        values = pool.take(pa.array(rng.choice(len(pool), size=n, p=shares / shares.sum())))
        fresh = float(self.state.get("pool_fresh", 0.0))
        if fresh:  # the rows of values seen once get a new value each
            new = rng.random(n) < fresh
            made = generate_guarded(self.generator, np.arange(start, start + n)[new], rng,
                                    self.guard, where=self.where)
            values = scatter([(np.flatnonzero(~new), values.filter(pa.array(~new))),
                              (np.flatnonzero(new), made)], n)
        return strings_to_dtype(values, missing, self.column.dtype, self.state["marker"])


def _number_id_width(column: Column, pii: PIIType) -> int | None:
    """The digits of the column's national ids, if they are stored as numbers of a country.

    Its ids lost their leading zeros (``01234567890`` -> ``1234567890``); made at the
    country's width and read back as numbers, they are valid once padded to it again.
    """
    if pii is not PIIType.NATIONAL_ID or not is_numeric_dtype(resolve_dtype(column.dtype)):
        return None
    return digit_width(column.locale)


def _pool(text: pa.Array, *, repeats_of_codes: bool) -> tuple[list[float], float]:
    """The pool of fakes standing for a repeating column's values, and the share of fresh rows.

    A column of few distinct values (at most half its rows: six sales agents over thousands
    of rows) gets a pool of as many fakes with the real values' shares, commonest first, and
    no fresh rows. Codes that are mostly distinct but of which many repeat
    (``repeats_of_codes``; product names, 3,520 in 6,000 rows) get a pool of their repeated
    values only, by their shares of all rows, and the share of rows of values seen once,
    which get a new code each. Neither: no pool.
    """
    if len(text) < MIN_POOL_ROWS:
        return [], 0.0
    counts = np.sort(np.asarray(pc.value_counts(text).field("counts"), dtype=np.float64))[::-1]
    rows = counts.sum()
    if counts.size <= POOL_MAX_DISTINCT_SHARE * len(text) and counts.size <= POOL_MAX_VALUES:
        return (counts / rows).tolist(), 0.0
    repeated = counts[counts > 1]
    if (not repeats_of_codes or repeated.sum() < REPEATED_MIN_SHARE * rows
            or repeated.size > POOL_MAX_VALUES):
        return [], 0.0
    return (repeated / rows).tolist(), float((counts == 1).sum() / rows)


class TextCodec(_Guarded):
    """Lorem text with the real texts' length distribution, never a real text."""

    kind = Kind.TEXT

    def _pii_type(self) -> PIIType | None:
        return None

    @classmethod
    def fit(cls, series: pd.Series, column: Column, *, salt: str) -> Self:
        text = as_text(series)
        state = cls._base_state(series, column, text, salt, None)
        lengths = pc.utf8_length(text).to_numpy(zero_copy_only=False).astype(np.float64)
        probs = np.linspace(0.0, 1.0, _LENGTH_QUANTILES)
        state.update(
            quantiles=np.quantile(lengths, probs) if lengths.size else np.zeros(1),
            key=derive_key("text", column.name),
            all_missing=len(text) == 0,
        )
        return cls(column, state)

    @functools.cached_property
    def generator(self) -> TextGenerator:
        s = self.state
        return TextGenerator.for_locale(s["locale"], np.asarray(s["quantiles"], np.float64),
                                        int(s["key"]))

    def decode(self, block: np.ndarray, *, rng: np.random.Generator, start: int) -> ArrayLike:
        return self._make(self.generator, block.shape[0], rng, start)
