"""The fields of each constraint's JSON form, checked when a schema is read and at fit.

A schema's ``constraints`` hold plain JSON; :mod:`simulacra.constraints` gives them meaning.
The schema layer cannot import that layer, so the fields each kind takes are listed here
(``tests/constraints`` checks the list against the constructors) and one function says what
is wrong with a rule: an unknown field (naming the closest one), a missing one or a value of
the wrong type. The same words are used wherever a rule is read.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Real
from typing import Any

__all__ = ["INFORMATIONAL_FIELDS", "RULE_FIELDS", "is_iso_date", "rule_problem"]


@dataclass(frozen=True)
class Field:
    """One field of a rule: its name, whether it must be given and what it holds."""

    name: str
    holds: str  # a key of _CHECKS
    required: bool = False
    shown: bool = True  # False: set by simulacra itself (a model's state), not listed


def _column(value: Any) -> bool:
    # "" too: a DataFrame may name a column so; whether the table has it is checked after
    return isinstance(value, str)


def is_iso_date(text: str) -> bool:
    """Whether ``text`` is an ISO 8601 date or time (a range's fixed date bound)."""
    try:
        dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return False
    return True


def _number(value: Any) -> bool:
    return (isinstance(value, Real) and not isinstance(value, bool)
            and math.isfinite(float(value)))


def _columns(least: int) -> Any:
    def check(value: Any) -> bool:
        return (isinstance(value, list) and len(value) >= least
                and all(_column(v) for v in value))
    return check


_CHECKS: dict[str, tuple[Any, str]] = {
    "column": (_column, "a column name"),
    "columns": (_columns(1), "a list of column names"),
    "columns2": (_columns(2), "a list of two or more column names"),
    "flag": (lambda v: isinstance(v, bool), "true or false"),
    "text": (lambda v: isinstance(v, str) and v.strip() != "", "text"),
    "optional text": (lambda v: v is None or (isinstance(v, str) and v.strip() != ""),
                      "text"),
    "bound": (lambda v: v is None or _column(v) or _number(v),
              "a number, a column name or a date as ISO text"),
    "tolerance": (lambda v: _number(v) and v >= 0, "a number, 0 or more"),
}

_STRICT = Field("strict", "flag")
_REPARAMETRIZE = Field("reparametrize", "flag")

#: The fields each constraint kind takes, in the order of its constructor.
RULE_FIELDS: dict[str, tuple[Field, ...]] = {
    "inequality": (Field("low", "column", True), Field("high", "column", True), _STRICT,
                   _REPARAMETRIZE),
    "range": (Field("column", "column", True), Field("low", "bound"), Field("high", "bound"),
              _STRICT, _REPARAMETRIZE),
    "positive": (Field("column", "column", True), _STRICT),
    "negative": (Field("column", "column", True), _STRICT),
    "unique": (Field("columns", "columns", True), Field("declared", "flag", shown=False)),
    "predicate": (Field("function", "text", True), Field("name", "optional text")),
    "fixed_combinations": (Field("columns", "columns2", True),),
    "one_hot": (Field("columns", "columns2", True),),
    "formula": (Field("column", "column", True), Field("expression", "text", True),
                Field("tolerance", "tolerance")),
}

#: Fields discovery writes for the reader (why a rule was proposed); they change nothing.
INFORMATIONAL_FIELDS = frozenset({"discovered", "share", "reason", "determinant", "dependent"})

#: What each informational field holds: checked like the others, so that a hand-edited
#: ``"share": "high"`` is refused rather than carried along.
_INFORMATION_CHECKS: dict[str, tuple[Any, str]] = {
    "discovered": (lambda v: isinstance(v, bool), "true or false"),
    "share": (lambda v: _number(v) and 0 <= v <= 1, "a number from 0 to 1"),
    "reason": (lambda v: isinstance(v, str), "text"),
    "determinant": (_columns(1), "a list of column names"),
    "dependent": (_column, "a column name"),
}


def rule_problem(rule: Mapping[str, Any]) -> str:
    """What is wrong with the fields of a rule's JSON form ("" when nothing is).

    The rule's ``kind`` must be one of :data:`RULE_FIELDS` (the caller checks it first).
    """
    kind = str(rule.get("kind"))
    fields = RULE_FIELDS[kind]
    names = [f.name for f in fields]
    given = {k: v for k, v in rule.items() if k != "kind" and k not in INFORMATIONAL_FIELDS}
    said = []
    for name in (n for n in given if n not in names):
        close = difflib.get_close_matches(name, names, n=1)
        said.append(f"unknown field {name!r}" + (f" (did you mean {close[0]!r}?)"
                                                 if close else ""))
    said += [f"missing field {f.name!r}" for f in fields if f.required and f.name not in given]
    for field in (f for f in fields if f.name in given):
        check, wanted = _CHECKS[field.holds]
        if not check(given[field.name]):
            said.append(f"{field.name!r} must be {wanted}, not {given[field.name]!r}")
    if kind == "range" and given.get("low") is None and given.get("high") is None:
        said.append("a range needs a 'low' or a 'high' bound")
    said += _information_problems(rule)
    if not said:
        return ""
    required = [f.name for f in fields if f.required]
    optional = [f.name for f in fields if f.shown and not f.required]
    return (f"{'; '.join(said)}. The {kind!r} constraint takes {', '.join(required)}"
            + (f" (and optionally {', '.join(optional)})" if optional else "") + ".")


def _information_problems(rule: Mapping[str, Any]) -> list[str]:
    """What is wrong with the informational fields a discovered rule carries."""
    said = []
    for name in sorted(INFORMATIONAL_FIELDS & set(rule)):
        check, wanted = _INFORMATION_CHECKS[name]
        if not check(rule[name]):
            said.append(f"{name!r} must be {wanted}, not {rule[name]!r} (it is information "
                        "from discovery: remove it, or correct it)")
    if said or ("determinant" not in rule and "dependent" not in rule):
        return said
    listed = rule.get("columns") if rule.get("kind") == "fixed_combinations" else None
    named = [*rule.get("determinant", []), *([rule["dependent"]] if "dependent" in rule
                                             else [])]
    outside = [n for n in named if not isinstance(listed, list) or n not in listed]
    if outside:
        said.append(f"'determinant' and 'dependent' must be among the rule's 'columns' "
                    f"{listed!r}; {outside!r} are not (they are information from discovery: "
                    "remove them, or correct them)")
    return said

