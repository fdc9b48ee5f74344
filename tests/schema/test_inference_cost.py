"""Inference settles most columns without its expensive checks, and gives the same answers.

The checks below are shortcuts taken for speed (a weighted sample of a column's values
first, ids screened by their characters, date formats by their separators, Faker's lists
loaded only for values that could be names or streets); each must leave the result as the
full check gives it.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
from faker import Faker

from simulacra.schema import PIIType, infer_schema
from simulacra.schema._datetimes import _strptime_ok, detect_datetime_format
from simulacra.schema._national_id_rules import checked_national_ids
from simulacra.schema._pii import _SCREEN_VALUES, _VALIDATORS, _share


def _many_ids(n: int, seed: int = 0) -> pd.Series:
    fake = Faker("fr_FR")
    fake.seed_instance(seed)
    return pd.Series(list({fake.ssn() for _ in range(n)}), dtype=object)


def test_a_sampled_share_stands_only_when_nearly_no_value_passes() -> None:
    ids = _many_ids(5 * _SCREEN_VALUES)
    assert len(ids) > 4 * _SCREEN_VALUES
    weights = np.ones(len(ids))
    full = float(np.mean(_VALIDATORS[PIIType.NATIONAL_ID](ids, True)))
    assert full > 0.9
    assert _share(ids, weights, PIIType.NATIONAL_ID, strict=True) == full
    # two thirds ids: over the sample's bar, so counted in full as well
    mixed = pd.concat([ids, pd.Series([f"{k}:{k % 97}:1" for k in range(len(ids) // 2)])],
                      ignore_index=True)
    expected = float(np.mean(_VALIDATORS[PIIType.NATIONAL_ID](mixed, True)))
    assert _share(mixed, np.ones(len(mixed)), PIIType.NATIONAL_ID, strict=True) == expected
    # case ids (DAAG::nassCDS): no value passes, settled by the sample
    cases = pd.Series([f"{k % 80}:{k}:{k % 3}" for k in range(9000)], dtype=object)
    assert _share(cases, np.ones(len(cases)), PIIType.NATIONAL_ID, strict=True) == 0.0


def test_the_id_screen_keeps_every_id_the_checks_pass() -> None:
    ids = pd.Series(["1 85 05 78 006 084 36", "756.1234.5678.97", "131052-308T",
                     "811218+9876", "85.07.30-033.28", "11010519491231002X", "QQ123456C",
                     "12345678Z", "45:96:2", "12-34"], dtype=object)
    screened = checked_national_ids(ids, strict=True)
    assert not screened[-2:].any()  # a case id, too few digits
    for value, found in zip(ids[:-2], screened[:-2], strict=True):  # as checked alone
        from simulacra.schema._national_id_rules import _checked_national_ids
        assert found == _checked_national_ids(pd.Series([value], dtype=object), True)[0]


def test_date_formats_are_refused_by_separators_as_strptime_would() -> None:
    assert not _strptime_ok("45:96:2", "%Y-%m-%d")
    assert not _strptime_ok("2024-01-05", "%Y-%m-%d %H:%M")  # no space: no time
    assert _strptime_ok("2024-01-05", "%Y-%m-%d")
    assert _strptime_ok("05.01.2024 13:45", "%d.%m.%Y %H:%M")
    values = pd.Series(["2024-01-05 13:45", "2023-12-31 00:00"], dtype=object)
    assert detect_datetime_format(values, values) == "%Y-%m-%d %H:%M"


def test_labels_without_names_or_streets_leave_faker_unloaded() -> None:
    # ames' `Street` (Pave, Grvl) and its underscored labels: two words are no reason to
    # load Faker's address and name lists (65 ms of every fit)
    code = (
        "import sys, pandas as pd; from simulacra import infer_schema\n"
        "df = pd.DataFrame({'Street': ['Pave', 'Grvl'] * 600,\n"
        "    'Neighborhood': [f'North_Ames_{k % 28}' for k in range(1200)],\n"
        "    'caseid': [f'{k % 80}:{k}:{k % 3}' for k in range(1200)]})\n"
        "infer_schema(df)\n"
        "print('faker' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"


def test_streets_and_names_are_still_found_from_their_values() -> None:
    fake = Faker("en_US")
    fake.seed_instance(1)
    df = pd.DataFrame({"a": [fake.street_address() for _ in range(300)],
                       "b": [fake.name() for _ in range(300)]})
    table = infer_schema(df).table()
    assert table.column("a").pii_type is PIIType.STREET_ADDRESS
    assert table.column("b").pii_type is PIIType.PERSON_NAME


def test_a_first_value_that_is_no_duration_or_date_settles_the_column(monkeypatch) -> None:
    import simulacra.schema._datetimes as datetimes
    import simulacra.schema._duration_clock as clock
    import simulacra.schema._duration_days as days
    import simulacra.schema._duration_iso as iso
    import simulacra.schema._durations as durations

    labels = pd.Series(["Gd", "TA", "Ex"] * 50, dtype=object)
    # the full scans would have found the same; the first value alone refuses the column
    families = (clock, days, iso)
    assert all(np.isnan(parse(labels)).all()
               for parse in (clock.parse_clock, days.parse_days, iso.parse_iso))
    assert not datetimes._could_be_datetime(labels)
    for family in families:
        monkeypatch.setattr(family, "extract_fields", _never_called)
    monkeypatch.setattr(pd.Series, "str", property(_never_called))
    assert durations.detect_duration_layout("grade", labels, labels) is None
    assert not datetimes._could_be_datetime(labels)
    # a first value that may be one leaves the column to the full check
    monkeypatch.undo()
    for values, layout in [(["38:31:00", "1:02:03", " 0:59:59 "], "[h]:mm:ss"),
                           (["2 days 20:37:56", "0 days 00:00:01"], "[d] days hh:mm:ss"),
                           (["PT20H7M", "P2DT1S"], "PnDTnHnMnS~")]:
        found = durations.detect_duration_layout("time", pd.Series(values, dtype=object),
                                                 pd.Series(values, dtype=object))
        assert str(found) == layout
    late = pd.Series(["2024-01-05", "2024-02-29"], dtype=object)
    assert datetimes._could_be_datetime(late)


def test_few_levels_are_not_screened_for_personal_data(monkeypatch) -> None:
    import simulacra.schema._infer as infer

    monkeypatch.setattr(infer, "personal_levels", _never_called)
    regions = ["north", "south", "east"] * 40  # three levels: labels, whatever they look like
    table = infer_schema(pd.DataFrame({"region": regions, "n": range(120)})).table()
    assert table.column("region").kind.value == "categorical"


def test_personal_levels_strips_the_distinct_values_as_before() -> None:
    from simulacra.schema._pii import personal_levels

    first = [f"{n} Smith" for n in ("James", "Mary", "Robert", "Patricia", "John", "Jennifer",
                                    "Michael", "Linda", "David", "Elizabeth", "William")]
    padded = pd.Series([f" {n}" for n in first] + [f"{n} " for n in first] + [" "] * 5)
    found = personal_levels(padded)
    assert found is not None and found[0] is PIIType.PERSON_NAME
    assert found == personal_levels(pd.Series(first * 2))


def _never_called(*args: object, **kwargs: object) -> None:
    raise AssertionError("the full check ran")
