"""Column generators: one per spec column, vectorized over a block of rows.

A generator gets the global row numbers of the block, a seed sequence of its own (so a
column's values never depend on which other columns exist or were generated first), and
the columns generated before it (for formulas and conditions). It returns a pandas Series.
Output dtypes are fixed per column (:func:`output_dtype`) so every block of a table has the
same types: ``int64`` (``Int64`` when the column has missing values), ``float64``, ``bool``
(``boolean``), ``str``, ``datetime64[ns]`` (tz-aware with a timezone).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from simulacra.constraints._base import astype
from simulacra.data._dtypes import TEXT_DTYPE
from simulacra.data._fake import format_ids, uuid4_strings
from simulacra.data._keyed import derive_key, permute_index
from simulacra.errors import SamplingError, SpecError
from simulacra.mock._expressions import parse_expression
from simulacra.mock._providers import FAST, ProviderSource
from simulacra.mock._regex import parse_regex
from simulacra.mock._spec import ColumnSpec
from simulacra.schema._model import Column, Kind

__all__ = ["ColumnGenerator", "child", "column_schema", "output_dtype"]

_TRUNCATE_ROUNDS = 8
_NS_PER_DAY = 86_400 * 10**9


def child(seq: np.random.SeedSequence, *keys: int) -> np.random.SeedSequence:
    """The seed sequence ``keys`` below ``seq`` (stateless, unlike ``spawn``)."""
    return np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, *keys))


def _value_kind(values: list[Any]) -> str:
    if all(isinstance(v, bool) for v in values):
        return "bool"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "int"
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return "float"
    if all(isinstance(v, (dt.date, dt.datetime)) for v in values):
        return "datetime"
    return "str"


def _base_kind(spec: ColumnSpec) -> str:
    """One of int, float, bool, str, datetime: what the column holds (before nulls)."""
    gen = spec.generator
    if gen in ("normal", "lognormal", "uniform", "formula"):
        if gen == "formula" and _is_condition(spec.params):
            return "bool"
        return "int" if spec.decimals == 0 else "float"
    if gen == "poisson":
        return "int"
    if gen in ("choice", "empirical"):
        return _value_kind(list(spec.params)) if spec.params else "str"
    if gen == "constant":
        return "str" if spec.params is None else _value_kind([spec.params])
    if gen == "boolean":
        return "bool"
    if gen == "sequence":
        return "str" if spec.params.get("format") else "int"
    if gen in ("date", "datetime"):
        return "str" if spec.format else "datetime"
    if gen == "cases":
        kinds = {_base_kind(c.value) for c in spec.cases}
        if len(kinds) == 1:
            return kinds.pop()
        return "float" if kinds <= {"int", "float"} else "str"
    return "str"  # uuid, regex, faker


def _is_condition(text: Any) -> bool:
    import ast

    try:
        body = parse_expression(str(text)).tree.body
    except SpecError:  # reported at load
        return False
    return isinstance(body, (ast.Compare, ast.BoolOp)) or (
        isinstance(body, ast.UnaryOp) and isinstance(body.op, ast.Not))


def output_dtype(spec: ColumnSpec) -> str:
    """The pandas dtype of the column's output."""
    kind = _base_kind(spec)
    nullable = spec.null_share > 0 or (spec.generator == "cases"
                                       and all(c.condition for c in spec.cases))
    if kind == "int":
        return "Int64" if nullable else "int64"
    if kind == "bool":
        return "boolean" if nullable else "bool"
    if kind == "datetime":
        return f"datetime64[ns, {spec.timezone}]" if spec.timezone else "datetime64[ns]"
    return {"float": "float64", "str": TEXT_DTYPE}[kind]


