"""MockData: deterministic, random-access generation of every table of a spec.

Rows are made in fixed blocks of :data:`BLOCK_ROWS`. Column ``c`` of block ``b`` of table
``t`` draws from ``SeedSequence(seed, spawn_key=(0, t, b, c, attempt))``, so any row range
is the same whatever was generated before (a REST server can serve pages from it), and a
column's values do not change when another column is added. Unique values are functions of
the global row number (sequences, keyed permutations), so they stay unique across blocks.

Foreign keys: every parent row gets a number of children drawn from the first foreign key's
``per_parent`` (stream ``(2, t, parent block)``); their cumulative sum maps child rows to
parent rows, and the child's column holds the parent's key. Further foreign keys pick a
parent row uniformly (stream ``(1, t, k, b)``).

Constraints: rows of a block that break a rule are redrawn (their non-key columns, stream
``attempt`` 1, 2, ...) at most :data:`MAX_ATTEMPTS` times; then SamplingError names the rule
and its acceptance rate.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulacra.constraints import Constraint, from_dict
from simulacra.errors import InvalidParameterError, SamplingError
from simulacra.mock._checks import column_order, static_table, table_order, unique_capacity
from simulacra.mock._columns import ColumnGenerator
from simulacra.mock._spec import MockSpec, TableSpec, load_spec
from simulacra.schema._model import Column, Table

__all__ = ["BLOCK_ROWS", "MAX_ATTEMPTS", "MockData"]

BLOCK_ROWS = 65_536
MAX_ATTEMPTS = 50
_CACHED_BLOCKS = 4


@dataclasses.dataclass
class _Plan:
    """What is needed to generate one table."""

    spec: TableSpec
    index: int
    generators: dict[str, ColumnGenerator]
    order: list[str]
    n_rows: int
    starts: np.ndarray | None = None  # child row where each parent's children begin
    rules: list[Constraint] = dataclasses.field(default_factory=list)
    dtypes: dict[str, str] = dataclasses.field(default_factory=dict)


class MockData:
    """The tables of a mock spec, generated on demand.

    Parameters
    ----------
    spec
        A spec from :func:`~simulacra.mock.load_spec`, or what it reads (a file, a mapping).
    seed
        The seed (default: the spec's ``seed``, else 0). Same seed, same rows.
    rows
        Row count of every root table (one without foreign keys), instead of the spec's.

    Attributes
    ----------
    tables : list of str
        Table names, parents before children.
    """

    def __init__(self, spec: MockSpec | Mapping[str, Any] | str | Path, *,
                 seed: int | None = None, rows: int | None = None) -> None:
        if not isinstance(spec, MockSpec):  # a spec's text, file or mapping, as load_spec
            spec = load_spec(spec)
        for name, value in (("seed", seed), ("rows", rows)):
            if value is not None and (not isinstance(value, (int, np.integer))
                                      or isinstance(value, bool) or value < 0):
                raise InvalidParameterError(
                    f"MockData: {name} must be a non-negative integer; got {value!r}.")
        self.spec = spec
        self.seed = int(seed if seed is not None else spec.seed if spec.seed is not None else 0)
        self.rows_override = None if rows is None else int(rows)
        self.tables: list[str] = table_order(spec)
        self._plans: dict[str, _Plan] = {}
        for name in self.tables:
            self._plans[name] = self._plan(spec.table(name))
        self._cache: OrderedDict[tuple[str, int], pd.DataFrame] = OrderedDict()
        self._keys: OrderedDict[tuple[str, str, int], pd.Series] = OrderedDict()
        self._lock = threading.RLock()  # the block caches, for servers calling from threads

    # ---- public ----------------------------------------------------------------------------
    def n_rows(self, table: str) -> int:
        """How many rows ``table`` has."""
        return self._get(table).n_rows

    def table_schema(self, table: str) -> Table:
        """The schema of ``table``'s output: kinds, dtypes, primary key, constraints."""
        plan = self._get(table)
        parents = {t.name: t for t in self.spec.tables}
        base = static_table(plan.spec, parents)
        cols = [dataclasses.replace(c, dtype=plan.dtypes[c.name]) for c in base.columns]
        return Table(base.name, tuple(cols), primary_key=base.primary_key,
                     constraints=tuple(dict(r) for r in plan.spec.constraints))

    def rows(self, table: str, start: int, stop: int) -> pd.DataFrame:
        """Rows ``start .. stop - 1`` of ``table`` (index ``start .. stop - 1``).

        Deterministic for (seed, table, row range), whatever else was generated.
        """
        plan = self._get(table)
        if not (isinstance(start, (int, np.integer)) and isinstance(stop, (int, np.integer))
                and 0 <= start <= stop):
            raise InvalidParameterError(
                f"rows({table!r}, {start!r}, {stop!r}): need integers 0 <= start <= stop.")
        stop = min(int(stop), plan.n_rows)
        start = min(int(start), stop)
        if start == stop:
            return self._empty(plan, start)
        parts = []
        for b in range(start // BLOCK_ROWS, (stop - 1) // BLOCK_ROWS + 1):
            with self._lock:
                block = self._cached_block(plan, b)
            parts.append(block.loc[max(start, b * BLOCK_ROWS): stop - 1])
        return parts[0] if len(parts) == 1 else pd.concat(parts)

    def iter_chunks(self, table: str, chunk_rows: int | None = None) -> Iterator[pd.DataFrame]:
        """The rows of ``table`` in chunks of ``chunk_rows`` (default :data:`BLOCK_ROWS`)."""
        plan = self._get(table)
        size = BLOCK_ROWS if chunk_rows is None else chunk_rows
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise InvalidParameterError(f"chunk_rows must be a positive integer; got {size!r}.")
        if plan.n_rows == 0:
            yield self._empty(plan, 0)
            return
        for start in range(0, plan.n_rows, size):
            stop = min(start + size, plan.n_rows)
            if size == BLOCK_ROWS:
                with self._lock:
                    block = self._block(plan, start // BLOCK_ROWS)
                yield block
            else:
                yield self.rows(table, start, stop)

    # ---- planning ----------------------------------------------------------------------------
    def _get(self, table: str) -> _Plan:
        plan = self._plans.get(table)
        if plan is None:
            raise InvalidParameterError(
                f"The mock data has no table {table!r}. Tables: {', '.join(self.tables)}.")
        return plan

    def _plan(self, spec: TableSpec) -> _Plan:
        index = self.spec.table_names.index(spec.name)
        gens = {c.name: ColumnGenerator(c, table=spec.name, seed=self.seed,
                                        locale=self.spec.locale) for c in spec.columns}
        graph = {name: [d for d in g.depends if d in gens] for name, g in gens.items()}
        order = column_order(graph)
        plan = _Plan(spec, index, gens, order, 0)
        if spec.is_root:
            plan.n_rows = spec.rows if self.rows_override is None else self.rows_override
        else:
            plan.starts = self._child_starts(spec, index)
            plan.n_rows = int(plan.starts[-1])
        for col in spec.columns:
            cap = unique_capacity(col)
            if cap is not None and plan.n_rows > cap:
                raise InvalidParameterError(
                    f"{col.where}: a unique {col.generator} column can take {cap:,} distinct "
                    f"values, fewer than the {plan.n_rows:,} rows asked for. Ask for fewer "
                    "rows, or add values / lengthen the pattern in the spec.")
        plan.dtypes = {fk.column: self._key_dtype(fk.parent, fk.parent_column)
                       for fk in spec.foreign_keys}
        plan.dtypes.update({name: g.dtype for name, g in gens.items()})
        plan.rules = [from_dict(r) for r in spec.constraints]
        if plan.rules:
            empty = self._empty(plan, 0)
            table = Table(spec.name, tuple(Column(n, static_table(spec).column(n).kind,
                                                  dtype=plan.dtypes[n])
                                           for n in spec.column_names))
            for rule in plan.rules:
                rule.fit(empty, table)
        return plan

    def _key_dtype(self, parent: str, column: str) -> str:
        return self._plans[parent].generators[column].dtype

    def _child_starts(self, spec: TableSpec, index: int) -> np.ndarray:
        fk = spec.foreign_keys[0]
        parent = self._plans[fk.parent]
        assert fk.per_parent is not None
        gen = ColumnGenerator(fk.per_parent, table=spec.name, seed=self.seed,
                              locale=self.spec.locale)
        counts = []
        for b in range(0, -(-parent.n_rows // BLOCK_ROWS)):
            rows = np.arange(b * BLOCK_ROWS, min((b + 1) * BLOCK_ROWS, parent.n_rows))
            seq = np.random.SeedSequence(self.seed, spawn_key=(2, index, b))
            drawn = pd.to_numeric(gen.generate(rows, seq, {}), errors="coerce")
            values = np.nan_to_num(drawn.to_numpy(dtype=np.float64, na_value=0.0))
            counts.append(np.maximum(np.rint(values), 0).astype(np.int64))
        starts = np.zeros(parent.n_rows + 1, dtype=np.int64)
        if counts:
            np.cumsum(np.concatenate(counts), out=starts[1:])
        return starts

    # ---- blocks ------------------------------------------------------------------------------
    def _seq(self, plan: _Plan, b: int, column: str, attempt: int) -> np.random.SeedSequence:
        c = [col.name for col in plan.spec.columns].index(column)
        return np.random.SeedSequence(self.seed, spawn_key=(0, plan.index, b, c, attempt))

    def _cached_block(self, plan: _Plan, b: int) -> pd.DataFrame:
        key = (plan.spec.name, b)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        block = self._block(plan, b)
        self._cache[key] = block
        if len(self._cache) > _CACHED_BLOCKS:
            self._cache.popitem(last=False)
        return block

    def _block(self, plan: _Plan, b: int) -> pd.DataFrame:
        start = b * BLOCK_ROWS
        rows = np.arange(start, min(start + BLOCK_ROWS, plan.n_rows), dtype=np.int64)
        frame: dict[str, pd.Series] = self._foreign_keys(plan, b, rows)
        for name in plan.order:
            frame[name] = plan.generators[name].generate(rows, self._seq(plan, b, name, 0), frame)
        out = pd.DataFrame(frame)[plan.spec.column_names]
        if plan.rules:
            out = self._enforce(plan, b, rows, out)
        out.index = pd.RangeIndex(start, start + len(rows))
        return out

    def _foreign_keys(self, plan: _Plan, b: int, rows: np.ndarray) -> dict[str, pd.Series]:
        out: dict[str, pd.Series] = {}
        for k, fk in enumerate(plan.spec.foreign_keys):
            parent = self._plans[fk.parent]
            if k == 0:
                assert plan.starts is not None
                picked = np.searchsorted(plan.starts, rows, side="right") - 1
            else:
                if parent.n_rows == 0 and len(rows):
                    raise SamplingError(
                        f"{plan.spec.name}.{fk.column}: the parent table {fk.parent!r} has "
                        "no rows to reference. Give it rows (-n, or rows in the spec).")
                rng = np.random.default_rng(np.random.SeedSequence(
                    self.seed, spawn_key=(1, plan.index, k, b)))
                picked = rng.integers(0, max(parent.n_rows, 1), len(rows))
            out[fk.column] = self._key_values(parent, fk.parent_column, picked)
        return out

    def _key_values(self, parent: _Plan, column: str, picked: np.ndarray) -> pd.Series:
        gen = parent.generators[column]
        if gen.spec.generator == "sequence":  # a function of the row number alone
            return gen.generate(picked, np.random.SeedSequence(0), {})
        blocks = picked // BLOCK_ROWS
        parts: list[pd.Series] = []
        order: list[np.ndarray] = []
        for pb in np.unique(blocks):
            pos = np.flatnonzero(blocks == pb)
            values = self._key_block(parent, column, int(pb))
            parts.append(values.take(picked[pos] - int(pb) * BLOCK_ROWS))
            order.append(pos)
        if not parts:
            return pd.Series([], dtype=gen.dtype)
        merged = pd.concat(parts, ignore_index=True)
        inverse = np.empty(len(picked), dtype=np.int64)
        inverse[np.concatenate(order)] = np.arange(len(picked))
        return merged.take(inverse).reset_index(drop=True)

    def _key_block(self, parent: _Plan, column: str, pb: int) -> pd.Series:
        key = (parent.spec.name, column, pb)
        if key in self._keys:
            self._keys.move_to_end(key)
            return self._keys[key]
        start = pb * BLOCK_ROWS
        rows = np.arange(start, min(start + BLOCK_ROWS, parent.n_rows), dtype=np.int64)
        values = parent.generators[column].generate(rows, self._seq(parent, pb, column, 0), {})
        self._keys[key] = values
        if len(self._keys) > 2 * _CACHED_BLOCKS:
            self._keys.popitem(last=False)
        return values

    def _empty(self, plan: _Plan, start: int) -> pd.DataFrame:
        data = {n: pd.Series([], dtype=plan.dtypes[n]) for n in plan.spec.column_names}
        return pd.DataFrame(data, index=pd.RangeIndex(start, start))

    # ---- constraints -------------------------------------------------------------------------
    def _enforce(self, plan: _Plan, b: int, rows: np.ndarray, df: pd.DataFrame) -> pd.DataFrame:
        ok, passed = _check(plan.rules, df)
        seen = len(df)
        redrawn = [n for n in plan.order if not plan.generators[n].fixed]
        attempt = 0
        while not ok.all():
            attempt += 1
            bad = np.flatnonzero(~ok)
            if attempt > MAX_ATTEMPTS or not redrawn:
                raise _rejection_error(plan, passed, seen, len(bad), attempt - 1)
            sub = self._redraw(plan, b, rows[bad], df.iloc[bad].reset_index(drop=True), attempt)
            for name in redrawn:
                column = df[name].copy()
                column.iloc[bad] = sub[name].to_numpy()
                df[name] = column
            sub_ok, sub_passed = _check(plan.rules, sub)
            ok[bad] = sub_ok
            passed += sub_passed
            seen += len(bad)
        return df

    def _redraw(self, plan: _Plan, b: int, rows: np.ndarray, old: pd.DataFrame,
                attempt: int) -> pd.DataFrame:
        """New values for ``rows`` in every column that is not fixed by the row number."""
        frame: dict[str, pd.Series] = {fk.column: old[fk.column]
                                       for fk in plan.spec.foreign_keys}
        for name in plan.order:
            gen = plan.generators[name]
            frame[name] = old[name] if gen.fixed else gen.generate(
                rows, self._seq(plan, b, name, attempt), frame)
        return pd.DataFrame(frame)[plan.spec.column_names]


def _check(rules: list[Constraint], df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    ok = np.ones(len(df), dtype=bool)
    passed = np.zeros(len(rules), dtype=np.int64)
    for i, rule in enumerate(rules):
        valid = rule.valid(df)
        passed[i] = int(valid.sum())
        ok &= valid
    return ok, passed


def _rejection_error(plan: _Plan, passed: np.ndarray, seen: int, left: int,
                     redraws: int) -> SamplingError:
    rates = passed / max(seen, 1)
    worst = int(np.argmin(rates))
    rule = plan.rules[worst]
    return SamplingError(
        f"Table {plan.spec.name!r}: after {redraws} redraws, {left} row(s) still break "
        f"the constraint {rule.describe()!r} (constraint {worst + 1}), which accepted "
        f"{rates[worst]:.1%} of {seen} candidate rows. Fix: change the columns' generators so "
        "that most rows obey it (e.g. derive one column from the other with a formula), or "
        "loosen the constraint.")
