"""What a metric is and what it returns.

A metric is a small class: a name, a family, a goal, a plain-language description, and
``measure(context) -> MetricResult``. The context (:class:`EvalContext`) holds the prepared
frames and caches shared work (encodings, contingency tables, neighbour distances), so
metrics that look at the same thing do not recompute it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from simulacra._plugins import Registry

if TYPE_CHECKING:
    from simulacra.evaluation._context import EvalContext


#: The ``MetricResult.details`` key saying why a metric that ran has no value (too few
#: groups to compare, a real-trained model no better than a constant guess).
NOT_MEASURED = "not_measured"


class Family(StrEnum):
    """What a metric is evidence of."""

    FIDELITY = "fidelity"
    UTILITY = "utility"
    PRIVACY = "privacy"
    FAIRNESS = "fairness"


class Goal(StrEnum):
    """Which way is better."""

    MAXIMIZE = "maximize"
    MINIMIZE = "minimize"
    #: closest to ``MetricResult.ideal`` is best (detection AUC 0.5, DCR share 0.5)
    TARGET = "target"


@dataclass(frozen=True)
class MetricResult:
    """One measured number, with what it means and the detail behind it.

    Parameters
    ----------
    name
        The metric's registered name.
    family
        Fidelity, utility, privacy or fairness.
    goal
        Which direction is better.
    value
        The headline number; ``None`` when the metric could not be computed (see ``skipped``).
    description
        What it measures, in plain language, for the report.
    ideal
        The best possible value (1.0 for similarities, 0.5 for detection AUC, ...).
    details
        JSON-able detail: per-column or per-pair tables (lists of dicts), plot data.
    notes
        Subsampling or caveats that qualify the number.
    skipped
        Why the metric was not computed (missing holdout, no target, ...), else empty.
    seconds
        Time it took.
    """

    name: str
    family: Family
    goal: Goal
    value: float | None
    description: str
    ideal: float | None = None
    details: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    skipped: str = ""
    seconds: float = 0.0

    def __repr__(self) -> str:
        """One line (the dataclass's showed every detail: 14.5 kB)."""
        shown = f"{self.value:.4f}" if self.value is not None else f"skipped: {self.skipped!r}"
        return f"MetricResult({self.name}={shown}, {self.family.value}; .details, .notes)"

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "name": self.name,
            "family": str(self.family),
            "goal": str(self.goal),
            "value": clean_number(self.value),
            "ideal": self.ideal,
            "description": self.description,
            "details": jsonable(self.details),
            "notes": list(self.notes),
            "skipped": self.skipped,
            "seconds": round(self.seconds, 4),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MetricResult:
        """Rebuild a result from :meth:`to_dict`'s output."""
        return cls(
            name=data["name"], family=Family(data["family"]), goal=Goal(data["goal"]),
            value=data["value"], description=data["description"], ideal=data.get("ideal"),
            details=data.get("details", {}), notes=tuple(data.get("notes", ())),
            skipped=data.get("skipped", ""), seconds=data.get("seconds", 0.0),
        )


class Metric:
    """Base of every metric: subclasses set the class attributes and implement ``measure``.

    ``requires`` names what the metric needs beyond real and synthetic data: any of
    ``"holdout"``, ``"target"``, ``"sensitive"``, ``"quasi_identifiers"``. When one is absent
    the metric is reported as skipped with the reason, not silently dropped.
    """

    name: ClassVar[str]
    family: ClassVar[Family]
    goal: ClassVar[Goal]
    ideal: ClassVar[float | None] = 1.0
    description: ClassVar[str]
    requires: ClassVar[tuple[str, ...]] = ()

    def measure(self, ctx: EvalContext) -> MetricResult:
        """Compute the metric on a prepared context."""
        raise NotImplementedError

    def steps(self, ctx: EvalContext) -> int:
        """The steps of :meth:`measure` its progress task counts, 1 unless overridden.

        A metric that overrides it passes that many items (a column, a pair) through
        ``ctx.stepped``.
        """
        return 1

    def result(self, value: float | None, *, details: dict[str, Any] | None = None,
               notes: tuple[str, ...] | list[str] = ()) -> MetricResult:
        """A result of this metric."""
        return MetricResult(self.name, self.family, self.goal, clean_number(value),
                            self.description, self.ideal, details or {}, tuple(notes))

    def unmeasured(self, reason: str, *, details: dict[str, Any] | None = None,
                   notes: tuple[str, ...] | list[str] = ()) -> MetricResult:
        """A result without a value although the metric ran; ``reason`` says why."""
        return self.result(None, details={**(details or {}), NOT_MEASURED: reason},
                           notes=notes)

    def skip(self, reason: str) -> MetricResult:
        """A result saying why this metric was not computed."""
        return MetricResult(self.name, self.family, self.goal, None, self.description,
                            self.ideal, skipped=reason)


METRICS: Registry[Metric] = Registry("metric")


def clean_number(value: Any) -> float | None:
    """A float for JSON (NaN and infinities become None)."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def jsonable(value: Any) -> Any:
    """Recursively turn numpy scalars/arrays and tuples into JSON-able values."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [jsonable(v) for v in value.tolist()]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return clean_number(value)
    return value
