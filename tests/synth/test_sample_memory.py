"""sample(n) refuses an n that clearly cannot fit in memory, before drawing (QA20 defect 9)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulacra import make_synthesizer
from simulacra.errors import InvalidParameterError
from simulacra.synth import _base


def test_a_sample_larger_than_memory_is_refused_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    data = pd.DataFrame({"x": np.arange(100.0), "c": ["a", "b"] * 50})
    model = make_synthesizer("independent", seed=0).fit(data)
    monkeypatch.setattr(_base, "available_memory", lambda: 1_000_000)  # 1 MB
    with pytest.raises(InvalidParameterError, match="iter_sample") as caught:
        model.sample(10**6, seed=1)
    assert "-n" not in str(caught.value)
    assert len(model.sample(1000, seed=1)) == 1000
    assert sum(len(c) for c in model.iter_sample(10**5, seed=1, chunk_rows=50_000)) == 10**5
    monkeypatch.setattr(_base, "available_memory", lambda: None)  # not known: no refusal
    assert len(model.sample(20_000, seed=1)) == 20_000


def test_the_bad_n_message_has_no_command_line_wording() -> None:
    model = make_synthesizer("independent", seed=0).fit(pd.DataFrame({"x": np.arange(50.0)}))
    with pytest.raises(InvalidParameterError, match="at least 1") as caught:
        model.sample(0)
    assert "-n" not in str(caught.value)
