"""Which column fields can do something for which kind, and which dtypes a kind can write.

A field that does not apply to the column's kind (``locale`` on a number, bounds left behind
after a numerical column became categorical) would be kept and do nothing, and a kind whose
values cannot be held by the column's dtype (``text`` sentences in an ``int64`` column) gives
a constant column. Both come from editing a schema, so they are refused where a user's schema
is read (:meth:`Schema.from_json`). At fit (:func:`~simulacra.schema.check_data`) only the dtype
is refused: a table built in Python keeps the old kind's fields after
``dataclasses.replace(column, kind=...)``, as simulacra's own rebalancing does, and they are
documented to do nothing there. A saved model's schema is read as it was written
(:meth:`Schema.from_dict`): models saved before these checks still load.

This module reads columns by their fields only: :mod:`simulacra.schema._model` imports it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

from simulacra.errors import SchemaError

if TYPE_CHECKING:
    from simulacra.schema._model import Column, Table

__all__ = ["FIELD_KINDS", "check_columns_apply", "dtype_problems", "stray_fields"]

#: The kinds each kind-specific field applies to (the other fields apply to every kind).
FIELD_KINDS: dict[str, tuple[str, ...]] = {
    "integer": ("numerical",),
    "decimals": ("numerical",),
    "minimum": ("numerical",),
    "maximum": ("numerical",),
    "cardinality": ("categorical", "boolean"),
    "datetime_format": ("datetime",),
    "timezone": ("datetime",),
    "pii_type": ("pii",),
    "locale": ("pii", "text"),  # names, e-mails and sentences of a language
    "id_format": ("id",),
}

#: Personal data that may be held as whole numbers (see schema._infer's _NUMERIC_PII).
_NUMBER_PII = frozenset({"phone", "credit_card", "national_id"})
#: id formats whose ids are numbers; the others ("uuid", "C-{:05d}") are text.
_NUMBER_IDS = frozenset({"integer"})


def stray_fields(column: Column) -> str:
    """Which set fields do nothing for ``column``'s kind, with the fix ("" when none)."""
    kind = column.kind.value
    stray = [f for f, kinds in FIELD_KINDS.items()
             if kind not in kinds and getattr(column, f) is not None]
    if not stray:
        return ""
    groups: dict[tuple[str, ...], list[str]] = {}
    for f in stray:
        groups.setdefault(FIELD_KINDS[f], []).append(repr(f))
    owners = "; ".join(f"{', '.join(names)} {'is' if len(names) == 1 else 'are'} for "
                       f"{' and '.join(kinds)} columns" for kinds, names in groups.items())
    one = len(stray) == 1
    return (f"{', '.join(map(repr, stray))} {'does' if one else 'do'} nothing on a {kind} "
            f"column ({owners}). Remove {'it' if one else 'them'}.")


def dtype_problems(column: Column) -> list[str]:
    """Why ``column``'s dtype cannot hold what its kind generates, with the fix."""
    kind = column.kind.value
    said = []
    holds = _dtype_holds(column.dtype)
    if kind == "text" and holds != "text":
        said.append(f"kind 'text' generates sentences, but 'dtype' {column.dtype!r} holds "
                    f"{holds}. Set \"dtype\": \"str\" (or choose the kind that fits the "
                    "values).")
    if kind == "id" and holds != "text" and column.id_format not in (None, *_NUMBER_IDS):
        said.append(f"'id_format' {column.id_format!r} writes ids as text, but 'dtype' "
                    f"{column.dtype!r} holds {holds}. Set \"dtype\": \"str\", or "
                    "\"id_format\": \"integer\" for numbers.")
    if kind == "id" and holds not in ("text", "numbers"):
        said.append(f"an id column's 'dtype' must hold numbers or text, not {holds} "
                    f"({column.dtype!r}). Set \"dtype\": \"str\" or \"int64\".")
    pii = column.pii_type.value if column.pii_type is not None else None
    if kind == "pii" and holds != "text" and not (holds == "numbers" and pii in _NUMBER_PII):
        said.append(f"'pii_type' {pii!r} generates text, but 'dtype' {column.dtype!r} holds "
                    f"{holds}. Set \"dtype\": \"str\"" + (
                        "." if holds != "numbers" else
                        f" (only {', '.join(sorted(_NUMBER_PII))} may be numbers)."))
    return said


def check_columns_apply(table: Table, *, strays: bool = True) -> None:
    """Raise :class:`SchemaError` naming every column of ``table`` with a problem above.

    ``strays=False`` checks the dtypes only (at fit: see the module's docstring).
    """
    found = []
    for column in table.columns:
        said = [*([stray_fields(column)] if strays else []), *dtype_problems(column)]
        if any(said):
            found.append(f"Column {column.name!r}: {' '.join(p for p in said if p)}")
    if found:
        raise SchemaError(f"Table {table.name!r}: " + " ".join(found))


def _dtype_holds(dtype: str) -> str:
    """What a column of ``dtype`` holds, in words: text, numbers, true/false or dates."""
    try:
        resolved = pd.api.types.pandas_dtype(dtype)
    except (TypeError, ValueError):  # an aware datetime64 as pandas prints it
        # ("datetime64[ns, pytz...]"); pandas 2: ValueError for some arrow names
        return "dates" if dtype.startswith("datetime64") else "text"
    if is_bool_dtype(resolved):
        return "true/false"
    if is_numeric_dtype(resolved):
        return "numbers"
    if resolved.kind in "mM":
        return "dates and durations"
    return "text"  # object, str, string and category can hold strings
