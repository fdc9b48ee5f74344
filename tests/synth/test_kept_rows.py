"""The rows kept from a batch of candidates, as sampling under rules hands them out."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from simulacra.synth._sampling import _first_of, _numbered, _PatternSlots


def _batch(n: int = 8) -> pd.DataFrame:
    return pd.DataFrame({"x": np.arange(n, dtype=float), "y": [None, "b"] * (n // 2)})


def test_the_first_rows_kept_are_the_rows_a_selection_gives() -> None:
    frame = _batch()
    for rows in ([0, 1, 2, 3, 5], [1, 2, 3], [0, 2, 4], [], [0, 1, 2]):
        positions = np.asarray(rows, dtype=np.int64)
        got = _first_of(frame, positions, 3)
        pd.testing.assert_frame_equal(got, frame.iloc[positions].iloc[:3])


def test_a_numbered_chunk_is_a_frame_of_its_own() -> None:
    frame = _batch()
    chunk = _numbered(frame.iloc[[5, 6, 7]])
    assert list(chunk.index) == [0, 1, 2] and isinstance(chunk.index, pd.RangeIndex)
    assert chunk["x"].tolist() == [5.0, 6.0, 7.0]
    view = _numbered(frame.iloc[:3])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # pandas 2: no SettingWithCopyWarning on a user's write
        view["x"] = 1.0
        view.loc[1, "y"] = "z"
    assert frame["x"].tolist()[:3] == [0.0, 1.0, 2.0]


def test_slots_take_the_first_rows_when_every_candidate_obeys() -> None:
    frame = _batch()
    slots = _PatternSlots(["y"], want=6)
    np.testing.assert_array_equal(slots.select(frame, np.ones(8, dtype=bool)), np.arange(6))
    # a broken row opens a slot its pattern fills later, as before
    slots = _PatternSlots(["y"], want=6)
    ok = np.array([True, False, True, True, True, True, True, True])
    np.testing.assert_array_equal(slots.select(frame, ok), [0, 2, 3, 4, 5, 7])
    assert not slots.open
