"""Codecs of learned kinds: numerical, categorical and boolean columns.

* numerical: one continuous column in natural scale (median where missing), preceded by a
  ``name.missing`` indicator when the column has missing values. Decoding rounds to the
  column's decimals, clips to its bounds, rounds integers and restores the dtype.
* categorical: one discrete column of codes ``0..k-1`` over the categories seen, most frequent
  first (ties by first appearance), missing as code ``k``. Categories are stored as a JSON
  list that keeps Python types, so ``1``, ``1.0``, ``True`` and ``"1"`` stay distinct.
* boolean: the same with the order ``False, True``.

A column with one value and no missing values, or only missing values, has no encoded
columns: it is restored as it was.
"""

from __future__ import annotations

import warnings
from typing import Any, Self

import numpy as np
import pandas as pd
import pyarrow as pa

from simulacra._warnings import user_stacklevel
from simulacra.data._codec_base import (
    ColumnCodec,
    codes_of,
    missing_of,
    with_indicator,
)
from simulacra.data._dtypes import (
    ArrayLike,
    as_python,
    decimal_places,
    decimals_trimmed,
    is_string_dtype,
    json_scalar,
    marker_value,
    missing_marker,
    python_type,
    resolve_dtype,
    restore,
    strings_to_dtype,
    whole_decimals_bare,
)
from simulacra.data._duration_text import duration_text
from simulacra.data._frame import EncodedColumn
from simulacra.errors import DataValidationError, FitWarning, Issue
from simulacra.schema._durations import duration_layout, duration_text_seconds
from simulacra.schema._model import Column, Kind


# ---- numerical -----------------------------------------------------------------------------
def to_floats(series: pd.Series, where: str, text_format: str | None = None) -> np.ndarray:
    """The column as float64 with NaN for missing values, or a clear error.

    Text written as durations (``text_format`` a layout such as ``[h]:mm:ss``) is read as
    seconds.
    """
    dtype = series.dtype
    seconds = duration_text_seconds(series, text_format)
    if seconds is not None:
        layout = duration_layout(text_format)
        assert layout is not None  # duration_text_seconds read the values with it
        _refuse_unread(series, np.isnan(seconds),
                       f"the column holds durations written {text_format!r} but some values "
                       "are not",
                       f"Write them as durations such as {layout.examples}, or set the kind "
                       f"of {where} to 'categorical' and remove its 'text_format'.")
        return seconds
    if pd.api.types.is_timedelta64_dtype(dtype):
        elapsed: np.ndarray = series.dt.total_seconds().to_numpy(np.float64, na_value=np.nan)
        return elapsed
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
        out: np.ndarray = series.to_numpy(dtype=np.float64, na_value=np.nan)
        return out
    numbers = pd.to_numeric(series, errors="coerce")
    _refuse_unread(series, numbers.isna().to_numpy(),
                   "the column is numerical but holds values that are not numbers",
                   f"Clean those values, or set the kind of {where} to 'categorical'.")
    return numbers.to_numpy(dtype=np.float64, na_value=np.nan)


def _refuse_unread(series: pd.Series, unread: np.ndarray, what: str, fix: str) -> None:
    """A clear error naming the rows whose value could not be read (missing ones aside)."""
    bad = unread & series.notna().to_numpy()
    if bad.any():
        rows = tuple(int(i) for i in np.flatnonzero(bad)[:3])
        raise DataValidationError.of([Issue(
            f"{what}, such as {series.iloc[rows[0]]!r}.", column=str(series.name), rows=rows,
            n_rows=int(bad.sum()), fix=fix)])


_STEP_SHARE = 0.95


def _duration_step(seconds: np.ndarray) -> float:
    """The hour or minute when (nearly) every duration is a whole number of them, else 0.

    Nearly: Stat2Data::Marathon writes all but 3 of 1127 times in whole minutes.
    """
    for step in (3600.0, 60.0):
        if seconds.size and np.mean(np.fmod(seconds, step) == 0) >= _STEP_SHARE:
            return step
    return 0.0


