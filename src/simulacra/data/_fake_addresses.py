r"""How real street addresses are laid out: the street, then a town and postcode tail.

An address such as ``"141 Hodges Mountains, Kramerville, NM 04216"`` or Faker en_GB's
``"Flat 3\nMcCarthy Tunnel\nSouth Charlesmouth\nL0F 4SU"`` is split at its line breaks and
commas; the segments at its end that read as a postcode, a town or a state code are its
*tail*. Its layout keeps how many line breaks the street takes, the tail as a Faker template
of tokens and the real separators, and the shape of its postcode, never a real word:
``"0|, {{city}}, {{state_abbr}} {{postcode}}|#####"``, ``"1|\n{{city}}\n{{postcode}}|AN NAA"``.
:class:`._fake_contacts.StreetAddress` fills the tail from the locale's own towns, states and
postcodes (of that shape where the locale has such postcodes).

A tail needs a postcode: a street alone may end in a part that reads as a town (``"626, rue
Colas"``, ``"Flat 3\nMcCarthy Tunnel"``), and without a postcode it is left as street.
"""

from __future__ import annotations

import functools
import re

import pandas as pd
import pyarrow as pa

from simulacra.data._fake_layouts import share_sample
from simulacra.data._locale_data import LocaleData, locale_data, text_shape
from simulacra.errors import SchemaError
from simulacra.schema._pii import _GB_POSTCODE_END as GB_POSTCODE_END
from simulacra.schema._pii import _STREET_WORD_LOCALES as STREET_WORD_LOCALES
from simulacra.schema._pii import _STREET_WORD_RE as STREET_WORD_RE

__all__ = [
    "STREET_ONLY",
    "address_layout_of",
    "address_layouts",
    "address_locales",
    "split_layout",
    "street_word",
    "street_words",
]

STREET_ONLY = "0|"
_MIN_SHARE = 0.01
_MIN_LOCALE_SHARE = 0.05
_TOP = 20
_MAX_TAIL = 3  # segments: town, state, postcode at most
_SEPARATOR = re.compile(r"(\s*\n\s*|\s*,\s*)")
_POSTCODE = r"(?=[A-Z0-9 \-]*\d)(?:[A-Z]{1,2}-)?[A-Z0-9]{2,7}(?:[ \-][A-Z0-9]{2,4})?"
_ZIP = r"\d{5}(?:-\d{4})?"
_ONLY_POSTCODE = re.compile(rf"^{_POSTCODE}$")
_STATE_ZIP = re.compile(rf"^[A-Z]{{2}} {_ZIP}$")
_TOWN_STATE_ZIP = re.compile(rf"^(?P<town>.+) [A-Z]{{2}} {_ZIP}$")
_POSTCODE_TOWN = re.compile(rf"^{_POSTCODE} (?P<town>.+)$")
_TOWN_CHARS = frozenset(" '\u2019.()-")  # with the typographic apostrophe


def _is_town(text: str) -> bool:
    """Words of letters starting with a capital: ``Groß-Gerau``, ``Halle (Saale)``."""
    return (text[:1].isalpha() and text[0].isupper() and (text[-1].isalpha() or text[-1] in ".)")
            and all(c.isalpha() or c in _TOWN_CHARS for c in text))


def _segment_template(segment: str) -> tuple[str, str] | None:
    """The template of one segment of an address's tail and its postcode, if it is one."""
    text = " ".join(segment.split())
    if not 2 <= len(text) <= 60:
        return None
    if len(text) >= 4 and _ONLY_POSTCODE.match(text):
        return "{{postcode}}", text
    if _STATE_ZIP.match(text):
        return "{{state_abbr}} {{postcode}}", text[3:]
    found = _TOWN_STATE_ZIP.match(text)
    if found and _is_town(found["town"]):
        return "{{city}} {{state_abbr}} {{postcode}}", text[len(found["town"]) + 4 :]
    found = _POSTCODE_TOWN.match(text)
    if found and _is_town(found["town"]):
        return "{{postcode}} {{city}}", text[: found.start("town") - 1]
    return ("{{city}}", "") if _is_town(text) else None


def _layout_of(value: str) -> str:
    """The layout of one address (``STREET_ONLY`` when no tail is found)."""
    parts = _SEPARATOR.split(value.strip())
    segments, seps = parts[0::2], parts[1::2]
    tail: list[str] = []
    code, town = "", False
    k = len(segments)
    while k > 1 and len(tail) < 2 * _MAX_TAIL:
        found = _segment_template(segments[k - 1])
        if found is None or (town and "city" in found[0]) or (code and found[1]):
            break  # a tail has one town and one postcode
        town = town or "city" in found[0]
        code = code or found[1]
        tail = [_separator(seps[k - 2]), found[0], *tail]
        k -= 1
    street = "".join(parts[: 2 * k - 1])
    if not code or not any(c.isalpha() for c in street):
        return STREET_ONLY
    return f"{street.count(chr(10))}|{''.join(tail)}|{text_shape(code)}"


