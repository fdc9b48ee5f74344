"""Infer a schema from a DataFrame: each column's kind, and what a codec needs to restore it.

Inference never fails on awkward data: an entirely null column becomes categorical with
``missing_share`` 1.0, a column of mixed types becomes categorical, and the problem is left to
:func:`~simulacra.schema.check_data` to report. It is vectorized and looks at most a few
thousand sampled values for pattern checks, so a million rows take seconds.

Conventions the codecs rely on:

* ``dtype`` is ``str(series.dtype)`` of the input (``"int64"``, ``"float64"``, ``"bool"``,
  ``"boolean"``, ``"Int64"``, ``"str"`` for pandas 3 strings, ``"object"``,
  ``"datetime64[us]"``, ``"datetime64[us, UTC]"``, ``"category"``).
* Integers with missing values arrive as ``float64``: ``integer`` is True and ``dtype`` stays
  ``"float64"``. ``decimals`` is the most decimal places any value shows (0 for integers; None
  when values are full-precision floats with more than :data:`MAX_DECIMALS`).
* ``id_format`` is ``"integer"``, ``"uuid"``, a :meth:`str.format` template with one integer
  field such as ``"C-{:05d}"``, or None for unique strings of no recognised shape.
* ``datetime_format`` and ``timezone``: see :mod:`simulacra.schema._datetimes`.
* ``parquet_type`` comes from ``data.attrs["parquet_types"]``, which :func:`read_table` sets
  for a Parquet file's columns whose type the values alone would not be written as;
* ``text_format`` comes from ``data.attrs["text_formats"]``, which
  :func:`~simulacra.read_table` fills for a CSV's ``12.50``, ``$1,234.50`` or ``true``; the
  table's ``csv_dialect`` from ``data.attrs["csv_dialect"]`` (a ``;`` file, decimal commas).
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import (
    infer_dtype,
    is_bool_dtype,
    is_complex_dtype,
    is_datetime64_any_dtype,
    is_integer_dtype,
    is_numeric_dtype,
    is_object_dtype,
    is_string_dtype,
    is_timedelta64_dtype,
)

from simulacra.errors import (
    DataValidationError,
    FitWarning,
    InvalidParameterError,
    PrivacyWarning,
)
from simulacra.schema._check import check_names, require_frame
from simulacra.schema._datetimes import (
    datetime_timezone,
    detect_datetime_format,
    integer_date_format,
    to_datetime_of_one_zone,
)
from simulacra.schema._discover import discover_constraints as _discover
from simulacra.schema._durations import DurationLayout, detect_duration_layout
from simulacra.schema._model import Column, Kind, PIIType, Role, Schema, Table
from simulacra.schema._national_id_rules import number_id_locale
from simulacra.schema._pii import (
    MIN_LEVELS,
    VALUE_SHARE,
    detect_pii,
    fits_locale,
    luhn_share,
    normalize_name,
    personal_levels,
    pii_from_name,
    pii_hint_from_name,
)
from simulacra.schema._pii_streets import are_place_names
from simulacra.schema._text_format import number_format, text_format_problem

__all__ = ["infer_column", "infer_schema"]

SAMPLE_SIZE = 2000
"""Values looked at by pattern checks (dates, PII, ids, text)."""
MAX_DECIMALS = 10
MIN_ROWS_ID_FROM_VALUES = 20
"""Consecutive integers count as an id without an id-like name only from this many rows."""
_ONE_PER_PERSON = frozenset({PIIType.EMAIL, PIIType.NATIONAL_ID, PIIType.IBAN,
                             PIIType.CREDIT_CARD})
"""Personal data whose values, when none repeats, are each one person's: kept unique."""
MIN_CODE_DIGITS = 8
"""Unique integers all this wide or wider, and all equally wide, are numbers of accounts or
contracts: an id, not a measure (a measure's range spans several widths)."""
TEXT_MIN_UNIQUE_SHARE = 0.5
CODE_MIN_UNIQUE_SHARE = 0.5
CODE_MIN_DISTINCT = 20
"""Strings this often distinct (and this many) are regenerated as codes, not replayed."""
CODE_WARN_REPEATED = 0.5
"""A code in words most of whose rows hold a repeated value is told of: it may be a category
(product names)."""
TEXT_MIN_MEAN_LENGTH = 30.0
TEXT_MIN_MEAN_WORDS = 5.0

