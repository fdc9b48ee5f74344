"""The evaluation report as one self-contained HTML page.

:func:`render_html` turns a :class:`~simulacra.evaluation.Report` into a single HTML document:
the scorecard first, then fidelity, utility, privacy and fairness with their charts drawn as
inline SVG, then the notes. Style and the one line of script are inline; nothing is loaded
from the network, so the file opens offline, can be mailed, and prints completely.
"""

from __future__ import annotations

from pathlib import Path

from simulacra.evaluation import Report
from simulacra.report._database import render_database_html, write_database_html
from simulacra.report._page import page, write_page

__all__ = ["render_database_html", "render_html", "write_database_html", "write_html"]


def render_html(report: Report) -> str:
    """Render an evaluation report as one self-contained HTML page.

    Parameters
    ----------
    report
        The result of :func:`simulacra.evaluation.evaluate` (or :meth:`Report.from_json`).
        Skipped or absent metrics are shown as such; nothing in it is required.

    Returns
    -------
    str
        The HTML document: a scorecard with a plain-language verdict per family and the
        thresholds behind it, marginal overlays per column, association heatmaps (real,
        synthetic, difference), distance-to-closest-record histograms, utility bars and the
        fairness tables. Every name from the data is escaped.

    Examples
    --------
    >>> from simulacra.evaluation import Report
    >>> html = render_html(Report(()))
    >>> html.startswith("<!DOCTYPE html>")
    True
    """
    return page(report)


def write_html(report: Report, path: str | Path) -> Path:
    """Write :func:`render_html`'s page to ``path`` (UTF-8), atomically.

    The page is written to a temporary sibling and renamed, so ``path`` is never left
    half-written; missing parent directories are created.

    Parameters
    ----------
    report
        The evaluation report.
    path
        Where to write, usually ending in ``.html``.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    return write_page(render_html(report), path)
