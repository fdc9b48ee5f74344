"""Columns whose values are dates or durations written in a layout of their own, end to end:
fitted by each tabular synthesizer, sampled, saved and reloaded, still in that layout."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp

from simulacra import Kind, evaluate, load_synthesizer, make_synthesizer
from simulacra.schema._durations import duration_layout
from tests.cli._run import run


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


def _durations(n: int = 400) -> tuple[pd.DataFrame, dict[str, str]]:
    """One column of each family, its values drawn from a skewed distribution, and the pattern
    every value of it matches."""
    rng = np.random.default_rng(5)
    seconds = rng.gamma(2.0, 60_000, n).round()
    omitted = [re.sub(r"(?<=[PT])0[DHMS]|(?<=[DHM])0[HMS]", "", pd.Timedelta(s, "s").isoformat())
               .replace("P0D", "P").replace("DT0H", "DT") for s in seconds]
    frame = pd.DataFrame({
        "pandas": [str(pd.Timedelta(s - 100_000, "s")) for s in seconds],  # negatives too
        "iso": [pd.Timedelta(s, "s").isoformat() for s in seconds],       # P0DT1H0M0S
        "omitted": omitted,                                               # PT20H7M
        "lap": [f"{int(s // 60)}:{s % 60:05.2f}" for s in rng.normal(116, 4, n).round(2)],
        "x": rng.normal(size=n),
    })
    hours, sixty = r"(?:1\d|2[0-3]|[1-9])", r"(?:[1-5]\d|[1-9])"  # not zero: left out
    patterns = {"pandas": r"-?\d+ days \+?(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d",
                "iso": r"P\d+DT(?:1?\d|2[0-3])H[1-5]?\dM[1-5]?\dS",
                "omitted": rf"P(?=.)(?:[1-9]\d*D)?(?:T(?:{hours}H)?(?:{sixty}M)?(?:{sixty}S)?)?",
                "lap": r"\d:[0-5]\d\.\d\d"}
    return frame, patterns


@pytest.mark.parametrize("name", ["cart", "copula", "auto"])
def test_pandas_iso_and_lap_durations_are_learned_and_written_as_they_were(name: str) -> None:
    real, patterns = _durations()
    syn = make_synthesizer(name, seed=1).fit(real)
    layouts = {c: syn.table_.column(c).text_format for c in patterns}
    assert layouts == {"pandas": "[d] days hh:mm:ss", "iso": "PnDTnHnMnS",
                       "omitted": "PnDTnHnMnS~", "lap": "[m]:ss.00"}
    out = syn.sample(400, seed=2)
    for column, pattern in patterns.items():
        assert out[column].str.fullmatch(pattern).all(), column
        layout = duration_layout(layouts[column])
        seconds, synthetic = layout.parse(real[column]), layout.parse(out[column])
        assert seconds.min() <= synthetic.min() and synthetic.max() <= seconds.max(), column
        assert ks_2samp(seconds, synthetic).statistic < 0.1, column
    assert (out["pandas"].str.startswith("-1 days +")).any()


def test_cli_writes_pandas_and_iso_durations_back_as_they_were(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    real, patterns = _durations(300)
    real.to_csv(tmp_path / "d.csv", index=False)
    model, out = str(tmp_path / "m.sim"), str(tmp_path / "s.csv")
    assert run(["fit", str(tmp_path / "d.csv"), "-o", model, "--quiet"], capsys,
               monkeypatch)[0] == 0
    assert run(["sample", model, "-n", "300", "-o", out, "--quiet", "--seed", "2"], capsys,
               monkeypatch)[0] == 0
    text = pd.read_csv(out, dtype=str, keep_default_na=False)
    for column, pattern in patterns.items():
        assert text[column].str.fullmatch(pattern).all(), column
        assert text[column].nunique() > 100, column
