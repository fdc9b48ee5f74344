"""The public contract suite over every registered synthesizer."""

import pandas as pd
import pytest

from simulacra.synth import SYNTHESIZERS, make_synthesizer
from simulacra.testing import CHECKS, contract_table


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return contract_table()


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("name", SYNTHESIZERS.names())
def test_contract(name: str, check, table: pd.DataFrame) -> None:
    check(make_synthesizer(name, seed=11), table)
