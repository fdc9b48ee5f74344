"""CART keeps values repeated across columns (``synth/_cart_links.py``) and draws a column
within the stratum of an earlier column it depends on value by value (``_cart_strata.py``)."""

import numpy as np
import pandas as pd
import pytest

from simulacra._progress import NULL_PROGRESS
from simulacra.data._frame import EncodedColumn, EncodedFrame
from simulacra.errors import InvalidParameterError
from simulacra.synth._cart_links import find_link
from simulacra.synth._cart_strata import StrataSearch, _determined, grow_stratified
from simulacra.synth._cart_tree import _depth, _last_descendant
from simulacra.synth.cart import CARTSynthesizer


def _sample(frame: EncodedFrame, **params: object) -> np.ndarray:
    model = CARTSynthesizer(order="given", **params)  # type: ignore[arg-type]
    model._fit(frame, rng=np.random.default_rng(1), progress=NULL_PROGRESS)
    return model._sample(6000, rng=np.random.default_rng(2)).values


def _houses(n: int = 3000, seed: int = 0) -> EncodedFrame:
    """built year; remodel year = built in 55% of rows, later otherwise; an area missing at
    times that equals another area plus 10 in 40% of rows; a garage size that is 0 together
    with another column's 0 (a shared absence, not a repeated value)."""
    rng = np.random.default_rng(seed)
    built = rng.integers(1900, 2010, n).astype(float)
    later = np.minimum(built + rng.integers(1, 40, n), 2010)
    remodel = np.where(rng.random(n) < 0.55, built, later)
    first = np.round(rng.lognormal(7, 0.3, n))
    second = np.where(rng.random(n) < 0.4, first + 10, np.round(rng.lognormal(6.5, 0.5, n)))
    gone = (rng.random(n) < 0.1).astype(float)
    second = np.where(gone == 1, 0.0, second)
    none = rng.random(n) < 0.3
    cars = np.where(none, 0.0, rng.integers(1, 4, n))
    porch = np.where(none, 0.0, np.round(rng.lognormal(4, 0.5, n)))
    cols = (EncodedColumn("built", "built", False, integer=True),
            EncodedColumn("remodel", "remodel", False, integer=True),
            EncodedColumn("first", "first", False),
            EncodedColumn("second.missing", "second", True, 2),
            EncodedColumn("second", "second", False),
            EncodedColumn("cars", "cars", False, integer=True),
            EncodedColumn("porch", "porch", False))
    return EncodedFrame(np.column_stack([built, remodel, first, gone, second, cars, porch]), cols)


def test_a_value_repeated_across_columns_keeps_its_share() -> None:
    frame = _houses()
    real = frame.values
    out = _sample(frame)
    share = np.mean(real[:, 1] == real[:, 0])
    assert abs(np.mean(out[:, 1] == out[:, 0]) - share) < 0.03
    present = out[:, 3] == 0
    real_present = real[:, 3] == 0
    offset = np.mean(real[real_present, 4] == real[real_present, 2] + 10)
    assert abs(np.mean(out[present, 4] == out[present, 2] + 10) - offset) < 0.04
    # without links a leaf mixes houses of different years and the repeats mostly vanish
    plain = _sample(frame, links=False)
    assert np.mean(plain[:, 1] == plain[:, 0]) < share - 0.15


def test_linked_values_stay_in_their_columns_range() -> None:
    frame = _houses()
    out = _sample(frame)
    assert np.all(out[:, 1] >= frame.values[:, 1].min())
    assert np.all(out[:, 1] <= frame.values[:, 1].max())


def test_links_found_and_not_found() -> None:
    frame = _houses()
    values, cols = frame.values, frame.columns
    rng = np.random.default_rng(0)
    missing_of = {4: 3}
    remodel = find_link(values, cols, 1, [0], missing_of, rng)
    assert remodel is not None and remodel.column == 0 and remodel.offset == 0.0
    present = values[values[:, 3] == 0]
    second = find_link(present, cols, 4, [0, 1, 2, 3], missing_of, rng)
    assert second is not None and second.column == 2 and second.offset == 10.0
    # porch is 0 whenever cars is 0: a shared absence, which is no link
    assert find_link(values, cols, 6, [0, 1, 2, 5], missing_of, rng) is None
    # a discrete column, or one with no earlier continuous column, has none
    assert find_link(values, cols, 3, [0, 1, 2], missing_of, rng) is None
    assert find_link(values, cols, 1, [], missing_of, rng) is None


def test_independent_columns_are_not_linked() -> None:
    rng = np.random.default_rng(3)
    a = rng.integers(0, 5, 2000).astype(float)  # equal 20% of the time by chance
    b = rng.integers(0, 5, 2000).astype(float)
    cols = tuple(EncodedColumn(c, c, False, integer=True) for c in "ab")
    assert find_link(np.column_stack([a, b]), cols, 1, [0], {}, rng) is None


