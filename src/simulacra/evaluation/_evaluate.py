"""``evaluate``: run the metrics on real, synthetic and holdout data and collect a Report."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from simulacra._frames import frame_fix
from simulacra._progress import Progress, or_null
from simulacra._random import SeedLike, as_generator, int_seed
from simulacra._version import __version__
from simulacra.data._index_layout import (
    holds_data,
    learned_columns,
    levels_as_columns,
    with_levels_declared,
)
from simulacra.data._io import read_table, table_name_from
from simulacra.errors import InvalidParameterError
from simulacra.evaluation._builtin import DEFAULT_METRICS
from simulacra.evaluation._context import EvalContext, Limits, check_unique_columns, prepare
from simulacra.evaluation._metric import METRICS, Metric, MetricResult
from simulacra.evaluation._overlap import keep_identifier_columns
from simulacra.evaluation._report import Report
from simulacra.schema import Kind, Role, Schema, Table, infer_schema

DataLike = pd.DataFrame | str | Path


def evaluate(
    real: DataLike,
    synthetic: DataLike,
    *,
    holdout: DataLike | None = None,
    schema: Schema | Table | str | Path | None = None,
    target: str | None = None,
    sensitive: Iterable[str] | None = None,
    quasi_identifiers: Iterable[str] | None = None,
    metrics: Sequence[str] | None = None,
    seed: SeedLike = 0,
    limits: Limits | None = None,
    n_jobs: int = 1,
    group_by: str | None = None,
    progress: Progress | None = None,
) -> Report:
    """Measure how faithful, useful, private and fair ``synthetic`` is against ``real``.

    Parameters
    ----------
    real
        The data the generator was trained on (DataFrame, CSV or Parquet path).
    synthetic
        The generated data, with the real data's columns (extra columns are not compared;
        the report's notes list them).
    holdout
        Real rows the generator never saw. Utility, fairness and most privacy metrics need
        it; without it they are reported as skipped.
    schema
        The real table's schema (inferred from ``real`` when None). Its target and
        sensitive roles are used when ``target`` / ``sensitive`` are not given.
    target
        The column models predict for utility and fairness.
    sensitive
        Columns whose groups fairness compares, and the secrets attribute inference tries to
        guess.
    quasi_identifiers
        Columns an attacker is assumed to know (attribute inference, linkability); by default
        every evaluated column that is neither sensitive nor the target.
    metrics
        Names of the metrics to run (default: all built-in ones, see ``metric_names()``).
    seed
        Seeds subsampling, cross-validation splits and attacks; the same seed gives the same
        report.
    limits
        Row caps for the costly metrics (see :class:`Limits`); what was capped is noted in
        the report.
    n_jobs
        Threads for model training. One by default: the models are small, and on a shared
        or busy machine more threads than free cores slow OpenMP down many times over.
    group_by
        A column naming the entity each row belongs to (a child table's parent key, a
        customer id in a table of transactions). Detection then keeps each entity's rows in
        one cross-validation fold, so the classifier cannot score by recognizing a real
        entity it saw in training (rows of one entity are alike in real data).
    progress
        Receives one task per file read (``"read MB"``), then one per metric.

    Returns
    -------
    Report
        Every result, skipped ones with their reason, and ``info`` on what was compared.
    """
    started = time.perf_counter()
    given = {"real": real, "synthetic": synthetic, "holdout": holdout}
    frames = {role: _frame(data, role, progress) for role, data in given.items()
              if data is not None}
    labels = {role: f"the {role} data ({data})" for role, data in given.items()
              if isinstance(data, (str, Path))}
    for role, frame in frames.items():
        check_unique_columns(labels.get(role, f"the {role} data"), frame)
    frames, level_columns, index_notes = _index_as_columns(frames)
    table = _table(schema, frames["real"],
                   table_name_from(real) if isinstance(real, (str, Path)) else None)
    table = with_levels_declared(table, frames["real"], level_columns)
    if group_by is not None and group_by in table.column_names:
        # an entity key identifies rows; its values are not compared
        table = table.replace_column(dataclasses.replace(
            table.column(group_by), kind=Kind.ID, role=Role.FEATURE))
    target = target if target is not None else _role_column(table, Role.TARGET)
    chosen_sensitive = (tuple(sensitive) if sensitive is not None
                        else tuple(table.columns_with_role(Role.SENSITIVE)))
    ctx = prepare(frames["real"], frames["synthetic"], table, holdout=frames.get("holdout"),
                  target=target, sensitive=chosen_sensitive,
                  quasi_identifiers=quasi_identifiers, seed=_int(seed), limits=limits,
                  labels=labels, group_by=group_by)
    ctx.notes.extend(index_notes)
    keep_identifier_columns(ctx, frames)  # the id, PII and text values pii_overlap compares
    names = list(metrics) if metrics is not None else list(DEFAULT_METRICS)
    chosen = [METRICS.get(name)() for name in names]
    if n_jobs < 1:
        raise InvalidParameterError(f"n_jobs must be at least 1, got {n_jobs}.")
    sink = or_null(progress)
    results = []
    for metric in chosen:
        steps = _Steps(sink, 1 if _missing_requirement(metric, ctx) else metric.steps(ctx))
        sink.start(metric.name, total=steps.total)
        ctx.step = steps  # a column, a pair: for the metrics that count them (Metric.steps)
        try:
            with threadpool_limits(limits=n_jobs):
                results.append(_run(metric, ctx))
        finally:
            ctx.step = None
        steps.rest()
        sink.finish()
    return Report(tuple(results), _info(ctx, frames, time.perf_counter() - started))


class _Steps:
    """One metric's progress task: the steps it counts as it goes, the rest when done."""

    def __init__(self, sink: Progress, total: int) -> None:
        self.sink, self.total, self.done = sink, max(total, 1), 0

    def __call__(self) -> None:
        if self.done < self.total:
            self.done += 1
            self.sink.advance()

    def rest(self) -> None:
        if self.done < self.total:
            self.sink.advance(self.total - self.done)
            self.done = self.total


