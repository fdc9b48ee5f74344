"""Charts as inline SVG, drawn in Python: histograms, bars, heatmaps, risk intervals.

Each function returns one ``<svg class="chart">`` with a ``viewBox`` (it scales with its
container) and ``<title>`` tooltips carrying exact values. Labels are escaped.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence

from simulacra.report._html import Html, clip_text, esc, fmt, num, short

REAL = "#2b6cb0"
SYNTHETIC = "#dd6b20"
GREY = "#718096"
INK = "#1a202c"
_GRID = "#e2e8f0"
_MUTED = "#4a5568"
#: ColorBrewer BrBG, a diverging scale readable with red-green colour blindness.
_DIVERGING = ("#543005", "#8c510a", "#bf812d", "#dfc27d", "#f6e8c3", "#f5f5f5",
              "#c7eae5", "#80cdc1", "#35978f", "#01665e", "#003c30")
_EMPTY_CELL = "#edf2f7"

Series = tuple[str, str, Sequence[float]]  # (name, colour, values)


def svg(width: float, height: float, body: str, *, label: str) -> Html:
    """An ``<svg>`` element of the given viewBox size."""
    return Html(f'<svg class="chart" viewBox="0 0 {width:.0f} {height:.0f}" '
                f'width="{width:.0f}" height="{height:.0f}" role="img" '
                f'aria-label="{esc(label)}">{body}</svg>')


def text(x: float, y: float, content: object, *, anchor: str = "start", size: int = 10,
         colour: str = _MUTED, extra: str = "", tip: object = None) -> str:
    """An SVG text element (content and tooltip escaped)."""
    title = "" if tip is None else f"<title>{esc(tip)}</title>"
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{colour}" '
            f'text-anchor="{anchor}"{extra}>{title}{esc(content)}</text>')


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 x 10^k at or above ``value`` (1 for non-positive)."""
    if not value > 0 or not math.isfinite(value):
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power * (1 + 1e-9):
            return step * power
    return 10 * power  # pragma: no cover (the loop always returns)


def ticks(lo: float, hi: float) -> list[float]:
    """Round tick values from ``lo`` to ``hi`` (0 always included), two or three a side."""
    span = max(hi, -lo)
    if not span > 0:
        return [0.0]
    mantissa = span / 10.0 ** math.floor(math.log10(span))
    step = span / (2.5 if math.isclose(mantissa, 2.5) else 2)
    count = int(span / step + 1e-9)
    return [k * step for k in range(-count, count + 1)
            if lo - 1e-12 <= k * step <= hi + 1e-12]


def _share_tick(value: float) -> str:
    return f"{100 * value:.0f}%" if value >= 0.02 or value == 0 else f"{100 * value:.1f}%"


# -- vertical histogram -------------------------------------------------------------------

def histogram(edges: Sequence[object], first: Series, second: Series, *, label: str,
              width: float = 276.0, height: float = 150.0,
              tick: Callable[[object], str] = short) -> Html:
    """Two distributions over the same bins: the first filled, the second a step outline.

    ``edges`` has one more entry than there are bins; a value beyond the last bin (the share
    of missing values) is drawn as a separate bar labelled "missing".
    """
    left, right, top, bottom = 36.0, 8.0, 8.0, 20.0
    bins = len(edges) - 1
    if bins < 1:
        return svg(width, 40, text(4, 24, "No values to plot."), label=label)
    a, b = _pad(first[2], bins + 1), _pad(second[2], bins + 1)
    has_missing = a[bins] > 0 or b[bins] > 0
    slots = bins + (1.5 if has_missing else 0)
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = nice_ceiling(max(a + b))
    xs = _positions(edges, bins, plot_w * bins / slots)
    body = [_y_grid(left, top, plot_w, plot_h, top_value)]
    heights = [plot_h * min(v, top_value) / top_value for v in a]
    for i in range(bins):
        body.append(_bar(left + xs[i], top + plot_h - heights[i], xs[i + 1] - xs[i],
                         heights[i], first[1], f"{first[0]}: {_share_tick(a[i])}"))
    body.append(_step(left, top, plot_h, xs, b[:bins], top_value, second))
    if has_missing:
        x0 = left + plot_w * (bins + 0.5) / slots
        w = plot_w / slots
        body.append(_missing_bar(x0, w, top, plot_h, a[bins], b[bins], top_value, first, second))
    body.append(_x_ticks(left, top + plot_h, xs, [tick(e) for e in edges], bins))
    return svg(width, height, "".join(body), label=label)


