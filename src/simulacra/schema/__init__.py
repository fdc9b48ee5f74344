"""Schema: what the columns of a table are, inferred from data and editable as JSON."""

from simulacra.schema._model import SPEC_VERSION, Column, ForeignKey, Kind, PIIType, Role, Schema, Table

__all__ = ["SPEC_VERSION", "Column", "ForeignKey", "Kind", "PIIType", "Role", "Schema", "Table"]