_ID_NAME_RE = re.compile(r"(?:^|_)(?:id|ids|key|uuid|guid|pk|identifier)$")
# personal data whose locale, where its values do not show it, is the table's
_LOCALE_FROM_TABLE = (PIIType.PHONE, PIIType.STREET_ADDRESS)
# unique whole numbers named as a number of something, or after whom they count: an id
_NUMBER_NAME_RE = re.compile(
    r"(?:^|_)(?:no|nr|nro|num|number|numero|ref|reference|customer|client|account|acct|"
    r"order|invoice|ticket|policy|member|patient|employee|user|kunde)$|(?:nummer|nr)$")
# consecutive whole numbers named so count something in order: not row numbers
_ORDINAL_NAME_RE = re.compile(
    r"(?:^|_)(?:year|yr|rank|ranking|position|pos|place|week|day|month|age|period|step|"
    r"round|season|episode|level|grade|generation|time|t)$")
_UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_PREFIX_DIGITS_RE = re.compile(r"^(?P<prefix>(?:.*\D)?)(?P<digits>\d+)$")
_MAX_PREFIX = 20
# digits a whole number of each type has, written without its leading zeros: a name alone
# (``ccn``) does not make five-digit facility numbers card numbers
_NUMERIC_PII = {PIIType.PHONE: (6, 15), PIIType.CREDIT_CARD: (12, 19),
                PIIType.NATIONAL_ID: (6, 15)}  # 15: a French NIR
_Fields = dict[str, Any]


def infer_schema(
    data: pd.DataFrame,
    *,
    name: str = "table",
    roles: Mapping[str, Role] | None = None,
    discover_constraints: bool = False,
) -> Schema:
    """Infer a one-table schema from ``data``.

    Parameters
    ----------
    data
        The table.
    name
        The table's name in the schema.
    roles
        Roles of some columns (e.g. ``{"churn": Role.TARGET}``); the others are features.
    discover_constraints
        Also propose the rules the rows obey (inequalities, formulas, fixed combinations) as
        the table's ``constraints``, each marked ``"discovered": true`` with its share of
        rows and a reason; see :func:`~simulacra.schema.discover_constraints`.

    Returns
    -------
    Schema
        One table whose primary key is the first column inferred as an id, if any.

    Raises
    ------
    InvalidParameterError
        ``data`` is not a DataFrame, or ``roles`` names a column that is not in it.
    DataValidationError
        Column names are duplicated or not strings, so no schema can name the columns.
    """
    require_frame(data)
    name_issues = check_names(data, table=name)
    if name_issues:
        raise DataValidationError.of(name_issues)
    resolved = _resolve_roles(data, roles)
    columns = tuple(
        _with_parquet_type(_with_missing_text(
            _with_text_format(infer_column(data.iloc[:, i], role=resolved.get(col, Role.FEATURE)),
                              data.attrs.get("text_formats")),
            data.attrs.get("missing_markers")), data.attrs.get("parquet_types"))
        for i, col in enumerate(data.columns)
    )
    columns = _shared_locale(columns, data)
    key = next((c.name for c in columns if c.kind is Kind.ID), None)
    table = Table(name=name, columns=columns, primary_key=key,
                  csv_dialect=data.attrs.get("csv_dialect"))
    if discover_constraints:
        table = dataclasses.replace(table, constraints=tuple(_discover(data, table)))
    return Schema.single(table)