def _pad(values: Sequence[float], n: int) -> list[float]:
    out = [max(0.0, num(v) or 0.0) for v in values][:n]
    return out + [0.0] * (n - len(out))


def _positions(edges: Sequence[object], bins: int, span: float) -> list[float]:
    values = [num(e) for e in edges]
    known = [v for v in values if v is not None]
    increasing = (len(known) == len(values)
                  and all(b > a for a, b in itertools.pairwise(known)))
    if not increasing:
        return [span * i / bins for i in range(bins + 1)]
    lo, hi = known[0], known[-1]
    return [span * (v - lo) / (hi - lo) for v in known]


def _bar(x: float, y: float, w: float, h: float, colour: str, tip: str) -> str:
    return (f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w - 1, 0.5):.1f}" height="{h:.1f}" '
            f'fill="{colour}" fill-opacity="0.55"><title>{esc(tip)}</title></rect>')


def _step(left: float, top: float, plot_h: float, xs: list[float], values: list[float],
          top_value: float, series: Series) -> str:
    base = top + plot_h
    points = [f"M{left + xs[0]:.1f},{base:.1f}"]
    for i, value in enumerate(values):
        y = base - plot_h * min(value, top_value) / top_value
        points.append(f"L{left + xs[i]:.1f},{y:.1f}L{left + xs[i + 1]:.1f},{y:.1f}")
    points.append(f"L{left + xs[-1]:.1f},{base:.1f}")
    tips = ", ".join(_share_tick(v) for v in values)
    return (f'<path d="{"".join(points)}" fill="none" stroke="{series[1]}" stroke-width="2" '
            f'stroke-linejoin="round"><title>{esc(series[0])}: {esc(tips)}</title></path>')


def _missing_bar(x0: float, w: float, top: float, plot_h: float, a: float, b: float,
                 top_value: float, first: Series, second: Series) -> str:
    base = top + plot_h
    ha, hb = (plot_h * min(v, top_value) / top_value for v in (a, b))
    return (_bar(x0, base - ha, w / 2, ha, first[1], f"{first[0]} missing: {_share_tick(a)}")
            + f'<rect x="{x0 + w / 2:.1f}" y="{base - hb:.1f}" width="{w / 2 - 1:.1f}" '
            f'height="{hb:.1f}" fill="{second[1]}" fill-opacity="0.85"><title>'
            f'{esc(second[0])} missing: {_share_tick(b)}</title></rect>'
            + text(x0 + w / 2, base + 12, "missing", anchor="middle", size=9))


def _y_grid(left: float, top: float, plot_w: float, plot_h: float, top_value: float) -> str:
    out = []
    for value in ticks(0.0, top_value):
        y = top + plot_h - plot_h * value / top_value
        out.append(f'<line x1="{left:.1f}" x2="{left + plot_w:.1f}" y1="{y:.1f}" '
                   f'y2="{y:.1f}" stroke="{_GRID}"/>')
        out.append(text(left - 4, y + 3, _share_tick(value), anchor="end", size=9))
    return "".join(out)


