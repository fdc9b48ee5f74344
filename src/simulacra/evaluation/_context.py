"""Prepared data for evaluation: aligned columns, shared encodings, caches, subsamples.

Every metric sees the same view of the data:

- *numerical* columns (numbers, datetimes as seconds since 1970) as float arrays, NaN missing;
- *categorical* columns (categories, booleans) as integer codes into one category list shared
  by real, synthetic and holdout (``-1`` missing), real categories first by frequency;
- ids, free text and PII columns are not evaluated (they are generated, not learned); the
  report lists them with the reason.

Work that several metrics share (binned codes, contingency tables, model features) is cached
here; subsamples are drawn once per size and recorded as notes, so the report says exactly
which numbers rest on fewer rows.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from simulacra.errors import DataValidationError, InvalidParameterError, Issue
from simulacra.schema import Kind, Table
from simulacra.schema._datetimes import parse_datetimes, stamps_to_seconds
from simulacra.schema._durations import duration_text_seconds

NUMERICAL = "numerical"
CATEGORICAL = "categorical"
ROLES = ("real", "synthetic", "holdout")
#: Equal-width bins over the real range for numerical columns (SDMetrics' choice too).
N_BINS = 10
_EVALUATED = {Kind.NUMERICAL: NUMERICAL, Kind.DATETIME: NUMERICAL,
              Kind.CATEGORICAL: CATEGORICAL, Kind.BOOLEAN: CATEGORICAL}


@dataclass(frozen=True)
class Limits:
    """Row caps for metrics whose cost grows faster than the data.

    Parameters
    ----------
    model_rows
        Rows per side for anything that trains a model (detection, utility, fairness).
    distance_rows
        Synthetic rows, and reference rows per side, for nearest-neighbour privacy metrics.
    triples
        Most 3-way marginals for the multivariate Hellinger distance.
    """

    model_rows: int = 20_000
    distance_rows: int = 10_000
    triples: int = 300

    def __post_init__(self) -> None:
        for name in ("model_rows", "distance_rows", "triples"):
            if getattr(self, name) < 1:
                raise InvalidParameterError(f"Limits.{name} must be at least 1.")


@dataclass
class _Encoded:
    numeric: dict[str, np.ndarray]
    codes: dict[str, np.ndarray]
    n: int


@dataclass
class EvalContext:
    """The prepared inputs of one evaluation, and caches shared by its metrics.

    Build it with :func:`prepare`.
    """

    table: Table
    types: dict[str, str]
    categories: dict[str, list[str]]
    encoded: dict[str, _Encoded]
    target: str | None = None
    sensitive: tuple[str, ...] = ()
    quasi_identifiers: tuple[str, ...] = ()
    seed: int = 0
    limits: Limits = field(default_factory=Limits)
    excluded: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: per role, the entity of each row (``group_by``), as integer codes; empty when not given
    groups: dict[str, np.ndarray] = field(default_factory=dict)
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    @property
    def columns(self) -> list[str]:
        """The evaluated columns, in table order."""
        return list(self.types)

    def has(self, role: str) -> bool:
        """Whether data for ``role`` ("real", "synthetic", "holdout") was given."""
        return role in self.encoded

    def n(self, role: str) -> int:
        """Row count of ``role``."""
        return self.encoded[role].n

    def numeric(self, role: str, column: str) -> np.ndarray:
        """Float values of a numerical column (NaN missing)."""
        return self.encoded[role].numeric[column]

    def codes(self, role: str, column: str) -> np.ndarray:
        """Category codes of a categorical column (-1 missing)."""
        return self.encoded[role].codes[column]

    def rng(self, purpose: str) -> np.random.Generator:
        """A generator for one purpose, the same for the same seed and purpose."""
        key = zlib.crc32(purpose.encode())
        return np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(key,)))

    def note(self, text: str) -> None:
        """Record a caveat for the report (once)."""
        if text not in self.notes:
            self.notes.append(text)

    # -- shared derived views -------------------------------------------------------------

    def bins(self, role: str, column: str) -> np.ndarray:
        """Discrete codes in ``[0, n_bins(column))``; the last code is "missing".

        Numerical columns use :data:`N_BINS` equal-width bins over the real values, open at
        both ends so synthetic values outside the real range land in the outer bins.
        """
        key = ("bins", role, column)
        if key not in self._cache:
            self._cache[key] = self._bin(role, column)
        out: np.ndarray = self._cache[key]
        return out

    def n_bins(self, column: str) -> int:
        """Number of discrete codes of ``column`` including the missing code."""
        if self.types[column] == CATEGORICAL:
            return len(self.categories[column]) + 1
        return N_BINS + 1

    def bin_edges(self, column: str) -> np.ndarray:
        """Inner edges of the numerical bins of ``column`` (from the real data)."""
        key = ("edges", column)
        if key not in self._cache:
            values = self.numeric("real", column)
            present = values[~np.isnan(values)]
            if present.size == 0:
                self._cache[key] = np.array([])
            else:
                self._cache[key] = np.histogram_bin_edges(present, bins=N_BINS)[1:-1]
        edges: np.ndarray = self._cache[key]
        return edges

    def _bin(self, role: str, column: str) -> np.ndarray:
        if self.types[column] == CATEGORICAL:
            codes = self.codes(role, column)
            return np.where(codes < 0, len(self.categories[column]), codes).astype(np.int64)
        values = self.numeric(role, column)
        binned = np.searchsorted(self.bin_edges(column), values, side="right").astype(np.int64)
        return np.where(np.isnan(values), N_BINS, binned)

    def rows(self, role: str, cap: int, purpose: str) -> np.ndarray:
        """Row positions of ``role``: all of them, or ``cap`` drawn without replacement."""
        n = self.n(role)
        key = ("rows", role, cap)
        if key not in self._cache:
            if n <= cap:
                self._cache[key] = np.arange(n)
            else:
                picked = self.rng(f"rows:{role}:{cap}").choice(n, size=cap, replace=False)
                self._cache[key] = np.sort(picked)
        if n > cap:
            self.note(f"{purpose}: a random {cap:,} of the {n:,} {role} rows.")
        out: np.ndarray = self._cache[key]
        return out

    def cached(self, key: Any, compute: Any) -> Any:
        """``compute()`` once per ``key``; later calls return the stored value."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def features(self, role: str, rows: np.ndarray, exclude: Sequence[str] = ()
                 ) -> tuple[np.ndarray, list[str], np.ndarray]:
        """A float matrix for tree models: numerics as they are, categories as codes.

        Returns the matrix (NaN missing), the column names and a boolean mask of the
        categorical columns.
        """
        names = [c for c in self.columns if c not in exclude]
        matrix = np.empty((len(rows), len(names)), dtype=np.float64)
        is_cat = np.zeros(len(names), dtype=bool)
        for j, column in enumerate(names):
            if self.types[column] == CATEGORICAL:
                codes = self.codes(role, column)[rows].astype(np.float64)
                matrix[:, j] = np.where(codes < 0, np.nan, codes)
                is_cat[j] = True
            else:
                matrix[:, j] = self.numeric(role, column)[rows]
        return matrix, names, is_cat