def infer_column(series: pd.Series, *, role: Role = Role.FEATURE) -> Column:
    """Infer one column's kind and codec fields from its values.

    Parameters
    ----------
    series
        The column; its ``name`` becomes the column name.
    role
        The column's role.

    Returns
    -------
    Column
    """
    values = series.dropna()
    n = len(series)
    missing = 0.0 if n == 0 else (n - len(values)) / n
    fields = _kind_fields(str(series.name), series, values)
    return Column(
        name=str(series.name), role=role, dtype=dtype_text(series.dtype),
        missing_share=missing, **fields
    )


def dtype_text(dtype: Any) -> str:
    """The name ``Column.dtype`` keeps: pandas' own, but ``string[...]`` where it says less.

    pandas names text held in Python objects ``"string"``, which pandas 3 reads back
    pyarrow-backed; and pyarrow-backed text ``"string"`` too, which pandas 2 reads back as
    Python objects. Each is named with its storage where ``"string"`` would lose it.
    """
    text = str(dtype)
    if isinstance(dtype, pd.StringDtype) and text == "string" and (
            dtype.storage == "python" or dtype.storage != pd.StringDtype().storage):
        return f"string[{dtype.storage}]"
    return text


def _shared_locale(columns: tuple[Column, ...], data: pd.DataFrame) -> tuple[Column, ...]:
    """Phones and addresses whose values show no locale take the table's one, if any.

    The table's locale is the one its other personal data shows, when they agree: numbers
    written without a country code are national numbers, and streets without a telling word
    are streets, of the same country as the customers' names. A column whose values show a
    country of their own keeps it (:func:`~simulacra.schema._pii.fits_locale`): US addresses
    (a state and ZIP code) and North American or ``+1`` phone numbers beside German names
    stay American, and English street words take an English-speaking table's locale only.
    """
    shown = {c.locale for c in columns if c.kind is Kind.PII and c.locale is not None}
    if len(shown) != 1:
        return columns
    locale = shown.pop()
    return tuple(
        dataclasses.replace(c, locale=locale)
        if c.pii_type in _LOCALE_FROM_TABLE and c.locale is None
        and fits_locale(c.pii_type, _sample(data[c.name].dropna()), locale) else c
        for c in columns
    )


def _with_parquet_type(column: Column, types: Mapping[str, str] | None) -> Column:
    """The column with the type its Parquet file stored it as, if any.

    :func:`~simulacra.read_table` keeps those the values alone would not be written as
    (``decimal128(10, 2)``).
    """
    stored = (types or {}).get(column.name)
    return column if stored is None else dataclasses.replace(column, parquet_type=stored)


def _with_missing_text(column: Column, markers: Mapping[str, str] | None) -> Column:
    """The column with the marker its CSV wrote missing cells with (SAS's ``.``), if any."""
    marker = (markers or {}).get(column.name)
    if marker is None or column.missing_share == 0:
        return column
    return dataclasses.replace(column, missing_text=marker)


def _with_text_format(column: Column, formats: Mapping[str, str] | None) -> Column:
    """The column with the text format :func:`~simulacra.read_table` saw, where it fits."""
    fmt = (formats or {}).get(column.name)
    if fmt is None or text_format_problem(fmt, column.kind.value) is not None:
        return column
    shown = number_format(fmt)
    digits = re.search(r"\.(\d+)f$", shown.spec) if shown is not None else None
    if digits is not None and (column.decimals or 0) > int(digits.group(1)):
        # the CSV's first rows showed fewer decimals than the whole column has (Chicago's
        # temperatures: 1 at the top, 3 further down): writing so would round real precision
        return column
    return dataclasses.replace(column, text_format=fmt)


def _resolve_roles(data: pd.DataFrame, roles: Mapping[str, Role] | None) -> dict[str, Role]:
    if not roles:
        return {}
    unknown = [c for c in roles if c not in data.columns]
    if unknown:
        raise InvalidParameterError(
            f"roles names column(s) {unknown} that are not in the data. "
            f"Columns: {', '.join(map(str, data.columns))}."
        )
    try:
        return {c: Role(r) for c, r in roles.items()}
    except ValueError as exc:
        raise InvalidParameterError(f"roles: {exc}. Roles: {', '.join(Role)}.") from None


