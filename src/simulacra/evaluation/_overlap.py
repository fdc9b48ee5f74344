"""PII overlap: whether synthetic ids, personal data or free text repeat real values.

Id, PII and free-text columns are not compared by the other metrics (their values are
generated, not learned), so a generator that replays real names, e-mails or national ids
next to otherwise new rows would pass every row-level privacy check. This check looks at
those columns' values alone: the share of synthetic values equal to a training value,
against the holdout's own share (real names repeat by chance: two people called Maria
Garcia), the way :class:`~simulacra.evaluation.privacy.ExactCopies` judges whole rows.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from simulacra.evaluation._context import EvalContext
from simulacra.evaluation._metric import Family, Goal, Metric, MetricResult
from simulacra.evaluation._neighbours import MIN_HOLDOUT
from simulacra.schema import Kind

#: Column kinds whose values this check compares (the kinds no other metric looks at).
KINDS = (Kind.ID, Kind.PII, Kind.TEXT)
_KEY = "pii_overlap:raw"
#: The skip reason of a table without such columns: the check does not apply, so the
#: scorecard leaves it out rather than listing it as "not measured".
NO_COLUMNS = "no id, PII or free-text column to check"
#: Excess beyond noise from which a column is named (and the verdict stops being good).
NOTICEABLE = 0.005


def keep_identifier_columns(ctx: EvalContext, frames: dict[str, pd.DataFrame]) -> None:
    """Keep the id, PII and text columns of each role's frame for :class:`PIIOverlap`.

    The prepared context encodes only the evaluated columns; these are held as given (no
    copy) and compared only when the check runs.
    """
    columns = [c.name for c in ctx.table.columns if c.kind in KINDS]
    for role, frame in frames.items():
        kept = {c: frame[c] for c in columns if c in frame.columns}
        ctx.cached((_KEY, role), lambda kept=kept: kept)


class PIIOverlap(Metric):
    """Share of synthetic id, PII and free-text values equal to a training value.

    Values are compared as text, stripped of surrounding spaces and case-folded (``1.0``
    reads as ``1``). Per column, the synthetic share is set against the holdout's share of
    values found in the training data; the headline is the largest excess over the
    columns, and the verdict allows two standard errors of noise.
    """

    name = "pii_overlap"
    family = Family.PRIVACY
    goal = Goal.MINIMIZE
    ideal = 0.0
    description = (
        "Id, personal-data (PII) and free-text columns are generated, not learned, so the "
        "other checks leave them out. This one asks whether their synthetic values repeat "
        "real ones: for each such column, the share of synthetic values (ignoring case and "
        "surrounding spaces) equal to a value of the training data, against the share of "
        "holdout values that are, since some real names repeat by chance. The number is the "
        "largest excess over the columns: 0 means synthetic values match training values no "
        "more often than unseen real ones do; a real name, e-mail or id replayed beyond that "
        "rate is a leak whatever the other columns show.")

    def measure(self, ctx: EvalContext) -> MetricResult:
        """Compare each id, PII and text column's values with the training values."""
        raw = {role: ctx.cached((_KEY, role), dict) for role in ("real", "synthetic", "holdout")
               if ctx.has(role)}
        columns = list(raw["real"])
        if not columns:
            return self.skip(NO_COLUMNS)
        notes: list[str] = []
        lacking = [c for c in columns if c not in raw["synthetic"]]
        if lacking:
            notes.append(f"The synthetic data lacks {_names(lacking)}: not checked.")
        columns = [c for c in columns if c in raw["synthetic"]]
        if not columns:
            return self.unmeasured("the synthetic data has none of the real data's id, PII "
                                   "or free-text columns", notes=notes)
        holdout = raw.get("holdout") if ctx.has("holdout") else None
        if holdout is not None and ctx.n("holdout") < MIN_HOLDOUT:
            notes.append(f"Only {ctx.n('holdout')} holdout rows (fewer than {MIN_HOLDOUT}): "
                         "no baseline for values that repeat by chance; every synthetic value "
                         "equal to a training value counts.")
            holdout = None
        elif holdout is None:
            notes.append("No holdout data: no baseline for values that repeat by chance; "
                         "every synthetic value equal to a training value counts.")
        rows = [_column_row(column, raw["real"][column], raw["synthetic"][column],
                            None if holdout is None else holdout.get(column))
                for column in columns]
        counters = [c for c in columns if ctx.table.column(c).kind == Kind.ID
                    and _counter(raw["synthetic"][c])]
        counters = [c for c, r in zip(columns, rows, strict=True)
                    if c in counters and r["synthetic_count"]]
        if counters:
            notes.append(f"Synthetic {_names(counters)} {'is' if len(counters) == 1 else 'are'} "
                         "a run of consecutive whole numbers, a row counter rather than copied "
                         "ids: shown, not judged.")
        measured = [r for r in rows if r["excess"] is not None and r["column"] not in counters]
        if not measured:
            return self.unmeasured("every synthetic id, PII and text value is missing",
                                   details={"columns": rows}, notes=notes)
        worst = max(measured, key=lambda r: (r["excess_beyond_noise"], r["excess"]))
        flagged = [r["column"] for r in measured if r["excess_beyond_noise"] > NOTICEABLE]
        details: dict[str, Any] = {
            "columns": rows,
            "worst_column": worst["column"],
            "excess_beyond_noise": worst["excess_beyond_noise"],
            "columns_flagged": flagged,
        }
        return self.result(max(r["excess"] for r in measured), details=details, notes=notes)


