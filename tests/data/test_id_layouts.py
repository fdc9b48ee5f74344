"""String ids with no numbered template come back in the real values' layouts."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from simulacra.data._id_layouts import BLOCK, id_layouts, layout_ids, layout_state
from simulacra.data._keyed import new_salt
from simulacra.schema import infer_schema
from simulacra.synth import load_synthesizer, make_synthesizer


def tail_numbers(n: int, seed: int = 0) -> list[str]:
    """US tail numbers: 3/4 ``N###AA`` (first digit 1-9), 1/4 ``N####``, all distinct."""
    rng = np.random.default_rng(seed)
    letters = np.array(list("ABCDEFGHJKLMNPRSTUVWXYZ"))
    out: set[str] = set()
    while len(out) < n:
        if rng.random() < 0.75:
            out.add(f"N{rng.integers(100, 1000)}{''.join(rng.choice(letters, 2))}")
        else:
            out.add(f"N{rng.integers(1000, 10000)}")
    return sorted(out)


def saved_before(state: dict[str, Any] | None) -> dict[str, Any]:
    """A state as saved before real ids were skipped (first tries in a quarter: lanes)."""
    assert state is not None and state.pop("remake") == "skip-real"
    return state


def shape(value: str) -> str:
    return re.sub(r"[a-z]", "a", re.sub(r"[A-Z]", "A", re.sub(r"[0-9]", "#", value)))


def test_layouts_keep_shared_places_and_shares() -> None:
    found = dict(id_layouts(tail_numbers(2000)))
    assert set(found) == {"N###AA", "N####"}
    assert found["N###AA"] == pytest.approx(0.75, abs=0.03)
    # few values, or too little room: letters stay letters; case is kept
    assert dict(id_layouts(["AB", "CD", "EF"])) == {"AA": 1.0}
    assert dict(id_layouts(["ab1", "cd2"])) == {"aa#": 1.0}
    assert id_layouts(["0012", "0345"]) == []  # numbers in text: their layout already


def test_ids_in_layouts_are_unique_across_chunks_and_never_real() -> None:
    real = tail_numbers(3000)
    state = layout_state(real, key=7, salt="0123456789abcdef")
    assert state is not None
    rng = np.random.default_rng(0)
    whole = layout_ids(state, np.arange(5000), rng, "t.id").to_pylist()
    chunks = [layout_ids(state, np.arange(a, min(a + 777, 5000)), rng, "t.id").to_pylist()
              for a in range(0, 5000, 777)]
    assert [v for chunk in chunks for v in chunk] == whole  # chunk size changes nothing
    assert len(set(whole)) == len(whole)
    assert not set(whole) & set(real)
    shares = pd.Series([shape(v) for v in whole]).value_counts(normalize=True)
    assert set(shares.index) == {"A###AA", "A####"}
    assert shares["A###AA"] == pytest.approx(0.75, abs=0.03)
    assert all(v.startswith("N") for v in whole)


