"""The fit-time plan of the relational synthesizer: keys, links, counts and parent context.

Every table's rows are split into *keys* (primary-key columns, columns a foreign key refers
to, and foreign-key columns: regenerated at sampling) and *attributes* (learned by the table's
model). Each child table has one *driving* foreign key, its first in the schema: the parent's
model learns how many such children each parent row has (a count column beside the parent's
attributes) and the child's model learns the child's attributes next to a few of its parent's
columns (the *context*), so children are drawn given their own synthetic parent. A child's
other foreign keys are drawn among the synthetic rows of their parent, weighted by that
parent's learned count of references. A child column whose value is the same for every child
of a parent (a patient's age repeated on each visit) is *inherited*: the parent's model learns
it as one more column and sampling copies the parent's value into all its children.

Broken keys in the real data (duplicate primary keys, references to no parent, NULL
references) are counted per table and relationship in a :class:`KeyReport`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from simulacra.data._sql import primary_key_columns
from simulacra.errors import DataValidationError, SchemaError
from simulacra.schema import Column, ForeignKey, Kind, Role, Schema, Table
from simulacra.schema._check import check_table_shape
from simulacra.synth._visit_order import nmi

CONTEXT_PREFIX = "parent."
COUNT_PREFIX = "n_children."
INHERIT_PREFIX = "inherited."
LEVEL_PREFIX = "level."  # a child column's mean per parent, learned by the parent
LEVEL_SHARE = 0.3  # share of variance between parents, above chance, to learn the level
MAX_LEVELS = 8
_SCORE_ROWS = 20_000
_BINS = 12


def link_name(fk: ForeignKey) -> str:
    """A readable name of a relationship: ``"orders(customer_id) -> customers(id)"``."""
    return (f"{fk.child_table}({', '.join(fk.child_columns)}) -> "
            f"{fk.parent_table}({', '.join(fk.parent_columns)})")


def count_column(fk: ForeignKey) -> str:
    """The name of the count column a parent learns for relationship ``fk``."""
    return f"{COUNT_PREFIX}{fk.child_table}({','.join(fk.child_columns)})"


def inherit_column(fk: ForeignKey, column: str) -> str:
    """The name of the parent's column that holds child column ``column`` of relationship ``fk``."""
    return f"{INHERIT_PREFIX}{fk.child_table}({','.join(fk.child_columns)}).{column}"


@dataclass
class LinkReport:
    """Broken references of one relationship in the real data."""

    relationship: str
    orphans: int = 0
    null_references: int = 0
    duplicate_parent_keys: int = 0

    @property
    def broken(self) -> bool:
        """True when any count is not zero."""
        return bool(self.orphans or self.null_references or self.duplicate_parent_keys)


@dataclass
class KeyReport:
    """Broken keys found at fit: per table duplicate primary keys, per relationship links."""

    duplicate_primary_keys: dict[str, int] = field(default_factory=dict)
    links: list[LinkReport] = field(default_factory=list)

    def messages(self) -> list[str]:
        """One sentence per problem found (empty when the keys are intact)."""
        out = [f"table {t!r}: {n} row(s) repeat a primary key of another row"
               for t, n in self.duplicate_primary_keys.items() if n]
        for link in self.links:
            if link.orphans:
                out.append(f"{link.relationship}: {link.orphans} row(s) refer to no parent row")
            if link.null_references:
                out.append(f"{link.relationship}: {link.null_references} row(s) have a NULL "
                           "reference")
            if link.duplicate_parent_keys:
                out.append(f"{link.relationship}: {link.duplicate_parent_keys} parent row(s) "
                           "repeat a referenced key (children were counted for the first)")
        return out

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {"duplicate_primary_keys": dict(self.duplicate_primary_keys),
                "links": [vars(link).copy() for link in self.links]}


