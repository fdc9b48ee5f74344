"""Seed handling: one ``SeedSequence`` per object, children spawned for each use.

Never touches numpy's or torch's global state.
"""

from __future__ import annotations

from typing import Any, TypeAlias

import numpy as np

from simulacra.errors import InvalidParameterError

SeedLike: TypeAlias = int | np.random.SeedSequence | np.random.Generator | None


def seed_sequence(seed: SeedLike) -> np.random.SeedSequence:
    """Turn any accepted seed into a ``SeedSequence`` (fresh entropy for None)."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        # Draw from the generator so repeated calls with one generator give new streams.
        return np.random.SeedSequence(int(seed.integers(0, 2**63 - 1)))
    if seed is None:
        return np.random.SeedSequence()
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InvalidParameterError(
            f"A seed must be a non-negative int, a numpy Generator, a SeedSequence or None. "
            f"Got {seed!r} instead."
        )
    return np.random.SeedSequence(int(seed))


def spawn(seed: SeedLike, n: int) -> list[np.random.SeedSequence]:
    """Derive ``n`` independent child seed sequences from ``seed``."""
    return seed_sequence(seed).spawn(n)


def as_generator(seed: SeedLike) -> np.random.Generator:
    """A ``Generator``; an existing one is returned as is, so its stream continues."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed_sequence(seed))


def generator_state(rng: np.random.Generator) -> dict[str, Any]:
    """The JSON-able state of a generator, to store with a saved model."""
    return dict(rng.bit_generator.state)


def generator_from_state(state: dict[str, Any]) -> np.random.Generator:
    """Rebuild a generator from :func:`generator_state`'s output."""
    name = state.get("bit_generator")
    if name != "PCG64":
        raise InvalidParameterError(f"Cannot restore a random generator of type {name!r}.")
    bit = np.random.PCG64()
    bit.state = state  # type: ignore[assignment]
    return np.random.Generator(bit)


def int_seed(rng: np.random.Generator) -> int:
    """A fresh integer seed drawn from ``rng`` (for libraries that want an int)."""
    return int(rng.integers(0, 2**31 - 1))
