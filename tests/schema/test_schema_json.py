"""A user's schema JSON: every level's wrong types, and the edits that cannot do anything.

QA sweep 13 (D2, D12, D1, D3, D6): each case crashed with a traceback, or was accepted and
did nothing (a constant column, ids left plain, a field of another kind kept silently).
"""

import json
from pathlib import Path
from typing import Any

import pytest

from simulacra import Schema, infer_schema
from simulacra.errors import SchemaError
from simulacra.testing import contract_table


def _spec() -> dict[str, Any]:
    return json.loads(infer_schema(contract_table(60)).to_json())


def _column(spec: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in spec["tables"][0]["columns"] if c["name"] == name)


def _refused(spec: Any, *says: str) -> str:
    with pytest.raises(SchemaError) as info:
        Schema.from_json(json.dumps(spec), source="edited.json")
    message = str(info.value)
    assert message.startswith("edited.json: ")
    for said in says:
        assert said in message, message
    return message


@pytest.mark.parametrize(("where", "entry", "says"), [
    ("column", "extra", "Table 'table': column entry 10 must be an object"),
    ("column", None, "column entry 10 must be an object"),
    ("column", ["age"], "column entry 10 must be an object"),
    ("table", "table", "table 2 must be an object with 'name' and 'columns'"),
    ("table", None, "table 2 must be an object"),
    ("foreign_key", "x", "foreign key 1 must be an object"),
    ("foreign_key", {"child_table": "a", "child_columns": "id", "parent_table": "b",
                     "parent_columns": ["id"]}, "'child_columns' must be a list of column"),
    ("foreign_key", {"child_table": 1, "child_columns": ["id"], "parent_table": "b",
                     "parent_columns": ["id"]}, "'child_table' must be a table name"),
    ("foreign_key", {"child_table": "a", "child_columns": ["id"], "parent_table": "b"},
     "lacks the key(s) ['parent_columns']"),
    ("foreign_key", {"child_table": "a", "child_columns": ["id"], "parent_table": "b",
                     "parent_columns": ["id"], "on": "x"}, "unknown key(s) ['on']"),
])
def test_an_entry_of_the_wrong_json_type_is_refused_naming_its_place(where, entry,
                                                                     says) -> None:
    spec = _spec()
    if where == "column":
        spec["tables"][0]["columns"].append(entry)
    elif where == "table":
        spec["tables"].append(entry)
    else:
        spec["foreign_keys"].append(entry)
    _refused(spec, says)


@pytest.mark.parametrize(("edit", "says"), [
    ({"simulacra_schema": True}, "'simulacra_schema' must be the whole number 1"),
    ({"simulacra_schema": 1.0}, "must be the whole number 1, the spec version. Got 1.0"),
])
def test_the_version_must_be_the_number_1(edit, says) -> None:
    _refused({**_spec(), **edit}, says)


@pytest.mark.parametrize(("edit", "says"), [
    ({"name": 5}, "table 1 needs a 'name' that is text. Got 5"),
    ({"name": None}, "table 1 needs a 'name' that is text"),
    ({"primary_key": 3}, "'primary_key' must be a column name. Got 3"),
])
def test_table_fields_of_the_wrong_type_are_refused(edit, says) -> None:
    spec = _spec()
    spec["tables"][0].update(edit)
    _refused(spec, says)


def test_a_table_without_a_name_is_refused() -> None:
    spec = _spec()
    del spec["tables"][0]["name"]
    _refused(spec, "table 1 needs a 'name'")


@pytest.mark.parametrize(("field", "value", "says"), [
    ("share", "high", "'share' must be a number from 0 to 1, not 'high'"),
    ("share", 7.0, "'share' must be a number from 0 to 1, not 7.0"),
    ("reason", 5, "'reason' must be text, not 5"),
    ("discovered", "no", "'discovered' must be true or false, not 'no'"),
])
def test_rule_information_of_the_wrong_type_is_refused(field, value, says) -> None:
    spec = _spec()
    spec["tables"][0]["constraints"] = [{"kind": "inequality", "low": "age",
                                         "high": "income", field: value}]
    _refused(spec, "constraint 1 (inequality)", says)


def test_a_determinant_outside_the_rules_columns_is_refused() -> None:
    spec = _spec()
    spec["tables"][0]["constraints"] = [{"kind": "fixed_combinations",
                                         "columns": ["segment", "active"],
                                         "determinant": ["age"], "dependent": "active"}]
    _refused(spec, "constraint 1 (fixed_combinations)", "'determinant' and 'dependent' must "
             "be among the rule's 'columns'", "['age']")


