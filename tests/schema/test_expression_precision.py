from __future__ import annotations

import pytest

from simulacra.schema._expression_precision import expression_decimals

DECIMALS = {"count": 0, "quarters": 2, "price": 2, "ratio": None, "odd name": 1}


@pytest.mark.parametrize(("expression", "decimals"), [
    ("count + quarters", 2), ("`count` - quarters", 2), ("price * count", 2),
    ("price * quarters", 4), ("price * 0.19", 4), ("14 + count", 0), ("-count", 0),
    ("`odd name` * 2", 1), ("quarters ** 2", 4), ("abs(price)", 2), ("count // price", 0),
    ("count / 3", None), ("ratio + count", None), ("sqrt(count)", None),
    ("nosuch + count", None), ("count +* 2", None), ("count * 1e-3", 3),
])
def test_an_expression_gives_the_decimals_its_inputs_allow(expression: str,
                                                           decimals: int | None) -> None:
    assert expression_decimals(expression, DECIMALS) == decimals
