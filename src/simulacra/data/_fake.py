"""Generators for columns that are never learned from values: ids, personal data, free text.

Everything is vectorized and driven by a numpy Generator; Faker is only read for its tables
(see :mod:`simulacra.data._locale_data`). The functions return pyarrow string arrays (int64
arrays for integer ids); :class:`~simulacra.data._codecs.TableCodec` turns them into the
column's dtype.

Real values never come back: :func:`generate_guarded` regenerates every value whose salted
hash is among the hashes of the real column (:class:`~simulacra.data._keyed.ValueGuard`),
comparing canonical forms (case, spacing and punctuation ignored; see :func:`canonical_form`).
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulacra.data._fake_codes import CODE_CLASSES
from simulacra.data._fake_contacts import CONTACT_CLASSES
from simulacra.data._fake_pii import (
    LANES,
    PII_CLASSES,
    PIIGenerator,
    iban_remainders,
)
from simulacra.data._keyed import ValueGuard, derive_key, new_salt
from simulacra.data._locale_data import locale_data
from simulacra.data._national_ids import luhn_check_digits
from simulacra.data._strings import (
    buffers,
    from_buffers,
    from_matrix,
    hex_matrix,
    join,
    keep_bytes,
    shaped,
    zero_pad,
)
from simulacra.errors import SamplingError, SchemaError
from simulacra.schema._model import PIIType

__all__ = [
    "CALLING_CODE",
    "ID_INTEGER",
    "GUARD_FORM",
    "ID_UUID",
    "LANES",
    "PIIGenerator",
    "TextGenerator",
    "canonical_form",
    "fake_ids",
    "fake_pii",
    "format_ids",
    "GuardExhausted",
    "generate_guarded",
    "iban_remainders",
    "iban_shapes",
    "luhn_check_digits",
    "make_pii_generator",
    "parse_id_template",
    "phone_shapes",
    "uuid4_strings",
    "value_shapes",
]

ID_INTEGER = "integer"
ID_UUID = "uuid"
MAX_ATTEMPTS = 64
_UUID_SHAPE = "########-####-####-####-############"
_SPEC = re.compile(r"(?P<zero>0?)(?P<width>\d*)d?")
_SHAPE_CHARS = re.compile(r"^[#A0 +\-().,/]{1,40}$")
_TEXT_SENTENCE_WORDS = (4, 13)


# ---- ids -----------------------------------------------------------------------------------
def fake_ids(n: int, *, rng: np.random.Generator, start: int = 0, id_format: str | None = None,
             width: int = 0) -> np.ndarray | pa.Array:
    """``n`` ids for rows ``start .. start + n - 1`` of a sample, unique across chunks.

    Parameters
    ----------
    n
        How many.
    rng
        Draws the random bits of UUIDs.
    start
        Row offset of this chunk: ids continue from the previous chunk.
    id_format
        ``"integer"`` (``start + 1 ...`` as int64), ``"uuid"`` (random version-4 UUIDs), a
        :meth:`str.format` template with one integer field (``"C-{:05d}"``), or None
        (integers as strings, zero-padded to ``width``).
    width
        Zero-padding of ids of unknown format.

    Returns
    -------
    numpy.ndarray or pyarrow.Array
        int64 numbers for ``"integer"``, strings otherwise.
    """
    numbers = np.arange(start + 1, start + n + 1, dtype=np.int64)
    if id_format == ID_INTEGER:
        return numbers
    if id_format == ID_UUID:
        return uuid4_strings(n, rng)
    if id_format:
        return format_ids(numbers, id_format)
    return zero_pad(numbers, width)


def uuid4_strings(n: int, rng: np.random.Generator) -> pa.Array:
    """``n`` random version-4 UUIDs (``8-4-4-4-12`` lower-case hex) from ``rng``'s bytes."""
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    return from_matrix(shaped(hex_matrix(raw), _UUID_SHAPE))


