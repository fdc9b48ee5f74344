"""Codes and IP addresses: regenerated in the real values' layout, never a real value."""

from __future__ import annotations

import ipaddress
import re
import string

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from simulacra.data._codecs import TableCodec
from simulacra.data._fake import make_pii_generator
from simulacra.data._fake_codes import code_skeletons, ip_profile
from simulacra.data._frame import EncodedFrame
from simulacra.schema._model import Column, Kind, PIIType, Table


def _plates(n: int, seed: int = 0) -> list[str]:
    """UK-style plates ``AB12 CDE``: 26**5 * 100 possible, so draws rarely repeat."""
    rng = np.random.default_rng(seed)
    letters = np.array(list(string.ascii_uppercase))
    out = []
    for _ in range(n):
        a = "".join(rng.choice(letters, 2))
        b = "".join(rng.choice(letters, 3))
        out.append(f"{a}{rng.integers(10, 100)} {b}")
    return out


def _decode(real: list[str], pii: PIIType, n: int, seed: int = 11) -> tuple[pd.Series, dict]:
    table = Table("t", (Column("v", Kind.PII, dtype="str", pii_type=pii),))
    codec = TableCodec.fit(pd.DataFrame({"v": pd.Series(real, dtype="str")}), table)
    out = codec.decode(EncodedFrame(np.empty((n, 0)), ()), rng=np.random.default_rng(seed))
    return out["v"], codec.codec("v").state


def test_skeletons_keep_only_runs_that_many_values_share() -> None:
    rng = np.random.default_rng(0)
    skus = [f"SKU{rng.integers(10**5, 10**6)}AB" for _ in range(300)]
    rare = ["XQZ-7", "XQZ-8"]  # a run held by two values only
    shapes = dict(code_skeletons(pa.array(skus + rare)))
    assert shapes["SKU{d6}AB"] == pytest.approx(300 / 302)
    assert shapes["{A3}-{d1}"] == pytest.approx(2 / 302)
    assert not any("XQZ" in s for s in shapes)


def test_a_skeleton_without_slots_never_spells_a_real_value() -> None:
    # every run is common, so each value is made of literal runs only
    real = [f"{a}-{b}" for a in ("red", "blue", "green") for b in ("S", "M", "L")] * 10
    shapes = code_skeletons(pa.array(real))
    assert shapes and all("{" in s for s, _ in shapes)


def test_no_real_code_appears_in_100k_generated_rows() -> None:
    real = _plates(2000)
    generated, state = _decode(real, PIIType.CODE, 100_000)
    assert generated.notna().all()
    assert generated.str.fullmatch(r"[A-Z]{2}\d{2} [A-Z]{3}").all()
    assert not set(generated) & set(real)
    # the model holds layouts, not values
    stored = repr(state)
    assert not any(v in stored for v in real)


def test_codes_keep_the_mix_of_layouts() -> None:
    rng = np.random.default_rng(3)
    urls = [f"https://www.{''.join(rng.choice(list('abcdefgh'), 6))}.com/" for _ in range(150)]
    urls += [f"http://{''.join(rng.choice(list('abcdefgh'), 8))}.org/" for _ in range(50)]
    generated, _ = _decode(urls, PIIType.CODE, 4000)
    https = generated.str.fullmatch(r"https://www\.[a-z]{6}\.com/")
    http = generated.str.fullmatch(r"http://[a-z]{8}\.org/")
    assert (https | http).all()
    assert https.mean() == pytest.approx(0.75, abs=0.03)