def metric_names() -> list[str]:
    """The built-in metrics, in report order."""
    return list(DEFAULT_METRICS)


def _run(metric: Metric, ctx: EvalContext) -> MetricResult:
    missing = _missing_requirement(metric, ctx)
    if missing:
        return metric.skip(missing)
    started = time.perf_counter()
    result = metric.measure(ctx)
    return MetricResult(**{**result.__dict__, "seconds": time.perf_counter() - started})


def _missing_requirement(metric: Metric, ctx: EvalContext) -> str:
    needs = {
        "holdout": (ctx.has("holdout"), "needs holdout data (real rows the generator never "
                                        "saw)"),
        "target": (ctx.target is not None, "needs a target column"),
        "sensitive": (bool(ctx.sensitive), "needs at least one sensitive column"),
    }
    for requirement in metric.requires:
        present, reason = needs[requirement]
        if not present:
            return reason
    return ""


def _int(seed: SeedLike) -> int:
    if isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0:
        return seed
    return int_seed(as_generator(seed))


def _frame(data: DataLike, role: str, progress: Progress | None) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, (str, Path)):
        return read_table(data, progress=progress)
    raise InvalidParameterError(
        f"The {role} data must be a pandas DataFrame or a path to a CSV or Parquet file, "
        f"got {type(data).__name__}. {frame_fix(data)}")


def _table(schema: Schema | Table | str | Path | None, real: pd.DataFrame,
           name: str | None) -> Table:
    if schema is None:
        return infer_schema(real, name=name or "table").table()
    if isinstance(schema, Table):
        return schema
    if isinstance(schema, (str, Path)):
        schema = Schema.read(schema)
    return schema.table()


def _role_column(table: Table, role: Role) -> str | None:
    columns = table.columns_with_role(role)
    return columns[0] if columns else None


