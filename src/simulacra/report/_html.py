"""HTML building blocks: safe-by-default elements, number formats, tables, badges.

Every string is escaped unless it is :class:`Html` (already markup built here), so a column
named ``<script>`` shows as text and never runs.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from html import escape
from typing import Any

#: Verdict -> CSS class of its badge.
VERDICT_CLASS = {"good": "good", "fair": "fair", "poor": "poor"}


class Html(str):
    """Text that is already HTML and is inserted as is."""

    __slots__ = ()


class Num(Html):
    """A formatted number (right-aligned in tables)."""

    __slots__ = ()


#: Bidirectional embedding, override and isolate controls (U+202A-202E, U+2066-2069). In a
#: name they would reverse the text after it (numbers too) where the name is not isolated,
#: as in joined lists and tooltips, so they are shown as their code points instead.
_BIDI_CONTROLS = {c: f"[U+{c:04X}]" for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def esc(value: object) -> str:
    """Escape text for HTML content and attribute values; bidi controls shown as ``[U+202E]``."""
    return escape(str(value), quote=True).translate(_BIDI_CONTROLS)


def render(child: object) -> str:
    """HTML of one child: markup as is, numbers formatted, everything else escaped."""
    if isinstance(child, Html):
        return child
    if child is None:
        return ""
    if isinstance(child, numbers.Real) and not isinstance(child, bool):
        return fmt(child)
    if isinstance(child, (list, tuple)):
        return "".join(render(c) for c in child)
    return esc(child)


def cat(*children: object) -> Html:
    """Concatenate children into markup."""
    return Html("".join(render(c) for c in children))


def el(tag: str, *children: object, **attrs: object) -> Html:
    """An element; ``class_`` stands for ``class``, ``data_x`` for ``data-x``.

    Attributes that are None or False are left out; True writes the bare attribute.
    """
    parts = [tag]
    for key, value in attrs.items():
        if value is None or value is False:
            continue
        name = key.rstrip("_").replace("_", "-")
        parts.append(name if value is True else f'{name}="{esc(value)}"')
    return Html(f"<{' '.join(parts)}>{cat(*children)}</{tag}>")


# -- numbers ------------------------------------------------------------------------------

def num(value: Any) -> float | None:
    """A finite float, or None for anything else (None, NaN, text, lists)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def fmt(value: Any, digits: int = 3) -> str:
    """A metric value as the report shows it: ``0.731``, ``0.00042``, ``12,345``, ``n/a``."""
    x = num(value)
    if x is None:
        return "n/a" if value is None or not isinstance(value, str) else value
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return f"{int(value):,}"
    if x == 0:
        return "0"
    if abs(x) >= 10_000:
        return f"{x:,.0f}"
    if abs(x) >= 10 ** -digits:
        return f"{x:.{digits}f}"
    decimals = min(9, 1 - math.floor(math.log10(abs(x))))
    return f"{x:.{decimals}f}"


def pct(value: Any, digits: int = 1) -> Num:
    """A share as a percentage (``0.125`` -> ``12.5%``)."""
    x = num(value)
    return Num("n/a" if x is None else f"{100 * x:.{digits}f}%")


def date_text(value: Any) -> str:
    """Seconds since 1970 (UTC) as a date, ``2024-03-01``."""
    x = num(value)
    if x is None:
        return "n/a"
    try:
        return datetime.fromtimestamp(x, tz=UTC).strftime("%Y-%m-%d")
    except (OverflowError, OSError, ValueError):
        return short(x)


def points(value: Any) -> Num:
    """A difference of shares in percentage points (``-0.04`` -> ``-4.0 pts``)."""
    x = num(value)
    return Num("n/a" if x is None else f"{100 * x:+.1f} pts")


def short(value: Any) -> str:
    """A data value or axis label: ``0.0123``, ``99.5``, ``12,345``, ``1.23e9``."""
    x = num(value)
    if x is None:
        return "n/a"
    if x != 0 and (abs(x) >= 1e7 or abs(x) < 1e-3):
        return f"{x:.2e}".replace("e+0", "e").replace("e-0", "e-").replace("e+", "e")
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def rule_text(rule: str) -> str:
    """A threshold rule with proper comparison signs (``>=`` -> ``≥``)."""
    return rule.replace(">=", "\u2265").replace("<=", "\u2264")