def prepare(real: pd.DataFrame, synthetic: pd.DataFrame, table: Table, *,
            holdout: pd.DataFrame | None = None, target: str | None = None,
            sensitive: Iterable[str] = (), quasi_identifiers: Iterable[str] | None = None,
            seed: int = 0, limits: Limits | None = None,
            labels: dict[str, str] | None = None, group_by: str | None = None) -> EvalContext:
    """Align and encode the frames of one evaluation.

    Raises
    ------
    DataValidationError
        When synthetic or holdout data lack evaluated columns, or hold values that do not
        fit the column's kind (naming column, rows and an example).
    InvalidParameterError
        When ``target``, ``sensitive`` or ``quasi_identifiers`` name unusable columns.

    ``labels`` names each role's data in messages (for example the file it came from).
    """
    types, excluded = _column_types(table)
    frames = {"real": real, "synthetic": synthetic}
    if holdout is not None:
        frames["holdout"] = holdout
    named = {role: (labels or {}).get(role, f"the {role} data") for role in frames}
    for role, frame in frames.items():
        _check_frame(named[role], frame, list(types))
    categories = _categories(frames, types)
    encoded = {role: _encode(named[role], frame, table, types, categories)
               for role, frame in frames.items()}
    sensitive = tuple(sensitive)
    qi = tuple(quasi_identifiers) if quasi_identifiers is not None else ()
    for name, columns in (("target", (target,) if target else ()), ("sensitive", sensitive),
                          ("quasi-identifier", qi)):
        _check_columns(name, columns, types, excluded)
    if target is not None and target in sensitive:
        raise InvalidParameterError(
            f"{target!r} cannot be both the target and a sensitive column: fairness compares "
            "the target's outcomes between the sensitive column's groups, so they must be "
            "different columns. Pass another sensitive column (sensitive=[...] or "
            "--sensitive) or another target.")
    return EvalContext(table=table, types=types, categories=categories, encoded=encoded,
                       target=target, sensitive=sensitive, quasi_identifiers=qi, seed=seed,
                       limits=limits or Limits(), excluded=excluded,
                       groups=_groups(frames, group_by, named))


