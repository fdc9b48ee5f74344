"""bayesnet's native impute: held cells fix their attributes, rows weighed by their likelihood."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulacra import load_dataset, load_synthesizer, make_synthesizer
from simulacra.constraints import Inequality
from simulacra.synth._discrete import bin_of
from simulacra.synth._marginals import MISSING_CODE
from simulacra.synth.bayesnet import BayesianNetworkSynthesizer
from tests.synth.co_missing import ITEMS, survey_table


@pytest.fixture(scope="module")
def credit() -> pd.DataFrame:
    return load_dataset("credit_data")


@pytest.fixture(scope="module")
def fitted(credit: pd.DataFrame) -> BayesianNetworkSynthesizer:
    syn = make_synthesizer("bayesnet", seed=0).fit(credit.iloc[:3000])
    assert isinstance(syn, BayesianNetworkSynthesizer)
    return syn


def blanked(frame: pd.DataFrame, blanks: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """``frame`` with ``blanks`` cells per row set missing, and where."""
    rng = np.random.default_rng(seed)
    blank = np.zeros(frame.shape, dtype=bool)
    for i in range(len(frame)):
        blank[i, rng.choice(frame.shape[1], blanks, replace=False)] = True
    return frame.mask(blank), blank


def assert_given_kept(partial: pd.DataFrame, out: pd.DataFrame) -> None:
    for column in partial.columns:
        kept = partial[column].notna()
        assert (out.loc[kept, column] == partial.loc[kept, column]).all(), column


@pytest.mark.parametrize("blanks", [1, 2, 4])
def test_bayesnet_imputes_real_rows_with_a_few_blank_cells(
        credit: pd.DataFrame, fitted: BayesianNetworkSynthesizer, blanks: int) -> None:
    # each row gives nearly every cell: rejection never drew such a row (a SamplingError
    # on the first one); the network now draws all rows at once with the given cells held
    partial, blank = blanked(credit.iloc[3000:3400].reset_index(drop=True), blanks)
    out = fitted.impute(partial, seed=1)
    assert_given_kept(partial, out)
    assert fitted.constraints_.obeyed(out).all()
    # blank cells get values, categories with missing values (Home, Job) included
    assert out.notna().to_numpy()[blank].mean() == 1.0


def test_imputed_category_follows_the_networks_posterior() -> None:
    # a -> b -> c, strongly tied: the network's posterior of a blank cell given the others
    # (by enumeration over its tables) is what imputed rows show, whichever column comes
    # first in the order: cells after it count through the candidates' weights
    rng = np.random.default_rng(0)
    n, values = 4000, np.array(["x", "y", "z"])
    a = rng.choice(values, n, p=[0.5, 0.3, 0.2])
    b = np.where(rng.random(n) < 0.8, a, rng.choice(values, n))
    c = np.where(rng.random(n) < 0.7, b, rng.choice(values, n))
    table = pd.DataFrame({"a": a, "b": b, "c": c})
    syn = make_synthesizer("bayesnet", seed=0).fit(table)
    assert isinstance(syn, BayesianNetworkSynthesizer)
    names = [syn.attributes_.columns[j].name for j in syn.attributes_.value_columns]
    codes = {name: list(syn.codec_.codec(name).categories) for name in names}
    probs = [np.diff(cum, axis=1, prepend=0.0) for cum in syn.cpts_]

    def joint(row: list[int]) -> float:
        p = 1.0
        for i in range(len(names)):
            config = 0
            for parent in syn.parents_[i]:
                config = config * int(syn._cards[parent]) + row[parent]
            p *= probs[i][config, row[i]]
        return p

    apart = 0.0  # how far a posterior lies from its column's marginal
    for target in names:
        marginal = np.array([(table[target] == value).mean() for value in codes[target]])
        for given in [("x", "x"), ("y", "z"), ("z", "y")]:
            others = dict(zip([name for name in names if name != target], given, strict=True))
            exact = []
            for code in range(len(codes[target])):
                row = [0] * len(names)
                row[names.index(target)] = code
                for name, value in others.items():
                    row[names.index(name)] = codes[name].index(value)
                exact.append(joint(row))
            posterior = np.array(exact) / sum(exact)
            partial = pd.DataFrame({**{k: [v] * 3000 for k, v in others.items()},
                                    target: [None] * 3000})[list(table.columns)]
            got = syn.impute(partial, seed=1)[target]
            shares = np.array([(got == value).mean() for value in codes[target]])
            np.testing.assert_allclose(shares, posterior, atol=0.03, err_msg=f"{target} {given}")
            apart = max(apart, float(np.abs(posterior - marginal).max()))
    assert apart > 0.4  # so a draw ignoring the given cells would fail above


def test_imputed_numbers_follow_the_given_cells(credit: pd.DataFrame,
                                                fitted: BayesianNetworkSynthesizer) -> None:
    test = credit.iloc[3000:].reset_index(drop=True)
    for column, least in [("Amount", 0.4), ("Price", 0.25), ("Assets", 0.12)]:
        partial = test[test[column].notna()].reset_index(drop=True).astype({column: "float64"})
        truth = partial[column].copy()
        partial[column] = np.nan
        got = fitted.impute(partial, seed=1)[column]
        ignoring = fitted.sample(len(partial), seed=2)[column].fillna(truth.mean())
        assert np.corrcoef(truth, got)[0, 1] > least, column
        assert abs(np.corrcoef(truth, ignoring)[0, 1]) < 0.1, column


def test_blank_members_of_a_missing_block_draw_values_from_the_row() -> None:
    # q0..q19 go missing together (one block, a pattern per row): a blank item is held
    # "present" and must take a value from the present states, not the codec's placeholder
    syn = make_synthesizer("bayesnet", seed=0).fit(survey_table(3000))
    assert [b.members.size for b in syn.missing_blocks_] == [20]  # type: ignore[attr-defined]
    test = survey_table(400, seed=1)
    test = test[test[ITEMS].notna().all(axis=1)].reset_index(drop=True)
    partial = test.copy()
    partial[["q0", "q1", "q2"]] = np.nan
    out = syn.impute(partial, seed=1)
    assert_given_kept(partial, out)
    for column in ["q0", "q1", "q2"]:
        assert out[column].nunique() > 100, column
        assert np.corrcoef(test[column], out[column])[0, 1] > 0.15, column


def test_held_block_indicators_choose_an_agreeing_pattern(
        fitted: BayesianNetworkSynthesizer) -> None:
    # Assets and Debt go missing together in credit_data: holding Assets missing keeps it
    # so and draws Debt's state from the patterns that have Assets missing; a pattern the
    # model never saw (Debt missing alone) stays held but makes its rows unlikely
    (block,) = fitted.missing_blocks_
    first, second = (int(j) for j in block.members)
    rng = np.random.default_rng(0)
    values = fitted._sample(4000, rng=rng).values.copy()
    held = np.zeros(values.shape, dtype=bool)
    values[:, first], held[:, first] = MISSING_CODE, True
    out, log_like = fitted.held_draw(values, held, rng)
    assert (out[:, first] == MISSING_CODE).all()
    both = block.patterns[(block.patterns[:, 0] == MISSING_CODE)]
    # the shares of the agreeing patterns, within sampling noise of the model's own
    expect = fitted.sample(20_000, seed=3)
    sources = [fitted.codec_.encoded_columns[j].source for j in block.members]
    real = expect[sources[1]].isna()[expect[sources[0]].isna()].mean()
    assert len(both) == 2 and abs((out[:, second] == MISSING_CODE).mean() - real) < 0.08
    seen = log_like
    values[:, first], values[:, second], held[:, second] = 1 - MISSING_CODE, MISSING_CODE, True
    out, log_like = fitted.held_draw(values, held, rng)
    assert (out[:, first] != MISSING_CODE).all() and (out[:, second] == MISSING_CODE).all()
    assert np.isfinite(log_like).all() and log_like.max() < seen.min() - 10


def test_a_held_number_takes_its_own_bin() -> None:
    table = np.array([[1.0, 1.5, 2.0], [3.0, 3.5, 4.0], [10.0, 12.0, 14.0]])
    x = np.array([1.0, 2.0, 3.0, 4.0, 14.0, 2.4, 2.6, 7.5, -5.0, 99.0])
    np.testing.assert_array_equal(bin_of(table, x), [0, 0, 1, 1, 2, 0, 1, 2, 0, 2])


def test_rules_hold_in_imputed_rows(credit: pd.DataFrame) -> None:
    syn = make_synthesizer("bayesnet", seed=0).fit(credit.iloc[:3000], constraints=[
        Inequality("Amount", "Price")])
    test = credit.iloc[3000:3300].reset_index(drop=True)
    for column in ["Price", "Amount"]:
        partial = test.astype({column: "float64"})
        partial[column] = np.nan
        out = syn.impute(partial, seed=1)
        assert (out["Price"] >= out["Amount"]).all()
        assert out[column].notna().all()
        assert_given_kept(partial, out)


def test_same_seed_same_rows_and_a_saved_model_imputes_the_same(
        credit: pd.DataFrame, fitted: BayesianNetworkSynthesizer, tmp_path: Path) -> None:
    partial, _ = blanked(credit.iloc[3000:3200].reset_index(drop=True), 2)
    first = fitted.impute(partial, seed=5)
    pd.testing.assert_frame_equal(first, fitted.impute(partial, seed=5))
    assert not first.equals(fitted.impute(partial, seed=6))
    fitted.save(tmp_path / "m.sim")
    pd.testing.assert_frame_equal(first, load_synthesizer(tmp_path / "m.sim")
                                  .impute(partial, seed=5))


def test_a_model_saved_before_missing_blocks_imputes_as_it_samples(
        credit: pd.DataFrame) -> None:
    # its state has no "missing_blocks": it samples as it did, and imputes all the same
    model = make_synthesizer("bayesnet", seed=0, missing_blocks=False).fit(credit.iloc[:3000])
    state = model._get_state()
    del state["missing_blocks"]
    old = copy.copy(model)  # the table, codec and rules as loaded; the model's own state:
    old._set_state(state)  # type: ignore[attr-defined]
    assert old.missing_blocks_ == []  # type: ignore[attr-defined]
    partial, blank = blanked(credit.iloc[3000:3200].reset_index(drop=True), 2)
    out = old.impute(partial, seed=1)
    pd.testing.assert_frame_equal(out, model.impute(partial, seed=1))
    assert out.notna().to_numpy()[blank].all()


def test_a_blank_category_is_filled_though_the_category_goes_missing() -> None:
    # a category's missing value is one more code of it; a blank cell asks for a value
    # (as a blank number does), so that code is never drawn into it
    rng = np.random.default_rng(0)
    x = rng.normal(size=3000)
    group = np.where(x > 0, "high", "low").astype(object)
    group[rng.random(3000) < 0.3] = None
    syn = make_synthesizer("bayesnet", seed=0).fit(pd.DataFrame({"x": x, "group": group}))
    partial = pd.DataFrame({"x": rng.normal(size=500), "group": None})
    out = syn.impute(partial, seed=1)
    assert out["group"].notna().all()
    assert (out["group"] == np.where(partial["x"] > 0, "high", "low")).mean() > 0.9
    # a column left out of the rows is drawn as the model draws it, missing values too
    assert syn.impute(partial[["x"]], seed=1)["group"].isna().mean() > 0.15


def test_a_given_number_beyond_the_range_conditions_on_the_last_bin(
        credit: pd.DataFrame, fitted: BayesianNetworkSynthesizer) -> None:
    # a Seniority above any the model saw is kept as given and takes the top bin, so the
    # cells drawn after it follow the longest-serving real rows (older than most)
    partial = credit.iloc[3000:3300].reset_index(drop=True).astype({"Age": "float64"})
    partial["Age"] = np.nan
    top = credit.iloc[:3000]["Seniority"].max()
    partial["Seniority"] = top + 5
    out = fitted.impute(partial, seed=1)
    assert (out["Seniority"] == top + 5).all()
    assert out["Age"].notna().all() and out["Age"].median() > credit["Age"].quantile(0.75)