# ---- structure ----------------------------------------------------------------------------
def check_inputs(tables: Mapping[str, pd.DataFrame], schema: Schema | None) -> Schema:
    """Every schema table has a frame with its columns, and the keys name real columns.

    Returns the schema, checked.
    """
    if not isinstance(schema, Schema):
        raise SchemaError(
            f"RelationalSynthesizer.fit needs a Schema with the tables and foreign keys. Got "
            f"{type(schema).__name__}. Propose one from the frames with "
            "simulacra.infer_relations(frames) (check its keys: schema.to_json()), "
            "build one with Schema(tables, foreign_keys), or read it with read_database / "
            "read_folder.")
    if not isinstance(tables, Mapping):
        raise SchemaError(f"fit expects a dict of table name -> DataFrame. Got "
                          f"{type(tables).__name__}.")
    names = [t.name for t in schema.tables]
    extra = sorted(set(tables) - set(names))
    if extra:
        raise SchemaError(f"fit got table(s) {extra} that the schema does not describe. "
                          f"Schema tables: {', '.join(names)}.")
    for table in schema.tables:
        frame = tables.get(table.name)
        if not isinstance(frame, pd.DataFrame):
            raise SchemaError(f"fit has no DataFrame for table {table.name!r}. Pass one per "
                              f"schema table ({', '.join(names)}).")
        missing = [c for c in table.column_names if c not in frame.columns]
        if missing:
            raise SchemaError(f"Table {table.name!r}: the data lacks column(s) {missing}.")
    seen: set[ForeignKey] = set()
    for fk in schema.foreign_keys:
        if fk in seen:
            raise SchemaError(
                f"The schema declares the foreign key {link_name(fk)} twice. Drop one of "
                "them (a schema from infer_relations may already hold it).")
        seen.add(fk)
    for fk in schema.foreign_keys:
        where = f"Foreign key {link_name(fk)}"
        if len(fk.child_columns) != len(fk.parent_columns) or not fk.child_columns:
            raise SchemaError(f"{where}: it needs as many child as parent columns (>= 1).")
        for tname, cols in ((fk.child_table, fk.child_columns),
                            (fk.parent_table, fk.parent_columns)):
            known = schema.table(tname).column_names
            bad = [c for c in cols if c not in known]
            if bad:
                raise SchemaError(f"{where} names column(s) {bad} that table {tname!r} does "
                                  f"not have. Columns: {', '.join(known)}.")
    issues = [i for t in schema.tables for i in check_table_shape(tables[t.name], t.name)]
    if issues:
        raise DataValidationError.of(issues)
    return schema


def check_references(tables: Mapping[str, pd.DataFrame], schema: Schema,
                     positions: Sequence[np.ndarray]) -> None:
    """Refuse foreign keys that no synthetic database could keep.

    A foreign key must refer to the parent's primary key or to columns whose values are
    unique (sampling regenerates the referenced columns as new keys, so a repeated value
    such as an age would be replaced by key numbers); a repeated primary key is only
    reported. A child whose driving key finds no parent row at all has nothing to learn its
    rows beside, which is nearly always a key of another type or the wrong column.
    """
    driving = driving_links(schema)
    for i, fk in enumerate(schema.foreign_keys):
        parent = schema.table(fk.parent_table)
        where = f"Foreign key {link_name(fk)}"
        values = tables[fk.parent_table][list(fk.parent_columns)].dropna()
        repeats = int(values.duplicated().sum())
        if fk.parent_columns != primary_key_columns(parent) and repeats:
            raise SchemaError(
                f"{where}: {fk.parent_table}({', '.join(fk.parent_columns)}) is not the "
                f"primary key of {fk.parent_table!r} and its values repeat ({repeats} of "
                f"{len(values)} rows repeat an earlier row's value), so it cannot identify a "
                f"parent row. Fix: refer to a unique column (the primary key), or drop this "
                "foreign key from the schema.")
        child = tables[fk.child_table]
        if driving[fk.child_table] is fk and len(child) and not (positions[i] >= 0).any():
            types = ", ".join(f"{fk.child_table}.{c} {child[c].dtype}, {fk.parent_table}.{p} "
                              f"{tables[fk.parent_table][p].dtype}"
                              for c, p in zip(fk.child_columns, fk.parent_columns, strict=True))
            raise SchemaError(
                f"{where}: none of the {len(child)} rows of {fk.child_table!r} refers to a "
                f"row of {fk.parent_table!r} (every value is NULL or missing from the parent; "
                f"{types}). Fix: check that the columns hold the same keys in the same type, "
                "or name the right columns in the schema.")


