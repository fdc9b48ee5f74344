"""Conditional sampling: rows with given values, through the shared sampling path.

A condition (``{"fraud": 1, "country": "DE"}``) is checked like a constraint on every
candidate row, so the result is exact whatever the model. Models that can fix a value while
drawing (``_sample_fixed``: CART for the columns it draws first, the independent baseline and
the Gaussian copula for any column) do so, and rejection only has to cover the rest. A
condition no real row has (an unseen category, a number outside the real range, a generated
column) is refused at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from simulacra.constraints import Constraint
from simulacra.data._codecs import TableCodec
from simulacra.errors import InvalidParameterError
from simulacra.schema import Kind, Table
from simulacra.schema._datetimes import parse_datetimes


class Condition(Constraint):
    """Rows whose columns hold the given values (numbers compared at the column's precision)."""

    kind = "condition"

    def __init__(self, values: Mapping[str, Any], table: Table,
                 categories: Mapping[str, list[Any]] | None = None) -> None:
        if not isinstance(values, Mapping) or not values:
            raise InvalidParameterError(
                "conditions must be a non-empty dict of column -> value, e.g. "
                "{'fraud': 1}, or a DataFrame of partial rows.")
        self.values = dict(values)
        self._table = table
        for column, value in list(self.values.items()):
            _check_possible(table, column, value)
            seen = (categories or {}).get(column)
            known = set(map(str, seen or ()))
            if isinstance(value, str) and value not in known and value.strip() in known:
                value = self.values[column] = value.strip()  # "country = DE" means "DE"
            if seen is not None and value is not None and str(value) not in known:
                shown = ", ".join(repr(c) for c in seen[:10])
                raise InvalidParameterError(
                    f"Cannot condition on {column}={value!r}: the real data has no such "
                    f"category (it has {shown}{', ...' if len(seen) > 10 else ''}).")

    def columns(self) -> list[str]:
        return list(self.values)

    def describe(self) -> str:
        # numpy scalars (impute's values, read from a frame) as plain numbers: Price=105.9,
        # not Price=np.float64(105.9)
        return "condition " + ", ".join(
            f"{c}={v.item() if isinstance(v, np.generic) else v!r}"
            for c, v in self.values.items())

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "values": self.values}

    def valid(self, data: pd.DataFrame) -> np.ndarray:
        ok = np.ones(len(data), dtype=bool)
        for column, value in self.values.items():
            ok &= _equals(data[column], value, self._table.column(column))
        return ok


def parse_where(items: list[str], table: Table) -> dict[str, Any]:
    """``["fraud=1", "country=DE"]`` (the CLI's --where) as typed condition values."""
    out: dict[str, Any] = {}
    for item in items:
        column, sep, raw = item.partition("=")
        column = column.strip()
        if not sep or not column:
            raise InvalidParameterError(
                f"--where expects COLUMN=VALUE, e.g. --where fraud=1. Got {item!r}.")
        if column not in table.column_names:
            raise InvalidParameterError(
                f"--where names the column {column!r}, which the model does not have. "
                f"Columns: {', '.join(table.column_names)}.")
        if column in out:
            raise InvalidParameterError(
                f"--where gives the column {column!r} twice ({out[column]!r} and "
                f"{raw!r}); a row holds one value. Give it once, and sample once per value "
                "to get rows of several.")
        # a category is taken as written (" TRUE"), surrounding spaces forgiven when matched
        out[column] = _typed(raw if _is_text(table, column) else raw.strip(), table, column)
    return out


def _is_text(table: Table, column: str) -> bool:
    return table.column(column).kind not in (Kind.NUMERICAL, Kind.BOOLEAN, Kind.DATETIME)


def fixed_encoded(codec: TableCodec, model_table: Table, values: Mapping[str, Any],
                  example: pd.DataFrame) -> dict[int, float]:
    """Encoded column index -> value for the conditioned columns the model itself learns.

    ``example`` is one decoded row of the model's table; the conditions are written into it
    and encoded, which reuses every codec (categories, missing indicators, scaling).
    """
    learned = {c: v for c, v in values.items() if c in model_table.column_names}
    if not learned:
        return {}
    row = example.iloc[:1].copy()
    for column, value in learned.items():
        row[column] = pd.Series([value], index=row.index).astype(row[column].dtype)
    encoded = codec.encode(row)
    return {j: float(encoded.values[0, j]) for j, col in enumerate(codec.encoded_columns)
            if col.source in learned}


def _check_possible(table: Table, column: str, value: Any) -> None:
    if column not in table.column_names:
        raise InvalidParameterError(
            f"Cannot condition on {column!r}: the model has no such column. Columns: "
            f"{', '.join(table.column_names)}.")
    spec = table.column(column)
    if spec.is_generated:
        article = "an" if spec.kind.value[:1] in "aeiou" else "a"  # "an id column"
        raise InvalidParameterError(
            f"Cannot condition on {column!r}: it is {article} {spec.kind.value} column, "
            "generated anew for every row rather than learned.")
    if value is None or (isinstance(value, float) and np.isnan(value)):
        if spec.missing_share == 0:
            raise InvalidParameterError(
                f"Cannot condition on {column!r} being missing: it is never missing in the "
                "real data.")
        return
    if spec.kind == Kind.NUMERICAL:
        number = float(value)
        low, high = spec.minimum, spec.maximum
        if (low is not None and number < low) or (high is not None and number > high):
            raise InvalidParameterError(
                f"Cannot condition on {column}={value!r}: the real values lie in "
                f"[{low}, {high}], and the model draws from what it learned.")
        digits = 0 if spec.integer else spec.decimals
        if digits is not None and abs(round(number, digits) - number) > 1e-9 * max(
                1.0, abs(number)):
            held = "whole numbers" if digits == 0 else f"numbers of {digits} decimals"
            raise InvalidParameterError(
                f"Cannot condition on {column}={value!r}: the column holds {held}, so no "
                f"row has that value. Give one such as {round(number, digits)!r}.")


def _equals(series: pd.Series, value: Any, spec: Any) -> np.ndarray:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return np.asarray(series.isna().to_numpy())
    if spec.kind == Kind.NUMERICAL:
        numbers = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        digits = spec.decimals if spec.decimals is not None else 9
        return np.asarray(np.round(numbers, digits) == round(float(value), digits))
    if spec.kind == Kind.DATETIME:
        stamps = (parse_datetimes(series, spec.datetime_format)
                  if spec.datetime_format and not pd.api.types.is_datetime64_any_dtype(series)
                  else pd.to_datetime(series))
        return np.asarray((stamps == pd.Timestamp(value)).to_numpy())
    return np.asarray((series.astype(object).map(str) == str(value)).to_numpy())


def _typed(raw: str, table: Table, column: str) -> Any:
    spec = table.column(column)
    if raw == "":
        return None
    if spec.kind == Kind.NUMERICAL:
        try:
            return float(raw)
        except ValueError:
            raise InvalidParameterError(
                f"--where {column}={raw!r}: {column!r} is numerical; give a number.") from None
    if spec.kind == Kind.BOOLEAN:
        lowered = raw.lower()
        if lowered in ("true", "1", "yes"):
            return True
        if lowered in ("false", "0", "no"):
            return False
        raise InvalidParameterError(f"--where {column}={raw!r}: {column!r} is true/false.")
    return raw
