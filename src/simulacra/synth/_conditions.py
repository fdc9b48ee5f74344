"""Conditional sampling: rows with given values, through the shared sampling path.

A condition (``{"fraud": 1, "country": "DE"}``) is checked like a constraint on every
candidate row, so the result is exact whatever the model. Models that can fix a value while
drawing (``_sample_fixed``: CART for the columns it draws first, and for any column when plain
draws rarely meet the condition, the independent baseline and the Gaussian copula for any
column) do so, and rejection only has to cover the rest. A
condition no real row has (an unseen category, a number outside the real range, a generated
column) is refused at once.

A model that meets a number only by rejection almost never draws it exactly; there
(:func:`near_numbers`) a candidate whose value falls near the given number takes it: the
window holds the model's nearest values, as narrow as keeps enough candidates, widened step
by step before the shared path gives up with a ``SamplingError``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simulacra.constraints import Constraint
from simulacra.data._codec_base import codes_of
from simulacra.data._codecs import TableCodec
from simulacra.data._frame import EncodedFrame
from simulacra.errors import InvalidParameterError, SamplingError
from simulacra.schema import Column, Kind, Table
from simulacra.schema._datetimes import parse_datetimes, strftime_unpadded, writing_format

if TYPE_CHECKING:  # _sampling reads Condition: a type only here, to keep imports one way
    from simulacra.synth._sampling import SampleEncoded

#: Candidate rows drawn (from a fixed stream) to see whether a model holds a given number,
#: and if not, how near a value must come to take it.
PILOT_ROWS = 4096
#: The first pilot rows: a model that holds every given value in all of them is native.
NATIVE_CHECK_ROWS = 64
#: Share of candidates a condition should keep (on the pilot) before a window is widened.
TARGET_ACCEPTANCE = 0.01
#: Share of the model's values nearest a given number that its window holds, narrowest
#: first (1/200 to a quarter): narrow keeps the other columns' dependence on the number.
WINDOW_SHARES = (0.005, 0.01, 0.02, 0.05, 0.1, 0.25)


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
        #: column -> half-width within which a drawn number took the given one (near_numbers)
        self.windows: dict[str, float] = {}
        for column, value in list(self.values.items()):
            if isinstance(value, (list, tuple, set, frozenset, dict, np.ndarray, pd.Series)):
                raise InvalidParameterError(
                    f"Cannot condition on {column}={value!r}: a condition gives one value "
                    "per column, which every row holds. Sample once per value and join the "
                    "samples (pandas.concat), or give a DataFrame of partial rows.")
            _check_possible(table, column, value)
            value = self.values[column] = _as_written(table.column(column), value)
            seen = (categories or {}).get(column)
            known = set(map(str, seen or ()))
            if isinstance(value, str) and value not in known and value.strip() in known:
                value = self.values[column] = value.strip()  # "country = DE" means "DE"
            if seen is not None and table.column(column).kind == Kind.BOOLEAN:
                # 1, "yes", "TRUE", "False": as the CLI reads them, held as the column's own
                same = [c for c in seen if _truth(c) is not None and _truth(c) == _truth(value)]
                if _truth(value) is not None and len(same) == 1:
                    value = self.values[column] = same[0]
            if seen is not None and value is not None and str(value) not in known:
                if table.column(column).kind == Kind.BOOLEAN:
                    raise InvalidParameterError(
                        f"Cannot condition on {column}={value!r}: the column is true/false "
                        f"(it has {', '.join(repr(c) for c in seen)}). Give True or False "
                        "(or 1/0, 'yes'/'no').")
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
            + (f" (met within ±{self.windows[c]:.4g})" if self.windows.get(c) else "")
            for c, v in self.values.items())

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "values": self.values}

    def refuse_if_breaking(self, rules: Sequence[Constraint], n: int = 1) -> None:
        """InvalidParameterError when the given values alone break one of ``rules``.

        A rule whose columns are all given is checked on the given values (``end`` before
        ``start``, a number outside a fixed range); a rule of combinations (fixed
        combinations, a one-hot group) is checked on the columns given, which must occur
        together in one of its combinations. Rejection would otherwise draw candidates
        until it gave up, and name the condition as the rule that rejects most. A ``unique``
        rule over given columns lets one row of the ``n`` asked for hold them.
        """
        given = set(self.values)
        row = pd.DataFrame({c: pd.Series([v], dtype=object if isinstance(v, str) else None)
                            for c, v in self.values.items()})
        for rule in rules:
            names = rule.columns()
            if rule.kind == "unique" and names and set(names) <= given and n > 1:
                raise InvalidParameterError(
                    f"Cannot condition on {', '.join(f'{c}={self.values[c]!r}' for c in names)}"
                    f" for {n} rows: the rule {rule.describe()!r} lets one row hold those "
                    "values. Ask for one row, or give values for fewer of its columns.")
            combinations = getattr(rule, "combinations", None)
            if combinations is not None and given & set(names):
                combos = combinations()
                held = np.logical_and.reduce(
                    [_equals(combos[c], self.values[c], self._table.column(c))
                     for c in names if c in given])
                if held.any():
                    continue
            elif (not names or not set(names) <= given or rule.kind in ("unique", "predicate")
                  or rule.valid(row)[0]):
                continue
            shown = ", ".join(f"{c}={self.values[c]!r}" for c in names if c in given)
            raise InvalidParameterError(
                f"Cannot condition on {shown}: the values break the rule "
                f"{rule.describe()!r}, which every sampled row obeys, so no row can hold "
                "them. Give values that obey the rule, or fit without it.")

    def valid(self, data: pd.DataFrame) -> np.ndarray:
        ok = np.ones(len(data), dtype=bool)
        for column, value in self.values.items():
            ok &= _equals(data[column], value, self._table.column(column))
        return ok


def parse_where(items: list[str], table: Table) -> dict[str, Any]:
    """``["fraud=1", "country=DE"]`` (the CLI's --where) as typed condition values."""
    out: dict[str, Any] = {}
    for item in items:
        column, sep, raw = _split_where(item, table.column_names)
        if not sep or not column:
            raise InvalidParameterError(
                f"--where expects COLUMN=VALUE, e.g. --where fraud=1. Got {item!r}.")
        if column not in table.column_names:
            raise InvalidParameterError(
                f"--where names the column {column!r}, which the model does not have. "
                f"Columns: {', '.join(map(repr, table.column_names))}.")
        if column in out:
            raise InvalidParameterError(
                f"--where gives the column {column!r} twice ({out[column]!r} and "
                f"{raw!r}); a row holds one value. Give it once, and sample once per value "
                "to get rows of several.")
        # a category is taken as written (" TRUE"), surrounding spaces forgiven when matched
        out[column] = _typed(raw if _is_text(table, column) else raw.strip(), table, column)
    return out


def _split_where(item: str, names: Sequence[str]) -> tuple[str, str, str]:
    """``COLUMN=VALUE`` split after the longest column name it starts with.

    Names may hold ``=`` or surrounding spaces; without such a name, the split is at the
    first ``=``, the name stripped.
    """
    named = [n for n in names if item.startswith(f"{n}=")]
    if named:
        column = max(named, key=len)
        return column, "=", item[len(column) + 1:]
    column, sep, raw = item.partition("=")
    return column.strip(), sep, raw


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


def near_numbers(draw: SampleEncoded, condition: Condition, codec: TableCodec,
                 fixed: Mapping[int, float],
                 decode: Callable[[EncodedFrame, np.random.Generator], pd.DataFrame]
                 ) -> SampleEncoded:
    """``draw``, where candidates near a given number the model cannot hold take it exactly.

    A pilot of :data:`PILOT_ROWS` rows from a fixed stream (the model's own stream does not
    move) tells whether the model holds the given numbers (then ``draw`` is returned as it
    is) or meets the whole condition often enough exactly. Otherwise each such number gets
    a window: the values of the :data:`WINDOW_SHARES` share of pilot rows nearest it, the
    narrowest share with which at least :data:`TARGET_ACCEPTANCE` of the pilot meets the
    condition. Categories, booleans and missing values stay exact. ``decode``: encoded
    rows to the table's columns (``fixed``: see :func:`fixed_encoded`).
    """
    numbers = _number_columns(condition, codec, fixed)
    if not numbers:
        return draw
    rng = np.random.default_rng(0)  # the pilot must not move the model's stream
    first = draw(NATIVE_CHECK_ROWS, rng)
    if condition.valid(decode(first, rng)).all():
        return draw  # held natively
    rest = draw(PILOT_ROWS - NATIVE_CHECK_ROWS, rng)
    pilot = np.concatenate([first.values, rest.values])
    table = decode(EncodedFrame(pilot, first.columns), rng)
    exact = {c: _equals(table[c], v, condition._table.column(c))
             for c, v in condition.values.items()}
    if np.logical_and.reduce(list(exact.values())).mean() >= TARGET_ACCEPTANCE:
        return draw  # exact values come often enough: keep them exact
    others = np.logical_and.reduce(
        [ok for c, ok in exact.items() if c not in numbers] or [np.ones(len(table), bool)])
    widths, inside = _narrowest_windows(pilot, numbers, others)
    if not inside.any():
        shown = ", ".join(f"{c}=±{w:.4g}" for c, w in widths.items())
        computed = [c for c in condition.values if c not in codec.table.column_names]
        advice = (f"{', '.join(map(repr, computed))} {'is' if len(computed) == 1 else 'are'} "
                  "computed by a rule from other columns, not drawn: give such values to "
                  "impute (a DataFrame of partial rows), which solves the rule's inputs for "
                  "them, or give fewer values." if computed else
                  "The model hardly ever draws such rows: give fewer values, or use a model "
                  "that holds numbers while drawing (copula, independent, ddpm).")
        raise SamplingError(
            f"Cannot meet the {condition.describe()}: none of {PILOT_ROWS:,} rows the model "
            f"drew came near it, even within the widest windows ({shown}, each holding a "
            f"quarter of the model's values). {advice}")
    condition.windows = widths
    targets = [(j, missing, given, widths[c]) for c, (j, missing, given) in numbers.items()]

    def draw_near(n: int, rng: np.random.Generator) -> EncodedFrame:
        frame = draw(n, rng)
        values = frame.values.copy()
        for j, missing, given, width in targets:
            values[_near(values, j, missing, given, width), j] = given
        return EncodedFrame(values, frame.columns)

    return draw_near


_HELD_NEAR = (Kind.NUMERICAL, Kind.DATETIME)  # kinds learned as numbers (a datetime's ticks)


def _number_columns(condition: Condition, codec: TableCodec,
                    fixed: Mapping[int, float]) -> dict[str, tuple[int, int, float]]:
    """Given numbers the model learns: column -> (value index, indicator or -1, encoded)."""
    out: dict[str, tuple[int, int, float]] = {}
    for column, value in condition.values.items():
        if (condition._table.column(column).kind not in _HELD_NEAR or value is None
                or (isinstance(value, float) and np.isnan(value))):
            continue
        found = [j for j in fixed if codec.encoded_columns[j].source == column]
        values = [j for j in found if not codec.encoded_columns[j].discrete]
        if values:
            missing = [j for j in found if codec.encoded_columns[j].discrete]
            out[column] = (values[0], missing[0] if missing else -1, fixed[values[0]])
    return out


def _narrowest_windows(pilot: np.ndarray, numbers: Mapping[str, tuple[int, int, float]],
                       others: np.ndarray) -> tuple[dict[str, float], np.ndarray]:
    """Half-widths per number column and the pilot rows they keep (the widest if none do)."""
    widths: dict[str, float] = {}
    inside = others
    for share in WINDOW_SHARES:
        widths, inside = {}, others.copy()
        for column, (j, missing, given) in numbers.items():
            gaps = np.abs(pilot[_present(pilot, missing), j] - given)
            gaps = gaps[np.isfinite(gaps)]
            k = max(1, math.ceil(share * gaps.size)) if gaps.size else 0
            widths[column] = float(np.partition(gaps, k - 1)[k - 1]) if k else 0.0
            inside &= _near(pilot, j, missing, given, widths[column])
        if inside.mean() >= TARGET_ACCEPTANCE:
            break
    return widths, inside


def _present(values: np.ndarray, missing: int) -> np.ndarray:
    if missing < 0:
        return np.ones(len(values), dtype=bool)
    return np.asarray(codes_of(values[:, missing], 2) == 0)


def _near(values: np.ndarray, j: int, missing: int, given: float, width: float) -> np.ndarray:
    return _present(values, missing) & (np.abs(values[:, j] - given) <= width)


def within_reach(table: Table, column: str, value: Any) -> Any:
    """A given number as a condition can hold it: in the real range, at the precision.

    ``impute`` keeps the given cell itself and conditions the rest on this.
    """
    spec = table.column(column) if column in table.column_names else None
    if spec is None or spec.kind != Kind.NUMERICAL or value is None or (
            isinstance(value, float) and np.isnan(value)):
        return value
    number = float(np.clip(float(value), -np.inf if spec.minimum is None else spec.minimum,
                           np.inf if spec.maximum is None else spec.maximum))
    digits = 0 if spec.integer else spec.decimals
    return round(number, digits) if digits is not None else number


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


def _as_written(spec: Column, value: Any) -> Any:
    """A given date as a column of dates written as text holds it: in the column's format.

    The column's own text, ISO 8601 text (``2020-03-01``), a ``pd.Timestamp``, a
    ``datetime``/``date`` or a ``numpy.datetime64`` are all taken; a value finer than the
    column writes (noon on a column of days) no row can hold, so it is refused at once.
    Other columns' values are returned as they are.
    """
    fmt = spec.datetime_format
    if (spec.kind != Kind.DATETIME or not fmt or str(spec.dtype).startswith("datetime64")
            or value is None or (isinstance(value, float) and np.isnan(value))):
        return value
    shown = pd.Series([value]) if isinstance(value, (str, int, np.integer)) else None
    stamp = parse_datetimes(shown, fmt).iloc[0] if shown is not None else pd.NaT
    if pd.isna(stamp) and not isinstance(value, (int, np.integer, bool)):
        try:
            stamp = pd.Timestamp(dt.datetime.fromisoformat(value) if isinstance(value, str)
                                 else value)
        except (TypeError, ValueError):
            stamp = pd.NaT
    written = writing_format(fmt)
    if pd.isna(stamp):
        raise InvalidParameterError(
            f"Cannot condition on {spec.name}={value!r}: the column holds dates written as "
            f"{written!r} (such as {_example(written)!r}). Give the date so, in ISO form "
            "('2020-03-01'), or as a pandas Timestamp or a datetime.")
    if "%z" in fmt or "%:z" in fmt:  # written with an offset: an instant (naive: UTC)
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
    elif stamp.tzinfo is not None:  # a literal Z is UTC; other text is wall-clock time
        stamp = (stamp.tz_convert("UTC") if fmt.endswith("Z") else stamp).tz_localize(None)
    text = strftime_unpadded(stamp.to_pydatetime(), written)
    if parse_datetimes(pd.Series([text]), fmt).iloc[0] != stamp:
        raise InvalidParameterError(
            f"Cannot condition on {spec.name}={value!r}: the column holds values written as "
            f"{written!r}, coarser than that, so no row has it. Give one such as {text!r}.")
    if str(spec.dtype).lower().startswith(("int", "uint", "float")):  # 20200301 as a number
        return int(text)
    return text


_TRUE = frozenset({"true", "t", "yes", "y", "1", "1.0"})
_FALSE = frozenset({"false", "f", "no", "n", "0", "0.0"})


def _truth(value: Any) -> bool | None:
    """A boolean given as ``True``, 1, ``"yes"``, ``"TRUE"`` ... (None: none of those)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower() if isinstance(value, str) else None
    return True if text in _TRUE else False if text in _FALSE else None


def _example(fmt: str) -> str:
    return strftime_unpadded(dt.datetime(2020, 3, 1, 14, 30), fmt)


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
        text = spec.datetime_format and isinstance(value, (str, int, np.integer))
        # as the column writes it (03/04/2020 is the 3rd of April in a day-first column)
        wanted = (parse_datetimes(pd.Series([value]), spec.datetime_format).iloc[0] if text
                  else pd.Timestamp(value))
        return np.asarray((stamps == wanted).to_numpy())
    return np.asarray((series.astype(object).map(str) == str(value)).to_numpy())


#: How --where writes a missing value in a column of numbers, dates or booleans (in a
#: column of categories the text may be a category, as R's "NA" in a factor of codes).
_MISSING_WORDS = frozenset({"na", "nan", "null", "none", "n/a"})


def _typed(raw: str, table: Table, column: str) -> Any:
    spec = table.column(column)
    if raw == "" or (spec.kind in (Kind.NUMERICAL, Kind.BOOLEAN, Kind.DATETIME)
                     and raw.strip().lower() in _MISSING_WORDS):
        return None
    if spec.kind == Kind.NUMERICAL:
        try:
            return float(raw)
        except ValueError:
            raise InvalidParameterError(
                f"--where {column}={raw!r}: {column!r} is numerical; give a number, or NA "
                "(or nothing after '=') for a missing value.") from None
    if spec.kind == Kind.BOOLEAN:
        lowered = raw.lower()
        if lowered in ("true", "1", "yes"):
            return True
        if lowered in ("false", "0", "no"):
            return False
        raise InvalidParameterError(f"--where {column}={raw!r}: {column!r} is true/false.")
    return raw