def driving_links(schema: Schema) -> dict[str, ForeignKey]:
    """Each child table's first foreign key, which drives its counts and context."""
    out: dict[str, ForeignKey] = {}
    for fk in schema.foreign_keys:
        out.setdefault(fk.child_table, fk)
    return out


def key_sets(table: Table, schema: Schema) -> list[tuple[str, ...]]:
    """Column sets that must stay unique: the primary key and every referenced column set."""
    sets = [primary_key_columns(table)] if primary_key_columns(table) else []
    for fk in schema.foreign_keys:
        if fk.parent_table == table.name and fk.parent_columns not in sets:
            sets.append(fk.parent_columns)
    return sets


def key_columns(table: Table, schema: Schema) -> list[str]:
    """Columns regenerated at sampling rather than learned (keys and references)."""
    cols = {c for s in key_sets(table, schema) for c in s}
    cols |= {c for fk in schema.foreign_keys if fk.child_table == table.name
             for c in fk.child_columns}
    return [c for c in table.column_names if c in cols]


def counter_starts(table: Table, schema: Schema, real: pd.DataFrame) -> dict[str, int]:
    """Where each key column numbered within its referenced part starts, as in the real data.

    Sampling numbers such a column 1, 2, 3 within each synthetic parent (a line number); a
    column whose real numbering starts elsewhere (years 1982, 1983 ... of each state, hours
    from 0) starts at the most common real start instead. Mirrors ``_key_numbers``: the
    foreign-key columns are given, then each key column in table order.
    """
    given = {c for fk in schema.foreign_keys if fk.child_table == table.name
             for c in fk.child_columns}
    out: dict[str, int] = {}
    for column in key_columns(table, schema):
        if column in given:
            continue
        group = next(([c for c in s if c in given] for s in key_sets(table, schema)
                      if column in s and any(c in given for c in s)), None)
        given.add(column)
        values = real[column]
        if not group or not pd.api.types.is_integer_dtype(values.dtype) or values.empty:
            continue
        starts = values.groupby([real[c] for c in group], dropna=False).min()
        out[column] = int(starts.mode().min())
    return out

# ---- joining children to parents ----------------------------------------------------------
def _tuples(frame: pd.DataFrame, columns: Sequence[str]) -> pd.MultiIndex:
    return pd.MultiIndex.from_frame(frame[list(columns)].astype(object))


def parent_positions(child: pd.DataFrame, parent: pd.DataFrame, fk: ForeignKey
                     ) -> tuple[np.ndarray, LinkReport]:
    """Row position in ``parent`` of each child row's parent (-1: NULL or orphan)."""
    report = LinkReport(link_name(fk))
    parent_keys = _tuples(parent, fk.parent_columns)
    dup = parent_keys.duplicated()
    report.duplicate_parent_keys = int(dup.sum())
    lookup = pd.Series(np.flatnonzero(~dup), index=parent_keys[~dup])
    null = child[list(fk.child_columns)].isna().any(axis=1).to_numpy()
    report.null_references = int(null.sum())
    # compare as the parent's types: 3 and 3.0 are one key
    probe = child[list(fk.child_columns)].copy()
    for c, p in zip(fk.child_columns, fk.parent_columns, strict=True):
        if not null.all() and pd.api.types.is_numeric_dtype(parent[p].dtype):
            probe[c] = pd.to_numeric(probe[c], errors="coerce")
            if pd.api.types.is_integer_dtype(parent[p].dtype):
                probe[c] = probe[c].astype("Int64").astype(object)
    found = lookup.reindex(_tuples(probe, fk.child_columns)).to_numpy()
    pos = np.where(np.isnan(found.astype(float)), -1, found).astype(np.int64)
    pos[null] = -1
    report.orphans = int(((pos < 0) & ~null).sum())
    return pos, report


def duplicate_keys(frame: pd.DataFrame, table: Table) -> int:
    """Rows whose primary key repeats an earlier row's."""
    key = primary_key_columns(table)
    return int(frame[list(key)].duplicated().sum()) if key else 0