def parse_id_template(template: str) -> tuple[str, str, str, int]:
    """Split ``"C-{:05d}"`` into (prefix, suffix, padding character, width); check it."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise SchemaError(
            f"id_format {template!r} is not a valid format template: {exc}. Use 'integer', "
            "'uuid', or a template with one integer field such as 'C-{:05d}'."
        ) from None
    fields = [p for p in parts if p[1] is not None]
    spec = _SPEC.fullmatch(fields[0][2] or "") if len(fields) == 1 else None
    if spec is None or fields[0][1] not in ("", "0") or fields[0][3]:
        raise SchemaError(
            f"id_format {template!r} is not supported. Use 'integer', 'uuid', or a template "
            "with one integer field such as 'C-{:05d}' or 'INV{:d}'."
        )
    at = parts.index(fields[0])
    prefix = "".join(p[0] for p in parts[: at + 1])
    suffix = "".join(p[0] for p in parts[at + 1 :])
    pad = "0" if spec["zero"] else " "
    return prefix, suffix, pad, int(spec["width"] or 0)


def format_ids(numbers: np.ndarray, template: str) -> pa.Array:
    """``template.format(k)`` for every ``k`` of ``numbers``, vectorized."""
    prefix, suffix, pad, width = parse_id_template(template)
    text = pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string())
    if width > 1:
        text = pc.utf8_lpad(text, width=width, padding=pad)
    return join([prefix, text, suffix], len(numbers))


# ---- personal data -------------------------------------------------------------------------
def _folded(values: pa.Array) -> pa.Array:
    """Lower case, trimmed, every run of whitespace as one space."""
    lowered = pc.utf8_lower(pc.utf8_trim_whitespace(values.cast(pa.string())))
    offsets, data = buffers(lowered)
    other = (data - np.uint8(9)) < 5  # tab, newline, vertical tab, form feed, return
    if other.any():
        data = np.where(other, np.uint8(32), data)
    space = data == 32
    double = np.zeros_like(space)
    double[1:] = space[1:] & space[:-1]  # trimmed strings never end in a space
    if not double.any():
        return from_buffers(offsets, data) if other.any() else lowered
    return keep_bytes(offsets, data, ~double)


def _alnum(values: pa.Array) -> pa.Array:
    """Only the ASCII letters (upper case) and digits."""
    offsets, data = buffers(values)
    upper = np.where((data >= 97) & (data <= 122), data - 32, data).astype(np.uint8)
    keep = ((upper >= 48) & (upper <= 57)) | ((upper >= 65) & (upper <= 90))
    return keep_bytes(offsets, upper, keep)


_GENERATORS = {**PII_CLASSES, **CONTACT_CLASSES, **CODE_CLASSES}
_NUMBER_LIKE = {PIIType.PHONE, PIIType.CREDIT_CARD, PIIType.IBAN, PIIType.NATIONAL_ID}


def _letters_digits(values: pa.Array) -> pa.Array:
    """Lower case, only letters (with their accents) and digits of any script."""
    lowered = pc.utf8_lower(values.cast(pa.string()))
    return pc.replace_substring_regex(lowered, pattern=r"[^\pL\pM\pN]+", replacement="")


GUARD_FORM = 2
"""Version of :func:`canonical_form` that new guards hash; models saved before it (no
``guard_form`` in their state) keep form 1 (names and codes compared with their spacing),
since their stored hashes were made with it."""


def canonical_form(pii_type: PIIType | None, *,
                   form: int = GUARD_FORM) -> Callable[[pa.Array], pa.Array]:
    """What is compared to tell a generated value from a real one.

    Numbers (phone, card, IBAN, national id) compare by their letters and digits only.
    Names, addresses, e-mails and codes compare lower-cased by their letters and digits, so
    ``Hans Peter`` is ``Hanspeter`` and ``ZZ 747068 T`` is ``ZZ747068T`` (form 2); in form 1
    they compared case-folded with spaces collapsed. Free text (``pii_type`` None) keeps
    form 1.
    """
    if pii_type in _NUMBER_LIKE:
        return _alnum
    return _letters_digits if form >= 2 and pii_type is not None else _folded


def value_shapes(values: pa.Array, *, top: int = 20, min_share: float = 0.01,
                 leading_zero: bool = False) -> list[tuple[str, float]]:
    """The layouts of real values (digits as ``#``, letters as ``A``) and their shares.

    Only layouts made of ``#``, ``A``, spaces and ``+-().,/`` are kept, so a shape never
    carries a real character; it tells how numbers are grouped (``"(###) ###-####"``). With
    ``leading_zero``, a first digit 0 stays (the trunk prefix of national phone numbers,
    ``"0## ########"``), which says nothing of the number itself.
    """
    vals = values.drop_null().cast(pa.string())
    if len(vals) == 0:
        return []
    masked = pc.replace_substring_regex(
        pc.replace_substring_regex(vals, r"[0-9]", "#"), r"\pL", "A"
    )
    if leading_zero:  # the first digit, when it is 0, back as it was
        rewrite = "\\1" + "0"  # RE2: group 1, then a literal 0
        zeroed = pc.replace_substring_regex(masked, r"^([^#A]*)#", rewrite, max_replacements=1)
        masked = pc.if_else(pc.match_substring_regex(vals, r"^[^0-9\pL]*0"), zeroed, masked)
    counts = pc.value_counts(masked)
    shapes = counts.field("values").to_pylist()
    shares = np.asarray(counts.field("counts"), dtype=np.float64) / len(vals)
    order = np.argsort(-shares, kind="stable")[:top]
    return [
        (str(shapes[i]), float(shares[i]))
        for i in order
        if shares[i] >= min_share and _SHAPE_CHARS.match(str(shapes[i]))
    ]


# E.164 country calling codes are a prefix code: these are the one- and two-digit ones, every
# other code has three digits
CALLING_CODE = r"^\s*\+\s*(?:1|7|2[07]|3[0-469]|4[013-9]|5[1-8]|6[0-6]|8[1246]|9[0-58]|[2-9]\d\d)"


def phone_shapes(values: pa.Array, *, top: int = 20,
                 min_share: float = 0.01) -> list[tuple[str, float]]:
    """The layouts of phone numbers as :func:`value_shapes`, country codes and extensions kept.

    ``+33 (0)4 74 57 13 50`` has the shape ``+33 (0)# ## ## ## ##``: the country code (shared
    by everyone of the country, so it tells nothing of the person) and a trunk ``0`` after it
    stay, so that fakes keep the real countries in their shares. An extension keeps its
    marker: ``(595) 984-7280 x123`` is ``(###) ###-#### x###``.
    """
    vals = pc.utf8_trim_whitespace(values.drop_null().cast(pa.string()))
    if len(vals) == 0:
        return []
    parts = pc.extract_regex(vals, _EXTENDED)
    main = parts.field("main")
    ext = pc.fill_null(pc.replace_substring_regex(
        pc.utf8_lower(parts.field("ext")), r"[0-9]", "#"), "")
    prefix = pc.fill_null(pc.extract_regex(main, f"(?P<cc>{CALLING_CODE})").field("cc"), "")
    key = pc.binary_join_element_wise(prefix, ext, "\x1f")
    found: dict[str, float] = {}
    for both in pc.unique(key).to_pylist():
        code, tail = both.split("\x1f")
        rest = pc.utf8_slice_codeunits(main.filter(pc.equal(key, both)), len(code))
        share = len(rest) / len(vals)
        if share < min_share:
            continue
        # a country's rare layouts give their share to its common ones: each country keeps
        # its share when a mixed column has more layouts than are kept
        kept = value_shapes(rest, top=_SHAPES_PER_CODE, min_share=min_share, leading_zero=True)
        total = sum(part for _, part in kept) or 1.0
        for shape, part in kept:
            found[code + shape + tail] = found.get(code + shape + tail, 0.0) + part / total * share
    ordered = sorted(found.items(), key=lambda item: -item[1])[: top * 3]
    return [(shape, share) for shape, share in ordered]


_SHAPES_PER_CODE = 8


# a number and its extension: "(595) 984-7280 x123", "0171 234567 ext. 12"
_EXTENDED = r"^(?P<main>.*?)(?P<ext>\s*(?:[xX]|[eE][xX][tT]\.?)\s*\d{1,6})?$"


def iban_shapes(values: pa.Array, *, top: int = 20,
                min_share: float = 0.01) -> list[tuple[str, float]]:
    """The layouts of IBANs as :func:`value_shapes`, their countries kept (``"PL## ####"``).

    A country is shared by all its account holders and says nothing of one of them; keeping
    it lets fakes come from the real countries, in their shares.
    """
    vals = pc.utf8_trim_whitespace(values.drop_null().cast(pa.string()))
    if len(vals) == 0:
        return []
    country = pc.fill_null(pc.extract_regex(vals, r"^(?P<c>[A-Z]{2})\d").field("c"), "")
    found: dict[str, float] = {}
    for code in pc.unique(country).to_pylist():
        rest = vals.filter(pc.equal(country, code))
        share = len(rest) / len(vals)
        for shape, part in value_shapes(pc.utf8_slice_codeunits(rest, len(code)), top=top,
                                        min_share=0.0):
            key = (code or "") + shape
            found[key] = found.get(key, 0.0) + part * share
    ordered = sorted(found.items(), key=lambda item: -item[1])[:top]
    return [(shape, share) for shape, share in ordered if share >= min_share]


def make_pii_generator(pii_type: PIIType, *, locale: str | None = None, unique: bool = False,
                       key: int | None = None, guard: ValueGuard | None = None,
                       shapes: Sequence[tuple[str, float]] = (),
                       where: str = "column",
                       unique_digits: int | None = None) -> PIIGenerator:
    """A generator of ``pii_type`` values in ``locale`` (default en_US).

    Parameters
    ----------
    pii_type
        What to make.
    locale
        A Faker locale such as ``"en_US"`` or ``"de_DE"``.
    unique
        Never repeat a value within a sample of any size (see :mod:`._fake_pii`).
    key
        Key of the permutation behind unique values (default: derived from the type).
    guard
        Hashes of real values to avoid (default: none).
    shapes
        Layouts of real values from :func:`value_shapes`, followed where the type allows.
    where
        Names the column in error messages.
    unique_digits
        Unique e-mails: the fewest digits their numbers take
        (:func:`._fake_contacts.email_digits`), so that they keep their real local parts;
        none gives the older ``first.last`` and seven digits.
    """
    pii = PIIType(pii_type)
    return _GENERATORS[pii](
        locale_data(locale),
        unique=unique,
        key=derive_key("pii", pii.value) if key is None else key,
        guard=guard or ValueGuard(new_salt(), np.empty(0, np.uint64), canonical_form(pii)),
        shapes=shapes,
        where=where,
        unique_digits=unique_digits,
    )


class GuardExhausted(SamplingError):
    """Regenerated values kept equalling real ones (see :func:`generate_guarded`)."""


def generate_guarded(generator: PIIGenerator | TextGenerator, rows: np.ndarray,
                     rng: np.random.Generator, guard: ValueGuard, *,
                     where: str = "column",
                     fallback: PIIGenerator | None = None) -> pa.Array:
    """Values for ``rows``, regenerating any that equals a real value until none does.

    A real column drawn from the same weighted lists (Faker's names) holds nearly all of
    their probability mass, so a few rows may keep drawing real values; after
    :data:`MAX_ATTEMPTS` tries those rows take ``fallback``'s values (a generator that
    draws from what the real values leave free), where one is given.
    """
    values = generator.generate(rows, rng, 0)
    bad = guard.contains(values)
    attempt = 0
    while bad.any():
        attempt += 1
        if attempt >= MAX_ATTEMPTS and fallback is not None:
            redo = fallback.generate(rows[bad], rng, 0)
            values = pc.replace_with_mask(values, pa.array(bad), redo)
            bad[bad] = guard.contains(redo)
            fallback = None
            continue
        if attempt >= MAX_ATTEMPTS:
            raise GuardExhausted(
                f"{where}: after {MAX_ATTEMPTS} tries, {int(bad.sum())} generated value(s) "
                "still equal real ones: the real column holds the values this type and "
                "locale draws most often. Use another locale for the column, or make it "
                "categorical if its values are not personal."
            )
        redo = generator.generate(rows[bad], rng, attempt)
        values = pc.replace_with_mask(values, pa.array(bad), redo)
        bad[bad] = guard.contains(redo)
    return values


def fake_pii(pii_type: PIIType | str, n: int, *, rng: np.random.Generator,
             locale: str | None = None, start: int = 0, unique: bool = False) -> pa.Array:
    """``n`` values of ``pii_type`` for rows ``start ..`` (convenience for mock data)."""
    gen = make_pii_generator(PIIType(pii_type), locale=locale, unique=unique)
    return gen.generate(np.arange(start, start + n, dtype=np.int64), rng, 0)


# ---- free text -----------------------------------------------------------------------------
class TextGenerator:
    """Lorem sentences from the locale's word list, with lengths like the real texts.

    A pool of sentences (one to fourteen words, capitalized, ending in a full stop) is made
    once; a text of target length ``L`` is a few random sentences plus one whose length fits
    what is left, so texts are composed from few pieces and follow the length distribution.

    Parameters
    ----------
    words
        The vocabulary.
    length_quantiles
        Character lengths of the real texts at evenly spaced probabilities ``0 .. 1``.
    key
        Seeds the sentence pool.
    """

    pool_size = 8192

    def __init__(self, words: Sequence[str], length_quantiles: np.ndarray, key: int = 0) -> None:
        self.length_quantiles = np.asarray(length_quantiles, dtype=np.float64)
        plain = [w for w in dict.fromkeys(words) if w] or ["lorem"]
        sentences = _sentences(plain, self.pool_size, np.random.default_rng(key))
        lengths = pc.utf8_length(sentences).to_numpy(zero_copy_only=False).astype(np.int64)
        order = np.argsort(lengths, kind="stable")
        self.sentences = sentences.take(pa.array(order))
        self.lengths = lengths[order]
        self.mean_length = float(self.lengths.mean())

    @classmethod
    def for_locale(cls, locale: str | None, length_quantiles: np.ndarray,
                   key: int = 0) -> TextGenerator:
        return cls(locale_data(locale).words, length_quantiles, key)

    def generate(self, rows: np.ndarray, rng: np.random.Generator, attempt: int = 0) -> pa.Array:
        """One text per row (``attempt`` is unused: every draw is fresh)."""
        n = len(rows)
        probs = np.linspace(0.0, 1.0, len(self.length_quantiles))
        target = np.interp(rng.random(n), probs, self.length_quantiles)
        count = np.maximum(1, np.rint(target / (self.mean_length + 1.0))).astype(np.int64)
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(count, out=offsets[1:])
        last = offsets[1:] - 1
        filler = np.ones(int(offsets[-1]), dtype=bool)
        filler[last] = False
        picks = np.empty(int(offsets[-1]), dtype=np.int64)
        picks[filler] = rng.integers(0, len(self.lengths), int(filler.sum()))
        used = np.zeros(int(offsets[-1]) + 1, dtype=np.int64)
        np.cumsum(np.where(filler, self.lengths[picks * filler] + 1, 0), out=used[1:])
        rest = target - (used[last + 1] - used[offsets[:-1]])
        near = np.searchsorted(self.lengths, rest) + rng.integers(-24, 25, n)
        picks[last] = np.clip(near, 0, len(self.lengths) - 1)
        texts = pa.LargeListArray.from_arrays(pa.array(offsets), self.sentences.take(picks))
        return pc.binary_join(texts, " ")


def _sentences(words: Sequence[str], size: int, rng: np.random.Generator) -> pa.Array:
    """``size`` sentences of 1 to 14 random ``words``, capitalized, with a full stop."""
    count = rng.integers(1, 15, size=size)
    offsets = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(count, out=offsets[1:])
    n_words = len(words)
    variants = pa.array(
        [*words, *(w[:1].upper() + w[1:] for w in words),
         *(w + "." for w in words), *(w[:1].upper() + w[1:] + "." for w in words)],
        pa.string(),
    )
    pos = np.arange(int(offsets[-1])) - np.repeat(offsets[:-1], count)
    first = pos == 0
    final = pos == np.repeat(count, count) - 1
    token = rng.integers(0, n_words, len(pos)) + n_words * (first + 2 * final)
    lists = pa.LargeListArray.from_arrays(pa.array(offsets), variants.take(pa.array(token)))
    return pc.binary_join(lists, " ")