def _kind_fields(name: str, series: pd.Series, values: pd.Series) -> _Fields:
    dtype = series.dtype
    if values.empty:
        return {"kind": Kind.CATEGORICAL, "cardinality": 0}
    if isinstance(dtype, pd.CategoricalDtype):
        return _categorical(values)
    if is_bool_dtype(dtype):
        return _boolean(values)
    if is_datetime64_any_dtype(dtype):
        tz = getattr(series.dt, "tz", None)
        return {"kind": Kind.DATETIME, "timezone": None if tz is None else str(tz)}
    if is_numeric_dtype(dtype) and not is_complex_dtype(dtype):
        return _numeric(name, values, complete=len(values) == len(series))
    if is_timedelta64_dtype(dtype):  # durations are numbers of seconds to the codecs
        return _numeric(name, values.dt.total_seconds(), complete=False)
    if is_object_dtype(dtype) or is_string_dtype(dtype):
        return _object(name, values, complete=len(values) == len(series))
    return _categorical(values)


def _object(name: str, values: pd.Series, *, complete: bool) -> _Fields:
    """Object or string columns, routed by the types their values hold."""
    inferred = infer_dtype(values, skipna=True)
    if inferred == "string":
        return _strings(name, values, complete=complete)
    if inferred == "boolean":
        return _boolean(values)
    if inferred in ("integer", "floating", "mixed-integer-float", "decimal"):
        return _numeric(name, pd.to_numeric(values), complete=complete)
    if inferred in ("datetime", "datetime64", "date"):
        return {"kind": Kind.DATETIME, "timezone": _object_timezone(values)}
    return _categorical(values)


def _object_timezone(values: pd.Series) -> str | None:
    try:
        parsed = to_datetime_of_one_zone(values)
    except TypeError:  # values pandas cannot read as dates
        return None
    tz = None if parsed is None else getattr(parsed.dt, "tz", None)  # None: mixed time zones
    return None if tz is None else str(tz)


def _categorical(values: pd.Series) -> _Fields:
    try:
        cardinality: int | None = int(values.nunique())
    except TypeError:  # unhashable values such as lists
        cardinality = None
    return {"kind": Kind.CATEGORICAL, "cardinality": cardinality}


def _boolean(values: pd.Series) -> _Fields:
    return {"kind": Kind.BOOLEAN, "cardinality": int(values.nunique())}


def _numeric(name: str, values: pd.Series, *, complete: bool) -> _Fields:
    arr = values.to_numpy(dtype=np.float64)
    finite = arr[np.isfinite(arr)]
    integer = bool(is_integer_dtype(values.dtype) or np.all(finite == np.round(finite)))
    if integer:
        pii = pii_from_name(name)
        if pii is None and pii_hint_from_name(name) is PIIType.PHONE and _are_cn_mobiles(finite):
            pii = PIIType.PHONE  # a column named "mobile" of 13912345678s
        if pii in _NUMERIC_PII and _digits_fit(finite, *_NUMERIC_PII[pii]):
            return _numeric_pii(pii, values, complete=complete)
        if _are_card_numbers(values, finite):
            return {"kind": Kind.PII, "pii_type": PIIType.CREDIT_CARD}
        # integers as they are: float64 merges neighbours above 2**53
        exact = values.to_numpy() if is_integer_dtype(values.dtype) else finite
        date_format = integer_date_format(normalize_name(name), exact)
        if date_format is not None:  # 19750103: a date written as a number
            return {"kind": Kind.DATETIME, "datetime_format": date_format, "timezone": None}
        if complete and _is_integer_id(name, exact):
            return {"kind": Kind.ID, "unique": True, "id_format": "integer"}
    return {
        "kind": Kind.NUMERICAL,
        "integer": integer,
        "decimals": 0 if integer else decimal_places(finite, eps=_float_eps(values.dtype)),
        "minimum": float(finite.min()) if finite.size else None,
        "maximum": float(finite.max()) if finite.size else None,
    }


