"""Schema: what the columns of a table are, inferred from data and editable as JSON."""

from simulacra.schema._check import check_data
from simulacra.schema._discover import discover_constraints
from simulacra.schema._infer import infer_schema
from simulacra.schema._info_fields import warn_information_edits
from simulacra.schema._model import (
    SPEC_VERSION,
    Column,
    ForeignKey,
    Kind,
    PIIType,
    Role,
    Schema,
    Table,
)
from simulacra.schema._relations import check_keys, infer_relations, propose_relations

__all__ = [
    "SPEC_VERSION",
    "Column",
    "ForeignKey",
    "Kind",
    "PIIType",
    "Role",
    "Schema",
    "Table",
    "check_data",
    "check_keys",
    "discover_constraints",
    "infer_relations",
    "infer_schema",
    "propose_relations",
    "warn_information_edits",
]
