"""Raw material for fake values, pulled once per locale from Faker's provider data.

Faker is slow per call (tens of microseconds), so nothing here calls it per row. Instead,
a :class:`LocaleData` reads the provider tables (first names with their weights, street
suffixes, phone formats, e-mail domains, BBAN formats, lorem words) and Faker's own format
templates (``"{{building_number}} {{street_name}}"``, ``"Apt. ###"``), and
:meth:`LocaleData.expand` fills those templates for many rows at once with numpy draws and
pyarrow string kernels. A token with no table behind it gets a pool of values drawn once
from a fixed-seed Faker, so the material is the same on every run.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from simulacra.data._strings import (
    buffers,
    digit_strings,
    from_matrix,
    join,
    keep_bytes,
    put_runs,
    random_chars,
    scatter,
)
from simulacra.errors import SchemaError

DEFAULT_LOCALE = "en_US"
_TOKEN = re.compile(r"\{\{\s*(\w+)\s*\}\}")
_PLACEHOLDER = re.compile(r"#+|[%$!@?]")
_SET_MARK = "\x1f"  # joins a token and a character of its sets in a "set" part
_FALLBACK_DRAWS = 1000
_CHECK_DRAWS = 30
_NAME_TOKEN = re.compile(r"^(first|last)_name(_male|_female)?$")
_MAX_DEPTH = 6
_DIGIT_POOLS = {
    "%": [str(d) for d in range(1, 10)],
    "$": [str(d) for d in range(2, 10)],
    "!": ["", *(str(d) for d in range(10))],
    "@": ["", *(str(d) for d in range(1, 10))],
    "?": [chr(c) for c in range(ord("A"), ord("Z") + 1)],
}


_ALIAS_SLOTS = 1 << 16


@dataclass(frozen=True)
class Pool:
    """Strings to draw from, with optional weights (None: uniform)."""

    values: pa.Array
    weights: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.values)

    @functools.cached_property
    def _slots(self) -> np.ndarray | None:
        """A table where value ``i`` fills about ``weights[i] * 65536`` slots.

        A uniform draw from it is a weighted draw (to 1/65536), ten times faster than
        ``rng.choice``.
        """
        if self.weights is None:
            return None
        counts = np.maximum(np.rint(self.weights * _ALIAS_SLOTS), 1).astype(np.int64)
        return np.repeat(np.arange(len(self.weights), dtype=np.int32), counts)

    def draw_index(self, n: int, rng: np.random.Generator) -> np.ndarray:
        slots = self._slots
        if slots is None:
            return rng.integers(0, len(self.values), size=n)
        out: np.ndarray = slots[rng.integers(0, len(slots), size=n)]
        return out

    def draw(self, n: int, rng: np.random.Generator) -> pa.Array:
        return self.values.take(pa.array(self.draw_index(n, rng)))

    def affixed(self, prefix: str = "", suffix: str = "") -> Pool:
        """The same pool with a prefix and suffix joined to every value."""
        return Pool(join([prefix, self.values, suffix], len(self.values)), self.weights)


_SLOT_RANGES = {"#": (48, 58), "%": (49, 58), "$": (50, 58), "?": (65, 91)}


@dataclass(frozen=True)
class Layout:
    """A format of literals and one-character placeholders as fixed UTF-8 bytes."""

    literal: np.ndarray  # the format's bytes, placeholders as b"#"
    slots: np.ndarray  # byte positions of the placeholders
    low: np.ndarray  # lowest byte of each placeholder (inclusive)
    high: np.ndarray  # highest byte + 1

    def fill(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """An ``(n, width)`` byte matrix with random characters in the slots."""
        out = np.empty((n, len(self.literal)), dtype=np.uint8)
        out[:] = self.literal
        put_runs(out, self.slots, random_chars(n, self.low, self.high, rng))
        return out


@dataclass(frozen=True)
class Template:
    """A format split into literals, numerify placeholders and ``{{token}}`` references."""

    parts: tuple[tuple[str, str], ...]  # ("lit" | "num" | "tok" | "set", text)

    @classmethod
    def parse(cls, text: str) -> Template:
        """Faker's conventions: a format with tokens is parsed, one without is numerified."""
        parts: list[tuple[str, str]] = []
        if "{{" in text:
            pos = 0
            for m in _TOKEN.finditer(text):
                if m.start() > pos:
                    parts.append(("lit", text[pos : m.start()]))
                parts.append(("tok", m.group(1)))
                pos = m.end()
            if pos < len(text):
                parts.append(("lit", text[pos:]))
            return cls(tuple(parts))
        pos = 0
        for m in _PLACEHOLDER.finditer(text):
            if m.start() > pos:
                parts.append(("lit", text[pos : m.start()]))
            parts.append(("num", m.group(0)))
            pos = m.end()
        if pos < len(text):
            parts.append(("lit", text[pos:]))
        return cls(tuple(parts))

    @functools.cached_property
    def layout(self) -> Layout | None:
        """The fixed byte layout of a format of digits and letters, None for other formats."""
        literal = bytearray()
        slots: list[int] = []
        ranges: list[tuple[int, int]] = []
        for kind, text in self.parts:
            if kind == "lit":
                literal += text.encode("utf-8")
            elif kind == "num" and text[0] in _SLOT_RANGES:
                for ch in text:
                    slots.append(len(literal))
                    literal += b"#"
                    ranges.append(_SLOT_RANGES[ch])
            else:
                return None
        bounds = np.array(ranges, dtype=np.uint8).reshape(-1, 2)
        return Layout(np.frombuffer(bytes(literal), dtype=np.uint8), np.array(slots, np.int64),
                      bounds[:, 0].copy(), bounds[:, 1].copy())

    @property
    def tokens(self) -> list[str]:
        return [text for kind, text in self.parts if kind == "tok"]

    @property
    def shape(self) -> str:
        """The format with every digit placeholder as ``#`` and letters as ``A``."""
        out = []
        for kind, text in self.parts:
            if kind == "num":
                out.append("#" * len(text) if text[0] == "#" else "A" if text == "?" else "#")
            elif kind == "lit":
                out.append(text_shape(text))
            else:
                return ""
        return "".join(out)