def _holds_text(dtype: str) -> bool:
    """Whether a column of this dtype holds text (strings or objects), not numbers."""
    found = resolve_dtype(dtype)
    return is_string_dtype(found) or (isinstance(found, np.dtype) and found.kind == "O")


class NumericalCodec(ColumnCodec):
    """A number in natural scale, with a missing indicator when needed."""

    kind = Kind.NUMERICAL

    @classmethod
    def fit(cls, series: pd.Series, column: Column, *, salt: str) -> Self:
        x = to_floats(series, f"column {column.name!r}", column.text_format)
        missing = np.isnan(x)
        finite = x[np.isfinite(x)]
        integer = column.integer
        if integer is None:
            integer = bool(finite.size) and bool(np.all(finite == np.rint(finite)))
        low = column.minimum if column.minimum is not None else _stat(finite, np.min)
        high = column.maximum if column.maximum is not None else _stat(finite, np.max)
        outside = int(((finite < low) | (finite > high)).sum())
        if outside:
            warnings.warn(FitWarning(
                f"Column {column.name!r}: {outside} real value(s) lie outside the schema's "
                f"bounds [{low:g}, {high:g}] (from {_stat(finite, np.min):g} to "
                f"{_stat(finite, np.max):g}); they are learned at the bounds and samples stay "
                "within them. Widen or remove 'minimum'/'maximum' to keep them."
            ), stacklevel=user_stacklevel())
        _warn_if_beyond_float_precision(series, column, bool(integer))
        state = {
            "has_missing": bool(missing.any()),
            "all_missing": bool(missing.all()),
            "constant": bool(not missing.any() and finite.size and low == high),
            "median": _stat(finite, np.median),
            "integer": bool(integer),
            "decimals": column.decimals,
            "low": float(low),
            "high": float(high),
            "seen": [_stat(finite, np.min), _stat(finite, np.max)] if finite.size else None,
            "marker": missing_marker(series),
        }
        if duration_layout(column.text_format) is not None:
            state["duration_step"] = _duration_step(finite)
        if python_type(series) == "decimal":  # SQL NUMERIC: Decimal("12.50") comes back so
            state["python"] = "decimal"        # (older models: floats)
            state["decimal_places"] = decimal_places(series)
            if decimals_trimmed(series):  # 2, 1.5, 0.25: written so (older models: 2.00)
                state["decimal_trimmed"] = True
            elif whole_decimals_bare(series):  # 2, 1.50: whole ones bare (older: 2.00)
                state["decimal_whole_bare"] = True
        return cls(column, state)

    def seen_range(self) -> tuple[float, float] | None:
        """The lowest and highest value of the training data (None: none, or an old model)."""
        seen = self.state.get("seen")
        if not self.encoded or seen is None:
            return None
        return float(seen[0]), float(seen[1])

    def _encoded_columns(self) -> tuple[EncodedColumn, ...]:
        s = self.state
        if s["all_missing"] or s["constant"]:
            return ()
        value = EncodedColumn(self.column.name, self.column.name, discrete=False,
                              integer=bool(s["integer"]))
        return (self._missing_column(), value) if s["has_missing"] else (value,)

    def encode(self, series: pd.Series) -> np.ndarray:
        if not self.encoded:
            return super().encode(series)
        s = self.state
        x = to_floats(series, self.where, self.column.text_format)
        missing = np.isnan(x)
        values = np.clip(np.where(missing, s["median"], x), s["low"], s["high"])
        return with_indicator(values, missing, s["has_missing"])

    def decode(self, block: np.ndarray, *, rng: np.random.Generator, start: int) -> ArrayLike:
        s = self.state
        n = block.shape[0]
        if s["all_missing"]:
            return restore(np.zeros(n), np.ones(n, dtype=bool), self.column.dtype, s["marker"])
        if s["constant"]:
            values = np.full(n, s["low"])
        else:
            raw = block[:, -1]
            values = np.where(np.isfinite(raw), raw, s["median"])
        if s["decimals"] is not None and not s["integer"]:
            values = np.round(values, int(s["decimals"]))
        places = 0 if s["integer"] else s["decimals"]
        values = np.clip(values, *_bounds_on_grid(s["low"], s["high"], places))
        layout = duration_layout(self.column.text_format)
        step = float(s.get("duration_step", 0.0))  # older models: none
        if step > 1.0:  # durations all in whole minutes (or hours) stay so
            values = np.clip(np.rint(values / step) * step, s["low"], s["high"])
        if layout is not None and _holds_text(self.column.dtype):  # 38:31:00, as read
            return strings_to_dtype(duration_text(values, layout),
                                    missing_of(block, s["has_missing"]), self.column.dtype,
                                    s["marker"])
        if s["integer"]:
            values = _as_integers(values, self.column.dtype)
        values = as_python(values, s.get("python"), int(s.get("decimal_places", 0)),
                           trimmed=bool(s.get("decimal_trimmed", False)),
                           bare_whole=bool(s.get("decimal_whole_bare", False)))
        return restore(values, missing_of(block, s["has_missing"]), self.column.dtype,
                       s["marker"])


