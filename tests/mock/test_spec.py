"""Loading and validating mock specs: every problem names file, line and field path."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from simulacra.errors import DataReadError, SpecError
from simulacra.mock import MockData, MockSpec, example_spec, load_spec, write_mock

GOOD = """\
version: 1
seed: 3
tables:
  customers:
    rows: 10
    primary_key: id
    columns:
      id: {sequence: {start: 1}}
      age: {normal: {mean: 40, std: 12}}
"""


def _error(tmp_path: Path, text: str, name: str = "spec.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_spec(path)
    return str(info.value)


def _line_of(text: str, needle: str) -> int:
    for i, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return i
    raise AssertionError(needle)


def test_good_spec_loads_with_defaults(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(GOOD)
    spec = load_spec(tmp_path / "s.yaml")
    assert isinstance(spec, MockSpec)
    assert spec.table_names == ["customers"]
    assert spec.seed == 3 and spec.locale == "en_US"
    table = spec.table("customers")
    assert table.rows == 10 and table.primary_key == "id" and table.is_root
    assert [c.generator for c in table.columns] == ["sequence", "normal"]


def test_mapping_source_is_accepted() -> None:
    spec = load_spec({"tables": {"t": {"columns": {"x": {"uniform": {"low": 0, "high": 1}}}}}})
    assert spec.table_names == ["t"] and spec.table("t").rows == 100


def test_mock_data_and_write_mock_take_what_load_spec_reads(tmp_path: Path) -> None:
    # a mapping gave AttributeError: 'dict' object has no attribute 'table_names'
    source = {"seed": 1, "tables": {"t": {"rows": 5, "columns": {
        "x": {"uniform": {"low": 0, "high": 1}}}}}}
    assert len(MockData(source).rows("t", 0, 5)) == 5
    assert write_mock(source, tmp_path / "out", format="csv") == {"t": 5}
    (tmp_path / "s.yaml").write_text(GOOD)
    assert len(MockData(tmp_path / "s.yaml").rows("customers", 0, 10)) == 10


def test_unknown_distribution_names_line_field_and_choices(tmp_path: Path) -> None:
    text = GOOD.replace("normal: {mean", "gauss: {mean")
    msg = _error(tmp_path, text)
    line = _line_of(text, "gauss")
    assert f"spec.yaml, line {line} (tables.customers.columns.age.gauss)" in msg
    assert "unknown generator 'gauss'" in msg and "normal, lognormal, uniform, poisson" in msg


def test_min_above_max_names_line_and_field(tmp_path: Path) -> None:
    # the check read the wrong keys and never fired: the schema's own message came at
    # generation, without file or line, saying to take a bound "from the data"
    text = GOOD.replace("std: 12}}", "std: 12}, min: 90, max: 18}")
    msg = _error(tmp_path, text)
    assert f"line {_line_of(text, 'min: 90')} (tables.customers.columns.age.min)" in msg
    assert "min 90.0 is above max 18.0" in msg and "from the data" not in msg


def test_unknown_key_has_did_you_mean(tmp_path: Path) -> None:
    text = GOOD.replace("std: 12}}", "std: 12}, nul_share: 0.1}")
    msg = _error(tmp_path, text)
    assert f"line {_line_of(text, 'nul_share')} (tables.customers.columns.age.nul_share)" in msg
    assert "Did you mean 'null_share'?" in msg


def test_unknown_parameter_of_distribution(tmp_path: Path) -> None:
    msg = _error(tmp_path, GOOD.replace("std: 12", "sd: 12"))
    assert "columns.age.normal.sd" in msg and "Did you mean 'std'?" in msg
    assert "lacks its parameter 'std'" in msg


def test_wrong_types_are_reported(tmp_path: Path) -> None:
    text = GOOD.replace("rows: 10", "rows: many").replace("std: 12", "std: wide")
    msg = _error(tmp_path, text)
    assert f"line {_line_of(text, 'rows: many')} (tables.customers.rows)" in msg
    assert f"line {_line_of(text, 'wide')} (tables.customers.columns.age.normal.std)" in msg
    assert "2 problems" in msg  # all collected in one error


def test_formula_naming_unknown_column(tmp_path: Path) -> None:
    text = GOOD + "      limit: {formula: 'age * incme'}\n"
    msg = _error(tmp_path, text)
    assert f"line {_line_of(text, 'incme')} (tables.customers.columns.limit.formula)" in msg
    assert "unknown column 'incme'" in msg and "id, age" in msg


def test_formula_with_disallowed_syntax(tmp_path: Path) -> None:
    msg = _error(tmp_path, GOOD + "      x: {formula: '__import__(\"os\").getcwd()'}\n")
    assert "columns.x.formula" in msg and "not one of the functions" in msg
    msg = _error(tmp_path, GOOD + "      y: {formula: 'age.real + 1'}\n")
    assert "columns.y.formula" in msg and "Attribute, which is not allowed" in msg


CHILD = """\
  orders:
    foreign_keys:
      - {column: customer_id, references: %s, per_parent: {poisson: {lam: 2}}}
    columns:
      amount: {uniform: {low: 1, high: 9}}
