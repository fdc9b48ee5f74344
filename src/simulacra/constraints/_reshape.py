"""Rules built into the model's table: FixedCombinations, OneHot, Formula.

Each replaces columns by one the model can only fill in a valid way: the combinations seen in
real data become one categorical column, a one-hot group becomes the name of its hot column,
and a derived column is left out and computed from its inputs after sampling.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from simulacra.constraints._base import (
    Constraint,
    as_numbers,
    astype,
    present,
    require_kinds,
    row_keys,
    with_columns,
)
from simulacra.constraints._rules import _restore, _target_info
from simulacra.errors import InvalidParameterError, SchemaError
from simulacra.schema import Column, Kind, Role, Table
from simulacra.schema._expression_precision import (
    column_decimals,
    describe_precision,
    rounding_past,
)

_RELATIVE_NOISE = 1e-9  # of a value's size: float noise a formula forgives, as discovery does
_BISECTIONS = 60  # halvings of an input's range when solving for it: float64's precision


class FixedCombinations(Constraint):
    """Only combinations of ``columns`` that occur in the real data (a city fixes a country)."""

    kind = "fixed_combinations"
    reshapes = True
    reverse_obeys = True

    def __init__(self, columns: list[str]) -> None:
        if len(columns) < 2:
            raise InvalidParameterError("FixedCombinations needs at least two columns.")
        self.names = list(columns)
        self._combos = pd.DataFrame()

    def columns(self) -> list[str]:
        return list(self.names)

    def describe(self) -> str:
        return f"fixed combinations of {', '.join(self.names)}"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "columns": list(self.names)}

    def check(self, table: Table) -> None:
        require_kinds(table, self, self.names, ("categorical", "boolean", "numerical"))

    @property
    def _key(self) -> str:
        return " & ".join(self.names)

    def fit(self, data: pd.DataFrame, table: Table) -> None:
        self._combos = data[self.names].drop_duplicates().reset_index(drop=True)

    def combinations(self) -> pd.DataFrame:
        """Every combination of the columns a valid row can hold (one per model value)."""
        return self._combos.copy()

    def seen_values(self, column: str) -> list[Any]:
        """The values ``column`` takes in the real combinations (what a row can hold)."""
        return list(self._combos[column].dropna().unique()) if column in self._combos else []

    def _codes(self, data: pd.DataFrame) -> np.ndarray:
        keys = row_keys(data[self.names])
        index = pd.Index(row_keys(self._combos))
        return np.asarray(index.get_indexer(keys))

    def valid(self, data: pd.DataFrame) -> np.ndarray:
        return self._codes(data) >= 0

    def transform(self, data: pd.DataFrame) -> pd.DataFrame:
        codes = self._codes(data)
        return data.drop(columns=self.names).assign(**{self._key: codes.astype(np.int64)})

    def reverse(self, data: pd.DataFrame) -> pd.DataFrame:
        codes = pd.to_numeric(data[self._key]).to_numpy().astype(np.int64)
        picked = self._combos.iloc[codes]
        picked.index = data.index  # a new frame of its own: relabelled in place, not copied
        return with_columns(data, [self._key], picked[self.names])

    def model_columns(self, table: Table, transformed: pd.DataFrame) -> list[Column]:
        return [Column(name=self._key, kind=Kind.CATEGORICAL, dtype="int64",
                       cardinality=len(self._combos))]

    def removed_columns(self) -> list[str]:
        return list(self.names)

    def get_state(self) -> dict[str, Any]:
        return {"values": {c: _json_values(self._combos[c]) for c in self.names},
                "dtypes": {c: str(self._combos[c].dtype) for c in self.names}}

    def set_state(self, state: Mapping[str, Any]) -> None:
        self._combos = pd.DataFrame({c: _typed(state["values"][c], state["dtypes"][c])
                                     for c in self.names})


class OneHot(Constraint):
    """Exactly one of ``columns`` is 1 (or True) in every row, the others 0."""

    kind = "one_hot"
    reshapes = True

    def __init__(self, columns: list[str]) -> None:
        if len(columns) < 2:
            raise InvalidParameterError("OneHot needs at least two columns.")
        self.names = list(columns)
        self._dtypes: dict[str, str] = {}

    def columns(self) -> list[str]:
        return list(self.names)

    def describe(self) -> str:
        return f"one-hot({', '.join(self.names)})"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "columns": list(self.names)}

    def check(self, table: Table) -> None:
        require_kinds(table, self, self.names, ("numerical", "boolean", "categorical"))

    @property
    def _key(self) -> str:
        return f"one of {', '.join(self.names)}"

    def not_flags(self, data: pd.DataFrame) -> str:
        """What in ``data`` is no 0/1 flag ("" when every present value is one).

        The model would rewrite other values to 0 or 1, so fit refuses them.
        """
        for name in self.names:
            other = data[name].notna().to_numpy() & ~np.isin(as_numbers(data[name]), (0, 1))
            if other.any():
                rows = np.flatnonzero(other)[:3]
                shown = ", ".join(f"row {i}: {v!r}"
                                  for i, v in zip(rows, data[name].iloc[rows].tolist(),
                                                  strict=True))
                return (f"column {name!r} holds values other than 0 and 1 "
                        f"({int(other.sum())} of {len(data)} rows; {shown})")
        return ""

    def fit(self, data: pd.DataFrame, table: Table) -> None:
        self._dtypes = {c: str(data[c].dtype) for c in self.names}

    def combinations(self) -> pd.DataFrame:
        """Every combination of the columns a valid row can hold: one hot column each."""
        hot = np.eye(len(self.names))
        return pd.DataFrame({name: astype(pd.Series(hot[:, i]), self._dtypes[name])
                             for i, name in enumerate(self.names)})

    def _matrix(self, data: pd.DataFrame) -> np.ndarray:
        return np.column_stack([as_numbers(data[c].astype("float64")) for c in self.names])

    def valid(self, data: pd.DataFrame) -> np.ndarray:
        m = self._matrix(data)
        binary = np.isin(m, (0.0, 1.0)).all(axis=1)
        return np.asarray(binary & (np.nansum(m, axis=1) == 1))

    def transform(self, data: pd.DataFrame) -> pd.DataFrame:
        hot = np.asarray(self.names, dtype=object)[np.nanargmax(self._matrix(data), axis=1)]
        return data.drop(columns=self.names).assign(**{self._key: hot.astype(str)})

    def reverse(self, data: pd.DataFrame) -> pd.DataFrame:
        hot = data[self._key].astype(str).to_numpy()
        flags = pd.DataFrame({name: astype(pd.Series(hot == name, index=data.index),
                                           self._dtypes[name]) for name in self.names})
        return with_columns(data, [self._key], flags)

    def model_columns(self, table: Table, transformed: pd.DataFrame) -> list[Column]:
        return [Column(name=self._key, kind=Kind.CATEGORICAL, dtype="str",
                       cardinality=len(self.names))]

    def removed_columns(self) -> list[str]:
        return list(self.names)

    def get_state(self) -> dict[str, Any]:
        return {"dtypes": self._dtypes}

    def set_state(self, state: Mapping[str, Any]) -> None:
        self._dtypes = dict(state["dtypes"])


class Formula(Constraint):
    """A derived column: ``column = expression`` over other columns (``total = price * qty``).

    The model never sees ``column``; it is computed after sampling and rounded to the real
    column's precision. Without a ``tolerance`` a row obeys when ``column`` is the expression
    rounded to that precision (``tax = price * 0.19`` in cents). With one, a row obeys when
    ``column`` is within it of the expression (float noise aside), and where rounding to the
    column's precision can move the value further (whole numbers from ``a + b`` where ``b``
    has quarters, tolerance 0.01), fit refuses the rule and says which tolerance would hold.
    Expressions are pandas ``DataFrame.eval`` arithmetic; quote odd names with backticks.
    Sampled rows whose computed value falls outside the real
    column's range are redrawn, as every other column stays inside its own.

    Where real rows give the column a value while an input is missing (a total where an
    optional fee is blank), the expression gives none there, so the model learns a copy of
    the column and such sampled rows take the model's value, as the real rows have one;
    otherwise the column came back missing wherever an input was (QA18: 22% of totals, none
    real).
    """

    kind = "formula"
    reshapes = True

    def __init__(self, column: str, expression: str, tolerance: float | None = None) -> None:
        self.column, self.expression = column, expression
        # None: no tolerance given; 0 is a given one, held as strictly as any other
        self.given_tolerance = tolerance is not None
        self.tolerance = float(tolerance or 0.0)
        self._inputs: list[str] = []
        self._target: dict[str, Any] = {}

    def columns(self) -> list[str]:
        return [self.column, *self._inputs]

    def describe(self) -> str:
        return f"{self.column} = {self.expression}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "column": self.column,
                               "expression": self.expression}
        if self.given_tolerance:
            out["tolerance"] = self.tolerance
        return out

    def check(self, table: Table) -> None:
        self._inputs = _names_in(self.expression, table.column_names)
        if not self._inputs or self.column in self._inputs:
            raise SchemaError(
                f"Constraint {self.describe()!r}: the expression must use other columns of "
                f"the table ({', '.join(table.column_names)}), quoted with backticks when "
                "they are not plain names.")
        require_kinds(table, self, self.columns(), ("numerical",))

    def fit(self, data: pd.DataFrame, table: Table) -> None:
        self._target = _target_info(table.column(self.column), data[self.column])
        # values where an input is missing: the model draws them (its copy of the column)
        self._target["drawn"] = bool((~present(data, self._inputs)
                                      & data[self.column].notna().to_numpy()).any())
        real = as_numbers(data[self.column])
        real = real[np.isfinite(real)]
        self._target["range"] = [float(real.min()), float(real.max())] if real.size else None
        if self.given_tolerance:  # none: the column is the expression at its precision
            self._refuse_rounding_past_tolerance(table)
        # a tolerance given bounds a row alone (models saved before: plus the column's rounding)
        self._target["tolerance_only"] = bool(self.tolerance)

    def _refuse_rounding_past_tolerance(self, table: Table) -> None:
        """A SchemaError when rebuilding the column must round it further than the tolerance."""
        span = self._target["range"] or [0.0, 0.0]
        smallest = 0.0 if span[0] <= 0.0 <= span[1] else min(abs(span[0]), abs(span[1]))
        forgiven = self._slack(True) + 2 * _RELATIVE_NOISE * smallest
        half = rounding_past(table, self.column, self.expression, forgiven)
        if not half:
            return
        target = table.column(self.column)
        held = column_decimals(target) or 0
        places = {c: column_decimals(table.column(c)) for c in self._inputs}
        finer = [f"{c!r} holds {describe_precision(table.column(c))}" for c, d in places.items()
                 if d is None or d > held]
        why = "; ".join(finer) or "a ratio or a function can give any number of decimals"
        raise SchemaError(
            f"Constraint {self.describe()!r} (tolerance {self.tolerance:g}) cannot hold: "
            f"{self.column!r} holds {describe_precision(target)}, but the expression can give "
            f"values between them ({why}), so the rebuilt {self.column!r} is rounded by up to "
            f"{half:g}, more than the tolerance. Give the rule \"tolerance\": {half:g} (or "
            "more), or drop it.")

    def _slack(self, tolerance_only: bool) -> float:
        """How far a row's column may be from the expression (before relative float noise)."""
        if tolerance_only:
            return self.tolerance + 1e-9
        decimals = self._target.get("decimals")  # models saved before: rounding forgiven too
        return self.tolerance + (0.5 * 10.0 ** -decimals if decimals is not None else 1e-9)

    def _computed(self, data: pd.DataFrame) -> np.ndarray:
        try:
            plain = _arithmetic(self.expression)
            result: Any
            if plain is None or not plain[2] <= set(self._inputs):
                result = data[self._inputs].astype("float64").eval(self.expression)
            else:
                result = _evaluated(plain[0], plain[1],
                                    {c: _floats(data[c]) for c in self._inputs})
        except Exception as exc:  # pandas raises many types for a bad expression
            raise SchemaError(f"Constraint {self.describe()!r}: the expression cannot be "
                              f"computed ({type(exc).__name__}: {exc}).") from None
        return np.asarray(pd.to_numeric(pd.Series(result)).to_numpy(dtype=np.float64,
                                                                     na_value=np.nan))

    def solve(self, data: pd.DataFrame, column: str,
              bounds: tuple[float, float] | None = None) -> np.ndarray:
        """The values of input ``column`` that make each row's column its expression.

        Exactly where the expression is linear in ``column`` (a sum, a product with given
        factors, a copy); elsewhere, given ``bounds`` (the input's range), a value inside
        them found by bisection where the expression crosses the row's column between them
        (``bmi = weight / (height / 100) ** 2`` for ``height``). NaN in rows where none is
        found, or where another input is missing.
        """
        at = as_numbers(data[column])
        at = np.where(np.isfinite(at), at, 0.0)
        steps = [self._computed(data.assign(**{column: at + k})) for k in (0.0, 1.0, 2.0)]
        slope, curve = steps[1] - steps[0], steps[2] - 2 * steps[1] + steps[0]
        wanted = as_numbers(data[self.column])
        with np.errstate(invalid="ignore", divide="ignore"):
            linear = np.abs(curve) <= 1e-9 * (1 + np.abs(steps[1])) + 1e-12
            out = at + (wanted - steps[0]) / slope
        out = np.where(linear & (slope != 0) & np.isfinite(out), out, np.nan)
        rest = np.flatnonzero(~linear & np.isfinite(wanted) & np.isfinite(steps[0]))
        if bounds is not None and rest.size and bounds[0] < bounds[1]:
            out[rest] = self._bisected(data.iloc[rest], column, wanted[rest], bounds)
        return out

    def _bisected(self, rows: pd.DataFrame, column: str, wanted: np.ndarray,
                  bounds: tuple[float, float]) -> np.ndarray:
        """Per row, where the expression meets ``wanted`` between ``bounds`` (NaN: nowhere)."""
        def gap(x: np.ndarray) -> np.ndarray:
            with np.errstate(invalid="ignore", divide="ignore"):
                return np.asarray(self._computed(rows.assign(**{column: x})) - wanted)

        low = np.full(len(rows), float(bounds[0]))
        high = np.full(len(rows), float(bounds[1]))
        at_low, at_high = gap(low), gap(high)
        crossing = np.isfinite(at_low) & np.isfinite(at_high) & (
            np.sign(at_low) != np.sign(at_high))
        for _ in range(_BISECTIONS):
            mid = 0.5 * (low + high)
            at_mid = gap(mid)
            same = np.sign(at_mid) == np.sign(at_low)  # the crossing lies above mid
            low, at_low = np.where(same, mid, low), np.where(same, at_mid, at_low)
            high = np.where(same, high, mid)
        exact_low = at_low == 0.0
        return np.where(crossing, np.where(exact_low, low, 0.5 * (low + high)), np.nan)

    def valid(self, data: pd.DataFrame) -> np.ndarray:
        expected = self._computed(data)
        actual = as_numbers(data[self.column])
        slack = self._slack(bool(self._target.get("tolerance_only")))
        with np.errstate(invalid="ignore"):
            # relative float noise is forgiven as discovery forgives it: values written with
            # ten significant digits make a ratio "exact" only to about 1e-9 of its size
            ok = (np.abs(actual - expected)
                  <= slack * (1 + 1e-9) + _RELATIVE_NOISE * (np.abs(actual) + np.abs(expected)))
            span = self._target.get("range")  # absent from models saved before it
            if span is not None:  # rebuilt values are rounded as the real ones: no slack
                edge = 1e-9 * (1 + np.abs(np.asarray(span)))
                ok &= (actual >= span[0] - edge[0]) & (actual <= span[1] + edge[1])
        return np.asarray(ok | ~present(data, self.columns()))

    @property
    def drawn_column(self) -> str | None:
        """The model's copy of the column, for rows missing an input (None: not needed)."""
        return f"{self.column} where an input is missing" if self._target.get("drawn") else None

    def transform(self, data: pd.DataFrame) -> pd.DataFrame:
        out = data.drop(columns=[self.column])
        if self.drawn_column is None:
            return out
        return with_columns(out, [], {self.drawn_column: data[self.column]})

    def reverse(self, data: pd.DataFrame) -> pd.DataFrame:
        computed = self._computed(data)
        if self.drawn_column is not None and self.drawn_column in data:
            computed = np.where(present(data, self._inputs), computed,
                                as_numbers(data[self.drawn_column]))
        restored = _restore(computed, self._target).set_axis(data.index)
        return with_columns(data, [self.drawn_column] if self.drawn_column else [],
                            {self.column: restored})

    def model_columns(self, table: Table, transformed: pd.DataFrame) -> list[Column]:
        if self.drawn_column is None:
            return []
        column = table.column(self.column)
        return [dataclasses.replace(column, name=self.drawn_column, unique=False,
                                    role=Role.FEATURE)]

    def removed_columns(self) -> list[str]:
        return [self.column]

    def get_state(self) -> dict[str, Any]:
        return {"inputs": self._inputs, "target": self._target}

    def set_state(self, state: Mapping[str, Any]) -> None:
        self._inputs = list(state["inputs"])
        self._target = dict(state["target"])


