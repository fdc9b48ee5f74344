"""The contract every synthesizer honours, as a public suite of checks.

Run it on your own synthesizer the way simulacra runs it on its own::

    from simulacra.testing import check_synthesizer
    check_synthesizer(MySynthesizer(seed=0))

Each check takes an unfitted synthesizer and a table, and raises ``AssertionError`` saying
which promise was broken.
"""

from __future__ import annotations

import inspect
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from simulacra.constraints import (
    Constraint,
    FixedCombinations,
    Inequality,
    Positive,
    Predicate,
    Range,
)
from simulacra.errors import (
    FitWarning,
    InvalidParameterError,
    NotFittedError,
    SamplingError,
    SchemaError,
)
from simulacra.schema import Kind, Table
from simulacra.synth._base import BaseSynthesizer
from simulacra.synth._registry import SYNTHESIZERS, make_synthesizer

__all__ = ["CHECKS", "adults_only", "check_synthesizer", "contract_constraints",
           "contract_table"]

Check = Callable[[BaseSynthesizer, pd.DataFrame], None]


def contract_table(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """A small table with every kind the core handles: the contract suite's data."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 90, n)
    income = np.round(rng.lognormal(10, 0.5, n) + age * 50, 2)
    income[rng.random(n) < 0.1] = np.nan
    segment = rng.choice(["basic", "plus", "premium", "rare"], n, p=[0.6, 0.3, 0.09, 0.01])
    joined = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1500, n), unit="D")
    names = [f"{a} {b}" for a, b in zip(rng.choice(_FIRST, n), rng.choice(_LAST, n), strict=True)]
    return pd.DataFrame({
        "customer_id": np.arange(1, n + 1),
        "age": age,
        "income": income,
        "segment": segment,
        "active": rng.random(n) < 0.7,
        "joined": joined,
        "signup_day": joined.strftime("%d/%m/%Y"),
        "email": [f"user{i}.{s}@mail.test" for i, s in enumerate(segment)],
        "full_name": names,
    })


_FIRST = ["Alice", "Bruno", "Chiara", "Dmitri", "Elena", "Farid", "Greta", "Hiro"]
_LAST = ["Rossi", "Novak", "Okafor", "Larsen", "Moreau", "Tanaka", "Silva", "Weber"]


def _fresh(syn: BaseSynthesizer) -> BaseSynthesizer:
    return type(syn)(**syn.get_params())


def check_init_stores_params(syn: BaseSynthesizer, data: pd.DataFrame) -> None:
    """``__init__`` stores each keyword argument verbatim and sets nothing fitted."""
    sig = inspect.signature(type(syn).__init__)
    for name, p in sig.parameters.items():
        if name == "self":
            continue
        assert p.kind is inspect.Parameter.KEYWORD_ONLY, f"parameter {name!r} is not keyword-only"
    fresh = _fresh(syn)
    assert fresh.get_params() == syn.get_params(), "get_params does not round-trip through init"
    fitted = [k for k in vars(fresh) if k.endswith("_") and not k.startswith("_")]
    assert not fitted, f"__init__ sets fitted attributes {fitted}"


def check_not_fitted(syn: BaseSynthesizer, data: pd.DataFrame) -> None:
    """Sampling or saving before ``fit`` raises ``NotFittedError``."""
    fresh = _fresh(syn)
    for call in (lambda: fresh.sample(3), lambda: fresh.save(Path(tempfile.gettempdir()) / "x")):
        try:
            call()
        except NotFittedError:
            continue
        raise AssertionError("an unfitted synthesizer did not raise NotFittedError")


def check_fit_returns_self(syn: BaseSynthesizer, data: pd.DataFrame) -> None:
    """``fit`` returns the synthesizer itself."""
    fresh = _fresh(syn)
    assert fresh.fit(data) is fresh, "fit did not return self"


def check_output_matches_schema(syn: BaseSynthesizer, data: pd.DataFrame) -> None:
    """Same columns, order and dtypes; values within what the schema allows; ids unique."""
    fitted = _fresh(syn).fit(data)
    out = fitted.sample(500, seed=1)
    assert len(out) == 500, f"asked for 500 rows, got {len(out)}"
    assert list(out.columns) == list(data.columns), "columns differ from the real table"
    for col in data.columns:
        assert out[col].dtype == data[col].dtype, (
            f"column {col!r}: dtype {out[col].dtype} differs from the real {data[col].dtype}"
        )
    _check_values(fitted.table_, data, out)


def _check_values(table: Table, real: pd.DataFrame, out: pd.DataFrame) -> None:
    for col in table.columns:
        s = out[col.name]
        if col.unique:
            assert s.dropna().is_unique, f"column {col.name!r} is declared unique but repeats"
        if col.kind is Kind.NUMERICAL and col.minimum is not None and col.maximum is not None:
            v = s.dropna().astype(float)
            assert v.min() >= col.minimum and v.max() <= col.maximum, (
                f"column {col.name!r} leaves its range [{col.minimum}, {col.maximum}]"
            )
        if col.kind in (Kind.CATEGORICAL, Kind.BOOLEAN):
            unseen = set(s.dropna()) - set(real[col.name].dropna())
            assert not unseen, f"column {col.name!r} invents categories {sorted(map(str, unseen))}"
        if col.missing_share == 0:
            assert s.notna().all(), f"column {col.name!r} has no missing values in real data"


def check_same_seed_same_rows(syn: BaseSynthesizer, data: pd.DataFrame) -> None:
    """The same seed gives the same rows; successive ``sample()`` calls differ."""
    a = _fresh(syn).fit(data)
    b = _fresh(syn).fit(data)
    if syn.get_params().get("seed") is not None:
        pd.testing.assert_frame_equal(a.sample(50), b.sample(50))
    pd.testing.assert_frame_equal(a.sample(50, seed=3), a.sample(50, seed=3))
    first, second = a.sample(50), a.sample(50)
    assert not first.equals(second), "two successive sample() calls returned identical rows"


def check_save_load_identical(syn: BaseSynthesizer, data: pd.DataFrame) -> None:
    """A saved and loaded model samples exactly what the original samples."""
    fitted = _fresh(syn).fit(data)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.sim"
        fitted.save(path)
        loaded = type(fitted).load(path)
    assert loaded.get_params() == fitted.get_params(), "parameters changed in the round trip"
    pd.testing.assert_frame_equal(loaded.sample(40, seed=9), fitted.sample(40, seed=9))
    pd.testing.assert_frame_equal(loaded.sample(40), fitted.sample(40))


def check_chunks_stream(syn: BaseSynthesizer, data: pd.DataFrame) -> None:
    """Chunks add up to ``n``, keep the real dtypes, and ids stay unique across chunks."""
    fitted = _fresh(syn).fit(data)
    chunks = list(fitted.iter_sample(120, seed=4, chunk_rows=50))
    assert [len(c) for c in chunks] == [50, 50, 20], "chunks do not add up to n"
    for chunk in chunks:
        assert list(chunk.dtypes) == list(data.dtypes), "a chunk's dtypes differ from the real"
    whole = pd.concat(chunks, ignore_index=True)
    for col in fitted.table_.columns:
        if col.unique:
            assert whole[col.name].is_unique, f"unique column {col.name!r} repeats across chunks"


def check_sample_spans_range(syn: BaseSynthesizer, data: pd.DataFrame) -> None:
    """A sample as large as the training data reaches each number's real minimum and maximum.

    Streamed in chunks too; ``span_range=False`` turns it off, and missing shares stay.
    """
    fitted = _fresh(syn).fit(data)
    numbers = [c.name for c in fitted.table_.columns
               if c.kind is Kind.NUMERICAL and fitted.codec_.codec(c.name).encoded]
    whole = fitted.sample(len(data), seed=6)
    streamed = pd.concat(fitted.iter_sample(len(data), seed=6, chunk_rows=64))
    for name in numbers:
        for out in (whole, streamed):
            assert out[name].min() == data[name].min(), f"{name!r} stops short of the minimum"
            assert out[name].max() == data[name].max(), f"{name!r} stops short of the maximum"
    plain = fitted.sample(len(data), seed=6, span_range=False)
    for name in numbers:
        changed = (plain[name] != whole[name]) & plain[name].notna()
        assert changed.sum() <= 2, f"spanning {name!r} changed more than its two extremes"
        assert whole[name].isna().sum() == plain[name].isna().sum(), "spanning moved NaNs"


def check_bad_n(syn: BaseSynthesizer, data: pd.DataFrame) -> None:
    """``n`` of 0, negative or not an int is a clear error."""
    fitted = _fresh(syn).fit(data)
    for bad in (0, -5, 2.5, True):
        try:
            fitted.sample(bad)  # type: ignore[arg-type]
        except InvalidParameterError:
            continue
        raise AssertionError(f"sample({bad!r}) did not raise InvalidParameterError")


def adults_only(frame: pd.DataFrame) -> np.ndarray:
    """A custom predicate of the contract suite: every row's ``age`` is at least 18."""
    return np.asarray(frame["age"].to_numpy() >= 18)


def contract_constraints() -> list[Constraint]:
    """Rules the contract table obeys, of every kind it has columns for."""
    return [
        Inequality("age", "income", reparametrize=True),  # numbers, reparametrized
        Inequality("joined", "signup_day"),               # text dates: rejection
        FixedCombinations(["segment", "active"]),
        Range("age", low=18, high=89),
        Positive("income"),
        Predicate("simulacra.testing:adults_only"),
    ]


def check_constraints_hold(syn: BaseSynthesizer, data: pd.DataFrame) -> None:
    """Every sampled row obeys every constraint; exactly ``n`` rows; they survive save/load.

    A rule no row can satisfy ends in a ``SamplingError`` naming it, not an endless loop.
    """
    if "age" not in data or "signup_day" not in data:
        return  # the rules below are written for the contract table
    fitted = _fresh(syn).fit(data, constraints=contract_constraints())
    out = fitted.sample(400)
    assert len(out) == 400, f"asked for 400 rows under constraints, got {len(out)}"
    assert list(out.dtypes) == list(data.dtypes), "constraints changed the output dtypes"
    for rule in fitted.constraints_.rules:
        broken = int((~rule.valid(out)).sum())
        assert not broken, f"{broken} sampled rows break the constraint {rule.describe()!r}"
    with tempfile.TemporaryDirectory() as tmp:
        fitted.save(Path(tmp) / "model.sim")
        loaded = type(fitted).load(Path(tmp) / "model.sim")
    assert loaded.sample(50, seed=5).equals(fitted.sample(50, seed=5)), (
        "a model with constraints samples differently after save/load")
    try:
        _fresh(syn).fit(data, constraints=[Range("age", low=200)])
    except SchemaError as exc:
        assert "200 <= age" in str(exc), "refusing a rule no real row obeys does not name it"
    else:
        raise AssertionError("a constraint no real row obeys was accepted at fit")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitWarning)  # most real rows break this rule
        impossible = _fresh(syn).fit(data, constraints=[Range("age", low=data["age"].max())])
    for rule in impossible.constraints_.rules:  # after any rule the synthesizer found
        if isinstance(rule, Range) and rule.column == "age":
            rule.low = 200  # now one no row can obey (fit refuses such a rule)
    try:
        impossible.sample(100)
    except SamplingError as exc:
        assert "age" in str(exc), "the SamplingError does not name the rule"
    else:
        raise AssertionError("an impossible constraint did not raise SamplingError")


def check_registry_trio(syn: BaseSynthesizer, data: pd.DataFrame) -> None:
    """The registry name of the class makes an object of that very class."""
    name = SYNTHESIZERS.name_of(type(syn))
    assert type(make_synthesizer(name)) is type(syn), f"registry name {name!r} maps elsewhere"


CHECKS: tuple[Check, ...] = (
    check_init_stores_params,
    check_not_fitted,
    check_fit_returns_self,
    check_output_matches_schema,
    check_same_seed_same_rows,
    check_save_load_identical,
    check_chunks_stream,
    check_sample_spans_range,
    check_bad_n,
    check_constraints_hold,
    check_registry_trio,
)


def check_synthesizer(syn: BaseSynthesizer, data: pd.DataFrame | None = None) -> None:
    """Run every contract check on ``syn`` (unfitted) with ``data`` or the contract table."""
    table = contract_table() if data is None else data
    for check in CHECKS:
        check(syn, table)
