"""A DataFrame's index is learned like a column and comes back as the index of every sample."""

import dataclasses
import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulacra import Kind, Schema, infer_schema, load_synthesizer, make_synthesizer
from simulacra.errors import SchemaError
from simulacra.synth._artifact import read_artifact
from tests.cli._run import run
from tests.contract.test_synthesizers import FAST

FAST_MODELS = ["independent", "copula", "bayesnet", "cart"]
NEURAL = ["tvae", "ctgan", "argn", "ddpm"]


def _dated(n: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {"x": rng.normal(size=n), "g": rng.choice(list("abc"), n)},
        index=pd.date_range("2021-01-01", periods=n, freq="D", tz="Europe/Berlin",
                            name="day"))


def _panel() -> pd.DataFrame:
    """Three countries over different years: the panel structure a model must keep."""
    rng = np.random.default_rng(1)
    rows = [(country, year, float(year - start) + rng.normal())
            for country, (start, end) in {"DE": (1990, 2010), "FR": (2000, 2020),
                                          "US": (1960, 1985)}.items()
            for year in range(start, end + 1)]
    return pd.DataFrame(rows, columns=["country", "year", "gdp"]).set_index(
        ["country", "year"])


def _customers(n: int = 150) -> pd.DataFrame:
    rng = np.random.default_rng(2)
    ids = pd.Index(rng.choice(np.arange(10_000, 99_999), n, replace=False), name="customer_id")
    return pd.DataFrame({"spend": rng.gamma(2.0, 10.0, n)}, index=ids)


def _fit(name: str, data: pd.DataFrame, **kwargs) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a learned index is not warned about
        return make_synthesizer(name, seed=0, **FAST.get(name, {})).fit(data, **kwargs)


def _assert_dated_round_trip(real: pd.DataFrame, out: pd.DataFrame) -> None:
    assert isinstance(out.index, pd.DatetimeIndex)
    assert out.index.name == "day" and out.index.dtype == real.index.dtype  # tz kept
    assert out.index.min() >= real.index.min() and out.index.max() <= real.index.max()
    assert (out.index == out.index.normalize()).all(), "daily dates left the day grid"
    assert list(out.columns) == list(real.columns)


@pytest.mark.parametrize("name", FAST_MODELS)
def test_a_date_index_comes_back_as_the_index(name: str) -> None:
    real = _dated()
    syn = _fit(name, real)
    assert syn.table_.column("day").kind is Kind.DATETIME
    _assert_dated_round_trip(real, syn.sample(300))


@pytest.mark.neural
@pytest.mark.parametrize("name", NEURAL)
def test_a_date_index_comes_back_through_the_neural_models(name: str) -> None:
    if importlib.util.find_spec("torch") is None:
        pytest.skip("the neural extra (torch) is not installed")
    real = _dated(120)
    _assert_dated_round_trip(real, _fit(name, real).sample(80))


def test_a_panel_index_keeps_its_levels_and_each_country_its_years() -> None:
    real = _panel()
    syn = _fit("cart", real)
    out = syn.sample(600, span_range=False)
    assert out.index.names == ["country", "year"]
    assert list(out.index.dtypes) == list(real.index.dtypes)
    spans = real.reset_index().groupby("country")["year"].agg(["min", "max"])
    drawn = out.reset_index()
    inside = drawn["year"].between(drawn["country"].map(spans["min"]),
                                   drawn["country"].map(spans["max"]))
    assert inside.mean() > 0.97, f"only {inside.mean():.0%} of the years fit their country"
    assert set(drawn["country"]) == {"DE", "FR", "US"}


def test_a_unique_named_index_is_an_id_unique_and_never_a_real_one() -> None:
    real = _customers()
    syn = _fit("auto", real)
    assert syn.table_.column("customer_id").kind is Kind.ID
    out = syn.sample(400)
    assert out.index.name == "customer_id" and out.index.dtype == real.index.dtype
    assert out.index.is_unique and not out.index.isin(real.index).any()
    streamed = pd.concat(syn.iter_sample(400, seed=5, chunk_rows=150))
    assert streamed.index.name == "customer_id" and streamed.index.is_unique
    assert not streamed.index.isin(real.index).any()


def test_save_and_load_give_the_same_rows_and_index(tmp_path: Path) -> None:
    syn = _fit("cart", _panel())
    syn.save(tmp_path / "panel.sim")
    assert read_artifact(tmp_path / "panel.sim").state["index"]["names"] == ["country",
                                                                             "year"]
    loaded = load_synthesizer(tmp_path / "panel.sim")
    pd.testing.assert_frame_equal(loaded.sample(120, seed=4), syn.sample(120, seed=4))
    pd.testing.assert_frame_equal(loaded.sample(50), syn.sample(50))  # the stream goes on


def test_row_numbers_are_not_learned_and_files_stay_as_before(tmp_path: Path) -> None:
    plain = _dated().reset_index(drop=True)
    filtered = plain[plain["x"] > -0.5]  # unnamed integers: row numbers, not data
    reset = filtered.reset_index(drop=True)
    for name in ("cart", "copula"):
        a, b = _fit(name, filtered), _fit(name, reset)
        assert a.index_ is None and a.table_ == b.table_
        out = a.sample(90, seed=2)
        assert isinstance(out.index, pd.RangeIndex)
        pd.testing.assert_frame_equal(out, b.sample(90, seed=2))
        a.save(tmp_path / f"{name}.sim")  # the saved state has no index key, as before
        assert "index" not in read_artifact(tmp_path / f"{name}.sim").state