def _bounds_on_grid(low: float, high: float, places: int | None) -> tuple[float, float]:
    """The bounds moved inward to the column's precision, so that no value clipped leaves them.

    An edited ``maximum`` of 2027.8 on whole numbers is 2027 (not rounded up to 2028), and a
    ``minimum`` of 0.4071 with ``decimals`` 1 is 0.5. Bounds already on it are kept exactly,
    and so are bounds with no value of that precision between them.
    """
    if places is None:
        return low, high
    inner = (_on_grid(low, int(places), np.ceil), _on_grid(high, int(places), np.floor))
    return inner if inner[0] <= inner[1] else (low, high)


def _on_grid(bound: float, places: int, direction: Any) -> float:
    scaled = bound * 10.0**places
    if abs(scaled - np.rint(scaled)) <= 1e-9 * max(1.0, abs(scaled)):
        return bound
    return float(direction(scaled) / 10.0**places)


_EXACT_FLOAT = 2**53  # float64 holds every integer up to this, and not all above it


def _warn_if_beyond_float_precision(series: pd.Series, column: Column, integer: bool) -> None:
    """Numbers are modelled as float64: say so where that rounds the column's values."""
    if python_type(series) == "decimal":
        _warn_if_beyond_float_digits(series, column)
        return
    if not integer:
        return
    exact = series.dropna().to_numpy()
    if not (pd.api.types.is_integer_dtype(series.dtype)
            or pd.api.types.infer_dtype(exact, skipna=False) == "integer"):
        return  # (an object column of Python ints is checked too)
    beyond = int((np.abs(exact.astype(np.float64)) >= _EXACT_FLOAT).sum()) if exact.size else 0
    if beyond:
        warnings.warn(FitWarning(
            f"Column {column.name!r}: {beyond} value(s) are integers beyond 2**53 "
            f"({_EXACT_FLOAT:,}); numbers are modelled as float64, which cannot hold every "
            "such integer, so sampled values there come back rounded to a nearby float64 "
            "integer. If they are identifiers or codes, declare the column kind 'id' (new "
            "values) or 'categorical' (real values kept exactly)."
        ), stacklevel=user_stacklevel())


_FLOAT_DIGITS = 15  # significant digits every float64 holds exactly as decimal text


