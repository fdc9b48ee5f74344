"""Parsing one column of the spec: which generator, its parameters, its modifiers.

A column is a mapping with exactly one generator key (``normal: {mean: 40, std: 12}``,
``faker: email``, ``regex: "[A-Z]{3}"``...) and modifiers (``null_share``, ``unique``,
``min``/``max``/``decimals`` for numbers, ``locale`` for Faker, ``weights`` for choice,
``format``/``timezone`` for dates). Problems go to :class:`~._spec.Issues` with their path.
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from collections.abc import Mapping
from typing import Any

import pandas as pd

from simulacra.errors import SchemaError, SpecError
from simulacra.mock._expressions import parse_expression
from simulacra.mock._providers import check_provider, unique_capable
from simulacra.mock._regex import parse_regex
from simulacra.mock._spec import CaseSpec, ColumnSpec, Issues, PathKey, did_you_mean

__all__ = ["GENERATORS", "INVALID", "NUMBER_GENERATORS", "parse_column"]

INVALID = "invalid"
"""The generator of a column whose spec has problems (never reaches a generated table)."""

DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "normal": ("mean", "std"),
    "lognormal": ("mean", "sigma"),
    "uniform": ("low", "high"),
    "poisson": ("lam",),
}
NUMBER_GENERATORS = (*DISTRIBUTIONS, "formula")
GENERATORS = (*DISTRIBUTIONS, "choice", "empirical", "boolean", "constant", "sequence", "uuid",
              "faker", "regex", "date", "datetime", "formula", "cases")
_COMMON = ("null_share", "unique")
_EXTRA: dict[str, tuple[str, ...]] = {
    **{name: ("min", "max", "decimals") for name in NUMBER_GENERATORS},
    "faker": ("locale", "args", "pool"),
    "choice": ("weights",),
    "date": ("format",),
    "datetime": ("format", "timezone"),
}
_ALIASES = {
    "gauss": "normal", "gaussian": "normal", "norm": "normal", "random": "uniform",
    "randint": "uniform", "exponential": "lognormal", "enum": "choice", "oneof": "choice",
    "categorical": "choice", "pattern": "regex", "seq": "sequence", "autoincrement": "sequence",
    "bool": "boolean", "const": "constant", "value": "constant", "expression": "formula",
    "expr": "formula", "timestamp": "datetime", "if": "cases", "switch": "cases",
}
_UNIQUE_OK = ("sequence", "uuid", "regex", "choice", "empirical", "faker")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def parse_column(name: str, data: Any, path: PathKey, issues: Issues) -> ColumnSpec:
    """The column spec at ``path``; an :data:`INVALID` one (issues recorded) if malformed."""
    if not isinstance(data, Mapping):
        issues.add(path, f"a column must be a mapping such as {{uniform: {{low: 0, high: 1}}}}; "
                   f"got {type(data).__name__} {data!r}.",
                   f"give a generator, one of {', '.join(GENERATORS)}.")
        return ColumnSpec(name, INVALID, None, path)
    found = [k for k in data if k in GENERATORS]
    if len(found) != 1:
        _no_generator(data, found, path, issues)
        return ColumnSpec(name, INVALID, None, path)  # keeps its name known to the checks
    gen = str(found[0])
    allowed = (gen, *_COMMON, *_EXTRA.get(gen, ()))
    issues.check_keys(path, data, allowed, f"a {gen} column")
    params = _PARAMS[gen](data[gen], (*path, gen), issues)
    spec = ColumnSpec(name=name, generator=gen, params=params, path=path, **_modifiers(
        data, gen, path, issues))
    if gen == "cases":
        spec = _with_cases(spec, data["cases"], (*path, "cases"), issues)
    if spec.weights is not None and isinstance(params, list) and len(spec.weights) != len(params):
        issues.add((*path, "weights"), f"{len(spec.weights)} weights for {len(params)} "
                   "choices.", "give one weight per value.")
    _check_unique(spec, issues)
    return spec


def _no_generator(data: Mapping[str, Any], found: list[Any], path: PathKey,
                  issues: Issues) -> None:
    if found:
        issues.add((*path, str(found[1])), f"a column has one generator; got "
                   f"{', '.join(map(str, found))}.", "keep one (use 'cases' to combine).")
        return
    unknown = [str(k) for k in data if k not in (*_COMMON, *sum(_EXTRA.values(), ()))]
    if unknown:
        word = unknown[0]
        hint = (f" Did you mean {_ALIASES[word.lower()]!r}?" if word.lower() in _ALIASES
                else did_you_mean(word, GENERATORS))
        issues.add((*path, word), f"unknown generator {word!r}; expected one of "
                   f"{', '.join(GENERATORS)}.{hint}",
                   "name a generator, e.g. {normal: {mean: 0, std: 1}}.")
    else:
        issues.add(path, "the column names no generator.",
                   f"add one of {', '.join(GENERATORS)}.")


def _modifiers(data: Mapping[str, Any], gen: str, path: PathKey,
               issues: Issues) -> dict[str, Any]:
    out: dict[str, Any] = {}
    share = data.get("null_share", 0.0)
    if not _is_number(share) or not 0.0 <= float(share) < 1.0:
        issues.add((*path, "null_share"), f"null_share must be a number in [0, 1); got {share!r}.",
                   "give the share of missing values, e.g. 0.1.")
    else:
        out["null_share"] = float(share)
    unique = data.get("unique", False)
    if not isinstance(unique, bool):
        issues.add((*path, "unique"), f"unique must be true or false; got {unique!r}.")
    out["unique"] = unique is True
    for key, field in (("min", "minimum"), ("max", "maximum")):
        if key in data:
            if _is_number(data[key]) and not math.isnan(data[key]):
                out[field] = float(data[key])
            else:
                issues.add((*path, key), f"{key} must be a number; got {data[key]!r}.")
    if "minimum" in out and "maximum" in out and out["minimum"] > out["maximum"]:
        issues.add((*path, "min"), f"min {out['minimum']} is above max {out['maximum']}.")
    if "decimals" in data:
        d = data["decimals"]
        if isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 12:
            out["decimals"] = d
        else:
            issues.add((*path, "decimals"), f"decimals must be an integer 0..12; got {d!r}.")
    _text_modifiers(data, gen, path, issues, out)
    return out


def _text_modifiers(data: Mapping[str, Any], gen: str, path: PathKey, issues: Issues,
                    out: dict[str, Any]) -> None:
    for key in ("locale", "format"):
        if key in data and not isinstance(data[key], str):
            issues.add((*path, key), f"{key} must be a string; got {data[key]!r}.")
        elif key in data:
            out[key] = data[key]
    if "timezone" in data:
        try:
            zoneinfo.ZoneInfo(str(data["timezone"]))
            out["timezone"] = str(data["timezone"])
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            issues.add((*path, "timezone"), f"unknown timezone {data['timezone']!r}.",
                       "use an IANA name such as 'UTC' or 'Europe/Berlin'.")
    if "args" in data:
        if isinstance(data["args"], Mapping):
            out["args"] = dict(data["args"])
        else:
            issues.add((*path, "args"), "args must be a mapping of Faker keyword arguments.")
    if "pool" in data:
        pool = data["pool"]
        if isinstance(pool, int) and not isinstance(pool, bool) and 1 <= pool <= 1_000_000:
            out["pool"] = pool
        else:
            issues.add((*path, "pool"), f"pool must be an integer 1..1000000; got {pool!r}.")
    if "weights" in data:
        w = data["weights"]
        if (isinstance(w, list) and w and all(_is_number(x) and x >= 0 for x in w)
                and sum(w) > 0):
            out["weights"] = tuple(float(x) for x in w)
        else:
            issues.add((*path, "weights"), f"weights must be a list of non-negative numbers "
                       f"with a positive sum; got {w!r}.")


# ---- generator parameters ---------------------------------------------------------------------
def _distribution(gen: str) -> Any:
    names = DISTRIBUTIONS[gen]

    def parse(value: Any, path: PathKey, issues: Issues) -> dict[str, float]:
        if not isinstance(value, Mapping):
            issues.add(path, f"{gen} needs a mapping of {', '.join(names)}; got {value!r}.",
                       f"write {gen}: {{{', '.join(f'{n}: ...' for n in names)}}}.")
            return {}
        issues.check_keys(path, value, names, f"the {gen} distribution")
        out: dict[str, float] = {}
        for n in names:
            if n not in value:
                issues.add(path, f"{gen} lacks its parameter {n!r}.", f"add {n}: <number>.")
            elif not _is_number(value[n]) or not math.isfinite(value[n]):
                issues.add((*path, n), f"{n} must be a finite number; got {value[n]!r}.")
            else:
                out[n] = float(value[n])
        bad = [n for n in ("std", "sigma", "lam") if out.get(n, 0.0) < 0]
        if bad:
            issues.add((*path, bad[0]), f"{bad[0]} must be >= 0; got {out[bad[0]]}.")
        if gen == "uniform" and out.get("low", 0.0) > out.get("high", 0.0):
            issues.add(path, f"uniform low {out['low']} is above high {out['high']}.")
        elif gen == "uniform" and not math.isfinite(out.get("high", 0.0) - out.get("low", 0.0)):
            issues.add(path, f"uniform from {out['low']} to {out['high']} spans more than a "
                       "float can hold.", "narrow the range.")
        return out

    return parse


def _values(gen: str) -> Any:
    def parse(value: Any, path: PathKey, issues: Issues) -> list[Any]:
        if not isinstance(value, list) or not value:
            issues.add(path, f"{gen} needs a non-empty list of values; got {value!r}.",
                       f"write {gen}: [a, b, c].")
            return []
        kinds = {_scalar_kind(v) for v in value}
        if None in kinds or (len(kinds) > 1 and not kinds <= {"int", "float"}):
            issues.add(path, f"{gen} values must be all numbers, all strings, all booleans "
                       f"or all dates; got {value!r}.")
        return list(value)

    return parse


def _scalar_kind(value: Any) -> str | None:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, (dt.date, dt.datetime)):
        return "date"
    return None


def _boolean(value: Any, path: PathKey, issues: Issues) -> float:
    if not _is_number(value) or not 0.0 <= float(value) <= 1.0:
        issues.add(path, f"boolean takes the share of true values in [0, 1]; got {value!r}.")
        return 0.5
    return float(value)


def _constant(value: Any, path: PathKey, issues: Issues) -> Any:
    if _scalar_kind(value) is None and value is not None:
        issues.add(path, f"constant must be a number, string, boolean or date; got {value!r}.")
    return value


def _sequence(value: Any, path: PathKey, issues: Issues) -> dict[str, Any]:
    if value is True:
        return {"start": 1, "step": 1}
    if not isinstance(value, Mapping):
        issues.add(path, f"sequence must be true or {{start: 1, step: 1}}; got {value!r}.")
        return {}
    issues.check_keys(path, value, ("start", "step", "format"), "a sequence")
    out = {"start": value.get("start", 1), "step": value.get("step", 1)}
    for key in ("start", "step"):
        if not isinstance(out[key], int) or isinstance(out[key], bool):
            issues.add((*path, key), f"{key} must be an integer; got {out[key]!r}.")
    if out["step"] == 0:
        issues.add((*path, "step"), "step must not be 0 (values would repeat).")
    if "format" in value:
        from simulacra.data._fake import parse_id_template

        try:
            parse_id_template(str(value["format"]))
            out["format"] = str(value["format"])
        except SchemaError as exc:
            issues.add((*path, "format"), str(exc))
    return out


def _uuid(value: Any, path: PathKey, issues: Issues) -> bool:
    if value is not True:
        issues.add(path, f"uuid takes true; got {value!r}.", "write uuid: true.")
    return True


def _faker(value: Any, path: PathKey, issues: Issues) -> str:
    if not isinstance(value, str) or not value.isidentifier():
        issues.add(path, f"faker takes a provider name such as name or city; got {value!r}.")
        return ""
    return value


def _regex(value: Any, path: PathKey, issues: Issues) -> str:
    if not isinstance(value, str) or not value:
        issues.add(path, f"regex takes a pattern string; got {value!r}.")
        return ""
    try:
        parse_regex(value)
    except SpecError as exc:
        issues.add(path, str(exc), "use classes, ranges, literals, {m,n}, ?, +, *, | and ( ).")
    return value


def _dates(gen: str) -> Any:
    def parse(value: Any, path: PathKey, issues: Issues) -> dict[str, pd.Timestamp]:
        if not isinstance(value, Mapping) or not {"start", "end"} <= set(value):
            issues.add(path, f"{gen} needs {{start: ..., end: ...}}; got {value!r}.",
                       f"write {gen}: {{start: 2020-01-01, end: 2024-12-31}}.")
            return {}
        issues.check_keys(path, value, ("start", "end"), f"a {gen} range")
        out: dict[str, pd.Timestamp] = {}
        for key in ("start", "end"):
            try:
                out[key] = pd.Timestamp(value[key]).tz_localize(None)
            except (ValueError, TypeError):
                issues.add((*path, key), f"{key} is not a date: {value[key]!r}.",
                           "write it as 2024-01-31 or 2024-01-31T12:00:00.")
        if len(out) == 2 and out["start"] > out["end"]:
            issues.add(path, f"start {value['start']} is after end {value['end']}.")
        return out

    return parse


def _formula(value: Any, path: PathKey, issues: Issues) -> str:
    if not isinstance(value, str) or not value.strip():
        issues.add(path, f"formula takes an expression string; got {value!r}.")
        return ""
    try:
        parse_expression(value)
    except SpecError as exc:
        issues.add(path, str(exc))
    return value


def _cases(value: Any, path: PathKey, issues: Issues) -> list[Any]:
    if not isinstance(value, list) or not value:
        issues.add(path, "cases takes a list of {if: ..., then: ...} and a last {else: ...}.")
        return []
    return value


_PARAMS: dict[str, Any] = {
    **{name: _distribution(name) for name in DISTRIBUTIONS},
    "choice": _values("choice"), "empirical": _values("empirical"), "boolean": _boolean,
    "constant": _constant, "sequence": _sequence, "uuid": _uuid, "faker": _faker,
    "regex": _regex, "date": _dates("date"), "datetime": _dates("datetime"),
    "formula": _formula, "cases": _cases,
}


def _with_cases(spec: ColumnSpec, items: Any, path: PathKey, issues: Issues) -> ColumnSpec:
    out: list[CaseSpec] = []
    for i, item in enumerate(items if isinstance(items, list) else []):
        where = (*path, i)
        if not isinstance(item, Mapping):
            issues.add(where, f"a case must be a mapping; got {item!r}.")
            continue
        if "else" in item:
            issues.check_keys(where, item, ("else",), "an else case")
            if i != len(items) - 1:
                issues.add(where, "else must be the last case.")
            branch = _branch(spec.name, item["else"], (*where, "else"), issues)
            out.append(CaseSpec(None, branch))
            continue
        issues.check_keys(where, item, ("if", "then"), "a case")
        if "if" not in item or "then" not in item:
            issues.add(where, "a case needs 'if' and 'then' (or is a last 'else').")
            continue
        _formula(item["if"], (*where, "if"), issues)
        out.append(CaseSpec(str(item["if"]), _branch(spec.name, item["then"], (*where, "then"),
                                                     issues)))
    return ColumnSpec(**{**spec.__dict__, "cases": tuple(out)})


def _branch(name: str, value: Any, path: PathKey, issues: Issues) -> ColumnSpec:
    if not isinstance(value, Mapping):
        value = {"constant": value}
    return parse_column(name, value, path, issues)


def _check_unique(spec: ColumnSpec, issues: Issues) -> None:
    if not spec.unique:
        return
    path = (*spec.path, "unique")
    if spec.generator not in _UNIQUE_OK:
        issues.add(path, f"unique cannot be honoured by a {spec.generator} column (values "
                   "may repeat).", "use sequence, uuid, regex, choice or a Faker provider "
                   "that supports unique values, or drop unique.")
    elif spec.generator == "faker" and spec.params and not unique_capable(spec.params):
        issues.add(path, f"the Faker provider {spec.params!r} is drawn from a pool of values, "
                   "so unique values cannot be guaranteed.",
                   "use a provider with a unique mode (name, first_name, last_name, email, "
                   "phone_number, street_address, iban, credit_card_number, ssn), a regex, "
                   "or drop unique.")
    elif spec.generator == "regex" and spec.params:
        try:
            if parse_regex(spec.params).capacity() is None:
                issues.add(path, "a unique regex needs a pattern of fixed length (literals, "
                           "classes and {n} repeats, no ?, *, +, {m,n} or |).",
                           "make the pattern fixed-length, e.g. [A-Z]{3}-[0-9]{6}.")
        except SpecError:
            pass
    if spec.null_share:
        issues.add((*spec.path, "null_share"), "a unique column cannot have missing values.",
                   "drop null_share or unique.")


def check_faker(spec: ColumnSpec, locale: str, issues: Issues) -> None:
    """Record an issue when the column's Faker provider or locale does not exist."""
    if spec.generator == "faker" and spec.params:
        problem = check_provider(spec.params, spec.locale or locale, spec.args)
        if problem:
            issues.add((*spec.path, "faker"), problem[0], problem[1])
    for case in spec.cases:
        check_faker(case.value, locale, issues)
