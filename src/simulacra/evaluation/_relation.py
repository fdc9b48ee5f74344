"""One foreign key of a database, prepared for its metrics: links, the join, per-parent counts.

A :class:`Relation` holds the real and synthetic child and parent tables of one foreign key,
each child row's parent (:class:`~simulacra.evaluation._keys.Link`), and builds on demand
the two evaluation contexts its metrics share:

- the *denormalized join*: every child row with its parent's columns (named
  ``parent_table.column``), for parent-child pair trends and detection;
- the *parent table with its child count* (a numeric column ``n_<child_table>``), for how
  the number of children follows the parent's attributes.

Keys are not compared as values; a child whose reference is missing or dangles gets empty
parent columns in the join.
"""

from __future__ import annotations

import dataclasses
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from simulacra.evaluation._context import NUMERICAL, EvalContext, Limits, prepare
from simulacra.evaluation._keys import Link, evaluated_columns, relationship_name
from simulacra.evaluation._metric import Metric, MetricResult
from simulacra.evaluation._pairs import contingency_similarity, correlation, cramers_v
from simulacra.evaluation._tables import joint_counts
from simulacra.schema import Column, ForeignKey, Kind, Table

SIDES = ("real", "synthetic")


@dataclass
class Relation:
    """The prepared inputs of one foreign key's metrics, and their shared caches.

    Parameters
    ----------
    fk
        The foreign key.
    child_table, parent_table
        The two tables' schemas, key columns of kind id.
    child, parent
        The child and parent frames by side ("real", "synthetic").
    links
        Each child row's parent row, by side.
    seed
        Seeds the metrics that draw at random (detection).
    limits
        Row caps (detection trains on at most ``limits.model_rows`` rows per side).
    """

    fk: ForeignKey
    child_table: Table
    parent_table: Table
    child: dict[str, pd.DataFrame]
    parent: dict[str, pd.DataFrame]
    links: dict[str, Link]
    seed: int = 0
    limits: Limits = field(default_factory=Limits)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        """``child.column -> parent.column``."""
        return relationship_name(self.fk)

    @property
    def count_column(self) -> str:
        """The name of the children-per-parent column of :meth:`counts_context`."""
        names = set(self.parent_table.column_names)
        name = f"n_{self.fk.child_table}"
        while name in names:
            name += "_"
        return name

    def parent_columns(self) -> dict[str, str]:
        """Evaluated parent columns: original name -> name in the join."""
        taken = set(self.child_table.column_names)
        out: dict[str, str] = {}
        for column in evaluated_columns(self.parent_table):
            name = f"{self.fk.parent_table}.{column.name}"
            while name in taken:
                name += "_"
            taken.add(name)
            out[column.name] = name
        return out

    def child_columns(self) -> list[str]:
        """Evaluated child columns (their names in the join are unchanged)."""
        return [c.name for c in evaluated_columns(self.child_table)]

    def joined(self) -> EvalContext | None:
        """The context of the denormalized join (None when it has no evaluated column)."""
        return self._cached("joined", self._join)

    def counts(self) -> EvalContext | None:
        """The context of the parent table with its child count (None without parents)."""
        return self._cached("counts", self._count)

    def _cached(self, key: str, build: Callable[[], EvalContext | None]) -> EvalContext | None:
        if key not in self._cache:
            self._cache[key] = build()
        out: EvalContext | None = self._cache[key]
        return out

    def _join(self) -> EvalContext | None:
        renamed = self.parent_columns()
        columns = [c for c in evaluated_columns(self.child_table)]
        columns += [dataclasses.replace(self.parent_table.column(old), name=new)
                    for old, new in renamed.items()]
        if not columns or min(len(self.child[side]) for side in SIDES) == 0:
            return None
        frames = {}
        for side in SIDES:
            rows = self.links[side].parent_row
            parent = self.parent[side][list(renamed)].reset_index(drop=True).reindex(rows)
            parent.columns = list(renamed.values())
            child = self.child[side][self.child_columns()].reset_index(drop=True)
            frames[side] = pd.concat([child, parent.reset_index(drop=True)], axis=1)
        table = Table(f"{self.fk.child_table} joined with {self.fk.parent_table}",
                      tuple(columns))
        return self._prepare(frames, table, "join")

    def _count(self) -> EvalContext | None:
        if min(len(self.parent[side]) for side in SIDES) == 0:
            return None
        name = self.count_column
        columns = (*evaluated_columns(self.parent_table),
                   Column(name, Kind.NUMERICAL, dtype="int64", integer=True))
        frames = {}
        for side in SIDES:
            frame = self.parent[side][[c.name for c in columns[:-1]]].reset_index(drop=True)
            frames[side] = frame.assign(**{name: self.links[side].children_per_parent()})
        return self._prepare(frames, Table(self.fk.parent_table, columns), "counts")

    def _prepare(self, frames: dict[str, pd.DataFrame], table: Table, what: str
                 ) -> EvalContext:
        labels = {side: f"the {side} {what} of {self.name}" for side in SIDES}
        seed = int(np.random.SeedSequence(
            self.seed, spawn_key=(zlib.crc32(f"{self.name}:{what}".encode()),))
            .generate_state(1)[0])
        return prepare(frames["real"], frames["synthetic"], table, seed=seed,
                       limits=self.limits, labels=labels)


class RelationMetric(Metric):
    """Base of the metrics of one foreign key: ``measure_relation`` instead of ``measure``."""

    requires: ClassVar[tuple[str, ...]] = ()

    def measure_relation(self, relation: Relation) -> MetricResult:
        """Compute the metric for one foreign key."""
        raise NotImplementedError


def pair_score(ctx: EvalContext, a: str, b: str) -> dict[str, Any] | None:
    """Pair-trend score of columns ``a`` and ``b``, as in ``pair_trends``.

    Two numeric columns: 1 - |real correlation - synthetic correlation| / 2 (None when the
    real correlation is undefined); any other pair: contingency similarity, with Cramer's V
    of each side for reference.
    """
    if ctx.types[a] == NUMERICAL and ctx.types[b] == NUMERICAL:
        real, syn = (correlation(ctx, side, a, b) for side in SIDES)
        if real is None:
            return None
        return {"a": a, "b": b, "metric": "correlation", "real": real, "synthetic": syn,
                "score": 1.0 - abs(real - (syn if syn is not None else 0.0)) / 2.0}
    return {"a": a, "b": b, "metric": "contingency",
            "real": cramers_v(joint_counts(ctx, "real", (a, b)), ctx, a, b),
            "synthetic": cramers_v(joint_counts(ctx, "synthetic", (a, b)), ctx, a, b),
            "score": contingency_similarity(ctx, a, b)}
