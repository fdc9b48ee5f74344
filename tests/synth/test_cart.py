"""Behaviour of the CART model, mostly at the encoded-matrix level (no codec involved)."""

import json
import time

import numpy as np
import pandas as pd
import pytest

from simulacra._progress import NULL_PROGRESS
from simulacra.constraints import Inequality
from simulacra.data._frame import EncodedColumn, EncodedFrame
from simulacra.synth._cart_tree import Settings, fit_step, predictors
from simulacra.synth.cart import CARTSynthesizer, _leaf_rule, _row_hashes


def _frame(n: int = 600, seed: int = 0) -> EncodedFrame:
    """x categorical (4 codes, one rare), y = f(x) exactly, z integer with missing values."""
    rng = np.random.default_rng(seed)
    x = rng.choice(4, size=n, p=[0.5, 0.3, 0.18, 0.02]).astype(float)
    y = np.array([10.0, 20.0, 30.0, 40.0])[x.astype(int)]
    z = np.round(rng.normal(50 + y, 5))
    missing = (rng.random(n) < 0.2).astype(float)
    z = np.where(missing == 1, 0.0, z)
    w = rng.normal(size=n) + (x == 2)
    cols = (
        EncodedColumn("x", "x", True, 4),
        EncodedColumn("y", "y", False),
        EncodedColumn("z.missing", "z", True, 2),
        EncodedColumn("z", "z", False, integer=True),
        EncodedColumn("w", "w", False),
    )
    return EncodedFrame(np.column_stack([x, y, missing, z, w]), cols)


def _fitted(frame: EncodedFrame, **params: object) -> CARTSynthesizer:
    model = CARTSynthesizer(**params)  # type: ignore[arg-type]
    model._fit(frame, rng=np.random.default_rng(1), progress=NULL_PROGRESS)
    return model


@pytest.fixture(scope="module")
def frame() -> EncodedFrame:
    return _frame()


@pytest.fixture(scope="module")
def model(frame: EncodedFrame) -> CARTSynthesizer:
    return _fitted(frame)


@pytest.fixture(scope="module")
def syn(model: CARTSynthesizer) -> np.ndarray:
    return model._sample(5000, rng=np.random.default_rng(2)).values


def test_sample_matches_columns(model: CARTSynthesizer, frame: EncodedFrame) -> None:
    out = model._sample(7, rng=np.random.default_rng(0))
    assert out.columns == frame.columns and out.values.shape == (7, 5)


def test_deterministic_relation_is_kept(syn: np.ndarray) -> None:
    expected = np.array([10.0, 20.0, 30.0, 40.0])[syn[:, 0].astype(int)]
    assert np.mean(syn[:, 1] == expected) > 0.99


def test_rare_category_is_kept(syn: np.ndarray) -> None:
    assert 0.005 < np.mean(syn[:, 0] == 3) < 0.05


def test_codes_are_valid(syn: np.ndarray) -> None:
    assert set(np.unique(syn[:, 0])) <= {0.0, 1.0, 2.0, 3.0}
    assert set(np.unique(syn[:, 2])) <= {0.0, 1.0}


def test_missing_pattern_respected(syn: np.ndarray, frame: EncodedFrame) -> None:
    missing = syn[:, 2] == 1
    assert 0.15 < missing.mean() < 0.25
    fill = frame.values[frame.values[:, 2] == 1, 3][0]
    assert np.all(syn[missing, 3] == fill)


def test_integer_column_stays_integer_within_bounds(syn: np.ndarray, frame: EncodedFrame) -> None:
    real = frame.values[frame.values[:, 2] == 0, 3]
    z = syn[syn[:, 2] == 0, 3]
    assert np.all(z == np.round(z))
    assert real.min() <= z.min() and z.max() <= real.max()


def test_continuous_values_are_smoothed(syn: np.ndarray) -> None:
    # rank-space smoothing moves values off their leaf while the marginal stays close
    assert np.unique(syn[:, 4]).size > 300


