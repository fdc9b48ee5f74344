"""The report in a real headless Chromium: it loads cleanly, draws its plots, shows its numbers.

Needs Debian's chromium at /usr/bin/chromium (``.ci/run`` installs it) and Playwright (dev
extra). Offline: the page is opened from a file and must not fetch anything.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from simulacra.report import write_html
from simulacra.report._html import rule_text
from tests.report._png import decode_png
from tests.report._reports import full_report

CHROMIUM = Path("/usr/bin/chromium")
#: Where the last screenshot is kept for people to look at (set to keep it elsewhere).
SCREENSHOT_DIR = os.environ.get("SIMULACRA_SCREENSHOT_DIR")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="needs Debian's chromium at /usr/bin/chromium (apt-get install "
                              "chromium; .ci/run does it)"),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield chromium
        chromium.close()


class Opened:
    """A page opened from a file, with every console error, page error, dialog and request."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error"
                     else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(path.as_uri(), wait_until="load")

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def chart_boxes(self) -> list[dict[str, float] | None]:
        self.page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        return [svg.bounding_box() for svg in self.page.locator("svg.chart").all()]


def test_report_in_chromium(browser: Any, tmp_path: Path) -> None:
    report = full_report(8)
    path = write_html(report, tmp_path / "report.html")
    opened = Opened(browser, path)
    page = opened.page
    assert page.title() == "Synthetic data report: adult & <friends>"

    text = page.inner_text("body")
    for number in ("0.731", "0.913", "52.3%", "1.179", "0.021", "FAIR", "POOR", "GOOD",
                   "<script>alert(1)</script>", "adult & <friends>"):
        assert number in text, number
    scorecard = page.inner_text("#scorecard")
    for verdict in report.scorecard():
        assert verdict.family.value.capitalize() in scorecard
        assert verdict.headline in scorecard
        for check in verdict.checks:
            assert rule_text(check.rule) in scorecard

    boxes = opened.chart_boxes()
    assert len(boxes) >= 8 + 3 + 5
    assert all(b is not None and b["width"] > 20 and b["height"] > 20 for b in boxes)

    shot = page.screenshot(full_page=False)
    pixels = decode_png(shot)
    assert pixels.shape[:2] == (900, 1280)
    colours = np.unique(pixels[..., :3].reshape(-1, 3), axis=0)
    assert len(colours) > 50
    assert (pixels[..., :3].min(axis=2) < 200).mean() > 0.05  # not blank, not all white
    chart = decode_png(page.locator("svg.chart").first.screenshot())[..., :3].astype(int)
    red, blue = chart[..., 0], chart[..., 2]
    assert (blue - red > 60).mean() > 0.01  # real data is drawn in blue
    assert (red - blue > 60).mean() > 0.01  # and synthetic in orange
    if SCREENSHOT_DIR:
        Path(SCREENSHOT_DIR, "report.png").write_bytes(page.screenshot(full_page=True))

    assert opened.errors == []
    assert opened.dialogs == []  # the column named <script>alert(1)</script> did not run
    assert all(url.startswith("file://") for url in opened.requests)

    page.set_viewport_size({"width": 390, "height": 800})  # a phone: nothing sticks out
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.close()


def test_74_columns_in_chromium(browser: Any, tmp_path: Path) -> None:
    path = write_html(full_report(74, seed=2), tmp_path / "wide.html")
    opened = Opened(browser, path)
    boxes = opened.chart_boxes()
    assert len(boxes) >= 74 + 3
    assert all(b is not None and b["width"] > 20 and b["height"] > 20 for b in boxes)
    cells = opened.page.locator("svg[aria-label='Real associations'] rect").count()
    assert cells == 60 * 59 // 2  # the 60 columns whose associations changed most
    assert opened.errors == []
    opened.page.close()
