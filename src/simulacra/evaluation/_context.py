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
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from simulacra._frames import frame_fix
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


_T = TypeVar("_T")


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
    #: one step of the running metric done (its progress task; set by ``evaluate``)
    step: Callable[[], None] | None = field(default=None, repr=False)

    def stepped(self, items: Iterable[_T]) -> Iterator[_T]:
        """``items``, each counted as one step of the metric (see ``Metric.steps``) once done."""
        for item in items:
            yield item
            if self.step is not None:
                self.step()

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
    notes: list[str] = []
    for role, frame in frames.items():
        if role != "real":
            _note_extra_columns(named[role], frame, {*table.column_names, *real.columns},
                                notes)
    aliases = _boolean_aliases(frames["real"], table, types)
    categories, n_real = _categories(frames, types, aliases)
    examples = {column: _example(frames["real"][column]) for column, kind in types.items()
                if kind == NUMERICAL}
    encoded = {role: _encode(named[role], frame, table, types, categories, aliases,
                             examples if role != "real" else {}, notes)
               for role, frame in frames.items()}
    for role in frames:
        if role != "real":
            _note_disjoint_categories(named[role], encoded[role], categories, n_real, aliases,
                                      notes)
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
                       limits=limits or Limits(), excluded=excluded, notes=notes,
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


def check_unique_columns(label: str, frame: pd.DataFrame) -> None:
    """Refuse a frame with a column name given more than once (which one would count?)."""
    if not isinstance(frame, pd.DataFrame):
        return
    repeated = list(dict.fromkeys(frame.columns[frame.columns.duplicated()]))
    if repeated:
        raise DataValidationError.of([Issue(
            f"{label} has more than one column named "
            f"{', '.join(repr(str(c)) for c in repeated)}, so its values are ambiguous.",
            fix="Rename or drop the repeated columns so that each name appears once.")])


def _check_frame(label: str, frame: pd.DataFrame, columns: list[str]) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise InvalidParameterError(
            f"{label[0].upper()}{label[1:]} must be a pandas DataFrame or a file path, got "
            f"{type(frame).__name__}. {frame_fix(frame)}")
    check_unique_columns(label, frame)
    if len(frame) == 0:
        raise DataValidationError.of([Issue(f"{label} has no rows.",
                                            fix="Pass a table with at least one row.")])
    lacking = [c for c in columns if c not in frame.columns]
    if lacking:
        loose = {_loose(c): c for c in frame.columns if isinstance(c, str)}
        near = [(c, loose[_loose(c)]) for c in lacking if _loose(c) in loose]
        hint = ""
        if near:
            pairs = ", ".join(f"{have!r} for {want!r}" for want, have in near[:5])
            pairs += f" and {len(near) - 5} more" if len(near) > 5 else ""
            hint = (f" It has {pairs}: headers that differ only in upper/lower case or "
                    "spaces, rename them to the real data's spelling.")
        shown = ", ".join(map(repr, lacking[:10]))
        more = f" and {len(lacking) - 10} more" if len(lacking) > 10 else ""
        count = f" (all {len(lacking)})" if len(lacking) == len(columns) > 1 else ""
        raise DataValidationError.of([Issue(
            f"{label} lacks the column{'s' if len(lacking) > 1 else ''} {shown}{more}"
            f"{count} of the real data.{hint}",
            fix=f"Give {label} the same columns as the real data.")])


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _loose(name: Any) -> str:
    return " ".join(str(name).split()).casefold()


def _note_extra_columns(label: str, frame: pd.DataFrame, known: set[Any],
                        notes: list[str]) -> None:
    """Note the columns of ``frame`` that the real data lacks: they are not compared."""
    extra = [str(c) for c in frame.columns if c not in known]
    if not extra:
        return
    shown = ", ".join(map(repr, extra[:10]))
    more = f" and {len(extra) - 10} more" if len(extra) > 10 else ""
    text = (f"Column{'s' if len(extra) > 1 else ''} of {label} that the real data lacks, "
            f"not compared: {shown}{more}.")
    renamed = [c for c in extra if "." in c and c.rsplit(".", 1)[0] in known
               and c.rsplit(".", 1)[1].isdigit()]
    if renamed:
        c = renamed[0]
        text += (f" {c!r} looks like a repeated {c.rsplit('.', 1)[0]!r} header, which pandas "
                 "renames on reading a file: check the file's header line.")
    notes.append(text)


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


