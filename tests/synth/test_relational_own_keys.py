"""Own parts of composite keys found broken by a sweep over real panels and event tables.

Each database is written as SQLite with declared keys (as a user's would be) and read back
with ``read_database``, so the keys' SQL types and the inferred schema are the real ones.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd

from simulacra.data._sql import read_database, write_database
from simulacra.schema import Column, ForeignKey, Kind, Role, Schema, Table, infer_schema
from simulacra.synth.relational import RelationalSynthesizer, TablePlan
from tests.synth.test_relational import assert_integrity


def _sqlite(path: Path, ddl: list[str], frames: dict[str, pd.DataFrame]) -> str:
    """A SQLite file made by ``ddl`` and filled with ``frames`` (parents first)."""
    with contextlib.closing(sqlite3.connect(path)) as con, con:  # closed, and committed
        for statement in ddl:
            con.execute(statement)
        for name, frame in frames.items():
            frame = frame.apply(lambda c: c.dt.strftime("%Y-%m-%d %H:%M:%S")
                                if pd.api.types.is_datetime64_any_dtype(c) else c)
            rows = frame.astype(object).where(frame.notna(), None).to_numpy().tolist()
            con.executemany(f"INSERT INTO {name} VALUES ({','.join('?' * frame.shape[1])})",
                            rows)
    return f"sqlite:///{path}"


def _users_events(rng: np.random.Generator, n_users: int = 120
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    users = pd.DataFrame({"uid": np.arange(1, n_users + 1),
                          "plan": rng.choice(["free", "pro"], n_users)})
    per = rng.integers(2, 12, n_users)
    uid = np.repeat(users["uid"], per).to_numpy()
    starts = rng.integers(0, 40 * 86_400, n_users)
    seconds = np.concatenate([s + np.cumsum(rng.integers(60, 20_000, k))
                              for s, k in zip(starts, per, strict=True)])
    ts = pd.Timestamp("2024-01-01") + pd.to_timedelta(seconds, unit="s")
    events = pd.DataFrame({"uid": uid, "ts": ts, "v": rng.normal(size=uid.size)})
    return users, events


_EVENTS_DDL = ["CREATE TABLE users (uid INTEGER PRIMARY KEY, plan TEXT)",
               "CREATE TABLE events (uid INTEGER, ts {ts_type}, v REAL{more}, "
               "PRIMARY KEY (uid, ts{key_more}), FOREIGN KEY (uid) REFERENCES users (uid))"]


def _events_db(path: Path, events: pd.DataFrame, users: pd.DataFrame, ts_type: str,
               more: str = "") -> str:
    ddl = [_EVENTS_DDL[0], _EVENTS_DDL[1].format(
        ts_type=ts_type, more=f", {more} INTEGER" if more else "",
        key_more=f", {more}" if more else "")]
    return _sqlite(path, ddl, {"users": users, "events": events})


def test_a_time_stamp_key_with_utc_offsets_steps_up_in_its_zone(tmp_path: Path) -> None:
    # '2024-02-23T07:16:10+01:00' in a key: fit failed with "':' is a bad directive"
    users, events = _users_events(np.random.default_rng(1))
    text = events["ts"].dt.tz_localize("UTC").dt.tz_convert("Europe/Berlin")
    events = events.assign(ts=text.map(lambda v: v.isoformat()))
    assert events["ts"].str.endswith("+01:00").all()
    frames, schema = read_database(_events_db(tmp_path / "e.db", events, users, "TEXT"))
    syn = RelationalSynthesizer(seed=0).fit(frames, schema).sample(seed=0)
    assert_integrity(syn, schema)
    ts = syn["events"]["ts"]
    assert ts.str.fullmatch(r"2024-0[1-4]-\d\dT\d\d:\d\d:\d\d\+01:00").all()  # zone kept
    stamps = pd.to_datetime(ts, format="ISO8601", utc=True)
    assert stamps.groupby(syn["events"]["uid"]).is_monotonic_increasing.all()
    write_database(f"sqlite:///{tmp_path / 'out.db'}", syn, schema)


def test_a_key_of_fractional_numbers_is_written_back_as_real(tmp_path: Path) -> None:
    # (uid, hours since start) as REAL: read as an integer id, so writing failed with
    # "an integer key in the database but holds fractional value(s)"
    users, events = _users_events(np.random.default_rng(2))
    hours = (events["ts"] - pd.Timestamp("2024-01-01")).dt.total_seconds() / 3600 + 0.001
    url = _events_db(tmp_path / "e.db", events.assign(ts=hours), users, "REAL")
    frames, schema = read_database(url)
    assert schema.table("events").column("ts").id_format is None
    assert schema.table("users").column("uid").id_format == "integer"
    syn = RelationalSynthesizer(seed=0).fit(frames, schema).sample(seed=0)
    write_database(f"sqlite:///{tmp_path / 'out.db'}", syn, schema)
    back, _ = read_database(f"sqlite:///{tmp_path / 'out.db'}")
    got = back["events"]["ts"]
    assert (got % 1 != 0).mean() > 0.9 and got.between(0, 2000).all()
    assert_integrity(back, schema)


def test_several_fine_own_columns_are_each_made_not_numbered_as_ids(tmp_path: Path) -> None:
    # (uid, ts, session): the stamps came back as layout ids '2024-08-46 18:27:55' and the
    # write failed ("SQLite DateTime type only accepts Python datetime")
    rng = np.random.default_rng(3)
    users, events = _users_events(rng)
    events["session"] = rng.integers(1, 10**6, len(events))
    url = _events_db(tmp_path / "e.db", events, users, "DATETIME", more="session")
    frames, schema = read_database(url)
    syn = RelationalSynthesizer(seed=0).fit(frames, schema).sample(seed=0)
    assert_integrity(syn, schema)
    ts = syn["events"]["ts"]
    assert ts.dtype == frames["events"]["ts"].dtype and ts.notna().all()
    assert ts.between(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-06-01")).all()
    assert ts.groupby(syn["events"]["uid"]).is_monotonic_increasing.all()
    assert syn["events"]["session"].nunique() > 0.9 * len(ts)  # not one number per user
    write_database(f"sqlite:///{tmp_path / 'out.db'}", syn, schema)


def test_a_composite_key_without_a_foreign_key_groups_by_its_coarsest_column(
        tmp_path: Path) -> None:
    # readings keyed (station, day) with a separate sensor reference: each row got a new
    # station and every day was '8144-33-94'; (country, year) came back with year 2000 only
    rng = np.random.default_rng(4)
    sensors = pd.DataFrame({"sensor_id": np.arange(1, 21), "kind": rng.choice(["a", "b"], 20)})
    days = pd.date_range("2024-01-01", periods=30, freq="D")
    readings = pd.DataFrame([(f"ST{s:03d}", d.isoformat(sep=" "), int(rng.integers(1, 21)),
                              float(rng.normal())) for s in range(25) for d in days],
                            columns=["station", "day", "sensor_id", "value"])
    country_year = pd.DataFrame([(c, y, float(rng.normal())) for c in ["DE", "FR", "IT", "PL"]
                                 for y in range(2000, 2015)], columns=["country", "year", "gdp"])
    # fewer days than stations: the day is no group (its new keys would be no dates)
    visits = pd.DataFrame([(d.strftime("%Y-%m-%d"), f"V{s:03d}", int(rng.integers(1, 9)))
                           for d in days[:8] for s in range(40)], columns=["day", "site", "n"])
    url = _sqlite(tmp_path / "r.db", [
        "CREATE TABLE sensors (sensor_id INTEGER PRIMARY KEY, kind TEXT)",
        "CREATE TABLE readings (station TEXT, day DATETIME, sensor_id INTEGER, value REAL, "
        "PRIMARY KEY (station, day), FOREIGN KEY (sensor_id) REFERENCES sensors (sensor_id))",
        "CREATE TABLE country_year (country TEXT, year INTEGER, gdp REAL, "
        "PRIMARY KEY (country, year))",
        "CREATE TABLE visits (day DATE, site TEXT, n INTEGER, PRIMARY KEY (day, site))"],
        {"sensors": sensors, "readings": readings, "country_year": country_year,
         "visits": visits})
    frames, schema = read_database(url)
    syn = RelationalSynthesizer(seed=0).fit(frames, schema).sample(seed=0)
    assert_integrity(syn, schema)
    got = syn["readings"]
    assert got["day"].between(days[0], days[-1]).all()
    per_station = got.groupby("station")["day"].agg(["min", "max", "size"])
    assert 20 <= len(per_station) <= 30 and (per_station["size"] >= 20).mean() > 0.9
    spans = (per_station["max"] - per_station["min"]).dt.days + 1
    assert (spans == per_station["size"]).all()  # each station a run of consecutive days
    years = syn["country_year"].groupby("country")["year"].agg(["min", "max", "size"])
    assert len(years) == 4 and (years["min"] == 2000).all() and (years["max"] == 2014).all()
    sites = syn["visits"]
    assert sites["day"].isin(set(frames["visits"]["day"])).all()  # real days, not layouts
    assert not sites["site"].isin(set(visits["site"])).any()  # new site keys
    assert sites.groupby("site").size().median() == 8
    write_database(f"sqlite:///{tmp_path / 'out.db'}", syn, schema)


def test_readings_keyed_without_a_foreign_key_follow_their_day(tmp_path: Path) -> None:
    # (country, year) -> gdp growing with the year, (site, day) -> visitors by weekday, in
    # a root table and in a table with a parent: the keys were drawn apart from the
    # readings, so gdp by year and visitors by day were noise (correlation with the year
    # about 0)
    rng = np.random.default_rng(6)
    gdp = pd.DataFrame([(c, y, round(100 + 10 * (y - 2000) + float(rng.normal(0, 5)), 1))
                        for c in ["DE", "FR", "IT", "PL", "ES", "NL"]
                        for y in range(2000, 2020)], columns=["country", "year", "gdp"])
    days = pd.date_range("2024-01-01", periods=28, freq="D")
    visits = pd.DataFrame([(f"S{s:02d}", d.strftime("%Y-%m-%d"), int(rng.integers(1, 6)),
                            int(rng.poisson(80 if d.day_of_week >= 5 else 20)))
                           for s in range(30) for d in days],
                          columns=["site", "day", "guide_id", "n"])
    guides = pd.DataFrame({"guide_id": np.arange(1, 6), "name": list("ABCDE")})
    url = _sqlite(tmp_path / "g.db", [
        "CREATE TABLE gdp (country TEXT, year INTEGER, gdp REAL, PRIMARY KEY (country, year))",
        "CREATE TABLE guides (guide_id INTEGER PRIMARY KEY, name TEXT)",
        "CREATE TABLE visits (site TEXT, day DATE, guide_id INTEGER, n INTEGER, "
        "PRIMARY KEY (site, day), FOREIGN KEY (guide_id) REFERENCES guides (guide_id))"],
        {"gdp": gdp, "guides": guides, "visits": visits})
    frames, schema = read_database(url)
    model = RelationalSynthesizer(seed=0).fit(frames, schema)
    for seed in (0, 1):
        syn = model.sample(seed=seed)
        assert_integrity(syn, schema)
        got = syn["gdp"]
        assert np.corrcoef(got["year"], got["gdp"])[0, 1] > 0.9  # real 0.99
        # visits hang off a guide, and are still keyed by (site, day) within their site
        weekend = pd.to_datetime(syn["visits"]["day"]).dt.day_of_week >= 5
        assert syn["visits"]["n"][weekend].mean() > 2.5 * syn["visits"]["n"][~weekend].mean()
        per_site = syn["visits"].groupby("site")["day"].agg(["nunique", "size"])
        assert (per_site["nunique"] == per_site["size"]).all()


def test_a_fine_column_within_coarse_ones_is_pooled_within_them(tmp_path: Path) -> None:
    # nycflights13 flights keyed (carrier, flight, year, month, day): years counted from 2013
    # past 7,000, every flight on January 1st with flight number 4
    rng = np.random.default_rng(5)
    carriers = pd.DataFrame({"carrier": ["AA", "B6", "DL", "UA", "WN", "EV"]})
    dates = pd.date_range("2013-01-01", "2013-02-28", freq="D")
    numbers = {c: rng.choice(3000, 40, replace=False) + 1 for c in carriers["carrier"]}
    rows = [(c, int(f), d.year, d.month, d.day, float(rng.normal(10, 5)))
            for c in carriers["carrier"] for d in dates
            for f in rng.choice(numbers[c], int(rng.integers(10, 30)), replace=False)]
    flights = pd.DataFrame(rows, columns=["carrier", "flight", "year", "month", "day", "delay"])
    url = _sqlite(tmp_path / "f.db", [
        "CREATE TABLE airlines (carrier TEXT PRIMARY KEY)",
        "CREATE TABLE flights (carrier TEXT, flight INTEGER, year INTEGER, month INTEGER, "
        "day INTEGER, delay REAL, PRIMARY KEY (carrier, flight, year, month, day), "
        "FOREIGN KEY (carrier) REFERENCES airlines (carrier))"],
        {"airlines": carriers, "flights": flights})
    frames, schema = read_database(url)
    syn = RelationalSynthesizer(seed=0).fit(frames, schema).sample(seed=0)
    assert_integrity(syn, schema)
    got = syn["flights"]
    assert (got["year"] == 2013).all() and set(got["month"]) == {1, 2}
    when = pd.to_datetime(got[["year", "month", "day"]], errors="coerce")
    assert when.notna().all() and when.dt.day.nunique() > 25  # real dates, spread out
    assert got["flight"].isin(flights["flight"]).all()
    per_day = got.groupby(["carrier", "year", "month", "day"]).size()
    assert per_day.median() > 5  # many flights a day, not one per carrier


def test_a_panel_child_keeps_each_parent_level_across_its_years() -> None:
    # plm::Grunfeld / AER::Guns: a firm's 20 years were drawn given the year alone, so each
    # synthetic firm mixed every real firm's level (between-firm share of variance 0.05,
    # real 0.9; correlation of a firm's consecutive years 0.01, real 0.97)
    rng = np.random.default_rng(6)
    firms = pd.DataFrame({"firm": np.arange(1, 41)})
    level = rng.lognormal(5, 1, 40)
    years = np.tile(np.arange(1990, 2010), 40)
    panel = pd.DataFrame({"firm": np.repeat(firms["firm"], 20).to_numpy(), "year": years,
                          "inv": np.repeat(level, 20) * (1 + 0.02 * (years - 1990))
                          * rng.lognormal(0, 0.1, years.size),
                          "noise": rng.normal(size=years.size)})
    schema = read_database_schema(firms, panel)
    model = RelationalSynthesizer(seed=0).fit({"firms": firms, "panel": panel}, schema)
    assert model.plans_["panel"].levels == ["inv"]  # the noise has no level per firm
    syn = model.sample(seed=0)["panel"]

    def between(frame: pd.DataFrame) -> float:
        return float(frame.groupby("firm")["inv"].transform("mean").var() / frame["inv"].var())

    assert between(panel) > 0.9 and between(syn) > 0.6
    by_year = syn.groupby("year")["inv"].mean()
    assert by_year[2009] > by_year[1990]


def test_models_saved_without_levels_sample_as_before() -> None:
    rng = np.random.default_rng(7)
    firms = pd.DataFrame({"firm": np.arange(1, 31)})
    panel = pd.DataFrame({"firm": np.repeat(firms["firm"], 5).to_numpy(),
                          "year": np.tile(np.arange(2000, 2005), 30),
                          "inv": np.repeat(rng.lognormal(5, 1, 30), 5)
                          * rng.lognormal(0, 0.1, 150)})
    schema = read_database_schema(firms, panel)
    model = RelationalSynthesizer(seed=0).fit({"firms": firms, "panel": panel}, schema)
    plans = {t: dataclasses.asdict(p) for t, p in model.plans_.items()}
    assert plans["panel"].pop("levels") == ["inv"]
    old = {t: TablePlan(**p) for t, p in plans.items()}  # a file from before: no levels
    model.plans_ = old
    syn = model.sample(seed=1)
    assert_integrity(syn, schema)
    assert len(syn["panel"]) == 150


def read_database_schema(firms: pd.DataFrame, panel: pd.DataFrame) -> Schema:
    """firms -> panel keyed (firm, year), as read_database gives it."""
    return Schema((
        dataclasses.replace(infer_schema(firms, name="firms").table().replace_column(
            Column("firm", Kind.ID, dtype="int64")), primary_key="firm"),
        Table("panel", (Column("firm", Kind.ID, Role.ENTITY_KEY, dtype="int64"),
                        Column("year", Kind.ID, Role.ENTITY_KEY, dtype="int64"),
                        *infer_schema(panel.drop(columns=["firm", "year"])).table().columns))),
        (ForeignKey("panel", ("firm",), "firms", ("firm",)),))
