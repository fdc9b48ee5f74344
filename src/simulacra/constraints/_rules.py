"""Order and bound rules: Inequality, Range, Positive, Negative; and Unique, Predicate.

All are enforced by rejection by default. ``Inequality`` and ``Range`` between columns can
instead reparametrize the model's table (a difference, a position between bounds) when the
columns are numbers or datetimes (``reparametrize=True``), so no row is wasted. Datetimes
written as text (a CSV's dates) are read with the column's ``datetime_format`` and rebuilt
values are written back in it; only text with a UTC offset (``%z``) cannot be rebuilt so, and
fit warns that the rule is held by rejection instead.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from simulacra.constraints._base import (
    Constraint,
    as_numbers,
    astype,
    require_kinds,
    with_columns,
)
from simulacra.errors import FitWarning, InvalidParameterError, SchemaError
from simulacra.schema import Column, Kind, Table
from simulacra.schema._datetimes import parse_datetimes, strftime_unpadded, writing_format
from simulacra.schema._infer import infer_column

_ORDERED = ("numerical", "datetime")


class Inequality(Constraint):
    """``low <= high`` (or ``<`` when ``strict``) in every row, for numbers or datetimes.

    Parameters
    ----------
    low, high
        Column names.
    strict
        Require ``low < high``.
    reparametrize
        Let the model learn ``high - low`` instead of ``high``, so no row is rejected. Off by
        default: on the development datasets it made synthetic rows easier to tell from real
        ones than rejection did (``bench/RESULTS.md``), because a model drawing the gap
        loses how ``high`` relates to the other columns.
    """

    kind = "inequality"

    def __init__(self, low: str, high: str, strict: bool = False,
                 reparametrize: bool = False) -> None:
        self.low, self.high, self.strict = low, high, bool(strict)
        self.reparametrize = bool(reparametrize)
        self.reshapes = False
        self._formats: dict[str, str | None] = {}
        self._target: dict[str, Any] = {}

    def columns(self) -> list[str]:
        return [self.low, self.high]

    def describe(self) -> str:
        return f"{self.high} {'>' if self.strict else '>='} {self.low}"

    def to_dict(self) -> dict[str, Any]:
        out = {"kind": self.kind, "low": self.low, "high": self.high, "strict": self.strict}
        if self.reparametrize:
            out["reparametrize"] = True
        return out

    def check(self, table: Table) -> None:
        require_kinds(table, self, self.columns(), _ORDERED)
        if table.column(self.low).kind != table.column(self.high).kind:
            raise SchemaError(f"Constraint {self.describe()!r} compares a number with a "
                              "datetime. Compare columns of one kind.")

    def fit(self, data: pd.DataFrame, table: Table) -> None:
        self._formats = {c: table.column(c).datetime_format for c in self.columns()}
        self.reshapes = self.reparametrize and _can_reshape(self, data, table)
        self._target = _target_info(table.column(self.high), data[self.high])

    def valid(self, data: pd.DataFrame) -> np.ndarray:
        low = as_numbers(data[self.low], self._formats.get(self.low))
        high = as_numbers(data[self.high], self._formats.get(self.high))
        with np.errstate(invalid="ignore"):
            ok = high > low if self.strict else high >= low
        return np.asarray(ok | np.isnan(low) | np.isnan(high))

    @property
    def _gap(self) -> str:
        return f"{self.high} - {self.low}"

    def transform(self, data: pd.DataFrame) -> pd.DataFrame:
        gap = (as_numbers(data[self.high], self._formats.get(self.high))
               - as_numbers(data[self.low], self._formats.get(self.low)))
        return data.drop(columns=[self.high]).assign(**{self._gap: gap})

    def reverse(self, data: pd.DataFrame) -> pd.DataFrame:
        high = (as_numbers(data[self.low], self._formats.get(self.low))
                + pd.to_numeric(data[self._gap]).to_numpy(float))
        return with_columns(data, [self._gap],
                            {self.high: _restore(high, self._target).set_axis(data.index)})

    def model_columns(self, table: Table, transformed: pd.DataFrame) -> list[Column]:
        return [numeric_column(transformed[self._gap])]

    def removed_columns(self) -> list[str]:
        return [self.high]

    def get_state(self) -> dict[str, Any]:
        return {"reshapes": self.reshapes, "formats": self._formats, "target": self._target}

    def set_state(self, state: Mapping[str, Any]) -> None:
        self.reshapes = bool(state["reshapes"])
        self._formats = dict(state["formats"])
        self._target = dict(state["target"])


class Range(Constraint):
    """``low <= column <= high``; each bound a number, a column name, a date, or None (open).

    A date bound (a datetime column after a fixed day) is a ``pd.Timestamp``, a ``datetime``
    or ``date``, or ISO text (``"2020-03-01"``) that names no column of the table; the JSON
    form holds it as ISO text.

    Enforced by rejection; with ``reparametrize`` and two column bounds the model learns the
    column's relative position between them instead, so it cannot leave the range (off by
    default, as for :class:`Inequality`).
    """

    kind = "range"

    def __init__(self, column: str, low: float | str | dt.date | None = None,
                 high: float | str | dt.date | None = None, strict: bool = False,
                 reparametrize: bool = False) -> None:
        if low is None and high is None:
            raise InvalidParameterError(f"Range on {column!r} needs a low or a high bound.")
        self.column, self.strict = column, bool(strict)
        #: bounds that are dates (ISO text), as seconds since 1970: given as date objects
        #: here, or found in ``check`` as text that names no column
        self._dates: dict[str, float] = {}
        self.low, self.high = (self._bound_given(low, "low"), self._bound_given(high, "high"))
        self.reparametrize = bool(reparametrize)
        self.reshapes = False
        self._formats: dict[str, str | None] = {}
        self._target: dict[str, Any] = {}

    def _bound_given(self, bound: Any, side: str) -> float | str | None:
        """A bound as kept: a number, a column name, ISO text of a date, or None."""
        if bound is None or isinstance(bound, str):
            return bound
        if isinstance(bound, (dt.date, np.datetime64)):  # pd.Timestamp is a datetime
            stamp = pd.Timestamp(bound)
            text = stamp.isoformat()
            self._dates[text] = _seconds(stamp)
            return text
        if isinstance(bound, (int, float, np.integer, np.floating)) and not isinstance(
                bound, (bool, np.bool_)):
            return float(bound) if isinstance(bound, (np.integer, np.floating)) else bound
        raise InvalidParameterError(
            f"Range on {self.column!r}: the {side} bound {bound!r} is a "
            f"{type(bound).__name__}. Give a number, a column name, a date (a pd.Timestamp, "
            "a datetime, or ISO text such as '2020-03-01'), or None for no bound.")

    def columns(self) -> list[str]:
        return [self.column, *(b for b in (self.low, self.high)
                               if isinstance(b, str) and b not in self._dates)]

    def describe(self) -> str:
        op = "<" if self.strict else "<="
        parts = [f"{self.low} {op} " if self.low is not None else "", self.column,
                 f" {op} {self.high}" if self.high is not None else ""]
        return "".join(parts)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "column": self.column, "strict": self.strict}
        out.update({k: v for k, v in (("low", self.low), ("high", self.high)) if v is not None})
        if self.reparametrize:
            out["reparametrize"] = True
        return out

    def check(self, table: Table) -> None:
        for side in ("low", "high"):  # text naming no column: a date, or a mistake
            bound = getattr(self, side)
            if isinstance(bound, str) and bound not in table.column_names:
                stamp = _iso_date(bound, table.column(self.column).datetime_format)
                if stamp is None:
                    raise SchemaError(
                        f"Constraint {self.describe()!r}: the bound {bound!r} names no "
                        f"column of table {table.name!r} and is no date. Give a column name, "
                        "a number, or a date as ISO text ('2020-03-01') or a pd.Timestamp.")
                if _iso_date(bound) is None:  # written as the column writes dates: kept ISO
                    bound = stamp.isoformat()
                    setattr(self, side, bound)
                self._dates[bound] = _seconds(stamp)
            elif isinstance(bound, str) and bound in table.column_names:
                self._dates.pop(bound, None)  # a column's name, even one that looks a date
        # a column between two columns may be a date between dates; a number bound needs
        # numbers, a date bound dates
        numbers_only = any(isinstance(b, (int, float)) for b in (self.low, self.high))
        dates_only = any(b in self._dates for b in (self.low, self.high) if isinstance(b, str))
        require_kinds(table, self, self.columns(), ("numerical",) if numbers_only
                      else ("datetime",) if dates_only else _ORDERED)
        if len({table.column(c).kind for c in self.columns()}) > 1:
            raise SchemaError(f"Constraint {self.describe()!r} compares a number with a "
                              "datetime. Compare columns of one kind.")

    def fit(self, data: pd.DataFrame, table: Table) -> None:
        between = all(isinstance(b, str) and b not in self._dates
                      for b in (self.low, self.high))
        if self.reparametrize and not between:
            warnings.warn(
                f"Constraint {self.describe()!r}: reparametrize=True needs two column bounds "
                "(a fixed bound cannot be learned as a position), so the rule is held by "
                "rejection instead. Drop reparametrize=True to silence this.", FitWarning,
                stacklevel=2)
        self.reshapes = self.reparametrize and between and _can_reshape(self, data, table)
        self._formats = {c: table.column(c).datetime_format for c in self.columns()}
        self._target = _target_info(table.column(self.column), data[self.column])

    def _bound(self, data: pd.DataFrame, bound: float | str | None, fill: float) -> np.ndarray:
        if bound is None:
            return np.full(len(data), fill)
        if isinstance(bound, str) and bound in self._dates:
            return np.full(len(data), self._dates[bound])
        if isinstance(bound, str):
            return as_numbers(data[bound], self._formats.get(bound))
        return np.full(len(data), float(bound))

    def valid(self, data: pd.DataFrame) -> np.ndarray:
        x = self._bound(data, self.column, np.nan)
        low = self._bound(data, self.low, -np.inf)
        high = self._bound(data, self.high, np.inf)
        with np.errstate(invalid="ignore"):
            ok = (x > low) & (x < high) if self.strict else (x >= low) & (x <= high)
        return np.asarray(ok | np.isnan(x) | np.isnan(low) | np.isnan(high))

    @property
    def _share(self) -> str:
        return f"{self.column} within [{self.low}, {self.high}]"

    def transform(self, data: pd.DataFrame) -> pd.DataFrame:
        x, low, high = (self._bound(data, b, np.nan) for b in (self.column, self.low, self.high))
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(high > low, (x - low) / (high - low), 0.5)
        return data.drop(columns=[self.column]).assign(**{self._share: share})

    def reverse(self, data: pd.DataFrame) -> pd.DataFrame:
        low, high = self._bound(data, self.low, np.nan), self._bound(data, self.high, np.nan)
        share = np.clip(pd.to_numeric(data[self._share]).to_numpy(float), 0.0, 1.0)
        restored = _restore(low + share * (high - low), self._target).set_axis(data.index)
        return with_columns(data, [self._share], {self.column: restored})

    def model_columns(self, table: Table, transformed: pd.DataFrame) -> list[Column]:
        return [numeric_column(transformed[self._share])]

    def removed_columns(self) -> list[str]:
        return [self.column]

    def get_state(self) -> dict[str, Any]:
        return {"reshapes": self.reshapes, "formats": self._formats, "target": self._target}

    def set_state(self, state: Mapping[str, Any]) -> None:
        self.reshapes = bool(state["reshapes"])
        self._formats = dict(state.get("formats", {}))  # absent before date ranges
        self._target = dict(state["target"])


class Positive(Range):
    """``column > 0`` (or ``>= 0`` when not strict)."""

    kind = "positive"

    def __init__(self, column: str, strict: bool = True) -> None:
        super().__init__(column, low=0.0, strict=strict)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "column": self.column, "strict": self.strict}


class Negative(Range):
    """``column < 0`` (or ``<= 0`` when not strict)."""

    kind = "negative"

    def __init__(self, column: str, strict: bool = True) -> None:
        super().__init__(column, high=0.0, strict=strict)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "column": self.column, "strict": self.strict}


class SchemaBounds(Range):
    """A numerical column's schema bounds held by rejection, where they cut real values.

    A user who tightens a column's ``minimum``/``maximum`` asks for the rows within them.
    The model learns the column as the data hold it, and rows outside are drawn again, so
    the sample follows the real distribution within the bounds (clipping piled the rows
    outside onto the bounds). Not a rule of the schema's ``constraints``: the column's
    own bounds say it, so it is never written there.
    """

    declared = True

    def __init__(self, column: str, low: float | None, high: float | None) -> None:
        super().__init__(column, low=low, high=high)

    def describe(self) -> str:
        return f"{super().describe()}, the schema's bounds of {self.column!r}"


class Unique(Constraint):
    """No two rows share the values of ``columns`` (across every chunk of one sampling)."""

    kind = "unique"

    def __init__(self, columns: list[str], declared: bool = False) -> None:
        if not columns:
            raise InvalidParameterError("Unique needs at least one column.")
        self.names = list(columns)
        # ``declared``: kept for a column the schema marks ``unique`` (or its primary key);
        # missing values may repeat there, as in the data the schema check accepts
        self.declared = bool(declared)
        self._seen: set[int] = set()

    def columns(self) -> list[str]:
        return list(self.names)

    def describe(self) -> str:
        shown = f"unique({', '.join(self.names)})"
        return f"{shown}, from the schema's 'unique' or 'primary_key'" if self.declared else shown

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "columns": list(self.names)}
        if self.declared:
            out["declared"] = True
        return out

    def begin_sampling(self) -> None:
        """Forget the rows of an earlier sampling."""
        self._seen = set()

    def _keys(self, data: pd.DataFrame) -> np.ndarray:
        return np.asarray(pd.util.hash_pandas_object(data[self.names], index=False).to_numpy())

    def valid(self, data: pd.DataFrame) -> np.ndarray:
        keys = self._keys(data)
        fresh = ~pd.Series(keys).duplicated().to_numpy()
        if self._seen:
            fresh &= ~np.isin(keys, np.fromiter(self._seen, dtype=keys.dtype))
        if self.declared:
            fresh |= data[self.names].isna().any(axis=1).to_numpy()
        return fresh

    def accepted(self, data: pd.DataFrame) -> None:
        """Remember the rows that were kept."""
        self._seen.update(self._keys(data).tolist())


class Predicate(Constraint):
    """A custom rule: ``function(frame) -> bool per row``; enforced by rejection.

    Parameters
    ----------
    function
        A callable, or ``"module:function"`` (importable, so the rule can be saved with a
        model and written in a schema's JSON).
    name
        How messages name the rule.
    """

    kind = "predicate"

    def __init__(self, function: Callable[[pd.DataFrame], Any] | str,
                 name: str | None = None) -> None:
        self.path = function if isinstance(function, str) else _path_of(function)
        self.function = _import(function) if isinstance(function, str) else function
        self.name: str = name or self.path or str(getattr(function, "__name__", "predicate"))

    def columns(self) -> list[str]:
        return []

    def describe(self) -> str:
        return str(self.name)

    def to_dict(self) -> dict[str, Any]:
        if self.path is None:
            raise InvalidParameterError(
                f"The predicate {self.name!r} is a function that cannot be imported by name "
                "(a lambda or a local function), so it cannot be written to a schema or a "
                "model file. Define it at module level and pass 'module:function'.")
        out = {"kind": self.kind, "function": self.path}
        if self.name != self.path:
            out["name"] = self.name
        return out

    def valid(self, data: pd.DataFrame) -> np.ndarray:
        result = np.asarray(self.function(data))
        if result.shape != (len(data),) or result.dtype != bool:
            raise InvalidParameterError(
                f"The predicate {self.name!r} must return one boolean per row "
                f"({len(data)}); it returned shape {result.shape} of {result.dtype}.")
        return result


# -- helpers --------------------------------------------------------------------------------

def numeric_column(series: pd.Series) -> Column:
    """A numerical schema column for a value the model learns in place of a real column."""
    inferred = infer_column(series.astype("float64"))
    return Column(name=str(series.name), kind=Kind.NUMERICAL, dtype="float64",
                  missing_share=inferred.missing_share, integer=False,
                  decimals=None, minimum=inferred.minimum, maximum=inferred.maximum)


#: Formats whose text a rebuilt value cannot be written in without its zone's offsets.
_OFFSET_FORMAT = re.compile(r"%:?z|%Z")


def _can_reshape(rule: Constraint, data: pd.DataFrame, table: Table) -> bool:
    """Whether ``rule`` (``reparametrize=True``) can rewrite its columns; warns when not.

    Numbers and datetime values can; so can datetimes written as text, read with the
    column's format and written back in it, unless the text carries a UTC offset (the
    offset of a rebuilt instant is the zone's, which the rule does not know).
    """
    for name in rule.columns():
        column, dtype = table.column(name), data[name].dtype
        fmt = column.datetime_format if column.kind is Kind.DATETIME else None
        if fmt and not pd.api.types.is_datetime64_any_dtype(dtype):
            if _OFFSET_FORMAT.search(fmt):
                warnings.warn(
                    f"Constraint {rule.describe()!r}: reparametrize=True cannot rebuild "
                    f"column {name!r}, whose text has a time zone ({fmt!r}), so the rule is "
                    "held by rejection instead. Give the column as datetime values (parse "
                    "it with pandas) to reparametrize, or drop reparametrize=True.",
                    FitWarning, stacklevel=3)
                return False
            continue
        if not (pd.api.types.is_numeric_dtype(dtype)
                or pd.api.types.is_datetime64_any_dtype(dtype)):
            warnings.warn(
                f"Constraint {rule.describe()!r}: reparametrize=True cannot rebuild column "
                f"{name!r} of dtype {dtype}, so the rule is held by rejection instead. Give "
                "numbers or datetimes, or drop reparametrize=True.", FitWarning, stacklevel=3)
            return False
    return True


def _iso_date(text: str, fmt: str | None = None) -> pd.Timestamp | None:
    """``text`` as a date: ISO 8601 (``2020-03-01``), or written in ``fmt`` (the column's)."""
    try:
        return pd.Timestamp(dt.datetime.fromisoformat(text.strip()))
    except ValueError:
        pass
    stamp = parse_datetimes(pd.Series([text]), fmt).iloc[0] if fmt else pd.NaT
    return None if pd.isna(stamp) else pd.Timestamp(stamp)


def _seconds(stamp: pd.Timestamp) -> float:
    """Seconds since 1970 as :func:`as_numbers` gives datetimes (UTC; naive taken as UTC)."""
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return float((stamp - pd.Timestamp("1970-01-01")) / pd.Timedelta(seconds=1))


def _target_info(column: Column, series: pd.Series) -> dict[str, Any]:
    """What is needed to give rebuilt values the real column's type and precision."""
    info: dict[str, Any] = {"dtype": str(series.dtype), "decimals": column.decimals,
                            "integer": bool(column.integer)}
    fmt = column.datetime_format if column.kind is Kind.DATETIME else None
    if fmt and not pd.api.types.is_datetime64_any_dtype(series.dtype):
        # text (or YYYYMMDD digits): rebuilt values are written as the column writes them
        info.update(format=writing_format(fmt), step=_time_step(as_numbers(series, fmt)),
                    missing=_missing_kind(series))
    elif pd.api.types.is_datetime64_any_dtype(series.dtype):
        info["step"] = _time_step(as_numbers(series))
    return info


def _missing_kind(series: pd.Series) -> str:
    """How an object column holds a missing value: ``"none"``, ``"nan"`` or ``"na"``."""
    missing = series[series.isna()]
    first = missing.iloc[0] if series.dtype == object and len(missing) else np.nan
    return "none" if first is None else "na" if first is pd.NA else "nan"


_EPOCH = dt.datetime(1970, 1, 1)


def _written(values: np.ndarray, target: Mapping[str, Any]) -> pd.Series:
    """Seconds since 1970 as the text of a datetime column (its format, dtype, missing)."""
    missing = np.isnan(values)
    micros = np.round(np.where(missing, 0.0, values) * 1e6).astype(np.int64)
    distinct, where = np.unique(micros, return_inverse=True)  # dates repeat: format each once
    fmt = str(target["format"])
    texts = np.asarray([strftime_unpadded(_EPOCH + dt.timedelta(microseconds=int(m)), fmt)
                        for m in distinct], dtype=object)[where.reshape(-1)]
    dtype = str(target["dtype"])
    if pd.api.types.is_numeric_dtype(pd.api.types.pandas_dtype(dtype)):  # 19750103
        numbers = pd.to_numeric(pd.Series(texts)).astype("float64").where(~missing)
        if not missing.any():
            return astype(numbers, dtype)
        return astype(numbers, "Int64" if dtype.startswith("I") else "float64")
    texts[missing] = {"none": None, "na": pd.NA}.get(str(target.get("missing")), np.nan)
    if dtype == "object":
        return pd.Series(texts, dtype=object)
    return astype(pd.Series(texts, dtype=object), dtype)  # str, string: missing stays missing


def _time_step(seconds: np.ndarray) -> float:
    """The coarsest of day, hour, minute, second that every real value falls on."""
    values = seconds[~np.isnan(seconds)]
    for step in (86_400.0, 3_600.0, 60.0, 1.0):
        if np.all(np.mod(values, step) == 0):
            return step
    return 0.0


def _restore(values: np.ndarray, target: Mapping[str, Any]) -> pd.Series:
    dtype = target["dtype"]
    missing = np.isnan(values)
    if target.get("format"):
        step = float(target.get("step") or 0.0)
        return _written(np.round(values / step) * step if step else values, target)
    if dtype.startswith("datetime64"):
        step = float(target.get("step") or 0.0)
        if step:  # dates stay dates: rebuilt values fall on the real values' resolution
            values = np.round(values / step) * step
        stamps = pd.to_datetime(np.where(missing, np.nan, values * 1e9), unit="ns")
        series = pd.Series(stamps)
        if "," in dtype:  # timezone-aware: stored as UTC instants
            return series.dt.tz_localize("UTC").dt.tz_convert(dtype.split(",")[1].strip(" ]"))
        return astype(series, dtype)
    if target["integer"] or dtype.lower().startswith(("int", "uint")):
        rounded = np.round(values)
        if missing.any():
            return pd.Series(rounded).astype("Int64" if dtype.startswith("I") else "float64")
        return astype(pd.Series(rounded), dtype)
    if target["decimals"] is not None:
        values = np.round(values, int(target["decimals"]))
    return astype(pd.Series(values), dtype if dtype.startswith("float") else "float64")


def _path_of(function: Callable[..., Any]) -> str | None:
    module, name = getattr(function, "__module__", None), getattr(function, "__qualname__", "")
    if not module or "<" in name or "." in name:
        return None
    return f"{module}:{name}"


def _import(path: str) -> Callable[[pd.DataFrame], Any]:
    module_name, _, attr = path.partition(":")
    try:
        function: Callable[[pd.DataFrame], Any] = getattr(importlib.import_module(module_name),
                                                          attr)
    except (ImportError, AttributeError, ValueError) as exc:
        raise InvalidParameterError(
            f"Cannot import the predicate {path!r} ({exc}). Give 'module:function' of a "
            "function importable where the model is used.") from None
    return function
