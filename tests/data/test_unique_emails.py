"""Unique e-mails keep the real local parts, take as few digits as the table needs, and follow
the sample's seed, while staying unique across chunks, seeds and ``id_offset`` batches."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
from faker import Faker

from simulacra.data._codecs import TableCodec
from simulacra.data._fake_contacts import email_digits
from simulacra.data._keyed import permute_index
from simulacra.schema._model import Column, Kind, PIIType, Table


def _codec(real: list[str]):  # type: ignore[no-untyped-def]
    table = Table("t", (Column("v", Kind.PII, dtype="str", pii_type=PIIType.EMAIL,
                               unique=True),))
    return TableCodec.fit(pd.DataFrame({"v": pd.Series(real, dtype="str")}), table).codec("v")


def _draw(codec, n: int, seed: int, start: int = 0) -> pd.Series:  # type: ignore[no-untyped-def]
    made = codec.decode(np.empty((n, 0)), rng=np.random.default_rng(seed), start=start)
    return pd.Series(made, dtype="str")


def _faker_emails(n: int) -> list[str]:
    fake = Faker("en_US")
    fake.seed_instance(7)
    found: list[str] = []
    while len(found) < n:
        e = fake.email()
        if e not in found:
            found.append(e)
    return found


def _number(values: pd.Series) -> pd.Series:
    return values.str.split("@").str[0].str.extract(r"(\d*)$")[0]


def test_digits_grow_with_the_table() -> None:
    assert [email_digits(n) for n in (1, 90, 91, 500, 900, 901, 200_000)] == [2, 2, 3, 3, 3,
                                                                               4, 6]


def test_unique_emails_keep_the_real_local_parts_and_few_digits() -> None:
    real = _faker_emails(500)  # tammy76@example.org, nhoward@example.net: no dots
    codec = _codec(real)
    made = _draw(codec, 500, seed=1)
    assert made.is_unique and not made.isin(real).any()
    local = made.str.split("@").str[0]
    assert not local.str.contains(".", regex=False).any()  # before: every one first.last
    assert (_number(made).str.len() == 3).all()  # before: seven digits
    assert (_number(made).str[0] != "0").all()
    # rows beyond the table's size take a digit more, still unique
    more = _draw(codec, 2000, seed=1)
    assert more.is_unique
    assert set(_number(more).str.len()) == {3, 4}


def test_numbers_follow_the_seed_and_one_seed_gives_the_same_rows() -> None:
    codec = _codec(_faker_emails(500))
    a, b = _draw(codec, 500, seed=1), _draw(codec, 500, seed=2)
    assert (_number(a) == _number(b)).mean() < 0.05  # before: 44% (seven digits by row)
    assert _draw(codec, 500, seed=1).equals(a)


def test_unique_across_chunks_seeds_and_offsets_when_local_parts_collide() -> None:
    # one initial then digits: 26 local parts at one domain, so most rows share their rest
    real = [f"{chr(97 + i % 26)}{i}@example.com" for i in range(300)]
    codec = _codec(real)
    batches = [_draw(codec, 3000, seed=s, start=3000 * k) for k, s in enumerate((1, 2, 3))]
    chunks = [_draw(codec, 1000, seed=9, start=s) for s in (0, 1000, 2000)]
    both = pd.concat([*batches, *chunks], ignore_index=True)
    assert pd.concat(batches).is_unique and pd.concat(chunks).is_unique
    # rows 3000-8999 of seeds 2 and 3 with rows 0-2999 of seed 9: other rows, other values
    assert pd.concat([batches[1], batches[2], *chunks]).is_unique
    assert both.str.fullmatch(r"[a-z][1-9]\d{2,}@[a-z.]+").all()


def test_models_saved_before_make_first_last_and_seven_digits() -> None:
    codec = _codec(_faker_emails(200))
    state = dict(codec.state)
    del state["unique_digits"]  # as a model saved before
    old = type(codec)(codec.column, state)
    made = _draw(old, 50, seed=3, start=10)
    assert made.str.fullmatch(r"[a-z]+\.[a-z]+\d+@[a-z.]+").all()
    rows = np.arange(10, 60)
    want = permute_index(rows, 10**7, int(state["key"])) + 1
    assert (_number(made).astype(np.int64).to_numpy() == want).all()
    assert pa.array(made.tolist()).null_count == 0