_OPERATORS: dict[type, Callable[..., Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.Pow: operator.pow, ast.USub: operator.neg,
    ast.UAdd: operator.pos}


@functools.lru_cache(maxsize=1024)
def _arithmetic(expression: str) -> tuple[ast.expr, dict[str, str], frozenset[str]] | None:
    """``expression`` parsed, when it is plain arithmetic: names, numbers, + - * / **.

    With the names standing for backtick-quoted ones (``{stand-in: name}``) and the
    columns it names. None for
    anything else (a function, a comparison), which ``DataFrame.eval`` computes. Parsing
    is cached: ``DataFrame.eval`` parses on every call, which took most of the time of
    rebuilding mosaicData::HELPfull's 18 sums for each batch of candidate rows.
    """
    quoted: dict[str, str] = {}

    def stand_in(match: re.Match[str]) -> str:
        quoted[f"_simulacra_quoted_{len(quoted)}"] = match.group(1)
        return f" _simulacra_quoted_{len(quoted) - 1} "

    try:
        tree = ast.parse(re.sub(r"`([^`]+)`", stand_in, expression).strip(), mode="eval")
    except SyntaxError:
        return None
    names: set[str] = set()
    for node in ast.walk(tree.body):
        if isinstance(node, ast.Name):
            names.add(quoted.get(node.id, node.id))
        elif isinstance(node, ast.BinOp | ast.UnaryOp):
            if type(node.op) not in _OPERATORS:
                return None
        elif isinstance(node, ast.Constant):
            if type(node.value) not in (int, float):  # no bool, str or complex
                return None
        elif not isinstance(node, (ast.Load, *_OPERATORS)):
            return None
    return tree.body, quoted, frozenset(names)


def _evaluated(node: ast.expr, quoted: Mapping[str, str],
               numbers: Mapping[str, np.ndarray]) -> Any:
    """An :func:`_arithmetic` tree's value over ``numbers`` (float64 columns), row by row.

    The operators act on the columns' arrays as ``DataFrame.eval`` has pandas act on them
    (numpy's, errors silenced), so the values are the same to the bit.
    """
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return numbers[quoted.get(node.id, node.id)]
    with np.errstate(all="ignore"):
        if isinstance(node, ast.UnaryOp):
            return _OPERATORS[type(node.op)](_evaluated(node.operand, quoted, numbers))
        assert isinstance(node, ast.BinOp)
        return _OPERATORS[type(node.op)](_evaluated(node.left, quoted, numbers),
                                         _evaluated(node.right, quoted, numbers))


def _floats(series: pd.Series) -> np.ndarray:
    """``series.astype("float64")``'s values; numpy's own conversion for numpy numbers.

    pandas' astype costs more than the arithmetic on a batch of candidate rows.
    """
    if isinstance(series.dtype, np.dtype) and series.dtype.kind in "fiu":
        return np.asarray(series.to_numpy(dtype=np.float64))
    return np.asarray(series.astype("float64").to_numpy())


def _names_in(expression: str, columns: list[str]) -> list[str]:
    quoted = set(re.findall(r"`([^`]+)`", expression))
    bare = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", re.sub(r"`[^`]+`", " ", expression)))
    return [c for c in columns if c in quoted or c in bare]


def _json_values(series: pd.Series) -> list[Any]:
    out: list[Any] = []
    for value in series.astype(object):
        if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
            out.append(None)
        else:
            out.append(value.item() if isinstance(value, np.generic) else value)
    return out


def _typed(values: list[Any], dtype: str) -> pd.Series:
    try:
        return astype(pd.Series(values), dtype)
    except (TypeError, ValueError):
        return pd.Series(values, dtype=object)