def test_conditional_mean_follows_predictor(syn: np.ndarray) -> None:
    z, x, present = syn[:, 3], syn[:, 0], syn[:, 2] == 0
    assert z[present & (x == 0)].mean() + 15 < z[present & (x == 2)].mean()


def test_same_rng_same_rows(model: CARTSynthesizer) -> None:
    a = model._sample(300, rng=np.random.default_rng(5)).values
    b = model._sample(300, rng=np.random.default_rng(5)).values
    np.testing.assert_array_equal(a, b)


def test_same_fit_rng_same_model(frame: EncodedFrame) -> None:
    a = _fitted(frame)._sample(200, rng=np.random.default_rng(3)).values
    b = _fitted(frame)._sample(200, rng=np.random.default_rng(3)).values
    np.testing.assert_array_equal(a, b)


def test_threads_fitting_the_trees_do_not_change_the_model(frame: EncodedFrame) -> None:
    one = _fitted(frame, n_jobs=1)
    for n_jobs in (2, 5):
        many = _fitted(frame, n_jobs=n_jobs)
        assert [s.target for s in many.steps_] == [s.target for s in one.steps_]
        for a, b in zip(one.steps_, many.steps_, strict=True):
            state_a, state_b = a.to_state(), b.to_state()
            assert state_a.keys() == state_b.keys()
            for key in state_a:
                np.testing.assert_array_equal(state_a[key], state_b[key])


def test_state_round_trip_gives_identical_samples(model: CARTSynthesizer) -> None:
    state = model._get_state()
    arrays: dict[str, np.ndarray] = {}

    def split(tree: object) -> object:  # JSON + arrays, like the artifact writer
        if isinstance(tree, np.ndarray):
            assert tree.dtype != object
            arrays[str(len(arrays))] = tree
            return {"__array__": str(len(arrays) - 1)}
        if isinstance(tree, dict):
            return {k: split(v) for k, v in tree.items()}
        if isinstance(tree, list):
            return [split(v) for v in tree]
        return tree

    def join(tree: object) -> object:
        if isinstance(tree, dict):
            return arrays[tree["__array__"]] if "__array__" in tree else {
                k: join(v) for k, v in tree.items()}
        if isinstance(tree, list):
            return [join(v) for v in tree]
        return tree

    text = json.dumps(split(state))
    other = CARTSynthesizer()
    other._set_state(join(json.loads(text)))  # type: ignore[arg-type]
    a = model._sample(500, rng=np.random.default_rng(9)).values
    b = other._sample(500, rng=np.random.default_rng(9)).values
    np.testing.assert_array_equal(a, b)


def test_no_copies_of_unique_training_rows() -> None:
    # coarse data where copies are likely: 3 binary columns and a small integer
    rng = np.random.default_rng(4)
    n = 400
    v = np.column_stack([rng.integers(0, 2, (n, 3)), rng.integers(0, 40, n)]).astype(float)
    binary = [EncodedColumn(f"b{i}", f"b{i}", True, 2) for i in range(3)]
    cols = (*binary, EncodedColumn("k", "k", False, integer=True))
    frame = EncodedFrame(v, cols)
    model = _fitted(frame, min_samples_leaf=5)
    hashes, counts = np.unique(_row_hashes(v, model.steps_), return_counts=True)
    unique_rows = hashes[counts == 1]
    out = model._sample(4000, rng=np.random.default_rng(0)).values
    assert not np.isin(_row_hashes(out, model.steps_), unique_rows).any()
    copying = _fitted(frame, min_samples_leaf=5, reject_copies=False)
    out = copying._sample(4000, rng=np.random.default_rng(0)).values
    assert np.isin(_row_hashes(out, model.steps_), unique_rows).any()


