"""Business rules that every synthetic row obeys.

Declare them in a schema's JSON (``"constraints": [{"kind": "inequality", "low": "start",
"high": "end"}]``) or in Python (``fit(df, constraints=[Inequality("start", "end")])``).
Rules that can be built into the model's table are (no rows wasted); every sampled row is
checked, and rows that break a rule are drawn again.
"""

from simulacra.constraints._base import Constraint
from simulacra.constraints._reshape import FixedCombinations, Formula, OneHot
from simulacra.constraints._rules import (
    Inequality,
    Negative,
    Positive,
    Predicate,
    Range,
    SchemaBounds,
    Unique,
)
from simulacra.constraints._set import (
    KINDS,
    NAMED_RULE,
    ConstraintSet,
    Violation,
    check_rules,
    declared_unique,
    from_dict,
)

__all__ = [
    "KINDS",
    "NAMED_RULE",
    "Constraint",
    "ConstraintSet",
    "FixedCombinations",
    "Formula",
    "Inequality",
    "Negative",
    "OneHot",
    "Positive",
    "Predicate",
    "Range",
    "SchemaBounds",
    "Unique",
    "Violation",
    "check_rules",
    "declared_unique",
    "from_dict",
]
