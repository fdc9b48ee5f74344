"""Validity: unique keys, values in the real range, real categories (QA18 defect 2)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from simulacra.evaluation import Report, evaluate
from simulacra.evaluation._validity import TOLERANCE
from simulacra.schema import infer_schema

METRICS = ["validity", "column_shapes", "pair_trends", "detection"]


def hotel(n: int, seed: int, start: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    room = rng.choice(["BASIC", "DELUXE", "SUITE"], n, p=[0.6, 0.3, 0.1])
    base = np.select([room == "BASIC", room == "DELUXE"], [100.0, 180.0], 300.0)
    return pd.DataFrame({
        "guest_id": [f"G{i:05d}" for i in range(start, start + n)],
        "room_type": room,
        "rate": (base + rng.normal(0, 10, n)).round(2),
        "nights": rng.integers(1, 10, n),
        "checkin": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 365, n), "D"),
    })


@pytest.fixture(scope="module")
def real() -> pd.DataFrame:
    return hotel(400, 0)


def fidelity_checks(report: Report) -> dict[str, str]:
    family = next(f for f in report.scorecard() if f.family.value == "fidelity")
    return {c.label: c.verdict for c in family.checks}


def test_a_valid_table_passes(real: pd.DataFrame) -> None:
    report = evaluate(real, hotel(400, 1, start=400), metrics=METRICS)
    assert report.value("validity") == 1.0
    checks = fidelity_checks(report)
    assert checks["key uniqueness"] == checks["values within the real range"] == "good"
    assert checks["categories seen in the real data"] == "good"


def test_a_broken_table_is_not_good(real: pd.DataFrame) -> None:
    bad = hotel(400, 1, start=400)
    bad["guest_id"] = "G00001"
    bad.loc[:79, "rate"] *= 10  # 20% far above the real maximum
    bad.loc[:19, "room_type"] = "PENTHOUSE"  # 5% unseen
    report = evaluate(real, bad, metrics=METRICS)
    result = report["validity"]
    assert result.value == 0.0
    keys = result.details["key_uniqueness"]["columns"]
    assert keys[0]["column"] == "guest_id" and keys[0]["repeated_rows"] == 400
    bounds = {r["column"]: r for r in result.details["boundary_adherence"]["columns"]}
    assert bounds["rate"]["above"] == 80 and bounds["rate"]["share_valid"] == 0.8
    assert bounds["nights"]["share_valid"] == 1.0
    cats = result.details["category_adherence"]["columns"]
    assert cats[0]["unseen_categories"] == ["PENTHOUSE"] and cats[0]["unseen_rows"] == 20
    checks = fidelity_checks(report)
    assert checks["key uniqueness"] == "poor"
    assert checks["values within the real range"] == "poor"
    assert checks["categories seen in the real data"] == "fair"
    family = next(f for f in report.scorecard() if f.family.value == "fidelity")
    assert family.verdict == "poor"
    text = report.summary()
    assert "validity: key uniqueness" in text and "('guest_id')" in text
    assert "('rate')" in text and "('room_type')" in text
    # the JSON holds it, and a report read back judges the same
    again = Report.from_json(report.to_json())
    assert fidelity_checks(again) == checks
    # one failing part is enough to lose "good"
    only = hotel(400, 1, start=400)
    only.loc[:9, "room_type"] = "PENTHOUSE"  # 2.5%
    family = next(f for f in evaluate(real, only, metrics=METRICS).scorecard()
                  if f.family.value == "fidelity")
    assert family.verdict != "good" and "room_type" in family.headline


def test_smoothing_within_the_tolerance_is_valid(real: pd.DataFrame) -> None:
    syn = hotel(400, 1, start=400)
    width = real["rate"].max() - real["rate"].min()
    syn.loc[:9, "rate"] = real["rate"].max() + 0.9 * TOLERANCE * width
    syn.loc[10:11, "checkin"] = pd.Timestamp("2019-12-31")  # a day before, within 5%
    assert evaluate(real, syn, metrics=["validity"]).value("validity") == 1.0


def test_keys_missing_repeated_and_not_keys(real: pd.DataFrame) -> None:
    syn = hotel(400, 1, start=400)
    syn.loc[:3, "guest_id"] = None
    result = evaluate(real, syn, metrics=["validity"])["validity"]
    (row,) = result.details["key_uniqueness"]["columns"]
    assert (row["missing_rows"], row["repeated_rows"], row["share_valid"]) == (4, 0, 0.99)
    # a unique id that is not the primary key may be missing, not repeated
    table = infer_schema(real).table()
    assert table.primary_key == "guest_id" and table.column("guest_id").unique
    unkeyed = dataclasses.replace(table, primary_key=None)
    syn.loc[4:5, "guest_id"] = "G00999"
    result = evaluate(real, syn, schema=unkeyed, metrics=["validity"])["validity"]
    (row,) = result.details["key_uniqueness"]["columns"]
    assert (row["missing_rows"], row["repeated_rows"], row["share_valid"]) == (0, 2, 0.995)
    assert row["examples"] == ["G00999"]
    # a table without keys has no such part
    no_key = evaluate(real.drop(columns="guest_id"), syn.drop(columns="guest_id"),
                      metrics=METRICS)
    assert "key_uniqueness" not in no_key["validity"].details
    assert "key uniqueness" not in fidelity_checks(no_key)
    # real keys that repeat are no key to hold the synthetic data to
    twice = real.assign(guest_id=real["guest_id"].where(real.index % 2 == 0, "G00000"))
    result = evaluate(twice, syn, metrics=["validity"])["validity"]
    assert "key_uniqueness" not in result.details


def test_booleans_written_otherwise_are_real_categories() -> None:
    real = pd.DataFrame({"flag": [True, False] * 50, "x": np.arange(100.0)})
    syn = pd.DataFrame({"flag": ["yes", "no"] * 50, "x": np.arange(100.0)})
    assert evaluate(real, syn, metrics=["validity"]).value("validity") == 1.0
