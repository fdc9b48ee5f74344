"""Long column names, shortened for display: the full name is written once, in the notes.

A column name of thousands of characters would otherwise be written out in every table,
caption, tooltip and list that names it (40 times for one 10,000-character name) and widen
the tables past the page. The report's data is rewritten before it is drawn: every string
that is such a name, and every longer string that contains one (a joined list, a note),
gets a short form of :data:`NAME_WIDTH` characters ending in an ellipsis, unique among the
names. :func:`full_names` lists the short and full forms for the notes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

#: Names longer than this are shortened to this many characters (the last an ellipsis).
NAME_WIDTH = 80
ELLIPSIS = "\u2026"


def short_forms(names: Iterable[object]) -> dict[str, str]:
    """Full name -> short form, for the names longer than :data:`NAME_WIDTH`; each unique."""
    out: dict[str, str] = {}
    taken = {str(n) for n in names if len(str(n)) <= NAME_WIDTH}
    for name in dict.fromkeys(str(n) for n in names):
        if len(name) <= NAME_WIDTH or name in out:
            continue
        short, k = name[: NAME_WIDTH - 1] + ELLIPSIS, 2
        while short in taken:
            suffix = f"{ELLIPSIS} ({k})"
            short, k = name[: NAME_WIDTH - len(suffix)] + suffix, k + 1
        taken.add(short)
        out[name] = short
    return out


def shorten(value: Any, forms: Mapping[str, str]) -> Any:
    """``value`` (JSON-like data) with every long name replaced by its short form."""
    if not forms:
        return value
    longest = min(len(full) for full in forms)

    def walk(item: Any) -> Any:
        if isinstance(item, str):
            if len(item) < longest:
                return item
            if item in forms:
                return forms[item]
            for full, short in forms.items():
                if full in item:
                    item = item.replace(full, short)
            return item
        if isinstance(item, Mapping):
            return {walk(k): walk(v) for k, v in item.items()}
        if isinstance(item, list | tuple):
            return [walk(v) for v in item]
        return item

    return walk(value)


def report_columns(report: Mapping[str, Any]) -> list[str]:
    """The column names a report's ``info`` lists (compared and excluded ones)."""
    info = report.get("info")
    if not isinstance(info, Mapping):
        return []
    names: list[str] = []
    for key in ("columns", "excluded_columns"):
        found = info.get(key)
        if isinstance(found, Mapping):
            names += [str(k) for k in found]
    return names