def test_rows_repeating_a_real_one_through_missing_values_keep_their_share() -> None:
    # a panel keyed by country and year whose early years have no counts (tidyr::who):
    # every row with the counts missing repeats a real row, and redrawing those as any
    # row left 4% of the counts missing instead of 56%
    rng = np.random.default_rng(5)
    countries, years = [f"c{i}" for i in range(150)], np.arange(1980, 2014)
    panel = pd.DataFrame([(c, y) for c in countries for y in years], columns=["country", "year"])
    late = panel["year"] >= 1995 + rng.integers(0, 8, len(panel))
    for name in ("m014", "m1524", "f014"):
        panel[name] = np.where(late, rng.poisson(40, len(panel)), np.nan)
    out = CARTSynthesizer(seed=0).fit(panel).sample(len(panel))
    np.testing.assert_allclose(out[["m014", "m1524", "f014"]].isna().mean(),
                               panel[["m014", "m1524", "f014"]].isna().mean(), atol=0.03)
    present = out.dropna()  # copies of unique rows with counts are still redrawn
    real = set(map(tuple, panel.dropna().astype(str).to_numpy()))
    assert not set(map(tuple, present.astype(str).to_numpy())) & real


def test_values_beyond_float32_fit_and_sample_without_numpy_warnings() -> None:
    # physical constants (gt::constants) reach 1e50, beyond the float32 trees compare in;
    # numpy's overflow warnings reached the user (the suite turns warnings into errors)
    rng = np.random.default_rng(6)
    exponent = rng.integers(-60, 50, 400)
    df = pd.DataFrame({"value": rng.uniform(1, 10, 400) * 10.0 ** exponent,
                       "digits": rng.integers(3, 15, 400), "kind": rng.choice(list("abc"), 400)})
    out = CARTSynthesizer(seed=0).fit(df).sample(300)
    assert np.isfinite(out["value"]).all() and out["value"].max() <= df["value"].max()


def test_items_subtotal_and_total_keep_their_order_without_rejecting_rows() -> None:
    # mosaicData::HELPfull: rules say item <= subtotal <= total, a total drawn before its
    # subtotal could be smaller than the items, no subtotal then fitted, whole rows were
    # rejected and the missing shares drifted (A1 0.681 -> 0.757)
    rng = np.random.default_rng(8)
    n = 1500
    items = rng.integers(0, 30, (n, 3)).astype(float)
    items[rng.random((n, 3)) < 0.3] = np.nan
    sub = np.nanmax(np.nan_to_num(items, nan=0.0), axis=1) + rng.integers(0, 2, n)
    total = sub + rng.integers(0, 2, n)
    df = pd.DataFrame({"a": items[:, 0], "b": items[:, 1], "c": items[:, 2], "total": total,
                       "sub": sub})
    rules = [Inequality(x, "sub") for x in "abc"] + [Inequality("sub", "total")]
    syn = CARTSynthesizer(seed=0, order="given").fit(df, constraints=rules)
    out = syn.sample(n)
    items_missing = df[["a", "b", "c"]].isna().mean()
    np.testing.assert_allclose(out[["a", "b", "c"]].isna().mean(), items_missing, atol=0.03)
    assert syn.constraints_.worst()[1] > 0.98  # almost every candidate row is kept
    for x in "abc":
        assert (out[x].isna() | (out[x] <= out["sub"])).all()
    assert (out["sub"] <= out["total"]).all()


def test_chains_of_order_rules_imply_their_ends() -> None:
    from simulacra.synth._orders import _with_implied

    pairs = [("a", "b", True), ("b", "c", False), ("c", "d", False), ("x", "y", False),
             ("y", "x", False)]
    implied = set(_with_implied(pairs)) - set(pairs)
    assert implied == {("a", "c", False), ("a", "d", False), ("b", "d", False)}


def test_given_order_and_no_smoothing(frame: EncodedFrame) -> None:
    model = _fitted(frame, order="given", smoothing="none", min_samples_leaf=3)
    out = model._sample(1000, rng=np.random.default_rng(0)).values
    assert [s.target for s in model.steps_] == [0, 1, 2, 3, 4]
    real = set(frame.values[:, 4].tolist())
    assert set(out[:, 4].tolist()) <= real


def test_constant_and_single_column_tables() -> None:
    cols = (EncodedColumn("c", "c", False), EncodedColumn("d", "d", True, 3))
    frame = EncodedFrame(np.column_stack([np.full(50, 2.5), np.zeros(50)]), cols)
    out = _fitted(frame)._sample(20, rng=np.random.default_rng(0)).values
    assert np.all(out[:, 0] == 2.5) and np.all(out[:, 1] == 0)