def _groups(frames: dict[str, pd.DataFrame], group_by: str | None,
            named: dict[str, str]) -> dict[str, np.ndarray]:
    """Entity codes per role; a missing entity is a group of its own row."""
    if group_by is None:
        return {}
    out = {}
    for role, frame in frames.items():
        if group_by not in frame.columns:
            raise InvalidParameterError(
                f"group_by={group_by!r} is not a column of {named[role]}; its columns: "
                f"{', '.join(map(str, frame.columns))}.")
        codes = pd.factorize(frame[group_by].reset_index(drop=True))[0].astype(np.int64)
        alone = codes < 0
        codes[alone] = codes.max(initial=-1) + 1 + np.arange(int(alone.sum()))
        out[role] = codes
    return out


def _column_types(table: Table) -> tuple[dict[str, str], dict[str, str]]:
    types: dict[str, str] = {}
    excluded: dict[str, str] = {}
    for column in table.columns:
        kind = _EVALUATED.get(column.kind)
        if kind is None:
            excluded[column.name] = (f"{column.kind} columns are generated, not learned, so "
                                     "their values are not compared")
        else:
            types[column.name] = kind
    if not types:
        raise InvalidParameterError(
            f"Table {table.name!r} has no column that can be evaluated: every column is an "
            "id, free text or PII. Set the kind of the columns to compare in the schema.")
    return types, excluded


def _check_frame(label: str, frame: pd.DataFrame, columns: list[str]) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise InvalidParameterError(
            f"{label[0].upper()}{label[1:]} must be a pandas DataFrame or a file path, got "
            f"{type(frame).__name__}.")
    if len(frame) == 0:
        raise DataValidationError.of([Issue(f"{label} has no rows.",
                                            fix="Pass a table with at least one row.")])
    lacking = [c for c in columns if c not in frame.columns]
    if lacking:
        raise DataValidationError.of([Issue(
            f"{label} lacks the column{'s' if len(lacking) > 1 else ''} "
            f"{', '.join(map(repr, lacking))} of the real data.",
            fix=f"Give {label} the same columns as the real data.")])


def _check_columns(what: str, columns: Iterable[str], types: dict[str, str],
                   excluded: dict[str, str]) -> None:
    for column in columns:
        if column in types:
            continue
        why = f" ({excluded[column]})" if column in excluded else ""
        given = (" (quasi_identifiers=[...] or --quasi-identifier)"
                 if what == "quasi-identifier" else "")
        raise InvalidParameterError(
            f"The {what} column {column!r}{given} cannot be evaluated{why}. Choose one of: "
            f"{', '.join(types)}.")