def _fill_layouts(layouts: Sequence[Layout], weights: np.ndarray | None, n: int,
                  rng: np.random.Generator) -> pa.Array:
    """``n`` values, each from one of fixed ``layouts`` drawn by ``weights``, in one matrix."""
    widths = np.array([len(lay.literal) for lay in layouts], dtype=np.int64)
    if len(layouts) == 1:
        return from_matrix(layouts[0].fill(n, rng))
    which = rng.choice(len(layouts), size=n, p=weights)
    mat = np.zeros((n, int(widths.max())), dtype=np.uint8)
    for t in np.unique(which):
        pos = np.flatnonzero(which == t)
        mat[pos, : widths[t]] = layouts[int(t)].fill(len(pos), rng)
    return from_matrix(mat, widths[which])


def text_shape(text: str) -> str:
    """``text`` with digits as ``#`` and letters as ``A`` (what a format looks like)."""
    return "".join("#" if ch.isdigit() else "A" if ch.isalpha() else ch for ch in text)


def to_ascii_word(text: str) -> str:
    """Lower-case ASCII letters and digits of ``text`` (for e-mail local parts)."""
    from faker.decode import unidecode  # Faker loads on first use: fitting without PII skips it

    return re.sub(r"[^a-z0-9]", "", unidecode(text).lower())


def _weighted(raw: Any) -> tuple[list[str], np.ndarray | None] | None:
    if isinstance(raw, Mapping) and raw:
        keys = [str(k) for k in raw]
        w = np.asarray(list(raw.values()), dtype=np.float64)
        return keys, w / w.sum()
    if isinstance(raw, (list, tuple)) and raw and all(isinstance(v, str) for v in raw):
        return list(raw), None
    return None


def _not_itself(token: str, found: tuple[list[str], np.ndarray | None]
                ) -> tuple[list[Template], np.ndarray | None] | None:
    """``token``'s formats as templates, but for a format that is the token itself.

    nl_NL's ``city_formats`` is ``("{{city}}",)``: its towns are the table ``cities``.
    """
    keep = [i for i, t in enumerate(found[0]) if Template.parse(t).tokens != [token]]
    if not keep:
        return None
    weights = None if found[1] is None else found[1][keep] / found[1][keep].sum()
    return [Template.parse(found[0][i]) for i in keep], weights


def _pool(values: Sequence[str], weights: np.ndarray | None = None) -> Pool:
    return Pool(pa.array(list(values), pa.string()), weights)


@functools.cache
def _digit_pool(placeholder: str) -> Pool:
    return _pool(_DIGIT_POOLS[placeholder])


