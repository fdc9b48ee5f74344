"""Titles before and after names (``Dr.``, ``Mrs.``, ``Herr``; ``Jr.``, ``B.A.``) and their shares.

A name's title kind is ``p`` (a title before it), ``s`` (one after it), ``ps`` (both) or
none; the kinds are learned as shares (``"titled:p"``), never the titles themselves. Fakes
of a kind are written by the locale's own person formats of that kind
(``"{{prefix_female}} {{first_name_female}} {{last_name}}"``), so a title agrees with the
name's gender as Faker makes it. Only titles of locales whose formats put them first (or
last) count: fr_FR's ``prefix`` is the particle of ``Jean de La Fontaine``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulacra.data._locale_data import LocaleData, Template, locale_data

__all__ = ["TITLED", "title_kind_of", "title_shares", "titled_templates", "untitled"]

TITLED = "titled:"
_MIN_SHARE = 0.01
_NAME_TOKEN = re.compile(r"^(first|last)_name")


def _formats(loc: LocaleData) -> list[tuple[str, float]]:
    names, weights = loc.formats("formats", "person")
    w = np.ones(len(names)) if weights is None else weights
    return list(zip(names, w.tolist(), strict=True))


@functools.lru_cache(maxsize=32)
def _titles(locale: str | None) -> tuple[frozenset[str], frozenset[str]]:
    """Lower-cased titles that ``locale``'s formats put before and after names."""
    loc = locale_data(locale)
    formats = [f for f, _ in _formats(loc)]
    before = any(f.startswith("{{prefix") for f in formats)
    after = any(re.search(r"\{\{suffix\w*\}\}$", f) for f in formats)
    found: tuple[set[str], set[str]] = (set(), set())
    for side, wanted in enumerate((before, after)):
        for values in loc.tables(("prefixes", "suffixes")[side]).values() if wanted else ():
            if isinstance(values, (list, tuple, dict)):  # single letters read as initials
                found[side].update(str(v).lower() for v in values if len(str(v)) >= 2)
    return frozenset(found[0]), frozenset(found[1])


def title_kind_of(values: pa.Array, locales: Sequence[str | None]) -> pa.Array:
    """Each name's title kind: ``"p"``, ``"s"``, ``"ps"`` or ``""``."""
    prefixes: set[str] = set()
    suffixes: set[str] = set()
    for locale in {*locales, None}:
        before, after = _titles(locale)
        prefixes |= before
        suffixes |= after
    text = pc.utf8_lower(pc.utf8_trim_whitespace(values.cast(pa.string())))
    head = pc.extract_regex(text, r"^(?P<w>\S+)\s").field("w")
    tail = pc.extract_regex(text, r"[\s,](?P<w>\S+)$").field("w")
    before = pc.fill_null(pc.is_in(head, value_set=pa.array(sorted(prefixes), pa.string())),
                          False)
    after = pc.fill_null(pc.is_in(tail, value_set=pa.array(sorted(suffixes), pa.string())),
                         False)
    p = pc.if_else(before, pa.scalar("p"), pa.scalar(""))
    s = pc.if_else(after, pa.scalar("s"), pa.scalar(""))
    return pc.binary_join_element_wise(p, s, "")


def untitled(values: pa.Array, kinds: pa.Array) -> pa.Array:
    """``values`` without the titles ``kinds`` found (``Smith MD`` is no surname in capitals)."""
    text = pc.utf8_trim_whitespace(values.cast(pa.string()))
    text = pc.if_else(pc.match_substring(kinds, "p"),
                      pc.replace_substring_regex(text, r"^\S+\s+", ""), text)
    return pc.if_else(pc.match_substring(kinds, "s"),
                      pc.replace_substring_regex(text, r",?\s+\S+$", ""), text)


def title_shares(kinds: pa.Array) -> list[tuple[str, float]]:
    """``(TITLED + kind, share)`` of the title kinds (:func:`title_kind_of`) of real names."""
    if not len(kinds):
        return []
    counts = pc.value_counts(kinds)
    shares = np.asarray(counts.field("counts"), dtype=np.float64) / len(kinds)
    return [(TITLED + str(k), float(s)) for k, s in zip(counts.field("values").to_pylist(),
                                                        shares, strict=True)
            if k and s >= _MIN_SHARE]


def titled_templates(loc: LocaleData,
                     kind: str) -> tuple[list[Template], np.ndarray] | None:
    """The locale's person formats of one title kind (names and titles only), if any."""
    kept = []
    for text, weight in _formats(loc):
        tokens = Template.parse(text).tokens
        before = bool(tokens) and tokens[0].startswith("prefix")
        after = bool(tokens) and tokens[-1].startswith("suffix")
        names = [t for t in tokens if not t.startswith(("prefix", "suffix"))]
        if (before == ("p" in kind) and after == ("s" in kind) and names
                and all(_NAME_TOKEN.match(t) for t in names)
                and len(names) + before + after == len(tokens)):
            kept.append((Template.parse(text), weight))
    if not kept:
        return None
    w = np.array([w for _, w in kept], dtype=np.float64)
    return [t for t, _ in kept], w / w.sum()
