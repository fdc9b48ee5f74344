"""Validity: whether the synthetic rows could be real at all, column by column.

The fidelity metrics compare distributions, so a table whose every primary key is the same,
a fifth of whose rates are ten times the real maximum, or with categories the real data never
had, can still score well on them (QA18: such a table rated "good"). Like SDV's
DiagnosticReport (KeyUniqueness, BoundaryAdherence, CategoryAdherence), this check counts the
rows that break one of three things, per column:

- **key uniqueness**: the primary key and the id columns the schema declares ``unique`` hold
  a distinct value in every synthetic row (a primary key also a present one);
- **boundary adherence**: numbers and dates lie within the real range, widened by
  :data:`TOLERANCE` of its width on each side (models that smooth may step a little past the
  real extremes; a value beyond that was never plausible);
- **category adherence**: categories and booleans are ones the real data has.

Each part's score is its worst column's share of valid rows; the headline value is the worst
part. The scorecard judges each part on its own (a repeated key is never good).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from simulacra.evaluation._context import CATEGORICAL, NUMERICAL, EvalContext
from simulacra.evaluation._metric import Family, Goal, Metric, MetricResult
from simulacra.evaluation._overlap import _KEY
from simulacra.schema import Kind

#: Share of a column's real range a value may lie beyond the real minimum or maximum.
TOLERANCE = 0.05
#: The parts of the check, in report order.
PARTS = ("key_uniqueness", "boundary_adherence", "category_adherence")
_EXAMPLES = 5


class Validity(Metric):
    """Shares of synthetic rows with unique keys, values in the real range, real categories."""

    name = "validity"
    family = Family.FIDELITY
    goal = Goal.MAXIMIZE
    description = (
        "Whether each synthetic value could be real, per column: primary keys and unique ids "
        "that never repeat (key uniqueness), numbers and dates within the real range widened "
        f"by {TOLERANCE:.0%} of its width on each side (boundary adherence), and categories "
        "the real data has (category adherence). Each part's score is its worst column's "
        "share of valid rows; the value is the worst part (1 = every value valid).")

    def measure(self, ctx: EvalContext) -> MetricResult:
        """Count the invalid synthetic rows of each column."""
        details: dict[str, Any] = {"tolerance": TOLERANCE}
        for part, rows in (("key_uniqueness", _keys(ctx)),
                           ("boundary_adherence", _bounds(ctx)),
                           ("category_adherence", _categories(ctx))):
            if rows:
                details[part] = {"score": min(r["share_valid"] for r in rows), "columns": rows}
        scores = [details[p]["score"] for p in PARTS if p in details]
        if not scores:
            return self.skip("no key, number, date or category column to check")
        return self.result(min(scores), details=details)


def part_score(result: MetricResult, part: str) -> float | None:
    """The score of one part of a validity result (None when the part had no column)."""
    found = result.details.get(part)
    if not isinstance(found, dict):
        return None
    score = found.get("score")
    return float(score) if isinstance(score, (int, float)) else None


def invalid_columns(result: MetricResult, part: str) -> list[str]:
    """The columns of one part with an invalid row, worst first."""
    found = result.details.get(part)
    rows = found.get("columns") if isinstance(found, dict) else None
    if not isinstance(rows, list):
        return []
    bad = [r for r in rows if isinstance(r, dict) and isinstance(r.get("share_valid"), float)
           and r["share_valid"] < 1.0]
    return [str(r.get("column")) for r in sorted(bad, key=lambda r: r["share_valid"])]


def _keys(ctx: EvalContext) -> list[dict[str, Any]]:
    table = ctx.table
    kept = ctx.cached((_KEY, "synthetic"), dict)
    real = ctx.cached((_KEY, "real"), dict)
    rows = []
    for column in table.columns:
        primary = column.name == table.primary_key
        if not (primary or (column.kind is Kind.ID and column.unique)):
            continue
        syn, ref = kept.get(column.name), real.get(column.name)
        if syn is None or ref is None or not _unique(ref, primary):
            continue  # not given, or the real data breaks the key itself
        values = _text(syn)
        missing = values.isna()
        repeated = values.duplicated(keep=False) & ~missing
        bad = repeated | missing if primary else repeated
        n = len(values)
        rows.append({"column": column.name, "primary_key": primary, "rows": n,
                     "repeated_rows": int(repeated.sum()),
                     "missing_rows": int(missing.sum()) if primary else 0,
                     "examples": _examples(values[repeated]),
                     "share_valid": float(1.0 - bad.sum() / n) if n else 1.0})
    return rows


def _unique(real: pd.Series, primary: bool) -> bool:
    values = _text(real)
    present = values.dropna()
    return bool(present.is_unique) and (not primary or len(present) == len(values))


def _text(series: pd.Series) -> pd.Series:
    """Keys compared as text: 3 and 3.0 are one key, as the key checks elsewhere read them."""
    values = series.reset_index(drop=True)
    if pd.api.types.is_float_dtype(values.dtype):
        finite = values.dropna()
        if len(finite) and bool((finite == np.round(finite)).all()):
            return values.astype("Int64").astype(object).where(values.notna(), None)
    return values.astype(str).astype(object).where(values.notna(), None)


def _bounds(ctx: EvalContext) -> list[dict[str, Any]]:
    rows = []
    for column in ctx.columns:
        if ctx.types[column] != NUMERICAL:
            continue
        real, syn = ctx.numeric("real", column), ctx.numeric("synthetic", column)
        real, syn = real[~np.isnan(real)], syn[~np.isnan(syn)]
        if real.size == 0 or syn.size == 0:
            continue
        low, high = float(real.min()), float(real.max())
        slack = TOLERANCE * (high - low)
        below = int((syn < low - slack).sum())
        above = int((syn > high + slack).sum())
        row: dict[str, Any] = {
            "column": column, "real_min": low, "real_max": high,
            "allowed_min": low - slack, "allowed_max": high + slack,
            "synthetic_min": float(syn.min()), "synthetic_max": float(syn.max()),
            "below": below, "above": above,
            "share_valid": float(1.0 - (below + above) / syn.size)}
        if ctx.table.column(column).kind == Kind.DATETIME:
            row["format"] = "datetime"  # seconds since 1970, UTC
        rows.append(row)
    return rows


def _categories(ctx: EvalContext) -> list[dict[str, Any]]:
    rows = []
    for column in ctx.columns:
        if ctx.types[column] != CATEGORICAL:
            continue
        real = ctx.codes("real", column)
        syn = ctx.codes("synthetic", column)
        n_real = int(real.max(initial=-1)) + 1  # real categories come first
        present = syn[syn >= 0]
        if n_real == 0 or present.size == 0:
            continue
        unseen = present >= n_real
        labels = ctx.categories[column]
        rows.append({"column": column, "real_categories": n_real,
                     "unseen_rows": int(unseen.sum()),
                     "unseen_categories": [labels[c] for c in
                                           np.unique(present[unseen])[:_EXAMPLES]],
                     "share_valid": float(1.0 - unseen.mean())})
    return rows


def _examples(values: pd.Series) -> list[str]:
    return [str(v) for v in pd.unique(values)[:_EXAMPLES]]
