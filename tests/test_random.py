import numpy as np
import pytest

from simulacra._random import as_generator, generator_from_state, generator_state, spawn
from simulacra.errors import InvalidParameterError


def test_same_seed_same_children() -> None:
    a = [np.random.default_rng(s).random() for s in spawn(5, 3)]
    b = [np.random.default_rng(s).random() for s in spawn(5, 3)]
    assert a == b and len(set(a)) == 3


def test_generator_continues_its_stream() -> None:
    g = np.random.default_rng(1)
    assert as_generator(g) is g


def test_state_round_trip() -> None:
    g = np.random.default_rng(3)
    g.random(10)
    h = generator_from_state(generator_state(g))
    assert g.random() == h.random()


@pytest.mark.parametrize("bad", [-1, 1.5, "7", True])
def test_bad_seeds(bad) -> None:
    with pytest.raises(InvalidParameterError, match="seed"):
        as_generator(bad)


def test_no_global_state_touched() -> None:
    np.random.seed(123)  # noqa: NPY002 - the test checks global state is untouched
    before = np.random.random()  # noqa: NPY002
    np.random.seed(123)  # noqa: NPY002 - the test checks global state is untouched
    from simulacra import make_synthesizer
    from simulacra.testing import contract_table

    make_synthesizer("cart", seed=1).fit(contract_table(100)).sample(10)
    assert np.random.random() == before  # noqa: NPY002
