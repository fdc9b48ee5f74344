"""Replace the personal data in a real table: fake values, keyed pseudonyms, or masks.

Which columns: the PII columns that schema inference finds (person, first and last names,
e-mails, phones, street addresses, credit cards, IBANs, national ids), plus every column the
caller names (an id such as ``subject_id``, a free-text field). Every other column is copied
bit for bit; rows keep their number and order; missing values and blank strings stay as they
are. Each distinct value is replaced once and mapped back to its rows, so a value that
repeats gets one replacement everywhere.

Methods (see ``docs/pii.md`` for what each protects against):

``fake``
    Values of the same PII type, locale, layout and case; no real value comes back; see
    :mod:`._pii_values`. Integer ids and prefixed numbers are permuted with a key derived
    from ``key`` or ``seed``, so they keep width and dtype and joins survive across tables
    processed with the same key or seed.
``hash``
    HMAC-SHA256 of the value's text under the caller's secret key. Integer columns get
    integers below ``2**53`` (exact in float64 too, so an id column that pandas read as float
    because of missing values joins with its integer twin); other columns get 16-character
    base32 tokens (80 bits). The same value gives the same pseudonym in every column, table
    and run that uses the same key, so joins survive; without the key nobody can recompute
    them. Two distinct values that meet in one pseudonym raise an error rather than merge.
``mask``
    Same length and punctuation, content hidden by ``*`` (rules in
    :func:`~simulacra.mock._pii_values.mask_values`); a numeric column becomes text.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from simulacra._random import seed_sequence
from simulacra.data._keyed import derive_key
from simulacra.errors import (
    DataReadError,
    DataValidationError,
    InvalidParameterError,
    PrivacyWarning,
    SchemaError,
)
from simulacra.mock._pii_columns import fake_column, hash_column, mask_column, replaceable
from simulacra.mock._pii_text import TextColumn, clean_text_columns
from simulacra.mock._pii_words import LIBRARY, Words
from simulacra.schema._check import check_names, require_frame
from simulacra.schema._infer import infer_schema
from simulacra.schema._model import Column, Kind, PIIType, Schema, Table
from simulacra.schema._pii import pii_from_name, pii_hint_from_name

__all__ = ["METHODS", "MIN_KEY_BYTES", "PIIReplacement", "ReplacedColumn", "key_fingerprint",
           "read_key", "replace_pii", "replace_pii_as"]

METHODS = ("fake", "hash", "mask")
MIN_KEY_BYTES = 16
"""Shortest secret key accepted for ``hash`` (128 bits)."""
_KEY_FIX = "Make one with `head -c 32 /dev/urandom > secret` and keep it out of the data."
Method = Literal["fake", "hash", "mask"]


@dataclass(frozen=True)
class ReplacedColumn:
    """What was found in one column and how it was replaced.

    Parameters
    ----------
    name
        The column.
    pii_type
        The PII type it holds, or None for an identifier that is no PII type (an id).
    source
        ``"detected"`` (schema inference found it) or ``"named"`` (the caller named it).
    method
        ``"fake"``, ``"hash"`` or ``"mask"``.
    n_values
        Non-missing values replaced.
    n_distinct
        Distinct values among them.
    locale
        Locale of the fake values (``fake`` only; None means en_US).
    note
        Anything worth knowing (e.g. fake names that had to repeat).
    """

    name: str
    pii_type: PIIType | None
    source: Literal["detected", "named"]
    method: Method
    n_values: int
    n_distinct: int
    locale: str | None = None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able form."""
        return {
            "name": self.name,
            "pii_type": None if self.pii_type is None else self.pii_type.value,
            "source": self.source,
            "method": self.method,
            "n_values": self.n_values,
            "n_distinct": self.n_distinct,
            "locale": self.locale,
            "note": self.note,
        }


