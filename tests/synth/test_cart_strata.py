"""CART draws a column within the stratum of an earlier column it depends on value by value."""

import numpy as np

from simulacra._progress import NULL_PROGRESS
from simulacra.data._frame import EncodedColumn, EncodedFrame
from simulacra.synth._cart_strata import StrataSearch, _determined, grow_stratified
from simulacra.synth._cart_tree import _depth, _last_descendant
from simulacra.synth.cart import CARTSynthesizer


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


def _sample(frame: EncodedFrame, **params: object) -> np.ndarray:
    model = CARTSynthesizer(order="given", smoothing="none", **params)  # type: ignore[arg-type]
    model._fit(frame, rng=np.random.default_rng(1), progress=NULL_PROGRESS)
    return model._sample(6000, rng=np.random.default_rng(2)).values


def test_dependent_columns_keep_their_real_combinations() -> None:
    frame = _jobs()
    real = frame.values
    out = _sample(frame)
    assert _combos_unseen(real, out, 0, 1) == 0.0  # prestige follows the occupation
    assert _combos_unseen(real, out, 2, 3) < 0.02  # income belongs to its year
    plain = _sample(frame, strata=False)
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
