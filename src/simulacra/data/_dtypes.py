"""Giving decoded values back their original dtype (``Column.dtype``), missing values included.

Codecs decode to plain numpy values plus a boolean ``missing`` mask; :func:`restore` builds
the pandas array of the column's dtype from them: numpy dtypes (``int64``, ``float64``,
``bool``, ``object``), masked ones (``Int64``, ``boolean``, ``Float64``), strings (``str``,
``string``) and pyarrow-backed ones. Object columns keep the kind of missing value they had
(``None``, ``NaN``, ``pd.NA`` or ``NaT``), recorded at fit as a *marker*, and the Python
type of their values where it is one pandas does not keep (``datetime.date``,
``datetime.time``, ``decimal.Decimal``: :func:`python_type`, :func:`as_python`).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.extensions import ExtensionDtype

from simulacra.errors import SchemaError

ArrayLike = np.ndarray | pd.api.extensions.ExtensionArray
DtypeObj = np.dtype | ExtensionDtype

#: The dtype pandas gives a column of text: ``"str"`` on pandas 3, ``"object"`` on pandas 2
#: (where ``astype("str")`` would write missing values as the text "nan" or "None").
TEXT_DTYPE: str = str(pd.Series(["a"], dtype="str").dtype)

_MASKED = (pd.arrays.IntegerArray, pd.arrays.BooleanArray, pd.arrays.FloatingArray)
_MARKERS: dict[str, Any] = {"none": None, "nan": np.nan, "na": pd.NA, "nat": pd.NaT}


@functools.lru_cache(maxsize=256)
def resolve_dtype(dtype: str) -> DtypeObj:
    """The dtype object named by ``Column.dtype`` (``"Int64"``, ``"datetime64[us, UTC]"`` ...)."""
    try:
        found: DtypeObj = pd.api.types.pandas_dtype(dtype)
    except (TypeError, ValueError):  # pandas 2: ValueError for some arrow names
        raise SchemaError(
            f"dtype {dtype!r} is not a dtype pandas knows. Use the name pandas prints for the "
            "column (str(df[col].dtype)), such as 'int64', 'float64', 'str' or 'category'."
        ) from None
    if isinstance(found, np.dtype) and found.kind in "US":
        # pandas < 3 reads "str" (pandas 3's string dtype) as numpy's fixed-width text, which
        # a Series cannot hold: a schema or model written under pandas 3 gets object columns
        found = np.dtype(object)
    return found


def missing_marker(series: pd.Series) -> str:
    """How an object column writes missing values: ``"none"``, ``"nan"``, ``"na"`` or ``"nat"``."""
    if series.dtype != object:
        return "nan"
    missing = series[series.isna()]
    if missing.empty:
        return "nan"
    first = missing.iloc[0]
    if first is None:
        return "none"
    if first is pd.NA:
        return "na"
    if first is pd.NaT:
        return "nat"
    return "nan"


_PYTHON_TYPES: dict[str, type] = {"date": dt.date, "time": dt.time, "decimal": Decimal}


def python_type(series: pd.Series) -> str | None:
    """``"date"``, ``"time"`` or ``"decimal"`` when an object column holds only such values.

    Missing values aside; None for any other column (``datetime.datetime`` values are not
    dates here: pandas Timestamps already are datetimes).
    """
    if series.dtype != object:
        return None
    # every value must be of the type, the first too (a scan of each text column cost more)
    first = next((v for v in series.to_numpy() if not pd.isna(v)), None)
    if type(first) not in _PYTHON_TYPES.values():
        return None
    present = series[series.notna()]
    found = pd.api.types.infer_dtype(present, skipna=False)
    if found not in _PYTHON_TYPES:
        return None
    wanted = _PYTHON_TYPES[found]  # exactly: infer_dtype counts datetimes as dates
    return found if all(type(v) is wanted for v in present) else None


def decimal_places(series: pd.Series) -> int:
    """The most places after the point any ``Decimal`` of the column shows (``12.50``: 2)."""
    exponents = [v.as_tuple().exponent for v in series[series.notna()]]
    return max([0, *(-e for e in exponents if isinstance(e, int))])


def decimals_trimmed(series: pd.Series) -> bool:
    """Whether a column's ``Decimal`` values show places of their own (``2``, ``1.5``, ``0.25``).

    Such a column writes no trailing zero: new values are written so too, rather than all at
    the most places any value shows (``2.00``, ``1.50``). False when one value at least shows
    a trailing zero (``12.50``) or all show the same places.
    """
    places, trailing = set(), False
    for value in series[series.notna()]:
        _, digits, exponent = value.as_tuple()
        if not isinstance(exponent, int):
            continue
        places.add(max(0, -exponent))
        trailing = trailing or (exponent < 0 and digits[-1] == 0)
    return len(places) > 1 and not trailing


def whole_decimals_bare(series: pd.Series) -> bool:
    """Whether a column writes its whole ``Decimal`` values bare and the rest at its places.

    Prices written ``2``, ``1.50``, ``3.25``: a new whole value is written ``4``, not ``4.00``.
    False when a whole value shows places (``2.00``) or none is whole.
    """
    bare = False
    for value in series[series.notna()]:
        exponent = value.as_tuple().exponent
        if not isinstance(exponent, int) or value != value.to_integral_value():
            continue
        if exponent < 0:
            return False
        bare = True
    return bare


def as_python(values: np.ndarray, python: str | None, places: int = 0, *,
              trimmed: bool = False, bare_whole: bool = False) -> np.ndarray:
    """Decoded values as Python objects of the type a column held (see :func:`python_type`).

    ``values`` are timestamps for ``"date"``, numbers for ``"decimal"`` (written with
    ``places`` decimal places, without trailing zeros where ``trimmed``: see
    :func:`decimals_trimmed`; whole ones without places where ``bare_whole``: see
    :func:`whole_decimals_bare`) and category text for every type; others pass unchanged.
    """
    if python is None or python not in _PYTHON_TYPES:
        return values
    out = np.empty(len(values), dtype=object)
    for i, value in enumerate(values):
        out[i] = _python_value(value, python, places)
        if isinstance(out[i], Decimal) and out[i].is_finite():
            if trimmed:
                out[i] = _without_trailing_zeros(out[i])
            elif bare_whole and out[i] == out[i].to_integral_value():
                out[i] = out[i].quantize(_ONE)
    return out


_ONE = Decimal(1)


def _without_trailing_zeros(value: Decimal) -> Decimal:
    """``2.50`` as ``2.5``, ``2.00`` as ``2`` (whole numbers keep their digits: ``20``)."""
    sign, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int) or exponent >= 0:
        return value
    if not any(digits):
        return Decimal((sign, (0,), 0))
    drop = 0
    while drop < -exponent and drop < len(digits) - 1 and digits[-1 - drop] == 0:
        drop += 1
    return Decimal((sign, digits[:len(digits) - drop], exponent + drop)) if drop else value


def _python_value(value: Any, python: str, places: int) -> Any:
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return value
    if isinstance(value, str):  # category text, as stored
        if python == "decimal":
            return Decimal(value)
        return dt.date.fromisoformat(value) if python == "date" else dt.time.fromisoformat(value)
    if python == "date":
        return pd.Timestamp(value).date()
    if python == "decimal":
        return Decimal(f"{float(value):.{places}f}")
    return value


def marker_value(marker: str) -> Any:
    """The missing value a marker stands for."""
    return _MARKERS.get(marker, np.nan)


def is_string_dtype(dtype: DtypeObj) -> bool:
    """True for pandas string dtypes (``str``, ``string``, ``string[pyarrow]``)."""
    return isinstance(dtype, pd.StringDtype)


def is_numeric_dtype(dtype: DtypeObj) -> bool:
    """True for numeric dtypes (numpy or masked), booleans excluded."""
    return bool(pd.api.types.is_numeric_dtype(dtype)) and not pd.api.types.is_bool_dtype(dtype)


def restore(values: np.ndarray, missing: np.ndarray | None, dtype: str,
            marker: str = "nan") -> ArrayLike:
    """An array of ``dtype`` holding ``values``, missing where ``missing`` is True.

    Parameters
    ----------
    values
        Decoded values (numbers, bools or Python objects); entries under ``missing`` are
        ignored.
    missing
        Boolean mask of missing entries, or None for none.
    dtype
        The column's original dtype name.
    marker
        The missing value of object columns (see :func:`missing_marker`).
    """
    dt = resolve_dtype(dtype)
    has_missing = missing is not None and bool(missing.any())
    if isinstance(dt, np.dtype):
        return _restore_numpy(values, missing if has_missing else None, dt, marker)
    array_type = dt.construct_array_type()
    if issubclass(array_type, _MASKED):
        mask = np.zeros(len(values), dtype=bool) if missing is None else missing.copy()
        data = np.asarray(values)
        if has_missing:
            data = np.where(mask, np.zeros(1, dtype=data.dtype), data)
        numpy_dtype = getattr(dt, "numpy_dtype", np.dtype(bool))
        out: ArrayLike = array_type(data.astype(numpy_dtype), mask)
        return out
    return _extension(_objects(values, missing if has_missing else None, None), dt)


def _extension(values: np.ndarray, dtype: ExtensionDtype) -> ArrayLike:
    """``values`` as an array of an extension dtype (strings, pyarrow-backed, ...)."""
    out: ArrayLike = pd.array(values, dtype=dtype)  # type: ignore[call-overload]
    return out


def _restore_numpy(values: np.ndarray, missing: np.ndarray | None, dt: np.dtype,
                   marker: str) -> np.ndarray:
    if dt.kind == "O":
        return _objects(values, missing, marker_value(marker))
    if dt.kind == "m":  # durations travel as seconds
        seconds = pd.to_timedelta(np.asarray(values, dtype=np.float64), unit="s")
        durations = np.asarray(seconds.to_numpy()).astype(dt)
        return durations if missing is None else np.where(missing, np.array("NaT", dtype=dt),
                                                          durations).astype(dt)
    if dt.kind == "f":
        out = np.asarray(values, dtype=dt)
        return out if missing is None else np.where(missing, np.nan, out).astype(dt)
    if missing is not None and dt.kind in "iub":
        # A numpy int/bool column cannot hold missing values: the original had none, so a
        # model producing some is corrected to the column's most common state (0 / False).
        values = np.where(missing, 0, values)
    return np.asarray(values).astype(dt)


def _objects(values: np.ndarray, missing: np.ndarray | None, na: Any) -> np.ndarray:
    """Python objects (ints stay ints, floats floats), ``na`` where missing."""
    out = np.asarray(values).astype(object)
    if missing is not None:
        out[missing] = na
    return out


def strings_to_dtype(values: pa.Array, missing: np.ndarray | None, dtype: str,
                     marker: str = "nan") -> ArrayLike:
    """Generated strings (a pyarrow array) as the column's dtype.

    Numeric dtypes get the digits of the strings as numbers (phone or card numbers stored
    as integers); string dtypes wrap the arrow data without a per-row copy.
    """
    dt = resolve_dtype(dtype)
    if missing is not None and missing.any():
        values = pc.if_else(pa.array(missing), pa.scalar(None, pa.string()), values)
    else:
        missing = None
    if is_string_dtype(dt):
        return pd.array(values, dtype=dt)
    if is_numeric_dtype(dt):
        digits = pc.replace_substring_regex(values, r"[^0-9]", "")
        digits = pc.if_else(pc.equal(digits, ""), pa.scalar(None, pa.string()), digits)
        numbers = pc.cast(digits, pa.int64()).to_numpy(zero_copy_only=False)
        mask = np.isnan(numbers) if numbers.dtype.kind == "f" else None
        filled = np.nan_to_num(numbers.astype(np.float64)).astype(np.int64)
        return restore(filled, mask, dtype, marker)
    objects: np.ndarray = values.to_numpy(zero_copy_only=False)
    if missing is not None:
        objects[missing] = marker_value(marker)
    if isinstance(dt, np.dtype):
        return objects if dt.kind == "O" else objects.astype(dt)
    return _extension(objects, dt)


def json_scalar(value: Any) -> tuple[Any, bool]:
    """``value`` as a JSON scalar of the same Python type, and whether that was exact.

    numpy scalars become Python ones; str, bool, int and float stay; anything else
    (timestamps, decimals, tuples) becomes its ``str`` and is reported as inexact.
    """
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (str, bool, int)):
        return value, True
    if isinstance(value, float):
        return value, not math.isnan(value)
    return str(value), False