def test_chance_share_is_the_mean_over_random_pairings() -> None:
    from simulacra.synth._cart_links import Link, _chance, _informative

    rng = np.random.default_rng(4)
    x = rng.integers(0, 6, 3000).astype(float)
    y = np.where(rng.random(3000) < 0.3, x + 1, rng.integers(1, 9, 3000)).astype(float)
    for spike in (np.nan, 2.0):
        link = Link(0, -1, 1.0, spike)
        shuffled = np.mean([np.mean(_informative(y, rng.permutation(x), link))
                            for _ in range(300)])
        assert _chance(y, x, link) == pytest.approx(shuffled, abs=0.002)


def test_links_survive_a_state_round_trip() -> None:
    frame = _houses()
    model = CARTSynthesizer(order="given")
    model._fit(frame, rng=np.random.default_rng(1), progress=NULL_PROGRESS)
    assert any(s.link >= 0 for s in model.steps_)
    loaded = CARTSynthesizer()
    loaded._set_state(model._get_state())
    a = model._sample(500, rng=np.random.default_rng(4)).values
    b = loaded._sample(500, rng=np.random.default_rng(4)).values
    np.testing.assert_array_equal(a, b)


def _jobs(n: int = 6000, seed: int = 0) -> EncodedFrame:
    """occupation codes fixing a prestige score; incomes that are a bracket times the year's
    deflator (so an income reveals its year); hours unrelated to all of them."""
    rng = np.random.default_rng(seed)
    occupation = rng.integers(0, 300, n).astype(float) * 10
    scores = np.round(np.random.default_rng(9).uniform(20, 80, 300))
    prestige = scores[(occupation / 10).astype(int)]
    year = rng.integers(2000, 2020, n).astype(float)
    deflator = 1.0 + 0.0371 * (year - 2000)
    bracket = rng.choice([5000.0, 15000.0, 25000.0, 40000.0, 60000.0], n)
    income = np.round(bracket * deflator, 2)
    hours = np.round(rng.normal(40, 8, n))
    names = ("occupation", "prestige", "year", "income", "hours")
    cols = tuple(EncodedColumn(c, c, False) for c in names)
    return EncodedFrame(np.column_stack([occupation, prestige, year, income, hours]), cols)


def _combos_unseen(real: np.ndarray, out: np.ndarray, a: int, b: int) -> float:
    seen = set(zip(real[:, a].tolist(), real[:, b].tolist(), strict=True))
    pairs = zip(out[:, a].tolist(), out[:, b].tolist(), strict=True)
    return float(np.mean([pair not in seen for pair in pairs]))


def test_dependent_columns_keep_their_real_combinations() -> None:
    frame = _jobs()
    real = frame.values
    out = _sample(frame, smoothing="none")
    assert _combos_unseen(real, out, 0, 1) == 0.0  # prestige follows the occupation
    assert _combos_unseen(real, out, 2, 3) < 0.02  # income belongs to its year
    plain = _sample(frame, smoothing="none", strata=False)
    assert _combos_unseen(real, plain, 0, 1) > 0.3
    assert _combos_unseen(real, plain, 2, 3) > 0.3


def test_search_finds_both_directions_and_nothing_else() -> None:
    frame = _jobs()
    search = StrataSearch(frame.values, np.random.default_rng(0))
    assert search.find(1, [0]) == 0  # occupation determines prestige
    assert search.find(3, [0, 1, 2]) == 2  # income determines its year
    assert search.find(4, [0, 1, 2, 3]) == -1  # hours depend on none of them
    assert search.find(1, []) == -1


def test_share_of_rows_determined() -> None:
    a = np.array([0, 0, 0, 1, 1, 2])
    b = np.array([5, 5, 6, 7, 7, 8])
    assert _determined(a, b) == 5 / 6
    assert _determined(b, a) == 1.0


def test_stratified_tree_routes_every_value_to_its_own_subtree() -> None:
    x = np.repeat(np.arange(5, dtype=np.float32), 4)

    def grow(rows: np.ndarray) -> tuple[np.ndarray, ...]:  # one leaf per stratum
        return (np.zeros((1, 2), np.int64), np.zeros(1, np.int64), np.full(1, np.inf),
                np.zeros(rows.size, np.int64))

    children, _, threshold, leaves = grow_stratified(x, grow, at=0)
    assert len(np.unique(leaves)) == 5
    for value in range(5):
        assert len(np.unique(leaves[x == value])) == 1
    node = np.zeros(x.size, dtype=np.int64)  # walk the tree as sampling does
    for _ in range(_depth(children)):
        go_left = x <= threshold[node]
        node = np.where(go_left, children[node, 0], children[node, 1])
    np.testing.assert_array_equal(node, leaves)
    last = _last_descendant(children, _depth(children))
    assert last[0] == len(children) - 1


@pytest.mark.parametrize(("param", "value"), [
    ("links", "yes"), ("strata", 1.5), ("discover_constraints", 0.2), ("min_tie", -1),
    ("point_mass", 1.5), ("n_jobs", 0), ("n_jobs", 2.5), ("max_predictors", 0),
])
def test_bad_parameters_are_clear_errors(param: str, value: object) -> None:
    frame = pd.DataFrame({"a": np.arange(50.0), "b": np.arange(50.0) % 3})
    with pytest.raises(InvalidParameterError, match=repr(param)):
        CARTSynthesizer(**{param: value}).fit(frame)  # type: ignore[arg-type]