def _warn_if_beyond_float_digits(series: pd.Series, column: Column) -> None:
    """Say so where a column's ``Decimal`` values have more digits than float64 holds."""
    long = [v for v in series.dropna() if len(v.as_tuple().digits) > _FLOAT_DIGITS]
    if long:
        warnings.warn(FitWarning(
            f"Column {column.name!r}: {len(long)} Decimal value(s) have more than "
            f"{_FLOAT_DIGITS} significant digits (such as {long[0]}); numbers are modelled "
            "as float64, which holds about 15, so sampled values come back with their first "
            "15-17 digits and the rest rounded. If they must stay exact, declare the column "
            "'categorical' (real values kept) or 'id' (new values)."
        ), stacklevel=user_stacklevel())


def _stat(values: np.ndarray, func: Any) -> float:
    return float(func(values)) if values.size else 0.0


def _as_integers(values: np.ndarray, dtype: str) -> np.ndarray:
    """Whole numbers: int64 unless the column holds floats (then whole floats)."""
    rounded: np.ndarray = np.rint(values)
    dt = resolve_dtype(dtype)
    # Int64 and int64[pyarrow] hold numpy's integers (a masked or Arrow array of them)
    numpy = dt if isinstance(dt, np.dtype) else getattr(dt, "numpy_dtype", None)
    if isinstance(numpy, np.dtype) and numpy.kind == "f":
        return rounded
    if isinstance(numpy, np.dtype) and numpy.kind in "iu":
        # float64 cannot hold every int64: the largest below 2**63 keeps the cast from wrapping
        info = np.iinfo(numpy)
        clipped: np.ndarray = np.clip(rounded, float(info.min),
                                      np.nextafter(float(info.max) + 1.0, 0.0))
        return clipped
    if np.abs(rounded).max(initial=0.0) < 2.0**63:
        return rounded.astype(np.int64)
    # Python's integers beyond int64 (an object column): each one an int, not a float
    return np.array([int(v) for v in rounded], dtype=object)


# ---- categorical ---------------------------------------------------------------------------
def _tag(value: Any) -> int:
    """Type tag that keeps values equal under ``==`` but of different types apart."""
    if isinstance(value, (bool, np.bool_)):
        return 1
    if isinstance(value, (int, np.integer)):
        return 2
    if isinstance(value, (float, np.floating)):
        return 3
    return 0 if isinstance(value, str) else 4


_tag_all = np.frompyfunc(_tag, 1, 1)


_HOMOGENEOUS = frozenset({"string", "integer", "floating", "boolean", "empty"})


def _needs_tags(values: np.ndarray) -> bool:
    """True for object arrays mixing types that can compare equal (``1``, ``1.0``, ``True``)."""
    return values.dtype == object and (
        pd.api.types.infer_dtype(values, skipna=True) not in _HOMOGENEOUS
    )


