"""Evaluate synthetic data: fidelity, utility, privacy and fairness, for any generator.

This package never imports :mod:`simulacra.synth`: it sees only data frames and a schema.
"""

from simulacra.evaluation import _builtin  # noqa: F401  (registers the built-in metrics)
from simulacra.evaluation._context import EvalContext, Limits, prepare
from simulacra.evaluation._evaluate import evaluate, holdout_split, metric_names
from simulacra.evaluation._metric import METRICS, Family, Goal, Metric, MetricResult
from simulacra.evaluation._report import CHECKS, Check, FamilyVerdict, Report

__all__ = [
    "CHECKS",
    "METRICS",
    "Check",
    "EvalContext",
    "Family",
    "FamilyVerdict",
    "Goal",
    "Limits",
    "Metric",
    "MetricResult",
    "Report",
    "evaluate",
    "holdout_split",
    "metric_names",
    "prepare",
]
