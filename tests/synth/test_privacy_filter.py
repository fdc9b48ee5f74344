"""The privacy filter leaves out the candidate rows that sit closest to real rows."""

import json
import math
import zipfile

import numpy as np
import pandas as pd
import pytest

from simulacra import load_synthesizer, make_synthesizer
from simulacra.data._frame import EncodedColumn, EncodedFrame
from simulacra.errors import ArtifactError, InvalidParameterError
from simulacra.synth._privacy_filter import (
    DistanceSpace,
    PrivacyFilter,
    filter_share,
    nearest_distance,
)
from simulacra.testing import check_synthesizer

COLUMNS = (EncodedColumn("x", "x", False), EncodedColumn("y", "y", False))


def _filter(train: np.ndarray, share: float) -> PrivacyFilter:
    frame = EncodedFrame(train, COLUMNS)
    return PrivacyFilter(share, DistanceSpace.fit(frame), train)


def _scripted(batches: list[np.ndarray]):
    """A draw that returns the given batches in turn (the first is the synthetic reference)."""
    calls = iter(batches)

    def draw(n: int, rng: np.random.Generator) -> EncodedFrame:
        rows = next(calls)
        assert len(rows) == n
        return EncodedFrame(rows, COLUMNS)

    return draw


def test_copies_of_training_rows_go_first():
    rng = np.random.default_rng(0)
    train = rng.normal(size=(50, 2))
    own = rng.normal(size=(50, 2))
    fresh = rng.normal(size=(10, 2)) + 0.01
    candidates = np.vstack([train[:10], fresh])  # ten copies, ten fresh rows
    kept = _filter(train, 0.5).wrap(_scripted([own, candidates]))(10, rng)
    np.testing.assert_array_equal(kept.values, fresh)


def test_closeness_counts_relative_to_the_models_own_density():
    # Two training rows: one in a dense region of the model's own rows, one alone.
    train = np.array([[0.0, 0.0], [10.0, 10.0]] + [[-5.0, 5.0 + i] for i in range(8)])
    own = np.vstack([np.full((9, 2), 0.05), [[30.0, 30.0]]])  # as many as the real rows
    own[:9] += np.linspace(-0.05, 0.05, 9)[:, None]
    dense = [0.1, 0.1]  # near a real row, but no nearer than the model's rows are
    lone = [10.5, 10.5]  # farther from its real row, but hugging it compared with the rest
    kept = _filter(train, 0.5).wrap(_scripted([own, np.array([dense, lone])]))(
        1, np.random.default_rng(0))
    np.testing.assert_array_equal(kept.values, [dense])


def test_nearest_distance_is_exact_and_zero_for_equal_rows():
    rng = np.random.default_rng(1)
    points = rng.normal(size=(300, 5)).astype(np.float32)
    reference = rng.normal(size=(200, 5)).astype(np.float32)
    brute = np.sqrt(((points[:, None, :] - reference[None]) ** 2).sum(-1)).min(1)
    np.testing.assert_allclose(nearest_distance(points, reference), brute, rtol=1e-4, atol=1e-4)
    assert (nearest_distance(reference[:7], reference) == 0).all()


def test_categories_are_one_distance_apart_and_many_use_codes():
    cols = (EncodedColumn("c", "c", True, cardinality=3),
            EncodedColumn("k", "k", True, cardinality=500))
    frame = EncodedFrame(np.array([[0, 0], [1, 1], [2, 2], [0, 499]], dtype=float), cols)
    points = DistanceSpace.fit(frame).embed(frame.values)
    assert points.shape == (4, 3 + 16)
    np.testing.assert_allclose(np.linalg.norm(points[0, :3] - points[1, :3]), 1.0, rtol=1e-6)
    gaps = np.linalg.norm(points[:3, 3:] - points[3, 3:], axis=1)
    assert np.all((gaps > 0.5) & (gaps < 1.5))


def test_off_unless_asked_for():
    assert make_synthesizer("auto").fit(_clustered(100, seed=1)).privacy_filter_ is None


def test_auto_share_shrinks_with_the_table():
    assert filter_share(None, 100) == 0.0
    assert filter_share(0.1, 100) == 0.1
    assert filter_share("auto", 100) == 0.25
    assert math.isclose(filter_share("auto", 4225), 0.1)


