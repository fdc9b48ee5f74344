"""Check a table before it is used: collect every problem, then raise once.

Every check returns a list of :class:`~simulacra.errors.Issue`; :func:`check_data` gathers
them all and raises one :class:`~simulacra.errors.DataValidationError`, so that a user sees
every problem of a file in one run instead of fixing them one at a time.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.api.types import (
    infer_dtype,
    is_bool_dtype,
    is_complex_dtype,
    is_datetime64_any_dtype,
    is_numeric_dtype,
    is_object_dtype,
    is_string_dtype,
    is_timedelta64_dtype,
)

from simulacra.errors import DataValidationError, InvalidParameterError, Issue
from simulacra.schema._datetimes import commonest_datetime_format, parse_datetimes
from simulacra.schema._durations import detect_duration_layout, duration_layout
from simulacra.schema._kind_fields import check_columns_apply
from simulacra.schema._model import Column, Kind, Table
from simulacra.schema._pii import detect_pii

__all__ = [
    "MAX_EXAMPLES",
    "check_data",
    "check_names",
    "check_table_shape",
    "collect_issues",
    "is_mixed_object",
    "require_frame",
]

MAX_EXAMPLES = 5
"""Row positions shown per issue."""
MOSTLY_NUMERIC = 0.8
MOSTLY_DATES = 0.9
"""A string column where at least this share (but not all) of the values are numbers is mixed."""
_SAMPLE = 2000
_MIXED = frozenset({"mixed", "mixed-integer"})
_BOOL_STRINGS = frozenset({"true", "false"})
_CONTAINERS = (list, dict, set, frozenset, tuple, np.ndarray)


def check_data(
    data: pd.DataFrame, table: Table | None = None, *, source: str | None = None
) -> None:
    """Check that ``data`` can be used for synthesis and, if given, that it fits ``table``.

    Parameters
    ----------
    data
        The table to check.
    table
        The schema of the table. Without it, only problems that need no schema are found.
    source
        The file the data came from, named in the error message.

    Raises
    ------
    SchemaError
        When a column's kind generates values its dtype cannot hold
        (see :mod:`simulacra.schema._kind_fields`).
    DataValidationError
        With every problem found in ``issues``: an empty table, a single row, entirely null
        columns, columns of mixed types, duplicate or non-string column names and, with
        ``table``, columns missing from either side, values that contradict their declared
        kind, and duplicates in unique or primary-key columns.
    """
    if table is not None:  # an edited schema's field that would do nothing or garbage
        check_columns_apply(table, strays=False)
    issues = collect_issues(data, table)
    if issues:
        raise DataValidationError.of(issues, source=source)



def collect_issues(data: pd.DataFrame, table: Table | None = None) -> list[Issue]:
    """Every problem :func:`check_data` would raise, as a list (empty when all is well)."""
    require_frame(data)
    where = table.name if table is not None else None
    issues = check_table_shape(data, table=where)
    declared = {c.name: c for c in table.columns} if table is not None else {}
    if len(data) > 0:
        for pos, name in enumerate(data.columns):
            column = declared.get(name) if isinstance(name, str) else None
            is_key = table is not None and table.primary_key == name
            issues += column_issues(data.iloc[:, pos], column, table=where, is_key=is_key)
    if table is not None:
        issues += schema_issues(data, table)
    return issues


def require_frame(data: object) -> None:
    """Raise :class:`InvalidParameterError` unless ``data`` is a DataFrame."""
    if not isinstance(data, pd.DataFrame):
        raise InvalidParameterError(
            f"Expected a pandas DataFrame, got {type(data).__name__}. "
            "Read files with simulacra.data.read_table or pandas.read_csv."
        )


def check_table_shape(data: pd.DataFrame, table: str | None = None) -> list[Issue]:
    """Problems of the table as a whole: no columns, too few rows, bad column names."""
    if data.shape[1] == 0:
        return [
            Issue(
                "The table has no columns.",
                fix="A file needs a header row and the expected delimiter; a DataFrame needs "
                    "at least one column.",
                table=table,
            )
        ]
    issues = check_names(data, table=table)
    if len(data) < 2:
        got = "no rows" if len(data) == 0 else "only one row"
        issues.append(
            Issue(
                f"The table has {got}; synthesis needs at least 2 rows.",
                fix="Pass a table with at least 2 rows of data (a header alone is not enough).",
                table=table,
            )
        )
    return issues


def check_names(data: pd.DataFrame, table: str | None = None) -> list[Issue]:
    """Duplicate and non-string column names."""
    issues = []
    for name, count in Counter(data.columns).items():
        if count > 1:
            issues.append(
                Issue(
                    f"The column name appears {count} times.",
                    column=str(name),
                    fix="Rename the columns so that every name is unique.",
                    table=table,
                )
            )
    for name in dict.fromkeys(data.columns):
        if not isinstance(name, str):
            issues.append(
                Issue(
                    f"The column name {name!r} is not a string but of type {type(name).__name__}.",
                    column=str(name),
                    fix="Rename the columns to strings, e.g. data.columns = data.columns.map(str).",
                    table=table,
                )
            )
    return issues


def column_issues(
    series: pd.Series, column: Column | None, *, table: str | None = None, is_key: bool = False
) -> list[Issue]:
    """Problems of one column; with ``column``, also values that contradict its declaration."""
    name = str(series.name)
    present = _flags(series.notna())
    if not present.any():
        return [
            Issue(
                "The column is entirely null (no value in any row).",
                column=name,
                fix="Drop the column, or fill it with values.",
                table=table,
            )
        ]
    unsupported = _unsupported_type_issue(series, present)
    if unsupported is not None:
        return [_located(unsupported, name, table)]
    nested = _nested_issue(series, present)
    if column is None:
        found = nested or _mixed_type_issue(series, present)
        found = found or _mixed_numeric_issue(series, present)
        found = found or _mixed_datetime_issue(series, present)
        issues = [found] if found is not None else []
    else:
        issues = [nested] if nested is not None else []
        issues += _declared_kind_issues(series, column, present)
        issues += _uniqueness_issues(series, column, present, is_key)
    issues += _infinite_issues(series)
    return [_located(issue, name, table) for issue in issues]


def schema_issues(data: pd.DataFrame, table: Table) -> list[Issue]:
    """Columns that are in the schema but not the data, and the other way round."""
    in_data = [c for c in data.columns if isinstance(c, str)]
    names = set(in_data)
    shown = ", ".join(in_data[:20]) + (", ..." if len(in_data) > 20 else "")
    issues = [
        Issue(
            "The column is in the schema (--schema) but not in the data.",
            column=c.name,
            fix=f"Remove it from the schema file or check its spelling; the data has: {shown}.",
            table=table.name,
        )
        for c in table.columns
        if c.name not in names
    ]
    declared = set(table.column_names)
    issues += [
        Issue(
            "The column is in the data but not in the schema, so it would not be synthesized.",
            column=name,
            fix="Add it to the schema file, or drop it from the data.",
            table=table.name,
        )
        for name in dict.fromkeys(in_data)
        if name not in declared
    ]
    return issues


def is_mixed_object(series: pd.Series) -> bool:
    """Tell whether an object column holds values of several unrelated types."""
    if not is_object_dtype(series.dtype):
        return False
    return infer_dtype(series, skipna=True) in _MIXED


def _flags(result: pd.Series) -> np.ndarray:
    """Return a writable boolean array from a boolean Series (missing counts as False)."""
    return np.array(result.to_numpy(dtype=bool, na_value=False), dtype=bool)


def _located(issue: Issue, column: str, table: str | None) -> Issue:
    return Issue(issue.message, column, issue.rows, issue.n_rows, issue.fix, table)


def _examples(series: pd.Series, bad: np.ndarray) -> tuple[tuple[int, ...], int, str]:
    """Row positions, count and a text such as ``'n/a' (row 3), 'x' (row 9)`` of bad rows."""
    rows = tuple(int(i) for i in np.flatnonzero(bad)[:MAX_EXAMPLES])
    shown = ", ".join(f"{_show(series.iloc[r])} (row {r})" for r in rows)
    return rows, int(bad.sum()), shown


def _show(value: object) -> str:
    if isinstance(value, np.generic):
        value = value.item()
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _mixed_type_issue(series: pd.Series, present: np.ndarray) -> Issue | None:
    if not is_mixed_object(series):
        return None
    types = series[present].map(lambda v: type(v).__name__)
    counts = types.value_counts()
    if len(counts) < 2:
        return None
    bad = np.zeros(len(series), dtype=bool)
    bad[np.flatnonzero(present)] = _flags(types != counts.index[0])
    rows, n, shown = _examples(series, bad)
    mix = ", ".join(f"{k} {t}" for t, k in counts.items())
    return Issue(
        f"The column holds values of several types ({mix}); for example {shown}.",
        rows=rows,
        n_rows=n,
        fix="Clean the values so that the column holds one type, or declare the column "
        "categorical in the schema (infer_schema does: fit(df, schema=infer_schema(df)); "
        "its values are then categories, each kept with its type).",
    )


_UNSUPPORTED_FIXES = {
    "period": "Turn the periods into timestamps (series.dt.to_timestamp()) or strings.",
    "interval": "Turn the intervals into strings (series.astype(str)), or keep their bounds "
                "as two numerical columns.",
    "complex": "Split the numbers into two numerical columns (series.real, series.imag).",
    "bytes": "Decode the bytes to text (series.str.decode('utf-8')), or drop the column.",
    "pyarrow dictionary": "Turn it into a pandas category (series.astype('category')).",
    "pyarrow nested": "Turn it into plain columns or strings, e.g. series.astype(str), or drop "
                      "the column.",
}


def _unnamed_arrow_type(dtype: object) -> str | None:
    """'pyarrow dictionary' or 'pyarrow nested' for arrow types a schema cannot name."""
    if not isinstance(dtype, pd.ArrowDtype):
        return None
    try:  # the schema keeps str(dtype); pandas reads back only plain arrow types
        pd.api.types.pandas_dtype(str(dtype))
    except (TypeError, ValueError):  # pandas 2: ValueError for some arrow names
        return ("pyarrow dictionary" if pa.types.is_dictionary(dtype.pyarrow_dtype)
                else "pyarrow nested")
    return None


def _unsupported_type_issue(series: pd.Series, present: np.ndarray) -> Issue | None:
    """Report value types no codec can learn and restore."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        dtype = dtype.categories.dtype
    if isinstance(dtype, pd.PeriodDtype):
        found = "period"
    elif isinstance(dtype, pd.IntervalDtype):
        found = "interval"
    elif _unnamed_arrow_type(dtype) is not None:
        found = str(_unnamed_arrow_type(dtype))
    elif pd.api.types.is_complex_dtype(dtype):
        found = "complex"
    elif is_object_dtype(dtype) and not _opens_with_text(series, present) and infer_dtype(
            series[present], skipna=True) in ("bytes", "period", "interval", "complex"):
        found = infer_dtype(series[present], skipna=True)
    else:
        return None
    return Issue(
        f"The column holds {found} values ({series.dtype}), which simulacra cannot learn "
        f"and restore.",
        fix=_UNSUPPORTED_FIXES[found],
    )