def _separator(sep: str) -> str:
    """A separator as the layout keeps it: a line break, or a comma and a space (or not)."""
    if "\n" in sep:
        return "\n"
    return ", " if sep.endswith((" ", "\t")) else ","


def address_layout_of(values: pa.Array, locale: str | None = None) -> pa.Array:
    """The layout (``"lines|tail|postcode"``) of each address of ``values``.

    With ``locale`` (the column's), an address whose street words or postcode show another
    locale has it as a fourth part: ``"0|||fr_FR"`` for ``"3, rue Colas"`` in a German list.
    """
    text = values.cast(pa.string()).to_pylist()
    own = None if locale is None else locale_data(locale).locale
    words = set() if own is None else street_words(own)
    others = [None if v is None or own is None else _street_locale(str(v), words)
              for v in text]
    # a locale few addresses show is a chance word ("Spring" ends like a German "Ring")
    counts = pd.Series(others, dtype=object).value_counts()
    shown = set(counts.index[counts >= _MIN_LOCALE_SHARE * len(text)])
    out = []
    for v, other in zip(text, others, strict=True):
        layout = STREET_ONLY if v is None else _layout_of(str(v))
        if other in shown and other != own:
            layout = layout + "|" * (3 - layout.count("|")) + str(other)
        out.append(layout)
    return pa.array(out, pa.string())


def address_locales(values: pa.Array, locale: str) -> list[str | None]:
    """The locale each address shows by its street words or postcode; None where none shows.

    A word ``locale`` writes itself counts as ``locale``'s; a locale few addresses show is
    left out as chance (as in :func:`address_layout_of`).
    """
    text = values.cast(pa.string()).to_pylist()
    words = street_words(locale)
    found = [None if v is None else _street_locale(str(v), words, own=locale) for v in text]
    counts = pd.Series(found, dtype=object).value_counts()
    shown = set(counts.index[counts >= _MIN_LOCALE_SHARE * len(text)]) | {locale}
    return [f if f in shown else None for f in found]


def _street_locale(value: str, own_words: set[str], own: str | None = None) -> str | None:
    """The locale a street word (``rue``, ``straße``) or a British postcode shows, if any.

    A word the column's locale writes itself (nl_NL's ``ring``, en_US's ``via``) shows
    ``own``.
    """
    word = street_word(value)
    if word is not None:
        return own if word in own_words else STREET_WORD_LOCALES.get(word)
    return "en_GB" if GB_POSTCODE_END.search(value) else None


def street_word(value: str) -> str | None:
    """The word of an address that tells its locale (``rue``, ``straße``), lower case."""
    found = STREET_WORD_RE.search(value.lower())
    return None if found is None else next(g for g in found.groups() if g)


@functools.lru_cache(maxsize=32)
def street_words(locale: str) -> set[str]:
    """The street suffixes and prefixes of ``locale``, lower case."""
    loc = locale_data(locale)
    words: set[str] = set()
    for token in ("street_suffix", "street_prefix"):
        try:
            words.update(str(w).lower() for w in loc.pool(token).values.to_pylist())
        except SchemaError:  # the locale has no such table
            continue
    return words


def address_layouts(values: pa.Array, locale: LocaleData) -> list[tuple[str, float]]:
    """Shares of the layouts of real addresses; none when all are streets of one line.

    Tails with a state code are kept only where the address's locale has states to fill
    them.
    """
    vals = share_sample(values.drop_null())
    if len(vals) == 0:
        return []
    layouts = pd.Series(address_layout_of(vals, locale.locale).to_pylist(), dtype=object)
    for layout in layouts.unique():
        other = split_layout(str(layout))[3]
        if "state_abbr" in layout and not has_states(locale_data(other) if other else locale):
            layouts[layouts == layout] = STREET_ONLY + ("||" + other if other else "")
    shares = layouts.value_counts(normalize=True)
    kept = [(str(k), float(s)) for k, s in shares.iloc[:_TOP].items() if s >= _MIN_SHARE]
    return [] if [k for k, _ in kept] == [STREET_ONLY] else kept


def has_states(locale: LocaleData) -> bool:
    """Whether Faker's locale has state codes (``states_abbr``)."""
    found = locale.attr("states_abbr")
    return isinstance(found, (list, tuple)) and bool(found)


def split_layout(layout: str) -> tuple[int, str, str, str]:
    """``(line breaks of the street, tail template, postcode shape, locale)`` of a layout.

    The locale is empty where the address is the column's.
    """
    lines, tail, postcode, locale = [*layout.split("|"), "", "", ""][:4]
    return int(lines or 0), tail, postcode, locale
