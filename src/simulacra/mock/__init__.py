"""Data without real data: spec-driven mock tables, PII replacement, a mock REST API.

Mock tables come from a declarative spec (YAML or JSON; see ``example_spec()`` and
``docs/mock.md``)::

    spec = load_spec("spec.yaml")
    data = MockData(spec, seed=7, rows=1000)
    data.rows("customers", 0, 50)           # any row range, deterministic
    write_mock(spec, "out/", format="parquet")

Personal data in a real table is replaced by fake values, keyed pseudonyms or masks
(``replace_pii``; see ``docs/pii.md``).
"""

from importlib import resources

from simulacra.mock._engine import MockData
from simulacra.mock._pii_replace import PIIReplacement, ReplacedColumn, read_key, replace_pii
from simulacra.mock._spec import MockSpec, load_spec
from simulacra.mock._writers import write_mock
from simulacra.mock.serve import TableSource, create_app, run_server

__all__ = [
    "MockData",
    "MockSpec",
    "PIIReplacement",
    "ReplacedColumn",
    "TableSource",
    "create_app",
    "example_spec",
    "load_spec",
    "read_key",
    "replace_pii",
    "run_server",
    "write_mock",
]


def example_spec() -> str:
    """The documented starter spec (``example.yaml``), as text."""
    return resources.files("simulacra.mock").joinpath("example.yaml").read_text(encoding="utf-8")