def _opens_with_text(series: pd.Series, present: np.ndarray) -> bool:
    """Whether the first present value is text: the column cannot hold one other type only.

    (A scan of every text column for those types cost most of a wide table's checks.)
    """
    return bool(present.any()) and isinstance(series.iat[int(present.argmax())], str)


def _nested_issue(series: pd.Series, present: np.ndarray) -> Issue | None:
    """Report lists, dicts and other containers: no codec can learn or generate them."""
    if not is_mixed_object(series):
        return None
    values = series[present].tolist()
    nested = np.zeros(len(series), dtype=bool)
    nested[np.flatnonzero(present)] = [isinstance(v, _CONTAINERS) for v in values]
    if not nested.any():
        return None
    rows, n, shown = _examples(series, nested)
    return Issue(
        f"The column holds {n} list, dict or other container value(s), which cannot be "
        f"synthesized; for example {shown}.",
        rows=rows,
        n_rows=n,
        fix="Split them into separate columns, or turn them into strings (for example JSON).",
    )


def _text_values(series: pd.Series, present: np.ndarray) -> pd.Series | None:
    """The present values of a column of strings, or None for any other column."""
    if not (is_object_dtype(series.dtype) or is_string_dtype(series.dtype)):
        return None
    values = series[present]
    return values if infer_dtype(values, skipna=True) == "string" else None