def _column_row(column: str, real: pd.Series, synthetic: pd.Series,
                holdout: pd.Series | None) -> dict[str, Any]:
    train = pd.Index(_normalized(real).unique())
    syn = _normalized(synthetic)
    syn_hit = syn.isin(train).to_numpy()
    row: dict[str, Any] = {
        "column": column,
        "n_synthetic": int(syn_hit.size),
        "synthetic_count": int(syn_hit.sum()),
        "synthetic_share": float(syn_hit.mean()) if syn_hit.size else None,
        "distinct_training_values_repeated": int(syn[syn_hit].nunique()),
        "n_holdout": None, "holdout_count": None, "holdout_share": None,
    }
    hold_hit = None
    if holdout is not None:
        hold_hit = _normalized(holdout).isin(train).to_numpy()
        row.update(n_holdout=int(hold_hit.size), holdout_count=int(hold_hit.sum()),
                   holdout_share=float(hold_hit.mean()) if hold_hit.size else None)
    if not syn_hit.size:
        return {**row, "excess": None, "allowance": None, "excess_beyond_noise": None}
    p_syn = float(syn_hit.mean())
    variance = p_syn * (1 - p_syn) / syn_hit.size
    baseline = 0.0
    if hold_hit is not None and hold_hit.size:
        baseline = float(hold_hit.mean())
        variance += baseline * (1 - baseline) / hold_hit.size
    allowance = 2 * math.sqrt(variance)
    excess = p_syn - baseline
    return {**row, "excess": excess, "allowance": allowance,
            "excess_beyond_noise": max(0.0, excess - allowance)}


def _counter(values: pd.Series) -> bool:
    """Whether the values are distinct whole numbers with no gap (1, 2, 3, ...)."""
    numbers = pd.to_numeric(values.dropna(), errors="coerce")
    if numbers.empty or numbers.isna().any():
        return False
    array = numbers.to_numpy(dtype=np.float64)
    if not np.all(np.mod(array, 1) == 0):
        return False
    distinct = np.unique(array)
    return bool(distinct.size == array.size and distinct[-1] - distinct[0] + 1 == distinct.size)


def _normalized(values: pd.Series) -> pd.Series:
    """Present values as stripped, case-folded text; 1.0 reads as 1; blanks dropped."""
    present = values.dropna()
    text = pd.Series([_text(v) for v in present.to_numpy(dtype=object)], dtype=object)
    return text[text != ""].reset_index(drop=True)


def _text(value: Any) -> str:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        value = int(value)
    return str(value).strip().casefold()


def _names(columns: list[str]) -> str:
    return ", ".join(repr(c) for c in columns)
