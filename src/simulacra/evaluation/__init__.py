"""Evaluate synthetic data: fidelity, utility, privacy and fairness, for any generator.

This package never imports :mod:`simulacra.synth`: it sees only data frames and a schema.
"""

from typing import TYPE_CHECKING

from simulacra.evaluation import _builtin  # noqa: F401  (registers the built-in metrics)
from simulacra.evaluation._context import EvalContext, Limits, prepare
from simulacra.evaluation._database_report import DatabaseReport, RelationshipReport
from simulacra.evaluation._evaluate import evaluate, holdout_split, metric_names
from simulacra.evaluation._metric import (
    METRICS,
    NOT_MEASURED,
    Family,
    Goal,
    Metric,
    MetricResult,
)
from simulacra.evaluation._report import CHECKS, Check, FamilyVerdict, Report, missing_reason

if TYPE_CHECKING:
    from simulacra.evaluation._database import evaluate_database

__all__ = [
    "CHECKS",
    "METRICS",
    "NOT_MEASURED",
    "Check",
    "DatabaseReport",
    "EvalContext",
    "Family",
    "FamilyVerdict",
    "Goal",
    "Limits",
    "Metric",
    "MetricResult",
    "RelationshipReport",
    "Report",
    "evaluate",
    "evaluate_database",
    "holdout_split",
    "metric_names",
    "missing_reason",
    "prepare",
]


def __getattr__(name: str) -> object:
    # The database metrics pull in scikit-learn and scipy.stats: loaded on first use.
    if name == "evaluate_database":
        from simulacra.evaluation._database import evaluate_database

        return evaluate_database
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