def _numeric_pii(pii: PIIType, values: pd.Series, *, complete: bool) -> _Fields:
    """Personal data stored as whole numbers; a national id's country from its values.

    The digits are read from the integers themselves (float64 blurs 16 digits and more).
    """
    fields: _Fields = {"kind": Kind.PII, "pii_type": pii}
    if pii is PIIType.NATIONAL_ID and len(values):
        sample = _sample(values)
        exact = sample.to_numpy() if is_integer_dtype(sample.dtype) else np.rint(
            sample.to_numpy(dtype=np.float64)).astype(np.int64)
        fields["locale"] = number_id_locale(
            pd.Series(np.abs(exact).astype(str), dtype=object), VALUE_SHARE)
    n_unique = int(values.nunique())
    if (pii in _ONE_PER_PERSON and complete and n_unique == len(values)
            and n_unique >= MIN_ROWS_ID_FROM_VALUES):  # one person's each: kept unique
        fields["unique"] = True
    return fields


def _are_cn_mobiles(finite: np.ndarray) -> bool:
    """Whether most whole numbers are Chinese mobile numbers (11 digits from 13 to 19)."""
    return bool(finite.size) and bool(((finite >= 13e9) & (finite < 2e10)).mean() >= VALUE_SHARE)


def _digits_fit(finite: np.ndarray, low: int, high: int) -> bool:
    """Whether most whole numbers have between ``low`` and ``high`` digits."""
    if not finite.size:
        return True  # nothing says otherwise: the name decides
    digits = np.floor(np.log10(np.maximum(np.abs(finite), 1.0))) + 1
    return bool(((digits >= low) & (digits <= high)).mean() >= 0.9)


def _are_card_numbers(values: pd.Series, finite: np.ndarray) -> bool:
    """Whether integers are card numbers: 12 to 19 digits, and most pass the Luhn check."""
    if finite.size == 0 or finite.min() < 1e11 or finite.max() >= 1e19:
        return False
    sample = _sample(values)
    # digits from the integers themselves: float64 cannot hold every 16-digit number
    exact = sample.to_numpy() if is_integer_dtype(sample.dtype) else np.rint(sample.to_numpy(
        dtype=np.float64)).astype(np.uint64)
    return bool(luhn_share(pd.Series(exact.astype(str), dtype=object)) >= VALUE_SHARE)


def _is_integer_id(name: str, values: np.ndarray) -> bool:
    """Tell whether unique integers are an id.

    They are when named like one (``customer_id``, ``order_no``, ``kundennummer``,
    ``account``), or when many: consecutive from 0 or 1 (row numbers, but not a rank or a
    year named so), or all of one width of at least :data:`MIN_CODE_DIGITS` digits (account
    numbers).
    """
    distinct = np.unique(values)
    if len(distinct) != len(values):
        return False
    normalized = normalize_name(name)
    if _ID_NAME_RE.search(normalized) or _NUMBER_NAME_RE.search(normalized):
        return True
    if len(distinct) < MIN_ROWS_ID_FROM_VALUES:
        return False
    low, high = int(distinct[0]), int(distinct[-1])
    # row numbers count from 0 or 1; a run of years (1900..2021) or a rank is a quantity
    if (high - low + 1 == len(distinct) and low in (0, 1)
            and not _ORDINAL_NAME_RE.search(normalized)):
        return True
    return low >= 10 ** (MIN_CODE_DIGITS - 1) and len(str(low)) == len(str(high))


_FLOAT64_SLACK = 16 * float(np.finfo(np.float64).eps)


