"""A model whose custom predicate cannot be imported is not "corrupt" (QA18 defect 17)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulacra import load_synthesizer, make_synthesizer
from simulacra.constraints import Predicate
from simulacra.errors import ArtifactError


def test_a_missing_predicate_module_says_what_to_do(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "qa18_hotel_rules.py").write_text(
        "def cheap(frame):\n    return frame['rate'] < 400\n")
    monkeypatch.syspath_prepend(str(folder))
    rng = np.random.default_rng(0)
    data = pd.DataFrame({"rate": rng.uniform(50, 380, 200), "room": rng.choice(["a", "b"], 200)})
    model = make_synthesizer("cart", seed=0).fit(
        data, constraints=[Predicate("qa18_hotel_rules:cheap")])
    path = tmp_path / "pred.sim"
    model.save(path)
    assert len(load_synthesizer(path).sample(5, seed=1)) == 5  # importable: loads
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p != str(folder)])
    monkeypatch.delitem(sys.modules, "qa18_hotel_rules")
    with pytest.raises(ArtifactError) as info:
        load_synthesizer(path)
    message = str(info.value)
    assert "corrupt" not in message and "'qa18_hotel_rules:cheap'" in message
    assert "PYTHONPATH" in message and "intact" in message