def test_sampling_is_fast() -> None:
    rng = np.random.default_rng(0)
    n, k = 1500, 15
    v = rng.normal(size=(n, k))
    v[:, :5] = (v[:, :5] > 0).astype(float) + (v[:, :5] > 1)
    cols = tuple(EncodedColumn(f"c{i}", f"c{i}", i < 5, 3 if i < 5 else 0) for i in range(k))
    model = _fitted(EncodedFrame(v, cols))
    start = time.perf_counter()
    out = model._sample(50_000, rng=rng)
    assert out.values.shape == (50_000, k)
    assert time.perf_counter() - start < 20.0  # generous: a loop over rows would take minutes


def test_compiled_tree_finds_the_same_leaves_as_a_plain_walk() -> None:
    rng = np.random.default_rng(6)
    n = 2000
    v = np.column_stack([rng.integers(0, 6, n), rng.normal(size=n), rng.integers(0, 2, n),
                         np.round(rng.normal(size=n), 1)]).astype(float)
    v[:, 3] += v[:, 0] + np.sin(3 * v[:, 1]) + v[:, 2]
    cols = (EncodedColumn("c", "c", True, 6), EncodedColumn("x", "x", False),
            EncodedColumn("b", "b", True, 2), EncodedColumn("y", "y", False))
    step = fit_step(v, cols, 3, [0, 1, 2], None, -1, Settings(5, None, 1.0), 0)
    assert step.depth > 3 and step.used.size == 3
    # fresh rows, plus rows sitting exactly on every threshold (ties go left)
    probe = np.column_stack([rng.integers(0, 6, n), rng.normal(size=n) * 2,
                             rng.integers(0, 2, n), np.zeros(n)]).astype(float)
    x = predictors(step, probe)
    inner = np.flatnonzero(np.isfinite(step.threshold))
    ties = np.repeat(x[:1], inner.size, axis=0)
    ties[np.arange(inner.size), step.feature[inner]] = step.threshold[inner]
    x = np.asfortranarray(np.vstack([x, ties]))
    node = np.zeros(x.shape[0], dtype=np.int64)
    rows = np.arange(x.shape[0])
    for _ in range(step.depth):  # leaves point to themselves with an infinite threshold
        node = step.children[node, (x[rows, step.feature[node]] > step.threshold[node])
                             .astype(np.int64)]
    np.testing.assert_array_equal(step.leaves(x), node)


def _sine_frame(n: int, seed: int, role: str) -> EncodedFrame:
    """t = sin(6a) cos(6b) + noise beside two flags and a block of correlated noise columns."""
    rng = np.random.default_rng(seed)
    a, b = rng.random(n), rng.random(n)
    noise = rng.normal(size=(n, 4))
    noise[:, 1:] += noise[:, :1]
    flags = (rng.random((n, 2)) < 0.5).astype(float)
    t = np.sin(6 * a) * np.cos(6 * b) + 0.1 * rng.normal(size=n)
    cols = (EncodedColumn("f0", "f0", True, 2), EncodedColumn("f1", "f1", True, 2),
            EncodedColumn("a", "a", False), EncodedColumn("b", "b", False),
            *(EncodedColumn(f"n{i}", f"n{i}", False) for i in range(4)),
            EncodedColumn("t", "t", False, role=role))
    return EncodedFrame(np.column_stack([flags, a, b, noise, t]), cols)


def test_declared_target_is_drawn_first_and_keeps_its_relations() -> None:
    from sklearn.metrics import r2_score
    from sklearn.tree import DecisionTreeRegressor

    test = _sine_frame(2000, 100, "target").values
    scores = {}
    for role in ("target", "feature"):
        model = _fitted(_sine_frame(1000, 0, role))
        assert (model.steps_[0].target == 8) == (role == "target")
        syn = model._sample(1000, rng=np.random.default_rng(0)).values
        tree = DecisionTreeRegressor(min_samples_leaf=10, random_state=0)
        tree.fit(syn[:, :-1], syn[:, -1])
        scores[role] = r2_score(test[:, -1], tree.predict(test[:, :-1]))
    assert scores["target"] > 0.5 and scores["target"] > scores["feature"] + 0.15


