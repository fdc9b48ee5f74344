"""Finding sampled rows that copy a unique training row (CART's ``reject_copies``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulacra.synth.cart import CARTSynthesizer, _hash_flags, _is_member


def test_membership_through_flags_finds_what_a_search_finds() -> None:
    rng = np.random.default_rng(0)
    for size in (1, 300, 21_000, 200_000):
        sorted_set = np.unique(rng.integers(0, 2**64 - 1, size, dtype=np.uint64))
        hashes = rng.integers(0, 2**64 - 1, 60_000, dtype=np.uint64)
        members = sorted_set[rng.integers(0, sorted_set.size, 1000)]
        hashes[:1000] = members
        hashes[1000:2000] = members + np.uint64(1)  # the same top bits, mostly not members
        pos = np.minimum(np.searchsorted(sorted_set, hashes), sorted_set.size - 1)
        expected = sorted_set[pos] == hashes
        found = _is_member(hashes, sorted_set, _hash_flags(sorted_set))
        np.testing.assert_array_equal(found, expected)
        assert expected.any() and not expected.all()


def test_the_flags_follow_a_refitted_model() -> None:
    df = pd.DataFrame({"a": np.arange(300) % 7, "b": np.arange(300) * 1.5})
    model = CARTSynthesizer(seed=0).fit(df)
    first = model.copy_flags_
    assert model.copy_flags_ is first  # built once
    model.fit(df.iloc[:150])
    assert model.copy_flags_ is not first
    np.testing.assert_array_equal(model.copy_flags_, _hash_flags(model.copy_hashes_))
