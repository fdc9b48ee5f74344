"""A table's constraints together: fitted on real data, applied around the model.

``fit`` checks each rule against the schema, counts the real rows that break it, and picks
which rules reparametrize the model's table: a rule reshapes only when none of its columns
belongs to a rule that reshaped before it (two rewrites of one column cannot both be undone),
otherwise it falls back to rejection. ``model_table`` is the schema the model learns;
``reverse`` maps sampled rows back; ``keep`` says which rows obey every rule and keeps count
of each rule's acceptance, for the error when sampling cannot satisfy them.
"""

from __future__ import annotations

import dataclasses
import heapq
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simulacra._warnings import quiet
from simulacra.constraints._base import Constraint, present
from simulacra.constraints._reshape import FixedCombinations, Formula, OneHot
from simulacra.constraints._rules import (
    Inequality,
    Negative,
    Positive,
    Predicate,
    Range,
    SchemaBounds,
    Unique,
)
from simulacra.errors import InvalidParameterError, SchemaError
from simulacra.schema import Table
from simulacra.schema._rule_fields import INFORMATIONAL_FIELDS, rule_problem

KINDS: dict[str, type[Constraint]] = {
    cls.kind: cls for cls in (Inequality, Range, Positive, Negative, Unique, Predicate,
                              FixedCombinations, OneHot, Formula)
}


#: SDV's constraint classes and the kind that does the same here.
_SDV_KINDS = {"Inequality": "inequality", "ScalarInequality": "range", "Range": "range",
              "ScalarRange": "range", "Positive": "positive", "Negative": "negative",
              "Unique": "unique", "FixedCombinations": "fixed_combinations",
              "OneHotEncoding": "one_hot"}


def from_dict(rule: Mapping[str, Any]) -> Constraint:
    """Build a constraint from its JSON form (as kept in a schema's ``constraints``)."""
    kind = rule.get("kind")
    if "kind" not in rule:
        sdv = rule.get("constraint_class")
        hint = (f" It looks like SDV's form ('constraint_class': {sdv!r}); simulacra's names "
                f"the kind and the fields, e.g. {{'kind': 'inequality', 'low': 'start', "
                "'high': 'end'}" + (f" (SDV's {sdv!r} is {_SDV_KINDS[sdv]!r})"
                                    if sdv in _SDV_KINDS else "") + "."
                if sdv is not None else "")
        raise SchemaError(f"Constraint {dict(rule)!r} has no 'kind' field. Kinds: "
                          f"{', '.join(KINDS)}.{hint} See docs/constraints.md.")
    if kind not in KINDS:
        raise SchemaError(f"Unknown constraint kind {kind!r}. Kinds: {', '.join(KINDS)}.")
    problem = rule_problem(rule)  # the schema's own check, so reading and fitting agree
    if problem:
        raise SchemaError(f"Constraint {dict(rule)!r}: {problem}")
    arguments = {k: v for k, v in rule.items()
                 if k != "kind" and k not in INFORMATIONAL_FIELDS}
    try:
        return KINDS[str(kind)](**arguments)
    except TypeError as exc:
        raise SchemaError(f"Constraint {dict(rule)!r} has wrong fields: {exc}.") from None


@dataclass(frozen=True)
class Violation:
    """Real rows that break a rule (reported at fit)."""

    rule: str
    rows: int
    total: int
    examples: tuple[int, ...]

    def __str__(self) -> str:
        shown = ", ".join(map(str, self.examples))
        return (f"{self.rows} of {self.total} real rows break {self.rule!r} (rows {shown}"
                f"{', ...' if self.rows > len(self.examples) else ''})")


