"""The rows kept from a batch of candidates, and the chunks sampling hands out."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from simulacra import make_synthesizer
from simulacra.constraints import FixedCombinations
from simulacra.synth._sampling import _first_of, _own_chunk, _PatternSlots


def _batch(n: int = 8) -> pd.DataFrame:
    return pd.DataFrame({"x": np.arange(n, dtype=float), "y": [None, "b"] * (n // 2)})


def test_the_first_rows_kept_are_the_rows_a_selection_gives() -> None:
    frame = _batch()
    for rows in ([0, 1, 2, 3, 5], [1, 2, 3], [0, 2, 4], [], [0, 1, 2]):
        positions = np.asarray(rows, dtype=np.int64)
        got = _first_of(frame, positions, 3)
        pd.testing.assert_frame_equal(got, frame.iloc[positions].iloc[:3])


def test_a_chunk_handed_out_is_a_frame_of_its_own() -> None:
    frame = _batch()
    chunk = _own_chunk(frame.iloc[[5, 6, 7]])
    assert list(chunk.index) == [0, 1, 2] and isinstance(chunk.index, pd.RangeIndex)
    assert chunk["x"].tolist() == [5.0, 6.0, 7.0]
    view = _own_chunk(frame.iloc[:3])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # pandas 2: no SettingWithCopyWarning on a user's write
        view["x"] = 1.0
        view.loc[1, "y"] = "z"
    assert frame["x"].tolist()[:3] == [0.0, 1.0, 2.0] and frame.loc[1, "y"] == "b"


@pytest.mark.parametrize("rules", [[], [FixedCombinations(["k", "v"])]], ids=["free", "rules"])
def test_a_wide_sample_takes_a_new_column_without_a_fragmentation_warning(rules) -> None:
    # 110 columns decoded (and rebuilt by the rules) one by one: pandas warned on the
    # caller's next insert that the frame was highly fragmented
    rng = np.random.default_rng(0)
    df = pd.DataFrame({f"c{i}": rng.normal(size=200) for i in range(110)})
    df = df.assign(k=rng.integers(0, 3, 200)).assign(v=lambda d: d["k"] * 10)
    syn = make_synthesizer("independent", seed=0).fit(df, constraints=rules)
    for out in (syn.sample(300), next(iter(syn.iter_sample(300, chunk_rows=100)))):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out["new"] = 1


def test_slots_take_the_first_rows_when_every_candidate_obeys() -> None:
    frame = _batch()
    slots = _PatternSlots(["y"], want=6)
    np.testing.assert_array_equal(slots.select(frame, np.ones(8, dtype=bool)), np.arange(6))
    # a broken row opens a slot its pattern fills later, as before
    slots = _PatternSlots(["y"], want=6)
    ok = np.array([True, False, True, True, True, True, True, True])
    np.testing.assert_array_equal(slots.select(frame, ok), [0, 2, 3, 4, 5, 7])
    assert not slots.open
