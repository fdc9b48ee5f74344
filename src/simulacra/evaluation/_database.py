"""``evaluate_database``: every table on its own, then every foreign key between them.

Per table, the single-table metrics (fidelity by default) run through :func:`evaluate` with
the key columns set to kind id, so keys are never compared as values. Per foreign key:
``integrity``, ``cardinality``, ``cardinality_trends``, ``parent_child_trends`` and
``join_detection`` (see :mod:`._cardinality` and :mod:`._intertable`). Per table with a
primary key: ``primary_key``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import pandas as pd
from threadpoolctl import threadpool_limits

from simulacra._progress import Progress, or_null
from simulacra._random import SeedLike
from simulacra._version import __version__
from simulacra.errors import DataValidationError, InvalidParameterError, Issue, SchemaError
from simulacra.evaluation._builtin import DEFAULT_METRICS
from simulacra.evaluation._cardinality import Cardinality, CardinalityTrends
from simulacra.evaluation._context import Limits
from simulacra.evaluation._database_report import DatabaseReport, RelationshipReport
from simulacra.evaluation._evaluate import _int, evaluate
from simulacra.evaluation._intertable import (
    Integrity,
    JoinDetection,
    ParentChildTrends,
    PrimaryKey,
)
from simulacra.evaluation._keys import evaluated_columns, keys_as_ids, link, primary_key_columns
from simulacra.evaluation._metric import METRICS, Family, MetricResult
from simulacra.evaluation._relation import Relation, RelationMetric
from simulacra.evaluation._report import Report
from simulacra.schema import ForeignKey, Schema, Table

#: The metrics of one foreign key, in report order.
RELATIONSHIP_METRICS: dict[str, type[RelationMetric]] = {
    m.name: m for m in (Integrity, Cardinality, CardinalityTrends, ParentChildTrends,
                        JoinDetection)}
#: The single-table metrics run on each table by default: the fidelity family.
TABLE_METRICS: tuple[str, ...] = tuple(
    name for name in DEFAULT_METRICS if METRICS.get(name).family == Family.FIDELITY)


def evaluate_database(
    real: Mapping[str, pd.DataFrame],
    synthetic: Mapping[str, pd.DataFrame],
    schema: Schema,
    *,
    holdout: Mapping[str, pd.DataFrame] | None = None,
    metrics: Sequence[str] | None = None,
    seed: SeedLike = 0,
    limits: Limits | None = None,
    n_jobs: int = 1,
    progress: Progress | None = None,
) -> DatabaseReport:
    """Measure how faithful a synthetic database is: each table, and the links between them.

    Parameters
    ----------
    real
        The real tables by name (those the generator was trained on).
    synthetic
        The generated tables by name, with the real tables' columns.
    schema
        Tables, primary keys and foreign keys. Key columns are checked for integrity and
        used to link rows, never compared as values.
    holdout
        Real rows the generator never saw, by table name (tables left out are evaluated
        without). Passed on to the single-table evaluation of each table.
    metrics
        Names of the metrics to run: single-table metrics (``metric_names()``), run on every
        table, and relationship metrics (``integrity``, ``cardinality``,
        ``cardinality_trends``, ``parent_child_trends``, ``join_detection``), run on every
        foreign key. Default: the fidelity metrics and every relationship metric.
    seed
        Seeds subsampling and cross-validation; the same seed gives the same report.
    limits
        Row caps for the costly metrics (:class:`Limits`), per table and per join.
    n_jobs
        Threads for model training (one by default, as in :func:`evaluate`).
    progress
        Receives one task per table and one per foreign key.

    Returns
    -------
    DatabaseReport
        Per-table reports, per-relationship results, primary-key results, the overall score
        and the scorecard.

    Raises
    ------
    SchemaError
        When a foreign key names a table or column the schema lacks.
    DataValidationError
        When a table is missing from ``real`` or ``synthetic``, or lacks a schema column
        (all such problems are listed at once).
    InvalidParameterError
        When ``metrics`` names an unknown metric, or ``n_jobs`` is below 1.
    """
    started = time.perf_counter()
    _check_schema(schema)
    holdout = dict(holdout or {})
    _check_frames({"real": real, "synthetic": synthetic, "holdout": holdout}, schema)
    table_names, relation_names = _split_metrics(metrics)
    if n_jobs < 1:
        raise InvalidParameterError(f"n_jobs must be at least 1, got {n_jobs}.")
    seed_int, limits = _int(seed), limits or Limits()
    sink = or_null(progress)
    notes: list[str] = []
    tables: dict[str, Report] = {}
    keys: dict[str, MetricResult] = {}
    for table in schema.tables:
        sink.start(f"table {table.name}", total=1)
        tables[table.name] = _table_report(table, schema, real, synthetic, holdout,
                                           table_names, seed_int, limits, n_jobs, notes)
        columns = primary_key_columns(table)
        if columns:
            keys[table.name] = PrimaryKey().measure_frames(
                {"real": real[table.name], "synthetic": synthetic[table.name]}, columns)
        sink.advance()
        sink.finish()
    relationships = []
    for fk in schema.foreign_keys:
        relation = _relation(fk, schema, real, synthetic, seed_int, limits)
        sink.start(f"relationship {relation.name}", total=len(relation_names))
        results = []
        for name in relation_names:
            with threadpool_limits(limits=n_jobs):
                results.append(_run(RELATIONSHIP_METRICS[name](), relation))
            sink.advance()
        sink.finish()
        relationships.append(RelationshipReport(fk, tuple(results)))
    info = _info(schema, real, synthetic, holdout, seed_int, limits, notes,
                 time.perf_counter() - started)
    return DatabaseReport(tables, tuple(relationships), keys, info)


def _run(metric: RelationMetric, relation: Relation) -> MetricResult:
    started = time.perf_counter()
    result = metric.measure_relation(relation)
    return MetricResult(**{**result.__dict__, "seconds": time.perf_counter() - started})


def _table_report(table: Table, schema: Schema, real: Mapping[str, pd.DataFrame],
                  synthetic: Mapping[str, pd.DataFrame], holdout: dict[str, pd.DataFrame],
                  metrics: list[str], seed: int, limits: Limits, n_jobs: int,
                  notes: list[str]) -> Report:
    keyed = keys_as_ids(schema, table)
    rows = {"real": len(real[table.name]), "synthetic": len(synthetic[table.name])}
    if table.name in holdout:
        rows["holdout"] = len(holdout[table.name])
    reason = ("no single-table metric was asked for" if not metrics else
              "every column is a key, an id, free text or PII"
              if not evaluated_columns(keyed) else "")
    if reason:
        if metrics:
            notes.append(f"Table {table.name!r} has no column to compare: {reason}.")
        return Report((), {"table": table.name, "rows": rows, "skipped": reason})
    # a child's rows are grouped by parent: siblings are alike, and detection must not score
    # by recognizing a real parent's other children
    parent_keys = [fk.child_columns[0] for fk in schema.foreign_keys
                   if fk.child_table == table.name and len(fk.child_columns) == 1]
    return evaluate(real[table.name], synthetic[table.name], holdout=holdout.get(table.name),
                    schema=keyed, metrics=metrics, seed=seed, limits=limits, n_jobs=n_jobs,
                    group_by=parent_keys[0] if parent_keys else None)


def _relation(fk: ForeignKey, schema: Schema, real: Mapping[str, pd.DataFrame],
              synthetic: Mapping[str, pd.DataFrame], seed: int, limits: Limits) -> Relation:
    sides = {"real": real, "synthetic": synthetic}
    child = {side: frames[fk.child_table] for side, frames in sides.items()}
    parent = {side: frames[fk.parent_table] for side, frames in sides.items()}
    links = {side: link(child[side], parent[side], fk) for side in sides}
    return Relation(fk, keys_as_ids(schema, schema.table(fk.child_table)),
                    keys_as_ids(schema, schema.table(fk.parent_table)), child, parent, links,
                    seed=seed, limits=limits)


def _split_metrics(metrics: Sequence[str] | None) -> tuple[list[str], list[str]]:
    if metrics is None:
        return list(TABLE_METRICS), list(RELATIONSHIP_METRICS)
    names = list(metrics)
    unknown = [n for n in names if n not in METRICS and n not in RELATIONSHIP_METRICS]
    if unknown:
        raise InvalidParameterError(
            f"Unknown metric(s) {', '.join(map(repr, unknown))}. Table metrics: "
            f"{', '.join(METRICS.names())}; relationship metrics: "
            f"{', '.join(RELATIONSHIP_METRICS)}.")
    return ([n for n in names if n in METRICS],
            [n for n in RELATIONSHIP_METRICS if n in names])


def _check_schema(schema: Schema) -> None:
    if not isinstance(schema, Schema):
        raise InvalidParameterError(
            f"schema must be a simulacra Schema (with its tables and foreign keys), got "
            f"{type(schema).__name__}. Build one with Schema(...) or Schema.read(path).")
    names = {t.name for t in schema.tables}
    for fk in schema.foreign_keys:
        for table, columns in ((fk.child_table, fk.child_columns),
                               (fk.parent_table, fk.parent_columns)):
            if table not in names:
                raise SchemaError(f"A foreign key names the table {table!r}, which the "
                                  f"schema lacks. Tables: {', '.join(sorted(names))}.")
            for column in columns:
                schema.table(table).column(column)
        if len(fk.child_columns) != len(fk.parent_columns) or not fk.child_columns:
            raise SchemaError(
                f"The foreign key from {fk.child_table!r} to {fk.parent_table!r} pairs "
                f"{len(fk.child_columns)} child column(s) with {len(fk.parent_columns)} "
                "parent column(s). Give as many of each (at least one).")


def _check_frames(given: dict[str, Mapping[str, pd.DataFrame]], schema: Schema) -> None:
    issues: list[Issue] = []
    for side, frames in given.items():
        if not isinstance(frames, Mapping):
            raise InvalidParameterError(
                f"The {side} data must be a mapping of table name to DataFrame (as "
                f"read_database returns), got {type(frames).__name__}.")
        for table in schema.tables:
            frame = frames.get(table.name)
            if frame is None:
                if side != "holdout":
                    issues.append(Issue(f"The {side} data has no table {table.name!r}.",
                                        table=table.name, fix="Pass every table of the "
                                        f"schema; the {side} data has: "
                                        f"{', '.join(map(str, frames)) or 'none'}."))
                continue
            if not isinstance(frame, pd.DataFrame):
                issues.append(Issue(f"The {side} table is a {type(frame).__name__}, not a "
                                    "pandas DataFrame.", table=table.name,
                                    fix="Pass a DataFrame per table."))
                continue
            lacking = [c for c in table.column_names if c not in frame.columns]
            if lacking:
                issues.append(Issue(
                    f"The {side} table lacks the column(s) {', '.join(map(repr, lacking))}.",
                    table=table.name, fix="Give it the columns of the schema."))
    if issues:
        raise DataValidationError.of(issues, source="the database")


def _info(schema: Schema, real: Mapping[str, pd.DataFrame],
          synthetic: Mapping[str, pd.DataFrame], holdout: dict[str, pd.DataFrame], seed: int,
          limits: Limits, notes: list[str], seconds: float) -> dict[str, object]:
    rows = {t.name: {"real": len(real[t.name]), "synthetic": len(synthetic[t.name]),
                     **({"holdout": len(holdout[t.name])} if t.name in holdout else {})}
            for t in schema.tables}
    return {
        "simulacra_version": __version__,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "seed": seed,
        "tables": [t.name for t in schema.tables],
        "rows": rows,
        "foreign_keys": [fk.to_dict() for fk in schema.foreign_keys],
        "limits": {"model_rows": limits.model_rows, "distance_rows": limits.distance_rows,
                   "triples": limits.triples},
        "notes": notes,
        "seconds": round(seconds, 3),
    }