def count_children(positions: np.ndarray, n_parents: int) -> np.ndarray:
    """How many children (positions >= 0) each parent row has."""
    return np.bincount(positions[positions >= 0], minlength=n_parents).astype(np.int64)


def count_spec(name: str, counts: np.ndarray) -> Column:
    """The schema of a count column."""
    return Column(name, Kind.NUMERICAL, dtype="int64", integer=True, decimals=0,
                  minimum=0.0, maximum=float(counts.max()) if counts.size else 0.0)


def inherit_spec(column: Column, name: str, values: pd.Series) -> Column:
    """The schema of a child column learned by the parent as ``name`` (missing: no child)."""
    return dataclasses.replace(column, name=name, role=Role.FEATURE, dtype=str(values.dtype),
                               missing_share=float(values.isna().mean()), unique=False)


def context_spec(column: Column, values: pd.Series) -> Column:
    """A parent column as context in a child's model table (drawn first, as a target)."""
    return Column(CONTEXT_PREFIX + column.name, column.kind, role=Role.TARGET,
                  dtype=str(values.dtype), missing_share=float(values.isna().mean()),
                  integer=column.integer, decimals=column.decimals, minimum=column.minimum,
                  maximum=column.maximum, cardinality=column.cardinality,
                  datetime_format=column.datetime_format, timezone=column.timezone)


# ---- child columns that are the parent's ---------------------------------------------------
def constant_within_parents(child: pd.DataFrame, columns: Sequence[str], positions: np.ndarray,
                            *, chance: float = 1e-3) -> list[str]:
    """The ``columns`` whose value is the same for all children of every parent.

    Missing is a value. Only parents with two or more children are evidence, and there must be
    enough of it: columns constant over all rows are left out, and so are columns whose
    constancy has more than ``chance`` probability of happening by coincidence under their
    marginal distribution (a 50/50 flag needs about ten repeated children).
    """
    keep = np.flatnonzero(positions >= 0)
    order = keep[np.argsort(positions[keep], kind="stable")]
    same_parent = positions[order][1:] == positions[order][:-1]
    repeats = int(same_parent.sum())  # sum over parents of (children - 1)
    if repeats == 0:
        return []
    out = []
    for name in columns:
        codes, _ = pd.factorize(child[name].iloc[order], use_na_sentinel=False)
        shares = np.bincount(codes) / codes.size
        purity = float((shares ** 2).sum())
        if shares.size <= 1 or repeats * np.log(purity) > np.log(chance):
            continue
        if (codes[1:] == codes[:-1])[same_parent].all():
            out.append(name)
    return out


def level_column(fk: ForeignKey, column: str) -> str:
    """The name of the parent's column holding the mean of child column ``column``."""
    return f"{LEVEL_PREFIX}{fk.child_table}({','.join(fk.child_columns)}).{column}"


def child_levels(child: pd.DataFrame, columns: Sequence[str], positions: np.ndarray
                 ) -> list[str]:
    """The number ``columns`` whose level is mostly the parent's (a state's violent crime).

    Panels: a state's rows of 23 years vary far less than the states do, and rows drawn
    given the year alone mix every state's levels. A column qualifies when its share of
    variance between parents (the correlation ratio) beats what that many parents would
    show by chance by at least :data:`LEVEL_SHARE`; at most :data:`MAX_LEVELS`, highest
    first. None unless parents have two or more children on average.
    """
    keep = positions >= 0
    groups = positions[keep]
    n_parents = np.unique(groups).size
    if groups.size < 2 * n_parents or n_parents < 2:
        return []
    chance = (n_parents - 1) / (groups.size - 1)
    shares = {}
    for name in columns:
        x = pd.to_numeric(child[name].iloc[np.flatnonzero(keep)], errors="coerce")
        x = x.reset_index(drop=True)
        ok = x.notna().to_numpy()
        total = float(x[ok].var()) if ok.sum() > 2 else 0.0
        if total <= 0:
            continue
        means = x[ok].groupby(groups[ok]).transform("mean")
        share = float(((means - x[ok].mean()) ** 2).mean() / x[ok].var(ddof=0))
        if share - chance >= LEVEL_SHARE:
            shares[name] = share
    best = sorted(shares, key=lambda c: -shares[c])[:MAX_LEVELS]
    return [c for c in columns if c in best]


