"""Ids in real layouts use nearly every id of a layout before it widens (skipping real ids)."""

from __future__ import annotations

import numpy as np
import pytest

from simulacra.data import _id_layouts
from simulacra.data._id_layouts import layout_ids, layout_state
from tests.data.test_id_layouts import _codes, saved_before, shape, tail_numbers


def _chunked(state: dict, n: int, size: int) -> list[str]:
    return [v for a in range(0, n, size) for v in layout_ids(
        state, np.arange(a, min(a + size, n)), np.random.default_rng(a), "t").to_pylist()]


def test_a_layout_is_used_up_before_it_widens() -> None:
    real = _codes(500, 3)  # 'AAA': 17,576 ids, 17,076 of them not real
    state = layout_state(real, key=3, salt="0123456789abcdef")
    assert state is not None and state["remake"] == "skip-real"
    whole = layout_ids(state, np.arange(30_000), np.random.default_rng(0), "t").to_pylist()
    assert _chunked(state, 30_000, 777) == whole == _chunked(state, 30_000, 4_000)
    assert len(set(whole)) == 30_000 and not set(whole) & set(real)
    widths = np.array([len(v) for v in whole])
    assert (widths[:17_076] == 3).all() and (widths[17_076:] == 4).all()
    # saved before: a quarter of 'AAA' for first tries, then 'AAAA'
    old = layout_ids(saved_before(state), np.arange(30_000), np.random.default_rng(0), "t")
    assert (np.array([len(v) for v in old.to_pylist()]) == 3).sum() == 4_394


def test_tail_numbers_stay_in_the_real_layouts_far_beyond_a_quarter() -> None:
    real = tail_numbers(3000)  # 'N####': 10,000 ids, about 750 real, a quarter of the rows
    state = layout_state(real, key=7, salt="0123456789abcdef")
    assert state is not None
    ids = layout_ids(state, np.arange(30_000), np.random.default_rng(0), "t").to_pylist()
    assert len(set(ids)) == 30_000 and not set(ids) & set(real)
    assert {shape(v) for v in ids} == {"A###AA", "A####"}  # no 'N#####'
    assert sum(len(v) == 5 for v in ids) > 7_000  # 'N####' rows: about a quarter of 30,000
    old = layout_ids(saved_before(state), np.arange(30_000), np.random.default_rng(0), "t")
    assert sum(len(v) == 5 for v in old.to_pylist()) == 2_500  # then 'N#####'


def test_large_forms_walk_past_real_ids_and_move_the_rest_up(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_id_layouts, "SCAN_MAX", 0)  # every form walked, none scanned
    real = _codes(450, 2, seed=3)  # two thirds of 'AA'
    state = layout_state(real, key=9, salt="0123456789abcdef")
    assert state is not None
    ids = layout_ids(state, np.arange(3_000), np.random.default_rng(0), "t").to_pylist()
    assert len(set(ids)) == 3_000 and not set(ids) & set(real)
    assert _chunked(state, 3_000, 301) == ids
    # the 676 places of 'AA' take its 226 ids that are not real, each once; the places whose
    # own id is real went on as 'AAA'
    assert sum(len(v) == 2 for v in ids) == 676 - 450
    assert sum(len(v) == 2 for v in ids[:676]) == 226
    assert {len(v) for v in ids} == {2, 3}


def test_a_walked_form_far_from_full_keeps_almost_every_row() -> None:
    real = _codes(2_000, 5, seed=4)  # 'AAAAA': 11.9 million ids, over SCAN_MAX
    state = layout_state(real, key=2, salt="0123456789abcdef")
    assert state is not None
    ids = layout_ids(state, np.arange(50_000), np.random.default_rng(0), "t").to_pylist()
    assert len(set(ids)) == 50_000 and not set(ids) & set(real)
    assert sum(len(v) == 5 for v in ids) >= 49_980  # a real id at its own place: 1 in 5,940
    assert _chunked(state, 50_000, 12_345) == ids


def test_a_layout_whose_every_id_is_real_goes_on_wider() -> None:
    real = list("ABCDEFGHIJKLMNOPQRSTUVWXYZ") + _codes(300, 3, seed=5)  # every 'A' is real
    state = layout_state(real, key=4, salt="0123456789abcdef")
    assert state is not None and {s for s, _ in state["layouts"]} == {"A", "AAA"}
    ids = layout_ids(state, np.arange(2_000), np.random.default_rng(0), "t").to_pylist()
    assert len(set(ids)) == 2_000 and not set(ids) & set(real)
    assert {len(v) for v in ids} == {2, 3}  # 'A' goes on as 'AA' from its first row
    assert _chunked(state, 2_000, 333) == ids


def test_a_shared_prefix_of_few_ids_is_kept() -> None:
    # 20 stations S00..S19 came back as J26, K09: the literal S needed room for four lanes
    real = [f"S{i:02d}" for i in range(20)]
    state = layout_state(real, key=5, salt="0123456789abcdef")
    assert state is not None and state["layouts"] == [["S##", 1.0]]
    ids = layout_ids(state, np.arange(150), np.random.default_rng(0), "t").to_pylist()
    assert len(set(ids)) == 150 and not set(ids) & set(real)
    assert all(v.startswith("S") for v in ids)
    assert sum(len(v) == 3 for v in ids) == 80 and sum(len(v) == 4 for v in ids) == 70


def test_no_real_id_comes_back_in_another_spacing() -> None:
    # 800 of the 1,000 numbers, half written `K123`, half `K 123`: an id of one layout must
    # not be a real id of the other
    numbers = np.random.default_rng(5).choice(1000, 800, replace=False)
    real = [f"K{d:03d}" if i % 2 else f"K {d:03d}" for i, d in enumerate(numbers)]
    state = layout_state(real, key=5, salt="0123456789abcdef")
    assert state is not None and state["guard_form"] == 2
    ids = layout_ids(state, np.arange(2_000), np.random.default_rng(0), "t").to_pylist()
    assert len(set(ids)) == 2_000
    compact = {v.replace(" ", "").lower() for v in real}
    assert not {v.replace(" ", "").lower() for v in ids} & compact
    # states saved before compare ids as written, as when they were made
    old = {k: v for k, v in state.items() if k != "guard_form"}
    again = layout_ids(old, np.arange(2_000), np.random.default_rng(0), "t").to_pylist()
    assert not set(again) & set(real)