def _clustered(n: int, seed: int) -> pd.DataFrame:
    """Coarse columns around a few hundred centres: small tables invite near copies."""
    rng = np.random.default_rng(seed)
    centre = rng.integers(0, 40, size=n)
    return pd.DataFrame({
        "a": np.round(centre * 1.7 + rng.normal(0, 0.6, n), 1),
        "b": np.round(np.sin(centre) * 20 + rng.normal(0, 0.6, n), 1),
        "c": np.round(np.cos(centre * 3) * 10 + rng.normal(0, 0.6, n), 1),
        "d": np.round(centre % 7 + rng.normal(0, 0.6, n), 1),
        "k": pd.Series(rng.choice(["p", "q", "r"], n)).astype(str),
    })


def _closer_to_train(sample: pd.DataFrame, train: pd.DataFrame, holdout: pd.DataFrame) -> float:
    frame = pd.concat([train, holdout, sample], ignore_index=True)
    numbers = frame[["a", "b", "c", "d"]].to_numpy(float)
    points = np.hstack([(numbers - numbers[: len(train)].mean(0)) / numbers[: len(train)].std(0),
                        pd.get_dummies(frame["k"]).to_numpy(float) / math.sqrt(2)])
    n_t, n_h = len(train), len(holdout)
    syn = points[n_t + n_h:].astype(np.float32)
    to_train = nearest_distance(syn, points[:n_t].astype(np.float32))
    to_holdout = nearest_distance(syn, points[n_t:n_t + n_h].astype(np.float32))
    return float(np.mean(to_train < to_holdout) + 0.5 * np.mean(to_train == to_holdout))


def test_filter_brings_a_memorizing_model_closer_to_a_fresh_sample():
    data = _clustered(1200, seed=3)
    train, holdout = data.iloc[:600], data.iloc[600:]
    shares = {}
    for setting in (None, 0.3):
        runs = []
        for seed in range(3):
            syn = make_synthesizer("cart", seed=seed, min_samples_leaf=2,
                                   privacy_filter=setting).fit(train)
            runs.append(_closer_to_train(syn.sample(600, seed=seed), train, holdout))
        shares[setting] = float(np.mean(runs))
    assert shares[None] > 0.56  # the memorizing model sits near its training rows
    assert shares[0.3] < shares[None] - 0.03


def test_auto_strength_filters_and_round_trips(tmp_path):
    data = _clustered(400, seed=5)
    syn = make_synthesizer("auto", seed=2, privacy_filter="auto").fit(data)
    assert syn.privacy_filter_.share == pytest.approx(min(0.25, 6.5 / math.sqrt(400)))
    assert syn.privacy_filter_.reference.shape[0] == 400
    first = syn.sample(300, seed=9)
    assert len(first) == 300
    streamed = pd.concat(syn.iter_sample(300, seed=9, chunk_rows=128), ignore_index=True)
    assert len(streamed) == 300
    syn.save(tmp_path / "m.sim")
    again = load_synthesizer(tmp_path / "m.sim")
    pd.testing.assert_frame_equal(again.sample(300, seed=9), first)


def test_filling_in_given_rows_is_not_filtered(monkeypatch):
    data = _clustered(300, seed=6)
    syn = make_synthesizer("auto", seed=2, privacy_filter="auto").fit(data)

    def refuse(self, draw):
        raise AssertionError("the filter ran")

    monkeypatch.setattr(PrivacyFilter, "wrap", refuse)
    partial = data.iloc[:5].copy()
    partial[["a", "b", "c", "d"]] = np.nan  # fill in the numbers of rows with a given `k`
    filled = syn.impute(partial)
    assert filled["a"].notna().all() and (filled["k"] == partial["k"]).all()
    with pytest.raises(AssertionError, match="the filter ran"):
        syn.sample(5)


@pytest.mark.parametrize("value", [0.6, -0.1, "strong", True])
def test_bad_privacy_filter_is_refused(value):
    with pytest.raises(InvalidParameterError, match="privacy_filter"):
        make_synthesizer("cart", privacy_filter=value).fit(_clustered(50, seed=0))


def test_contract_holds_with_the_filter():
    check_synthesizer(make_synthesizer("cart", seed=11, privacy_filter=0.2))


def test_a_model_file_missing_its_reference_is_refused(tmp_path):
    plain = tmp_path / "plain.sim"
    make_synthesizer("cart", seed=1).fit(_clustered(120, seed=2)).save(plain)
    cut = tmp_path / "cut.sim"
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(cut, "w") as zout:
        for item in zin.namelist():
            data = zin.read(item)
            if item == "manifest.json":
                manifest = json.loads(data)
                manifest["params"]["privacy_filter"] = 0.2  # asks for a reference it lacks
                del manifest["digest"]  # as a file from before digests (else refused as edited)
                data = json.dumps(manifest).encode()
            zout.writestr(item, data)
    with pytest.raises(ArtifactError, match="privacy_filter"):
        load_synthesizer(cut)