def _labels(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Per-row codes into a list of string labels (one per distinct value), -1 missing.

    1, 1.0 and "1" all read as "1", and True as "True", so a column read back from CSV
    compares equal to the frame it was written from.
    """
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    labels = np.array([_label(u) for u in np.asarray(uniques, dtype=object)], dtype=object)
    return codes, labels


def _label(value: Any) -> str:
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _categories(frames: dict[str, pd.DataFrame], types: dict[str, str]
                ) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for column, kind in types.items():
        if kind != CATEGORICAL:
            continue
        codes, labels = _labels(frames["real"][column])
        counts = pd.Series(np.bincount(codes[codes >= 0], minlength=len(labels)), index=labels)
        counts = counts.groupby(level=0, sort=False).sum()
        order = counts.sort_values(ascending=False, kind="stable").index.tolist()
        seen = set(order)
        for role, frame in frames.items():
            if role == "real":
                continue
            unseen = sorted({str(x) for x in _labels(frame[column])[1]} - seen)
            order.extend(unseen)
            seen.update(unseen)
        out[column] = order
    return out


def _encode(label: str, frame: pd.DataFrame, table: Table, types: dict[str, str],
            categories: dict[str, list[str]]) -> _Encoded:
    numeric: dict[str, np.ndarray] = {}
    codes: dict[str, np.ndarray] = {}
    issues: list[Issue] = []
    for column, kind in types.items():
        series = frame[column].reset_index(drop=True)
        if kind == CATEGORICAL:
            row_codes, labels = _labels(series)
            index = pd.Index(categories[column]).get_indexer(pd.Index(labels))
            if index.size == 0:  # nothing present in this column
                codes[column] = np.full(len(series), -1, dtype=np.int64)
                continue
            codes[column] = np.where(row_codes >= 0, index[np.maximum(row_codes, 0)],
                                     -1).astype(np.int64)
            continue
        spec = table.column(column)
        values, bad = _as_float(series, spec.kind == Kind.DATETIME,
                                spec.datetime_format or spec.text_format)
        if bad.any():
            rows = tuple(int(i) for i in np.flatnonzero(bad)[:3])
            what = "datetimes" if table.column(column).kind == Kind.DATETIME else "numbers"
            issues.append(Issue(
                f"{label} has values that are not {what}, such as "
                f"{series.iloc[rows[0]]!r}.", column=column, rows=rows, n_rows=int(bad.sum()),
                fix="Give the column the same kind of values as in the real data."))
        numeric[column] = values
    if issues:
        raise DataValidationError.of(issues, source=label)
    return _Encoded(numeric, codes, len(frame))


def _as_float(series: pd.Series, is_datetime: bool, fmt: str | None
              ) -> tuple[np.ndarray, np.ndarray]:
    """Numbers (seconds for datetimes and durations), and which present values are not.

    ``fmt`` is a datetime column's ``datetime_format``, else the column's ``text_format``.
    """
    missing = series.isna().to_numpy()
    seconds = None if is_datetime else duration_text_seconds(series, fmt)  # 38:31:00
    if seconds is not None:
        return seconds, np.isnan(seconds) & ~missing
    if not is_datetime:
        if pd.api.types.is_bool_dtype(series.dtype):
            series = series.astype("float64")
        values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64,
                                                                  na_value=np.nan)
        return values, np.isnan(values) & ~missing
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        stamps = series
    elif fmt:
        stamps = parse_datetimes(series, fmt)
    else:
        stamps = pd.to_datetime(series, errors="coerce", utc=True, format="mixed")
    seconds = stamps_to_seconds(stamps)
    return seconds, np.isnan(seconds) & ~missing