def clip_text(text: object, width: int) -> str:
    """``text`` cut to ``width`` characters with an ellipsis."""
    s = str(text)
    return s if len(s) <= width else s[: max(1, width - 1)] + "\u2026"


def shares(values: Any, n: int | None = None) -> list[float]:
    """A list of finite floats (bad entries 0), padded or cut to ``n`` when given."""
    items = list(values) if isinstance(values, (list, tuple)) else []
    out = [num(v) or 0.0 for v in items]
    if n is not None:
        out = (out + [0.0] * n)[:n]
    return out


# -- blocks -------------------------------------------------------------------------------

def badge(verdict: str) -> Html:
    """A verdict badge: good, fair, poor or not measured."""
    return el("span", verdict, class_=f"badge {VERDICT_CLASS.get(verdict, 'na')}")


def table(head: Sequence[object], rows: Iterable[Sequence[object]], *,
          scroll: bool = False, caption: object = None) -> Html:
    """A table; numeric cells are right-aligned. ``scroll`` caps its height on screen."""
    header = el("tr", *(el("th", h) for h in head))
    body = [el("tr", *(_cell(c) for c in row)) for row in rows]
    if not body:
        return el("p", "No rows.", class_="muted")
    out = el("table", el("caption", caption) if caption else None,
             el("thead", header), el("tbody", *body))
    return el("div", out, class_="table-wrap scroll" if scroll else "table-wrap")


def _cell(value: object) -> Html:
    numeric = num(value) is not None or isinstance(value, Num)
    return el("td", value, class_="n" if numeric else None)


def kv_table(items: Iterable[tuple[object, object]]) -> Html:
    """A two-column table of names and values."""
    rows = [(k, v) for k, v in items if v is not None]
    if not rows:
        return Html("")
    body = el("tbody", *(el("tr", el("th", k), _cell(v)) for k, v in rows))
    return el("div", el("table", body, class_="kv"), class_="table-wrap")


def records(value: Any) -> list[Mapping[str, Any]]:
    """The dict entries of a list (anything else gives an empty list)."""
    if not isinstance(value, (list, tuple)):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def mapping(value: Any) -> Mapping[str, Any]:
    """``value`` if it is a mapping, else an empty one."""
    return value if isinstance(value, Mapping) else {}


def cell_value(value: Any) -> object:
    """A detail value ready for a table cell (lists joined, dicts summarised)."""
    if isinstance(value, (list, tuple)) and all(not isinstance(v, (list, dict)) for v in value):
        return Html(", ".join(render(v) for v in value))
    if isinstance(value, (list, tuple, dict)):
        return f"({len(value)} entries)"
    return value


def record_table(rows: Sequence[Mapping[str, Any]], *, scroll: bool = True,
                 caption: object = None) -> Html:
    """A table of dict rows; the columns are the union of their keys, in first-seen order."""
    keys: list[str] = []
    for row in rows:
        keys.extend(k for k in row if k not in keys)
    simple = [k for k in keys
              if not all(isinstance(r[k], Mapping) or records(r[k]) for r in rows if k in r)]
    return table([label(k) for k in simple],
                 ([cell_value(r.get(k)) for k in simple] for r in rows),
                 scroll=scroll and len(rows) > 12, caption=caption)


_LABELS = {"dp_trtr": "DP gap TRTR", "dp_tstr": "DP gap TSTR", "eo_trtr": "EO gap TRTR",
           "eo_tstr": "EO gap TSTR", "p_value": "p-value", "n": "rows",
           "dcr_train_median": "median DCR to train",
           "dcr_holdout_median": "median DCR to holdout"}
_WORDS = {"trtr": "TRTR", "tstr": "TSTR", "auc": "AUC", "tvd": "TVD", "ci": "CI",
          "dcr": "DCR", "nndr": "NNDR", "tpr": "TPR", "fpr": "FPR", "mi": "MI",
          "n": "number of", "p05": "5th percentile", "p95": "95th percentile"}


def label(key: str) -> str:
    """A detail key as a column heading (``real_share`` -> ``real share``, ``auc`` -> ``AUC``)."""
    key = str(key)
    if key in _LABELS:
        return _LABELS[key]
    return " ".join(_WORDS.get(word.lower(), word) for word in key.split("_"))
