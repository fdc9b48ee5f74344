"""The own part of a composite key, drawn from the real key values shared by many parents.

A child keyed ``(store_id, day)``, ``(state, year)``, ``(origin, year, month, day, hour)`` or
``(order_id, line)`` has a key made of a foreign key (given by the synthetic parent) and an
*own part* that must be unique within each parent. Numbering that part 1, 2, 3 fits line
numbers only: dates came back as ``0138-99-45`` and years counted past 10,000. Instead the
own part's values are learned as a *pool*: the distinct own tuples that at least
:data:`MIN_PARENTS` real parents share (a value of one parent alone, such as a unique
timestamp, is never copied), in sorted order. Each synthetic parent then takes

- a *run* of consecutive pool tuples, when real parents hold runs (consecutive days,
  years 1982-1988, hours, lines 1..n): the run starts where a real parent's run starts;
- or distinct tuples drawn by their real frequency, when they do not (product codes).

Either way the tuples are distinct within a parent, so the key stays unique. A number or
date too fine to pool (an event's time stamp) is made instead: a start and real-like gaps
per parent, increasing. With CART, the
child's model also learns its attributes given the own part (temperatures by month and hour,
deaths by year): the own part is drawn first and handed to the model as context.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from simulacra._warnings import quiet
from simulacra.data._datetime_format import format_datetimes
from simulacra.schema import Column, Kind, Role, Schema, Table, infer_schema
from simulacra.schema._datetimes import parse_datetimes, writing_format
from simulacra.synth._relational_draw import with_dtype
from simulacra.synth._relational_plan import key_sets

__all__ = ["OWN_PREFIX", "draw_own_keys", "group_codes", "implicit_groups", "learn_own_keys",
           "own_key_pools", "own_key_specs"]

OWN_PREFIX = "key."  # an own-part column as the child model's context
MIN_PARENTS = 2  # a tuple must be shared by this many real parents to be reused
MIN_COVERED = 0.5  # share of real rows whose tuple is shared: below it, keys are numbered
MAX_POOL = 100_000  # distinct shared tuples kept; more: keys are numbered
MAX_STARTS = 10_000  # real run starts kept
RUN_SHARE = 0.5  # share of a parent's neighbouring tuples that are neighbours in the pool
_REDRAWS = 30
_SIMULATED_ROWS = 20_000  # real parent sizes repeated to about this many rows to calibrate
_CALIBRATION_ROUNDS = 6
_QUANTILES = 101


def group_codes(frame: pd.DataFrame) -> np.ndarray:
    """One code per row for each distinct row of ``frame`` (missing is a value)."""
    return frame.groupby(list(frame.columns), sort=False, dropna=False).ngroup().to_numpy()


def own_key_pools(table: Table, schema: Schema, real: pd.DataFrame
                  ) -> tuple[list[dict[str, Any]], dict[str, Column]]:
    """The pools of every unique key of ``table`` made of foreign-key columns and own ones.

    Own parts that read as personal data, free text or unique ids are numbered instead. Also
    returns the model column of each pooled own column (:func:`own_key_specs`), by name.
    """
    given = {c for fk in schema.foreign_keys if fk.child_table == table.name
             for c in fk.child_columns}
    out: list[dict[str, Any]] = []
    context: dict[str, Column] = {}
    for columns in key_sets(table, schema):
        parent_part = [c for c in columns if c in given]
        implicit = not parent_part and len(columns) >= 2
        if implicit:  # (station, day) with no foreign key: stations are the parents
            parent_part = _group_column(real, columns)
        own = [c for c in columns if c not in parent_part]
        if not parent_part or not own or any(set(own) & set(o["columns"]) for o in out):
            continue
        specs = own_key_specs(real, own)
        if specs is None:  # personal data, text or unique ids: numbered
            continue
        found = learn_own_keys(real, parent_part, own)
        learned = [found] if found is not None else _fine_and_coarse(real, parent_part, own,
                                                                     specs)
        if implicit and learned:
            for one in learned:
                one["group_sizes"] = _group_sizes(real, parent_part[0])
        out += learned
        context.update(zip(own, specs, strict=True))
    return out, context


def _fine_and_coarse(real: pd.DataFrame, given: Sequence[str], own: Sequence[str],
                     specs: Sequence[Column]) -> list[dict[str, Any]]:
    """An own part too fine to pool: its fine number/date columns stepped, the rest pooled.

    A column is fine when its values are mostly distinct within parents (time stamps,
    flight numbers); each is made by :func:`learn_steps`, and as one of them increases
    within each parent the key stays unique whatever the others hold. The other columns
    (year, month, day of ``(carrier, flight, year, month, day)``) are drawn together, with
    repeats, from the tuples that several parents share. Empty when no column can step: the
    own part is then numbered.
    """
    parents = group_codes(real[list(given)])
    fine = [c for c in own if real[c].notna().any() and pd.DataFrame(
        {"p": parents, "v": real[c]}).dropna().drop_duplicates().shape[0]
        >= 0.5 * real[c].notna().sum()]
    by_name = {c: spec for c, spec in zip(own, specs, strict=True)}
    stepped = [found for c in fine if (found := learn_steps(real, given, by_name[c], c))]
    if not stepped:
        return _nested(real, given, own)
    coarse = [c for c in own if c not in {s["columns"][0] for s in stepped}]
    pooled = learn_own_keys(real, given, coarse, distinct=False) if coarse else None
    return [*stepped, *([pooled] if pooled is not None else [])]


def _nested(real: pd.DataFrame, given: Sequence[str], own: Sequence[str]
            ) -> list[dict[str, Any]]:
    """The most varied own column pooled within the parent and the other own columns.

    ``(carrier, flight, year, month, day)``: the dates drawn with repeats within each
    carrier, then flight numbers distinct within each carrier and date. Empty when either
    part has no pool (the own part is then numbered).
    """
    if len(own) < 2:
        return []
    inner = max(own, key=lambda c: real[c].nunique())
    outer = [c for c in own if c != inner]
    first = learn_own_keys(real, given, outer, distinct=False)
    second = learn_own_keys(real, [*given, *outer], [inner])
    return [first, second] if first is not None and second is not None else []


def _group_column(real: pd.DataFrame, columns: Sequence[str]) -> list[str]:
    """The column of a key without a foreign key that groups its rows, as a list (or none).

    The one with the fewest distinct values among those that can take new keys: codes and
    names before numbers, never a date (new keys of a date column are no dates).
    """
    kinds = {c: (specs[0].kind if (specs := own_key_specs(real, [c])) else Kind.ID)
             for c in columns}
    ranked = sorted((c for c in columns if kinds[c] != Kind.DATETIME),
                    key=lambda c: (kinds[c] == Kind.NUMERICAL, real[c].nunique(dropna=False)))
    return ranked[:1]


def _group_sizes(real: pd.DataFrame, column: str) -> list[int]:
    """Rows per value of ``column`` (at most :data:`MAX_STARTS` of them, sampled)."""
    sizes = real[column].value_counts(dropna=False).to_numpy()
    if sizes.size > MAX_STARTS:
        sizes = np.random.default_rng(0).choice(sizes, MAX_STARTS, replace=False)
    return [int(k) for k in sizes]


def implicit_groups(sizes: Sequence[int], n: int, rng: np.random.Generator) -> np.ndarray:
    """A group code for each of ``n`` rows, in groups as large as the real ones, shuffled.

    The parents of a key without a foreign key (the stations of ``(station, day)``).
    """
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    drawn = rng.choice(np.asarray(sizes, dtype=np.int64), size=n)  # more than enough
    drawn = drawn[: int(np.searchsorted(np.cumsum(drawn), n)) + 1]
    codes = np.repeat(np.arange(drawn.size), drawn)[:n]
    return rng.permutation(codes)


def learn_own_keys(real: pd.DataFrame, given: Sequence[str], own: Sequence[str], *,
                   distinct: bool = True) -> dict[str, Any] | None:
    """The pool of the own part ``own`` of a key within parents ``given``, JSON-ready.

    None when too few of the real rows hold tuples that several parents share (the key is
    then numbered, as before this existed). ``distinct=False``: tuples drawn with repeats
    at their real frequency (the dates of flights, whose numbers keep the key unique).
    """
    rows = real[list(own)].notna().all(axis=1).to_numpy()
    if not rows.any():
        return None
    parents = group_codes(real[list(given)])[rows]
    tuples = real.loc[rows, list(own)].reset_index(drop=True)
    code = group_codes(tuples)
    spread = pd.Series(parents).groupby(code).nunique().to_numpy()
    shared = spread[code] >= MIN_PARENTS
    n_shared = int((spread >= MIN_PARENTS).sum())
    if shared.mean() < MIN_COVERED or n_shared > MAX_POOL:
        return None
    pool = _sorted(tuples[shared].drop_duplicates())
    rank = pd.MultiIndex.from_frame(pool.astype(object)).get_indexer(
        pd.MultiIndex.from_frame(tuples[shared].astype(object)))
    parents = parents[shared]
    order = np.lexsort((rank, parents))
    parents, rank = parents[order], rank[order]
    same = parents[1:] == parents[:-1]
    steps = np.diff(rank)[same]
    runs = distinct and bool(steps.size) and float(np.mean(steps == 1)) >= RUN_SHARE
    starts = rank[np.r_[True, ~same]]
    if starts.size > MAX_STARTS:
        starts = np.sort(np.random.default_rng(0).choice(starts, MAX_STARTS, replace=False))
    return {"given": list(given), "columns": list(own),
            "values": [_json_values(pool[c]) for c in own],
            "datetime": [bool(pd.api.types.is_datetime64_any_dtype(pool[c].dtype)) for c in own],
            "runs": runs, "starts": [int(s) for s in starts],
            "weights": [float(w) for w in _calibrated(np.bincount(rank, minlength=len(pool)),
                                                      np.bincount(parents), runs or not
                                                      distinct)],
            **({} if distinct else {"repeats": True})}


def learn_steps(real: pd.DataFrame, given: Sequence[str], spec: Column, name: str
                ) -> dict[str, Any] | None:
    """How a number or date own part too fine to pool (a time stamp) starts and steps.

    Quantiles of the real parents' first values and of the gaps between their neighbouring
    values, from which sampling makes increasing values within each synthetic parent. None for
    other kinds, or when no parent holds two different values.
    """
    if spec.kind not in (Kind.NUMERICAL, Kind.DATETIME):
        return None
    values = _as_numbers(real[name], spec)
    ok = ~np.isnan(values)
    parents = group_codes(real[list(given)])[ok]
    values = values[ok]
    order = np.lexsort((values, parents))
    parents, values = parents[order], values[order]
    same = parents[1:] == parents[:-1]
    gaps = np.diff(values)[same]
    gaps = gaps[gaps > 0]
    if not gaps.size:
        return None
    unit = _unit(values, spec)
    probs = np.linspace(0.0, 1.0, _QUANTILES)
    return {"given": list(given), "columns": [name], "steps": True, "unit": unit,
            "datetime": spec.kind == Kind.DATETIME, "format": spec.datetime_format,
            "timezone": spec.timezone,
            "starts": np.quantile(values[np.r_[True, ~same]], probs).tolist(),
            "gaps": np.quantile(np.maximum(gaps, unit), probs).tolist()}


def _as_numbers(values: pd.Series, spec: Column) -> np.ndarray:
    """Numbers, or dates as seconds since 1970 (in UTC where they carry a zone)."""
    if spec.kind == Kind.NUMERICAL:
        return pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    stamps = values if pd.api.types.is_datetime64_any_dtype(values.dtype) else parse_datetimes(
        values, spec.datetime_format or "ISO8601")  # +01:00 offsets (%:z) read too: in UTC
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    seconds = (stamps - pd.Timestamp("1970-01-01")).dt.total_seconds()
    return seconds.to_numpy(dtype=np.float64, na_value=np.nan)


def _unit(values: np.ndarray, spec: Column) -> float:
    """The coarsest step every value is a multiple of: a day, hour, minute, second or 1."""
    for unit in ((86_400.0, 3_600.0, 60.0, 1.0) if spec.kind == Kind.DATETIME else (1.0,)):
        if np.allclose(values / unit, np.round(values / unit), rtol=0, atol=1e-6):
            return unit
    return 0.0


def _stepped(state: Mapping[str, Any], parents: np.ndarray, column: Column,
             rng: np.random.Generator) -> pd.Series:
    """Increasing values within each parent: a start, then real-like gaps (by quantiles)."""
    probs = np.linspace(0.0, 1.0, _QUANTILES)
    n_parents = int(parents.max()) + 1 if parents.size else 0
    start = np.interp(rng.random(n_parents), probs, state["starts"])
    gaps = np.interp(rng.random(parents.size), probs, state["gaps"])
    unit = float(state["unit"])
    if unit:
        start, gaps = np.round(start / unit) * unit, np.maximum(np.round(gaps / unit), 1) * unit
    order = np.argsort(parents, kind="stable")
    sorted_parents = parents[order]
    first = np.r_[True, sorted_parents[1:] != sorted_parents[:-1]] if parents.size else \
        np.zeros(0, dtype=bool)
    step = gaps.copy()
    step[first] = 0.0  # each parent's sum restarts at its start
    total = np.cumsum(step)
    values = np.empty(parents.size)
    values[order] = start[sorted_parents] + total - np.maximum.accumulate(
        np.where(first, total, 0.0))
    if not state["datetime"]:
        return with_dtype(pd.Series(values), column)
    stamps = pd.Series(pd.to_datetime(values, unit="s"))
    if "datetime64" not in str(column.dtype):  # dates written as text: in their format
        return with_dtype(_as_text(stamps, state), column)
    zone = getattr(pd.api.types.pandas_dtype(column.dtype), "tz", None)
    if zone is not None:
        stamps = stamps.dt.tz_localize("UTC").dt.tz_convert(zone)
    return with_dtype(stamps, column)


def _as_text(stamps: pd.Series, state: Mapping[str, Any]) -> pd.Series:
    """UTC stamps written in the real format, as wall times of the real zone (offsets too)."""
    zone = state.get("timezone")  # absent in models saved before: naive text
    utc = stamps.astype("datetime64[us]").to_numpy().view(np.int64)
    wall = utc
    if zone is not None:
        local = stamps.dt.tz_localize("UTC").dt.tz_convert(zone).dt.tz_localize(None)
        wall = local.astype("datetime64[us]").to_numpy().view(np.int64)
    fmt = writing_format(state["format"] or "%Y-%m-%d %H:%M:%S")
    text = format_datetimes(wall, "us", fmt, utc=utc, tz=zone)
    return pd.Series(text.to_pylist(), dtype=object)


def _calibrated(counts: np.ndarray, sizes: np.ndarray, runs: bool) -> np.ndarray:
    """Draw weights under which distinct draws hold each tuple as often as real parents do.

    Drawing without repeats within a parent holds a common tuple less often than its share
    of rows (a product in 60% of baskets is 20% of lines, so drawn 20% per line, a basket of
    three holds it about 50% of the time): the weights are scaled until a simulation over
    (a sample of) the real parent sizes holds each tuple as many times as the real rows do.
    Runs take no weights: they are the real frequencies.
    """
    weights = counts.astype(np.float64)
    sizes = sizes[sizes > 0]
    if runs or not sizes.size:
        return np.asarray(weights / max(weights.sum(), 1.0))
    rng = np.random.default_rng(0)
    if sizes.sum() > _SIMULATED_ROWS:  # a sample of parents of about that many rows
        sizes = rng.permutation(sizes)
        sizes = sizes[: int(np.searchsorted(np.cumsum(sizes), _SIMULATED_ROWS)) + 1]
    reps = max(1, _SIMULATED_ROWS // int(sizes.sum()))
    parents = np.repeat(np.arange(sizes.size * reps), np.tile(sizes, reps))
    target = counts * (parents.size / counts.sum())  # the real counts at the simulated size
    for _ in range(_CALIBRATION_ROUNDS):
        held = np.bincount(_distinct_draws(weights, parents, rng), minlength=counts.size)
        weights *= (target + 0.5) / (held + 0.5)
    out: np.ndarray = weights / weights.sum()
    return out


def _sorted(pool: pd.DataFrame) -> pd.DataFrame:
    try:
        return pool.sort_values(list(pool.columns), kind="stable").reset_index(drop=True)
    except TypeError:  # mixed types in a column: in written order
        return pool.sort_values(list(pool.columns), key=lambda s: s.astype(str),
                                kind="stable").reset_index(drop=True)


def _json_values(values: pd.Series) -> list[Any]:
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return [v.isoformat() for v in values]
    return [v.item() if isinstance(v, np.generic) else v for v in values.astype(object)]


def draw_own_keys(state: Mapping[str, Any], parents: np.ndarray, columns: Mapping[str, Column],
                  rng: np.random.Generator) -> dict[str, pd.Series]:
    """Own-part values for rows of synthetic parents ``parents`` (a code per row).

    Rows of one parent get distinct tuples while the parent has no more rows than the pool
    has tuples (always so for counts learned from the real parents).
    """
    if state.get("steps"):
        name = state["columns"][0]
        return {name: _stepped(state, parents, columns[name], rng)}
    size = len(state["weights"])
    counts = np.bincount(parents, minlength=int(parents.max()) + 1 if parents.size else 0)
    position = pd.Series(parents).groupby(parents).cumcount().to_numpy()
    if state["runs"]:
        start = rng.choice(np.asarray(state["starts"], dtype=np.int64), size=counts.size)
        start = np.clip(np.minimum(start, size - counts), 0, None)
        rank = (start[parents] + position) % size
    elif state.get("repeats"):  # another own column keeps the key unique
        weights = np.asarray(state["weights"], dtype=np.float64)
        rank = rng.choice(size, size=parents.size, p=weights / weights.sum())
    else:
        rank = _distinct_draws(np.asarray(state["weights"], dtype=np.float64), parents, rng)
    out = {}
    for name, values, is_date in zip(state["columns"], state["values"], state["datetime"],
                                     strict=True):
        pool = pd.Series(values, dtype=object)
        if is_date:
            pool = pd.Series(pd.to_datetime(pool, format="ISO8601"))
        out[name] = pool.iloc[rank].reset_index(drop=True)
        if name in columns:
            out[name] = with_dtype(out[name], columns[name])
    return out


def _distinct_draws(weights: np.ndarray, parents: np.ndarray, rng: np.random.Generator
                    ) -> np.ndarray:
    """Pool ranks by weight, distinct within each parent (until a parent outgrows the pool)."""
    p = weights / weights.sum()
    rank = rng.choice(p.size, size=parents.size, p=p)
    for _ in range(_REDRAWS):
        repeated = pd.DataFrame({"g": parents, "r": rank}).duplicated().to_numpy()
        if not repeated.any():
            return rank
        rank[repeated] = rng.choice(p.size, size=int(repeated.sum()), p=p)
    repeated = pd.DataFrame({"g": parents, "r": rank}).duplicated().to_numpy()
    for g in np.unique(parents[repeated]):  # crowded parents: drawn without replacement
        at = np.flatnonzero(parents == g)
        take = min(at.size, p.size)
        rank[at[:take]] = rng.choice(p.size, size=take, replace=False, p=p)
    return rank


def own_key_specs(real: pd.DataFrame, columns: Sequence[str]) -> list[Column] | None:
    """Model columns of an own part given as context, each as its values read.

    A date written as text is a date. None when a column is no number, date or category.
    """
    out: list[Column] = []
    for name in columns:
        with quiet(Warning):  # a probe of one column: its warnings are not news
            found = infer_schema(real[[name]]).table().column(name)
        if found.kind not in (Kind.NUMERICAL, Kind.DATETIME, Kind.CATEGORICAL, Kind.BOOLEAN):
            return None
        out.append(dataclasses.replace(found, name=OWN_PREFIX + name, role=Role.TARGET,
                                       unique=False, missing_share=0.0))
    return out
