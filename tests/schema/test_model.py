"""The schema model: frozen values, a versioned JSON form, and edits that return new values."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from simulacra.errors import SchemaError
from simulacra.schema import (
    SPEC_VERSION,
    Column,
    ForeignKey,
    Kind,
    PIIType,
    Role,
    Schema,
    Table,
)


def full_schema() -> Schema:
    customers = Table(
        "customers",
        (
            Column("customer_id", Kind.ID, unique=True, dtype="str", id_format="C-{:05d}"),
            Column("email", Kind.PII, pii_type=PIIType.EMAIL, dtype="str"),
            Column("iban", Kind.PII, pii_type=PIIType.IBAN, locale="de_DE", dtype="str"),
            Column(
                "age",
                Kind.NUMERICAL,
                dtype="float64",
                missing_share=0.1,
                integer=True,
                decimals=0,
                minimum=18.0,
                maximum=90.0,
                missing_text=".",
            ),
            Column("segment", Kind.CATEGORICAL, role=Role.SENSITIVE, cardinality=4, dtype="str"),
            Column("churn", Kind.BOOLEAN, role=Role.TARGET, cardinality=2, dtype="bool"),
            Column(
                "joined",
                Kind.DATETIME,
                dtype="str",
                datetime_format="%d.%m.%Y",
                timezone="Europe/Berlin",
            ),
            Column("seen", Kind.DATETIME, dtype="str", datetime_format="%-m/%-d/%Y %-I:%M %p"),
            Column("day", Kind.DATETIME, dtype="int64", datetime_format="%Y%m%d"),
            Column("bio", Kind.TEXT, dtype="str"),
        ),
        primary_key="customer_id",
    )
    orders = Table(
        "orders",
        (
            Column("order_id", Kind.ID, unique=True, dtype="int64", id_format="integer"),
            Column("customer_id", Kind.ID, role=Role.ENTITY_KEY, dtype="str"),
            Column("n", Kind.NUMERICAL, role=Role.SEQUENCE_INDEX, dtype="int64", integer=True),
        ),
        primary_key="order_id",
    )
    fk = ForeignKey("orders", ("customer_id",), "customers", ("customer_id",))
    return Schema((customers, orders), (fk,))


def schema_dict() -> dict[str, Any]:
    return full_schema().to_dict()


# ---- JSON round trip --------------------------------------------------------------------


def test_json_round_trip_keeps_every_field() -> None:
    schema = full_schema()
    text = schema.to_json()
    again = Schema.from_json(text)
    assert again == schema
    assert again.to_json() == text
    assert again.table("customers").column("segment").role is Role.SENSITIVE
    assert again.table("customers").column("iban").pii_type is PIIType.IBAN


def test_json_form_is_versioned_readable_and_leaves_defaults_out() -> None:
    data = json.loads(full_schema().to_json())
    assert data["simulacra_schema"] == SPEC_VERSION
    bio = data["tables"][0]["columns"][-1]
    assert bio == {"name": "bio", "kind": "text", "dtype": "str"}
    assert data["foreign_keys"] == [
        {
            "child_table": "orders",
            "child_columns": ["customer_id"],
            "parent_table": "customers",
            "parent_columns": ["customer_id"],
        }
    ]


def test_read_a_schema_file(tmp_path: Path) -> None:
    path = tmp_path / "schema.json"
    path.write_text(full_schema().to_json(), encoding="utf-8")
    assert Schema.read(path) == full_schema()


# ---- malformed JSON ---------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["", "  ", "a\nb", 3])
def test_a_missing_text_must_be_a_word(bad: Any) -> None:
    with pytest.raises(SchemaError, match=r"'missing_text'.*'\.' or 'NA'"):
        Column("dose", Kind.NUMERICAL, missing_share=0.2, missing_text=bad)


def test_unknown_column_key_is_an_error_that_lists_the_allowed_keys() -> None:
    data = schema_dict()
    data["tables"][0]["columns"][1]["colour"] = "red"
    with pytest.raises(SchemaError, match=r"unknown key\(s\) \['colour'\]") as info:
        Schema.from_dict(data)
    assert "'email'" in str(info.value)
    assert "pii_type" in str(info.value)


def test_unknown_table_and_top_level_keys() -> None:
    data = schema_dict()
    data["tables"][1]["rows"] = 10
    with pytest.raises(SchemaError, match="rows"):
        Schema.from_dict(data)
    data = schema_dict()
    data["extras"] = {}
    with pytest.raises(SchemaError, match="extras"):
        Schema.from_dict(data)


@pytest.mark.parametrize("version", [0, 2, "1"])
def test_version_mismatch(version: object) -> None:
    data = schema_dict()
    data["simulacra_schema"] = version
    with pytest.raises(SchemaError, match="version") as info:
        Schema.from_dict(data)
    assert "schema infer" in str(info.value)


def test_not_a_schema() -> None:
    with pytest.raises(SchemaError, match="not a simulacra schema"):
        Schema.from_dict({"tables": []})
    with pytest.raises(SchemaError, match="not a simulacra schema"):
        Schema.from_json("[1, 2]")


def test_invalid_json_names_the_source_and_position() -> None:
    with pytest.raises(SchemaError, match=r"my\.json is not valid JSON: .* line 2"):
        Schema.from_json('{\n  "simulacra_schema": 1,,\n}', source="my.json")


def test_missing_and_undecodable_schema_files(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="does not exist"):
        Schema.read(tmp_path / "nope.json")
    bad = tmp_path / "latin.json"
    bad.write_bytes('{"name": "café"}'.encode("latin-1"))
    with pytest.raises(SchemaError, match="not UTF-8"):
        Schema.read(bad)


@pytest.mark.parametrize(
    ("column", "message"),
    [
        ({"name": "a", "kind": "number"}, "Kinds: numerical"),
        ({"name": "a", "kind": "numerical", "role": "boss"}, "Roles: feature"),
        ({"name": "a", "kind": "pii"}, "no 'pii_type'"),
        ({"name": "a", "kind": "pii", "pii_type": "dna"}, "PII types: email"),
        ({"name": "a", "kind": "numerical", "missing_share": 1.5}, "missing_share"),
        ({"name": "a"}, "lacks required key"),
    ],
)
def test_invalid_column_values(column: dict[str, Any], message: str) -> None:
    data = {"simulacra_schema": SPEC_VERSION, "tables": [{"name": "t", "columns": [column]}]}
    with pytest.raises(SchemaError, match=message):
        Schema.from_dict(data)


def test_table_level_consistency() -> None:
    with pytest.raises(SchemaError, match="more than once"):
        Table("t", (Column("a", Kind.ID), Column("a", Kind.TEXT)))
    with pytest.raises(SchemaError, match="primary key 'b'"):
        Table("t", (Column("a", Kind.ID),), primary_key="b")
    with pytest.raises(SchemaError, match="at least one table"):
        Schema(())


# ---- user edits -------------------------------------------------------------------------


def test_user_edits_to_the_json_text_are_read_back() -> None:
    data = schema_dict()
    segment = data["tables"][0]["columns"][4]
    segment["kind"] = "text"
    del segment["cardinality"]
    data["tables"][0]["columns"][3]["role"] = "target"
    edited = Schema.from_json(json.dumps(data, indent=4))
    table = edited.table("customers")
    assert table.column("segment").kind is Kind.TEXT
    assert table.column("segment").cardinality is None
    assert table.columns_with_role(Role.TARGET) == ["age", "churn"]


def test_edits_return_new_values_and_leave_the_original_alone() -> None:
    schema = full_schema()
    table = schema.table("customers")
    age = dataclasses.replace(table.column("age"), kind=Kind.CATEGORICAL, cardinality=70)
    new_schema = schema.replace_table(table.replace_column(age))
    assert new_schema.table("customers").column("age").kind is Kind.CATEGORICAL
    assert schema.table("customers").column("age").kind is Kind.NUMERICAL
    assert new_schema.table("orders") is schema.table("orders")
    with pytest.raises(SchemaError, match="no column 'nope'"):
        table.replace_column(Column("nope", Kind.TEXT))


def test_values_are_frozen() -> None:
    column = Column("a", Kind.NUMERICAL)
    with pytest.raises(dataclasses.FrozenInstanceError):
        column.kind = Kind.TEXT  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        full_schema().tables = ()  # type: ignore[misc]


def test_strings_are_coerced_to_enums() -> None:
    column = Column("a", "pii", role="target", pii_type="phone")  # type: ignore[arg-type]
    assert (column.kind, column.role, column.pii_type) == (Kind.PII, Role.TARGET, PIIType.PHONE)


def test_table_lookup_without_a_name_needs_a_single_table() -> None:
    with pytest.raises(SchemaError, match="2 tables"):
        full_schema().table()
    single = Schema.single(full_schema().table("orders"))
    assert single.table().name == "orders"
    with pytest.raises(SchemaError, match="no table 'x'"):
        single.table("x")
