"""Tables passed as something other than a DataFrame: a clear error with the right fix
(QA20 defect 10)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from simulacra import evaluate, holdout_split, infer_schema, make_synthesizer, read_table, rebalance
from simulacra.errors import InvalidParameterError

FRAME = pd.DataFrame({"x": np.arange(40.0), "c": ["a", "b"] * 20})
ARROW = pa.Table.from_pandas(FRAME)


@pytest.mark.parametrize("call", [
    lambda: infer_schema(ARROW),
    lambda: read_table(ARROW),
    lambda: holdout_split(ARROW),
    lambda: make_synthesizer("independent").fit(ARROW),
    lambda: evaluate(ARROW, FRAME),
    lambda: rebalance(ARROW, target="c"),
])
def test_an_arrow_table_is_refused_with_to_pandas_as_the_fix(call) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidParameterError, match=r"to_pandas\(\)"):
        call()


def test_other_things_get_their_own_fix() -> None:
    with pytest.raises(InvalidParameterError, match=r"to_frame\(\)"):
        make_synthesizer("independent").fit(FRAME["x"])
    with pytest.raises(InvalidParameterError, match=r"pd.DataFrame\(values\)"):
        infer_schema(FRAME.to_numpy())  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="DataFrame itself"):
        read_table(FRAME)  # type: ignore[arg-type]
