"""Fairness before and after subgroup rebalancing, measured by the evaluation's metrics."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from simulacra._random import SeedLike
from simulacra.errors import InvalidParameterError
from simulacra.evaluation import Report, evaluate
from simulacra.rebalancing._classes import find_classes
from simulacra.schema import Schema, Table

_MISSING = "(missing)"


@dataclass(frozen=True)
class ColumnFairness:
    """How a model treats the groups of one sensitive column, before and after.

    ``before`` is a gradient-boosting model trained on the original rows, ``after`` one
    trained on the rebalanced table; both predict the holdout (None without a holdout and a
    target). ``dp`` is the demographic-parity difference (spread over groups of the rate of
    positive predictions), ``eo`` the equalized-odds difference (largest spread of true- or
    false-positive rates). ``representation`` is the evaluation's 1 - total variation
    distance between the group shares of the original and the rebalanced table (1.0: shares
    unchanged; rebalancing toward parity lowers it on purpose).
    """

    column: str
    dp_before: float | None
    dp_after: float | None
    eo_before: float | None
    eo_after: float | None
    representation: float | None


@dataclass(frozen=True, repr=False)
class FairnessComparison:
    """Fairness of the original and the rebalanced table (see :func:`compare_fairness`).

    Parameters
    ----------
    report
        The evaluation (metrics ``representation`` and ``fairness_gap``) of the rebalanced
        table against the original rows, with the holdout.
    shares_before, shares_after
        Each group's share of the rows (groups are combinations of the sensitive columns).
    parity_before, parity_after
        1 - total variation distance between the group shares and the wanted shares (equal
        shares unless others were given): 1.0 is exact parity.
    columns
        Model gaps per sensitive column.
    amplification
        The evaluation's ``fairness_gap``: the after-model's demographic-parity gap divided
        by the before-model's, for the worst column (below 1: rebalancing narrowed the gap).
    """

    report: Report
    shares_before: dict[str, float]
    shares_after: dict[str, float]
    parity_before: float
    parity_after: float
    columns: tuple[ColumnFairness, ...]
    amplification: float | None

    def summary(self) -> str:
        """The numbers before and after, as a few lines of plain text."""
        lines = ["Fairness before and after rebalancing",
                 f"  parity of group shares   {_num(self.parity_before)} -> "
                 f"{_num(self.parity_after)}  (1 = the wanted shares)"]
        width = max((len(g) for g in self.shares_before | self.shares_after), default=5)
        lines.append(f"  {'group':<{width}}  share before -> after")
        for group in dict.fromkeys([*self.shares_before, *self.shares_after]):
            lines.append(f"  {group:<{width}}  {_num(self.shares_before.get(group))} -> "
                         f"{_num(self.shares_after.get(group))}")
        for c in self.columns:
            lines.append(f"  {c.column}: demographic-parity gap {_num(c.dp_before)} -> "
                         f"{_num(c.dp_after)}, equalized-odds gap {_num(c.eo_before)} -> "
                         f"{_num(c.eo_after)}, representation {_num(c.representation)}")
        if self.amplification is not None:
            lines.append(f"  bias amplification (after gap / before gap, worst column) "
                         f"{_num(self.amplification)}  (below 1: the gap narrowed)")
        elif any(c.dp_before is None for c in self.columns):
            lines.append("  model gaps: not measured (they need a target and a holdout)")
        return "\n".join(lines)

    def __repr__(self) -> str:
        gaps = ", ".join(f"dp {c.column} {_num(c.dp_before)} -> {_num(c.dp_after)}"
                         for c in self.columns)
        return (f"FairnessComparison(parity {_num(self.parity_before)} -> "
                f"{_num(self.parity_after)}{', ' + gaps if gaps else ''}, amplification "
                f"{_num(self.amplification)}; .summary() for the table, .report for all)")

    def to_dict(self) -> dict[str, Any]:
        """The numbers as JSON-able values (the full report under ``"report"``)."""
        out = {k: v for k, v in asdict(self).items() if k not in ("report", "columns")}
        out["columns"] = [asdict(c) for c in self.columns]
        out["report"] = self.report.to_dict()
        return out


def compare_fairness(
    rebalanced: pd.DataFrame,
    sensitive: str | Sequence[str],
    *,
    target: str | None = None,
    holdout: pd.DataFrame | None = None,
    marker: str = "synthetic",
    shares: Mapping[Any, float] | None = None,
    schema: Schema | Table | None = None,
    seed: SeedLike = 0,
) -> FairnessComparison:
    """Measure group representation and model fairness before and after rebalancing.

    Parameters
    ----------
    rebalanced
        Output of :func:`rebalance_groups` (or :func:`rebalance`): the rows whose ``marker``
        is False are the original table.
    sensitive
        The sensitive column(s).
    target
        The outcome a model predicts; without it (or without ``holdout``) the model gaps
        are None.
    holdout
        Real rows kept out of rebalancing, which both models predict.
    marker
        The column marking added rows.
    shares
        The shares rebalancing aimed at (parity when None), for ``parity_*``.
    schema
        The original table's schema (inferred when None).
    seed
        Seeds the evaluation.

    Returns
    -------
    FairnessComparison
        The shares, parity and model gaps before and after, and the evaluation report.
    """
    columns = [sensitive] if isinstance(sensitive, str) else list(sensitive)
    if marker not in rebalanced.columns:
        raise InvalidParameterError(
            f"The marker column {marker!r} is not in the rebalanced table; pass the name "
            "that rebalance_groups used (marker=...).")
    added = rebalanced[marker].to_numpy(dtype=bool)
    after = rebalanced.drop(columns=[marker])
    before = after[~added].reset_index(drop=True)
    report = evaluate(before, after, holdout=holdout, schema=schema, target=target,
                      sensitive=columns, metrics=["representation", "fairness_gap"], seed=seed)
    shares_before, shares_after = _shares(before, columns), _shares(after, columns)
    wanted = _wanted(shares_before, shares)
    return FairnessComparison(
        report=report, shares_before=shares_before, shares_after=shares_after,
        parity_before=_parity(shares_before, wanted), parity_after=_parity(shares_after, wanted),
        columns=tuple(_column(report, c) for c in columns),
        amplification=report.value("fairness_gap"))


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _label(value: tuple[Any, ...]) -> str:
    shown = [_MISSING if _missing(v) else str(v) for v in value]
    return shown[0] if len(shown) == 1 else " / ".join(shown)


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _shares(frame: pd.DataFrame, columns: list[str]) -> dict[str, float]:
    groups = find_classes(frame, columns, what="the sensitive column", missing_is_class=True)
    total = float(groups.counts.sum())
    return {_label(v): float(n) / total for v, n in zip(groups.values, groups.counts,
                                                        strict=True)}


def _wanted(before: dict[str, float], shares: Mapping[Any, float] | None) -> dict[str, float]:
    if shares is None:
        return {group: 1.0 / len(before) for group in before}
    given = {_label(k if isinstance(k, tuple) else (k,)): float(v) for k, v in shares.items()}
    total = sum(given.values())
    return {group: given.get(group, 0.0) / total for group in before}


def _parity(shares: dict[str, float], wanted: dict[str, float]) -> float:
    groups = sorted(set(shares) | set(wanted))
    gap = np.abs([shares.get(g, 0.0) - wanted.get(g, 0.0) for g in groups])
    return float(1.0 - 0.5 * gap.sum())


def _column(report: Report, column: str) -> ColumnFairness:
    gap = report.get("fairness_gap")
    entries = gap.details.get("columns", []) if gap is not None and gap.details else []
    entry: dict[str, Any] = next((e for e in entries if e.get("column") == column), {})
    representation = report.get("representation")
    rep_columns = (representation.details.get("columns", [])
                   if representation is not None and representation.details else [])
    rep = next((e for e in rep_columns if e.get("column") == column), None)
    return ColumnFairness(
        column=column, dp_before=entry.get("dp_trtr"), dp_after=entry.get("dp_tstr"),
        eo_before=entry.get("eo_trtr"), eo_after=entry.get("eo_tstr"),
        representation=None if rep is None else 1.0 - float(rep["tvd"]))