def _x_ticks(left: float, base: float, xs: list[float], edges: Sequence[str],
             bins: int) -> str:
    picks = sorted({0, bins // 2, bins}) if bins >= 4 else list(range(bins + 1))
    anchors = {0: "start", bins: "end"}
    return "".join(text(left + xs[i], base + 12, edges[i],
                        anchor=anchors.get(i, "middle"), size=9) for i in picks)


# -- horizontal bars ----------------------------------------------------------------------

def hbars(labels: Sequence[object], series: Sequence[Series], *, label: str,
          percent: bool = False, show_values: bool = False, width: float = 276.0) -> Html:
    """One row per label with one bar per series; negative values extend left of zero."""
    rows, per = len(labels), max(len(series), 1)
    left = min(150.0, max(40.0, 6.0 * max((len(str(x)) for x in labels), default=4) + 12))
    right, top, bottom = 40.0 if show_values else 12.0, 6.0, 22.0
    bar_h, row_h = 9.0, 9.0 * per + 2 * (per - 1) + 8
    height = top + rows * row_h + bottom
    values = [v for _, _, vs in series for v in (num(x) for x in vs) if v is not None]
    lo = min([0.0, *values])
    hi = nice_ceiling(max([0.0, *values]))
    lo = -nice_ceiling(-lo) if lo < 0 else 0.0
    plot_w = width - left - right
    x_of = _scale(lo, hi, left, plot_w)
    body = [_x_axis(x_of, lo, hi, top, top + rows * row_h, percent)]
    for r, name in enumerate(labels):
        y = top + r * row_h + 4
        body.append(text(left - 6, y + row_h / 2 - 2, clip_text(name, int((left - 10) / 6)),
                         anchor="end", tip=name))
        for s, (s_name, colour, vs) in enumerate(series):
            value = num(vs[r]) if r < len(vs) else None
            body.append(_hbar(x_of, value, y + s * (bar_h + 2), bar_h, colour,
                              f"{name} \u2013 {s_name}", percent, show_values))
    return svg(width, height, "".join(body), label=label)


def _scale(lo: float, hi: float, left: float, plot_w: float) -> _Scale:
    return _Scale(lo, hi if hi > lo else lo + 1, left, plot_w)


class _Scale:
    def __init__(self, lo: float, hi: float, left: float, plot_w: float) -> None:
        self.lo, self.hi, self.left, self.plot_w = lo, hi, left, plot_w

    def __call__(self, value: float) -> float:
        clipped = min(max(value, self.lo), self.hi)
        return self.left + self.plot_w * (clipped - self.lo) / (self.hi - self.lo)


def _x_axis(x_of: _Scale, lo: float, hi: float, top: float, base: float,
            percent: bool) -> str:
    out = []
    for t in ticks(lo, hi):
        x = x_of(t)
        stroke = "#a0aec0" if t == 0 else _GRID
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top:.1f}" y2="{base:.1f}" '
                   f'stroke="{stroke}"/>')
        out.append(text(x, base + 13, _share_tick(t) if percent else short(t),
                        anchor="middle", size=9))
    return "".join(out)


def _hbar(x_of: _Scale, value: float | None, y: float, h: float, colour: str, tip: str,
          percent: bool, show_values: bool) -> str:
    if value is None:
        return text(x_of(0.0) + 3, y + h - 1, "n/a", size=8)
    shown = _share_tick(value) if percent else fmt(value)
    x0, x1 = sorted((x_of(0.0), x_of(value)))
    bar = (f'<rect x="{x0:.1f}" y="{y:.1f}" width="{max(x1 - x0, 0.8):.1f}" height="{h:.1f}" '
           f'fill="{colour}" rx="1"><title>{esc(tip)}: {esc(shown)}</title></rect>')
    if show_values:
        bar += text(x1 + 3, y + h - 1, shown, size=8)
    return bar


# -- heatmap ------------------------------------------------------------------------------

def heatmap(columns: Sequence[object], matrix: Sequence[Sequence[object]], *, limit: float,
            label: str) -> Html:
    """The lower triangle of a symmetric matrix, coloured on a diverging scale +-``limit``."""
    n = len(columns)
    if n < 2:
        return svg(320, 40, text(4, 24, "Fewer than two columns: no pairs."), label=label)
    cell = min(36.0, max(4.0, 280.0 / (n - 1)))
    labelled = cell >= 9
    chars = min(16, max(len(str(c)) for c in columns)) if labelled else 0
    margin, bottom = 5.8 * chars + 10, 5.1 * chars + 16
    side = cell * (n - 1)
    # Cells on a unit grid, scaled once: a 74-column matrix stays a few hundred kB.
    body = [f'<g transform="translate({margin:.1f} 4) scale({cell:.3f})">']
    for i in range(1, n):
        row = matrix[i] if i < len(matrix) and isinstance(matrix[i], (list, tuple)) else []
        for j in range(i):
            value = num(row[j]) if j < len(row) else None
            body.append(_cell(j, i - 1, value, limit, f"{columns[i]} \u00d7 {columns[j]}"))
    body.append("</g>")
    if labelled:
        body.append(_heat_labels(columns, cell, margin, side))
    return svg(margin + side + 8, 4 + side + bottom, "".join(body), label=label)