def _info(ctx: EvalContext, frames: dict[str, pd.DataFrame], seconds: float) -> dict:
    return {
        "simulacra_version": __version__,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "seed": ctx.seed,
        "table": ctx.table.name,
        "rows": {role: len(frame) for role, frame in frames.items()},
        "columns": dict(ctx.types),
        "excluded_columns": dict(ctx.excluded),
        "target": ctx.target,
        "sensitive": list(ctx.sensitive),
        "quasi_identifiers": _quasi_identifiers(ctx),
        "quasi_identifiers_given": bool(ctx.quasi_identifiers),
        "limits": {"model_rows": ctx.limits.model_rows,
                   "distance_rows": ctx.limits.distance_rows,
                   "triples": ctx.limits.triples},
        "notes": list(ctx.notes),
        "seconds": round(seconds, 3),
    }


def _quasi_identifiers(ctx: EvalContext) -> list[str]:
    """The columns the attacks assume known.

    As given, else every evaluated column that is neither sensitive nor the target (the
    attacks' default, ``_anonymeter.auxiliary_columns``).
    """
    if ctx.quasi_identifiers:
        return list(ctx.quasi_identifiers)
    hidden = set(ctx.sensitive) | ({ctx.target} if ctx.target else set())
    return [c for c in ctx.columns if c not in hidden]


def holdout_split(data: pd.DataFrame, share: float = 0.2, *, seed: SeedLike = 0
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split real rows into (train, holdout) at random: fit on train, evaluate against both.

    Rows keep their order. An index that ``fit`` learns as data (a MultiIndex, a named
    level, labels such as strings or dates) is kept on both parts; row numbers start at 0
    again on each.

    Parameters
    ----------
    data
        The real table.
    share
        Share of rows kept out as the holdout (between 0 and 1, exclusive).
    seed
        Seed of the shuffle.
    """
    if not isinstance(data, pd.DataFrame):
        raise InvalidParameterError(
            f"holdout_split expects a pandas DataFrame, got {type(data).__name__}. "
            + frame_fix(data))
    if not 0 < share < 1:
        raise InvalidParameterError(f"share must be between 0 and 1, got {share}.")
    n_holdout = round(len(data) * share)
    if n_holdout < 1 or n_holdout >= len(data):
        raise InvalidParameterError(
            f"Cannot keep {share:.0%} of {len(data)} rows as a holdout and still train: pass "
            "more rows or another share.")
    order = as_generator(seed).permutation(len(data))
    train, holdout = data.iloc[np.sort(order[n_holdout:])], data.iloc[np.sort(order[:n_holdout])]
    if holds_data(data.index):  # fit learns such an index as columns: keep it
        return train, holdout
    return train.reset_index(drop=True), holdout.reset_index(drop=True)


def _index_as_columns(frames: dict[str, pd.DataFrame]
                      ) -> tuple[dict[str, pd.DataFrame], list[str], list[str]]:
    """The frames with the real index's levels as their first columns, as ``fit`` learns them.

    A model learns an index that holds data (data/_index_layout.py) as columns, so a sample
    whose index levels are nonsense must score lower: the levels are compared like columns.
    The synthetic and holdout frames give them as the same index, or already as columns.
    Where a frame has neither, or fit would not learn the index either (a level named by a
    non-string, intervals, a level named like a column), the index is left out as before,
    with a note. Returns the frames, the level columns and the notes.
    """
    real = frames["real"]
    learned = learned_columns(real.index, real.columns)
    if learned is None:
        return frames, [], []
    names = list(real.index.names)
    out = {}
    for role, frame in frames.items():
        if role != "real" and list(frame.index.names) != names:
            if all(c in frame.columns for c in learned):
                out[role] = frame  # the levels given as columns
                continue
            shown = ", ".join(map(repr, learned))
            return frames, [], [f"The real data's index levels ({shown}) are not compared: the "
                            f"{role} data has neither that index nor those columns."]
        front = levels_as_columns(frame.index, learned)
        out[role] = pd.concat([front, frame.reset_index(drop=True)], axis=1)
    return out, learned, []
