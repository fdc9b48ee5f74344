"""Columns whose values are dates or durations written in a layout of their own, end to end:
fitted by each tabular synthesizer, sampled, saved and reloaded, still in that layout."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulacra import Kind, evaluate, load_synthesizer, make_synthesizer


def _frame(n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(4)
    days = pd.Series(pd.Timestamp("1975-01-03") + pd.to_timedelta(
        np.sort(rng.integers(0, 5000, n)), unit="D"))
    rate = 0.4 + days.dt.year.to_numpy() / 10_000 + rng.normal(0, 0.01, n)
    stamps = days + pd.to_timedelta(rng.integers(6 * 60, 22 * 60, n), unit="min")
    return pd.DataFrame({
        "date": days.dt.strftime("%Y%m%d").astype(np.int64),  # Ecdat::Pound
        "rate": rate,
        "seen": stamps.map(lambda s: f"{s.month}/{s.day}/{s.year} {s.hour}:{s.minute:02d}"),
        # Stat2Data::Marathon: race times in minutes written as hours, and a few under an hour
        "Time": [f"{m}:{s:02d}:00" if m > 59 or i % 50 else f"{m}:{s:02d}"
                 for i, (m, s) in enumerate(zip(rng.integers(20, 240, n), rng.integers(0, 60, n),
                                                strict=True))],
    })


@pytest.mark.parametrize("name", ["cart", "copula"])
def test_integer_and_unpadded_dates_come_back_as_they_were_written(name: str,
                                                                    tmp_path: Path) -> None:
    real = _frame()
    syn = make_synthesizer(name, seed=1).fit(real)
    table = syn.table_
    assert (table.column("date").kind, table.column("date").datetime_format) == (
        Kind.DATETIME, "%Y%m%d")
    assert table.column("seen").datetime_format == "%-m/%-d/%Y %-H:%M"
    assert (table.column("Time").kind, table.column("Time").text_format) == (
        Kind.NUMERICAL, "[h]:mm:ss")
    syn.save(tmp_path / "m.sim")
    for model in (syn, load_synthesizer(tmp_path / "m.sim")):
        out = model.sample(400, seed=2)
        assert out["date"].dtype == np.int64
        days = pd.to_datetime(out["date"].astype(str), format="%Y%m%d", errors="coerce")
        assert days.notna().all()
        assert days.min() >= pd.Timestamp("1975-01-03") and days.max() <= pd.Timestamp("1989")
        assert out["seen"].str.fullmatch(r"[1-9]\d?/[1-9]\d?/19\d\d (?:0|[1-9]\d?):\d\d").all()
        assert out["seen"].str.match(r"\d/").any()
        assert out["Time"].str.fullmatch(r"\d+:[0-5]\d:\d\d").all()
        # whole minutes, as most real values: only one at the bounds (37:07) may keep seconds
        assert out["Time"].str.endswith(":00").mean() > 0.98
        hours = out["Time"].str.split(":").str[0].astype(int)
        assert hours.between(0, 240).all() and hours.std() > 20
    # evaluation reads the durations too: Time is compared as the numbers it holds
    shapes = evaluate(real, out)["column_shapes"].to_dict()["details"]["columns"]
    time = next(c for c in shapes if c["column"] == "Time")
    assert time["score"] > 0.8