class ConstraintSet:
    """The constraints of one table, fitted and applied in order."""

    def __init__(self, rules: Iterable[Constraint | Mapping[str, Any]]) -> None:
        self.rules: list[Constraint] = [r if isinstance(r, Constraint) else from_dict(r)
                                        for r in rules]
        self._passed = np.zeros(len(self.rules), dtype=np.int64)
        self._seen = 0
        # a condition of conditional sampling (synth's, a rule of kind "condition"): how
        # often each rule accepted the candidates that met it (``worst_given``)
        self._given = next((i for i, r in enumerate(self.rules) if r.kind == "condition"),
                           None)
        self._passed_given = np.zeros(len(self.rules), dtype=np.int64)
        self._seen_given = 0

    def __bool__(self) -> bool:
        return bool(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def fit(self, data: pd.DataFrame, table: Table) -> list[Violation]:
        """Check, count real violations, fit the rules; returns the violations."""
        for number, rule in enumerate(self.rules, start=1):
            with _naming(rule, number, table):
                rule.check(table)
                rule.fit(data, table)  # every rule learns from the real columns, as given
        violations: list[Violation] = []
        for number, rule in enumerate(self.rules, start=1):
            with _naming(rule, number, table):  # an expression that cannot be computed
                violation = self._violation(rule, data)
            if violation:
                violations.append(violation)
        for number, rule in enumerate(self.rules, start=1):
            _refuse_if_never_obeyed(rule, data, table, number)
        # A rule reshapes unless another reshaping rule rewrites one of its columns too, or
        # the rules would need each other's columns in a circle; the rest are enforced by
        # rejection. Columns that several rules read (the densities of several years divided
        # by one land area) and chains (a total, then its tax) are fine.
        claimed: list[Constraint] = []
        for rule in self.rules:
            if not rule.reshapes:
                continue
            written = {c for r in claimed for c in r.removed_columns()}
            if written.isdisjoint(rule.removed_columns()) and _in_order([*claimed, rule]):
                claimed.append(rule)
            else:
                _no_reshape(rule)
        return violations

    def model_table(self, table: Table, data: pd.DataFrame) -> Table:
        """The schema of the model's table, for real ``data`` as given to :meth:`fit`."""
        transformed = self.transform(data)
        removed = {c for r in self.rules if r.reshapes for c in r.removed_columns()}
        columns = [c for c in table.columns if c.name not in removed]
        for rule in self.rules:
            if rule.reshapes:
                columns.extend(rule.model_columns(table, transformed))
        return dataclasses.replace(table, columns=tuple(columns), constraints=(),
                                   primary_key=table.primary_key
                                   if table.primary_key not in removed else None)

    def transform(self, data: pd.DataFrame) -> pd.DataFrame:
        """Rewrite real rows for the model (a rule before those that rewrite what it reads)."""
        with _unfragmented():
            for rule in reversed(self.reshaping()):
                data = rule.transform(data)
            return data.copy() if self.rules else data

    def reverse(self, data: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
        """Map sampled rows back to the real table, its ``columns`` in order."""
        # A reverse reads and writes only its rule's columns and the model columns that
        # transforms added (none of them real), so each rule is given a frame of those
        # alone: a reverse rebuilds the frame it is given, and rebuilding all 789 columns
        # of mosaicData::HELPfull once per reshaping rule took most of its sampling time.
        real = set(columns)
        values: dict[Hashable, pd.Series] = {c: data[c] for c in data.columns}
        with _unfragmented():
            for rule in self.reshaping():
                own = set(rule.columns())
                given = [c for c in values if c in own or c not in real]
                out = rule.reverse(pd.DataFrame({c: values[c] for c in given},
                                                index=data.index, copy=False))
                for c in set(given) - set(out.columns):
                    del values[c]
                values.update(out.items())
        # The columns in order, copied into one block per dtype: decoding and the rules
        # leave a block per column, and every later step (rows kept, missing patterns,
        # the chunk's own copy) then works block by block (789 on HELPfull).
        return pd.DataFrame({c: values[c] for c in columns}, index=data.index, copy=True)

    def reshaping(self) -> list[Constraint]:
        """The reshaping rules, each after those that rebuild the columns it reads."""
        order = _in_order([r for r in self.rules if r.reshapes])
        assert order is not None, "fit leaves no circle among reshaping rules"
        return order

    # -- sampling -----------------------------------------------------------------------------

    def begin_sampling(self) -> None:
        """Reset acceptance counts and what stateful rules (Unique) remember."""
        self._passed[:] = 0
        self._seen = 0
        self._passed_given[:] = 0
        self._seen_given = 0
        for rule in self.rules:
            if isinstance(rule, Unique):
                rule.begin_sampling()

    def obeyed(self, data: pd.DataFrame) -> np.ndarray:
        """Which rows obey every rule (nothing is counted or remembered)."""
        mask = np.ones(len(data), dtype=bool)
        for rule in self.rules:
            mask &= rule.valid(data)
        return mask

    def keep(self, data: pd.DataFrame) -> np.ndarray:
        """Which sampled rows obey every rule; counts each rule's acceptance.

        ``data``: rows as :meth:`reverse` gives them, so a reshaping rule whose reverse only
        builds rows that obey it is not checked (checking a fixed combination's rows took 13%
        of sampling DAAG::nassCDS).
        """
        mask = np.ones(len(data), dtype=bool)
        oks: list[np.ndarray | None] = []
        for i, rule in enumerate(self.rules):
            if rule.reshapes and rule.reverse_obeys:
                self._passed[i] += len(data)
                oks.append(None)
                continue
            ok = rule.valid(data)
            self._passed[i] += int(ok.sum())
            mask &= ok
            oks.append(ok)
        self._seen += len(data)
        met = oks[self._given] if self._given is not None else None
        if met is not None:
            self._seen_given += int(met.sum())
            for i, passed in enumerate(oks):
                self._passed_given[i] += int(met.sum() if passed is None
                                             else (passed & met).sum())
        return mask

    def accepted(self, data: pd.DataFrame) -> None:
        """Tell stateful rules which rows were kept."""
        for rule in self.rules:
            if isinstance(rule, Unique):
                rule.accepted(data)

    def worst(self) -> tuple[str, float]:
        """The rule that rejects most, and the share of candidate rows it accepted."""
        if not self._seen:
            return "", 1.0
        rates = self._passed / self._seen
        i = int(np.argmin(rates))
        return self.rules[i].describe(), float(rates[i])

    def worst_given(self) -> tuple[str, float, int]:
        """Among candidates that met the condition: the rule that rejected most, its share.

        And how many candidates met it (0, with ``("", 1.0)``, when none did or there is
        no condition): a condition a rule forbids for most rows the model draws with it
        is then told apart from a condition the model seldom draws.
        """
        if self._given is None or not self._seen_given:
            return "", 1.0, 0
        rates = self._passed_given / self._seen_given
        rates[self._given] = np.inf
        i = int(np.argmin(rates))
        return self.rules[i].describe(), float(rates[i]), self._seen_given

    # -- persistence --------------------------------------------------------------------------

    def to_dicts(self) -> list[dict[str, Any]]:
        """The JSON forms, for a schema.

        Rules that have none (a lambda predicate) are left out; saving a model with one is
        refused with a clear error.
        """
        return [r.to_dict() for r in self.rules
                if not _unsavable(r) and not getattr(r, "declared", False)]

    def get_state(self) -> list[dict[str, Any]]:
        """Rules and fitted states, as JSON values."""
        return [{"rule": r.to_dict(), "reshapes": r.reshapes, "state": r.get_state(),
                 **({"schema_bounds": True} if isinstance(r, SchemaBounds) else {})}
                for r in self.rules]

    @classmethod
    def from_state(cls, state: list[dict[str, Any]], table: Table) -> ConstraintSet:
        """Rebuild a fitted set from :meth:`get_state`."""
        out = cls([_schema_bounds(s["rule"]) if s.get("schema_bounds") else s["rule"]
                   for s in state])
        for rule, saved in zip(out.rules, state, strict=True):
            rule.check(table)
            rule.set_state(saved["state"])
            if not saved["reshapes"]:
                _no_reshape(rule)
        return out

    @staticmethod
    def _violation(rule: Constraint, data: pd.DataFrame) -> Violation | None:
        bad = ~rule.valid(data)
        if isinstance(rule, Unique):
            rule.begin_sampling()
        if not bad.any():
            return None
        return Violation(rule.describe(), int(bad.sum()), len(data),
                         tuple(int(i) for i in np.flatnonzero(bad)[:5]))


NAMED_RULE = "simulacra_rule"
"""Attribute of an error :meth:`ConstraintSet.fit` raises about one rule: its number (from 1,
the table's ``constraints`` first, then those given to fit) and the rule's own message (None
where the message says all)."""


def _named(exc: Exception, number: int, own: str | None) -> Exception:
    setattr(exc, NAMED_RULE, (number, own))  # an attribute the errors do not declare
    return exc


@contextmanager
def _naming(rule: Constraint, number: int, table: Table) -> Iterator[None]:
    """Name the rule, by its place, in the errors it raises while fit checks it."""
    try:
        yield
    except (SchemaError, InvalidParameterError) as exc:
        raise _named(type(exc)(f"{_where(number, table).capitalize()} ({rule.kind}): {exc}"),
                     number, str(exc)) from None


def _where(number: int, table: Table) -> str:
    """Which rule: its number in the table's ``constraints``, or among those given to fit."""
    own = len(table.constraints)
    return (f"constraint {number} of table {table.name!r}" if number <= own else
            f"constraint {number - own} given to fit for table {table.name!r}")


def _refuse_if_never_obeyed(rule: Constraint, data: pd.DataFrame, table: Table,
                            number: int) -> None:
    """A SchemaError for a rule that no real row with values in its columns obeys.

    Or for a one-hot group over values that are no 0/1 flags.

    Such a rule is an editing mistake (swapped bounds, a sign, ``x < x``): the model learns
    rows that break it and sampling could not keep one. A rule most rows break is kept
    (fit warns). Unique always holds on a row's first occurrence, so it never gets here.
    """
    where = _where(number, table)
    not_flags = rule.not_flags(data) if isinstance(rule, OneHot) else ""
    if not_flags:
        raise _named(SchemaError(
            f"The {where} ({rule.kind}: {rule.describe()!r}): {not_flags}, but a one-hot "
            "group's columns flag which one of them holds (1 or True, the others 0 or "
            "False), and the model would rewrite them so. Name only 0/1 columns, or drop "
            "the rule."), number, None)
    claimed = present(data, rule.columns())
    if isinstance(rule, Unique) or not claimed.any() or rule.valid(data)[claimed].any():
        return
    raise _named(SchemaError(
        f"The {where} ({rule.kind}: {rule.describe()!r}) holds in none of the "
        f"{int(claimed.sum())} real rows with values in its columns, so no sampled row could "
        "obey it either. Check the rule (swapped 'low' and 'high', a sign, a column name) "
        "or drop it."), number, None)


def _schema_bounds(rule: Mapping[str, Any]) -> SchemaBounds:
    return SchemaBounds(rule["column"], rule.get("low"), rule.get("high"))


def _unsavable(rule: Constraint) -> bool:
    return isinstance(rule, Predicate) and rule.path is None


@contextmanager
def _unfragmented() -> Iterator[None]:
    """Silence pandas' warning that many rules adding columns one by one fragment a frame.

    The frame a set hands back is a new one (a copy or a selection), so the warning is moot.
    """
    with quiet(pd.errors.PerformanceWarning):
        yield


def _in_order(rules: list[Constraint]) -> list[Constraint] | None:
    """``rules`` with every rule after those that rewrite a column it reads (None: a circle).

    Otherwise the given order is kept (Kahn's sort, the earliest ready rule first).
    """
    writer = {c: i for i, r in enumerate(rules) for c in r.removed_columns()}
    waiting = [0] * len(rules)
    readers: list[list[int]] = [[] for _ in rules]
    for i, rule in enumerate(rules):
        for j in {writer[c] for c in set(rule.columns()) - set(rule.removed_columns())
                  if c in writer}:
            waiting[i] += 1
            readers[j].append(i)
    ready = [i for i, w in enumerate(waiting) if w == 0]
    heapq.heapify(ready)
    done: list[Constraint] = []
    while ready:
        i = heapq.heappop(ready)
        done.append(rules[i])
        for k in readers[i]:
            waiting[k] -= 1
            if waiting[k] == 0:
                heapq.heappush(ready, k)
    return done if len(done) == len(rules) else None


def _no_reshape(rule: Constraint) -> None:
    # Instance attribute: this rule is enforced by rejection only.
    rule.reshapes = False


_LEARNED = ("numerical", "categorical", "boolean", "datetime")


def declared_unique(table: Table, rules: Iterable[Constraint | Mapping[str, Any]]
                    ) -> list[Constraint]:
    """A rule for each learned column the schema marks ``unique`` or makes its primary key.

    Ids, personal data and text are generated unique; a learned column (a date per row, a
    unique measurement) is drawn from the model, so its distinct values are kept by
    rejection. A column already under a ``unique`` rule of its own gets no second one.
    """
    covered = set()
    for rule in rules:
        names = rule.columns() if isinstance(rule, Constraint) else rule.get("columns")
        kind = rule.kind if isinstance(rule, Constraint) else rule.get("kind")
        if kind == "unique" and isinstance(names, list) and len(names) == 1:
            covered.add(names[0])
    return [Unique([c.name], declared=True) for c in table.columns
            if (c.unique or c.name == table.primary_key) and c.kind.value in _LEARNED
            and c.name not in covered]


def check_rules(rules: Iterable[Any] | Constraint | None) -> list[Constraint | Mapping[str, Any]]:
    """Constraints given in Python: Constraint objects or JSON dicts (None or one rule too)."""
    if rules is None:
        return []
    out: list[Constraint | Mapping[str, Any]] = []
    for rule in [rules] if isinstance(rules, Constraint | Mapping) else rules:
        if not isinstance(rule, (Constraint, Mapping)):
            raise InvalidParameterError(
                f"A constraint must be a simulacra.constraints rule (Inequality, Range, ...) "
                f"or its JSON form as a dict. Got {type(rule).__name__}.")
        out.append(rule)
    return out