"""


def test_foreign_key_to_unknown_table(tmp_path: Path) -> None:
    text = GOOD + CHILD % "custmers.id"
    msg = _error(tmp_path, text)
    assert f"line {_line_of(text, 'custmers')} (tables.orders.foreign_keys[0].references)" in msg
    assert "unknown table 'custmers'" in msg and "Did you mean 'customers'?" in msg


def test_foreign_key_to_unknown_or_non_key_column(tmp_path: Path) -> None:
    msg = _error(tmp_path, GOOD + CHILD % "customers.ident")
    assert "has no column 'ident'" in msg and "foreign_keys[0].references" in msg
    msg = _error(tmp_path, GOOD + CHILD % "customers.age")
    assert "neither the primary key nor a unique column" in msg


def test_first_foreign_key_needs_per_parent(tmp_path: Path) -> None:
    text = GOOD + CHILD % "customers.id"
    msg = _error(tmp_path, text.replace(", per_parent: {poisson: {lam: 2}}", ""))
    assert "needs per_parent" in msg and "tables.orders.foreign_keys[0]" in msg


def test_column_cycle_is_refused(tmp_path: Path) -> None:
    text = GOOD + "      a: {formula: 'b + 1'}\n      b: {formula: 'a * 2'}\n"
    msg = _error(tmp_path, text)
    assert "cycle" in msg and re.search(r"a -> b -> a|b -> a -> b", msg)
    assert "line" in msg and "tables.customers.columns." in msg


def test_table_cycle_is_refused() -> None:
    fk = {"column": "p", "references": "", "per_parent": 1}
    spec = {"tables": {
        "a": {"primary_key": "id", "columns": {"id": {"sequence": True}},
              "foreign_keys": [{**fk, "references": "b.id"}]},
        "b": {"primary_key": "id", "columns": {"id": {"sequence": True}},
              "foreign_keys": [{**fk, "references": "a.id"}]},
    }}
    with pytest.raises(SpecError, match="foreign keys form a cycle"):
        load_spec(spec)


@pytest.mark.parametrize(("column", "expected"), [
    ("{choice: [a, b, c], unique: true}", "can take 3 distinct values, fewer than the table's 10"),
    ("{normal: {mean: 0, std: 1}, unique: true}", "unique cannot be honoured by a normal"),
    ("{faker: job, unique: true}", "drawn from a pool"),
    ("{regex: '[a-z]+', unique: true}", "fixed length"),
    ("{regex: '[0-5]', unique: true}", "can take 6 distinct values"),
])
def test_impossible_unique_is_a_spec_error(tmp_path: Path, column: str, expected: str) -> None:
    text = GOOD + f"      u: {column}\n"
    msg = _error(tmp_path, text)
    assert expected in msg and "tables.customers.columns.u" in msg
    assert f"line {_line_of(text, '      u:')}" in msg


def test_primary_key_must_be_unique_and_known(tmp_path: Path) -> None:
    msg = _error(tmp_path, GOOD.replace("primary_key: id", "primary_key: age"))
    assert "primary key 'age' is a normal column" in msg
    msg = _error(tmp_path, GOOD.replace("primary_key: id", "primary_key: idd"))
    assert "'idd' is not a column" in msg and "Did you mean 'id'?" in msg


def test_bad_yaml_syntax_names_line(tmp_path: Path) -> None:
    text = GOOD.replace("age: {normal: {mean: 40, std: 12}}", "age: {normal: {mean: 40, std: 12}")
    msg = _error(tmp_path, text)
    assert "spec.yaml, line" in msg and "not valid YAML" in msg



def test_a_date_that_does_not_exist_names_its_line(tmp_path: Path) -> None:
    # PyYAML builds 2020-13-01 as a date and raised ValueError: a traceback from the CLI
    text = GOOD + "      joined: {date: {start: 2020-13-01, end: 2021-01-01}}\n"
    msg = _error(tmp_path, text)
    assert f"spec.yaml, line {_line_of(text, '2020-13-01')}: a value cannot be read" in msg
    assert "month must be in 1..12" in msg


def test_distribution_parameters_must_be_finite(tmp_path: Path) -> None:
    # an infinite bound reached numpy, which raised OverflowError while writing
    text = GOOD.replace("mean: 40", "mean: .nan") + (
        "      score: {uniform: {low: 0, high: .inf}}\n"
        "      wide: {uniform: {low: -1.0e+308, high: 1.0e+308}}\n"
        "      capped: {normal: {mean: 0, std: 1}, max: .nan}\n")
    msg = _error(tmp_path, text)
    assert "4 problems" in msg
    assert "(tables.customers.columns.age.normal.mean): mean must be a finite number" in msg
    assert "(tables.customers.columns.score.uniform.high): high must be a finite number" in msg
    assert "(tables.customers.columns.wide.uniform): uniform from -1e+308 to 1e+308" in msg
    assert "(tables.customers.columns.capped.max): max must be a number; got nan" in msg

def test_missing_file() -> None:
    with pytest.raises(DataReadError, match="does not exist"):
        load_spec("/no/such/spec.yaml")


def test_json_spec_gets_line_numbers(tmp_path: Path) -> None:
    data = {"tables": {"t": {"columns": {"x": {"uniform": {"low": 0, "hihg": 1}}}}}}
    text = json.dumps(data, indent=2)
    msg = _error(tmp_path, text, "spec.json")
    assert f"spec.json, line {_line_of(text, 'hihg')}" in msg and "Did you mean 'high'?" in msg


def test_unsupported_regex_and_faker_problems(tmp_path: Path) -> None:
    text = GOOD + ("      r: {regex: '(a)\\1'}\n      f: {faker: nmae}\n"
                   "      g: {faker: name, locale: xx_YY}\n")
    msg = _error(tmp_path, text)
    assert "escape \\1" in msg and "columns.r.regex" in msg
    assert "no provider 'nmae'" in msg and "Did you mean 'name'?" in msg
    assert "locale 'xx_YY'" in msg


def test_constraint_problems(tmp_path: Path) -> None:
    text = GOOD + ("    constraints:\n      - {kind: inequality, low: age, high: agee}\n"
                   "      - {kind: fixed_combinations, columns: [id, age]}\n")
    msg = _error(tmp_path, text)
    assert "constraints[0]" in msg and "agee" in msg
    assert "constraints[1].kind" in msg and "does not apply to mock data" in msg


def test_duplicate_keys_and_bad_version(tmp_path: Path) -> None:
    text = "version: 2\n" + GOOD.replace("version: 1\n", "") + "      age: {poisson: {lam: 1}}\n"
    msg = _error(tmp_path, text)
    assert "appears more than once" in msg and "version 2 is not supported" in msg


def test_case_structure_errors(tmp_path: Path) -> None:
    text = GOOD + ("      d:\n        cases:\n          - {else: 1}\n"
                   "          - {if: 'age > 3'}\n")
    msg = _error(tmp_path, text)
    assert "else must be the last case" in msg and "needs 'if' and 'then'" in msg


def test_example_spec_loads(tmp_path: Path) -> None:
    path = tmp_path / "example.yaml"
    path.write_text(example_spec(), encoding="utf-8")
    spec = load_spec(path)
    assert spec.table_names == ["customers", "orders", "order_items"]


def test_parse_and_cross_table_problems_are_reported_together(tmp_path: Path) -> None:
    text = GOOD.replace("normal: {mean", "gauss: {mean") + (
        CHILD % "custmers.id") + "      x: {formula: 'price * 2'}\n"
    msg = _error(tmp_path, text)
    assert msg.startswith(f"The mock spec {tmp_path / 'spec.yaml'} has 3 problems:")
    assert "Did you mean 'normal'?" in msg and "unknown table 'custmers'" in msg
    assert "unknown column 'price'" in msg and "customer_id, amount, x" in msg


@pytest.mark.parametrize("count", [-2, {"constant": -1}])
def test_a_negative_number_of_children_is_refused(count: object) -> None:
    spec = {"tables": {
        "a": {"primary_key": "id", "rows": 3, "columns": {"id": {"sequence": True}}},
        "b": {"columns": {"x": {"constant": 1}},
              "foreign_keys": [{"column": "a_id", "references": "a.id", "per_parent": count}]},
    }}
    with pytest.raises(SpecError, match=r"per_parent is how many child rows.*0 or more"):
        load_spec(spec)