def _plural(word: str) -> str:
    if word.endswith(("s", "x")):
        return word + "es"
    if word.endswith("y") and len(word) > 1 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def _plurals(token: str) -> list[str]:
    """Names Faker gives a token's table: the plural on the last word first, then earlier."""
    words = token.split("_")
    return [
        "_".join([*words[: k - 1], _plural(words[k - 1]), *words[k:]])
        for k in range(len(words), 0, -1)
    ]


class LocaleData:
    """Faker's tables and templates for one locale (use :func:`locale_data`, it caches)."""

    def __init__(self, locale: str) -> None:
        from faker import Faker  # loads on first use: ~80 ms of import a table without PII skips

        try:
            self._faker = Faker(locale)
        except AttributeError:
            raise SchemaError(
                f"Locale {locale!r} is not known to Faker. Set the column's 'locale' to one "
                "Faker supports, such as 'en_US', 'en_GB', 'de_DE' or 'fr_FR'."
            ) from None
        self.locale = locale
        self._providers = list(self._faker.factories[0].providers)
        self._pools: dict[str, Pool] = {}
        self._lock = threading.Lock()  # seeding and drawing from the shared Faker is one step
        self._templates: dict[str, tuple[list[Template], np.ndarray | None] | None] = {}
        self._numbered_tables: dict[str, tuple[list[Template], np.ndarray | None] | None] = {}

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        """Pickled (and deep-copied) as its locale: the copy is that process's cached one.

        Neither the Faker object nor the lock pickle, and both are rebuilt from the locale.
        """
        return locale_data, (self.locale,)

    # ---- provider tables ----------------------------------------------------------------
    def attr(self, name: str, provider: str | None = None) -> Any:
        """An attribute of the first provider that has it (of one provider family if given)."""
        for p in self._providers:
            if provider is not None and not type(p).__module__.startswith(
                f"faker.providers.{provider}"
            ):
                continue
            if hasattr(p, name):
                return getattr(p, name)
        return None

    def tables(self, prefix: str) -> dict[str, Any]:
        """Every provider attribute whose name starts with ``prefix`` (``"prefixes"``)."""
        return {a: getattr(p, a) for p in self._providers for a in dir(p)
                if a.startswith(prefix)}

    def formats(self, name: str, provider: str) -> tuple[list[str], np.ndarray | None]:
        """A provider's list of formats (``"formats"`` of phone_number, say) and weights."""
        found = _weighted(self.attr(name, provider))
        if found is None:
            raise SchemaError(f"Faker locale {self.locale!r} has no {provider} {name!r}.")
        return found

    def pool(self, token: str) -> Pool:
        """Values for ``token``: its provider table, or a fixed-seed Faker draw.

        The table of ``first_name`` is ``first_names``, of ``prefix_male`` ``prefixes_male``.
        """
        if token not in self._pools:
            found = None
            for name in _plurals(token):
                found = _weighted(self.attr(name))
                if found is not None:
                    break
            if found is not None and _NAME_TOKEN.match(token):
                found = self._checked(token, found)
            if found is None:
                found = self._drawn(token)
            self._pools[token] = _pool(*found)
        return self._pools[token]

    def _checked(self, token: str, found: tuple[list[str], np.ndarray | None]
                 ) -> tuple[list[str], np.ndarray | None] | None:
        """``found`` if Faker's own ``token`` draws from it; else the lists it draws from.

        pl_PL inherits the table ``last_names = ["Doe"]`` and draws its surnames from
        ``unisex_last_names``: such lists (names ending in ``_last_names``) are joined.
        """
        method = getattr(self._faker, token, None)
        if method is None or not callable(method):
            return found
        with self._lock:
            self._faker.seed_instance(0)
            draws = {str(method()) for _ in range(_CHECK_DRAWS)}
        if len(draws & set(found[0])) * 2 >= len(draws):
            return found
        plural = _plurals(token)[0]
        lists = [self.attr(a) for p in self._providers for a in dir(p)
                 if a.endswith("_" + plural) and not a.startswith("_")]
        names = list(dict.fromkeys(v for lst in lists if isinstance(lst, (list, tuple))
                                   for v in lst if isinstance(v, str)))
        return (names, None) if len(draws & set(names)) * 2 >= len(draws) else None

    def _drawn(self, token: str) -> tuple[list[str], np.ndarray]:
        method = getattr(self._faker, token, None)
        if method is None or not callable(method):
            raise SchemaError(f"Faker locale {self.locale!r} has no generator {token!r}.")
        with self._lock:
            self._faker.seed_instance(0)
            drawn = np.array([str(method()) for _ in range(_FALLBACK_DRAWS)], dtype=object)
        values, counts = np.unique(drawn, return_counts=True)
        return [str(v) for v in values], counts / counts.sum()

    def templates(self, token: str) -> tuple[list[Template], np.ndarray | None] | None:
        """Faker's ``{token}_formats`` as templates, or None when it has no formats.

        A token with character sets (en_GB's ``postcode_formats`` such as ``"ANN NEE"``,
        each letter standing for one of ``_postcode_sets``) gets templates of set draws, as
        Faker fills them.
        """
        if token not in self._templates:
            sets = self.attr(f"_{token}_sets")
            found = _weighted(self.attr(f"{token}_formats"))
            if isinstance(sets, Mapping):
                pattern = self.attr(f"{token}_pattern")
                if found is None and isinstance(pattern, str):
                    found = ([pattern], None)
                self._templates[token] = None if found is None else (
                    [Template(tuple(("set", f"{token}{_SET_MARK}{ch}") for ch in t))
                     for t in found[0]], found[1])
            else:
                self._templates[token] = None if found is None else _not_itself(token, found)
        return self._templates[token]

    def _numbered(self, token: str) -> tuple[list[Template], np.ndarray | None] | None:
        """A table of numerify patterns as templates, as Faker bothifies them; else None.

        Such tables are ko_KR's road numbers (``"###"``) and it_IT's area codes (``"010#"``).
        """
        if token not in self._numbered_tables:
            pool = self.pool(token)
            values = [str(v) for v in pool.values.to_pylist()]
            self._numbered_tables[token] = (
                ([Template.parse(v) for v in values], pool.weights)
                if any("#" in v for v in values) else None)
        return self._numbered_tables[token]

    def _set_pool(self, key: str) -> Pool:
        if key not in self._pools:
            token, ch = key.split(_SET_MARK)
            self._pools[key] = _pool([str(c) for c in self.attr(f"_{token}_sets")[ch]])
        return self._pools[key]

    # ---- filling templates for many rows at once ----------------------------------------
    def expand(self, token: str, n: int, rng: np.random.Generator, depth: int = 0) -> pa.Array:
        """``n`` values of ``token``: its templates filled, or draws from its pool."""
        found = self.templates(token) or self._numbered(token)
        if found is None:
            return self.pool(token).draw(n, rng)
        return self.fill_any(found[0], found[1], n, rng, depth)

    def fill_any(self, templates: Sequence[Template], weights: np.ndarray | None, n: int,
                 rng: np.random.Generator, depth: int = 0) -> pa.Array:
        """``n`` values, each from one of ``templates`` drawn by ``weights``."""
        if depth > _MAX_DEPTH:
            raise SchemaError(f"Faker locale {self.locale!r} has formats that nest too deep.")
        layouts = [t.layout for t in templates]
        if all(lay is not None for lay in layouts):
            return _fill_layouts([lay for lay in layouts if lay is not None], weights, n, rng)
        if len(templates) == 1:
            return self.fill(templates[0], n, rng, depth)
        which = rng.choice(len(templates), size=n, p=weights)
        groups = []
        for t in np.unique(which):
            pos = np.flatnonzero(which == t)
            groups.append((pos, self.fill(templates[int(t)], len(pos), rng, depth)))
        return scatter(groups, n)

    def fill(self, template: Template, n: int, rng: np.random.Generator, depth: int = 0,
             fixed: Mapping[int, pa.Array] | None = None) -> pa.Array:
        """``n`` values of one template; ``fixed`` gives the values of some parts by index."""
        pieces: list[pa.Array | str] = []
        for i, (kind, text) in enumerate(template.parts):
            if fixed is not None and i in fixed:
                pieces.append(fixed[i])
            elif kind == "lit":
                pieces.append(text)
            elif kind == "tok":
                pieces.append(self.expand(text, n, rng, depth + 1))
            elif kind == "set":
                pieces.append(self._set_pool(text).draw(n, rng))
            elif text[0] == "#":
                pieces.append(digit_strings(n, len(text), rng))
            else:
                pieces.append(_digit_pool(text).draw(n, rng))
        return join(pieces, n)

    # ---- derived material ---------------------------------------------------------------
    @functools.cached_property
    def person_templates(self) -> tuple[list[Template], np.ndarray | None]:
        """The locale's name formats made of first and last names only (no titles)."""
        names, weights = self.formats("formats", "person")
        keep = [
            i for i, t in enumerate(names)
            if Template.parse(t).tokens
            and all(tok.startswith(("first_name", "last_name")) for tok in Template.parse(t).tokens)
        ]
        if not keep:
            return [Template.parse("{{first_name}} {{last_name}}")], None
        w = None if weights is None else weights[keep] / weights[keep].sum()
        return [Template.parse(names[i]) for i in keep], w

    @functools.cached_property
    def name_order(self) -> tuple[bool, str]:
        """(last name first?, separator) of the locale's main name format."""
        parts = self.person_templates[0][0].parts
        toks = [text for kind, text in parts if kind == "tok"]
        lits = [text for kind, text in parts if kind == "lit"]
        last_first = bool(toks) and toks[0].startswith("last_name")
        return last_first, lits[0] if lits else ""

    def affixed(self, pool: Pool, name: str, prefix: str = "", suffix: str = "") -> Pool:
        """``pool`` with affixes, cached under ``name``."""
        key = f"{name}|{prefix}|{suffix}"
        if key not in self._pools:
            self._pools[key] = pool.affixed(prefix, suffix)
        return self._pools[key]

    @functools.cached_property
    def email_domains(self) -> Pool:
        found = _weighted(self.attr("free_email_domains", "internet"))
        return _pool(*(found or (["example.com"], None)))

    def ascii_pool(self, token: str) -> Pool:
        """The pool of ``token`` as lower-case ASCII words, empty ones dropped."""
        key = f"ascii:{token}"
        if key not in self._pools:
            base = self.pool(token)
            words = [to_ascii_word(v) for v in base.values.to_pylist()]
            keep = [i for i, w in enumerate(words) if w]
            if not keep:
                self._pools[key] = _pool(["user"])
            else:
                w = None if base.weights is None else base.weights[keep] / base.weights[keep].sum()
                self._pools[key] = _pool([words[i] for i in keep], w)
        return self._pools[key]

    @functools.cached_property
    def words(self) -> list[str]:
        found = _weighted(self.attr("word_list", "lorem"))
        return found[0] if found else ["lorem", "ipsum", "dolor", "sit", "amet"]

    @functools.cached_property
    def bank(self) -> tuple[str, str]:
        """(ISO country code, BBAN format with ``#`` digits and ``?`` letters)."""
        code = self.attr("country_code", "bank")
        fmt = self.attr("bban_format", "bank")
        if isinstance(code, str) and isinstance(fmt, str) and len(code) == 2 and fmt:
            return code.upper(), fmt
        return ("DE", "#" * 18) if self.locale.startswith("de") else ("GB", "????" + "#" * 14)

    @functools.cached_property
    def national_ids(self) -> Pool | None:
        """A pool of the locale's own national ids; None where Faker's is the US SSN."""
        with self._lock:
            self._faker.seed_instance(0)
            sample = [str(self._faker.ssn()) for _ in range(20)]
            if all(re.fullmatch(r"\d{3}-\d{2}-\d{4}", s) for s in sample):
                return None
            drawn = [str(self._faker.ssn()) for _ in range(4 * _FALLBACK_DRAWS)]
        values, counts = np.unique(np.array(drawn, dtype=object), return_counts=True)
        return _pool([str(v) for v in values], counts / counts.sum())


