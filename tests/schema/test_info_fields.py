"""Edited information fields (missing_share, cardinality) are told, not silently ignored.

QA sweep 13, D7: ``"missing_share": 0`` on a column with 9% missing, or ``"cardinality": 2``
on four levels, changed nothing and said nothing.
"""

import dataclasses
import warnings

import pytest

from simulacra import infer_schema
from simulacra.errors import FitWarning
from simulacra.schema import warn_information_edits
from simulacra.testing import contract_table


@pytest.mark.parametrize(("name", "edit", "says"), [
    ("income", {"missing_share": 0.0}, r"'missing_share' is 0 in the schema, but 0\.\d+ of "
     r"the data's values are missing\. It is information, not a setting"),
    ("age", {"missing_share": 0.5}, r"'missing_share' is 0.5 in the schema, but 0 of"),
    ("segment", {"cardinality": 2}, r"'cardinality' is 2 in the schema, but the data hold 4 "
     r"distinct values"),
    ("active", {"cardinality": 3}, r"'cardinality' is 3 in the schema, but the data hold 2"),
])
def test_an_edited_information_field_is_told(name, edit, says) -> None:
    data = contract_table(300)
    table = infer_schema(data).table()
    table = table.replace_column(dataclasses.replace(table.column(name), **edit))
    with pytest.warns(FitWarning, match=rf"Table 'table', column '{name}': {says}"):
        warn_information_edits(data, table)


@pytest.mark.parametrize("rows", [20, 300])
def test_a_schema_inferred_from_all_rows_is_quiet_on_a_part(rows) -> None:
    data = contract_table(1000)
    table = infer_schema(data).table()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_information_edits(data.sample(rows, random_state=1), table)
        warn_information_edits(data, table)
