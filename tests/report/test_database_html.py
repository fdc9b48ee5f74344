"""render_database_html: one self-contained page with every table and relationship."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulacra.evaluation import DatabaseReport, evaluate_database
from simulacra.report import render_database_html, write_database_html
from simulacra.schema import Column, ForeignKey, Kind, Schema, Table

NASTY = "<script>alert(1)</script>"


def database(seed: int) -> tuple[dict[str, pd.DataFrame], Schema]:
    """stores -> sales <- products; a table name that must be escaped."""
    rng = np.random.default_rng(seed)
    stores = pd.DataFrame({"sid": np.arange(40), "size": rng.choice(["s", "m", "l"], 40),
                           "area": rng.gamma(3, 100, 40)})
    products = pd.DataFrame({"pid": np.arange(25), "price": rng.gamma(2, 10, 25)})
    owner = np.repeat(np.arange(40), rng.poisson(np.where(stores["size"] == "l", 9, 3)))
    sales = pd.DataFrame({"store": owner, "product": rng.integers(0, 25, owner.size),
                          "units": rng.poisson(2 + stores["area"].to_numpy()[owner] / 100)})
    schema = Schema(
        (Table("stores", (Column("sid", Kind.ID), Column("size", Kind.CATEGORICAL),
                          Column("area", Kind.NUMERICAL)), primary_key="sid"),
         Table(NASTY, (Column("pid", Kind.ID), Column("price", Kind.NUMERICAL)),
               primary_key="pid"),
         Table("sales", (Column("store", Kind.ID), Column("product", Kind.ID),
                         Column("units", Kind.NUMERICAL)))),
        (ForeignKey("sales", ("store",), "stores", ("sid",)),
         ForeignKey("sales", ("product",), NASTY, ("pid",))))
    return {"stores": stores, NASTY: products, "sales": sales}, schema


@pytest.fixture(scope="module")
def report() -> DatabaseReport:
    real, schema = database(0)
    synthetic, _ = database(1)
    synthetic["sales"].loc[:2, "store"] = 999  # three dangling references
    return evaluate_database(real, synthetic, schema,
                             metrics=["column_shapes", "pair_trends", "integrity",
                                      "cardinality", "cardinality_trends",
                                      "parent_child_trends", "join_detection"])


@pytest.fixture(scope="module")
def page(report: DatabaseReport) -> str:
    return render_database_html(report)


def test_one_self_contained_document(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert page.count("<html") == 1
    # nothing is fetched: no external URL, no src, every link an in-page anchor
    assert not re.search(r"https?://", page)
    assert " src=" not in page
    assert all(h.startswith("#") for h in re.findall(r'href="([^"]*)"', page))
    assert "Content-Security-Policy" in page and "default-src" in page
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "duplicate element ids"


def test_every_table_and_relationship_is_shown(report: DatabaseReport, page: str) -> None:
    for name in ("stores", "sales", "sales.store -> stores.sid"):
        assert name in page.replace("-&gt;", "->")
    assert NASTY not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    relationships = page[page.index('id="relationships"'):page.index('id="tables"')]
    sections = relationships.split('class="relationship"')[1:]
    assert len(sections) == len(report.relationships) == 2
    for section in sections:
        assert section.count("<svg") >= 1          # the children-per-parent histogram
        assert "Children per parent" in section and "Parent-child pair trends" in section
    assert report.score is not None and f"{report.score:.3f}" in page
    # the broken references show, and sink the verdict
    assert "Dangling synthetic references" in page and report.verdict() == "poor"


def test_json_round_trip_renders_the_same(report: DatabaseReport, page: str,
                                          tmp_path: Path) -> None:
    back = DatabaseReport.from_json(report.to_json())
    assert back.to_dict() == report.to_dict()
    assert render_database_html(back) == page
    path = write_database_html(back, tmp_path / "out" / "database.html")
    assert path.read_text(encoding="utf-8") == page


def test_empty_and_skipped_parts_render(report: DatabaseReport) -> None:
    assert render_database_html(DatabaseReport({})).startswith("<!DOCTYPE html>")
    data = report.to_dict()
    for result in data["relationships"][0]["results"]:
        result.update(value=None, skipped="not enough rows", details={"plot": "garbage"})
    html = render_database_html(DatabaseReport.from_dict(data))
    assert "not enough rows" in html


def test_a_very_long_column_name_is_written_in_full_once(report: DatabaseReport) -> None:
    long_name = "area" + "\u0634" * 5_000  # a non-Latin name, longer than the page is wide
    data = DatabaseReport.from_json(report.to_json().replace('"area"', f'"{long_name}"'))
    html = render_database_html(data)
    assert html.count(long_name) == 1
    notes = html[html.index('id="notes"'):]
    assert long_name in notes and "Long column names" in notes
    assert NASTY not in html
