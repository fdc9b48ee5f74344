"""Acceptance: personal data is found from its values under any column name, and no real value
of it comes back in 100,000 sampled rows or sits in the model file."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from faker import Faker

from simulacra import infer_schema, load_synthesizer, make_synthesizer
from simulacra.schema import Kind, PIIType

N_REAL = 400


def _people() -> tuple[pd.DataFrame, dict[str, PIIType]]:
    """German and US personal data under names that say nothing, and a plain measure."""
    de, us = Faker("de_DE"), Faker("en_US")
    de.seed_instance(1)
    us.seed_instance(2)
    rng = np.random.default_rng(3)
    letters = np.array(list("ABCDEFGHJKLMNPRSTVWXYZ"))
    frame = pd.DataFrame({
        "kunde": [de.name() for _ in range(N_REAL)],
        "telefon": [de.phone_number() for _ in range(N_REAL)],
        "col_b": [us.phone_number() for _ in range(N_REAL)],
        "host": [us.ipv4_public() for _ in range(N_REAL)],
        "plate": ["".join(rng.choice(letters, 2)) + f"{rng.integers(10, 100)} "
                  + "".join(rng.choice(letters, 3)) for _ in range(N_REAL)],
        "homepage": [us.url() for _ in range(N_REAL)],
        "cc": [int(us.credit_card_number(card_type="visa16")) for _ in range(N_REAL)],
        "nino": ["".join(rng.choice(letters, 2)) + f"{k:06d}" + rng.choice(list("ABCD"))
                 for k in rng.choice(10**6, N_REAL, replace=False)],
        "amount": rng.gamma(2.0, 50.0, N_REAL).round(2),
        "city": rng.choice(["Berlin", "Hamburg", "Köln"], N_REAL),
    })
    expected = {
        "kunde": PIIType.PERSON_NAME,
        "telefon": PIIType.PHONE,
        "col_b": PIIType.PHONE,
        "host": PIIType.IP_ADDRESS,
        "plate": PIIType.CODE,
        "homepage": PIIType.CODE,
        "cc": PIIType.CREDIT_CARD,
        "nino": PIIType.NATIONAL_ID,
    }
    return frame, expected


def _unzipped(data: bytes) -> bytes:
    """Every byte of a model file, its zip members (and the arrays zipped inside) inflated."""
    if not data.startswith(b"PK"):
        return data
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return b"".join(_unzipped(zf.read(name)) for name in zf.namelist())


def test_personal_data_under_any_name_is_found() -> None:
    frame, expected = _people()
    table = infer_schema(frame).table()
    found = {c.name: c.pii_type for c in table.columns if c.kind is Kind.PII}
    assert found == expected
    assert table.column("kunde").locale == "de_DE"
    assert table.column("telefon").locale == "de_DE"


@pytest.mark.parametrize("synthesizer", ["auto", "independent"])
def test_no_real_value_in_100k_rows_or_in_the_model_file(synthesizer: str,
                                                         tmp_path: Path) -> None:
    frame, expected = _people()
    path = tmp_path / "model.sim"
    make_synthesizer(synthesizer, seed=0).fit(frame).save(path)
    out = load_synthesizer(path).sample(100_000, seed=1)
    stored = _unzipped(path.read_bytes())
    assert b"Berlin" in stored  # categories are stored, so the search below can find values
    for name in expected:
        real = set(frame[name].astype(str))
        sampled = set(out[name].astype(str))
        assert not sampled & real, name
        assert not any(v.encode() in stored for v in real), name
    # card numbers come back as card numbers, not as a number spread over the real range
    assert out["cc"].astype(str).str.len().eq(16).all()
    # UK National Insurance numbers, one per person: the same layout, valid letters, unique
    assert out["nino"].str.fullmatch(r"[A-Z]{2}\d{6}[ABCD]").all() and out["nino"].is_unique


def test_short_numbers_in_an_integer_column_never_come_back_real() -> None:
    import dataclasses

    from simulacra import Schema

    rng = np.random.default_rng(5)
    real = rng.choice(np.arange(100, 10_000), 3000, replace=False)  # 3 and 4 digits
    df = pd.DataFrame({"phone": real.astype(np.int64), "x": rng.normal(size=3000)})
    table = infer_schema(df).table()
    table = dataclasses.replace(table, columns=tuple(
        dataclasses.replace(c, kind=Kind.PII, pii_type=PIIType.PHONE) if c.name == "phone"
        else c for c in table.columns))
    out = make_synthesizer("cart", seed=0).fit(df, Schema.single(table)).sample(5000, seed=1)
    # a value made as '0123' is read as 123 by the integer column: it must not be a real one
    assert out["phone"].dtype == np.int64 and not out["phone"].isin(real).any()
