"""The public contract suite over every registered synthesizer."""

import importlib.util
from typing import Any

import pandas as pd
import pytest

from simulacra.synth import make_synthesizer, synthesizer_names
from simulacra.testing import CHECKS, contract_table

# Neural models train for a few tiny epochs here: the suite checks the contract, not quality.
FAST: dict[str, dict[str, Any]] = {
    "tvae": {"epochs": 3, "embedding_dim": 8, "hidden_size": 16, "device": "cpu"},
    "ctgan": {"epochs": 2, "batch_size": 20, "embedding_dim": 8, "generator_size": 16,
              "discriminator_size": 16, "pac": 2, "device": "cpu", "threads": 1},
    "argn": {"epochs": 2, "embedding_dim": 4, "hidden_size": 16, "device": "cpu",
             "threads": 1},
    "ddpm": {"epochs": 2, "batch_size": 64, "num_timesteps": 20, "embedding_dim": 8,
             "hidden_size": 16, "hidden_layers": 1, "device": "cpu", "threads": 1},
}
NEURAL = {"tvae", "ctgan", "argn", "ddpm"}


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return contract_table()


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("name", synthesizer_names())  # "auto" first
def test_contract(name: str, check, table: pd.DataFrame) -> None:
    if name in NEURAL and importlib.util.find_spec("torch") is None:
        pytest.skip("the neural extra (torch) is not installed")
    check(make_synthesizer(name, seed=11, **FAST.get(name, {})), table)