def decimal_places(values: np.ndarray, cap: int = MAX_DECIMALS, *,
                   eps: float = _FLOAT64_SLACK) -> int | None:
    """Return the most decimal places any value needs, or None when some need more than ``cap``.

    A value needs ``d`` places when ``value * 10**d`` is an integer up to float rounding, so
    ``0.1`` needs 1 and ``2.675`` needs 3 although neither is exact in binary. ``eps`` is that
    rounding, relative (a float32 column's 23.17 is 23.1700000763). An evenly spaced sample is
    looked at first: full-precision columns are rejected without a pass over all.
    """
    finite = np.abs(values[np.isfinite(values)])
    if finite.size > SAMPLE_SIZE:
        step = finite.size // SAMPLE_SIZE
        first = _places_from(finite[::step], 0, cap, eps)
        return None if first is None else _places_from(finite, first, cap, eps)
    return _places_from(finite, 0, cap, eps)


def _float_eps(dtype: Any) -> float:
    """The relative rounding of a column's floats (float32, ``Float32``, float16: theirs).

    float64's comes with slack for the arithmetic that scales the values.
    """
    numpy = dtype if isinstance(dtype, np.dtype) else getattr(dtype, "numpy_dtype", None)
    if isinstance(numpy, np.dtype) and numpy.kind == "f" and numpy.itemsize < 8:
        return max(_FLOAT64_SLACK, 2 * float(np.finfo(numpy).eps))
    return _FLOAT64_SLACK


def _places_from(values: np.ndarray, start: int, cap: int, eps: float) -> int | None:
    """Return the most decimal places the values need, counting needs below ``start`` as it."""
    pending = values
    for d in range(start, cap + 1):
        scaled = pending * 10.0**d
        exact = np.abs(scaled - np.round(scaled)) <= eps * np.maximum(scaled, 1.0)
        pending = pending[~exact]
        if pending.size == 0:
            return d
    return None


def _sample(values: pd.Series) -> pd.Series:
    """Up to :data:`SAMPLE_SIZE` values, evenly spaced (deterministic, no random state)."""
    if len(values) <= SAMPLE_SIZE:
        return values
    positions = np.linspace(0, len(values) - 1, SAMPLE_SIZE).astype(np.int64)
    return values.iloc[positions]


def _strings(name: str, values: pd.Series, *, complete: bool) -> _Fields:
    values = values.astype("str")
    sample = _sample(values)
    layout = detect_duration_layout(normalize_name(name), values, sample)
    if layout is not None:  # 38:31:00: a duration, learned in seconds
        return _durations(values, layout)
    fmt = detect_datetime_format(values, sample)
    if fmt is not None:
        tz = datetime_timezone(sample, fmt)
        return {"kind": Kind.DATETIME, "datetime_format": fmt, "timezone": tz}
    pii = detect_pii(name, sample)
    n_unique = int(values.nunique())
    if pii is not None:
        # e-mail addresses that never repeat are usually logins, and ids, accounts and cards
        # that never repeat belong to one person each: keep them unique
        unique = (pii[0] in _ONE_PER_PERSON and complete and n_unique == len(values)
                  and n_unique >= MIN_ROWS_ID_FROM_VALUES)
        return {"kind": Kind.PII, "pii_type": pii[0], "locale": pii[1], "unique": unique}
    if complete and n_unique == len(values):
        is_id, id_format = _string_id(name, values, sample)
        if is_id:
            return {"kind": Kind.ID, "unique": True, "id_format": id_format}
    if _looks_like_text(sample, n_unique / len(values)):
        return {"kind": Kind.TEXT}
    if (n_unique >= CODE_MIN_DISTINCT and n_unique >= CODE_MIN_UNIQUE_SHARE * len(values)
            and not are_place_names(sample)):
        # Mostly unique strings of no known type (plates, SKUs, user names, URLs): a category
        # model could only replay them, and a value seen once may single a person out.
        _warn_if_repeating_code(name, values, n_unique)
        return {"kind": Kind.PII, "pii_type": PIIType.CODE}
    _warn_if_personal(name, sample, n_unique)
    return {"kind": Kind.CATEGORICAL, "cardinality": n_unique}


