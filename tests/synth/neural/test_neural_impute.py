"""Native imputation of argn (held draws), tvae (a latent Metropolis-within-Gibbs chain) and
ddpm (every row inpainted in one reverse chain).

Before, both filled a row by sampling conditioned on all its given cells (rejection), which
never draws a real row giving nearly every cell: a SamplingError.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from simulacra.constraints import Inequality
from simulacra.synth import load_synthesizer, make_synthesizer

torch = pytest.importorskip("torch")

from simulacra.synth._held_impute import held_cells  # noqa: E402
from simulacra.synth.neural._autoregressive import ARGNNet  # noqa: E402

pytestmark = pytest.mark.neural

ARGN: dict[str, Any] = {"epochs": 40, "batch_size": 128, "n_bins": 16, "hidden_size": 32,
                        "learning_rate": 5e-3, "patience": 40, "device": "cpu", "threads": 1}
TVAE: dict[str, Any] = {"epochs": 150, "embedding_dim": 8, "hidden_size": 64,
                        "patience": 150, "device": "cpu", "threads": 1}
DDPM: dict[str, Any] = {"epochs": 60, "batch_size": 128, "num_timesteps": 100,
                        "embedding_dim": 16, "hidden_size": 64, "patience": 60,
                        "device": "cpu", "threads": 1}
MODELS = {"argn": ("argn", ARGN), "argn-any": ("argn", {**ARGN, "order": "any"}),
          "tvae": ("tvae", TVAE), "ddpm": ("ddpm", DDPM)}


def shop(n: int, seed: int) -> pd.DataFrame:
    """A class that shifts ``x``, ``y`` above ``x`` tied to it, ``z`` falling with ``x`` and
    missing in a fifth of the rows, and an unrelated flag."""
    rng = np.random.default_rng(seed)
    segment = rng.choice(["vip", "regular", "new"], size=n, p=[0.25, 0.45, 0.3])
    x = rng.standard_normal(n) + np.where(segment == "vip", 3.0, 0.0)
    z = -x + 0.4 * rng.standard_normal(n)
    z[rng.random(n) < 0.2] = np.nan
    return pd.DataFrame({"noise": rng.choice(["a", "b"], size=n), "x": x,
                         "y": x + np.exp(0.3 * rng.standard_normal(n)),
                         "segment": segment, "z": z})


@pytest.fixture(scope="module")
def fitted() -> dict[str, Any]:
    train = shop(1200, 0)
    return {key: make_synthesizer(name, seed=0, **params).fit(
        train, constraints=[Inequality("x", "y")]) for key, (name, params) in MODELS.items()}


@pytest.fixture(scope="module")
def real() -> pd.DataFrame:
    return shop(300, 1)


def with_blanks(rows: pd.DataFrame, blanks: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    mask = np.zeros(rows.shape, dtype=bool)
    for i in range(len(rows)):
        mask[i, rng.choice(rows.shape[1], blanks, replace=False)] = True
    return rows.mask(mask)


def rejected(syn: Any, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The rows left to conditioned sampling (rejection), as they come."""
    calls: list[int] = []
    original = syn._sample_frame

    def spy(n: int, **kwargs: Any) -> Any:
        calls.append(n)
        return original(n, **kwargs)

    monkeypatch.setattr(syn, "_sample_frame", spy)
    return calls