@functools.lru_cache(maxsize=32)
def locale_data(locale: str | None) -> LocaleData:
    """The (cached) material of ``locale`` (``None``: en_US)."""
    return LocaleData(locale or DEFAULT_LOCALE)


_HASH, _PERCENT, _BANG, _AT = (ord(c) for c in "#%!@")


def numerify(values: pa.Array, rng: np.random.Generator) -> pa.Array:
    """Fill what Faker's ``numerify`` fills, for strings made from a format with tokens.

    Faker makes a phone number as ``numerify(parse(format))``: the ``#`` (a digit), ``%`` (1-9),
    ``!`` (a digit or nothing) and ``@`` (1-9 or nothing) of ``"+33 (0){{area_code}} ## ##"``
    and of the area codes it drew (``"010#"``) are filled after the tokens.
    """
    offsets, data = buffers(values)
    digit, nonzero = (data == _HASH) | (data == _BANG), (data == _PERCENT) | (data == _AT)
    if not (digit.any() or nonzero.any()):
        return values
    maybe = (data == _BANG) | (data == _AT)
    data = data.copy()
    data[digit] = rng.integers(48, 58, int(digit.sum()), dtype=np.uint8)
    data[nonzero] = rng.integers(49, 58, int(nonzero.sum()), dtype=np.uint8)
    drop = maybe & (rng.random(len(data)) < 0.5)  # Faker: a digit or nothing, evenly
    return keep_bytes(offsets, data, ~drop)