@dataclass(frozen=True)
class PIIReplacement:
    """The table with its personal data replaced, and what was done.

    Parameters
    ----------
    data
        The new table: same columns, rows, order and dtypes (a masked numeric column
        becomes text); only the replaced columns differ.
    columns
        The replaced columns by name, in table order. Empty when no PII was found and none
        was named (a :class:`~simulacra.errors.PrivacyWarning` says so).
    method
        The method used.
    unreplaced_ids
        Id columns that were not replaced: they may still identify people.
    kept
        Columns of personal data found but left as they are (``keep``).
    text
        The free-text columns (:attr:`~simulacra.schema.Kind.TEXT`) not replaced whole, by
        name: the replaced columns' values and the e-mails, phones, cards and IBANs found in
        them were replaced; other personal data in them (names the table does not hold,
        addresses) was not found.
    key_id
        The key's fingerprint (:func:`key_fingerprint`) when a key was given, else None:
        the same key always shows the same one, so a run with the wrong key shows.
    """

    data: pd.DataFrame
    columns: Mapping[str, ReplacedColumn]
    method: Method
    unreplaced_ids: tuple[str, ...] = field(default_factory=tuple)
    kept: tuple[str, ...] = field(default_factory=tuple)
    text: Mapping[str, TextColumn] = field(default_factory=dict)
    key_id: str | None = None

    def __repr__(self) -> str:
        """One line (the dataclass's embedded the whole table's repr)."""
        rows, cols = self.data.shape
        replaced = ", ".join(self.columns) or "none"
        ids = f"; unreplaced ids: {', '.join(self.unreplaced_ids)}" if self.unreplaced_ids else ""
        return (f"PIIReplacement(method {self.method!r}, {rows:,} rows x {cols} columns; "
                f"replaced: {replaced}{ids}; .data for the table, .summary() for details)")

    def __str__(self) -> str:
        return self.summary()

    def summary(self) -> str:
        """A few lines for people: what was replaced, and what may still identify someone."""
        n = len(self.columns)
        if n == 0:
            lines = [_nothing_replaced(self.kept, LIBRARY) + " Name the columns that identify "
                     "people (columns=[...] or --column)."]
        else:
            lines = [f"Replaced {n} column{'s' if n != 1 else ''} by method {self.method!r} "
                     f"in {len(self.data):,} rows:"]
            width = max(len(name) for name in self.columns)
            for col in self.columns.values():
                what = col.pii_type.value if col.pii_type else "identifier"
                extra = f"; {col.note}" if col.note else ""
                lines.append(f"  {col.name:<{width}}  {what} ({col.source}), "
                             f"{col.n_distinct:,} distinct values{extra}")
        if self.kept and n:
            lines.append(f"Kept as they are: {', '.join(self.kept)}.")
        if self.unreplaced_ids:
            lines.append(f"Not replaced: id column(s) {', '.join(self.unreplaced_ids)}; name "
                         "them too if they identify people.")
        if self.text and n:
            lines.append("Free text, searched for the replaced values and for e-mails, phones, "
                         "cards and IBANs:")
            width = max(len(name) for name in self.text)
            lines += [f"  {col.name:<{width}}  {col.line()}" for col in self.text.values()]
            lines.append("  Other personal data in free text (names the table does not hold, "
                         "addresses, dates of birth) is NOT found: read these columns, or drop "
                         "them or replace them whole (columns=[...] or --column).")
        if self.key_id is not None:
            lines.append(f"Key fingerprint: {self.key_id} (the same key always shows the same "
                         "one: compare it with the runs you want to join with).")
        lines.append("Other columns (ages, dates, places) can still identify people in "
                     "combination: see docs/pii.md.")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able form (without the data), for ``--json`` output."""
        return {
            "method": self.method,
            "rows": len(self.data),
            "columns": [c.to_dict() for c in self.columns.values()],
            "unreplaced_ids": list(self.unreplaced_ids),
            "kept": list(self.kept),
            "text_columns": [c.to_dict() for c in self.text.values()],
            "key_id": self.key_id,
        }


def key_fingerprint(key: bytes) -> str:
    """8 hex digits that tell keys apart without revealing them: HMAC(key, "simulacra-key-id")."""
    return hmac.new(key, b"simulacra-key-id", hashlib.sha256).hexdigest()[:8]


def read_key(path: str | Path) -> bytes:
    """Read a secret key for ``method="hash"`` from a file: its bytes, but a final newline.

    A key typed into a file (``echo secret-phrase > key``) ends in a newline that an editor
    or another tool may drop; one final line break (LF or CRLF) is therefore not part of a key
    that is text (UTF-8 without other control characters). Random binary keys are read
    exactly.

    Parameters
    ----------
    path
        A file of at least 16 random bytes, e.g. made by ``head -c 32 /dev/urandom > secret``.

    Returns
    -------
    bytes
        The key, for ``replace_pii(..., key=...)``.

    Raises
    ------
    DataReadError
        The file does not exist or cannot be read.
    InvalidParameterError
        It holds fewer than :data:`MIN_KEY_BYTES` bytes.
    """
    p = Path(path)
    try:
        key = p.read_bytes()
    except FileNotFoundError:
        raise DataReadError(f"The key file {str(p)!r} does not exist. {_KEY_FIX}") from None
    except OSError as exc:
        raise DataReadError(
            f"The key file {str(p)!r} cannot be read: {exc.strerror or exc}. Pass a readable "
            f"file that holds the key. {_KEY_FIX}"
        ) from None
    return _check_key(_without_final_newline(key), f"The key file {str(p)!r}")


def _without_final_newline(key: bytes) -> bytes:
    for end in (b"\r\n", b"\n"):
        if key.endswith(end):
            body = key[: -len(end)]
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                return key
            return body if text.isprintable() else key
    return key


def _check_key(key: object, what: str = "The key") -> bytes:
    if isinstance(key, str):
        raise InvalidParameterError(
            f"{what} must be bytes, got a str. Pass key.encode() or read it with "
            "simulacra.read_key(path)."
        )
    if not isinstance(key, bytes | bytearray | memoryview):
        raise InvalidParameterError(f"{what} must be bytes. Got {type(key).__name__}.")
    key = bytes(key)
    if len(key) < MIN_KEY_BYTES:
        raise InvalidParameterError(
            f"{what} holds {len(key)} byte(s); a key needs at least {MIN_KEY_BYTES} random "
            f"bytes so that nobody can guess it and recompute the pseudonyms. {_KEY_FIX}"
        )
    return key


# ---- the public call ------------------------------------------------------------------------
def replace_pii(data: pd.DataFrame, *, method: str = "fake", columns: Sequence[str] | None = None,
                key: bytes | None = None, schema: Table | Schema | None = None,
                locale: str | None = None, seed: int | None = None,
                keep: Sequence[str] | None = None) -> PIIReplacement:
    """Replace the personal data in ``data`` by fake values, keyed pseudonyms or masks.

    Parameters
    ----------
    data
        The real table.
    method
        ``"fake"`` (realistic values of the same type and layout), ``"hash"`` (HMAC-SHA256
        pseudonyms under ``key``; joins survive) or ``"mask"`` (``j***@****.com``).
    columns
        Columns to replace besides the detected PII columns, e.g. ``["subject_id"]``.
    key
        Secret key, at least 16 bytes (see :func:`read_key`). Required by ``hash``; with
        ``fake`` it fixes the fake ids and values like a seed.
    schema
        The table's schema, to use its PII columns instead of inferring them.
    locale
        Faker locale of all fake values (default: each column's inferred locale, else en_US).
    seed
        Makes ``fake`` reproducible; fake ids depend only on the seed (or key).
    keep
        Detected columns to leave as they are (e.g. titles detected as a ``code``).

    Returns
    -------
    PIIReplacement
        ``.data`` (the new table), ``.columns`` (what was replaced, how), ``.summary()``.

    Raises
    ------
    InvalidParameterError
        Unknown method, a named or kept column not in ``data``, a column both named and
        kept, a missing or short ``key`` for
        ``hash``, a bad seed, or a column ``fake`` cannot imitate (dates, floats, booleans).
    SchemaError
        ``schema`` names PII columns that ``data`` lacks.
    SamplingError
        Fake values or pseudonyms cannot be kept distinct (practically never).
    """
    result = replace_pii_as(LIBRARY, data, method=method, columns=columns, key=key,
                            schema=schema, locale=locale, seed=seed, keep=keep)
    if not result.columns:
        warnings.warn(
            f"{_nothing_replaced(result.kept, LIBRARY)} Name the columns that identify people "
            "with columns=[...].",
            PrivacyWarning,
            stacklevel=2,
        )
    return result


def replace_pii_as(words: Words, data: pd.DataFrame, *, method: str = "fake",
                   columns: Sequence[str] | None = None, key: bytes | None = None,
                   schema: Table | Schema | None = None, locale: str | None = None,
                   seed: int | None = None, keep: Sequence[str] | None = None
                   ) -> PIIReplacement:
    """:func:`replace_pii`, its messages in ``words`` (the CLI's), without its warning."""
    require_frame(data)
    chosen = _check_method(method, words)
    issues = check_names(data)
    if issues:
        raise DataValidationError.of(issues)
    if chosen == "hash" and key is None:
        python = ("method='hash' needs a secret key" if words is LIBRARY
                  else "--method hash needs a secret key")
        also = " (CLI: --key-file secret)" if words is LIBRARY else ""
        raise InvalidParameterError(
            f"{python}: pseudonyms are HMAC-SHA256 of the values under it. Pass "
            f"{words.hash_key}{also}. {_KEY_FIX} Keep the file to pseudonymize other tables "
            "the same way."
        )
    checked = None if key is None else _check_key(key)
    seq = seed_sequence(seed)
    table = _table(data, schema)
    plans = _plan(data, table, columns, keep, words)
    secret = ":".join(
        part for part in (hashlib.sha256(checked).hexdigest() if checked else "",
                          "" if checked and seed is None else str(seq.entropy)) if part
    )
    out = data.copy()
    done: dict[str, ReplacedColumn] = {}
    locales = {name: _fake_locale(chosen, pii_type, locale or col_locale)
               for name, (pii_type, _, col_locale) in plans.items()}
    for names in _together(data, plans, locales, chosen):
        pii_type = plans[names[0]][0]
        new, note = _replace_column(_stacked(data, names), chosen, pii_type, locales[names[0]],
                                    checked, secret, value_locales=locale is None, words=words)
        for i, name in enumerate(names):
            out[name] = _unstacked(new, i, data[name])
            kept = data[name][replaceable(data[name])]
            done[name] = ReplacedColumn(name, _fake_type(pii_type), plans[name][1], chosen,
                                        len(kept), int(kept.nunique()), locales[name], note)
    done = {name: done[name] for name in plans}
    ids = tuple(c.name for c in table.columns
                if c.kind is Kind.ID and c.name not in done and c.name in data.columns)
    left = tuple(c.name for c in table.columns if c.kind is Kind.PII and c.name not in done)
    texts = [c.name for c in table.columns
             if c.kind is Kind.TEXT and c.name not in done and c.name in data.columns]
    text = (clean_text_columns(data, out, texts, {n: plans[n][0] for n in done}, chosen,
                               key=checked, secret=secret, where=words.source)
            if done and texts else {})
    return PIIReplacement(out, done, chosen, ids, left, text,
                          None if checked is None else key_fingerprint(checked))


def nothing_replaced(result: PIIReplacement, words: Words) -> str:
    """Why ``result`` replaced nothing: none found and none named, or all found were kept."""
    return _nothing_replaced(result.kept, words)


def _nothing_replaced(kept: Sequence[str], words: Words) -> str:
    if kept:
        return (f"{words.source}: every column of personal data found ({', '.join(kept)}) is "
                f"kept by {words.keep} and none was named with {words.columns}, so nothing "
                "was replaced.")
    return (f"{words.source}: no column of personal data was found and none was named, so "
            "nothing was replaced.")


def _replace_column(series: pd.Series, method: Method, pii_type: PIIType | None,
                    locale: str | None, key: bytes | None, secret: str, *,
                    value_locales: bool, words: Words) -> tuple[pd.Series, str]:
    name = str(series.name)
    if method == "hash":
        assert key is not None
        return hash_column(series, key, name, words)
    if method == "mask":
        return mask_column(series, pii_type)
    rng = np.random.default_rng(derive_key("pii-fake-rng", secret, name))
    return fake_column(series, pii_type, locale, secret, rng, name, value_locales=value_locales,
                       words=words)


def _fake_locale(method: Method, pii_type: PIIType | None, locale: str | None) -> str | None:
    typed = pii_type not in (None, PIIType.CODE)
    return locale if method == "fake" and typed else None


def _together(data: pd.DataFrame, plans: _Plan, locales: dict[str, str | None],
              method: Method) -> list[list[str]]:
    """Columns replaced as one: with ``fake``, those of one PII type, locale and dtype.

    A person in two columns (``buyer_email``, ``seller_email``) then stays one person. Other
    methods map values the same way in every column by themselves; codes and ids are faked
    column by column (ids by a keyed permutation that is the same in every column anyway).
    """
    groups: dict[tuple[str, ...], list[str]] = {}
    for name, (pii_type, _, _) in plans.items():
        typed = pii_type not in (None, PIIType.CODE)
        key = ((str(pii_type), str(locales[name]), str(data[name].dtype))
               if method == "fake" and typed else ("", name))
        groups.setdefault(key, []).append(name)
    return list(groups.values())


def _stacked(data: pd.DataFrame, names: list[str]) -> pd.Series:
    """The columns one under the other, named as the first (one column: itself)."""
    if len(names) == 1:
        return data[names[0]]
    dtype = data[names[0]].dtype
    stacked = pd.concat([data[n] for n in names], ignore_index=True).rename("+".join(names))
    # categories differ from column to column: the stack takes them all
    return stacked.astype("category" if isinstance(dtype, pd.CategoricalDtype) else dtype)


def _unstacked(new: pd.Series, i: int, original: pd.Series) -> pd.Series:
    """The ``i``-th column's part of a stacked replacement, on the original's index."""
    n = len(original)
    part = new.iloc[i * n:(i + 1) * n]
    return pd.Series(part.to_numpy(), index=original.index, name=original.name,
                     dtype=part.dtype)


def _check_method(method: object, words: Words = LIBRARY) -> Method:
    if method == "fake" or method == "hash" or method == "mask":
        return method
    if words is LIBRARY:
        raise InvalidParameterError(
            f"replace_pii: method must be one of {', '.join(map(repr, METHODS))}. Got "
            f"{method!r}. 'fake' for realistic values, 'hash' for keyed pseudonyms that keep "
            "joins, 'mask' to hide content."
        )
    raise InvalidParameterError(
        f"--method {method}: choose one of {', '.join(METHODS)}: fake for realistic values, "
        "hash for keyed pseudonyms that keep joins, mask to hide content."
    )


# ---- which columns --------------------------------------------------------------------------
_Plan = dict[str, tuple[PIIType | None, Literal["detected", "named"], str | None]]


def _table(data: pd.DataFrame, schema: object) -> Table:
    if schema is None:
        return infer_schema(data).table()
    if isinstance(schema, Schema):
        return schema.table()
    if isinstance(schema, Table):
        return schema
    raise InvalidParameterError(
        f"replace_pii: schema must be a simulacra Table or Schema, or None to infer it. "
        f"Got {type(schema).__name__}."
    )


def _plan(data: pd.DataFrame, table: Table, columns: Sequence[str] | None,
          keep: Sequence[str] | None = None, words: Words = LIBRARY) -> _Plan:
    """The columns to replace, in table order: detected PII plus the named, less the kept."""
    missing = [c.name for c in table.columns if c.kind is Kind.PII and c.name not in data]
    if missing:
        raise SchemaError(
            f"replace_pii: the schema marks column(s) {', '.join(map(repr, missing))} as PII "
            f"but the data has no such column. Data columns: {_listing(data)}. Pass the "
            "schema of this table, or leave schema out to infer it."
        )
    # a detected code keeps its type: fakes never equal a real value (named columns are ids,
    # permuted with the key so that joins survive)
    found: _Plan = {c.name: (_named_people(data, c), "detected", c.locale)
                    for c in table.columns if c.kind is Kind.PII}
    named = [columns] if isinstance(columns, str) else list(columns or ())
    kept = [keep] if isinstance(keep, str) else list(keep or ())
    for option, names in ((words.columns, named), (words.keep, kept)):
        unknown = [n for n in names if n not in data.columns]
        if unknown:
            raise InvalidParameterError(
                f"{words.source}: no column {', '.join(map(repr, unknown))} (named by "
                f"{option}) in the data. Columns: {_listing(data)}."
            )
    both = [n for n in named if n in kept]
    if both:
        raise InvalidParameterError(
            f"{words.source}: column(s) {', '.join(map(repr, both))} are both to replace "
            f"({words.columns}) and to keep ({words.keep}). Name each in one of them only."
        )
    known = {c.name: c for c in table.columns}
    for name in named:
        col = known.get(name)
        if col is not None and col.kind is Kind.PII:
            found[name] = (_fake_type(col.pii_type), "named", col.locale)
        else:
            found[name] = (pii_from_name(name), "named", None)
    return {name: found[name] for name in data.columns if name in found and name not in kept}


NAME_SHAPED_SHARE = 0.9
"""Share of a ``name`` column's values that must look like people's names (see below)."""
_NAME_WORD = r"[^\W\d_](?:[^\W\d_]|['\u2019\-])*\.?"
_NAME_SHAPED = re.compile(
    rf"^{_NAME_WORD}(?:[ \u3000]{_NAME_WORD}){{1,4}}$|^[\u4e00-\u9fff]{{2,4}}$")


def _named_people(data: pd.DataFrame, column: Column) -> PIIType | None:
    """A detected code that is people's names: its header says so and its values look so.

    Schema inference knows the names of a few Latin-script locales' lists; a ``name`` column
    of Japanese, Russian or Arabic names (or of several locales at once) is then a ``code``,
    and its fakes random letters: ``木村 陽一`` became ``fi hq``. When the header hints at a
    person (``name``, ``customer``) and nearly every value is two to five words of letters
    (any script), each a capital where the script has them, it is faked as person names.
    """
    if column.pii_type is not PIIType.CODE or pii_hint_from_name(column.name) is not (
            PIIType.PERSON_NAME) or column.name not in data:
        return column.pii_type
    values = data[column.name].dropna().astype(str).drop_duplicates().head(2000)
    if values.empty:
        return column.pii_type
    shaped = values.map(lambda v: bool(_NAME_SHAPED.match(v.strip())) and all(
        not word[0].islower() for word in v.split()))
    return PIIType.PERSON_NAME if shaped.mean() >= NAME_SHAPED_SHARE else column.pii_type


def _fake_type(pii_type: PIIType | None) -> PIIType | None:
    """Codes are reported, and named ones faked, as identifiers of no PII type."""
    return None if pii_type is PIIType.CODE else pii_type


def _listing(data: pd.DataFrame, most: int = 30) -> str:
    names = [str(c) for c in data.columns]
    more = f", ... ({len(names)} in all)" if len(names) > most else ""
    return ", ".join(names[:most]) + more