def _cell(x: int, y: int, value: float | None, limit: float, tip: str) -> str:
    colour = _EMPTY_CELL if value is None else diverging(value, limit)
    shown = "n/a" if value is None else f"{value:.3f}"
    return (f'<rect x="{x}" y="{y}" width="1" height="1" fill="{colour}">'
            f"<title>{esc(tip)}: {shown}</title></rect>")


def _heat_labels(columns: Sequence[object], cell: float, margin: float, side: float) -> str:
    out = []
    for i in range(1, len(columns)):
        out.append(text(margin - 4, 4 + (i - 0.5) * cell + 3.5, clip_text(columns[i], 16),
                        anchor="end", tip=columns[i]))
    for j in range(len(columns) - 1):
        x, y = margin + (j + 0.5) * cell + 3, side + 14
        out.append(text(x, y, clip_text(columns[j], 16), anchor="end", tip=columns[j],
                        extra=f' transform="rotate(-60 {x:.1f} {y:.1f})"'))
    return "".join(out)


def diverging(value: float, limit: float) -> str:
    """The colour of ``value`` on the diverging scale from ``-limit`` to ``+limit``."""
    t = (min(max(value / limit, -1.0), 1.0) + 1) / 2 * (len(_DIVERGING) - 1)
    low = min(int(t), len(_DIVERGING) - 2)
    frac = t - low
    a, b = _rgb(_DIVERGING[low]), _rgb(_DIVERGING[low + 1])
    return "#" + "".join(f"{round(x + (y - x) * frac):02x}" for x, y in zip(a, b, strict=True))


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def scale_legend(limit: float, *, label: str) -> Html:
    """A colour bar from ``-limit`` through 0 to ``+limit``."""
    steps, width = 21, 10.0
    body = [f'<rect x="{10 + k * width:.1f}" y="4" width="{width + 0.5:.1f}" height="10" '
            f'fill="{diverging(-limit + 2 * limit * k / (steps - 1), limit)}"/>'
            for k in range(steps)]
    right = 10 + steps * width
    body += [text(10, 26, short(-limit), anchor="start", size=9),
             text((10 + right) / 2, 26, "0", anchor="middle", size=9),
             text(right, 26, short(limit), anchor="end", size=9)]
    return svg(right + 10, 30, "".join(body), label=label)


# -- attack against control ---------------------------------------------------------------

def risk_chart(rates: Sequence[tuple[str, float | None, str]], risk: float | None,
               ci: tuple[float, float] | None, *, label: str, width: float = 400.0) -> Html:
    """Success rates of an attack, its control and a naive baseline, then the risk with CI."""
    left, right, top, row_h = 96.0, 44.0, 6.0, 22.0
    rows = len(rates) + 1
    height = top + rows * row_h + 22
    values = [v for _, v, _ in rates if v is not None] + [risk or 0.0] + list(ci or ())
    x_of = _scale(0.0, min(1.0, nice_ceiling(max([0.0, *values]))), left, width - left - right)
    body = [_x_axis(x_of, x_of.lo, x_of.hi, top, top + rows * row_h, True)]
    for r, (name, value, colour) in enumerate(rates):
        y = top + r * row_h + 5
        body.append(text(left - 6, y + 8, name, anchor="end"))
        body.append(_hbar(x_of, value, y, 10.0, colour, name, True, True))
    y = top + (rows - 1) * row_h + 10
    body.append(text(left - 6, y + 3, "risk (95% CI)", anchor="end", colour=INK))
    if ci is not None:
        body.append(f'<line x1="{x_of(ci[0]):.1f}" x2="{x_of(ci[1]):.1f}" y1="{y:.1f}" '
                    f'y2="{y:.1f}" stroke="{INK}" stroke-width="2"/>')
        body += [f'<line x1="{x_of(c):.1f}" x2="{x_of(c):.1f}" y1="{y - 5:.1f}" '
                 f'y2="{y + 5:.1f}" stroke="{INK}" stroke-width="2"/>' for c in ci]
    if risk is not None:
        tip = f"risk {_share_tick(risk)}" + (
            f" (CI {_share_tick(ci[0])} to {_share_tick(ci[1])})" if ci else "")
        body.append(f'<circle cx="{x_of(risk):.1f}" cy="{y:.1f}" r="4.5" fill="{INK}">'
                    f"<title>{esc(tip)}</title></circle>")
    return svg(width, height, "".join(body), label=label)
