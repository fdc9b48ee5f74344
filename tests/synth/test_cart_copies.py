"""Finding sampled rows that copy a unique training row (CART's ``reject_copies``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulacra.synth.cart import (
    CARTSynthesizer,
    _hash_flags,
    _is_member,
    _row_hashes,
    redraw_copies,
)


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


def _redraw_hashing_every_row(model: CARTSynthesizer, out: np.ndarray, draw, tries: int) -> None:
    """redraw_copies as it was: every row hashed again in every round."""
    pattern = np.array([s.missing for s in model.steps_ if s.missing >= 0], dtype=np.intp)
    for _ in range(tries):
        hashes = _row_hashes(out, model.steps_)
        pos = np.minimum(np.searchsorted(model.copy_hashes_, hashes), model.copy_hashes_.size - 1)
        bad = np.flatnonzero(model.copy_hashes_[pos] == hashes)
        if bad.size == 0:
            return
        new = draw(bad)
        same = np.all(new[:, pattern] == out[np.ix_(bad, pattern)], axis=1)
        out[bad[same]] = new[same]


def _drawer(model: CARTSynthesizer):
    rng = np.random.default_rng(2)
    return lambda bad: model._draw(bad.size, rng)


def test_redrawing_rehashes_only_the_rows_it_redrew_with_the_same_outcome() -> None:
    # coarse columns with gaps: many draws repeat a unique real row, over several rounds
    rng = np.random.default_rng(3)
    df = pd.DataFrame({**{f"b{i}": rng.integers(0, 2, 400) for i in range(3)},
                       "k": rng.integers(0, 40, 400),
                       "c": np.where(rng.random(400) < 0.3, np.nan, rng.integers(0, 3, 400))})
    model = CARTSynthesizer(seed=0).fit(df)
    start = model._draw(3000, np.random.default_rng(1))
    for tries in (1, 2, 20):
        ours, theirs = start.copy(order="F"), start.copy(order="F")
        redraw_copies(model, ours, _drawer(model), tries)
        _redraw_hashing_every_row(model, theirs, _drawer(model), tries)
        np.testing.assert_array_equal(ours, theirs)
    first = _is_member(_row_hashes(start, model.steps_), model.copy_hashes_, model.copy_flags_)
    assert first.sum() > 50  # many rows to redraw