def _warn_if_repeating_code(name: str, values: pd.Series, n_unique: int) -> None:
    """Say that a code many rows repeat and written in words (product names) is regenerated.

    Codes with digits (``C-0012``: a customer's number, often a key of another table) repeat
    as references do, and are left unsaid.
    """
    repeated = 1.0 - (values.value_counts() == 1).sum() / len(values)
    if repeated < CODE_WARN_REPEATED or _sample(values).str.contains(r"\d").mean() >= 0.5:
        return
    warnings.warn(
        f"Column {name!r} has {n_unique:,} distinct values in {len(values):,} rows, so it is "
        "inferred a code (pii_type 'code'): new values are made in the real values' layouts, "
        f"the {repeated:.0%} of rows holding a repeated value repeating as often, but no real "
        "value is kept and the column is not related to the others. Declare it "
        "'categorical' to learn its values and relations (a value seen once may then be "
        "replayed).", FitWarning, stacklevel=4)


def _warn_if_personal(name: str, sample: pd.Series, n_unique: int) -> None:
    """Warn that a categorical column whose levels look like personal data replays them."""
    if n_unique < MIN_LEVELS:  # the sample's stripped levels can only be fewer
        return
    found = personal_levels(sample)
    if found is None:
        return
    pii, share = found
    warnings.warn(
        f"Column {name!r} is inferred categorical, so a synthesizer learns its {n_unique:,} "
        f"values and samples them as they are, yet {share:.0%} of them look like "
        f"{pii.value.replace('_', ' ')}s. If it holds personal data, declare it "
        f"kind 'pii' with pii_type '{pii.value}' in the schema, or drop it.",
        PrivacyWarning,
        stacklevel=4,
    )


def _durations(values: pd.Series, layout: DurationLayout) -> _Fields:
    seconds = layout.parse(values)
    decimals = decimal_places(seconds)
    return {"kind": Kind.NUMERICAL, "integer": decimals == 0, "decimals": decimals,
            "minimum": float(seconds.min()), "maximum": float(seconds.max()),
            "text_format": str(layout)}


def _string_id(name: str, values: pd.Series, sample: pd.Series) -> tuple[bool, str | None]:
    """Whether unique strings are an id, and their ``id_format``."""
    named = bool(_ID_NAME_RE.search(normalize_name(name)))
    if sample.str.fullmatch(_UUID_RE).all() and values.str.fullmatch(_UUID_RE).all():
        return True, "uuid"
    found = _prefix_digits_template(values, sample)
    if found is not None and (named or found[0]):
        return True, found[1]
    return named, None


def _prefix_digits_template(values: pd.Series, sample: pd.Series) -> tuple[str, str] | None:
    """Return the prefix and template (``"C-{:05d}"``) when all values are prefix + digits."""
    parts = sample.str.extract(_PREFIX_DIGITS_RE)
    if parts["digits"].isna().any() or parts["prefix"].nunique() != 1:
        return None
    prefix = str(parts["prefix"].iloc[0])
    if len(prefix) > _MAX_PREFIX:
        return None
    digits = values.str.slice(len(prefix))
    if not (values.str.startswith(prefix).all() and digits.str.fullmatch(r"\d+").all()):
        return None
    widths = digits.str.len()
    padded = bool(digits.str.match(r"0\d").any())
    escaped = prefix.replace("{", "{{").replace("}", "}}")
    if not padded:
        return prefix, escaped + "{:d}"
    if widths.nunique() == 1:
        return prefix, escaped + f"{{:0{int(widths.iloc[0])}d}}"
    return None


def _looks_like_text(sample: pd.Series, unique_share: float) -> bool:
    if unique_share < TEXT_MIN_UNIQUE_SHARE:
        return False
    mean_length = float(sample.str.len().mean())
    mean_words = float(sample.str.count(r"\s+").mean()) + 1.0
    return mean_length > TEXT_MIN_MEAN_LENGTH or mean_words >= TEXT_MIN_MEAN_WORDS