@pytest.mark.parametrize("key", list(MODELS))
@pytest.mark.parametrize("blanks", [1, 2])
def test_real_rows_with_a_few_blank_cells_are_filled_natively(
        key: str, blanks: int, fitted: dict[str, Any], real: pd.DataFrame,
        monkeypatch: pytest.MonkeyPatch) -> None:
    syn = fitted[key]
    partial = with_blanks(real, blanks, seed=blanks)
    left = rejected(syn, monkeypatch)
    out = syn.impute(partial, seed=1)
    # argn holds the given cells; tvae's chain may leave a row whose given x lies at the top
    # of the range (y must reach above it) to rejection
    assert sum(left) <= (0 if key.startswith("argn") else len(partial) // 50), left
    for column in partial.columns:  # given cells exactly as given
        kept = partial[column].notna()
        assert (out.loc[kept, column] == partial.loc[kept, column]).all(), column
    blank = partial.isna().to_numpy()
    assert out.notna().to_numpy()[blank].all()  # a blank z too: its value is wanted
    assert (out["y"] >= out["x"]).all()  # the rule
    assert list(out.dtypes) == list(real.dtypes)


@pytest.mark.parametrize("key", list(MODELS))
def test_imputed_cells_follow_the_given_ones(key: str, fitted: dict[str, Any],
                                             real: pd.DataFrame) -> None:
    # a draw that ignored the given cells would not correlate with the truth at all
    syn = fitted[key]
    ignoring = syn.sample(len(real), seed=3)
    for column in ["x", "y"]:  # each drawn given the other (for argn, before or after it)
        out = syn.impute(real.assign(**{column: np.nan}), seed=1)
        assert np.corrcoef(out[column], real[column])[0, 1] > 0.85, column
        assert abs(np.corrcoef(ignoring[column], real[column])[0, 1]) < 0.2
    # x tells a vip from the others (regular and new are alike: 0.63 right at best)
    out = syn.impute(real.assign(segment=None), seed=1)
    right = (out["segment"] == real["segment"]).mean()
    assert right > 0.52 > (ignoring["segment"] == real["segment"]).mean() + 0.12


@pytest.mark.parametrize("key", list(MODELS))
def test_same_seed_same_rows_and_a_loaded_model_imputes_the_same(
        key: str, fitted: dict[str, Any], real: pd.DataFrame, tmp_path: Path) -> None:
    syn = fitted[key]
    partial = with_blanks(real.head(60), 2, seed=5)
    first = syn.impute(partial, seed=7)
    pd.testing.assert_frame_equal(first, syn.impute(partial, seed=7))
    syn.save(tmp_path / "m.sim")
    pd.testing.assert_frame_equal(first, load_synthesizer(tmp_path / "m.sim").impute(
        partial, seed=7))


def test_argn_held_likelihood_is_the_networks(fitted: dict[str, Any],
                                              real: pd.DataFrame) -> None:
    # every cell held: the rows come back as given, and each row's log-likelihood is minus
    # the network's negative log-likelihood of its codes (what training minimized)
    syn = fitted["argn"]
    frame = real.dropna().head(50)
    values, held, _ = held_cells(syn, frame, frame.notna(), np.random.default_rng(0))
    rows, log_like = syn.held_draw(values, held, np.random.default_rng(1))
    np.testing.assert_array_equal(rows[held], values[held])
    from simulacra.synth.neural._argn_impute import held_codes
    from simulacra.synth.neural._autoregressive import order_mask

    cells = held_codes(syn.attributes_, values, held)
    assert cells.held.all()
    codes = syn.pools_.to_model(cells.codes)
    d = syn.attributes_.size
    net = ARGNNet(syn.pools_.cards, ARGN.get("embedding_dim", 16), ARGN["hidden_size"], 1,
                  np.random.default_rng(0))
    net.load_state_dict({k: torch.from_numpy(v) for k, v in syn.weights_.items()})
    c = torch.from_numpy(np.ascontiguousarray(codes.T))
    with torch.no_grad():
        h = net.hidden(c, torch.from_numpy(order_mask(syn.order_, d)))
        expected = sum(torch.log_softmax(h[a] @ net.heads[a] + net.head_biases[a], dim=1)
                       [torch.arange(len(c)), c[:, a]] for a in range(d))
    np.testing.assert_allclose(log_like, expected.numpy(), rtol=1e-4, atol=1e-3)


def test_argn_candidates_are_weighed_by_the_cells_after_the_blank(
        fitted: dict[str, Any], real: pd.DataFrame) -> None:
    # the first of x, y in argn's order is drawn before the other is seen; with every column
    # before it blank too, it follows the given cells only through the candidates' weights
    # (0.94 here; 0.44 with equal weights, from the rule y >= x alone)
    syn = fitted["argn"]
    attributes = syn.attributes_
    order = [attributes.columns[int(attributes.value_columns[a])].source for a in syn.order_]
    first = min(["x", "y"], key=order.index)
    blank = order[:order.index(first) + 1]
    out = syn.impute(real.assign(**dict.fromkeys(blank, np.nan)), seed=1)
    assert np.corrcoef(out[first], real[first])[0, 1] > 0.85


def test_tvae_chain_starts_from_a_draw_but_ends_near_the_given_cells(
        fitted: dict[str, Any], real: pd.DataFrame, monkeypatch: pytest.MonkeyPatch) -> None:
    # without the chain's steps the blanks are an unconditional draw: what makes them follow
    # the given cells is the chain, not the start
    import simulacra.synth.neural._vae_impute as vae

    syn = fitted["tvae"]
    rows = real[real["z"].notna()]
    partial = rows.assign(z=np.nan)  # no rule reads z: no row runs its chain further
    assert np.corrcoef(syn.impute(partial, seed=1)["z"], rows["z"])[0, 1] > 0.8
    monkeypatch.setattr(vae, "BURN_IN", 0)
    start = syn.impute(partial, seed=1)
    assert abs(np.corrcoef(start["z"], rows["z"])[0, 1]) < 0.3


@pytest.mark.parametrize("key", ["argn", "tvae"])
def test_a_blank_category_that_is_often_missing_is_filled(key: str) -> None:
    # a category's missing value is one of its codes: tvae's chain read it for 90 of 200
    # blank cells of a column missing in half the real rows
    rng = np.random.default_rng(0)
    x = rng.normal(0.0, 1.0, 1_000)
    kind = np.where(x > 0, "high", "low").astype(object)
    kind[rng.random(1_000) < 0.5] = None
    name, params = MODELS[key]
    syn = make_synthesizer(name, seed=0, **{**params, "epochs": 30}).fit(
        pd.DataFrame({"x": x, "kind": kind}))
    partial = pd.DataFrame({"x": np.r_[np.full(50, 1.5), np.full(50, -1.5)],
                            "kind": [None] * 100})
    out = syn.impute(partial, seed=0)
    assert out["kind"].notna().all()
    assert (out["kind"][:50] == "high").mean() > 0.7 and (out["kind"][50:] == "low").mean() > 0.7


@pytest.fixture(scope="module")
def ctgan() -> Any:
    return make_synthesizer("ctgan", seed=0, epochs=150, device="cpu", threads=1).fit(
        shop(1200, 0), constraints=[Inequality("x", "y")])


def test_ctgan_fills_real_rows_from_its_nearest_rows(ctgan: Any, real: pd.DataFrame,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # a GAN holds no cell: each row conditioned on all its given cells by rejection failed
    # (SamplingError); its blanks now come from the model's rows nearest its given cells
    ignoring = ctgan.sample(len(real), seed=3)
    left = rejected(ctgan, monkeypatch)
    for column in ["x", "y"]:
        out = ctgan.impute(real.assign(**{column: np.nan}), seed=1)
        assert np.corrcoef(out[column], real[column])[0, 1] > 0.85, column
        assert abs(np.corrcoef(ignoring[column], real[column])[0, 1]) < 0.2
        assert (out["y"] >= out["x"]).all()
    partial = with_blanks(real, 2, seed=2)
    out = ctgan.impute(partial, seed=1)
    assert out.notna().to_numpy()[partial.isna().to_numpy()].all()
    for column in partial.columns:
        kept = partial[column].notna()
        assert (out.loc[kept, column] == partial.loc[kept, column]).all(), column
    assert (out["y"] >= out["x"]).all() and not left
    pd.testing.assert_frame_equal(out, ctgan.impute(partial, seed=1))  # same seed, same rows


def test_tvae_chain_chooses_among_the_values_a_rules_given_part_leaves() -> None:
    # a given continent leaves three countries: drawn in the model's shares they were right
    # a third of the time; drawn by the chain among them, the given income says which
    from simulacra.constraints import FixedCombinations

    continent = {f"c{i}": ("north", "south", "east", "west")[i % 4] for i in range(12)}
    rng = np.random.default_rng(0)
    country = rng.choice(list(continent), 2400)
    level = {c: 10.0 * i for i, c in enumerate(continent)}
    places = pd.DataFrame({"country": country,
                           "continent": [continent[c] for c in country],
                           "income": np.round([level[c] + rng.normal(0, 1) for c in country],
                                              2)})
    syn = make_synthesizer("tvae", seed=0, **TVAE).fit(
        places, constraints=[FixedCombinations(["country", "continent"])])
    out = syn.impute(places.head(150).assign(country=None), seed=0)
    assert (out["country"].map(continent) == out["continent"]).all()
    assert (out["country"] == places.head(150)["country"]).mean() > 0.7
