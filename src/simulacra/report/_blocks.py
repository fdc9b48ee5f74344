"""Pieces shared by the metric sections: legends, figures, generic detail tables."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from simulacra.evaluation import MetricResult
from simulacra.report._html import (
    Html,
    cat,
    cell_value,
    el,
    kv_table,
    label,
    num,
    record_table,
    records,
    table,
)
from simulacra.report._svg import REAL, SYNTHETIC

Body = Callable[[MetricResult], Html]


@dataclass(frozen=True)
class View:
    """How a metric's details are drawn.

    ``body`` shows the ``handles`` keys; every other detail is listed after it. ``wide``
    cards span the page.
    """

    body: Body
    handles: tuple[str, ...] = ()
    wide: bool = False

#: Figures shown before the rest fold away behind "show more".
VISIBLE_FIGURES = 12


def legend(*entries: tuple[str, str], style: str = "box") -> Html:
    """A colour key: (name, colour) pairs; ``style`` "line" draws the second as an outline."""
    items = []
    for k, (name, colour) in enumerate(entries):
        kind = "line" if style == "line" and k == 1 else "box"
        items.append(el("span", el("i", class_=f"key {kind}", style=f"--c:{colour}"), name))
    return el("div", *items, class_="legend")


def real_synthetic_legend(style: str = "box") -> Html:
    """The key of every real-against-synthetic chart."""
    return legend(("real", REAL), ("synthetic", SYNTHETIC), style=style)


def figure(title: object, chart: Html, note: object = None) -> Html:
    """A chart with its caption."""
    caption = el("figcaption", el("strong", title), el("span", note, class_="muted")
                 if note is not None else None)
    return el("figure", caption, chart)


def solo(title: object, chart: Html, note: object = None) -> Html:
    """One chart at its natural width."""
    return el("div", figure(title, chart, note), class_="solo")


def figure_grid(figures: Sequence[Html], *, more: str = "charts") -> Html:
    """A responsive grid; well beyond :data:`VISIBLE_FIGURES`, the rest fold into a disclosure."""
    keep = len(figures) if len(figures) <= VISIBLE_FIGURES + 3 else VISIBLE_FIGURES
    shown = el("div", *figures[:keep], class_="fig-grid")
    rest = figures[keep:]
    if not rest:
        return shown
    return cat(shown, el("details", el("summary", f"Show the other {len(rest)} {more}"),
                         el("div", *rest, class_="fig-grid"), class_="more"))


def sort_by(rows: Iterable[Mapping[str, Any]], key: str, *, descending: bool = False,
            absolute: bool = False) -> list[Mapping[str, Any]]:
    """Rows ordered by a numeric field; rows without it go last."""
    def order(row: Mapping[str, Any]) -> tuple[int, float]:
        value = num(row.get(key))
        if value is None:
            return 1, 0.0
        value = abs(value) if absolute else value
        return 0, -value if descending else value
    return sorted(rows, key=order)


def scalars(details: Mapping[str, Any], skip: Iterable[str] = ()) -> list[tuple[str, object]]:
    """The scalar entries of ``details`` (numbers, text, flat lists), as (label, value)."""
    skipped = set(skip)
    out: list[tuple[str, object]] = []
    for key, value in details.items():
        if key in skipped or isinstance(value, Mapping) or records(value):
            continue
        if isinstance(value, (list, tuple)) and any(isinstance(v, (list, tuple)) for v in value):
            continue
        out.append((label(key), cell_value(value)))
    return out


def generic(result: MetricResult, skip: Iterable[str] = ()) -> Html:
    """Every detail of a metric without a dedicated view: scalars, then record tables."""
    details = result.details
    skipped = set(skip)
    parts = [kv_table(scalars(details, skipped))]
    for key, value in details.items():
        if key in skipped:
            continue
        if records(value):
            parts += [el("h4", label(key)), record_table(records(value))]
        elif isinstance(value, Mapping) and value:
            parts += [el("h4", label(key)), nested(value)]
    return cat(*parts)


def nested(value: Mapping[str, Any]) -> Html:
    """A mapping: its scalars as names and values, its sub-mappings as a table of rows."""
    subs = {str(k): v for k, v in value.items() if isinstance(v, Mapping)}
    keys: list[str] = []
    for sub in subs.values():
        keys.extend(k for k in sub if k not in keys and not isinstance(sub[k], Mapping))
    rows = [(name, *(cell_value(sub.get(k)) for k in keys)) for name, sub in subs.items()]
    return cat(kv_table(scalars(value)),
               table(("", *(label(k) for k in keys)), rows) if rows else None)


def rows_note(total: int, shown: int, what: str) -> Html:
    """"The N worst of M pairs" when a table is cut."""
    if total <= shown:
        return Html("")
    return el("p", f"The {shown} {what} of {total:,}.", class_="muted")