def _mostly_issue(series: pd.Series, present: np.ndarray, fitting: np.ndarray, least: float,
                  what: str, instead: str) -> Issue | None:
    """Report a column whose values mostly (``least`` and up, not all) fit one kind."""
    share = fitting.sum() / present.sum()
    if not least <= share < 1.0:
        return None
    rows, n, shown = _examples(series, present & ~fitting)
    return Issue(
        f"The column is mostly {what} ({share:.1%} of the values) but {n} value(s) are not, "
        f"for example {shown}.",
        rows=rows,
        n_rows=n,
        fix=f"Clean those values ({instead} or leave them empty), or declare the column "
        f"{_kind_to_declare(series)} in the schema.",
    )


def _looks_personal(series: pd.Series) -> bool:
    """Whether a column's name or values look like personal data (ids, phones, names).

    Such a column is inferred ``pii`` and regenerated; ``categorical`` would learn and replay
    its real values, so it is never the fix to propose for it.
    """
    values = series.dropna().astype(str)
    return detect_pii(str(series.name), values.iloc[:: max(1, len(values) // _SAMPLE)]) is not None


def _kind_to_declare(series: pd.Series) -> str:
    return "'pii' (kind pii, with its pii_type)" if _looks_personal(series) else "categorical"


def _mixed_numeric_issue(series: pd.Series, present: np.ndarray) -> Issue | None:
    values = _text_values(series, present)
    if values is None:
        return None
    step = max(1, len(values) // _SAMPLE)
    if pd.to_numeric(values.iloc[::step], errors="coerce").notna().mean() < MOSTLY_NUMERIC:
        return None
    if detect_pii(str(series.name), values.iloc[::step]) is not None:
        # ids with a letter (Corsican NIRs' 2A, Chinese ids' X): inferred pii, not numbers
        return None
    return _mostly_issue(series, present, _numeric_mask(series), MOSTLY_NUMERIC, "numbers",
                         "replace them by numbers")


def _mixed_datetime_issue(series: pd.Series, present: np.ndarray) -> Issue | None:
    """Report a column of dates in one format with a few other values (``unknown``, ``TBD``)."""
    values = _text_values(series, present)
    if values is None:
        return None
    found = commonest_datetime_format(values.iloc[:: max(1, len(values) // _SAMPLE)])
    if found is None or not MOSTLY_DATES <= found[1] < 1.0:
        return None
    if detect_duration_layout("", values, values) is not None:
        return None  # a game clock, 7:04 beside 00:34.9: durations, read as such
    dates = np.zeros(len(series), dtype=bool)
    dates[present] = parse_datetimes(values, found[0]).notna().to_numpy()
    return _mostly_issue(series, present, dates, MOSTLY_DATES, f"dates written {found[0]!r}",
                         "write them as dates in that format")


def _numeric_mask(series: pd.Series) -> np.ndarray:
    """Mark the rows whose value is present and is (or parses as) a number."""
    dtype = series.dtype
    if is_datetime64_any_dtype(dtype) or is_complex_dtype(dtype):
        return np.zeros(len(series), dtype=bool)
    if is_numeric_dtype(dtype) or is_bool_dtype(dtype) or is_timedelta64_dtype(dtype):
        return _flags(series.notna())
    try:
        parsed = pd.to_numeric(series.astype(object), errors="coerce")
    except (TypeError, ValueError):
        parsed = series.map(_to_float)
    return _flags(parsed.notna())


def _to_float(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")


def _declared_kind_issues(series: pd.Series, column: Column, present: np.ndarray) -> list[Issue]:
    layout = duration_layout(column.text_format)
    if column.kind is Kind.NUMERICAL and layout is not None and not _numeric_mask(series).any():
        bad = present & np.isnan(layout.parse(series))  # 38:31:00
        what = f"numerical (durations written {str(layout)!r})"
        fix = f"write them as durations such as {layout.examples}"
    elif column.kind is Kind.NUMERICAL:
        bad = present & ~_numeric_mask(series)
        what = "numerical"
        fix = (f"declare the column {_kind_to_declare(series[bad])} in the schema"
               if bad.any() else "")
    elif column.kind is Kind.DATETIME:
        bad = present & ~_datetime_mask(series, column.datetime_format)
        fmt = column.datetime_format
        what = "datetime" + (f" with format {fmt!r}" if fmt else "")
        fix = ("set 'datetime_format' in the schema to the format the column uses (to write "
               "new values in another, put it first: 'NEW | USED')")
    elif column.kind is Kind.BOOLEAN:
        bad = present & ~_boolean_mask(series)
        what, fix = "boolean", "declare the column categorical in the schema"
    else:
        return []
    if not bad.any():
        return []
    rows, n, shown = _examples(series, bad)
    return [
        Issue(
            f"The column is declared {what} but {n} value(s) do not fit, for example {shown}.",
            rows=rows,
            n_rows=n,
            fix=f"Correct or remove those values (missing values are fine), or {fix}.",
        )
    ]


def _datetime_mask(series: pd.Series, fmt: str | None) -> np.ndarray:
    """Mark the rows whose value is present and is, or parses as, a date/time."""
    dtype = series.dtype
    if is_datetime64_any_dtype(dtype):
        return _flags(series.notna())
    if is_bool_dtype(dtype) or (is_numeric_dtype(dtype) and fmt is None):
        return np.zeros(len(series), dtype=bool)
    if is_numeric_dtype(dtype) and fmt is not None:  # 19750103 with the format %Y%m%d
        return _flags(parse_datetimes(series, fmt).notna())
    if is_object_dtype(dtype) and infer_dtype(series, skipna=True) in ("datetime", "date"):
        return _flags(series.notna())
    if fmt is not None and isinstance(dtype, pd.StringDtype):
        # strings already: parsed as they are, as the codec parses them, so that a fit
        # parses the column once (shared_parses); the text below reads the same rows
        text = series
    else:
        text = series.astype(object).where(series.notna())
        text = text.map(lambda v: v if isinstance(v, str) else None)
    try:
        if fmt is not None:
            parsed = parse_datetimes(text, fmt)
        else:
            parsed = pd.to_datetime(text, format="mixed", errors="coerce", utc=True)
    except (ValueError, OverflowError, TypeError):
        return np.zeros(len(series), dtype=bool)
    return _flags(parsed.notna())


def _boolean_mask(series: pd.Series) -> np.ndarray:
    """Mark the rows whose value is present and is True/False, 0/1, or the text true/false."""
    if is_bool_dtype(series.dtype):
        return _flags(series.notna())
    ok = _flags(series.isin([True, False]))
    if is_object_dtype(series.dtype) or is_string_dtype(series.dtype):
        lowered = series.map(lambda v: v.strip().lower() if isinstance(v, str) else None)
        ok |= _flags(lowered.isin(_BOOL_STRINGS))
    ok &= _flags(series.notna())
    return ok


def _uniqueness_issues(
    series: pd.Series, column: Column, present: np.ndarray, is_key: bool
) -> list[Issue]:
    if not (column.unique or is_key):
        return []
    what = "the primary key" if is_key else "declared unique"
    issues = []
    try:
        dup = _flags(series.duplicated(keep=False)) & present
    except TypeError:  # unhashable values
        dup = np.zeros(len(series), dtype=bool)
    if dup.any():
        rows, n, shown = _examples(series, dup)
        issues.append(
            Issue(
                f"The column is {what} but {n} rows share their value with another row, "
                f"for example {shown}.",
                rows=rows,
                n_rows=n,
                fix="Remove the duplicate rows, or mark the column as not unique in the schema "
                "('unique': false, and no 'primary_key').",
            )
        )
    if is_key and not present.all():
        rows, n, _ = _examples(series, ~present)
        issues.append(
            Issue(
                f"The column is the primary key but {n} value(s) are missing.",
                rows=rows,
                n_rows=n,
                fix="Fill or drop those rows, or remove 'primary_key' from the schema.",
            )
        )
    return issues


def _infinite_issues(series: pd.Series) -> list[Issue]:
    if not pd.api.types.is_float_dtype(series.dtype):
        return []
    inf = np.isinf(series.to_numpy(dtype=np.float64, na_value=np.nan))
    if not inf.any():
        return []
    rows, n, shown = _examples(series, inf)
    return [
        Issue(
            f"The column holds {n} infinite value(s), for example {shown}.",
            rows=rows,
            n_rows=n,
            fix="Replace them by finite numbers, or by missing values.",
        )
    ]