def test_an_index_level_named_like_a_column_is_refused() -> None:
    real = _panel().reset_index(level="year")
    real["country"] = "x"
    with pytest.raises(SchemaError, match=r"index level 'country' \(level 0\) and its column "
                                          r"'country' share a name.*rename_axis"):
        make_synthesizer("independent").fit(real)


def test_conditions_can_name_an_index_level() -> None:
    syn = _fit("cart", _panel())
    out = syn.sample(60, conditions={"country": "FR"})
    assert (out.index.get_level_values("country") == "FR").all()
    assert out.index.get_level_values("year").min() >= 1995  # FR's years, give or take
    chunks = list(syn.iter_sample(60, conditions={"country": "US"}, chunk_rows=25))
    assert [c.index.names for c in chunks] == [["country", "year"]] * 3


def test_impute_keeps_a_given_index_and_draws_a_missing_one() -> None:
    real = _dated()
    syn = _fit("cart", real)
    given = pd.DataFrame({"x": [np.nan, 0.5], "g": ["a", None]},
                         index=pd.DatetimeIndex(["2021-02-01", "2021-03-05"], name="day")
                         .tz_localize("Europe/Berlin"))
    out = syn.impute(given)
    pd.testing.assert_index_equal(out.index, given.index.astype(real.index.dtype))
    assert out["x"].iloc[1] == 0.5 and out["g"].iloc[0] == "a" and out.notna().all().all()
    drawn = syn.sample(2, conditions=given.reset_index(drop=True))
    assert isinstance(drawn.index, pd.DatetimeIndex) and drawn.index.notna().all()
    with pytest.raises(ValueError, match=r"index has the levels \['when'\]"):
        syn.impute(given.rename_axis("when"))


def test_a_schema_without_the_index_infers_it_and_a_declared_one_is_used() -> None:
    real = _panel()
    columns_only = infer_schema(real).table()
    assert columns_only.column_names == ["gdp"]
    syn = _fit("cart", real, schema=Schema.single(columns_only))
    assert syn.table_.column_names == ["country", "year", "gdp"]
    assert syn.sample(10).index.names == ["country", "year"]
    declared = infer_schema(real.reset_index()).table()
    as_category = declared.replace_column(dataclasses.replace(
        declared.column("year"), kind=Kind.CATEGORICAL))
    syn = _fit("cart", real, schema=Schema.single(as_category))
    assert syn.table_.column("year").kind is Kind.CATEGORICAL
    assert set(syn.sample(200).index.get_level_values("year")) <= set(
        real.index.get_level_values("year"))


def test_unnamed_and_period_levels() -> None:
    rng = np.random.default_rng(3)
    months = pd.period_range("2001-01", periods=60, freq="M")
    real = pd.DataFrame({"y": rng.normal(size=60), "__index_level_0__": rng.normal(size=60)},
                        index=months)  # a column already has pandas' name for the level
    syn = _fit("copula", real)
    out = syn.sample(40)
    assert isinstance(out.index, pd.PeriodIndex) and out.index.freqstr == "M"
    assert out.index.name is None and list(out.columns) == list(real.columns)
    assert out.index.min() >= months.min() and out.index.max() <= months.max()


def test_the_cli_writes_a_learned_index_as_columns(tmp_path: Path, capsys,
                                                   monkeypatch) -> None:
    _fit("cart", _panel()).save(tmp_path / "panel.sim")
    out = tmp_path / "out.csv"
    code, _, err = run(["sample", str(tmp_path / "panel.sim"), "-n", "30", "-o", str(out),
                        "-q"], capsys, monkeypatch)
    assert code == 0, err
    written = pd.read_csv(out)
    assert list(written.columns) == ["country", "year", "gdp"]
    assert set(written["country"]) <= {"DE", "FR", "US"}


@pytest.mark.parametrize("make", [_panel, _dated, _customers])
def test_the_cli_writes_a_learned_index_to_parquet_as_its_index(make, tmp_path: Path, capsys,
                                                                 monkeypatch) -> None:
    # QA sweep 12: a pandas Parquet file's named index came back as a plain first column
    real = make()
    real.to_parquet(tmp_path / "real.parquet")
    code, _, err = run(["fit", str(tmp_path / "real.parquet"), "-o", str(tmp_path / "m.sim"),
                        "-s", "copula", "-q"], capsys, monkeypatch)
    assert code == 0, err
    out = tmp_path / "out.parquet"
    code, _, err = run(["sample", str(tmp_path / "m.sim"), "-n", "70", "--chunk-rows", "30",
                        "-o", str(out), "-q"], capsys, monkeypatch)
    assert code == 0, err
    written = pd.read_parquet(out)
    assert written.index.names == real.index.names and len(written) == 70
    assert list(written.columns) == list(real.columns)
    assert [str(t) for t in written.index.to_frame().dtypes] == [
        str(t) for t in real.index.to_frame().dtypes]
    gaps = real.iloc[:5].copy()
    gaps.iloc[:, -1] = np.nan
    gaps.to_parquet(tmp_path / "gaps.parquet")
    filled = tmp_path / "filled.parquet"
    code, _, err = run(["impute", str(tmp_path / "m.sim"), str(tmp_path / "gaps.parquet"),
                        "-o", str(filled), "-q"], capsys, monkeypatch)
    assert code == 0, err
    back = pd.read_parquet(filled)
    pd.testing.assert_frame_equal(back.index.to_frame(index=False),  # values, dtypes and
                                  real.index[:5].to_frame(index=False))  # names; no freq
    assert back.notna().all().all()
