"""render_html: one self-contained page, every family's verdict, escaped names, no crashes."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from simulacra.evaluation import (
    METRICS,
    NOT_MEASURED,
    Family,
    Goal,
    MetricResult,
    Report,
    evaluate,
    metric_names,
)
from simulacra.report import render_html, write_html
from simulacra.report._html import fmt, rule_text
from simulacra.report._names import NAME_WIDTH
from simulacra.report._sections import check_value
from tests.report._reports import (
    DCR_SHARE,
    DETECTION_AUC,
    NASTY,
    TSTR_RATIO,
    full_report,
    skipped_report,
)


class _Tags(HTMLParser):
    """Start tags with their attributes, and text, of a document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser


def between(html: str, start: str, end: str) -> str:
    """The part of ``html`` from ``start`` to the next ``end``."""
    i = html.index(start)
    return html[i:html.index(end, i + len(start))]


@pytest.fixture(scope="module")
def report() -> Report:
    return full_report(6)


@pytest.fixture(scope="module")
def page(report: Report) -> str:
    return render_html(report)


# ---- one self-contained document --------------------------------------------------------


def test_one_html_document(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<html") == 1 and page.rstrip().endswith("</html>")
    assert '<meta charset="utf-8">' in page
    for section in ("scorecard", "fidelity", "utility", "privacy", "fairness", "notes"):
        assert f'id="{section}"' in page


def test_nothing_is_loaded_from_anywhere(page: str) -> None:
    assert not re.search(r"""(?:src|href|action)\s*=\s*["']?\s*(?:[a-z]+:)?//""", page, re.I)
    assert not re.search(r"@import|url\(|<link|<iframe|<img|<object|<embed", page, re.I)
    tags = parse(page).tags
    scripts = [attrs for tag, attrs in tags if tag == "script"]
    assert scripts == [{}]  # one inline script, no src
    hrefs = [attrs["href"] for tag, attrs in tags if tag == "a"]
    assert hrefs and all(h is not None and h.startswith("#") for h in hrefs)
    csp = next(a["content"] for t, a in tags if t == "meta" and a.get("http-equiv"))
    assert csp is not None and "default-src 'none'" in csp


def test_every_user_string_is_escaped(page: str) -> None:
    assert NASTY not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '<b>"quoted"</b>' not in page  # a category label
    assert "adult &amp; &lt;friends&gt;" in page  # the table name
    tags = parse(page).tags
    assert not [t for t, attrs in tags if any(k.startswith("on") for k in attrs)]
    assert sum(t == "script" for t, _ in tags) == 1
    assert not [t for t, _ in tags if t == "b"]


# ---- the scorecard ----------------------------------------------------------------------


def test_scorecard_has_each_family_verdict_checks_and_thresholds(report: Report,
                                                                 page: str) -> None:
    scorecard = between(page, 'id="scorecard"', "</section>")
    for verdict in report.scorecard():
        card = between(scorecard, f'data-family="{verdict.family.value}"', "</ul>")
        assert f">{verdict.verdict}</span>" in card
        assert verdict.headline.replace("'", "&#x27;") in card
        for check in verdict.checks:
            assert check.label in card
            assert check_value(check) in card
            assert rule_text(check.rule).replace("'", "&#x27;") in card


def test_key_numbers_are_shown(page: str) -> None:
    assert fmt(DETECTION_AUC) == "0.731"
    text = " ".join(parse(page).text)
    for number in ("0.731", "0.720, 0.740, 0.730", "0.913", "52.3%", "0.881", "0.805",
                   "1.179", "0.876", "0.123", "31.00%", "0.026 to 0.076", "1,000", "250"):
        assert number in text, number
    metric_cards = between(page, 'id="metric-detection"', "</article>")
    assert fmt(DETECTION_AUC) in metric_cards
    assert fmt(TSTR_RATIO) in between(page, 'id="metric-tstr"', "</article>")
    assert "52.3%" in between(page, 'id="metric-dcr"', "</article>")
    assert DCR_SHARE


def test_every_metric_has_a_card_with_its_description(report: Report, page: str) -> None:
    for result in report.results:
        card = between(page, f'id="metric-{result.name}"', "</article>")
        assert result.description in card
    assert "could not be drawn" not in page


def test_plots_are_drawn(report: Report, page: str) -> None:
    tags = parse(page).tags
    labels = [a.get("aria-label") or "" for t, a in tags if t == "svg"]
    assert sum(label.startswith("Distribution of ") for label in labels) == 6
    for expected in ("Real associations", "Synthetic associations",
                     "Synthetic minus real associations",
                     "Distances from synthetic rows to their closest real rows",
                     "Features the detector relied on"):
        assert expected in labels
    assert sum("scores trained on real and on synthetic" in label for label in labels) == 2
    assert sum("attack against control" in label for label in labels) == 3
    assert any(label.startswith("Group shares of ") for label in labels)
    cells = page.count('width="1" height="1"')
    assert cells == 3 * 6 * 5 // 2  # three lower triangles of a 6 x 6 matrix


def test_notes_and_excluded_columns(page: str) -> None:
    notes = between(page, 'id="notes"', "</section>")
    assert "detection: a random 10,000 of the 50,000 real rows." in notes
    assert "&lt;script&gt;alert(1)&lt;/script&gt;_id" in notes
    assert "id columns are generated" in notes


# ---- partial and odd reports ------------------------------------------------------------


def test_skipped_and_absent_metrics() -> None:
    page = render_html(skipped_report())
    assert "Skipped: </strong>needs a target column" in page
    assert "needs at least one sensitive column" in page
    assert "No privacy metric was run." in page
    privacy = between(page, 'data-family="privacy"', "</ul>")
    assert ">not measured</span>" in privacy and "not run" in privacy
    utility = between(page, 'data-family="utility"', "</ul>")
    assert "skipped: needs a target column" in utility


def test_unmeasured_checks_show_why() -> None:
    gap = MetricResult("fairness_gap", Family.FAIRNESS, Goal.TARGET, None, "Gaps.",
                       details={NOT_MEASURED: "'Date' has fewer than two groups of at least 20 "
                                              "holdout rows"},
                       notes=("Positive outcome: Cult = 'c39'.",))
    # saved before metrics named the reason: the last note gives it
    tstr = MetricResult("tstr", Family.UTILITY, Goal.MAXIMIZE, None, "TSTR.",
                        notes=("The real-trained gradient boosting model scores -0.534 (no "
                               "better than a constant guess).",))
    representation = MetricResult("representation", Family.FAIRNESS, Goal.MAXIMIZE, 0.875,
                                  "Shares.")
    page = render_html(Report((tstr, representation, gap)))
    assert "no value" not in page
    fairness = between(page, 'data-family="fairness"', "</ul>")
    assert "not measured: &#x27;Date&#x27; has fewer than two groups" in fairness
    assert "Subgroup representation: group shares differ" in fairness  # what set "poor"
    assert "widens" not in fairness
    utility = between(page, 'data-family="utility"', "</ul>")
    assert "not measured: The real-trained gradient boosting model scores -0.534" in utility
    card = between(page, 'id="metric-fairness_gap"', "</article>")
    assert "Not measured: &#x27;Date&#x27; has fewer than two groups" in card
    assert card.count("fewer than two groups") == 1  # not repeated among the details


def test_empty_report() -> None:
    page = render_html(Report(()))
    assert page.count(">not measured</span>") >= 4 + 13  # families and checks
    assert "No fidelity metric was run." in page


def test_one_column() -> None:
    page = render_html(full_report(1))
    assert 'aria-label="Distribution of &lt;script&gt;' in page
    assert 'width="1" height="1"' not in page  # no pairs, no heatmap cells
    assert "could not be drawn" not in page


def test_74_columns() -> None:
    report = full_report(74, nasty=False, seed=3)
    page = render_html(report)
    labels = [a.get("aria-label") or "" for t, a in parse(page).tags if t == "svg"]
    assert sum(label.startswith("Distribution of col_") for label in labels) == 74
    assert page.count('width="1" height="1"') == 3 * 60 * 59 // 2  # heatmaps capped at 60
    assert "Show the other 62 columns" in page
    assert len(page) < 2_000_000


def test_wide_heatmaps_keep_the_most_changed_columns_and_say_so() -> None:
    report = full_report(300, nasty=False, seed=4)
    page = render_html(report)
    pairs = between(page, 'id="metric-pair_trends"', "</article>")
    assert pairs.count('width="1" height="1"') == 3 * 60 * 59 // 2
    assert "Drawn for the 60 of 300 columns whose associations changed most" in pairs
    assert "the other 240 are left out" in pairs and "JSON report" in pairs
    matrix = report["pair_trends"].details["matrix"]
    real, syn = np.array(matrix["real"]), np.array(matrix["synthetic"])
    change = np.abs(syn - real)
    np.fill_diagonal(change, -1)
    most = int(np.argmax(change.max(axis=1)))
    assert f"col_{most:02d} \u00d7 " in pairs or f" \u00d7 col_{most:02d}:" in pairs
    assert len(page) < 3_000_000  # 14.4 MB before the cap (QA19)


def test_scorecard_values_are_in_the_unit_of_their_rule() -> None:
    results = (
        MetricResult("exact_copies", Family.PRIVACY, Goal.MINIMIZE, 0.006, "Copies.", 0.0,
                     {"holdout_rate": 0.001}),
        MetricResult("pii_overlap", Family.PRIVACY, Goal.MINIMIZE, 0.0, "Overlap.", 0.0,
                     {"excess_beyond_noise": 0.012}),
        MetricResult("dcr", Family.PRIVACY, Goal.TARGET, 0.5113, "DCR.", 0.5,
                     {"allowance": 0.02}),
    )
    page = render_html(Report(results))
    scorecard = between(page, 'data-family="privacy"', "</ul>")
    # 0.005 above the baseline is 0.5 points: "fair" against "good <= 0.1 points"
    assert "+0.5 pts" in scorecard and "+1.2 pts" in scorecard
    assert "0.565 \u00d7 allowance" in scorecard and "allowances" in scorecard
    assert "= +0.5 pts" in between(page, 'id="metric-exact_copies"', "</article>")


def test_a_very_long_column_name_is_written_in_full_once() -> None:
    long_name = "L" * 10_000
    report = full_report(6, seed=2)
    data = report.to_json().replace("col_01", long_name)
    page = render_html(Report.from_json(data))
    assert page.count(long_name) == 1
    notes = between(page, 'id="notes"', "</section>")
    assert long_name in notes and "Long column names" in notes
    short = "L" * (NAME_WIDTH - 1) + "\u2026"
    assert page.count(short) > 10  # tables, captions, tooltips, lists
    assert len(page) < len(render_html(report)) + 40_000
    assert NASTY not in page  # still escaped


def test_bidi_controls_in_names_are_shown_not_obeyed() -> None:
    name = "evil\u202eoverride\u2066isolate"
    data = full_report(4, seed=5).to_json().replace("col_01", name.encode(
        "unicode_escape").decode())
    page = render_html(Report.from_json(data))
    for control in ("\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066",
                    "\u2067", "\u2068", "\u2069"):
        assert control not in page
    assert "evil[U+202E]override[U+2066]isolate" in page


def test_json_round_trip_renders_the_same(report: Report) -> None:
    again = Report.from_json(report.to_json())
    assert render_html(again) == render_html(report)


GARBAGE: dict[str, Any] = {
    "columns": [{"column": None, "groups": "x", "score": "high"}, 3, "y"],
    "plots": {"a": "not a plot", "b": {"type": "numerical", "edges": [1], "real": None},
              "c": {"type": "numerical", "edges": [3, 2, None], "real": [1, "x"]},
              "d": {"type": "categorical", "labels": None, "real": [0.5, 0.5]},
              "e": {"type": "numerical", "edges": np.linspace(0, 1, 4),
                    "real": np.array([0.2, 0.3, 0.5]), "synthetic": np.ones(5)}},
    "matrix": {"columns": ["a", "b", "c"], "real": "bad", "synthetic": [[1], None],
               "difference": np.eye(3)},
    "pairs": [1, {"a": "x"}],
    "histogram": {"edges": [0, 1, 2], "train": [1, 2, 3, 4], "holdout": "no"},
    "models": [{"scores": {"acc": 5, "f1": {"trtr": None}}}, "junk"],
    "features": [{"importance": "high"}, {}],
    "risk_ci": [None, 1],
    "fold_aucs": "none",
    "worst": [{"columns": "ab", "distance": None}],
    "nested": {"x": {"y": {"z": 1}}, "w": [[1, 2], [3]]},
    "nan": float("nan"),
    "inf": float("inf"),
}


@pytest.mark.parametrize("name", metric_names())
def test_malformed_details_do_not_break_the_page(name: str) -> None:
    family = next(r.family for r in full_report(2).results if r.name == name)
    odd = MetricResult(name, family, Goal.MAXIMIZE, float("nan"), "<desc>", None, GARBAGE)
    page = render_html(Report((odd,), {"rows": "many", "notes": "not a list"}))
    assert "could not be drawn" not in page
    assert "&lt;desc&gt;" in page


def test_an_unknown_metric_shows_its_details() -> None:
    result = MetricResult("novelty", Family.FIDELITY, Goal.MAXIMIZE, 0.4242, "New.",
                          details={"share": 0.5, "rows": [{"column": NASTY, "x": 1}],
                                   "by_mode": {"a": {"auc": 0.61}, "b": {"auc": 0.7}}})
    page = render_html(Report((result,)))
    card = between(page, 'id="metric-novelty"', "</article>")
    assert "0.424" in card and "0.610" in card and "&lt;script&gt;" in card
    assert NASTY not in page


def test_numpy_numbers_are_formatted() -> None:
    result = MetricResult("exact_copies", Family.PRIVACY, Goal.MINIMIZE, 0.25, "Copies.",
                          details={"count": np.int64(12345), "holdout_rate": np.float32(0.125)})
    page = render_html(Report((result,)))
    assert "12,345" in page and "12.50%" in page


# ---- with evaluate() --------------------------------------------------------------------


def _importable(name: str) -> bool:
    try:
        METRICS.get(name)
    except ImportError:
        return False
    return True


def test_a_report_from_evaluate() -> None:
    rng = np.random.default_rng(5)

    def frame(n: int) -> pd.DataFrame:
        return pd.DataFrame({"age": rng.integers(18, 90, n).astype(float),
                             "income": rng.lognormal(10, 0.5, n),
                             NASTY: rng.choice(["a & b", "<c>"], n),
                             "label": rng.choice(["yes", "no"], n)})

    names = [n for n in metric_names() if _importable(n)]
    report = evaluate(frame(300), frame(300), holdout=frame(150), target="label",
                      sensitive=[NASTY], metrics=names, seed=1)
    page = render_html(report)
    assert NASTY not in page
    assert "could not be drawn" not in page
    assert "300" in page and "150" in page
    for result in report.results:
        assert f'id="metric-{result.name}"' in page
        if result.value is not None:
            assert fmt(result.value) in between(page, f'id="metric-{result.name}"',
                                                "</article>")


# ---- write_html ---------------------------------------------------------------------------


def test_write_html_writes_atomically(tmp_path: Path, report: Report) -> None:
    target = tmp_path / "out" / "report.html"
    written = write_html(report, target)
    assert written == target
    assert target.read_text(encoding="utf-8") == render_html(report)
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.html"]


def test_write_html_leaves_nothing_on_failure(tmp_path: Path, report: Report,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "report.html"
    target.write_text("old", encoding="utf-8")

    write_text = Path.write_text

    def half_then_fail(self: Path, data: str, encoding: str | None = None) -> int:
        write_text(self, data[: len(data) // 2], encoding=encoding)
        raise OSError("disk full")

    monkeypatch.setattr(Path, "write_text", half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        write_html(report, target)
    monkeypatch.undo()
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_datetime_marginals_show_dates() -> None:
    plot = {"type": "numerical", "format": "datetime",
            "edges": [1.7e9 + k * 86_400 * 30 for k in range(5)],
            "real": [0.1, 0.2, 0.3, 0.4], "synthetic": [0.25] * 4}
    result = MetricResult("column_shapes", Family.FIDELITY, Goal.MAXIMIZE, 0.9, "Shapes.",
                          details={"plots": {"when": plot}})
    page = render_html(Report((result,)))
    assert "2023-11-14" in page and "2024-03-13" in page


def test_hellinger_baseline_is_shown() -> None:
    from simulacra.evaluation import Family, Goal, MetricResult, Report
    from simulacra.report import render_html

    result = MetricResult("hellinger", Family.FIDELITY, Goal.MINIMIZE, 0.2, "what it means",
                          details={"two_way": 0.1, "three_way": 0.2, "baseline": {
                              "rows": 891, "holdout": {"two_way": 0.107, "three_way": 0.175},
                              "synthetic": {"two_way": 0.081, "three_way": 0.151}}})
    page = render_html(Report((result,), {"rows": {"real": 10, "synthetic": 10}}))
    assert "real vs holdout (891 rows)" in page and "0.175" in page and "0.151" in page