def _labels(series: pd.Series, aliases: dict[str, str] | None = None
            ) -> tuple[np.ndarray, np.ndarray]:
    """Per-row codes into a list of string labels (one per distinct value), -1 missing.

    1, 1.0 and "1" all read as "1", and True as "True", so a column read back from CSV
    compares equal to the frame it was written from. ``aliases`` renames labels (a boolean
    column's other spellings of the real data's true and false values).
    """
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    labels = np.array([_label(u) for u in np.asarray(uniques, dtype=object)], dtype=object)
    if aliases:
        labels = np.array([aliases.get(x, x) for x in labels], dtype=object)
    return codes, labels


def _label(value: Any) -> str:
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})


def _truth(label: str) -> bool | None:
    """The truth value a boolean spelling stands for ("yes", "1", "True"), else None."""
    key = label.strip().casefold()
    return True if key in _TRUE else False if key in _FALSE else None


def _boolean_aliases(real: pd.DataFrame, table: Table, types: dict[str, str]
                     ) -> dict[str, dict[str, str]]:
    """Per boolean column, each other spelling of true and false -> the real data's label.

    A boolean column is compared by truth value: True, 1, "1", "true" and "yes" are one
    value when the real data spells true one way (the same for false).
    """
    out: dict[str, dict[str, str]] = {}
    for column in types:
        if table.column(column).kind != Kind.BOOLEAN:
            continue
        present = {str(x) for x in _labels(real[column])[1]}
        truths = {label: _truth(label) for label in present}
        if any(truth is None for truth in truths.values()):
            continue  # a schema's boolean column of other values ("M" and "F")
        spelled = {flag: {label for label, truth in truths.items() if truth is flag}
                   for flag in (True, False)}
        mapping = {}
        for truth, labels in spelled.items():
            if len(labels) <= 1:  # the real spelling, else (absent from real) "True"/"False"
                real_label = next(iter(labels), str(truth))
                keys = _TRUE if truth else _FALSE
                mapping.update({k: real_label for k in
                                {*keys, *(k.upper() for k in keys), *(k.title() for k in keys)}
                                if k not in present})
        if mapping:
            out[column] = mapping
    return out


def _categories(frames: dict[str, pd.DataFrame], types: dict[str, str],
                aliases: dict[str, dict[str, str]]) -> tuple[dict[str, list[str]],
                                                             dict[str, int]]:
    """Each categorical column's categories (real ones first) and how many are real."""
    out: dict[str, list[str]] = {}
    n_real: dict[str, int] = {}
    for column, kind in types.items():
        if kind != CATEGORICAL:
            continue
        codes, labels = _labels(frames["real"][column])
        counts = pd.Series(np.bincount(codes[codes >= 0], minlength=len(labels)), index=labels)
        counts = counts.groupby(level=0, sort=False).sum()
        order = counts.sort_values(ascending=False, kind="stable").index.tolist()
        n_real[column] = len(order)
        seen = set(order)
        for role, frame in frames.items():
            if role == "real":
                continue
            found = _labels(frame[column], aliases.get(column))[1]
            unseen = sorted({str(x) for x in found} - seen)
            order.extend(unseen)
            seen.update(unseen)
        out[column] = order
    return out, n_real


#: A column whose values are at least this share categories the real data lacks is noted.
DISJOINT_SHARE = 0.9


def _note_disjoint_categories(label: str, encoded: _Encoded, categories: dict[str, list[str]],
                              n_real: dict[str, int], aliases: dict[str, dict[str, str]],
                              notes: list[str]) -> None:
    """Note each categorical column whose values are (nearly) all unknown to the real data."""
    for column, codes in encoded.codes.items():
        present = codes[codes >= 0]
        if present.size == 0 or n_real[column] == 0:
            continue
        foreign = present >= n_real[column]
        if foreign.mean() < DISJOINT_SHARE:
            continue
        real = categories[column][:n_real[column]]
        unseen = [categories[column][c] for c in np.unique(present[foreign])]
        shown = ", ".join(map(repr, unseen[:5])) + (" ..." if len(unseen) > 5 else "")
        real_shown = ", ".join(map(repr, real[:5])) + (" ..." if len(real) > 5 else "")
        text = (f"{_capital(label)}: column {column!r} shares (almost) no values with the "
                f"real data ({foreign.mean():.0%} of its values are new, such as {shown}; the "
                f"real data has {real_shown}), so they all count as mismatches.")
        mapping = _suggested_mapping(unseen, real)
        if mapping:
            text += (" The same values seem spelled differently: map "
                     + ", ".join(f"{a!r} to {b!r}" for a, b in mapping[:5])
                     + " before evaluating.")
        else:
            text += " Check that both tables write the values the same way."
        notes.append(text)