def test_declared_target_comes_after_its_missing_indicator(frame: EncodedFrame) -> None:
    cols = tuple(EncodedColumn(c.name, c.source, c.discrete, c.cardinality, c.integer,
                               "target" if c.source == "z" else "feature")
                 for c in frame.columns)
    model = _fitted(EncodedFrame(frame.values, cols))
    assert [s.target for s in model.steps_][:2] == [2, 3]


def test_leaves_grow_with_rows_and_shrink_in_wide_tables() -> None:
    assert _leaf_rule(0.5, 10_000, 10) == 50
    assert _leaf_rule(0.5, 10_000, 16) == 50 and _leaf_rule(0.5, 10_000, 64) == 35
    assert _leaf_rule(0.5, 40, 10) == 5


def test_target_split_roots_every_tree_at_a_discrete_target(frame: EncodedFrame) -> None:
    cols = tuple(EncodedColumn(c.name, c.source, c.discrete, c.cardinality, c.integer,
                               "target" if c.name == "x" else "feature") for c in frame.columns)
    model = _fitted(EncodedFrame(frame.values, cols))
    assert model.steps_[0].target == 0
    rooted = [s for s in model.steps_ if s.depth and 0 in s.used.tolist()]
    assert len(rooted) >= 3 and all(s.used[s.feature[0]] == 0 for s in rooted)
    plain = _fitted(EncodedFrame(frame.values, cols), target_split=False)
    assert any(s.depth and s.used[s.feature[0]] != 0 for s in plain.steps_)
    syn = model._sample(4000, rng=np.random.default_rng(0)).values
    expected = np.array([10.0, 20.0, 30.0, 40.0])[syn[:, 0].astype(int)]
    assert np.mean(syn[:, 1] == expected) > 0.99


def test_coarse_numeric_columns_keep_their_exact_relations() -> None:
    # a rare value (4) next to a common one (3), tied to a flag: smoothing would flood it
    rng = np.random.default_rng(3)
    n = 4000
    dead = (rng.random(n) < 0.05).astype(float)
    sev = np.where(dead == 1, 4.0, rng.integers(0, 4, n).astype(float))
    cols = (EncodedColumn("dead", "dead", True, 2, role="target"),
            EncodedColumn("sev", "sev", False, integer=True))
    frame = EncodedFrame(np.column_stack([dead, sev]), cols)
    for coarse, leak in ((0.0, 0.01), (1.0, 0.0)):  # 1.0 is the default
        # with point masses off: they would keep these values whole too
        out = _fitted(frame, coarse=coarse, point_mass=0.0, reject_copies=False)._sample(
            8000, rng=np.random.default_rng(0)).values
        share = np.mean((out[:, 1] == 4) & (out[:, 0] == 0))
        assert share > leak if coarse == 0 else share == 0


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_many_class_codes_fit_quietly(n_jobs: int) -> None:
    # split by a rare class, a column of 60 codes has more "classes" than half its
    # rows on that side; scikit-learn's warning about it must not reach the user, from the
    # main thread or from the threads fitting trees
    rng = np.random.default_rng(2)
    n = 600
    v = np.column_stack([(rng.random(n) < 0.1), rng.integers(0, 60, n)]).astype(float)
    cols = (EncodedColumn("t", "t", True, 2, role="target"), EncodedColumn("id", "id", True, 60))
    out = _fitted(EncodedFrame(v, cols), min_samples_leaf=2, n_jobs=n_jobs)._sample(
        100, rng=np.random.default_rng(0)).values
    assert out.shape == (100, 2)