def _codes(n: int, width: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    letters = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    out: set[str] = set()
    while len(out) < n:
        out.add("".join(rng.choice(letters, width)))
    return sorted(out)


def test_a_layout_that_runs_out_goes_on_one_place_wider() -> None:
    real = _codes(500, 3)  # 'AAA': 17,576 values, a quarter of them for first tries
    state = saved_before(layout_state(real, key=3, salt="0123456789abcdef"))
    assert state["layouts"] == [["AAA", 1.0]]
    rng = np.random.default_rng(0)
    whole = layout_ids(state, np.arange(30_000), rng, "t.code").to_pylist()
    chunks = [layout_ids(state, np.arange(a, min(a + 4_000, 30_000)), rng, "t.code")
              for a in range(0, 30_000, 4_000)]
    assert [v for chunk in chunks for v in chunk.to_pylist()] == whole
    assert len(set(whole)) == 30_000 and not set(whole) & set(real)
    widths = np.array([len(v) for v in whole])
    assert set(whole[:4_000]) and (widths[:4_394] == 3).all()  # the real layout first ...
    assert (widths[4_394:] == 4).all()  # ... then 'AAAA'
    assert all(shape(v) in ("AAA", "AAAA") for v in whole)


def test_wider_forms_keep_shares_and_never_meet_other_layouts() -> None:
    # 'AA' widened would be 'AAA', a real layout here: it goes on as 'AAAAA' after 'AAA's
    # own 'AAAA', and 'A' (too small for one first try per block) goes on wider still
    real = _codes(300, 3, seed=1) + _codes(60, 2, seed=2) + _codes(10, 1)
    state = saved_before(layout_state(real, key=5, salt="0123456789abcdef"))
    assert sorted(s for s, _ in state["layouts"]) == ["A", "AA", "AAA"]
    whole = layout_ids(state, np.arange(40_000), np.random.default_rng(0), "t.code")
    ids = whole.to_pylist()
    assert len(set(ids)) == len(ids) and not set(ids) & set(real)
    chunked = [v for a in range(0, 40_000, 9_999) for v in layout_ids(
        state, np.arange(a, min(a + 9_999, 40_000)), np.random.default_rng(1), "t").to_pylist()]
    assert chunked == ids
    shares = dict(state["layouts"])
    per_block = pd.Series([len(v) for v in ids[:BLOCK]]).value_counts(normalize=True)
    assert per_block[3] == pytest.approx(shares["AAA"], abs=0.002)  # first block: as real
    # later rows of the 'AA' layout (676 values) are 5 letters long, not 3 or 4
    widths = pd.Series([len(v) for v in ids]).value_counts(normalize=True)
    assert widths[5] > 0 and widths[2] < 0.01
    assert widths[3] + widths[4] == pytest.approx(shares["AAA"], abs=0.002)


def test_ids_equal_to_a_real_one_in_every_lane_go_on_wider() -> None:
    real = _codes(450, 2, seed=3)  # two thirds of 'AA': 4 tries often all hit a real code
    state = saved_before(layout_state(real, key=9, salt="0123456789abcdef"))
    assert state["layouts"] == [["AA", 1.0]]
    ids = layout_ids(state, np.arange(2_000), np.random.default_rng(0), "t.code").to_pylist()
    assert len(set(ids)) == 2_000 and not set(ids) & set(real)
    first_lane = [len(v) for v in ids[:169]]  # rows of 'AA' itself: a few went on as 'AAA'
    assert 2 in first_lane and 3 in first_lane
    chunked = [v for a in range(0, 2_000, 300) for v in layout_ids(
        state, np.arange(a, min(a + 300, 2_000)), np.random.default_rng(1), "t").to_pylist()]
    assert chunked == ids


def test_ids_within_the_real_layouts_are_as_before() -> None:
    state = saved_before(layout_state(tail_numbers(3000), key=7, salt="0123456789abcdef"))
    ids = layout_ids(state, np.arange(5000), np.random.default_rng(0), "t").to_pylist()
    digest = hashlib.sha256("\n".join(ids).encode()).hexdigest()[:16]
    assert digest == "0a65c5ed581b337f"  # what models saved before widening sample


def test_single_table_string_ids_follow_real_layouts(tmp_path: Path) -> None:
    real = pd.DataFrame({"plane_id": tail_numbers(600, seed=3),
                         "seats": np.random.default_rng(1).integers(2, 400, 600)})
    schema = infer_schema(real)
    assert schema.table().column("plane_id").id_format is None
    model = make_synthesizer("cart", seed=0).fit(real, schema=schema)
    ids = model.sample(900, seed=1)["plane_id"].tolist()
    chunked = pd.concat(model.iter_sample(900, seed=1, chunk_rows=250))["plane_id"]
    assert chunked.tolist() == ids
    assert len(set(ids)) == len(ids) and not set(ids) & set(real["plane_id"])
    assert {shape(v) for v in ids} <= {shape(v) for v in real["plane_id"]}
    model.save(tmp_path / "m.sim")
    again = load_synthesizer(tmp_path / "m.sim").sample(900, seed=1)
    assert again["plane_id"].tolist() == ids


def test_models_saved_before_layouts_sample_numbers_as_before() -> None:
    real = pd.DataFrame({"plane_id": tail_numbers(200), "seats": np.arange(200) % 7})
    model = make_synthesizer("cart", seed=0).fit(real)
    model.codec_.codec("plane_id").state.pop("layouts")  # a state as saved before
    assert model.sample(3, seed=0)["plane_id"].tolist() == ["000001", "000002", "000003"]


def test_layouts_longer_than_int64_counts_stay_unique_and_varied() -> None:
    rng = np.random.default_rng(4)
    letters = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    real = ["".join(f"{rng.choice(letters)}{rng.integers(10)}" for _ in range(10))
            for _ in range(300)]
    state = layout_state(real, key=11, salt=new_salt())
    assert state is not None and state["layouts"][0][0] == "A#" * 10  # 26**10 * 10**10 ids
    ids = layout_ids(state, np.arange(30_000), rng, "column 'order_id'").to_pylist()
    assert len(set(ids)) == 30_000 and not set(ids) & set(real)
    assert all(shape(v) == "A#" * 10 for v in ids)
    # the leading places vary too (they are filled by a keyed stream, not left at 'A0')
    assert len({v[:4] for v in ids}) > 2_000