def parent_means(child: pd.Series, positions: np.ndarray, n_parents: int) -> pd.Series:
    """Per parent row the mean of its children's ``child`` (missing for a childless parent)."""
    keep = positions >= 0
    x = pd.to_numeric(child.reset_index(drop=True), errors="coerce")[keep]
    means = x.groupby(positions[keep]).mean()
    return means.reindex(np.arange(n_parents)).reset_index(drop=True).astype(np.float64)


def level_spec(name: str, values: pd.Series) -> Column:
    """The schema of a parent's column of child means."""
    return Column(name, Kind.NUMERICAL, dtype="float64",
                  missing_share=float(values.isna().mean()))


def parent_values(child: pd.Series, positions: np.ndarray, n_parents: int) -> pd.Series:
    """Per parent row the value of its first child (missing for a childless parent)."""
    keep = np.flatnonzero(positions >= 0)
    order = keep[np.argsort(positions[keep], kind="stable")]
    starts = order[np.r_[True, positions[order][1:] != positions[order][:-1]]] if order.size \
        else order
    first = np.full(n_parents, -1, dtype=np.int64)
    first[positions[starts]] = starts
    return child.reset_index(drop=True).reindex(first).reset_index(drop=True)


# ---- which parent columns a child sees ----------------------------------------------------
def choose_context(parent: pd.DataFrame, parent_specs: Sequence[Column], child: pd.DataFrame,
                   positions: np.ndarray, limit: int, rng: np.random.Generator,
                   *, discrete_only: bool) -> list[str]:
    """Up to ``limit`` parent columns most tied to the child's attributes (binned NMI).

    ``positions`` are the parent rows of the child rows (all >= 0). With ``discrete_only``
    only categorical and boolean columns qualify (for models that condition by rejection).
    """
    ok = (Kind.CATEGORICAL, Kind.BOOLEAN) if discrete_only else (
        Kind.NUMERICAL, Kind.CATEGORICAL, Kind.BOOLEAN, Kind.DATETIME)
    candidates = [c.name for c in parent_specs if c.kind in ok and parent[c.name].nunique() > 1]
    if limit <= 0 or not candidates:
        return []
    if len(candidates) <= limit or child.shape[1] == 0:
        return candidates[:limit]
    rows = np.arange(len(child))
    if rows.size > _SCORE_ROWS:
        rows = np.sort(rng.choice(rows.size, _SCORE_ROWS, replace=False))
    child_codes = [_codes(child[c].iloc[rows]) for c in child.columns]
    scores = []
    for name in candidates:
        codes = _codes(parent[name].iloc[positions[rows]])
        scores.append(max(nmi(codes, other) for other in child_codes))
    best = np.argsort(-np.asarray(scores), kind="stable")[:limit]
    return [candidates[i] for i in sorted(best)]


def _codes(values: pd.Series) -> np.ndarray:
    """Small non-negative integer codes: quantile bins of numbers, top categories of others."""
    missing = values.isna().to_numpy()
    if (pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(
            values.dtype)) or pd.api.types.is_datetime64_any_dtype(values.dtype):
        numbers = values.astype("float64") if not pd.api.types.is_datetime64_any_dtype(
            values.dtype) else values.astype("int64").astype("float64")
        x = numbers.to_numpy(dtype=np.float64, na_value=np.nan)
        present = x[~missing]
        edges = (np.unique(np.quantile(present, np.linspace(0, 1, _BINS + 1)[1:-1]))
                 if present.size else np.empty(0))
        codes = np.searchsorted(edges, np.nan_to_num(x), side="right")
    else:
        labels, _ = pd.factorize(values.astype(object))
        counts = np.bincount(labels[labels >= 0]) if (labels >= 0).any() else np.zeros(1)
        top = np.argsort(-counts, kind="stable")[: _BINS - 1]
        remap = np.full(max(counts.size, 1), _BINS - 1)
        remap[top] = np.arange(top.size)
        codes = remap[np.maximum(labels, 0)]
    return np.where(missing, _BINS + 1, codes).astype(np.int64)