def column_schema(spec: ColumnSpec, *, key: bool = False) -> Column:
    """The schema column of the output (kind, dtype, bounds) for OpenAPI and SQL types."""
    dtype = output_dtype(spec)
    base = _base_kind(spec)
    common: dict[str, Any] = {"name": spec.name, "dtype": dtype,
                              "missing_share": spec.null_share, "unique": spec.unique or key}
    if key or spec.generator in ("sequence", "uuid"):
        return Column(kind=Kind.ID, id_format=_id_format(spec), **common)
    if base in ("int", "float"):
        fixed = base == "float" and spec.decimals is not None and spec.decimals > 0
        return Column(kind=Kind.NUMERICAL, integer=base == "int", decimals=spec.decimals,
                      minimum=spec.minimum, maximum=spec.maximum,
                      text_format=f"{{:.{spec.decimals}f}}" if fixed else None, **common)
    if base == "bool":
        return Column(kind=Kind.BOOLEAN, **common)
    if base == "datetime" or spec.generator in ("date", "datetime"):
        fmt = spec.format or ("%Y-%m-%d" if spec.generator == "date" else None)
        return Column(kind=Kind.DATETIME, datetime_format=fmt, timezone=spec.timezone, **common)
    if spec.generator == "faker" and spec.params in FAST:
        return Column(kind=Kind.PII, pii_type=FAST[spec.params], locale=spec.locale, **common)
    if spec.generator in ("choice", "empirical", "constant", "cases"):
        return Column(kind=Kind.CATEGORICAL, cardinality=len(spec.params or [1]), **common)
    return Column(kind=Kind.TEXT, **common)


def _id_format(spec: ColumnSpec) -> str | None:
    if spec.generator == "uuid":
        return "uuid"
    if spec.generator == "sequence":
        return str(spec.params.get("format") or "integer")
    return None