def test_ip_addresses_are_valid_and_keep_private_and_v6_shares() -> None:
    rng = np.random.default_rng(1)
    private = [f"10.{a}.{b}.{c}" for a, b, c in rng.integers(0, 256, (300, 3))]
    public = [f"{a}.{b}.{c}.{d}" for a, b, c, d in rng.integers(1, 224, (100, 4))]
    v6 = [str(ipaddress.IPv6Address(int(x) << 64)) for x in rng.integers(1, 2**62, 100)]
    real = private + public + v6
    assert dict(ip_profile(pa.array(real)))["10"] == pytest.approx(0.6)
    generated, _ = _decode(real, PIIType.IP_ADDRESS, 20_000)
    parsed = [ipaddress.ip_address(v) for v in generated]
    assert not set(generated) & set(real)
    v4 = [a for a in parsed if a.version == 4]
    assert len(v4) / len(parsed) == pytest.approx(0.8, abs=0.02)
    in_ten = np.mean([a in ipaddress.ip_network("10.0.0.0/8") for a in v4])
    assert in_ten == pytest.approx(0.75, abs=0.02)
    assert all(a.is_global for a in v4 if a not in ipaddress.ip_network("10.0.0.0/8"))


def test_code_generator_without_learned_layouts_still_makes_codes() -> None:
    out = make_pii_generator(PIIType.CODE).generate(np.arange(50), np.random.default_rng(0), 0)
    assert all(re.fullmatch(r"[A-Z]{2}\d{4}", v) for v in out.to_pylist())


def _ni_numbers(n: int) -> list[str]:
    """UK NI numbers in Faker en_GB's two layouts, ``ZZ123456T`` and ``ZZ 123456 T``."""
    digits = np.random.default_rng(0).choice(10**6, n, replace=False)
    return [f"ZZ{d:06d}T" if i % 2 else f"ZZ {d:06d} T" for i, d in enumerate(digits)]


def _compact(value: str) -> str:
    return re.sub(r"[\W_]", "", value).lower()


def test_no_real_code_comes_back_in_another_spacing() -> None:
    # a dense id space (3,000 of 10**6) written in two layouts: a real id re-spaced is a leak
    real = _ni_numbers(3000)
    generated, state = _decode(real, PIIType.CODE, 40_000)
    assert state["guard_form"] == 2
    assert generated.str.fullmatch(r"ZZ ?\d{6} ?T").all()
    assert not set(generated.map(_compact)) & {_compact(v) for v in real}


def test_models_saved_before_the_canonical_guard_keep_their_form() -> None:
    # their hashes were made of case-folded values with their spacing: compared so, they
    # still keep the exact real values out, and they still sample
    real = _ni_numbers(400)
    table = Table("t", (Column("v", Kind.PII, dtype="str", pii_type=PIIType.CODE),))
    codec = TableCodec.fit(pd.DataFrame({"v": pd.Series(real, dtype="str")}), table)
    state = {k: v for k, v in codec.codec("v").state.items() if k != "guard_form"}
    old = type(codec.codec("v"))(codec.codec("v").column, state)
    assert old.guard.canonical(pa.array(["ZZ 1 T"])).to_pylist() == ["zz 1 t"]
    made = old.decode(np.empty((5000, 0)), rng=np.random.default_rng(2), start=0)
    assert not set(pd.Series(made)) & set(real)


def test_mostly_distinct_codes_that_repeat_keep_how_often_they_repeat() -> None:
    # QA sweep 15: product names, 3,520 distinct in 6,000 rows, came back 6,000 distinct
    rng = np.random.default_rng(0)
    names = [f"item{i:04d} grade{i % 7}" for i in range(5000)]
    real = list(rng.choice(names, 6000))
    counts = pd.Series(real).value_counts()
    generated, state = _decode(real, PIIType.CODE, 6000)
    made = generated.value_counts()
    assert state["pool_fresh"] == pytest.approx((counts == 1).sum() / 6000)
    assert len(made) == pytest.approx(len(counts), rel=0.1)  # 3,520 distinct, not 6,000
    repeated = counts[counts > 1].sum() / 6000  # rows holding a repeated value: 0.69
    assert made[made > 1].sum() / 6000 == pytest.approx(repeated, abs=0.08)
    assert not set(generated) & set(real)
    # plates that hardly repeat are made fresh, as before
    _, state = _decode([f"AB{i:05d}" for i in range(3000)] + ["AB00001"] * 3, PIIType.CODE,
                            3000)
    assert "pool_fresh" not in state and not state["pool"]
