"""A user's edits to the inferred schema win over inference, end to end."""

import dataclasses
import json

import pytest

from simulacra import Kind, PIIType, Schema, infer_schema, make_synthesizer
from simulacra.errors import DataValidationError, FitWarning
from simulacra.testing import contract_table


def test_edited_kinds_and_bounds_are_used() -> None:
    data = contract_table(200)
    spec = json.loads(infer_schema(data).to_json())
    for col in spec["tables"][0]["columns"]:
        if col["name"] == "age":  # a number the user wants treated as a category
            col.update(kind="categorical")
            for key in ("integer", "decimals", "minimum", "maximum"):
                col.pop(key, None)
        if col["name"] == "income":  # a tighter range than the data shows
            col["maximum"] = 40_000.0
        if col["name"] == "segment":  # declared personal data: regenerated, never learned
            col.update(kind="pii", pii_type="first_name")
    schema = Schema.from_json(json.dumps(spec))
    with pytest.warns(FitWarning, match=r"'income': \d+ real value\(s\) lie outside"):
        syn = make_synthesizer("cart", seed=0).fit(data, schema)
    assert syn.table_.column("age").kind is Kind.CATEGORICAL
    out = syn.sample(2000, seed=1)
    assert set(out["age"]) <= set(data["age"])
    assert out["income"].max() <= 40_000.0
    assert not set(out["segment"]) & set(data["segment"])
    assert syn.table_.column("segment").pii_type is PIIType.FIRST_NAME


def test_a_schema_that_contradicts_the_data_is_refused() -> None:
    data = contract_table(100)
    table = infer_schema(data).table()
    wrong = table.replace_column(dataclasses.replace(table.column("segment"),
                                                     kind=Kind.NUMERICAL))
    with pytest.raises(DataValidationError, match="segment"):
        make_synthesizer("copula").fit(data, Schema.single(wrong))