def test_many_categories_follow_their_predictors() -> None:
    # 200 categories (above MANY_CLASSES): the tree grows on the categories' predictor
    # profiles, not on 200 classes, and must still put each category with its own x range
    from simulacra.synth._cart_tree import MANY_CLASSES

    rng = np.random.default_rng(4)
    n, card = 4000, 200
    x = rng.random(n)
    noise = rng.normal(size=(n, 5))  # predictors unrelated to the categories
    code = np.minimum((x * card).astype(int) + rng.integers(-1, 2, n), card - 1).clip(0)
    assert card > MANY_CLASSES
    cols = (EncodedColumn("x", "x", False),
            *(EncodedColumn(f"w{k}", f"w{k}", False) for k in range(5)),
            EncodedColumn("code", "code", True, card))
    out = _fitted(EncodedFrame(np.column_stack([x, noise, code]).astype(float), cols),
                  order="given")._sample(3000, rng=np.random.default_rng(0)).values
    gap = np.abs(out[:, -1] - out[:, 0] * card)
    # independent draws sit ~67 categories away; a tree split on any predictor ~10
    assert np.median(gap) < 4
    assert np.unique(out[:, -1]).size > card / 2


def _amounts(n: int = 3000, seed: int = 5) -> EncodedFrame:
    """A flag and an amount: 0 for a third of rows, round thousands, else unique cents."""
    rng = np.random.default_rng(seed)
    flag = (rng.random(n) < 0.4).astype(float)
    kind = rng.choice(3, size=n, p=[0.3, 0.3, 0.4])
    unique = np.round(rng.lognormal(7 + flag, 0.8, n), 2)
    amount = np.where(kind == 0, 0.0, np.where(kind == 1, 1000.0 * rng.integers(1, 6, n), unique))
    cols = (EncodedColumn("flag", "flag", True, 2), EncodedColumn("amount", "amount", False))
    return EncodedFrame(np.column_stack([flag, amount]), cols)


def _held_once(train: np.ndarray, out: np.ndarray) -> float:
    """Share of ``out`` equal to a value that occurs exactly once in ``train``."""
    values, counts = np.unique(train, return_counts=True)
    return float(np.isin(out, values[counts == 1]).mean())


def test_values_of_one_training_row_are_not_reproduced() -> None:
    # a synthetic copy of a unique amount singles out its row ("amount == 1234.56")
    frame = _amounts()
    train = frame.values[:, 1]
    assert _held_once(train, train) > 0.3
    out = _fitted(frame)._sample(6000, rng=np.random.default_rng(0)).values[:, 1]
    assert _held_once(train, out) < 0.01
    assert train.min() <= out.min() and out.max() <= train.max()
    exact = _fitted(frame, min_tie=1)._sample(6000, rng=np.random.default_rng(0)).values[:, 1]
    assert _held_once(train, exact) > 0.1  # the check sees copies when they happen


def test_point_masses_keep_their_frequencies() -> None:
    frame = _amounts()
    train = frame.values[:, 1]
    out = _fitted(frame)._sample(6000, rng=np.random.default_rng(1)).values[:, 1]
    for mass in (0.0, 1000.0, 3000.0, 5000.0):
        assert abs(np.mean(out == mass) - np.mean(train == mass)) < 0.02
    assert abs(np.mean(np.isin(out, train)) - 0.6) < 0.05  # the rest moved off real values


def _lots(n: int = 3000, seed: int = 3) -> EncodedFrame:
    """Lot areas and frontages: 0 frontage (no street) on a fifth of lots, else ~ sqrt(area)."""
    rng = np.random.default_rng(seed)
    area = np.round(rng.lognormal(9, 0.4, n))
    street = rng.random(n) < 0.8
    front = np.where(street, np.round(np.exp(0.5 * np.log(area) + rng.normal(0, 0.1, n))), 0.0)
    cols = (EncodedColumn("area", "area", False), EncodedColumn("front", "front", False))
    return EncodedFrame(np.column_stack([area, front]), cols)


def _zero_share_and_corr(model: CARTSynthesizer, train: np.ndarray) -> tuple[float, float]:
    out = model._sample(6000, rng=np.random.default_rng(0)).values
    street = out[:, 1] > 0
    corr = np.corrcoef(np.log(out[street, 0]), np.log(out[street, 1]))[0, 1]
    return float(np.mean(~street) - np.mean(train[:, 1] == 0)), float(corr)