def _suggested_mapping(unseen: list[str], real: list[str]) -> list[tuple[str, str]]:
    """Pairs (new value, real value) equal up to case and spaces, or as booleans."""
    loose: dict[str, list[str]] = {}
    for value in real:
        loose.setdefault(_loose(value), []).append(value)
    truths: dict[bool, list[str]] = {True: [], False: []}
    for value in real:
        truth = _truth(value)
        if truth is not None:
            truths[truth].append(value)
    out = []
    for value in unseen:
        same = loose.get(_loose(value), [])
        truth = _truth(value)
        if len(same) == 1:
            out.append((value, same[0]))
        elif truth is not None and len(truths[truth]) == 1:
            out.append((value, truths[truth][0]))
    return out


def _example(series: pd.Series) -> str:
    """A present value of ``series`` as text (for messages), or ""."""
    present = series.dropna()
    return _shown(present.iloc[0]) if len(present) else ""


def _shown(value: Any) -> str:
    """A value as a message shows it: Python's repr, never numpy's."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, pd.Timestamp):
        return repr(str(value))
    return repr(value)


def _encode(label: str, frame: pd.DataFrame, table: Table, types: dict[str, str],
            categories: dict[str, list[str]], aliases: dict[str, dict[str, str]],
            examples: dict[str, str], notes: list[str]) -> _Encoded:
    """Codes and floats of one role; ``examples`` are real values shown when one is wrong.

    Infinite numbers are missing values, with a note naming the column and rows: no metric
    can place them (not a histogram, a distance or a model).
    """
    numeric: dict[str, np.ndarray] = {}
    codes: dict[str, np.ndarray] = {}
    issues: list[Issue] = []
    for column, kind in types.items():
        series = frame[column].reset_index(drop=True)
        if kind == CATEGORICAL:
            row_codes, labels = _labels(series, aliases.get(column))
            index = pd.Index(categories[column]).get_indexer(pd.Index(labels))
            if index.size == 0:  # nothing present in this column
                codes[column] = np.full(len(series), -1, dtype=np.int64)
                continue
            codes[column] = np.where(row_codes >= 0, index[np.maximum(row_codes, 0)],
                                     -1).astype(np.int64)
            continue
        spec = table.column(column)
        is_datetime = spec.kind == Kind.DATETIME
        fmt = spec.datetime_format or spec.text_format
        values, bad = _as_float(series, is_datetime, fmt)
        if bad.any():
            rows = tuple(int(i) for i in np.flatnonzero(bad)[:3])
            issues.append(Issue(
                f"{label} has values that are not {'datetimes' if is_datetime else 'numbers'}"
                f"{f' in the format {fmt}' if is_datetime and fmt else ''}, such as "
                f"{_shown(series.iloc[rows[0]])}"
                f"{_real_example(is_datetime, examples.get(column, ''))}.",
                column=column, rows=rows,
                n_rows=int(bad.sum()), fix=_kind_fix(is_datetime, fmt)))
        infinite = np.isinf(values)
        if infinite.any():
            where = np.flatnonzero(infinite)
            shown = ", ".join(str(int(i)) for i in where[:5]) + (" ..." if where.size > 5 else "")
            signs = sorted({"inf" if v > 0 else "-inf" for v in values[infinite]})
            plural = "s" if where.size != 1 else ""
            notes.append(
                f"{_capital(label)}: column {column!r} holds {' and '.join(signs)} in "
                f"{where.size:,} row{plural} (row{plural} {shown}, counted from 0), evaluated "
                "as missing values.")
            values = np.where(infinite, np.nan, values)
        numeric[column] = values
    if issues:
        raise DataValidationError.of(issues)
    return _Encoded(numeric, codes, len(frame))


def _real_example(is_datetime: bool, example: str) -> str:
    if not example:
        return ""
    return f" (the real data has {'dates' if is_datetime else 'numbers'} such as {example})"


def _kind_fix(is_datetime: bool, fmt: str | None) -> str:
    if is_datetime:
        written = f"in the format {fmt}" if fmt else "as the real data writes them"
        return (f"Write the column's dates {written}, or in ISO 8601 "
                "(1967-08-05T00:00:00Z); leave unknown dates empty.")
    return "Give the column numbers, as in the real data; leave unknown values empty."


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
    failed = np.isnan(seconds) & ~missing
    if failed.any():  # ISO 8601 text is unambiguous in any data: 1967-08-05T00:00:00.000Z
        text = series[failed]
        text = text[text.map(lambda v: isinstance(v, str))]
        if len(text):
            iso = pd.to_datetime(text, errors="coerce", utc=True, format="ISO8601")
            seconds[iso.index.to_numpy()] = stamps_to_seconds(iso)
            failed = np.isnan(seconds) & ~missing
    return seconds, failed
