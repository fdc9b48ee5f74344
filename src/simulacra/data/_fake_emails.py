"""How the local part of real e-mail addresses is built: ``j.smith``, ``kevingriffith``, ...

A local part's layout names its pieces, never their letters: ``f`` a first name, ``l`` a last
name, ``i`` an initial, ``w`` any other word, the separators ``.``, ``_`` and ``-`` as they
are, and ``#`` per trailing digit (at most four). ``jnaser`` is ``il``, ``kevin.griffith84``
``f.l##``, ``smith_j`` ``l_i``. :class:`._fake_contacts.Email` fills each piece from the locale's
names (ASCII) and words.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from simulacra.data._locale_data import LocaleData, Pool, locale_data, to_ascii_word
from simulacra.data._strings import digit_strings, join

__all__ = ["local_layout_of", "make_local_parts"]

_UMLAUTS = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}
_MAX_DIGITS = 4
_MAX_WORD = 24
_LETTERS = pa.array(list("abcdefghijklmnopqrstuvwxyz"), pa.string())
_YEARS = Pool(pa.array([str(y) for y in range(1950, 2010)], pa.string()))


@functools.lru_cache(maxsize=64)
def _name_sets(locales: tuple[str | None, ...]) -> tuple[pa.Array, pa.Array]:
    """ASCII first and last names of ``locales`` and en_US (addresses are often English).

    Umlauts count both ways: ``muller`` and ``mueller``.
    """
    sets = []
    for part in ("first_name", "last_name"):
        names = [locale_data(loc).pool(part).values for loc in {*locales, None}]
        lowered = pc.utf8_lower(pa.concat_arrays(names))
        umlauts = lowered
        for char, spelled in _UMLAUTS.items():
            umlauts = pc.replace_substring(umlauts, char, spelled)
        words = [to_ascii_word(w) for w in pc.unique(pa.concat_arrays([lowered, umlauts]))
                 .to_pylist()]
        sets.append(pc.unique(pa.array([w for w in words if w], pa.string())))
    return sets[0], sets[1]


def _is_in(values: pd.Series, names: pa.Array) -> np.ndarray:
    found = pc.is_in(pa.array(values.tolist(), pa.string()), value_set=names)
    return np.asarray(pc.fill_null(found, False), dtype=bool)


def _token_kind(token: pd.Series, first: pa.Array, last: pa.Array) -> pd.Series:
    kind = np.where(_is_in(token, first), "f", np.where(_is_in(token, last), "l", "w"))
    kind = np.where(token.str.len().to_numpy() == 1, "i", kind)
    return pd.Series(kind, index=token.index, dtype=object)


def _joined_kind(word: pd.Series, first: pa.Array, last: pa.Array) -> pd.Series:
    """One unseparated word: a name, or two pieces run together (``kevingriffith``: ``fl``)."""
    kind = _token_kind(word, first, last).to_numpy(dtype=object, copy=True)
    open_ = np.flatnonzero(kind == "w")
    for k in range(1, _MAX_WORD):
        todo = word.iloc[open_]
        open_ = open_[(todo.str.len() > k).to_numpy()]
        if not open_.size:
            break
        todo = word.iloc[open_]
        head, tail = todo.str[:k], todo.str[k:]
        head_first, head_last = _is_in(head, first), _is_in(head, last)
        tail_first, tail_last = _is_in(tail, first), _is_in(tail, last)
        found = [(head_first & tail_last, "fl"), (head_last & tail_first, "lf"),
                 ((k == 1) & tail_last, "il"), (head_first & (tail.str.len() == 1).to_numpy(),
                                                "fi")]
        done = np.zeros(len(open_), dtype=bool)
        for hit, name in found:
            take = hit & ~done
            kind[open_[take]] = name
            done |= take
        open_ = open_[~done]
    return pd.Series(kind, index=word.index, dtype=object)


def local_layout_of(values: pa.Array, locales: Sequence[str | None]) -> pa.Array:
    """The layout of each address's local part (see the module docstring).

    Names are those of ``locales`` (the column's, the country domains') and of en_US.
    """
    local = pd.Series(values.cast(pa.string()).to_pylist(), dtype=object).fillna("")
    local = local.str.split("@").str[0].str.lower()
    digits = local.str.extract(r"(\d+)$")[0].fillna("")
    base = pd.Series([w[: len(w) - len(d)] for w, d in zip(local, digits, strict=True)],
                     index=local.index, dtype=object)
    parts = base.str.split(r"([._-])", regex=True)
    first, last = _name_sets(tuple(sorted(set(locales), key=str)))
    size = parts.map(len)
    layout = pd.Series("w", index=local.index, dtype=object)
    one = size == 1
    if one.any():
        layout[one] = _joined_kind(base[one], first, last)
    for count in (3, 5):  # two or three pieces with their separators
        at = size == count
        if not at.any():
            continue
        pieces = [_token_kind(parts[at].str[j], first, last) if j % 2 == 0
                  else parts[at].str[j] for j in range(count)]
        joined = pieces[0].astype(object).astype(str)
        for piece in pieces[1:]:  # element-wise, not a row-wise join (60 s on 850k rows)
            joined = joined + piece.astype(object).astype(str)
        layout[at] = joined
    layout = layout.where(~base.str.contains(r"[^a-z._-]", regex=True) | (base == ""), "w")
    width = digits.str.len().clip(upper=_MAX_DIGITS)
    return pa.array((layout + width.map(lambda k: "#" * k)).tolist(), pa.string())


def make_local_parts(layout: str, n: int, rng: np.random.Generator, loc: LocaleData,
                     capitalized: bool = False) -> pa.Array:
    """``n`` local parts in ``layout``, of the names and words of ``loc``."""
    body = layout.rstrip("#")
    width = len(layout) - len(body)
    pieces: list[pa.Array | str] = []
    for ch in body:
        if ch in "fl":
            made = loc.ascii_pool("first_name" if ch == "f" else "last_name").draw(n, rng)
            pieces.append(pc.utf8_capitalize(made) if capitalized else made)
        elif ch == "i":
            made = _LETTERS.take(pa.array(rng.integers(0, 26, n)))
            pieces.append(pc.utf8_upper(made) if capitalized else made)
        elif ch == "w":
            pieces.append(_words(loc).draw(n, rng))
        else:
            pieces.append(ch)
    if width == 4:
        pieces.append(_YEARS.draw(n, rng))
    elif width:
        pieces.append(digit_strings(n, width, rng))
    return join(pieces, n)


@functools.lru_cache(maxsize=32)
def _words(loc: LocaleData) -> Pool:
    """The locale's lorem words in ASCII letters, for local parts that are no name."""
    words = sorted({w.lower() for w in loc.words if w.isascii() and w.isalpha() and len(w) > 2})
    return Pool(pa.array(words, pa.string())) if words else loc.ascii_pool("last_name")