def test_heavy_point_masses_stay_whole_and_keep_their_relations() -> None:
    # a leaf's bandwidth spans its zeros and its frontages: smoothing across them both thins
    # the zeros and scatters frontages far from what the area implies (train log-corr 0.90)
    frame = _lots()
    kept = _fitted(frame, order="given")
    assert kept.steps_[1].point_mass == 150  # 5% of 3000 rows
    gap, corr = _zero_share_and_corr(kept, frame.values)
    assert abs(gap) < 0.015 and corr > 0.8
    gap, corr = _zero_share_and_corr(_fitted(frame, order="given", point_mass=0.0), frame.values)
    assert gap < -0.015 and corr < 0.79


def test_state_without_min_tie_samples_as_before(frame: EncodedFrame) -> None:
    # artifacts saved before min_tie and point_mass existed keep sampling as they did
    old = _fitted(frame, min_tie=0, point_mass=0.0)
    state = old._get_state()
    for s in state["steps"]:
        del s["min_tie"], s["point_mass"]
    loaded = CARTSynthesizer()
    loaded._set_state(state)
    a = old._sample(500, rng=np.random.default_rng(4)).values
    b = loaded._sample(500, rng=np.random.default_rng(4)).values
    np.testing.assert_array_equal(a, b)
    assert any(s.min_tie == 5 for s in _fitted(frame).steps_)


def _wide_frame(n: int = 1500, noise: int = 24, binary: bool = True) -> EncodedFrame:
    """A target (binary or not), ``noise`` unrelated columns, and y tied to the 5th noise column."""
    rng = np.random.default_rng(6)
    target = (rng.random(n) < 0.3).astype(float) if binary else rng.normal(size=n)
    free = rng.normal(size=(n, noise))
    y = free[:, 4] + 2 * target + rng.normal(scale=0.1, size=n)
    cols = (EncodedColumn("t", "t", binary, 2 if binary else 0, role="target"),
            *(EncodedColumn(f"n{k}", f"n{k}", False) for k in range(noise)),
            EncodedColumn("y", "y", False))
    return EncodedFrame(np.column_stack([target, free, y]), cols)


def test_wide_tables_learn_from_their_most_dependent_columns() -> None:
    frame = _wide_frame()
    y = frame.values.shape[1] - 1
    for cap in (3, None):
        model = _fitted(frame, max_predictors=cap, links=False, strata=False)
        used = {s.target: set(s.used.tolist()) for s in model.steps_}
        first, later = sorted((5, y), key=[s.target for s in model.steps_].index)
        assert first in used[later]  # y and n4 stay tied, whichever is drawn first
        widest = max(len(u - {0}) for u in used.values())
        # chance splits: without a cap some noise tree splits on more than 3 columns
        assert widest <= 3 if cap else widest > 3


def test_every_tree_may_learn_from_a_declared_target() -> None:
    # y = n4 + 2 t: with one predictor allowed, the later of y and n4 learns from the other,
    # and from the continuous target t as well
    frame = _wide_frame(binary=False)
    y = frame.values.shape[1] - 1
    model = _fitted(frame, max_predictors=1, links=False, strata=False)
    assert model.steps_[0].target == 0
    visit = [s.target for s in model.steps_]
    first, later = sorted((5, y), key=visit.index)
    assert {0, first} <= set(model.steps_[visit.index(later)].used.tolist())


def test_strongest_predictors_keep_visit_order_and_the_kept_units() -> None:
    from simulacra.synth._cart_jobs import strongest

    unit_of = {0: 0, 1: 1, 2: 1, 3: 2, 4: 3}  # columns 1, 2: a value and its indicator
    dep = np.array([0.1, 0.5, 0.3, 0.3])
    assert strongest([0, 1, 2, 3, 4], unit_of, dep, set(), 2) == (1, 2, 3)  # tie: unit 2
    assert strongest([0, 1, 2, 3, 4], unit_of, dep, {0}, 2) == (0, 1, 2, 3)
    assert strongest([0, 1, 2, 3, 4], unit_of, dep, set(), 4) == (0, 1, 2, 3, 4)
