"""Every error and warning simulacra raises.

The tree::

    SimulacraError
    ├── InvalidParameterError   (ValueError)      a hyperparameter or argument is out of range
    ├── SchemaError             (ValueError)      a schema is malformed or does not fit the data
    │   └── SpecError                             a mock-data spec is malformed (names line, field)
    ├── DataValidationError     (ValueError)      the data has problems; ``.issues`` lists them all
    ├── DataReadError           (ValueError)      a file cannot be read (missing, encoding, format)
    ├── NotFittedError          (AttributeError)  ``sample``/``save`` before ``fit``
    ├── SamplingError           (RuntimeError)    sampling cannot deliver what was asked
    ├── ArtifactError           (ValueError)      a model file is not ours, corrupt, or too new
    └── MissingDependencyError  (ImportError)     an optional extra is not installed

    SimulacraWarning (UserWarning)
    ├── FitWarning              something in the data was handled in a way worth knowing
    ├── ImputeWarning           rows given to ``impute`` were filled with a rule unchecked
    └── PrivacyWarning          something may expose real records

Messages follow one template: what is wrong, where, what was got, how to fix it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = [
    "ArtifactError",
    "DataReadError",
    "DataValidationError",
    "FitWarning",
    "ImputeWarning",
    "InvalidParameterError",
    "Issue",
    "MissingDependencyError",
    "NotFittedError",
    "PrivacyWarning",
    "SamplingError",
    "SchemaError",
    "SimulacraError",
    "SimulacraWarning",
    "SpecError",
]


class SimulacraError(Exception):
    """Root of every error raised by simulacra."""


class InvalidParameterError(SimulacraError, ValueError):
    """A hyperparameter or argument has a value outside what is allowed."""


class SchemaError(SimulacraError, ValueError):
    """A schema is malformed, from an unknown version, or does not match the data."""


class SpecError(SchemaError):
    """A mock-data spec (YAML or JSON) is malformed: the message names the file, line and field."""


class DataReadError(SimulacraError, ValueError):
    """A data file does not exist, cannot be decoded, or is not a supported format."""


class NotFittedError(SimulacraError, AttributeError):
    """A synthesizer was used before ``fit``."""


class SamplingError(SimulacraError, RuntimeError):
    """Sampling cannot return what was asked for."""


class ArtifactError(SimulacraError, ValueError):
    """A saved model cannot be loaded: not ours, corrupt, or from another format version."""


class MissingDependencyError(SimulacraError, ImportError):
    """An optional dependency is not installed; the message names the extra to install."""


@dataclass(frozen=True)
class Issue:
    """One problem found in the data.

    Parameters
    ----------
    message
        What is wrong, in one sentence.
    column
        The column it is in, if any.
    rows
        Up to a few (0-based) row positions that show it.
    n_rows
        How many rows have it (0 when it concerns the whole column or table).
    fix
        How to fix it.
    table
        The table it is in, if the data has several or a name.
    """

    message: str
    column: str | None = None
    rows: tuple[int, ...] = ()
    n_rows: int = 0
    fix: str = ""
    table: str | None = None

    def __str__(self) -> str:
        where = []
        if self.table:
            where.append(f"table {self.table!r}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows)
            more = f" ({self.n_rows} rows in all)" if self.n_rows > len(self.rows) else ""
            where.append(f"row{'s' if len(self.rows) > 1 else ''} {shown}{more}")
        prefix = ", ".join(where)
        text = f"{prefix}: {self.message}" if prefix else self.message
        return f"{text} Fix: {self.fix}" if self.fix else text


@dataclass
class DataValidationError(SimulacraError, ValueError):
    """The data has one or more problems; all of them are listed in ``issues``."""

    issues: Sequence[Issue] = field(default_factory=tuple)
    source: str | None = None

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f" in {self.source}" if self.source else ""
        n = len(self.issues)
        head = f"Found {n} problem{'s' if n != 1 else ''} in the data{where}"
        if any(issue.rows for issue in self.issues):
            head += (" (rows are positions counted from 0: in a file, row 0 is the line after"
                     " the header)")
        head += ":"
        return "\n".join([head, *(f"  - {issue}" for issue in self.issues)])

    @classmethod
    def of(cls, issues: Iterable[Issue], source: str | None = None) -> DataValidationError:
        """Build the error from an iterable of issues."""
        return cls(tuple(issues), source)


class SimulacraWarning(UserWarning):
    """Root of simulacra's warnings."""


class FitWarning(SimulacraWarning):
    """Something in the training data was handled in a way the user should know about."""


class ImputeWarning(SimulacraWarning):
    """Rows given to ``impute`` break a rule by their given cells alone; it was not checked."""


class PrivacyWarning(SimulacraWarning):
    """Something may expose real records."""