def test_a_key_given_twice_is_refused_naming_it() -> None:
    text = infer_schema(contract_table(60)).to_json().replace(
        '"minimum": 18.0', '"minimum": 18.0, "minimum": 50.0')
    with pytest.raises(SchemaError, match=r"the key 'minimum' is given twice in the object "
                                          r"named 'age' \(18.0, then 50.0\)"):
        Schema.from_json(text, source="edited.json")


def test_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    schema = infer_schema(contract_table(60))
    path = tmp_path / "bom.json"
    path.write_text(schema.to_json(), encoding="utf-8-sig")  # as Notepad and PowerShell
    assert Schema.read(path) == schema


def test_a_folder_is_named_as_the_schema_not_an_output(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match=r"is a folder\. Give the schema JSON file"):
        Schema.read(tmp_path)


@pytest.mark.parametrize(("name", "edit", "says"), [
    ("age", {"kind": "text"}, "kind 'text' generates sentences, but 'dtype' 'int64' holds "
     "numbers. Set \"dtype\": \"str\""),
    ("income", {"kind": "text"}, "'float64' holds numbers"),
    ("active", {"kind": "text"}, "'bool' holds true/false"),
    ("customer_id", {"id_format": "C-{:05d}"}, "'id_format' 'C-{:05d}' writes ids as text, "
     "but 'dtype' 'int64' holds numbers"),
    ("customer_id", {"id_format": "uuid"}, "'id_format' 'uuid' writes ids as text"),
    ("age", {"kind": "pii", "pii_type": "email"}, "'pii_type' 'email' generates text, but "
     "'dtype' 'int64' holds numbers. Set \"dtype\": \"str\" (only credit_card, national_id, "
     "phone may be numbers)"),
])
def test_a_kind_the_dtype_cannot_hold_is_refused(name, edit, says) -> None:
    spec = _spec()
    column = _column(spec, name)
    if "kind" in edit:  # the fields of the old kind removed, as the user is told to
        for key in ("integer", "decimals", "minimum", "maximum", "cardinality"):
            column.pop(key, None)
    column.update(edit)
    message = _refused(spec, f"Column {name!r}", says)
    assert "does nothing" not in message


def test_numbers_stay_allowed_where_they_can_be_the_values() -> None:
    spec = _spec()
    phone = _column(spec, "age")
    for key in ("integer", "decimals", "minimum", "maximum"):
        del phone[key]
    phone.update(kind="pii", pii_type="phone")  # phones held as integers
    _column(spec, "income")["kind"] = "text"
    _column(spec, "income")["dtype"] = "str"
    for key in ("integer", "decimals", "minimum", "maximum"):
        del _column(spec, "income")[key]
    assert Schema.from_json(json.dumps(spec)).table().column("age").pii_type == "phone"


@pytest.mark.parametrize(("name", "edit", "says"), [
    ("age", {"locale": "de_DE"}, "'locale' does nothing on a numerical column ('locale' is "
     "for pii and text columns). Remove it."),
    ("segment", {"pii_type": "email"}, "'pii_type' does nothing on a categorical column"),
    ("age", {"datetime_format": "%Y"}, "'datetime_format' does nothing on a numerical"),
    ("segment", {"minimum": 1.0, "maximum": 2.0}, "'minimum', 'maximum' do nothing on a "
     "categorical column ('minimum', 'maximum' are for numerical columns). Remove them."),
    ("age", {"kind": "categorical"}, "'integer', 'decimals', 'minimum', 'maximum' do "
     "nothing on a categorical column"),
    ("signup_day", {"kind": "categorical"}, "'datetime_format' does nothing on a categorical"),
    ("email", {"cardinality": 3}, "'cardinality' does nothing on a pii column"),
    ("customer_id", {"kind": "numerical"}, "'id_format' does nothing on a numerical column"),
])
def test_a_field_of_another_kind_is_refused_in_a_schema_file(name, edit, says) -> None:
    spec = _spec()
    _column(spec, name).update(edit)
    _refused(spec, f"Column {name!r}", says)


def test_a_saved_models_schema_with_such_fields_still_loads() -> None:
    # models are read with from_dict, as written: one saved before these checks must load
    spec = _spec()
    _column(spec, "age").update(locale="de_DE", kind="categorical")
    _column(spec, "customer_id").update(id_format="uuid")
    assert Schema.from_dict(spec).table().column("age").locale == "de_DE"


def test_every_inferred_schema_reads_back_unchanged() -> None:
    for n in (2, 60, 300):
        text = infer_schema(contract_table(n, seed=n)).to_json()
        assert Schema.from_json(text).to_json() == text
