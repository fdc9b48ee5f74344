"""Fixtures shared by the neural model tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest


@pytest.fixture
def native_draws(monkeypatch: pytest.MonkeyPatch) -> Callable[[Any], list[Any]]:
    """Watch a fitted model's ``_sample_fixed``: the list of what each call returned.

    A None in it means the model declined to draw natively (rejection took over).
    """
    def watch(syn: Any) -> list[Any]:
        calls: list[Any] = []
        original = syn._sample_fixed

        def spy(n: int, fixed: dict[int, float], *, rng: np.random.Generator) -> Any:
            calls.append(out := original(n, fixed, rng=rng))
            return out

        monkeypatch.setattr(syn, "_sample_fixed", spy)
        return calls

    return watch
