"""Declared hyperparameter constraints, checked at ``fit`` with one phrasing everywhere."""

from __future__ import annotations

import math
import numbers
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from simulacra.errors import InvalidParameterError


class Check(Protocol):
    """A predicate on a parameter value with a description for the error message."""

    def accepts(self, value: Any) -> bool: ...

    def describe(self) -> str: ...


@dataclass(frozen=True)
class Interval:
    """A number of ``kind`` (int or float) in ``[low, high]`` (None = unbounded)."""

    kind: type
    low: float | None = None
    high: float | None = None
    allow_none: bool = False

    def accepts(self, value: Any) -> bool:
        if value is None:
            return self.allow_none
        if isinstance(value, bool):
            return False
        # numpy's integers and floats too (np.arange seed loops, grids over numpy arrays)
        ok_type = isinstance(value, numbers.Integral if self.kind is int else numbers.Real)
        if not ok_type or (isinstance(value, float) and not math.isfinite(value)):
            return False
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

    def describe(self) -> str:
        low = "-inf" if self.low is None else repr(self.low)
        high = "inf" if self.high is None else repr(self.high)
        text = f"{'an int' if self.kind is int else 'a number'} in the range [{low}, {high}]"
        return text + (" or None" if self.allow_none else "")


@dataclass(frozen=True)
class Options:
    """One of a fixed set of values."""

    choices: Collection[Any]

    def accepts(self, value: Any) -> bool:
        return value in self.choices

    def describe(self) -> str:
        return "one of " + ", ".join(repr(c) for c in self.choices)


@dataclass(frozen=True)
class Either:
    """Accepted when any of ``checks`` accepts it."""

    checks: tuple[Check, ...]

    def accepts(self, value: Any) -> bool:
        return any(check.accepts(value) for check in self.checks)

    def describe(self) -> str:
        return " or ".join(check.describe() for check in self.checks)


def validate_params(owner: object, checks: Mapping[str, Check]) -> None:
    """Raise ``InvalidParameterError`` for the first parameter that fails its check."""
    for name, check in checks.items():
        value = getattr(owner, name)
        if not check.accepts(value):
            raise InvalidParameterError(
                f"The {name!r} parameter of {type(owner).__name__} must be {check.describe()}. "
                f"Got {value!r} instead."
            )
        plain = as_plain_number(value)
        if plain is not value:
            setattr(owner, name, plain)  # a numpy number becomes int or float (JSON manifests)


def as_plain_number(value: Any) -> Any:
    """``value`` as a Python int or float when it is a numpy integer or float, else as is."""
    if isinstance(value, (bool, int, float)) or not isinstance(value, numbers.Real):
        return value
    return int(value) if isinstance(value, numbers.Integral) else float(value)
