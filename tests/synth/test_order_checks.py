"""The fast checks of order rules agree, row for row, with checking each rule on its own.

``synth/_orders.py:OrderCheck`` checks all of a column's order pairs at once and clamps
rows in one pass; ``synth/_rule_reach.py:RuleCheck.after_change`` checks only the rules
one encoded column reaches. Samples must not move, so each is compared with the plain
per-pair (per-rule) form it replaced.
"""

import numpy as np
import pandas as pd
import pytest

from simulacra import make_synthesizer
from simulacra.constraints import FixedCombinations, Formula, Inequality, Range, Unique
from simulacra.synth._marginals import MISSING_CODE
from simulacra.synth._orders import OrderCheck, OrderPair
from simulacra.synth._rule_reach import RuleCheck


def _broken(p: OrderPair, out: np.ndarray) -> np.ndarray:
    low, high = out[:, p.low], out[:, p.high]
    broken = low >= high if p.strict else low > high
    for m in (p.low_missing, p.high_missing):
        if m >= 0:
            broken &= out[:, m] != MISSING_CODE
    return broken


def _matrix(seed: int, n: int) -> tuple[np.ndarray, list[int], dict[int, int]]:
    """Value columns 0..9 (with ties and NaN), indicators 10..14 for columns 0..4."""
    rng = np.random.default_rng(seed)
    out = np.asfortranarray(rng.integers(0, 6, (n, 15)).astype(float))
    out[rng.random(n) < 0.05, 3] = np.nan
    out[:, 10:] = (rng.random((n, 5)) < 0.3) * MISSING_CODE
    return out, list(range(10)), {j: 10 + j for j in range(5)}


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("n", [40, 3000])  # rows gathered at once, and column by column
def test_order_check_finds_the_rows_each_pair_finds(seed: int, n: int) -> None:
    rng = np.random.default_rng(100 + seed)
    out, values, missing = _matrix(seed, n)
    target = 2
    pairs, known = [], []
    for other in rng.choice([v for v in values if v != target], 7, replace=False).tolist():
        low, high = (other, target) if rng.random() < 0.5 else (target, other)
        pairs.append(OrderPair(low, high, bool(rng.random() < 0.4),
                               missing.get(low, -1), missing.get(high, -1)))
        known.append(None if rng.random() < 0.6 else rng.random(n) < 0.7)
    check = OrderCheck(target, pairs, known)
    expected = np.zeros(n, dtype=bool)
    for p, k in zip(pairs, known, strict=True):
        expected |= _broken(p, out) & (True if k is None else k)
    np.testing.assert_array_equal(check.broken(out), np.flatnonzero(expected))
    rows = np.flatnonzero(rng.random(n) < 0.5)
    np.testing.assert_array_equal(rows[check.broken(out, rows)],
                                  rows[expected[rows]])

    # clamping (plain draws: every pair counts in every row)
    check = OrderCheck(target, pairs, [None] * len(pairs))
    rows = check.broken(out)
    slow = out.copy(order="F")
    for p in pairs:  # the loop clamp replaced
        if p.strict:
            continue
        moved = rows[_broken(p, slow)[rows]]
        bound = p.low if target == p.high else p.high
        slow[moved, target] = slow[moved, bound]
    fast = out.copy(order="F")
    check.clamp(fast, rows)
    np.testing.assert_array_equal(fast, slow)


@pytest.fixture(scope="module")
def ruled() -> tuple[pd.DataFrame, list]:
    rng = np.random.default_rng(3)
    n = 300
    a = rng.gamma(2, 10, n).round(1)
    b = (a + rng.gamma(1, 5, n)).round(1)
    c = (b + rng.exponential(3, n)).round(1)
    b[rng.random(n) < 0.1] = np.nan
    city = rng.choice(["x", "y", "z"], n)
    data = pd.DataFrame({
        "a": a, "b": b, "c": c, "total": (a + c).round(1), "id": rng.permutation(n) * 1.5,
        "start": pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 300, n), "D"),
        "city": city, "country": np.where(city == "z", "B", "A"),
    })
    data["end"] = data["start"] + pd.to_timedelta(rng.integers(0, 50, n), "D")
    rules = [Inequality("a", "b"), Range("b", "a", "c"), Formula("total", "a + c"),
             Inequality("start", "end", strict=False), Unique(["id"]),
             FixedCombinations(["city", "country"]), Range("c", 0, 500)]
    return data, rules


@pytest.mark.parametrize("name", ["cart", "copula"])
def test_checking_the_rules_a_column_reaches_agrees_with_checking_all(
        ruled: tuple[pd.DataFrame, list], name: str) -> None:
    data, rules = ruled
    model = make_synthesizer(name, seed=0).fit(data, constraints=rules)
    check = RuleCheck(model.codec_, model.constraints_, model.table_.column_names)
    model.constraints_.begin_sampling()
    frame = model._sample_checked(400, np.random.default_rng(1))
    rows = np.flatnonzero(check(frame))[:120]  # rows that obey every rule
    values = frame.values[rows]
    rng = np.random.default_rng(2)
    for j in range(values.shape[1]):
        trial = values.copy()
        column = trial[:, j]
        trial[:, j] = np.where(rng.random(len(column)) < 0.5,
                               rng.permutation(column), column)  # other rows' values
        tried = type(frame)(trial, frame.columns)
        np.testing.assert_array_equal(check.after_change(tried, j), check(tried),
                                      err_msg=frame.columns[j].name)


@pytest.mark.parametrize("name", ["cart", "copula"])
def test_rules_on_columns_formulas_rebuild_are_checked_from_the_formulas_inputs(
        name: str) -> None:
    # HELPfull: 18 sums under 337 order rules; rebuilding the whole table for every extreme
    # tried took 250 of 306 s; the derived columns are now rebuilt from their inputs alone
    rng = np.random.default_rng(5)
    n = 300
    a, b, c = (rng.gamma(2, 10, n).round(1) for _ in range(3))
    data = pd.DataFrame({"a": a, "b": b, "c": c, "s1": (a + b).round(1),
                         "s2": (a + b + c).round(1), "cap": (a + b + c + 5).round(1)})
    rules = [Formula("s1", "a + b"), Formula("s2", "s1 + c"), Inequality("s2", "cap"),
             Inequality("a", "s1"), Range("c", 0, 400)]
    model = make_synthesizer(name, seed=0).fit(data, constraints=rules)
    check = RuleCheck(model.codec_, model.constraints_, model.table_.column_names)
    assert check._reached(0)[2], "a's rules are reached through the formulas"
    model.constraints_.begin_sampling()
    frame = model._sample_checked(400, np.random.default_rng(1))
    rows = np.flatnonzero(check(frame))[:150]
    values = frame.values[rows]
    rng = np.random.default_rng(2)
    for j in range(values.shape[1]):
        trial = values.copy()
        trial[:, j] = np.where(rng.random(len(rows)) < 0.5, trial[:, j] * 1.5, trial[:, j])
        tried = type(frame)(trial, frame.columns)
        np.testing.assert_array_equal(check.after_change(tried, j), check(tried),
                                      err_msg=frame.columns[j].name)