class ColumnGenerator:
    """Generates one column (see the module docstring).

    Parameters
    ----------
    spec
        The column's spec.
    table
        The table's name (part of the keys behind unique values).
    seed
        The run's seed.
    locale
        The spec's default locale.
    """

    def __init__(self, spec: ColumnSpec, *, table: str, seed: int, locale: str) -> None:
        self.spec = spec
        self.dtype = output_dtype(spec)
        self.key = derive_key("mock", table, spec.where, str(seed))
        self.expression = (parse_expression(spec.params) if spec.generator == "formula"
                           else None)
        self.conditions = [None if c.condition is None else parse_expression(c.condition)
                           for c in spec.cases]
        self.branches = [ColumnGenerator(c.value, table=table, seed=seed, locale=locale)
                         for c in spec.cases]
        self.pattern = parse_regex(spec.params) if spec.generator == "regex" else None
        self.source = (ProviderSource(spec.params, spec.locale or locale, seed,
                                      unique=spec.unique, where=f"{table}.{spec.name}",
                                      args=spec.args, pool=spec.pool)
                       if spec.generator == "faker" else None)
        if self.source is not None and self.source.arrow_type != pa.string():
            self.dtype = _arrow_dtype(self.source.arrow_type, spec.null_share > 0)

    @property
    def depends(self) -> list[str]:
        """Columns this column reads (formulas and conditions)."""
        names: dict[str, None] = {}
        if self.expression is not None:
            names.update(dict.fromkeys(self.expression.names))
        for cond in self.conditions:
            if cond is not None:
                names.update(dict.fromkeys(cond.names))
        for branch in self.branches:
            names.update(dict.fromkeys(branch.depends))
        return list(names)

    @property
    def fixed(self) -> bool:
        """True when values are a function of the row number (kept when rows are redrawn)."""
        return self.spec.unique or self.spec.generator == "sequence"

    def generate(self, rows: np.ndarray, seq: np.random.SeedSequence,
                 frame: Mapping[str, pd.Series]) -> pd.Series:
        """Values for the global row numbers ``rows`` (a Series indexed 0..n-1)."""
        rng = np.random.default_rng(child(seq, 0))
        try:
            values = self._values(rows, rng, seq, frame)
        except (TypeError, ValueError, ArithmeticError) as exc:
            if self.expression is None and not self.conditions:
                raise
            fix = ("keep a divisor away from 0 (add 1 to a count), or give such rows "
                   "another value with cases" if isinstance(exc, ArithmeticError) else
                   "check that it combines columns of matching types (numbers with numbers, "
                   "text compared with text)")
            raise SpecError(
                f"{self.spec.where}: the expression cannot be computed on the generated "
                f"columns ({type(exc).__name__}: {exc}). Fix: {fix}.") from None
        series = _as_series(values, len(rows))
        if self.spec.null_share > 0:
            missing = np.random.default_rng(child(seq, 1)).random(len(rows)) < self.spec.null_share
            series = astype(series, self.dtype).mask(missing)
        return _cast(series, self.dtype)

    def _values(self, rows: np.ndarray, rng: np.random.Generator, seq: np.random.SeedSequence,
                frame: Mapping[str, pd.Series]) -> Any:
        spec, n = self.spec, len(rows)
        gen = spec.generator
        if gen in ("normal", "lognormal", "uniform", "poisson"):
            return self._number(_draw(gen, spec.params, n, rng), rng)
        if gen == "formula":
            assert self.expression is not None
            out = self.expression.evaluate(frame, n)
            if self.dtype.startswith(("bool", "boolean")):
                return out
            numbers = _as_float(out, n)
            if np.isinf(numbers).any():  # a division by zero: written as inf, row after row
                raise ArithmeticError(f"the formula {spec.params!r} gives an infinite value "
                                      f"in {int(np.isinf(numbers).sum()):,} of {n:,} rows "
                                      "(a division by zero?)")
            return self._number(numbers, None)
        if gen in ("choice", "empirical"):
            return self._pick(rows, rng)
        if gen == "constant":
            return [spec.params] * n
        if gen == "boolean":
            return rng.random(n) < float(spec.params)
        if gen == "sequence":
            numbers = spec.params["start"] + spec.params["step"] * rows.astype(np.int64)
            fmt = spec.params.get("format")
            return format_ids(numbers, fmt) if fmt else numbers
        if gen == "uuid":
            return uuid4_strings(n, rng)
        if gen == "regex":
            assert self.pattern is not None
            if spec.unique:
                return self.pattern.unique(rows, self.key, rng, spec.where)
            return self.pattern.generate(n, rng)
        if gen == "faker":
            assert self.source is not None
            return self.source.generate(rows, rng)
        if gen in ("date", "datetime"):
            return self._dates(n, rng)
        return self._cases(rows, seq, frame)

    def _number(self, x: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
        spec = self.spec
        low = -np.inf if spec.minimum is None else spec.minimum
        high = np.inf if spec.maximum is None else spec.maximum
        if rng is not None and (spec.minimum is not None or spec.maximum is not None):
            for _ in range(_TRUNCATE_ROUNDS):  # truncated distribution: redraw, then clip
                out = (x < low) | (x > high)
                if not out.any():
                    break
                x[out] = _draw(spec.generator, spec.params, int(out.sum()), rng)
        with np.errstate(invalid="ignore"):
            x = np.clip(x, low, high)
        if spec.decimals is not None:
            x = np.round(x, spec.decimals)
        return x

    def _pick(self, rows: np.ndarray, rng: np.random.Generator) -> Any:
        values = list(dict.fromkeys(self.spec.params)) if self.spec.unique else self.spec.params
        if self.spec.unique:
            if rows.size and int(rows.max()) >= len(values):
                raise SamplingError(
                    f"{self.spec.where}: a unique {self.spec.generator} column has "
                    f"{len(values)} distinct values, and row {int(rows.max()) + 1} was asked "
                    "for. Add values, generate fewer rows, or drop unique.")
            idx = permute_index(rows, len(values), self.key) if rows.size else rows
        elif self.spec.weights is not None:
            w = np.asarray(self.spec.weights, dtype=np.float64)
            idx = rng.choice(len(values), size=len(rows), p=w / w.sum())
        else:
            idx = rng.integers(0, len(values), len(rows))
        return _take(values, idx)

    def _dates(self, n: int, rng: np.random.Generator) -> Any:
        spec = self.spec
        start, end = spec.params["start"].value, spec.params["end"].value
        if spec.generator == "date":
            first, last = start // _NS_PER_DAY, end // _NS_PER_DAY
            ns = rng.integers(first, last + 1, n) * _NS_PER_DAY
        else:
            ns = rng.integers(start // 10**9, end // 10**9 + 1, n) * 10**9
        stamps = pd.Series(pd.to_datetime(ns, unit="ns"))
        if spec.timezone:
            stamps = stamps.dt.tz_localize(spec.timezone, ambiguous=np.zeros(n, dtype=bool),
                                           nonexistent="shift_forward")
        if spec.format:
            return stamps.dt.strftime(spec.format)
        return stamps

    def _cases(self, rows: np.ndarray, seq: np.random.SeedSequence,
               frame: Mapping[str, pd.Series]) -> pd.Series:
        n = len(rows)
        work = {"bool": "boolean", "int64": "Int64"}.get(self.dtype, self.dtype)
        out = pd.Series([None] * n, dtype=work)
        taken = np.zeros(n, dtype=bool)
        for j, (cond, branch) in enumerate(zip(self.conditions, self.branches, strict=True)):
            if cond is None:
                mask = ~taken
            else:
                mask = np.broadcast_to(_truth(cond.evaluate(frame, n)), (n,)) & ~taken
            if mask.any():
                values = branch.generate(rows, child(seq, 2, j), frame)
                out = out.mask(mask, _cast(values, work))
            taken |= mask
        return out


def _truth(value: Any) -> np.ndarray:
    if isinstance(value, pd.Series):
        return np.asarray(value.fillna(False).to_numpy(dtype=bool))
    return np.asarray(value, dtype=bool)


def _draw(gen: str, p: Mapping[str, float], n: int, rng: np.random.Generator) -> np.ndarray:
    if gen == "normal":
        return rng.normal(p["mean"], p["std"], n)
    if gen == "lognormal":
        return rng.lognormal(p["mean"], p["sigma"], n)
    if gen == "uniform":
        return rng.uniform(p["low"], p["high"], n)
    return rng.poisson(p["lam"], n).astype(np.float64)


def _take(values: list[Any], idx: np.ndarray) -> Any:
    kind = _value_kind(values)
    if kind == "str":
        return pa.array([str(v) for v in values], pa.string()).take(pa.array(idx))
    if kind == "datetime":
        return pd.Series(pd.to_datetime(pd.Series(values))).take(idx).reset_index(drop=True)
    return np.asarray(values)[idx]


def _as_float(value: Any, n: int) -> np.ndarray:
    if isinstance(value, pd.Series):
        return np.asarray(pd.to_numeric(value, errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan))
    return np.broadcast_to(np.asarray(value, dtype=np.float64), (n,)).copy()


def _as_series(values: Any, n: int) -> pd.Series:
    if isinstance(values, pd.Series):
        return values.reset_index(drop=True)
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return pd.Series(values.to_pandas())
    if np.ndim(values) == 0:
        return pd.Series([values] * n)
    return pd.Series(values)


def _cast(series: pd.Series, dtype: str) -> pd.Series:
    if str(series.dtype) == dtype:
        return series
    if dtype in ("int64", "Int64"):
        if pd.api.types.is_float_dtype(series.dtype):
            series = series.replace([np.inf, -np.inf], np.nan).round()
            if dtype == "int64" and series.isna().any():
                dtype = "Int64"  # a formula over missing values
        return astype(series, dtype)
    return astype(series, dtype)


def _arrow_dtype(t: pa.DataType, nullable: bool) -> str:
    if pa.types.is_integer(t):
        return "Int64" if nullable else "int64"
    if pa.types.is_floating(t):
        return "float64"
    if pa.types.is_boolean(t):
        return "boolean" if nullable else "bool"
    if pa.types.is_date(t) or pa.types.is_timestamp(t):
        return "datetime64[ns]"
    return TEXT_DTYPE
