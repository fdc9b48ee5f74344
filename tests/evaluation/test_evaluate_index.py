"""evaluate compares the index levels a model learns as data (QA20 defect 5)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulacra import evaluate

METRICS = ["column_shapes", "pair_trends"]


def panel(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    firms = np.repeat([f"firm{i}" for i in range(10)], 20)
    years = np.tile(np.arange(1935, 1955), 10)
    size = np.repeat(rng.lognormal(3, 1, 10), 20)
    frame = pd.DataFrame({"invest": size * rng.lognormal(0, 0.2, 200) + (years - 1935),
                          "capital": size * rng.lognormal(1, 0.3, 200)})
    return frame.set_index(pd.MultiIndex.from_arrays([firms, years], names=["firm", "year"]))


def test_a_broken_index_lowers_fidelity() -> None:
    real, syn = panel(0), panel(1)
    bad = syn.set_axis(pd.MultiIndex.from_arrays([["X"] * 200, [1000] * 200],
                                                 names=["firm", "year"]), axis=0)
    good, broken = evaluate(real, syn, metrics=METRICS), evaluate(real, bad, metrics=METRICS)
    assert {"firm", "year"} <= set(good.info["columns"])
    for metric in METRICS:
        assert broken.value(metric) < good.value(metric) - 0.2, metric
    # levels given as columns count the same; the caller's frames are left as they were
    as_columns = evaluate(real, syn.reset_index(), metrics=METRICS)
    assert as_columns.value("column_shapes") == good.value("column_shapes")
    assert list(syn.index.names) == ["firm", "year"] and list(syn.columns) == ["invest",
                                                                              "capital"]


def test_an_index_the_synthetic_data_lacks_is_left_out_with_a_note() -> None:
    real, syn = panel(0), panel(1).reset_index(drop=True)
    report = evaluate(real, syn, holdout=panel(2), metrics=METRICS)
    assert "firm" not in report.info["columns"]
    assert any("index levels ('firm', 'year') are not compared" in n
               for n in report.info["notes"])
