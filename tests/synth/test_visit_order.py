"""The visit order's dependence measure."""

import numpy as np
import pytest

from simulacra.synth._visit_order import dependence, nmi


@pytest.mark.parametrize("levels", [(2, 5, 17, 3), (2, 90, 5)])
def test_batched_dependence_is_the_pairwise_nmi(levels: tuple[int, ...]) -> None:
    rng = np.random.default_rng(0)
    codes = [rng.integers(0, k, 700) for k in levels]
    codes.append(codes[1] * 3 % 7)  # tied to another column
    dep = dependence(codes)
    for a in range(len(codes)):
        assert dep[a, a] == 0.0
        for b in range(len(codes)):
            if a != b:
                assert dep[a, b] == pytest.approx(nmi(codes[a], codes[b]), abs=1e-12)
    assert dep[1, len(codes) - 1] > 0.5  # the tied pair is found


def test_a_constant_column_depends_on_nothing() -> None:
    rng = np.random.default_rng(1)
    dep = dependence([rng.integers(0, 3, 700), np.zeros(700, dtype=np.int64)])
    assert dep[0, 1] == dep[1, 0] == 0.0