def factorize(values: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """Codes (``-1`` for missing) and distinct values, in order of first appearance.

    Values of different types that compare equal (``1``, ``1.0``, ``True``) stay distinct.
    """
    if not _needs_tags(values):
        plain_codes, plain_uniques = pd.factorize(values, use_na_sentinel=True)
        return np.asarray(plain_codes, dtype=np.int64), list(plain_uniques)
    missing = pd.isna(values)
    tags = np.full(len(values), -1, dtype=np.int64)
    tags[~missing] = _tag_all(values[~missing]).astype(np.int64)
    codes = np.full(len(values), -1, dtype=np.int64)
    uniques: list[Any] = []
    for t in np.unique(tags[tags >= 0]):
        part = tags == t
        c, u = pd.factorize(values[part], use_na_sentinel=True)
        codes[part] = np.asarray(c, dtype=np.int64) + len(uniques)
        uniques.extend(u)
    first = np.full(len(uniques), len(values), dtype=np.int64)
    seen, index = np.unique(codes[codes >= 0], return_index=True)
    first[seen] = np.flatnonzero(codes >= 0)[index]
    order = np.argsort(first, kind="stable")
    remap = np.empty(len(uniques), dtype=np.int64)
    remap[order] = np.arange(len(uniques))
    return np.where(codes >= 0, remap[np.maximum(codes, 0)], -1), [uniques[i] for i in order]


def _object_values(series: pd.Series) -> np.ndarray:
    """Numpy values of a column: numbers and bools as they are, everything else as objects."""
    dtype = series.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "biuf":
        return series.to_numpy()
    out: np.ndarray = series.to_numpy(dtype=object)
    return out


class CategoricalCodec(ColumnCodec):
    """Codes over the categories seen, most frequent first; missing is one more code."""

    kind = Kind.CATEGORICAL

    @classmethod
    def fit(cls, series: pd.Series, column: Column, *, salt: str) -> Self:
        values = _object_values(series)
        codes, uniques = factorize(values)
        counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
        order = cls._order(uniques, counts)
        cats = [json_scalar(uniques[i]) for i in order]
        inexact = [str(uniques[i]) for i, (_, ok) in zip(order, cats, strict=True) if not ok]
        python = python_type(series)  # dates, times, decimals: back in their own type
        if inexact and python is None:
            warnings.warn(FitWarning(
                f"Column {column.name!r}: categories such as {inexact[0]!r} are not strings, "
                "numbers or booleans; they are kept as their text and come back as strings."
            ), stacklevel=user_stacklevel())
        state: dict[str, Any] = {
            "categories": [c for c, _ in cats],
            "has_missing": bool((codes < 0).any()),
            "marker": missing_marker(series),
        }
        if inexact:  # stored as text: real values are matched by their text
            state["text_categories"] = True
            if python is not None:
                state["python"] = python
        if isinstance(series.dtype, pd.CategoricalDtype):
            state["dtype_categories"] = [json_scalar(c)[0] for c in series.cat.categories]
            state["ordered"] = bool(series.cat.ordered)
        return cls(column, state)

    @staticmethod
    def _order(uniques: list[Any], counts: np.ndarray) -> np.ndarray:
        """Most frequent first; ties keep the order of first appearance."""
        return np.lexsort((np.arange(len(uniques)), -counts))

    def __init__(self, column: Column, state: dict[str, Any]) -> None:
        super().__init__(column, state)
        self.categories: list[Any] = list(state["categories"])
        self.k = len(self.categories)
        self.has_missing = bool(state["has_missing"])
        self.dtype = resolve_dtype(column.dtype)
        self._mixed = _needs_tags(np.asarray(self.categories, dtype=object))
        self._lookup = self._decode_table()

    def _encoded_columns(self) -> tuple[EncodedColumn, ...]:
        card = len(self.state["categories"]) + bool(self.state["has_missing"])
        if card <= 1:
            return ()
        return (EncodedColumn(self.column.name, self.column.name, discrete=True,
                              cardinality=card,
                              missing_code=card - 1 if self.state["has_missing"] else -1),)

    # ---- encode --------------------------------------------------------------------------
    def encode(self, series: pd.Series) -> np.ndarray:
        if not self.encoded:
            return super().encode(series)
        values = self._as_stored(_object_values(series))
        missing = np.asarray(pd.isna(values), dtype=bool)
        codes = self._codes_of(values)
        unknown = (codes < 0) & ~missing
        if unknown.any() or (missing.any() and not self.has_missing):
            self._raise_unknown(values, unknown | (missing & (not self.has_missing)))
        codes = np.where(missing, self.k, codes)
        return codes.astype(np.float64)[:, None]

    def encodable(self, series: pd.Series) -> np.ndarray:
        """Which values :meth:`encode` accepts: categories seen at fit, or missing if seen."""
        values = self._as_stored(_object_values(series))
        missing = np.asarray(pd.isna(values), dtype=bool)
        return np.where(missing, self.has_missing, self._codes_of(values) >= 0)

    def _as_stored(self, values: np.ndarray) -> np.ndarray:
        """Values as the categories hold them: text for those JSON cannot (times, decimals)."""
        if not self.state.get("text_categories") or values.dtype != object:
            return values
        out = values.copy()
        present = ~np.asarray(pd.isna(values), dtype=bool)
        out[present] = [json_scalar(v)[0] for v in values[present]]
        return out

    def _codes_of(self, values: np.ndarray) -> np.ndarray:
        if not self._mixed and not _needs_tags(values):
            index = pd.Index(self.categories, dtype=object if values.dtype == object else None)
            return np.asarray(index.get_indexer(values), dtype=np.int64)
        codes = np.full(len(values), -1, dtype=np.int64)
        cat_tags = np.array([_tag(c) for c in self.categories], dtype=np.int64)
        present = ~np.asarray(pd.isna(values), dtype=bool)
        tags = np.full(len(values), -1, dtype=np.int64)
        tags[present] = _tag_all(values[present]).astype(np.int64)
        for t in np.unique(tags[tags >= 0]):
            where = np.flatnonzero(cat_tags == t)
            index = pd.Index([self.categories[i] for i in where], dtype=object)
            found = index.get_indexer(values[tags == t])
            codes[tags == t] = np.where(found >= 0, where[np.maximum(found, 0)], -1)
        return codes

    def _raise_unknown(self, values: np.ndarray, bad: np.ndarray) -> None:
        rows = tuple(int(i) for i in np.flatnonzero(bad)[:3])
        raise DataValidationError.of([Issue(
            f"values not seen when the codec was fitted, such as {values[rows[0]]!r}.",
            column=self.column.name, rows=rows, n_rows=int(bad.sum()),
            fix="Fit on data that contains every category, or map new values to known ones.",
        )])

    # ---- decode --------------------------------------------------------------------------
    def _decode_table(self) -> Any:
        dt = self.dtype
        marker = self.state["marker"]
        if isinstance(dt, pd.CategoricalDtype):
            dtype_cats = self.state.get("dtype_categories", self.categories)
            cat_dtype = pd.CategoricalDtype(dtype_cats, ordered=self.state.get("ordered", False))
            positions = pd.Index(dtype_cats, dtype=object).get_indexer(
                pd.Index(self.categories, dtype=object)
            )
            return cat_dtype, np.append(positions, -1)
        if is_string_dtype(dt):
            return pa.array([*(str(c) for c in self.categories), None], pa.string())
        if (isinstance(dt, np.dtype) and dt.kind == "O") or not self.categories:
            stored = np.array([*self.categories], dtype=object)
            return np.array([*as_python(stored, self.state.get("python")),
                             marker_value(marker)], dtype=object)
        try:
            return np.array([*self.categories, self.categories[0]])
        except (TypeError, ValueError):
            return np.array([*self.categories, marker_value(marker)], dtype=object)

    def decode(self, block: np.ndarray, *, rng: np.random.Generator, start: int) -> ArrayLike:
        n = block.shape[0]
        total = self.k + self.has_missing
        codes = codes_of(block[:, 0], total) if self.encoded else np.zeros(n, dtype=np.int64)
        if self.k == 0:
            codes = np.zeros(n, dtype=np.int64)
        missing = codes == self.k
        if isinstance(self.dtype, pd.CategoricalDtype):
            cat_dtype, positions = self._lookup
            return pd.Categorical.from_codes(positions[codes], dtype=cat_dtype)
        if is_string_dtype(self.dtype):
            out: ArrayLike = pd.array(self._lookup.take(pa.array(codes)), dtype=self.dtype)
            return out
        return restore(self._lookup[codes], missing if missing.any() else None,
                       self.column.dtype, self.state["marker"])


class BooleanCodec(CategoricalCodec):
    """``False, True`` (+ missing) when the values are booleans; else as categorical."""

    kind = Kind.BOOLEAN

    @staticmethod
    def _order(uniques: list[Any], counts: np.ndarray) -> np.ndarray:
        if all(isinstance(u, (bool, np.bool_)) for u in uniques):
            return np.argsort([bool(u) for u in uniques], kind="stable")
        return CategoricalCodec._order(uniques, counts)

